"""One payment reminder, on the customer's channel, a configurable number of days before
an unpaid registration expires (``PLN_REMINDER_DAYS_BEFORE``, default 3).

Once per registration whatever happens: a reminder is claimed in the log (SQLite,
``$PLN_DATA_DIR/reminders.sqlite3``) before it is sent, so a restart never sends it twice
(a send that failed is recorded as failed, not tried again by a restart). Paid and expired
registrations get none (the back office lists only the unpaid and unexpired). WhatsApp
outside its 24-hour window gets the approved template (registration number, expiry date).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from bot.backoffice.schemas import Registration
from bot.channels.outbound import CustomerChannels, Unreachable
from bot.identifiers import mask
from bot.kpi.events import Kind
from bot.kpi.recording import record_after_call
from bot.metrics.notifications import REMINDERS
from bot.sop.formatting import long_date, rupiah

logger = logging.getLogger(__name__)

DEFAULT_DAYS_BEFORE = 3
REMINDER = ("Pengingat dari PLN 123: nomor registrasi tambah daya {number} (ID pelanggan "
            "{idpel}) berlaku sampai {expires}. Mohon segera melakukan pembayaran biaya "
            "penyambungan sebesar {total} melalui ATM, minimarket, Kantor Pos dan Giro, atau "
            "internet banking. Abaikan pesan ini bila sudah membayar.")


class ReminderLog:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS reminders (registration TEXT PRIMARY "
                             "KEY, claimed_at TEXT NOT NULL, status TEXT NOT NULL, how TEXT)")

    def claim(self, number: str, now: dt.datetime) -> bool:
        """True the first time only: this process may send the reminder."""
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO reminders VALUES (?, ?, ?, NULL)",
                                      (number, now.isoformat(), "sending"))
            return cursor.rowcount == 1

    def record(self, number: str, status: str, how: str | None = None) -> None:
        with self._lock:
            self._db.execute("UPDATE reminders SET status = ?, how = ? WHERE registration = ?",
                             (status, how, number))

    def entries(self) -> dict[str, tuple[str, str | None]]:
        with self._lock:
            rows = self._db.execute("SELECT registration, status, how FROM reminders").fetchall()
        return {number: (status, how) for number, status, how in rows}


def due(registrations: Iterable[Registration], now: dt.datetime,
        days_before: int = DEFAULT_DAYS_BEFORE) -> list[Registration]:
    """The unpaid registrations within ``days_before`` days of their expiry, not expired."""
    window = dt.timedelta(days=days_before)
    return [r for r in registrations
            if r.paid_at is None and r.expires_at - window <= now < r.expires_at]


async def remind(registrations: Iterable[Registration], now: dt.datetime, log: ReminderLog,
                 channels: CustomerChannels, days_before: int = DEFAULT_DAYS_BEFORE) -> list[str]:
    """Send the reminders due now; the registration numbers reminded."""
    reminded = []
    for registration in due(registrations, now, days_before):
        number = registration.registration_number
        if not log.claim(number, now):
            continue
        expires = long_date(registration.expires_at)
        text = REMINDER.format(number=number, idpel=registration.idpel, expires=expires,
                               total=rupiah(registration.total_rp))
        try:
            how = await channels.send(registration.conversation_id or "", [{"text": text}],
                                      template_parameters=[number, expires])
        except Unreachable as error:
            log.record(number, "no_channel", str(error))
            REMINDERS.labels("no_channel").inc()
            record_after_call(Kind.REMINDER_FAILED, number, now.timestamp(), once=True)
            continue
        except Exception as error:  # noqa: BLE001 - recorded; never retried by a restart
            logger.error("reminder for %s failed: %s", mask(number), type(error).__name__)
            log.record(number, "failed", type(error).__name__)
            REMINDERS.labels("failed").inc()
            record_after_call(Kind.REMINDER_FAILED, number, now.timestamp(), once=True)
            continue
        log.record(number, "sent", how)
        REMINDERS.labels("sent").inc()
        record_after_call(Kind.REMINDER_SENT, number, now.timestamp(), once=True)
        reminded.append(number)
    return reminded
