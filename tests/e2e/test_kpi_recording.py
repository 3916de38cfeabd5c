"""The figures' events as the real stack records them (bot.kpi.recording): four requests
with known outcomes played on the REST channel (saved, Issued Closed for a NIK not ready,
a hand-over asked for, and one whose customer went silent), their events copied from the
stack's store into a store of their own (other tests share the stack), the abandonment
sweep run with a controlled clock, and the figures asserted exactly."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from conversation_harness import send
from e2e_support import BUDI_METADATA, HAPPY_PATH, StackProblem
from sqlalchemy import func, select

from bot.kpi import Figures, Filters, KpiStore
from bot.kpi.events import customer_key
from bot.kpi.figures import by_name
from bot.kpi.store import events, requests
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
    keys = [customer_key(f"rest:{sender}") for sender in senders.values()]  # as Rasa names it
    saved = saved_registration(stack_store, keys)
    endpoints = e2e_stack.endpoints
    e2e_client.post(f"{endpoints.simulator_url}/ap2t/registrations/{saved}/payment",
                    headers=endpoints.simulator_headers).raise_for_status()
    wait_for_the_summary_email(stack_store, saved)
    copy = KpiStore(f"sqlite:///{tmp_path_factory.mktemp('kpi') / 'kpi.sqlite3'}")
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


def saved_registration(store: KpiStore, keys: list[str]) -> str:
    with store.engine.connect() as db:
        return db.execute(select(events.c.ticket).join(
            requests, requests.c.request_id == events.c.request_id).where(
            requests.c.customer.in_(keys), events.c.kind == "ended",
            events.c.reason == "saved")).scalar_one()


def wait_for_the_summary_email(store: KpiStore, number: str, tries: int = 120) -> None:
    """The notifier sends the summary in the background: its event comes when it went."""
    request = store.request_of_registration(number)
    for _ in range(tries):
        with store.engine.connect() as db:
            if db.execute(select(func.count()).where(events.c.request_id == request,
                                                     events.c.kind == "mail_sent")).scalar():
                return
        time.sleep(0.25)
    raise AssertionError("the summary e-mail's event was not recorded")


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
    # in progress: the hand-over waiting for a CSO, and the silent customer
    assert before["outcome"].as_dict()["in_progress"][-1] == 2
    with store.engine.connect() as db:
        ticket, handed_at = db.execute(select(events.c.ticket, events.c.at).where(
            events.c.kind == "handed_over")).one()
        last = db.execute(select(events.c.at).order_by(events.c.at.desc()).limit(1)).scalar()
    assert store.record_case("taken", ticket, handed_at + 12)  # a CSO, as the console does
    assert store.record_case("closed", ticket, handed_at + 132, reason="issued_closed")
    # the sweep with a controlled clock: the silent request only, once its session expired
    assert store.mark_abandoned(last + SESSION_EXPIRY_S - 1, SESSION_EXPIRY_S) == []
    assert len(store.mark_abandoned(last + SESSION_EXPIRY_S + 1, SESSION_EXPIRY_S)) == 1
    assert store.mark_abandoned(last + 2 * SESSION_EXPIRY_S, SESSION_EXPIRY_S) == []

    tables = figures(store)
    assert tables["containment"].rows == [
        ("started", 4), ("contained", 2), ("containment", 0.5), ("strictly_contained", 2),
        ("strict_containment", 0.5)]
    outcomes = {key: row for key, row in tables["outcome"].as_dict().items() if row[-1]}
    assert tables["outcome"].columns == ("outcome", "rest", "total")
    assert outcomes == {"saved": (1, 1), "issued_closed:not_ready": (1, 1),
                        "cso_issued_closed": (1, 1), "abandoned": (1, 1)}
    handovers = {key: row for key, row in tables["handover_reason"].as_dict().items() if row[-1]}
    assert handovers == {"customer_asked": (1, 1)}
    # saved: every step but 7 (no AP2T notification for Budi's power); not ready: 1-3 (its
    # name known from the caller id) and the closing; asked: 1-6 (found: 6; asked at 5);
    # silent: 1-4, where it was left
    reached = {1: 4, 2: 4, 3: 4, 4: 3, 5: 2, 6: 2, 8: 1, 9: 1, 10: 1, 11: 1, 12: 1, 13: 1,
               14: 1, 15: 1, 16: 1, 17: 1, 18: 1, 19: 1, 20: 2, 21: 2, 22: 2}
    assert tables["funnel"].rows == [(step, reached.get(step, 0), 1 if step == 4 else 0)
                                     for step in range(1, 23)]
    after = tables["after_the_call"].as_dict()
    assert (after["saved"], after["paid"], after["paid_within_validity"]) == ((1,), (1,), (1,))
    assert (after["mails_sent"], after["mails_failed"]) == ((1,), (0,))
    queue = tables["queue"].as_dict()
    assert queue["average_speed_of_answer_s"] == (12.0,)
    assert queue["service_level"] == (1.0,)
    assert queue["average_handle_time_s"] == (120.0,)
    assistant = tables["assistant"].as_dict()
    # every message but Budi's "halo" before his request
    assert assistant["turns"] == (sum(len(texts) for texts in CONVERSATIONS.values()) - 1,)
    assert assistant["action_calls_failed"] == (0,)
    assert assistant["understanding_failures"] == (0,)
