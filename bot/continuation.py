"""A request that stopped on one channel, offered again on another.

A customer starts on WhatsApp, is interrupted, and calls 123 an hour later. A request that
stopped before it was saved or ended (the customer went quiet, the call dropped, the app
closed) is kept here for ``PLN_CONTINUE_HOURS`` (24 by default), keyed by the customer's
pseudonymous number (``bot.pseudonyms``: the same on WhatsApp, the phone, and Telegram once
the customer shared their own contact), and offered on any channel where the number is
verified: "Bapak memiliki permohonan tambah daya yang belum selesai (sampai daya yang
diinginkan, lewat WhatsApp, 2 jam yang lalu). Lanjutkan dari sana?".

A caller id can be forged on the phone, so what was carried is neither said nor saved
until the owner's NIK has been checked again in the new conversation (``carried``), and
the owner's NIK itself is never carried: it is always asked again, and what was carried
is never used for that check. A day that changed means fees and AP2T's checks are done
again (``needs_fresh_checks``). Declined or continued, the old request is closed in APKT
(Issued Closed) with the reason ``closing_reason`` gives.

Framework-free: no Rasa, no channel; the text said is a response of ``domain.yml``
(``Say``), filled with the values decided here.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field

from bot.pseudonyms import is_pseudonym
from bot.settings_base import EnvSettings
from bot.sop.perubahan_daya.flow import Question
from bot.status import Say

DEFAULT_HOURS = 24.0
OFFER_RESPONSE = "utter_offer_continuation"

# Never carried: the owner's NIK is asked again, and only what the customer says then is
# checked (a carried NIK would let a forged caller id pass the check it is meant to face).
NEVER_CARRIED = frozenset({Question.OWNER_NIK.value})

CHANNEL_NAMES = {"whatsapp": "WhatsApp", "telegram": "Telegram", "voice": "telepon 123",
                 "rest": "aplikasi"}

# Where the request stopped, in the customer's words: the question that was open.
STEP_NAMES = {
    Question.CALLER_NAME.value: "nama",
    Question.NIK_READY.value: "persiapan NIK",
    Question.CUSTOMER_NUMBER.value: "ID pelanggan",
    Question.TARGET_POWER.value: "daya yang diinginkan",
    Question.TARIFF_CONFIRMED.value: "konfirmasi daya dan tarif",
    Question.ACCEPT_ALTERNATIVE.value: "daya alternatif",
    Question.STROOM_AWAL.value: "stroom awal",
    Question.PROCEED.value: "persetujuan biaya",
    Question.DECLINER_IS_OWNER.value: "data pemilik",
    Question.APPLICANT_ROLE.value: "data pemilik",
    Question.KECAMATAN.value: "kecamatan",
    Question.KELURAHAN.value: "kelurahan",
    Question.OWNER_NIK.value: "NIK pemilik",
    Question.APPLICANT_NIK.value: "NIK pemohon",
    Question.APPLICANT_NAME.value: "nama pemohon",
    Question.APPLICANT_ADDRESS.value: "alamat pemohon",
    Question.EMAIL.value: "alamat email",
    Question.CALLER_PHONE_USABLE.value: "nomor handphone",
    Question.MOBILE_PHONE.value: "nomor handphone",
    Question.DATA_CONFIRMED.value: "konfirmasi data",
}


class ContinuationSettings(EnvSettings):
    hours: float = Field(DEFAULT_HOURS, env="PLN_CONTINUE_HOURS", gt=0)


@dataclass(frozen=True)
class OpenRequest:
    """A request that stopped: where (the open question), with which answers, on which
    channel and when; ``conversation_id`` is the conversation it stayed in."""

    pseudonym: str
    channel: str
    conversation_id: str
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    stopped_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))


def ago(then: dt.datetime, now: dt.datetime, zone: str = "Asia/Jakarta") -> str:
    """How long ago, as said to a customer: "baru saja", "5 menit yang lalu", "2 jam yang
    lalu", "kemarin pukul 19.30", "3 hari yang lalu" (days in the customer's zone)."""
    seconds = max(0.0, (now - then).total_seconds())
    local_then, local_now = then.astimezone(ZoneInfo(zone)), now.astimezone(ZoneInfo(zone))
    days = (local_now.date() - local_then.date()).days
    if seconds < 60:
        return "baru saja"
    if seconds < 3600:
        return f"{int(seconds // 60)} menit yang lalu"
    if days == 0:
        return f"{int(seconds // 3600)} jam yang lalu"
    if days == 1:
        return f"kemarin pukul {local_then:%H.%M}"
    return f"{days} hari yang lalu"


def offer(request: OpenRequest, now: dt.datetime, title: str,
          zone: str = "Asia/Jakarta") -> Say:
    """"<title> memiliki permohonan tambah daya yang belum selesai (sampai <langkah>, lewat
    <channel>, <waktu>). Lanjutkan dari sana?" - nothing personal in it."""
    return Say(OFFER_RESPONSE, {
        "caller_title": title,
        "step": STEP_NAMES.get(request.step, "permohonan"),
        "channel": CHANNEL_NAMES.get(request.channel, request.channel),
        "ago": ago(request.stopped_at, now, zone),
    })


def carried(request: OpenRequest, owner_nik_verified: bool) -> dict[str, Any]:
    """The answers carried into the new conversation: none before the owner's NIK was
    checked again in it (nothing carried is said, read back or saved before), and never
    the owner's NIK."""
    if not owner_nik_verified:
        return {}
    return {name: value for name, value in request.answers.items()
            if name not in NEVER_CARRIED}


def needs_fresh_checks(request: OpenRequest, now: dt.datetime,
                       zone: str = "Asia/Jakarta") -> bool:
    """Whether the day changed since the request stopped (in the customer's zone): fees,
    the service level and AP2T's checks are then done again."""
    local = ZoneInfo(zone)
    return request.stopped_at.astimezone(local).date() != now.astimezone(local).date()


def closing_reason(continued: bool) -> str:
    """The reason of the APKT ticket (Issued Closed) that closes the stopped request."""
    return ("Permohonan dilanjutkan di kanal lain" if continued
            else "Pelanggan memilih permohonan baru; permohonan sebelumnya tidak dilanjutkan")


SCHEMA = """
CREATE TABLE IF NOT EXISTS open_requests (
    pseudonym TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    step TEXT NOT NULL,
    answers TEXT NOT NULL,
    stopped_at TEXT NOT NULL
)"""


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class OpenRequests:
    """The stopped requests, one per pseudonymous number (the newest), kept
    ``hours`` (``PLN_CONTINUE_HOURS``, default 24). The answers are personal data: the
    table is the service user's alone, deleted rows are zeroed (``secure_delete``), and
    a request is gone once it is offered and answered (``close``) or too old."""

    def __init__(self, path: str | Path, hours: float | None = None):
        if hours is None:  # the service's own: read once, when it starts
            hours = ContinuationSettings.from_env().hours
        self.keep_for = dt.timedelta(hours=hours)
        if str(path) != ":memory:":
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute(SCHEMA)

    def keep(self, request: OpenRequest) -> None:
        """Record a stopped request (replacing the customer's earlier one). Only a
        pseudonymous number is a key: a conversation without one has no verified number."""
        if not is_pseudonym(request.pseudonym):
            raise ValueError("open requests are kept by pseudonymous number only")
        answers = {name: value for name, value in request.answers.items()
                   if name not in NEVER_CARRIED and value is not None}
        with self._lock:
            self._db.execute(
                "INSERT INTO open_requests VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pseudonym) "
                "DO UPDATE SET channel = excluded.channel, conversation_id = "
                "excluded.conversation_id, step = excluded.step, answers = excluded.answers, "
                "stopped_at = excluded.stopped_at",
                (request.pseudonym, request.channel, request.conversation_id, request.step,
                 json.dumps(answers), _utc(request.stopped_at)))

    def offered(self, pseudonym: str, conversation_id: str,
                now: dt.datetime) -> OpenRequest | None:
        """The request to offer in ``conversation_id``: the customer's, stopped within the
        time kept, in another conversation (the same one simply goes on)."""
        self.forget_expired(now)
        with self._lock:
            row = self._db.execute(
                "SELECT channel, conversation_id, step, answers, stopped_at FROM "
                "open_requests WHERE pseudonym = ?", (pseudonym,)).fetchone()
        if row is None or row[1] == conversation_id:
            return None
        channel, conversation, step, answers, stopped_at = row
        return OpenRequest(pseudonym, channel, conversation, step, json.loads(answers),
                           dt.datetime.fromisoformat(stopped_at))

    def close(self, pseudonym: str) -> None:
        """The offer was answered (continued or declined): the request is not offered again."""
        with self._lock:
            self._db.execute("DELETE FROM open_requests WHERE pseudonym = ?", (pseudonym,))

    def forget_expired(self, now: dt.datetime) -> int:
        with self._lock:
            return self._db.execute("DELETE FROM open_requests WHERE stopped_at < ?",
                                    (_utc(now - self.keep_for),)).rowcount

    def close_store(self) -> None:
        with self._lock:
            self._db.close()
