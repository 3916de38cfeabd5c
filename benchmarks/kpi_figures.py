"""How long the supervisor's page takes to compute every figure (``Figures.all``), over a
month of synthetic requests (20,000 by default, ~15 events each) on SQLite, and how many
events a second ``KpiStore.record`` writes. Goal: every figure of the month within 5 s
(the page's wait). The synthetic month is loaded at once, then analysed (``ANALYZE``) as a
database that grew over the month would have been by autovacuum.

    .venv/bin/python benchmarks/kpi_figures.py [--requests N] [--url SQLALCHEMY_URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bot.kpi import Figures, Filters, Kind, KpiStore  # noqa: E402
from bot.kpi.events import ClosedReason, HandoverReason, customer_key  # noqa: E402
from bot.kpi.store import WIB, events, requests  # noqa: E402

GOAL_S = 5.0
START = dt.datetime(2026, 11, 1, 8, 0, tzinfo=WIB)
CHANNELS = ("rest", "telegram", "whatsapp", "voice")


def synthetic(count: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """Requests over 30 days and their events, as rows of the store's two tables."""
    rng = random.Random(seed)
    request_rows, event_rows = [], []
    for n in range(count):
        at = START.timestamp() + rng.uniform(0, 30 * 86400)
        rid = f"req-{n}"
        request_rows.append({"request_id": rid, "channel": rng.choice(CHANNELS),
                             "unit": rng.choice(("53211", "53212", "53213")),
                             "customer": customer_key(f"c-{rng.randrange(count)}"),
                             "started_at": at,
                             "day": dt.datetime.fromtimestamp(at, WIB).date().isoformat()})
        last = rng.randint(1, 22)
        rows = [("started", at, None, None, None, None, None)]
        rows += [("step_reached", at + 10 * s, s, None, None, None, None)
                 for s in range(1, last + 1)]
        rows += [("turn", at + 10 * s + 1, None, None, None, None, rng.uniform(300, 3000))
                 for s in range(1, last + 1)]
        end = at + 10 * last + 5
        fate = rng.random()
        if fate < 0.5:
            rows.append(("ended", end, last, "saved", None, None, end + 30 * 86400))
            if rng.random() < 0.6:
                rows.append(("paid", end + rng.uniform(0, 40) * 86400, None, None, None, None,
                             None))
        elif fate < 0.7:
            rows.append(("ended", end, last, "issued_closed",
                         rng.choice(list(ClosedReason)).value, None, None))
        elif fate < 0.9:
            ticket = f"T-{n}"
            rows.append(("handed_over", end, last, rng.choice(list(HandoverReason)).value,
                         None, ticket, None))
            rows.append(("taken", end + rng.uniform(1, 120), None, None, None, ticket, None))
            rows.append(("closed", end + 600, None, "issued_closed", None, ticket, None))
        else:
            rows.append(("ended", end + 3600, last, "abandoned", None, None, None))
        for index, (kind, when, step, reason, detail, ticket, value) in enumerate(rows):
            event_rows.append({"event_id": f"{rid}:{index}", "request_id": rid, "kind": kind,
                               "at": when, "step": step, "reason": reason, "detail": detail,
                               "ticket": ticket, "value": value})
    return request_rows, event_rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = KpiStore(args.url or f"sqlite:///{Path(folder) / 'kpi.sqlite3'}")
        request_rows, event_rows = synthetic(args.requests)
        with store.engine.begin() as db:
            db.execute(requests.insert(), request_rows)
            db.execute(events.insert(), event_rows)
            db.execute(text("ANALYZE"))
        began = time.perf_counter()
        for n in range(2000):
            store.record(Kind.TURN, "req-0", START.timestamp() + n, value=500.0)
        per_s = 2000 / (time.perf_counter() - began)
        month = Filters(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
        timings = []
        for filters in (month, Filters(month.start, month.end, "voice", "53211")):
            began = time.perf_counter()
            Figures(store, filters).all()
            timings.append(time.perf_counter() - began)
        store.close()
    print(f"{args.requests} requests, {len(event_rows)} events")
    print(f"record: {per_s:.0f} events/s")
    print(f"every figure of the month: {timings[0]:.2f} s (one channel and unit: "
          f"{timings[1]:.2f} s), goal {GOAL_S:.0f} s")
    return 0 if max(timings) <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
