"""What a turn's tracker events are recorded as (bot.kpi.recording): the request id of each
turn, the events of a request that starts, asks, fails an answer and ends, a retried turn
counted once, and a store that fails not stopping the turn."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.kpi import Figures, Filters, KpiStore
from bot.kpi.events import ClosedReason
from bot.kpi.figures import by_name
from bot.kpi.recording import TurnRecorder, closed_reason, request_opening, validity_end
from bot.kpi.store import WIB, events

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB).timestamp()
FORM = "perubahan_daya_form"


def user(at: float, text: str = "x", channel: str = "rest") -> dict:
    return {"event": "user", "timestamp": at, "text": text, "input_channel": channel}


def action(at: float, name: str) -> dict:
    return {"event": "action", "timestamp": at, "name": name}


def slot(at: float, name: str, value) -> dict:
    return {"event": "slot", "timestamp": at, "name": name, "value": value}


def loop(at: float, name: str | None = FORM) -> dict:
    return {"event": "active_loop", "timestamp": at, "name": name}


@pytest.fixture
def store(tmp_path):
    kpi = KpiStore(f"sqlite:///{tmp_path / 'kpi.sqlite3'}")
    yield kpi
    kpi.close()


def test_a_turn_belongs_to_the_request_its_form_opened():
    greeting = [action(T0, "action_session_start"), user(T0 + 1, "halo")]
    assert request_opening(greeting) is None  # no request yet: not counted
    opened = [*greeting, user(T0 + 2, "mau tambah daya"), loop(T0 + 2.1)]
    assert request_opening(opened)["timestamp"] == T0 + 2
    later = [*opened, slot(T0 + 2.2, "requested_slot", "nik_ready"), user(T0 + 3, "sudah")]
    assert request_opening(later)["timestamp"] == T0 + 2
    # the reset at the end of this turn does not move the turn to a next request
    ended = [*later, action(T0 + 3.1, "action_start_new_request")]
    assert request_opening(ended)["timestamp"] == T0 + 2
    assert request_opening([*ended, user(T0 + 4, "halo lagi")]) is None


def test_the_issued_closed_reasons():
    assert closed_reason(3, None, {}) == ClosedReason.NOT_READY
    assert closed_reason(4, {"arrears_rp": 10}, {}) == ClosedReason.ARREARS
    assert closed_reason(4, None, {"unknown_numbers": 2}) == ClosedReason.UNKNOWN_IDPEL
    assert closed_reason(4, None, {}) == ClosedReason.NOT_READY
    assert closed_reason(9, None, {}) == ClosedReason.DECLINED
    assert closed_reason(3, {"cancelled": True}, {}) == ClosedReason.DECLINED
    assert validity_end("27 Desember 2026") == dt.datetime(
        2026, 12, 27, 23, 59, 59, tzinfo=WIB).timestamp()
    assert validity_end("besok") is None


def test_a_request_not_ready_recorded_once(store):
    recorder = TurnRecorder(store)
    first = [action(T0, "action_session_start"), user(T0 + 1, "mau tambah daya"), loop(T0 + 1.1),
             slot(T0 + 1.2, "requested_slot", "nik_ready")]
    recorder.record_turn("rest-customer", first, {}, 120.0)
    second = [*first, user(T0 + 5, "hmm"), slot(T0 + 5.1, "failed_attempts", 1),
              slot(T0 + 5.2, "requested_slot", "nik_ready")]
    recorder.record_turn("rest-customer", second, {}, 80.0)
    third = [*second, user(T0 + 9, "belum"), slot(T0 + 9.1, "sop_ending", "issued_closed"),
             slot(T0 + 9.1, "sop_step", 3), loop(T0 + 9.2, None),
             slot(T0 + 9.3, "requested_slot", "more_help")]
    slots = {"sop_ending": "issued_closed", "sop_step": 3}
    recorder.record_turn("rest-customer", third, slots, 100.0)
    recorder.record_turn("rest-customer", third, slots, 100.0)  # processed twice: once

    tables = by_name(Figures(store, Filters(dt.date(2026, 11, 27), dt.date(2026, 11, 27))).all())
    assert tables["containment"].as_dict()["started"] == (1,)
    assert tables["outcome"].as_dict()["issued_closed:not_ready"] == (1, 1)
    reached = {step for step, (n, _) in tables["funnel"].as_dict().items() if n}
    assert reached == {1, 3} | ({20} if "more_help" in _closing_questions() else set())
    assistant = tables["assistant"].as_dict()
    assert assistant["turns"] == (3,)
    assert assistant["understanding_failures"] == (1,)
    assert tables["understanding_failures_by_step"].as_dict()[3] == (1,)


def test_a_request_counts_for_its_customer_unit_once_the_customer_is_found(store):
    recorder = TurnRecorder(store)
    opened = [action(T0, "action_session_start"), user(T0 + 1, "mau tambah daya"),
              loop(T0 + 1.1), slot(T0 + 1.2, "requested_slot", "customer_number")]
    recorder.record_turn("rest-customer", opened, {}, 50.0)
    found = [*opened, user(T0 + 5, "532110000101"), slot(T0 + 5.1, "unit_code", "53211"),
             slot(T0 + 5.2, "requested_slot", "target_power_va")]
    recorder.record_turn("rest-customer", found, {"unit_code": "53211"}, 50.0)

    def started(unit: str) -> tuple:
        day = dt.date(2026, 11, 27)
        tables = by_name(Figures(store, Filters(day, day, unit=unit)).all())
        return tables["containment"].as_dict()["started"]

    assert started("53211") == (1,)
    assert started("54110") == (0,)


def _closing_questions() -> set[str]:
    from bot.sop.perubahan_daya import PERUBAHAN_DAYA

    return set(PERUBAHAN_DAYA.closing_steps)


def test_a_hand_over_asked_for_names_reason_step_and_ticket(store):
    turn = [action(T0, "action_session_start"), user(T0 + 1, "mau tambah daya", "telegram"),
            loop(T0 + 1.1), slot(T0 + 1.2, "requested_slot", "nik_ready"),
            user(T0 + 4, "mau bicara dengan petugas"),
            slot(T0 + 4.1, "sop_ending", "cso_handoff"), slot(T0 + 4.2, "ticket_number", "T-9")]
    TurnRecorder(store).record_turn("telegram:abc", turn, {
        "sop_ending": "cso_handoff", "sop_step": 3, "handoff_reason": "customer_asked",
        "ticket_number": "T-9"}, 50.0)
    with store.engine.connect() as db:
        rows = db.execute(select(events.c.kind, events.c.reason, events.c.step, events.c.ticket)
                          .where(events.c.kind == "handed_over")).all()
    assert rows == [("handed_over", "customer_asked", 3, "T-9")]


class FailingStore:
    def record(self, *args, **kwargs):
        raise OSError("database is locked")


def test_a_failing_store_does_not_stop_the_turn(caplog):
    turn = [user(T0, "mau tambah daya"), loop(T0 + 0.1)]
    TurnRecorder(FailingStore()).record_turn("rest-customer", turn, {}, 10.0)
    assert "KPI events of a turn not recorded" in caplog.text
    assert "rest-customer" not in caplog.text


def test_events_after_the_call_find_the_request_that_saved_even_when_first(store):
    """The summary e-mail may go before the turn that saved is recorded."""
    assert store.record_after_call("mail_sent", "5321-R1", T0 + 30)
    turn = [user(T0, "ya simpan"), loop(T0 + 0.1), slot(T0 + 1, "sop_ending", "saved"),
            slot(T0 + 1, "registration_number", "5321-R1")]
    TurnRecorder(store).record_turn("rest-customer", turn, {
        "sop_ending": "saved", "registration_number": "5321-R1",
        "registration_expires": "27 Desember 2026"}, 10.0)
    assert store.record_after_call("paid", "5321-R1", T0 + 60, event_id="paid:5321-R1")
    assert not store.record_after_call("paid", "5321-R1", T0 + 61, event_id="paid:5321-R1")
    after = by_name(Figures(store, Filters(dt.date(2026, 11, 27), dt.date(2026, 11, 27))).all())[
        "after_the_call"].as_dict()
    assert (after["saved"], after["paid"], after["paid_within_validity"],
            after["mails_sent"]) == ((1,), (1,), (1,), (1,))


def _kinds(store) -> list[tuple]:
    with store.engine.connect() as db:
        return [tuple(row) for row in db.execute(
            select(events.c.kind, events.c.reason, events.c.step, events.c.detail)
            .where(events.c.kind.notin_(("started", "step_reached", "turn")))
            .order_by(events.c.seq))]


def test_a_dropped_call_ends_and_two_failed_answers_hand_over(store):
    recorder = TurnRecorder(store)
    opened = [user(T0, "mau tambah daya", "voice"), loop(T0 + 0.1),
              slot(T0 + 0.2, "requested_slot", "customer_number")]
    dropped = [*opened, user(T0 + 9, "/call_ended"), slot(T0 + 9.1, "sop_ending", "cso_handoff")]
    recorder.record_turn("voice:p1", dropped, {"sop_ending": "cso_handoff", "sop_step": 4,
                                               "handoff_reason": "call_dropped"}, 5.0)
    failed = [*opened, user(T0 + 5, "entah"), slot(T0 + 5.1, "failed_attempts", 1),
              user(T0 + 8, "lupa"), slot(T0 + 8.1, "sop_ending", "cso_handoff"),
              slot(T0 + 8.1, "failed_attempts", 0), slot(T0 + 8.2, "ticket_number", "T-2")]
    recorder.record_turn("voice:p2", failed[:5], {}, 5.0)
    recorder.record_turn("voice:p2", failed, {
        "sop_ending": "cso_handoff", "sop_step": 4, "handoff_reason": "repeated_failures",
        "ticket_number": "T-2"}, 5.0)
    assert _kinds(store) == [("ended", "dropped_call", 4, None),
                             ("not_understood", None, 4, None),
                             ("not_understood", None, 4, None),
                             ("handed_over", "two_failed_answers", 4, None)]


def test_a_failed_action_call_and_its_ticket_are_a_hand_over(store):
    opened = [user(T0, "mau tambah daya"), loop(T0 + 0.1)]
    recorder = TurnRecorder(store)
    recorder.record_turn("rest-customer", opened, {}, 5.0)
    recorder.record_action_failure("rest-customer", opened, "validate_perubahan_daya_form",
                                   T0 + 1, 3, "T-7")
    recorder.record_action_failure("rest-customer", opened, "validate_perubahan_daya_form",
                                   T0 + 1, 3, "T-7")  # retried: once
    assert _kinds(store) == [("action_failed", None, None, "validate_perubahan_daya_form"),
                             ("handed_over", "backoffice_down", 3, None)]
