"""What every service does first with what a caller sends: one home for each rule.

- ``json_document``: a body parsed as JSON, or ``NotJson`` (a 400 for the service), also
  for a body nested deeper than any real payload (100,000 ``[`` fit in the 1 MiB limit
  and make Python's parser raise ``RecursionError``, a 500 with a traceback otherwise);
- ``nested_too_deep``: the same bound checked without parsing, for a server whose own
  routes parse bodies (Rasa's HTTP API);
- ``path_segment``: an id (a conversation, an IDPEL, a phone number) as one segment of a
  URL path, whatever characters it holds (``a/../b?x=1`` stays one segment);
- ``same_secret``: a token or signature compared in constant time as bytes
  (``hmac.compare_digest`` on text raises ``TypeError`` on a non-ASCII header: a 500
  where a 403 is due).
"""

from __future__ import annotations

import hmac
import json
import re
from typing import Any
from urllib.parse import quote

# Real payloads (Rasa's events, WhatsApp's and Telegram's updates) nest fewer than 15 deep.
MAX_JSON_DEPTH = 100

# A JSON string (skipped whole, so that brackets inside text do not count) or a bracket.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class NotJson(ValueError):
    """The body is not JSON this service reads."""


def nested_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the body's arrays and objects nest deeper than ``limit``."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # the common case, without a scan
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def json_document(body: bytes | str | None) -> Any:
    """The body's JSON value; ``NotJson`` when it is empty, not JSON or nested too deep."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else (body or b"")
    if not raw.strip():
        raise NotJson("the body is empty")
    if nested_too_deep(raw):
        raise NotJson(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise NotJson(str(error)) from None


def json_object(body: bytes | str | None) -> dict[str, Any]:
    """The body as a JSON object; ``NotJson`` for anything else."""
    document = json_document(body)
    if not isinstance(document, dict):
        raise NotJson("the body must be a JSON object")
    return document


# RFC 3986's pchar: what a path segment holds as it is. ":" and "+" stay (conversation ids
# are "voice:+62..."), since Rasa's server (Sanic) matches ids without decoding them.
SEGMENT_SAFE = "!$&'()*+,;=:@"


def path_segment(value: object) -> str:
    """``value`` escaped as one URL path segment ("/", "?", "#", "%", spaces escaped)."""
    return quote(str(value), safe=SEGMENT_SAFE)


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")


def same_secret(given: str | bytes | None, expected: str | bytes | None) -> bool:
    """Whether a caller's token equals the expected one (never when none is expected)."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(_as_bytes(given), _as_bytes(expected))
