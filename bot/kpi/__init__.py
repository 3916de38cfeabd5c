"""The contact centre's figures: an event store of the project's own, where each event of
a request (started, step reached, ended, handed over, taken, closed, paid ...) is
recorded once where it happens, without personal data, and the figures a supervisor reads
computed from it by SQL for any date range, channel and unit (docs/kpi.md). Framework-free.

- ``events``: the kinds of event and their reason codes;
- ``store``: ``KpiStore`` (SQLite by default, PostgreSQL by URL): ``record``,
  ``record_case``, the abandonment sweep ``mark_abandoned``;
- ``figures``: ``Figures(store, Filters(...))``, one ``Table`` per figure.
"""

from bot.kpi.events import (
    ClosedReason,
    CsoOutcome,
    HandoverReason,
    InvalidEvent,
    Kind,
    Outcome,
)
from bot.kpi.figures import Figures, Filters, Table
from bot.kpi.store import KpiStore

__all__ = ["ClosedReason", "CsoOutcome", "Figures", "Filters", "HandoverReason",
           "InvalidEvent", "Kind", "KpiStore", "Outcome", "Table"]
