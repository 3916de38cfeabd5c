"""Rasa's SQL tracker store with the conversations in play kept in memory.

Upstream ``SQLTrackerStore.retrieve`` reads every event of the conversation's session at
every turn, turns each row back into an ``Event`` and replays them into a tracker; its
``save`` counts the session's stored events (a query with a sub-query) to know which to
insert. Together about a third of the Rasa process's CPU under load (py-spy, README
"Performance").

``CachedSQLTrackerStore`` writes the same rows as upstream does (upstream's ``save``),
and keeps the tracker it saved with the id of the conversation's last stored event. At
the next turn it asks the database only for that id (an indexed ``max``): unchanged, and
the kept tracker unchanged since (no turn failed half-way), means nothing else wrote this
conversation (another Rasa instance, the HTTP API), and the kept tracker is the stored
one; anything else, and the conversation is read from the database as upstream does. It
also knows how many of a tracker's events are stored, so saving needs no count. On
SQLite it keeps its connection (upstream opens one per query) in write-ahead-log mode. A
tracker is kept for ``cache_size`` conversations, least recently used first out.
Configure it in endpoints.yml like the SQL store:

    tracker_store:
      type: bot.rasa_runtime.tracker_store.CachedSQLTrackerStore
      dialect: sqlite
      db: var/tracker.sqlite3
      cache_size: 200
"""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import SingletonThreadPool

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 200


def _write_ahead_log(connection: Any, _record: Any) -> None:
    """SQLite in write-ahead-log mode: a commit appends to the log and syncs it once (the
    default rollback journal writes and syncs twice); still synchronous=FULL, so a commit
    is on disk when it returns."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        if self.engine.dialect.name == "sqlite":
            # Rasa opens a new SQLite connection per query (NullPool): one per thread,
            # kept (every query runs on the server's event loop), in write-ahead-log mode
            self.engine = sa.create_engine(self.engine.url, poolclass=SingletonThreadPool)
            sa.event.listen(self.engine, "connect", _write_ahead_log)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        # sender id -> (tracker as saved, its number of events, the last stored event's id)
        self._kept: OrderedDict[str, tuple[DialogueStateTracker, int, int | None]] = (
            OrderedDict())
        # sender id -> how many events of the tracker last handed out are stored
        self._stored: OrderedDict[str, int] = OrderedDict()

    def _last_event_id(self, sender_id: str) -> int | None:
        with self.session_scope() as session:
            return session.query(sa.func.max(self.SQLEvent.id)).filter(
                self.SQLEvent.sender_id == sender_id).scalar()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        kept = self._kept.pop(sender_id, None)
        if kept is not None:
            tracker, events, last_id = kept
            if len(tracker.events) == events and self._last_event_id(sender_id) == last_id:
                self._stored[sender_id] = events
                return tracker  # the caller saves it again, which keeps it again
        tracker = await super().retrieve(sender_id)
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
        await super().save(tracker)
        sender = tracker.sender_id
        self._stored.pop(sender, None)
        self._kept[sender] = (tracker, len(tracker.events), self._last_event_id(sender))
        while len(self._kept) > self.cache_size:
            self._kept.popitem(last=False)
