"""A request continued on another channel: the rules, framework-free.

A request that stopped before it was saved or ended (the customer went quiet, the call
dropped, the app closed) is kept as an ``OpenRequest`` under the customer's pseudonymous
number (``bot.pseudonyms``) for ``keep_hours`` (``bot.conversation_settings.ContinuationSettings``), and offered to
the same customer when a request starts on any channel that knows their number
*verifiably* (``verified_number``): WhatsApp's ``wa_id``, a Telegram contact the user
shared of themself, the phone's caller id. A caller id a REST client claims is never one.

The offer names the step reached, the channel and how long ago, nothing else. Yes: the
owner's NIK is asked first and checked against AP2T for the carried customer number (the
carried answers are never used for that check, and never said or saved before it); then the
carried answers are checked again as if given now (AP2T's checks and the fees are the
day's) and the conversation goes on at the open question. No: a new request, and the old
one is closed in APKT (Issued Closed, "declined").

What is carried is only the answers of ``Sop.carried`` (no personal data: the NIKs, names,
addresses, e-mail and phone numbers are asked again), kept no longer than the offer is.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.pseudonyms import is_pseudonym
from bot.sop.engine import Sop

DEFAULT_KEEP_HOURS = 24.0
STORE_FILE = "open_requests.sqlite3"

# The channels whose caller id the channel itself verified (bot/channels/contract.py names
# them in the message metadata); "rest" is not one of them, whatever it claims.
VERIFIED_CHANNELS = frozenset({"whatsapp", "telegram", "voice"})
CHANNEL_NAMES = {"whatsapp": "WhatsApp", "telegram": "Telegram", "voice": "telepon 123"}

# The slot naming the request on offer in a conversation (``offer``): the other
# conversation's id among what is said of it
OFFER_SLOT = "continuation_offer"

# Why an open request was closed in APKT (Issued Closed); its ticket's ``data["closed_by"]``
CLOSED_BY = "closed_by"
CONTINUED = "continued"
DECLINED = "declined"
CLOSE_REASONS = {CONTINUED: "Permohonan dilanjutkan di kanal lain",
                 DECLINED: "Pelanggan memilih permohonan baru; permohonan sebelumnya tidak "
                           "dilanjutkan"}


@dataclass(frozen=True)
class OpenRequest:
    """A request not yet saved or ended, as kept for its customer."""

    conversation_id: str
    channel: str
    question: str  # the open question
    answers: Mapping[str, Any]  # the carried answers only
    updated_at: dt.datetime


def verified_number(channel: str | None, caller_id: str | None) -> str | None:
    """The customer's number when the channel verified it; None otherwise (REST's claim)."""
    if channel in VERIFIED_CHANNELS and caller_id:
        return caller_id
    return None


def carried_answers(sop: Sop, slots: Mapping[str, Any]) -> dict[str, Any]:
    """The answers a request carries to another conversation (``Sop.carried``)."""
    return {q: slots.get(q) for q in sop.questions
            if q in sop.carried and slots.get(q) is not None}


def worth_keeping(sop: Sop, slots: Mapping[str, Any]) -> bool:
    """Whether a request can be continued elsewhere: its customer number is known (what
    the owner's NIK is checked against), and it has neither ended nor been saved."""
    return (sop.verified_by is not None and bool(slots.get(sop.verified_by[0]))
            and not slots.get("sop_ending") and slots.get(sop.read_back or "") is not True)


def offer_applies(request: OpenRequest | None, conversation_id: str, now: dt.datetime,
                  keep_hours: float) -> bool:
    """Whether ``request`` is offered in ``conversation_id`` at ``now``: another
    conversation's, and younger than ``keep_hours``."""
    if request is None or request.conversation_id == conversation_id:
        return False
    return now - request.updated_at <= dt.timedelta(hours=keep_hours)


def day_changed(then: dt.datetime, now: dt.datetime) -> bool:
    """Whether ``now`` is another calendar day than ``then``, read in ``now``'s zone."""
    return then.astimezone(now.tzinfo).date() != now.date()


def answers_to_take(sop: Sop, request: OpenRequest, now: dt.datetime) -> dict[str, Any]:
    """The carried answers taken once the owner is checked: every one is checked again as
    if given now (AP2T's checks are the day's); on another day the fees are quoted again,
    so the answer that agreed to them (``Sop.fees_agreed``) and what depends on it go."""
    taken = {q: v for q, v in request.answers.items() if q in sop.carried}
    if sop.fees_agreed and day_changed(request.updated_at, now):
        for question in (sop.fees_agreed, *sop.invalidated_by(sop.fees_agreed)):
            taken.pop(question, None)
    return taken


def time_ago(then: dt.datetime, now: dt.datetime) -> str:
    """How long ago, as said to a customer: "baru saja", "5 menit yang lalu", "2 jam yang
    lalu", "kemarin pukul 19.30", "3 hari yang lalu" (days as ``now``'s zone counts them)."""
    seconds = max(0.0, (now - then).total_seconds())
    local_then = then.astimezone(now.tzinfo)
    days = (now.date() - local_then.date()).days
    if seconds < 60:
        return "baru saja"
    if seconds < 3600:
        return f"{int(seconds // 60)} menit yang lalu"
    if days == 0:
        return f"{int(seconds // 3600)} jam yang lalu"
    if days == 1:
        return f"kemarin pukul {local_then:%H.%M}"
    return f"{days} hari yang lalu"


def offer(sop: Sop, request: OpenRequest, now: dt.datetime) -> dict[str, Any]:
    """What the offer says: the step reached as people read it, the channel, the time."""
    return {
        "conversation_id": request.conversation_id,
        "sop_step": sop.step_of(request.question),
        "step": sop.progress.get(request.question, "awal permohonan"),
        "channel": CHANNEL_NAMES.get(request.channel, request.channel),
        "ago": time_ago(request.updated_at, now),
    }


def close_reason(reason: str) -> str:
    return CLOSE_REASONS[reason]


SCHEMA = """
CREATE TABLE IF NOT EXISTS open_requests (
    customer TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    question TEXT NOT NULL,
    answers TEXT NOT NULL,
    updated_at TEXT NOT NULL
)"""


class OpenRequests:
    """The open requests by customer pseudonym (one per customer: the latest), in SQLite
    (``$PLN_DATA_DIR/open_requests.sqlite3``); rows older than ``keep_hours`` are deleted
    at every write (with ``secure_delete``)."""

    def __init__(self, path: str | Path, keep_hours: float = DEFAULT_KEEP_HOURS):
        self.keep = dt.timedelta(hours=keep_hours)
        if str(path) != ":memory:":
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute(SCHEMA)

    def keep_open(self, customer: str, request: OpenRequest) -> None:
        """Record the customer's open request (replacing an earlier one). Only a
        pseudonymous number is a key: a conversation without one has no verified number."""
        if not is_pseudonym(customer):
            raise ValueError("open requests are kept by pseudonymous number only")
        at = request.updated_at.astimezone(dt.timezone.utc)
        with self._lock:
            self._db.execute(
                "INSERT INTO open_requests VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer) "
                "DO UPDATE SET conversation_id = excluded.conversation_id, channel = "
                "excluded.channel, question = excluded.question, answers = excluded.answers, "
                "updated_at = excluded.updated_at",
                (customer, request.conversation_id, request.channel, request.question,
                 json.dumps(dict(request.answers)), at.isoformat()))
            self._db.execute("DELETE FROM open_requests WHERE updated_at < ?",
                             ((at - self.keep).isoformat(),))

    def open_request(self, customer: str) -> OpenRequest | None:
        with self._lock:
            row = self._db.execute(
                "SELECT conversation_id, channel, question, answers, updated_at FROM "
                "open_requests WHERE customer = ?", (customer,)).fetchone()
        if row is None:
            return None
        return OpenRequest(row[0], row[1], row[2], json.loads(row[3]),
                           dt.datetime.fromisoformat(row[4]))

    def close(self, customer: str, conversation_id: str | None = None) -> None:
        """Forget the customer's open request (only ``conversation_id``'s, when named)."""
        query, args = "DELETE FROM open_requests WHERE customer = ?", [customer]
        if conversation_id is not None:
            query += " AND conversation_id = ?"
            args.append(conversation_id)
        with self._lock:
            self._db.execute(query, args)

    def shut(self) -> None:
        with self._lock:
            self._db.close()
