"""Every figure of the supervisor's page, from known requests recorded with a fixed clock
(``kpi_scenario``), on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from kpi_scenario import DAY0, DAY1, DAY2, EXPIRY_S, SWEEP_AT, T1, played

from bot.kpi import Figures, Filters, InvalidEvent, Kind, KpiStore, Outcome
from bot.kpi.figures import OUTCOMES


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.postgres)])
def store(request, tmp_path_factory, new_postgres_database):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('kpi') / 'kpi.sqlite3'}"
    else:
        url = new_postgres_database("pln_kpi_test")
    kpi = KpiStore(url)
    kpi.swept = played(kpi)
    yield kpi
    kpi.close()


def figures(store, channel=None, unit=None, start=DAY1, end=DAY2, **kwargs) -> Figures:
    return Figures(store, Filters(start, end, channel, unit), **kwargs)


def test_the_sweep_ends_silent_requests_once_naming_their_step(store):
    assert store.swept == ["r6", "r7"]  # r9 is held by a CSO; the others ended
    assert store.mark_abandoned(SWEEP_AT, EXPIRY_S) == []
    assert store.mark_abandoned(SWEEP_AT + 86400, EXPIRY_S) == []


def test_containment(store):
    assert figures(store).containment().as_dict() == {
        "started": (9,), "contained": (3,), "containment": (3 / 9,),
        # r1's customer came back within 24 h (r5)
        "strictly_contained": (2,), "strict_containment": (2 / 9,)}
    assert figures(store).containment_by_day().rows == [
        ("2026-12-01", 7, 2, 2 / 7, 1, 1 / 7), ("2026-12-02", 2, 1, 1 / 2, 1, 1 / 2)]


def test_the_filters_choose_the_requests(store):
    telegram = figures(store, channel="telegram").containment().as_dict()
    assert (telegram["started"], telegram["contained"], telegram["strictly_contained"]) == (
        (4,), (2,), (1,))
    unit = figures(store, unit="53212").containment().as_dict()
    assert (unit["started"], unit["contained"]) == ((3,), (0,))
    with_day0 = figures(store, start=DAY0).containment().as_dict()
    assert (with_day0["started"], with_day0["contained"]) == ((10,), (4,))
    assert figures(store, start=DAY2).containment().as_dict()["started"] == (2,)


def test_outcomes_and_hand_overs_by_channel(store):
    outcomes = figures(store).outcomes()
    assert outcomes.columns == ("outcome", "rest", "telegram", "voice", "whatsapp", "total")
    assert outcomes.as_dict() == {
        "saved": (0, 1, 1, 0, 2),
        "issued_closed:not_ready": (0, 1, 0, 0, 1),
        "issued_closed:arrears": (0, 0, 0, 1, 1),
        "issued_closed:declined": (0, 0, 0, 0, 0),
        "issued_closed:unknown_idpel": (0, 0, 0, 0, 0),
        "mbl": (0, 0, 0, 0, 0),
        "cso_issued_closed": (0, 1, 0, 0, 1),
        "cso_mbl": (0, 0, 0, 0, 0),
        "abandoned": (1, 0, 0, 1, 2),
        "dropped_call": (0, 0, 1, 0, 1),
        "in_progress": (0, 1, 0, 0, 1)}
    assert [row[0] for row in outcomes.rows] == list(OUTCOMES)
    assert figures(store).handovers().as_dict() == {
        "customer_asked": (0, 0, 1, 0, 1), "two_failed_answers": (0, 1, 0, 0, 1),
        "other_sop": (0, 1, 0, 0, 1), "backoffice_down": (0, 0, 0, 1, 1),
        "phone_silence": (0, 0, 0, 0, 0)}
    only_voice = figures(store, channel="voice").outcomes()
    assert only_voice.columns == ("outcome", "voice", "total")
    assert only_voice.as_dict()["saved"] == (1, 1)


def test_the_funnel_by_step_and_where_the_abandoned_left(store):
    funnel = figures(store).funnel().as_dict()
    assert funnel == {
        1: (9, 0), 2: (9, 0), 3: (8, 1), 4: (6, 0), 5: (5, 0), 6: (3, 1), 7: (2, 0),
        8: (2, 1), 9: (1, 0), 10: (1, 0), 11: (1, 0), 12: (1, 0), 13: (2, 0), 14: (2, 0),
        15: (2, 0), 16: (0, 0), 17: (0, 0), 18: (0, 0), 19: (0, 0), 20: (0, 0),
        21: (0, 0), 22: (0, 0)}


def test_after_the_call(store):
    assert figures(store).after_the_call().as_dict() == {
        "saved": (2,), "paid": (2,), "paid_ratio": (1.0,),
        "paid_within_validity": (1,), "paid_within_validity_ratio": (0.5,),
        "reminders_sent": (1,), "reminders_failed": (1,), "reminded_requests": (1,),
        "paid_after_reminder": (1,), "unpaid_after_reminder": (0,),
        "mails_sent": (2,), "mails_failed": (1,)}


def test_the_cso_queue(store):
    assert figures(store).queue().as_dict() == {
        "handed_over": (4,), "taken": (3,), "abandoned": (1,), "waiting": (0,),
        "average_speed_of_answer_s": (30.0,), "service_level_threshold_s": (20.0,),
        # T3 within 20 s, of T3, T5, T9 taken and T6 abandoned
        "taken_within_threshold": (1,), "service_level": (0.25,), "abandonment": (0.25,),
        "average_handle_time_s": (450.0,), "handed_back": (1,)}
    longer = figures(store, service_level_s=45.0).queue().as_dict()
    assert (longer["taken_within_threshold"], longer["service_level"]) == ((3,), (0.75,))
    unit = figures(store, unit="53212").queue().as_dict()
    assert (unit["handed_over"], unit["service_level"], unit["abandonment"]) == (
        (2,), (0.5,), (0.5,))
    assert figures(store).queue_waits().rows == [
        (0.0, 10.0, 0, 0), (10.0, 20.0, 1, 0), (20.0, 40.0, 1, 0), (40.0, 60.0, 1, 0),
        (60.0, 120.0, 0, 0), (120.0, 300.0, 0, 0), (300.0, 900.0, 0, 0),
        (900.0, None, 0, 1)]  # T6 waited the session's hour and left
    backs = figures(store).hand_backs().as_dict()
    assert backs["saved"] == (1,) and sum(n for (n,) in backs.values()) == 1


def test_the_assistant(store):
    assert figures(store).assistant().as_dict() == {
        "turns": (6,), "turn_latency_p50_ms": (1000.0,), "turn_latency_p95_ms": (3000.0,),
        "action_calls_failed": (1,), "understanding_failures": (3,)}
    by_step = figures(store).understanding_by_step().as_dict()
    assert {step: n for step, (n,) in by_step.items() if n} == {4: 1, 6: 2}
    assert len(by_step) == 22


def test_an_empty_range_has_no_ratios(store):
    empty = figures(store, start=DAY2.replace(year=2027), end=DAY2.replace(year=2027))
    assert empty.containment().as_dict()["containment"] == (None,)
    assert empty.queue().as_dict()["service_level"] == (None,)
    assert empty.assistant().as_dict()["turn_latency_p95_ms"] == (None,)
    assert len(empty.all()) == 11


def test_a_retried_write_is_counted_once(tmp_path):
    kpi = KpiStore(f"sqlite:///{tmp_path / 'kpi.sqlite3'}")
    assert kpi.record(Kind.STARTED, "x", T1, channel="rest", customer="rest:budi")
    assert not kpi.record(Kind.STARTED, "x", T1, channel="rest", customer="rest:budi")
    assert kpi.record(Kind.TURN, "x", T1, value=100, event_id="m-1")
    assert not kpi.record(Kind.TURN, "x", T1 + 1, value=200, event_id="m-1")
    assert not kpi.record_case(Kind.TAKEN, "NO-SUCH-TICKET", T1)
    assert Figures(kpi, Filters(DAY1, DAY1)).assistant().as_dict()["turns"] == (1,)


def test_events_the_figures_could_not_count_are_refused(tmp_path):
    kpi = KpiStore(f"sqlite:///{tmp_path / 'kpi.sqlite3'}")
    for kind, kwargs in [
            (Kind.ENDED, {"reason": "lost"}),
            (Kind.ENDED, {"reason": Outcome.ISSUED_CLOSED}),  # without its reason
            (Kind.HANDED_OVER, {"reason": "customer_asked", "step": 5}),  # no ticket
            (Kind.STEP_REACHED, {"step": 23}),
            (Kind.TURN, {"reason": "saved"})]:
        with pytest.raises(InvalidEvent):
            kpi.record(kind, "x", T1, **kwargs)
    with pytest.raises(ValueError):
        kpi.record(Kind.STARTED, "x", T1)  # no channel


def test_no_personal_data_is_kept(tmp_path):
    path = tmp_path / "kpi.sqlite3"
    kpi = KpiStore(f"sqlite:///{path}")
    kpi.record(Kind.STARTED, "r", T1, channel="whatsapp", customer="whatsapp:6281234500101")
    dump = "\n".join(sqlite3.connect(path).iterdump())
    assert "6281234500101" not in dump and "whatsapp:" not in dump


def test_every_hand_over_of_the_sop_has_its_place_in_the_figures():
    from bot.kpi.events import NOT_HANDED_OVER, SOP_HANDOVER_REASONS
    from bot.sop.outcomes import HandoffReason

    assert set(SOP_HANDOVER_REASONS) | set(NOT_HANDED_OVER) == {r.value for r in HandoffReason}
    assert set(NOT_HANDED_OVER.values()) <= {o.value for o in Outcome}


def test_the_sweep_expires_requests_as_the_conversation_sessions_do():
    from pathlib import Path

    import yaml

    from bot.kpi.sweep import SESSION_EXPIRY_S

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
    assert domain["session_config"]["session_expiration_time"] * 60 == SESSION_EXPIRY_S


def test_the_sweep_runs_at_once_and_then_every_so_often(tmp_path, monkeypatch):
    import asyncio

    from bot.kpi import sweep

    kpi = KpiStore(f"sqlite:///{tmp_path / 'kpi.sqlite3'}")
    kpi.record(Kind.STARTED, "gone", T1, channel="rest", customer="rest:x")
    waits = []

    async def one_sweep_only(seconds):
        waits.append(seconds)
        raise asyncio.CancelledError

    monkeypatch.setattr(sweep.asyncio, "sleep", one_sweep_only)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(sweep.sweep_forever(kpi, EXPIRY_S, 300.0, clock=lambda: T1 + 2 * EXPIRY_S))
    assert waits == [300.0]
    assert kpi.mark_abandoned(T1 + 3 * EXPIRY_S, EXPIRY_S) == []  # marked already


def test_the_console_sweeps_while_it_runs(tmp_path):
    from starlette.testclient import TestClient

    from bot.console.app import create_app

    app = create_app({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9"})
    with TestClient(app):
        sweeper = app.state.sweeper
        assert not sweeper.done()
    assert sweeper.cancelled() or sweeper.done()
