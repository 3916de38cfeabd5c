"""The Rasa process's own figures (turns, failed action calls) and the action server's
``/metrics``, on the real code paths: Rasa's functions as ``bot.rasa_runtime`` wraps them,
the action server as a process of its own in development."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import httpx
import pytest
from e2e_support import free_ports
from metrics_support import PROCESS_METRICS, Scrape
from prometheus_client import REGISTRY, generate_latest
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import bot.rasa_runtime as runtime
from bot import launcher as stack
from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.shared import BACKOFFICE
from bot.rasa_runtime import keep_alive

DOMAIN = Domain.load(str(stack.ROOT / "domain.yml"))


def figures() -> Scrape:
    return Scrape(generate_latest(REGISTRY).decode())


@pytest.fixture(autouse=True)
def installed():
    runtime.install()


def test_a_turn_is_counted_and_timed_by_its_channel(monkeypatch):
    class Processor:
        async def handle_message(self, message):
            return [{"text": "halo"}]

    class FailingProcessor:
        async def handle_message(self, message):
            raise RuntimeError("database down")

    agent = Agent()
    monkeypatch.setattr(agent, "is_ready", lambda: True)
    before = figures()
    agent.processor = Processor()
    asyncio.run(agent.handle_message(UserMessage("halo", sender_id="rest:a",
                                                 input_channel="rest")))
    agent.processor = FailingProcessor()
    with pytest.raises(RuntimeError):
        asyncio.run(agent.handle_message(UserMessage("halo", sender_id="telegram:b",
                                                     input_channel="telegram")))
    after = figures()
    for channel in ("rest", "telegram"):
        assert after.value("pln_turns_total", channel=channel) == \
            before.value("pln_turns_total", channel=channel) + 1
        assert after.value("pln_turn_duration_seconds_count", channel=channel) == \
            before.value("pln_turn_duration_seconds_count", channel=channel) + 1
    assert after.value("pln_turn_failures_total", channel="telegram") == \
        before.value("pln_turn_failures_total", channel="telegram") + 1
    assert after.value("pln_turn_failures_total", channel="rest") == \
        before.value("pln_turn_failures_total", channel="rest")


def test_a_failed_action_call_is_counted(monkeypatch):
    def ticket(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(201, json={**body, "ticket_number": "APKT1", "data": {},
                                         "created_at": "2026-11-27T09:00:00+07:00"})

    monkeypatch.setattr(BACKOFFICE, "_client", AsyncBackofficeClient(
        "http://backoffice", transport=httpx.MockTransport(ticket)))
    nobody = EndpointConfig(f"http://127.0.0.1:{free_ports(1)[0]}/webhook")  # refused
    tracker = DialogueStateTracker.from_events("conv-1", [
        ActionExecuted("action_listen"),
        UserUttered("ya", {"name": "affirm", "confidence": 1.0},
                    metadata={"now": "2026-11-27T09:00:00+07:00"})], slots=DOMAIN.slots)
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    action = RemoteAction("action_answer_question", nobody)
    labels = {"action": "action_answer_question"}
    before = figures().value("pln_action_call_failures_total", **labels)

    async def run():
        try:
            return await action.run(CollectingOutputChannel(), nlg, tracker, DOMAIN)
        finally:
            await keep_alive.close_sessions()

    asyncio.run(run())
    assert figures().value("pln_action_call_failures_total", **labels) == before + 1


def test_the_action_server_is_open_on_loopback_in_development_only_there(tmp_path):
    port = free_ports(1)[0]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLN_")}
    env.update({"PLN_ACTIONS_TOKEN": "actions-token", "PLN_DATA_DIR": str(tmp_path)})
    log = open(tmp_path / "actions.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "bot.action_server", "--actions",
                               "actions", "--port", str(port)], cwd=stack.ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=10, trust_env=False) as http:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if http.get(f"{url}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "actions.log").read_text()
                time.sleep(0.25)
            answer = http.get(f"{url}/metrics")
            assert answer.status_code == 200
            assert PROCESS_METRICS <= Scrape(answer.text).names()
            assert http.get(f"{url}/actions").status_code == 401  # the rest: its token
    finally:
        server.terminate()
        server.wait(30)
        log.close()
