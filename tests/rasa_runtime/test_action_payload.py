"""The action server gets upstream's payload with this turn's events only, and rasa-sdk
reads from it what it reads from upstream's."""

from __future__ import annotations

from pathlib import Path

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

import bot.rasa_runtime as runtime
from bot.rasa_runtime.action_payload import this_turn

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def conversation() -> DialogueStateTracker:
    events = [ActionExecuted("action_listen"),
              UserUttered("mau tambah daya", {"name": "request_power_change",
                                              "confidence": 0.99}),
              ActionExecuted("perubahan_daya_form"), ActiveLoop("perubahan_daya_form"),
              SlotSet("requested_slot", "idpel"), BotUttered("ID pelanggan?"),
              ActionExecuted("action_listen"),
              UserUttered("532110000101", {"name": "inform", "confidence": 0.97},
                          input_channel="rest"),
              SlotSet("idpel", "532110000101"), SlotSet("nik", "3273011508850001")]
    return DialogueStateTracker.from_events("c-1", events, slots=DOMAIN.slots)


def payloads(name: str = "validate_perubahan_daya_form"):
    tracker = conversation()
    action = RemoteAction(name, EndpointConfig("http://127.0.0.1:1/webhook"))
    upstream = RemoteAction._action_call_format.__wrapped__(action, tracker, DOMAIN)
    runtime.install()
    return upstream, action._action_call_format(tracker, DOMAIN)


def test_the_payload_is_upstreams_with_this_turns_events():
    upstream, ours = payloads()
    assert {k: v for k, v in ours.items() if k != "tracker"} == {
        k: v for k, v in upstream.items() if k != "tracker"}
    assert {k: v for k, v in ours["tracker"].items() if k != "events"} == {
        k: v for k, v in upstream["tracker"].items() if k != "events"}
    assert ours["tracker"]["events"] == upstream["tracker"]["events"][7:]  # from the message
    assert ours["tracker"]["events"][0]["event"] == "user"


def test_the_action_server_reads_the_same_from_it():
    upstream, ours = payloads()
    theirs, mine = (Tracker.from_dict(p["tracker"]) for p in (upstream, ours))
    assert mine.slots_to_validate() == theirs.slots_to_validate() == {
        "idpel": "532110000101", "nik": "3273011508850001"}
    assert mine.latest_message == theirs.latest_message
    assert mine.get_latest_input_channel() == theirs.get_latest_input_channel() == "rest"
    assert mine.active_loop == theirs.active_loop
    assert mine.current_slot_values() == theirs.current_slot_values()


def test_without_a_user_message_every_event_is_sent():
    events = [ActionExecuted("action_session_start"), SlotSet("idpel", "1")]
    assert this_turn(events) == events
