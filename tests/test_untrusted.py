"""What every service does first with what a caller sends (bot/untrusted.py)."""

from __future__ import annotations

import json

import pytest

from bot.untrusted import (
    MAX_JSON_DEPTH,
    NotJson,
    json_document,
    json_object,
    nested_too_deep,
    path_segment,
    same_secret,
)


def test_a_body_nested_deeper_than_the_bound_is_not_json_whatever_its_kind():
    for body in (b"[" * 100_000, b'{"a":' * 50_000, b"[" * (MAX_JSON_DEPTH + 1)):
        with pytest.raises(NotJson):
            json_document(body)
    deepest = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert json_document(deepest) == json.loads(deepest)


def test_brackets_inside_strings_do_not_count_and_escaped_quotes_do_not_end_them():
    text = json.dumps({"message": "[" * 5_000 + '\\"]' + "{" * 5_000, "sender": "s1"})
    assert not nested_too_deep(text.encode())
    assert json_object(text)["sender"] == "s1"
    assert nested_too_deep(b'{"a": "x\\\\", "b": ' + b"[" * 200 + b"]" * 200 + b"}")


def test_what_is_not_a_json_object_is_refused_with_a_reason():
    for body in (b"", b"   ", None, b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"'):
        with pytest.raises(NotJson):
            json_object(body)
    assert json_object('{"a": 1}') == {"a": 1}


def test_secrets_are_compared_as_bytes_so_any_header_is_a_plain_no():
    assert same_secret("t0ken", "t0ken") and same_secret(b"t0ken", "t0ken")
    for given in ("t\u00f6ken", "\udcff", "", None, "t0ken "):
        assert not same_secret(given, "t0ken")
    assert not same_secret("", "") and not same_secret("x", None)


def test_an_id_is_one_path_segment_whatever_it_holds():
    assert path_segment("a/../b?x=1#f") == "a%2F..%2Fb%3Fx=1%23f"
    assert path_segment("50%") == "50%25" and path_segment("a b") == "a%20b"
    # as Rasa's server matches it (it does not decode ids): a conversation id unchanged
    assert path_segment("voice:+6281234500101") == "voice:+6281234500101"
