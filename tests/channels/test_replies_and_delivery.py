"""One reading of the assistant's replies for every channel, and ordered delivery with
retries (provider-agnostic)."""

import asyncio

import pytest

from bot.channels.delivery import Item, Outbox
from bot.channels.replies import Button, Reply, replies_of, split_text


def test_rasa_messages_become_replies_with_buttons_and_the_sops_marks():
    messages = [
        {"recipient_id": "x", "text": "Lokasi bangunan berada di kecamatan apa?",
         "buttons": [{"title": "Coblong", "payload": "Coblong"}, {"payload": "Sukajadi"},
                     {"title": ""}, "not a button"]},
        {"recipient_id": "x", "text": "Bisa dibantu nomor handphone?"},
        {"recipient_id": "x", "text": None, "custom": {"share_phone": True}},
        {"recipient_id": "x", "text": "   "},
        {"recipient_id": "x", "custom": {"something": "else"}},
    ]
    assert replies_of(messages) == [
        Reply("Lokasi bangunan berada di kecamatan apa?",
              (Button("Coblong", "Coblong"), Button("Sukajadi", "Sukajadi"))),
        Reply("Bisa dibantu nomor handphone?", share_phone=True),
    ]


def test_the_handoff_carries_its_ticket_and_the_last_sentence_ends_the_conversation():
    messages = [{"text": "Kami teruskan kepada petugas kami (CSO)."},
                {"custom": {"handoff": True, "ticket": "APKT2611270001"}},
                {"text": "Selamat beraktifitas."}, {"custom": {"ends": True}}]
    assert replies_of(messages) == [
        Reply("Kami teruskan kepada petugas kami (CSO).", handoff=True, ticket="APKT2611270001"),
        Reply("Selamat beraktifitas.", ends=True)]
    # no ticket could be recorded (the back office was down): no number is said
    unrecorded = replies_of([{"text": "x"}, {"custom": {"handoff": True, "ticket": ""}}])
    assert unrecorded == [Reply("x", handoff=True)]


def test_a_handoff_mark_alone_is_still_a_reply():
    assert replies_of([{"custom": {"handoff": True}}]) == [Reply("", handoff=True)]
    assert replies_of([]) == []


@pytest.mark.parametrize("text, limit, parts", [
    ("Satu. Dua. Tiga.", 100, ["Satu. Dua. Tiga."]),
    ("Satu dua. Tiga empat.", 12, ["Satu dua.", "Tiga empat."]),
    ("Kalimat tanpa titik yang panjang sekali", 16, ["Kalimat tanpa", "titik yang", "panjang sekali"]),
    ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
    ("Baris satu\nBaris dua", 12, ["Baris satu", "Baris dua"]),
    ("Harga Rp1.234.567 saja. Lalu", 24, ["Harga Rp1.234.567 saja.", "Lalu"]),
    ("", 10, []),
])
def test_split_text_cuts_after_sentences_then_words(text, limit, parts):
    assert split_text(text, limit) == parts
    assert all(len(part) <= limit for part in parts)


def _outbox(sent: list, fail: dict, sleeps: list, attempts: int = 3) -> Outbox:
    def retry_after(error, attempt):
        return None if attempt >= attempts or isinstance(error, ValueError) else 1.5

    async def sleep(seconds):
        sleeps.append(seconds)

    return Outbox(retry_after, sleep)


def _item(name, sent, fail, retried=True):
    async def send():
        if fail.get(name, 0) > 0:
            fail[name] -= 1
            raise (ValueError if name.startswith("bad") else ConnectionError)(name)
        sent.append(name)
        await asyncio.sleep(0)
    return Item(send, "send", retried)


def test_each_recipient_gets_its_items_in_order_with_retries_and_nothing_lost_silently(caplog):
    sent, sleeps = [], []
    fail = {"a2": 2, "bad": 1, "b1": 5, "typing": 1}

    async def scenario():
        outbox = _outbox(sent, fail, sleeps)
        outbox.put("telegram:1", [_item(n, sent, fail) for n in ("a1", "a2", "bad", "a3")])
        outbox.put("telegram:2", [_item("b1", sent, fail), _item("b2", sent, fail)])
        outbox.put("telegram:1", [_item("typing", sent, fail, retried=False),
                                  _item("a4", sent, fail)])
        await outbox.idle()
        return outbox

    outbox = asyncio.run(scenario())
    assert [n for n in sent if n.startswith("a")] == ["a1", "a2", "a3", "a4"]
    assert "b2" in sent and "b1" not in sent  # b1 given up after 3 attempts; b2 still sent
    assert outbox.failed == 2  # "bad" (refused) and b1; the best-effort typing is not counted
    assert sleeps.count(1.5) == 4  # a2 twice, b1 twice
    given_up = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert len(given_up) == 2 and all("telegram:" not in m for m in given_up)  # masked
