"""The assistant's replies as every channel renders them: one reading of Rasa's output.

Rasa hands a channel a list of messages (``{"text", "buttons", "custom", ...}``; a
response's ``custom`` part arrives as a message of its own). ``replies_of`` turns them into
``Reply`` objects: the text, its choices, and what the SOP asked of the channel through the
response's ``custom`` part (domain.yml):

- ``{"share_phone": true}``: the question takes a phone number; a channel that can vouch
  for the customer's own number (Telegram's shared contact) offers it;
- ``{"handoff": true, "ticket": "..."}``: a CSO takes the conversation over on this
  channel (with the APKT ticket's number, when one was recorded);
- ``{"ends": true}``: the conversation's last sentence (a phone call hangs up after it).

Then, per channel: ``split_text`` (long texts at sentence boundaries).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

HANDOFF_NOTICE = "Petugas CSO kami akan membalas di chat ini."
# A turn that produced no reply: the conversation is paused for a CSO (utter_handoff).
PAUSED_NOTICE = ("Pesan Bapak/Ibu sudah kami terima dan diteruskan kepada petugas CSO kami. "
                 "Mohon ditunggu, petugas kami akan membalas di chat ini.")


@dataclass(frozen=True)
class Button:
    title: str  # what the customer sees
    payload: str  # what choosing it says: exactly the typed word ("ya", "Coblong")


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    share_phone: bool = False
    handoff: bool = False
    ends: bool = False
    ticket: str | None = None


def _buttons(raw: Any) -> tuple[Button, ...]:
    found = []
    for button in raw or ():
        if not isinstance(button, Mapping):
            continue
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if title and payload:
            found.append(Button(title, payload))
    return tuple(found)


def replies_of(messages: Iterable[Mapping[str, Any]]) -> list[Reply]:
    """Rasa's messages as replies; a ``custom`` part marks the reply it belongs to (the
    one before it; on its own it becomes an empty reply that only carries its marks)."""
    replies: list[Reply] = []
    for message in messages:
        text = message.get("text")
        buttons = _buttons(message.get("buttons"))
        if isinstance(text, str) and text.strip():
            replies.append(Reply(text.strip(), buttons))
        elif buttons and replies:
            replies[-1] = replace(replies[-1], buttons=replies[-1].buttons + buttons)
        custom = message.get("custom")
        if isinstance(custom, Mapping):
            marks = {mark: True for mark in ("share_phone", "handoff", "ends")
                     if custom.get(mark)}
            ticket = str(custom.get("ticket") or "").strip()
            if ticket and ticket != "None":
                marks["ticket"] = ticket
            if not marks:
                continue
            if not replies:
                replies.append(Reply(""))
            replies[-1] = replace(replies[-1], **marks)
    return replies


_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in parts of at most ``limit`` characters: cut after a sentence, else after a
    word, else (one word longer than the limit) anywhere."""
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit + 1]
        cut = max((m.end() for m in _SENTENCE_END.finditer(window) if m.start() <= limit),
                  default=0)
        if cut == 0:
            cut = window.rfind(" ") + 1
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts

