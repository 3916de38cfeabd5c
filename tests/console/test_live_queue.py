"""The live queue reads the simulator once a tick for every open page, and then only the
tickets recorded since its last read; cases the console closes or hands back leave it."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.backoffice.schemas import Ticket, TicketChanges
from bot.console.live import LiveQueue
from bot.console.store import CLOSED, HANDED_BACK, ConsoleStore

CREATED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


class Simulator:
    """The simulator's tickets (their cursor is their position, from 1), and what the queue
    asked of it."""

    def __init__(self):
        self.tickets: list[Ticket] = []
        self.asked: list[int] = []

    def add(self, number: str, kind: str = "cso_handoff", minutes_ago: int = 0) -> None:
        self.tickets.append(Ticket(ticket_number=number, kind=kind, reason="Pelanggan meminta",
                                   sop_step=5, conversation_id=f"telegram:{number}",
                                   idpel=None, data={},
                                   created_at=CREATED - dt.timedelta(minutes=minutes_ago)))

    async def ticket_changes(self, after: int = 0) -> TicketChanges:
        self.asked.append(after)
        new = self.tickets[after:after + 2]  # two at most per answer
        return TicketChanges(cursor=after + len(new), last=len(self.tickets), tickets=new)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def parts(tmp_path):
    simulator, clock = Simulator(), Clock()
    store = ConsoleStore(tmp_path / "console.sqlite3", clock=clock)
    return simulator, store, clock, LiveQueue(simulator, store, tick_s=1.0, clock=clock)


def rows(live: LiveQueue) -> list[tuple[str, str | None, str]]:
    now = CREATED.timestamp()
    return [(r["ticket"], r["holder"], r["waiting"])
            for r in asyncio.run(live.rows(now=now))]


def test_many_pages_in_one_tick_read_the_simulator_once(parts):
    simulator, _store, clock, live = parts
    simulator.add("T1", minutes_ago=125)
    simulator.add("C1", kind="issued_closed")
    simulator.add("T2", minutes_ago=3)
    for _page in range(5):
        assert rows(live) == [("T1", None, "2 jam 5 menit"), ("T2", None, "3 menit")]
    assert simulator.asked == [0, 2]  # all of it once (two answers), for the five pages
    clock.now += 1.0
    simulator.add("T3", minutes_ago=15448)
    assert rows(live)[0] == ("T3", None, "10 hari 17 jam")
    assert simulator.asked == [0, 2, 3]  # only what came after


def test_taken_closed_and_handed_back_cases_show_at_once(parts):
    simulator, store, clock, live = parts
    for number in ("T1", "T2", "T3"):
        simulator.add(number)
    rows(live)
    store.take("T1", "sari")
    store.take("T2", "sari")
    store.take("T3", "joko")
    assert rows(live) == [("T1", "sari", "kurang dari 1 menit"),
                          ("T2", "sari", "kurang dari 1 menit"),
                          ("T3", "joko", "kurang dari 1 menit")]
    clock.now += 0.5
    store.finish("T1", "sari", CLOSED)
    store.finish("T3", "joko", HANDED_BACK)
    assert [number for number, *_ in rows(live)] == ["T2"]  # within the tick
    assert len(simulator.asked) == 2


def test_an_emptied_simulator_is_read_again(parts):
    simulator, _store, clock, live = parts
    simulator.add("T1")
    simulator.add("T2")
    assert len(rows(live)) == 2
    simulator.tickets = []
    simulator.add("T9")
    clock.now += 1.0
    assert [number for number, *_ in rows(live)] == ["T9"]


def test_a_fresh_read_does_not_wait_for_the_tick(parts):
    simulator, _store, _clock, live = parts
    rows(live)
    simulator.add("T1")
    assert rows(live) == []  # within the tick
    fresh = asyncio.run(live.rows(now=CREATED.timestamp(), fresh=True))
    assert [row["ticket"] for row in fresh] == ["T1"]
