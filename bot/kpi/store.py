"""The event store: each event recorded once (its event id is unique, so a retried write
is not counted twice), in SQLite (``$PLN_DATA_DIR/kpi.sqlite3``) or PostgreSQL (a URL).

``KpiStore.record`` writes an event; ``KpiStore.record_case`` one of a CSO's (taken,
closed, handed back), found by its ticket; ``KpiStore.mark_abandoned`` is the periodic
sweep that ends the requests whose customer went silent past the session's expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from bot.kpi.events import (
    AFTER_THE_CALL,
    ENDINGS,
    Kind,
    Outcome,
    check,
    customer_key,
)

WIB = dt.timezone(dt.timedelta(hours=7))
FILE_NAME = "kpi.sqlite3"

metadata = MetaData()
requests = Table(
    "kpi_requests", metadata,
    Column("request_id", String(80), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("unit", String(16)),  # the customer's unit (UP3) code, once known
    Column("customer", String(24)),  # customer_key(): one-way
    Column("started_at", Float, nullable=False),  # epoch seconds
    Column("day", String(10), nullable=False),  # the local date it started, YYYY-MM-DD
)
events = Table(
    "kpi_events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("request_id", String(80), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", Float, nullable=False),
    Column("step", Integer),
    Column("reason", String(32)),
    Column("detail", String(64)),
    Column("ticket", String(64)),
    Column("value", Float),
)
# covering the figures' reads of a request's events (no row read for a step or a latency)
Index("kpi_events_of_request", events.c.request_id, events.c.kind, events.c.at, events.c.step,
      events.c.value)
Index("kpi_events_by_ticket", events.c.ticket, events.c.kind)
Index("kpi_requests_by_day", requests.c.day, requests.c.channel)
Index("kpi_requests_by_customer", requests.c.customer, requests.c.started_at)


def default_url(data_dir: str | Path) -> str:
    return f"sqlite:///{Path(data_dir) / FILE_NAME}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # connections kept (not one opened per event), WAL, and synced at checkpoints
        # (what WAL keeps safe: a crash of the service loses nothing committed)
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=4,
                               max_overflow=8, connect_args={"check_same_thread": False,
                                                             "timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):  # pragma: no cover - trivial
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        return engine
    # PostgreSQL's JIT compiles each of the figures' queries for longer than they run
    options = {"connect_args": {"options": "-c jit=off"}} if "postgresql" in url else {}
    return create_engine(url, future=True, pool_pre_ping=True, **options)


class KpiStore:
    """Events of requests, for the figures (``bot.kpi.figures``)."""

    def __init__(self, url: str, timezone: dt.tzinfo = WIB):
        self.engine = make_engine(url)
        self.timezone = timezone
        metadata.create_all(self.engine)

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> KpiStore:
        return cls(default_url(data_dir))

    def close(self) -> None:
        self.engine.dispose()

    def _insert(self, table: Table):
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    def record(self, kind: Kind | str, request_id: str, at: float, *, channel: str | None = None,
               unit: str | None = None, customer: str | None = None, step: int | None = None,
               reason: str | None = None, detail: str | None = None,
               ticket: str | None = None, value: float | None = None,
               event_id: str | None = None) -> bool:
        """Record one event of ``request_id`` at ``at`` (epoch seconds); whether it is new
        (False: an event with this id was recorded already, and nothing changed).

        ``started`` needs ``channel``; ``customer`` (the pseudonymous id, or the sender on a
        channel without one) is kept only as a one-way key. ``unit`` may come with any
        event: the request's unit is the first one given. Without ``event_id`` the id is
        made of the event's content, so the same write retried is the same event."""
        kind = Kind(kind)
        reason = getattr(reason, "value", reason)
        detail = getattr(detail, "value", detail)
        check(kind, reason, detail, step, ticket)
        if kind == Kind.STARTED and not channel:
            raise ValueError("a started request needs its channel")
        event_id = event_id or ":".join(str(part) for part in (
            request_id, kind.value, at, step, reason, detail, ticket, value))
        with self.engine.begin() as db:
            if kind == Kind.STARTED:
                day = dt.datetime.fromtimestamp(at, self.timezone).date().isoformat()
                db.execute(self._insert(requests).values(
                    request_id=request_id, channel=channel, unit=unit,
                    customer=customer_key(customer) if customer else None,
                    started_at=at, day=day).on_conflict_do_nothing())
            if unit:
                db.execute(requests.update().where(requests.c.request_id == request_id,
                                                   requests.c.unit.is_(None)).values(unit=unit))
            inserted = db.execute(self._insert(events).values(
                event_id=event_id, request_id=request_id, kind=kind.value, at=at, step=step,
                reason=reason, detail=detail, ticket=ticket, value=value,
            ).on_conflict_do_nothing())
            return inserted.rowcount == 1

    def request_of(self, ticket: str) -> str | None:
        """The request a ticket handed over (None when no hand-over named it)."""
        with self.engine.connect() as db:
            return db.execute(select(events.c.request_id).where(
                events.c.ticket == ticket, events.c.kind == Kind.HANDED_OVER.value)
                .limit(1)).scalar()

    def record_case(self, kind: Kind | str, ticket: str, at: float,
                    reason: str | None = None, step: int | None = None) -> bool:
        """A CSO's event on ``ticket`` (taken, closed, handed back), for the request the
        ticket handed over; False when no hand-over named the ticket (nothing recorded)."""
        request_id = self.request_of(ticket)
        if request_id is None:
            return False
        return self.record(kind, request_id, at, reason=reason, step=step, ticket=ticket,
                           event_id=f"{Kind(kind).value}:{ticket}")

    def mark_abandoned(self, now: float, expiry_s: float) -> list[str]:
        """End as abandoned every request silent for longer than ``expiry_s`` at ``now``:
        not ended, not held by a CSO (taken and not yet closed or handed back), its last
        event (payments, reminders and e-mails aside) older than the expiry. The ending is
        dated when the session expired and names the last step the request was at. The
        requests marked; a second sweep marks none of them again."""
        marked = []
        for request_id, last_at, step in self._silent(now - expiry_s):
            if self.record(Kind.ENDED, request_id, last_at + expiry_s, step=step,
                           reason=Outcome.ABANDONED.value,
                           event_id=f"abandoned:{request_id}:{last_at}"):
                marked.append(request_id)
        return marked

    def _silent(self, before: float) -> Iterable[tuple[str, float, int | None]]:
        quiet = ", ".join(f"'{k.value}'" for k in AFTER_THE_CALL)
        endings = ", ".join(f"'{k.value}'" for k in ENDINGS)
        query = text(f"""
            SELECT r.request_id, last.at,
                   (SELECT s.step FROM kpi_events s WHERE s.request_id = r.request_id
                      AND s.step IS NOT NULL ORDER BY s.at DESC, s.seq DESC LIMIT 1)
            FROM kpi_requests r
            JOIN (SELECT request_id, MAX(at) AS at FROM kpi_events
                  WHERE kind NOT IN ({quiet}) GROUP BY request_id) last
              ON last.request_id = r.request_id
            WHERE last.at < :before
              AND NOT EXISTS (SELECT 1 FROM kpi_events e WHERE e.request_id = r.request_id
                              AND e.kind IN ({endings}))
              AND NOT EXISTS (SELECT 1 FROM kpi_events t WHERE t.request_id = r.request_id
                              AND t.kind = 'taken' AND NOT EXISTS (
                                  SELECT 1 FROM kpi_events d WHERE d.ticket = t.ticket
                                  AND d.kind IN ('closed', 'handed_back')))
            ORDER BY r.request_id""")
        with self.engine.connect() as db:
            return [tuple(row) for row in db.execute(query, {"before": before})]
