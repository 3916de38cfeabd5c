"""Rasa's calls to the action server: retried once, then reported; nothing lost silently.

A fake action server (aiohttp, on a free loopback port) plays each failure; the back office
is a recording fake, so the CSO ticket can be checked."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import bot.rasa_runtime as runtime
from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.shared import BACKOFFICE
from bot.rasa_runtime import action_failures, keep_alive
from bot.rasa_runtime.action_failures import ActionServerFailed

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
NLG = TemplatedNaturalLanguageGenerator(DOMAIN.responses)


@pytest.fixture(autouse=True)
def installed():
    runtime.install()


@pytest.fixture
def tickets(monkeypatch):
    """The back office records tickets here (a fake answering like the simulator)."""
    recorded = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        recorded.append({**body, "now": request.headers.get("X-PLN-Now")})
        return httpx.Response(201, json={**body, "ticket_number": "APKT1", "data": {},
                                         "created_at": "2026-11-27T09:00:00+07:00"})

    client = AsyncBackofficeClient("http://backoffice", transport=httpx.MockTransport(handler))
    monkeypatch.setattr(BACKOFFICE, "_client", client)
    return recorded


class FakeActionServer:
    """Answers each POST with the next behaviour: "close" (drop the connection), "500",
    "slow", or a dict (the action result)."""

    def __init__(self, behaviours):
        self.behaviours = list(behaviours)
        self.calls = 0
        self.connections = set()  # the client ports the calls came from

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        self.connections.add(request.transport.get_extra_info("peername")[1])
        behaviour = self.behaviours.pop(0) if self.behaviours else "close"
        if behaviour == "close":
            request.transport.close()
            return web.Response()
        if behaviour == "500":
            return web.Response(status=500, text="boom")
        if behaviour == "slow":
            await asyncio.sleep(5)
        return web.json_response(behaviour)

    async def __aenter__(self):
        app = web.Application()
        app.router.add_post("/webhook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        return self

    async def __aexit__(self, *_exc):
        await keep_alive.close_sessions()
        await self.runner.cleanup()


def tracker(*events, sender="conv-1") -> DialogueStateTracker:
    base = [ActionExecuted("action_listen"),
            UserUttered("ya", {"name": "affirm", "confidence": 1.0},
                        metadata={"now": "2026-11-27T09:00:00+07:00"})]
    return DialogueStateTracker.from_events(sender, [*base, *events], slots=DOMAIN.slots)


def run(action, a_tracker):
    return asyncio.run(_run(action, a_tracker))


async def _run(action, a_tracker):
    return await action.run(CollectingOutputChannel(), NLG, a_tracker, DOMAIN)


def disruption(events) -> list[BotUttered]:
    return [e for e in events if isinstance(e, BotUttered)
            and e.metadata.get("utter_action") == "utter_service_disrupted"]


def test_a_dropped_connection_is_retried_once_on_a_fresh_one():
    async def scenario():
        async with FakeActionServer(["close", {"events": [
                {"event": "slot", "name": "ticket_number", "value": "X"}]}]) as server:
            events = await _run(RemoteAction("action_conclude_request", server.endpoint),
                                tracker())
            return events, server.calls

    events, calls = asyncio.run(scenario())
    assert calls == 2
    assert events == [SlotSet("ticket_number", "X")]


def test_a_conclusion_that_still_fails_is_told_ticketed_and_resumed_later(tickets):
    async def scenario():
        async with FakeActionServer(["close", "close"]) as server:
            a_tracker = tracker(SlotSet("data_confirmed", True), SlotSet("idpel", "532110000101"))
            events = await _run(RemoteAction("action_conclude_request", server.endpoint),
                                a_tracker)
            return events, server.calls

    events, calls = asyncio.run(scenario())
    assert calls == 2
    assert len(disruption(events)) == 1
    assert "gangguan" in disruption(events)[0].text
    assert SlotSet("interrupted_action", "action_conclude_request") in events
    assert events[-1] == FollowupAction("action_listen")  # the turn ends
    assert len(tickets) == 1
    ticket = tickets[0]
    assert (ticket["kind"], ticket["sop_step"], ticket["conversation_id"]) == (
        "cso_handoff", 15, "conv-1")
    assert ticket["data"]["failed_action"] == "action_conclude_request"
    assert ticket["now"] == "2026-11-27T09:00:00+07:00"  # the conversation's clock


def test_a_server_error_is_not_retried_and_is_reported(tickets):
    async def scenario():
        async with FakeActionServer(["500"]) as server:
            events = await _run(RemoteAction("action_answer_question", server.endpoint),
                                tracker())
            return events, server.calls

    events, calls = asyncio.run(scenario())
    assert calls == 1 and len(disruption(events)) == 1
    assert not [e for e in events if isinstance(e, SlotSet)]  # nothing to resume
    assert events[-1] == FollowupAction("action_listen")


def test_a_hanging_action_server_times_out(monkeypatch, tickets):
    monkeypatch.setattr(action_failures, "ACTION_TIMEOUT_S", 0.2)

    async def scenario():
        async with FakeActionServer(["slow"]) as server:
            with pytest.raises(ActionServerFailed, match="no answer"):
                await _run(RemoteAction("validate_perubahan_daya_form", server.endpoint),
                           tracker())

    asyncio.run(scenario())


def test_an_unreachable_server_fails_inner_actions_for_their_caller():
    dead = EndpointConfig("http://127.0.0.1:9/webhook")
    with pytest.raises(ActionServerFailed):
        run(RemoteAction("validate_perubahan_daya_form", dead), tracker())


def test_a_form_whose_validation_fails_keeps_its_question_and_drops_the_raw_answer(tickets):
    dead = EndpointConfig("http://127.0.0.1:9/webhook")
    form = FormAction("perubahan_daya_form", dead)
    a_tracker = DialogueStateTracker.from_events("conv-2", [
        ActionExecuted("action_listen"), UserUttered("coblong", {"name": "inform"}),
        ActiveLoop("perubahan_daya_form"), SlotSet("requested_slot", "kecamatan"),
        SlotSet("idpel", "532110000101"),
        ActionExecuted("action_listen"), UserUttered("coblong", {"name": "inform"}),
        SlotSet("kecamatan", "coblong"),  # the from_text extraction of this turn
    ], slots=DOMAIN.slots)
    events = run(form, a_tracker)
    assert len(disruption(events)) == 1
    assert SlotSet("kecamatan", None) in events
    assert not any(isinstance(e, SlotSet) and e.key in ("requested_slot", "idpel")
                   for e in events)  # the open question stays; nothing collected is touched
    assert not any(isinstance(e, ActiveLoop) for e in events)
    assert tickets[0]["sop_step"] == 12


def test_the_customer_is_told_once_per_turn():
    told = BotUttered("...", metadata={"utter_action": "utter_service_disrupted"})
    dead = EndpointConfig("http://127.0.0.1:9/webhook")
    events = run(RemoteAction("action_answer_question", dead), tracker(told))
    assert disruption(events) == []


def test_upstream_changes_stop_the_start(monkeypatch):
    key = ("rasa.core.actions.action", "RemoteAction", "run")
    monkeypatch.setitem(runtime.UPSTREAM, key, "0000000000000000")
    with pytest.raises(runtime.UpstreamChanged, match="RemoteAction.run"):
        runtime._upstream(*key)


def test_the_wrapped_functions_are_rasa_3_6_21s():
    """Fails loudly when a Rasa upgrade changes a function this project wraps."""
    for key, expected in runtime.UPSTREAM.items():
        _owner, original = runtime._upstream(*key)
        assert runtime.fingerprint(original) == expected


def test_action_results_are_validated_as_strictly_as_upstream():
    """The shortcut (each event against the schema of its own name) gives upstream's
    verdict on every answer, and an invalid one raises upstream's error."""
    import copy
    import itertools

    import jsonschema
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        ConversationPaused,
        ConversationResumed,
        FollowupAction,
        ReminderScheduled,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    from bot.rasa_runtime.fast_validation import is_valid

    events = [e.as_dict() for e in (
        SlotSet("idpel", "532110000101"), SlotSet("x", None), ActionExecuted("action_listen"),
        UserUttered("halo", {"name": "greet", "confidence": 0.9},
                    [{"entity": "idpel", "value": "1", "start": 0, "end": 1}]),
        BotUttered("teks", {"buttons": [{"title": "a", "payload": "a"}]}), ActiveLoop("f"),
        ActiveLoop(None), FollowupAction("action_x"), ConversationPaused(),
        ConversationResumed(), Restarted(), AllSlotsReset(), SessionStarted(),
        ReminderScheduled("greet", __import__("datetime").datetime(2026, 1, 1)))]
    broken = []
    for event in events:  # one field of each event made wrong
        for key, value in itertools.product(list(event), [None, 12, "x", [], {}]):
            wrong = copy.deepcopy(event)
            wrong[key] = value
            broken.append(wrong)
    broken += [{"name": "no event key"}, {"event": "nonsense"}, "not an object", 5]
    answers = [{"events": events, "responses": [{"response": "utter_greet"}]},
               {"events": []}, {}, {"responses": "not a list"}, {"events": "not a list"},
               {"events": [{"event": "slot", "name": "x", "timestamp": "noon"}]}]
    answers += [{"events": [event]} for event in events + broken]
    schema = RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)
    verdicts = {True: 0, False: 0}
    for answer in answers:
        upstream = validator.is_valid(answer)
        assert is_valid(answer) is upstream, answer
        verdicts[upstream] += 1
    assert verdicts[True] > 20 and verdicts[False] > 20  # both kinds were seen
    action = RemoteAction("action_x", None)
    for answer in (a for a in answers if not validator.is_valid(a)):
        with pytest.raises(jsonschema.ValidationError) as upstream_error:
            jsonschema.validate(answer, schema)
        with pytest.raises(jsonschema.ValidationError) as ours:
            action._validate_action_result(answer)
        assert ours.value.message.startswith(upstream_error.value.message)
        assert "Failed to validate Action server response" in ours.value.message


def test_action_calls_share_one_kept_alive_connection():
    async def scenario():
        answer = {"events": [], "responses": []}
        async with FakeActionServer([answer, answer, answer]) as server:
            for _ in range(3):
                await RemoteAction("action_conclude_request", server.endpoint).run(
                    CollectingOutputChannel(), NLG, tracker(), DOMAIN)
            return server.calls, len(server.connections)

    assert asyncio.run(scenario()) == (3, 1)  # upstream: a new connection per call


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_load_balancers_gateway_failure_is_retried_once(status):
    """Behind HAProxy, the action server chosen died during the call (502) or none was up
    for a moment (503): another one may take the retry (every action is idempotent)."""
    class Gateway(FakeActionServer):
        async def handle(self, request):
            self.calls += 1
            if self.calls == 1:
                return web.Response(status=status, text="gateway")
            return web.json_response({"events": [
                {"event": "slot", "name": "ticket_number", "value": "Y"}]})

    async def scenario():
        async with Gateway([]) as server:
            events = await _run(RemoteAction("action_conclude_request", server.endpoint),
                                tracker())
            return events, server.calls

    events, calls = asyncio.run(scenario())
    assert calls == 2 and events == [SlotSet("ticket_number", "Y")]
