"""Rasa's SQL tracker store with the conversations in play kept in memory.

Upstream ``SQLTrackerStore.retrieve`` reads every event of the conversation's session at
every turn, turns each row back into an ``Event`` (looking its class up among all of
``Event``'s subclasses each time) and replays them into a tracker: about a fifth of the
Rasa process's CPU under load (py-spy, README "Performance").

``CachedSQLTrackerStore`` writes exactly as upstream does (every event, at every save),
and keeps the tracker it saved with the number of events the database then held for the
session. At the next turn it asks the database only that number again: unchanged (and
the kept tracker unchanged since, i.e. no turn failed half-way) means nothing else wrote
this conversation (another Rasa instance, the HTTP API), and the kept tracker is the
stored one; anything else, and the conversation is read from the database as upstream
does. A tracker is kept for ``cache_size`` conversations, least recently used
first out. Configure it in endpoints.yml like the SQL store:

    tracker_store:
      type: bot.rasa_runtime.tracker_store.CachedSQLTrackerStore
      dialect: sqlite
      db: var/tracker.sqlite3
      cache_size: 1000
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 1000


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        # sender id -> (tracker as saved, its number of events, the database's count)
        self._kept: OrderedDict[str, tuple[DialogueStateTracker, int, int]] = OrderedDict()

    def _stored_count(self, sender_id: str) -> int:
        with self.session_scope() as session:
            return self._event_query(session, sender_id,
                                     fetch_events_from_all_sessions=False).count()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        kept = self._kept.pop(sender_id, None)
        if kept is not None:
            tracker, events, stored = kept
            if len(tracker.events) == events and self._stored_count(sender_id) == stored:
                return tracker  # the caller saves it again, which keeps it again
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        self._kept[tracker.sender_id] = (tracker, len(tracker.events),
                                         self._stored_count(tracker.sender_id))
        while len(self._kept) > self.cache_size:
            self._kept.popitem(last=False)
