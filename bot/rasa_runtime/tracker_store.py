"""Rasa's SQL tracker store with the conversations in play kept in memory.

Upstream ``SQLTrackerStore.retrieve`` reads every event of the conversation's session at
every turn, turns each row back into an ``Event`` and replays them into a tracker; its
``save`` counts the session's stored events (a query with a sub-query) to know which to
insert. Together about a third of the Rasa process's CPU under load (py-spy,
docs/performance.md).

``CachedSQLTrackerStore`` writes the same rows as upstream does (upstream's ``save``),
and keeps the tracker it saved with the id of the conversation's last stored event. At
the next turn it asks the database only for that id (an indexed ``max``): unchanged, and
the kept tracker unchanged since (no turn failed half-way), means nothing else wrote this
conversation (another Rasa instance, the HTTP API), and the kept tracker is the stored
one; anything else, and the conversation is read from the database as upstream does. It
also knows how many of a tracker's events are stored, so saving needs no count. On
SQLite it keeps its connection (upstream opens one per query) in write-ahead-log mode. A
tracker is kept for ``cache_size`` conversations, least recently used first out.
Personal data (``bot.redaction``): once a conversation's registration is saved (its slot
``personal_data_redacted``), its stored events are rewritten at every save with every
NIK, phone number, e-mail and address masked, and its tracker is not kept in memory. Retention: conversations silent for
``retention_days`` (default 30) are deleted at start and then hourly, by a thread of the
store's own (with or without traffic: a quiet night included).
Several instances: ``replies_to`` tells whether a customer message (by its channel's
message id) is already in the conversation, and what was answered (``once_per_message``).
On a server database, a pooled connection is checked before use (``pool_pre_ping``): after
the database restarts, the first turn gets a fresh connection instead of an error. And its
round trips run on a few threads of their own (``DATABASE_THREADS``), not on the server's
event loop, where upstream makes them: a slow or frozen database delays the turns that
wait for it, not every conversation of the process (26% of the Rasa process's samples on
PostgreSQL were these round trips, docs/scaling.md); a connection is given up
after ``CONNECT_TIMEOUT_S``.

Configure it in endpoints.yml like the SQL store:

    tracker_store:
      type: bot.rasa_runtime.tracker_store.CachedSQLTrackerStore
      dialect: sqlite
      db: var/tracker.sqlite3
      cache_size: 200
      retention_days: 30
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import SingletonThreadPool

from bot.identifiers import mask
from bot.redaction import REDACT_SLOT, personal_values, redacted

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 200
DATABASE_THREADS = 4  # a server database's round trips run here (SQLite: on the loop)
CONNECT_TIMEOUT_S = 5
DEFAULT_RETENTION_DAYS = 30.0
PURGE_EVERY_S = 3600.0


def _sqlite_settings(connection: Any, _record: Any) -> None:
    """SQLite in write-ahead-log mode: a commit appends to the log and syncs it once (the
    default rollback journal writes and syncs twice); still synchronous=FULL, so a commit
    is on disk when it returns. ``secure_delete``: content deleted or rewritten (a
    redaction, a purge) is overwritten with zeros in the file, not left in free pages."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _this_turn_set(tracker: DialogueStateTracker, slot: str) -> bool:
    """Whether the events since the latest customer message set ``slot`` (to anything)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == slot:
            return True
    return False


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE,
                 retention_days: float = DEFAULT_RETENTION_DAYS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        self.retention_s = float(retention_days) * 86400.0
        if self.engine.dialect.name == "sqlite":
            # Rasa opens a new SQLite connection per query (NullPool): one per thread,
            # kept (every query runs on the server's event loop), in write-ahead-log mode
            self.engine = sa.create_engine(self.engine.url, poolclass=SingletonThreadPool)
            sa.event.listen(self.engine, "connect", _sqlite_settings)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        else:
            # connections that died with a database restart are replaced, not used
            kwargs = create_engine_kwargs(self.engine.url)
            if self.engine.dialect.name == "postgresql":
                kwargs["connect_args"] = {**kwargs.get("connect_args", {}),
                                          "connect_timeout": CONNECT_TIMEOUT_S}
            self.engine = sa.create_engine(self.engine.url, pool_pre_ping=True, **kwargs)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        # a server database's round trips off the event loop (SQLite stays on it: its
        # connection is kept per thread; an event broker is bound to the server's loop)
        self._database = (
            ThreadPoolExecutor(DATABASE_THREADS, thread_name_prefix="tracker-store")
            if self.engine.dialect.name != "sqlite" and self.event_broker is None else None)
        # sender id -> (tracker as saved, its number of events, the last stored event's id)
        self._kept: OrderedDict[str, tuple[DialogueStateTracker, int, int | None]] = (
            OrderedDict())
        # sender id -> how many events of the tracker last handed out are stored
        self._stored: OrderedDict[str, int] = OrderedDict()
        if self.retention_s > 0:
            threading.Thread(target=self._purge_every_hour, name="tracker-retention",
                             daemon=True).start()

    async def _in_database(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` on the database threads (here on SQLite)."""
        if self._database is None:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(self._database, function,
                                                                *args)

    async def _upstream(self, method: Callable[..., Any], *args: Any) -> Any:
        """One of upstream's coroutines (synchronous SQL inside) run to its end on the
        database threads (here on SQLite)."""
        if self._database is None:
            return await method(self, *args)
        return await self._in_database(lambda: asyncio.run(method(self, *args)))

    def _last_event_id(self, sender_id: str) -> int | None:
        with self.session_scope() as session:
            return session.query(sa.func.max(self.SQLEvent.id)).filter(
                self.SQLEvent.sender_id == sender_id).scalar()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        kept = self._kept.pop(sender_id, None)
        if kept is not None:
            tracker, events, last_id = kept
            if (len(tracker.events) == events
                    and await self._in_database(self._last_event_id, sender_id) == last_id):
                self._stored[sender_id] = events
                return tracker  # the caller saves it again, which keeps it again
        tracker = await self._upstream(SQLTrackerStore.retrieve, sender_id)
        if tracker is None:
            self._stored.pop(sender_id, None)
        else:
            self._stored[sender_id] = len(tracker.events)
            while len(self._stored) > self.cache_size:  # handed out, never saved (the API)
                self._stored.popitem(last=False)
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = self._stored.get(tracker.sender_id)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)  # upstream counts
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        # once the registration is saved, every later turn is redacted too (its messages
        # carry the caller id; the closing turns are few), the last one included: the one
        # that ends the request and clears the slot
        due = bool(tracker.get_slot(REDACT_SLOT)) or _this_turn_set(tracker, REDACT_SLOT)
        await self._upstream(SQLTrackerStore.save, tracker)
        sender = tracker.sender_id
        self._stored.pop(sender, None)
        if due:  # the kept tracker would hold them: not kept
            await self._in_database(self.redact_personal_data, sender)
        else:
            last_id = await self._in_database(self._last_event_id, sender)
            self._kept[sender] = (tracker, len(tracker.events), last_id)
            while len(self._kept) > self.cache_size:
                self._kept.popitem(last=False)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._upstream(SQLTrackerStore.retrieve_full_tracker, sender_id)

    async def replies_to(self, sender_id: str, message_id: str) -> list[dict] | None:
        """The replies to the customer message of ``sender_id`` whose channel message id
        (``metadata.message_id``) is ``message_id``, as a channel receives them; None when
        the conversation holds no such message."""
        return await self._in_database(self._replies_to, sender_id, message_id)

    def _replies_to(self, sender_id: str, message_id: str) -> list[dict] | None:
        escaped = json.dumps(message_id).replace("\\", "\\\\").replace(
            "%", "\\%").replace("_", "\\_")
        with self.session_scope() as session:
            candidates = session.query(self.SQLEvent.id, self.SQLEvent.data).filter(
                self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == "user",
                self.SQLEvent.data.like(f'%"message_id": {escaped}%', escape="\\")).all()
            found = [row_id for row_id, data in candidates
                     if (json.loads(data).get("metadata") or {}).get("message_id") == message_id]
            if not found:
                return None
            later = session.query(self.SQLEvent.type_name, self.SQLEvent.data).filter(
                self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > min(found)
            ).order_by(self.SQLEvent.id).all()
        replies = []
        for type_name, data in later:
            if type_name == UserUttered.type_name:
                break
            if type_name == BotUttered.type_name:
                event = json.loads(data)
                reply = {"text": event.get("text"), **(event.get("data") or {})}
                replies.append({key: value for key, value in reply.items() if value})
        return replies

    def redact_personal_data(self, sender_id: str) -> int:
        """Mask every NIK, phone number, e-mail and address in the conversation's stored
        events; how many events changed."""
        self._kept.pop(sender_id, None)
        with self.session_scope() as session:
            rows = session.query(self.SQLEvent).filter(
                self.SQLEvent.sender_id == sender_id).order_by(self.SQLEvent.id).all()
            events = [json.loads(row.data) for row in rows]
            values = personal_values(events)
            changed = 0
            for row, event in zip(rows, events, strict=True):
                clean = redacted(event, values)
                if clean != event:
                    row.data = json.dumps(clean)
                    changed += 1
            session.commit()
        self._checkpoint()
        logger.info("personal data of conversation %s redacted in %d events",
                    mask(sender_id), changed)
        return changed

    def _checkpoint(self) -> None:
        """SQLite: the write-ahead log copied into the database and emptied, so that the
        clear bytes of earlier turns leave the ``-wal`` file too (the database's own pages
        are overwritten: ``secure_delete``)."""
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect() as connection:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            logger.warning("the tracker's write-ahead log could not be emptied (busy): "
                           "it is at the next redaction")

    def _purge_every_hour(self) -> None:
        """The retention at start, then on a timer, with or without traffic."""
        while True:
            try:
                self.purge_silent_conversations()
            except Exception:  # noqa: BLE001 - a database down now is retried next hour
                logger.exception("the tracker's retention purge failed; retried in an hour")
            time.sleep(PURGE_EVERY_S)

    def purge_silent_conversations(self, now: float | None = None) -> int:
        """Delete the conversations whose last event is older than the retention; how
        many conversations went."""
        cutoff = (time.time() if now is None else now) - self.retention_s
        with self.session_scope() as session:
            silent = [sender for (sender,) in session.query(self.SQLEvent.sender_id)
                      .group_by(self.SQLEvent.sender_id)
                      .having(sa.func.max(self.SQLEvent.timestamp) < cutoff)]
            for chunk in range(0, len(silent), 500):
                session.query(self.SQLEvent).filter(
                    self.SQLEvent.sender_id.in_(silent[chunk:chunk + 500])).delete(
                    synchronize_session=False)
            session.commit()
        for sender in silent:
            self._kept.pop(sender, None)
            self._stored.pop(sender, None)
        if silent:
            self._checkpoint()
            logger.info("%d conversation(s) silent for over %.0f days deleted", len(silent),
                        self.retention_s / 86400)
        return len(silent)
