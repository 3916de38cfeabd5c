"""The figures, computed by SQL from the event store for a date range, a channel and a unit
(definitions and formulas: docs/kpi.md).

The population is a cohort: the requests that started within the range (local dates,
both ends included) on the channel and of the unit asked for; every figure counts those
requests and their events, whenever the events came. Each figure is a ``Table`` of raw
values (counts, ratios 0-1, seconds, milliseconds), keyed by codes: what a page or a CSV
shows of it is the console's."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.kpi.events import LEFT, RESOLVED, STEPS, ClosedReason, CsoOutcome, HandoverReason, Outcome
from bot.kpi.store import KpiStore

NO_NEW_CONTACT_S = 24 * 3600.0
SERVICE_LEVEL_S = 20.0  # Y: the convention for voice
# the queue's wait buckets, as multiples of Y (so that Y is an edge of the distribution)
WAIT_EDGES = (0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 15.0, 45.0)
IN_PROGRESS = "in_progress"
# a request's outcome code: the assistant's ending (issued_closed with its reason), a
# CSO's closing (cso_...), or in_progress
OUTCOMES = (Outcome.SAVED.value,
            *(f"{Outcome.ISSUED_CLOSED.value}:{r.value}" for r in ClosedReason),
            Outcome.MBL.value, *(f"cso_{o.value}" for o in CsoOutcome),
            Outcome.ABANDONED.value, Outcome.DROPPED_CALL.value, IN_PROGRESS)
HANDOVER_REASONS = tuple(r.value for r in HandoverReason)
# the figures (of the one-value tables) that are ratios; "_s" and "_ms" ones are times
RATIOS = frozenset({"containment", "strict_containment", "paid_ratio",
                    "paid_within_validity_ratio", "service_level", "abandonment"})


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # included
    channel: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Table:
    """One figure: ``columns`` (codes), ``rows`` of values; ``kinds`` says what each column
    holds: "key", "count", "ratio" (0-1), "s" (seconds), "ms"."""

    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)

    def column(self, name: str) -> list:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def kind_of(self, row: Sequence, index: int) -> str:
        kind = self.kinds[index]
        if kind != "value":
            return kind
        key = str(row[0])
        if key in RATIOS:
            return "ratio"
        return "ms" if key.endswith("_ms") else "s" if key.endswith("_s") else "count"

    def as_dict(self) -> dict[Any, tuple]:
        """First column -> the rest of the row."""
        return {row[0]: tuple(row[1:]) for row in self.rows}


def ratio(part: float | None, whole: float | None) -> float | None:
    return None if not whole else (part or 0) / whole


def _cohort(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The CTEs every figure starts from: ``r`` the requests, ``fin`` their last ending."""
    where = ["day >= :start", "day <= :end"]
    params: dict[str, Any] = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.channel:
        where.append("channel = :channel")
        params["channel"] = filters.channel
    if filters.unit:
        where.append("unit = :unit")
        params["unit"] = filters.unit
    return f"""WITH r AS (SELECT * FROM kpi_requests WHERE {' AND '.join(where)}),
        fin AS (SELECT e.request_id, e.kind, e.reason, e.detail, e.step, e.at
                FROM kpi_events e JOIN r ON r.request_id = e.request_id
                WHERE e.kind IN ('ended', 'closed') AND NOT EXISTS (
                    SELECT 1 FROM kpi_events l WHERE l.request_id = e.request_id
                    AND l.kind IN ('ended', 'closed')
                    AND (l.at > e.at OR (l.at = e.at AND l.seq > e.seq))))""", params


OUTCOME_CODE = """CASE WHEN fin.request_id IS NULL THEN 'in_progress'
    WHEN fin.kind = 'closed' THEN 'cso_' || fin.reason
    WHEN fin.reason = 'issued_closed' THEN 'issued_closed:' || fin.detail
    ELSE fin.reason END"""


def _in(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Figures:
    """Every figure of one cohort, each computed when asked."""

    def __init__(self, store: KpiStore, filters: Filters,
                 service_level_s: float = SERVICE_LEVEL_S):
        self.store, self.filters, self.service_level_s = store, filters, service_level_s
        self._with, self._params = _cohort(filters)

    def _rows(self, db: Connection, select: str, **params: Any) -> list[tuple]:
        return [tuple(row) for row in db.execute(text(f"{self._with}, {select}"),
                                                 {**self._params, **params})]

    def _query(self, select: str, **params: Any) -> list[tuple]:
        with self.store.engine.connect() as db:
            return self._rows(db, select, **params)

    # --- containment --------------------------------------------------------------------

    CONTAINED = f"""c0 AS (SELECT r.request_id, r.day, r.customer, fin.at AS ended,
        CASE WHEN fin.kind = 'ended' AND fin.reason IN ({_in(RESOLVED)}) AND NOT EXISTS (
            SELECT 1 FROM kpi_events h WHERE h.request_id = r.request_id
            AND h.kind = 'handed_over') THEN 1 ELSE 0 END AS contained
        FROM r LEFT JOIN fin ON fin.request_id = r.request_id),
        c AS (SELECT day, contained, CASE WHEN contained = 1 AND customer IS NOT NULL THEN
            (CASE WHEN EXISTS (SELECT 1 FROM kpi_requests n WHERE n.customer = c0.customer
                AND n.started_at > c0.ended AND n.started_at <= c0.ended + :window
                AND n.request_id <> c0.request_id) THEN 1 ELSE 0 END)
            ELSE 0 END AS came_back FROM c0)
        """
    CONTAINED_COUNTS = ("COUNT(*), SUM(contained), "
                        "SUM(CASE WHEN contained = 1 AND came_back = 0 THEN 1 ELSE 0 END)")

    def containment(self) -> Table:
        """started, contained, containment, strictly contained, strict containment."""
        ((started, contained, strict),) = self._query(
            f"{self.CONTAINED} SELECT {self.CONTAINED_COUNTS} FROM c",
            window=NO_NEW_CONTACT_S)
        contained, strict = contained or 0, strict or 0
        return Table("containment", ("figure", "value"), ("key", "value"), [
            ("started", started), ("contained", contained),
            ("containment", ratio(contained, started)), ("strictly_contained", strict),
            ("strict_containment", ratio(strict, started))])

    def containment_by_day(self) -> Table:
        rows = self._query(f"{self.CONTAINED} SELECT day, {self.CONTAINED_COUNTS} FROM c "
                           "GROUP BY day ORDER BY day", window=NO_NEW_CONTACT_S)
        return Table("containment_by_day",
                     ("day", "started", "contained", "containment", "strictly_contained",
                      "strict_containment"),
                     ("key", "count", "count", "ratio", "count", "ratio"),
                     [(day, n, c, ratio(c, n), s, ratio(s, n)) for day, n, c, s in rows])

    # --- outcomes -----------------------------------------------------------------------

    def _by_channel(self, name: str, keys: Sequence[str], counted: list[tuple]) -> Table:
        """``counted``: (channel, key, count); a column for each channel of the cohort."""
        channels = sorted({channel for (channel,) in self._query(
            "x AS (SELECT DISTINCT channel FROM r) SELECT channel FROM x")} |
            ({self.filters.channel} if self.filters.channel else set()))
        counts = {(channel, key): n for channel, key, n in counted}
        rows = [(key, *(counts.get((c, key), 0) for c in channels),
                 sum(counts.get((c, key), 0) for c in channels)) for key in keys]
        return Table(name, (name, *channels, "total"),
                     ("key", *("count",) * (len(channels) + 1)), rows)

    def outcomes(self) -> Table:
        """Requests by their last ending, by the channel they started on."""
        counted = self._query(f"""o AS (SELECT r.channel, {OUTCOME_CODE} AS outcome
            FROM r LEFT JOIN fin ON fin.request_id = r.request_id)
            SELECT channel, outcome, COUNT(*) FROM o GROUP BY channel, outcome""")
        return self._by_channel("outcome", OUTCOMES, counted)

    def handovers(self) -> Table:
        """Hand-overs (each one, a request may have several) by reason and channel."""
        counted = self._query("""h AS (SELECT r.channel, e.reason FROM kpi_events e
            JOIN r ON r.request_id = e.request_id WHERE e.kind = 'handed_over')
            SELECT channel, reason, COUNT(*) FROM h GROUP BY channel, reason""")
        return self._by_channel("handover_reason", HANDOVER_REASONS, counted)

    # --- the funnel ---------------------------------------------------------------------

    def funnel(self) -> Table:
        """step, requests that reached it, requests that left there (abandoned or the call
        dropped, as their last ending)."""
        with self.store.engine.connect() as db:
            reached = dict(self._rows(db, """s AS (SELECT DISTINCT e.request_id, e.step
                FROM kpi_events e JOIN r ON r.request_id = e.request_id
                WHERE e.kind = 'step_reached') SELECT step, COUNT(*) FROM s GROUP BY step"""))
            left = dict(self._rows(db, f"""x AS (SELECT step FROM fin WHERE kind = 'ended'
                AND reason IN ({_in(LEFT)})) SELECT step, COUNT(*) FROM x GROUP BY step"""))
        return Table("funnel", ("step", "reached", "left_here"), ("key", "count", "count"),
                     [(step, reached.get(step, 0), left.get(step, 0)) for step in STEPS])

    # --- after the call -----------------------------------------------------------------

    def after_the_call(self) -> Table:
        with self.store.engine.connect() as db:
            ((saved, paid, in_time),) = self._rows(db, """
                saved AS (SELECT e.request_id, MAX(e.value) AS until FROM kpi_events e
                    JOIN r ON r.request_id = e.request_id
                    WHERE e.kind = 'ended' AND e.reason = 'saved' GROUP BY e.request_id),
                paid AS (SELECT request_id, MIN(at) AS at FROM kpi_events WHERE kind = 'paid'
                    GROUP BY request_id)
                SELECT COUNT(*), COUNT(paid.request_id),
                       SUM(CASE WHEN paid.at <= saved.until THEN 1 ELSE 0 END)
                FROM saved LEFT JOIN paid ON paid.request_id = saved.request_id""")
            ((reminded, paid_after),) = self._rows(db, """
                rem AS (SELECT e.request_id, MIN(e.at) AS first FROM kpi_events e
                    JOIN r ON r.request_id = e.request_id WHERE e.kind = 'reminder_sent'
                    GROUP BY e.request_id),
                paid AS (SELECT request_id, MIN(at) AS at FROM kpi_events WHERE kind = 'paid'
                    GROUP BY request_id)
                SELECT COUNT(*), SUM(CASE WHEN paid.at > rem.first THEN 1 ELSE 0 END)
                FROM rem LEFT JOIN paid ON paid.request_id = rem.request_id""")
            sent = dict(self._rows(db, """k AS (SELECT e.kind FROM kpi_events e
                JOIN r ON r.request_id = e.request_id WHERE e.kind IN
                ('reminder_sent', 'reminder_failed', 'mail_sent', 'mail_failed'))
                SELECT kind, COUNT(*) FROM k GROUP BY kind"""))
        in_time, paid_after = in_time or 0, paid_after or 0
        return Table("after_the_call", ("figure", "value"), ("key", "value"), [
            ("saved", saved), ("paid", paid), ("paid_ratio", ratio(paid, saved)),
            ("paid_within_validity", in_time),
            ("paid_within_validity_ratio", ratio(in_time, saved)),
            ("reminders_sent", sent.get("reminder_sent", 0)),
            ("reminders_failed", sent.get("reminder_failed", 0)),
            ("reminded_requests", reminded), ("paid_after_reminder", paid_after),
            ("unpaid_after_reminder", reminded - paid_after),
            ("mails_sent", sent.get("mail_sent", 0)),
            ("mails_failed", sent.get("mail_failed", 0))])

    # --- the CSO queue ------------------------------------------------------------------

    TICKETS = f"""q AS (SELECT h.ticket, h.request_id, h.at AS handed,
        (SELECT MIN(t.at) FROM kpi_events t WHERE t.ticket = h.ticket
            AND t.kind = 'taken') AS taken,
        (SELECT MIN(d.at) FROM kpi_events d WHERE d.ticket = h.ticket
            AND d.kind IN ('closed', 'handed_back')) AS done,
        (SELECT MIN(b.at) FROM kpi_events b WHERE b.ticket = h.ticket
            AND b.kind = 'handed_back') AS back,
        (SELECT MIN(a.at) FROM kpi_events a WHERE a.request_id = h.request_id
            AND a.kind = 'ended' AND a.reason IN ({_in(LEFT)}) AND a.at >= h.at) AS left_at
        FROM kpi_events h JOIN r ON r.request_id = h.request_id
        WHERE h.kind = 'handed_over'),
        w AS (SELECT q.*, CASE WHEN taken IS NULL AND left_at IS NOT NULL
                               THEN 1 ELSE 0 END AS abandoned FROM q)"""

    def queue(self) -> Table:
        """offered, taken, ASA, service level, abandonment, handle time, hand-backs."""
        ((offered, taken, asa, within, abandoned, handle, backs),) = self._query(
            f"""{self.TICKETS} SELECT COUNT(*), COUNT(taken), AVG(taken - handed),
                SUM(CASE WHEN taken - handed <= :y THEN 1 ELSE 0 END), SUM(abandoned),
                AVG(done - taken), COUNT(back) FROM w""", y=self.service_level_s)
        within, abandoned = within or 0, abandoned or 0
        return Table("queue", ("figure", "value"), ("key", "value"), [
            ("handed_over", offered), ("taken", taken), ("abandoned", abandoned),
            ("waiting", offered - taken - abandoned),
            ("average_speed_of_answer_s", asa),
            ("service_level_threshold_s", self.service_level_s),
            ("taken_within_threshold", within),
            ("service_level", ratio(within, taken + abandoned)),
            ("abandonment", ratio(abandoned, offered)),
            ("average_handle_time_s", handle), ("handed_back", backs)])

    def queue_waits(self) -> Table:
        """How long hand-overs waited: taken ones until taken, abandoned ones until the
        customer left, in buckets whose edges are multiples of the service level's Y."""
        edges = [edge * self.service_level_s for edge in WAIT_EDGES]
        bounds = list(zip(edges, [*edges[1:], math.inf], strict=True))
        sums = []
        for index, (_low, high) in enumerate(bounds):
            upper = "" if high == math.inf else f" AND wait < :h{index}"
            sums.append(f"SUM(CASE WHEN kind = 'taken' AND wait >= :l{index}{upper} "
                        f"THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'abandoned' AND "
                        f"wait >= :l{index}{upper} THEN 1 ELSE 0 END)")
        params = {f"l{i}": low for i, (low, _h) in enumerate(bounds)}
        params.update({f"h{i}": high for i, (_l, high) in enumerate(bounds) if high != math.inf})
        ((*counts,),) = self._query(f"""{self.TICKETS},
            x AS (SELECT 'taken' AS kind, taken - handed AS wait FROM w WHERE taken IS NOT NULL
                  UNION ALL SELECT 'abandoned', left_at - handed FROM w WHERE abandoned = 1)
            SELECT {', '.join(sums)} FROM x""", **params)
        return Table("queue_waits", ("from_s", "to_s", "taken", "abandoned"),
                     ("s", "s", "count", "count"),
                     [(low, None if high == math.inf else high, counts[2 * i] or 0,
                       counts[2 * i + 1] or 0) for i, (low, high) in enumerate(bounds)])

    def hand_backs(self) -> Table:
        """How the requests a CSO handed back ended (their last ending)."""
        counted = dict(self._query(f"""b AS (SELECT DISTINCT r.request_id FROM r
            JOIN kpi_events e ON e.request_id = r.request_id WHERE e.kind = 'handed_back'),
            o AS (SELECT {OUTCOME_CODE} AS outcome FROM b
                  LEFT JOIN fin ON fin.request_id = b.request_id)
            SELECT outcome, COUNT(*) FROM o GROUP BY outcome"""))
        return Table("hand_back_outcomes", ("outcome", "requests"), ("key", "count"),
                     [(code, counted.get(code, 0)) for code in OUTCOMES])

    # --- the assistant ------------------------------------------------------------------

    def _percentiles(self, db: Connection, shares: Sequence[float],
                     turns: int) -> list[float | None]:
        """The nearest-rank percentiles of the turns' latency (one sort for all)."""
        if not turns:
            return [None] * len(shares)
        ranks = [max(1, math.ceil(share * turns)) for share in shares]
        found = dict(self._rows(db, f"""t AS (SELECT e.value,
                ROW_NUMBER() OVER (ORDER BY e.value) AS rank FROM kpi_events e
                JOIN r ON r.request_id = e.request_id WHERE e.kind = 'turn')
            SELECT rank, value FROM t WHERE rank IN ({", ".join(map(str, ranks))})"""))
        return [found.get(rank) for rank in ranks]

    def assistant(self) -> Table:
        with self.store.engine.connect() as db:
            counts = dict(self._rows(db, """k AS (SELECT e.kind FROM kpi_events e
                JOIN r ON r.request_id = e.request_id
                WHERE e.kind IN ('turn', 'action_failed', 'not_understood'))
                SELECT kind, COUNT(*) FROM k GROUP BY kind"""))
            turns = counts.get("turn", 0)
            p50, p95 = self._percentiles(db, (0.5, 0.95), turns)
        return Table("assistant", ("figure", "value"), ("key", "value"), [
            ("turns", turns), ("turn_latency_p50_ms", p50), ("turn_latency_p95_ms", p95),
            ("action_calls_failed", counts.get("action_failed", 0)),
            ("understanding_failures", counts.get("not_understood", 0))])

    def understanding_by_step(self) -> Table:
        counted = dict(self._query("""u AS (SELECT e.step FROM kpi_events e
            JOIN r ON r.request_id = e.request_id WHERE e.kind = 'not_understood')
            SELECT step, COUNT(*) FROM u GROUP BY step"""))
        return Table("understanding_failures_by_step", ("step", "failures"),
                     ("key", "count"), [(step, counted.get(step, 0)) for step in STEPS])

    def all(self) -> list[Table]:
        """Every table, in the order the supervisor's page shows them."""
        return [self.containment(), self.containment_by_day(), self.outcomes(),
                self.handovers(), self.funnel(), self.after_the_call(), self.queue(),
                self.queue_waits(), self.hand_backs(), self.assistant(),
                self.understanding_by_step()]


def by_name(tables: Sequence[Table]) -> Mapping[str, Table]:
    return {table.name: table for table in tables}
