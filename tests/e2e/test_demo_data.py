"""`make demo-data` on the session's stack: a dozen synthetic conversations across every
channel end as planned (their tickets and registrations in the simulator), a CSO takes
hand-overs in the console, and the summary counts them by outcome and channel."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from conversation_harness import simulator_tickets
from e2e_support import StackProblem

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo_data.py"


def load_demo_data():
    spec = importlib.util.spec_from_file_location("demo_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_data"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_data():
    return load_demo_data()


def test_the_plan_is_the_same_for_the_same_seed_and_covers_every_channel(demo_data):
    args = demo_data.parse_args(["--conversations", "40", "--seed", "9", "--until", "2026-11-27"])
    plans = demo_data.make_plans(args.conversations, args.seed, args.until, args.days)
    again = demo_data.make_plans(args.conversations, args.seed, args.until, args.days)
    assert plans == again
    assert {p.channel for p in plans} == set(demo_data.CHANNELS)
    rest_days = {p.now.date() for p in plans if p.channel == "rest"}
    assert len(rest_days) > 1 and max(rest_days).isoformat() == "2026-11-27"
    # a customer's WhatsApp number is one conversation: none is left open there, and each
    # customer plays there once
    on_whatsapp = [p for p in plans if p.channel == "whatsapp"]
    assert not [p for p in on_whatsapp if p.outcome in demo_data.OPEN_ENDED]
    callers = [demo_data.load_script(demo_data.SCRIPTS_DIR / p.script).metadata["caller_id"]
               for p in on_whatsapp]
    assert len(callers) == len(set(callers))


def test_a_dozen_conversations_end_as_planned_on_every_channel(
        demo_data, e2e_stack, e2e_client, fake_telegram, fake_whatsapp):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message)
    args = demo_data.parse_args(["--conversations", "12", "--seed", "5", "--until", "2026-11-27",
                                 "--concurrency", "4"])
    outcome = demo_data.run(args, e2e_stack, fake_telegram, fake_whatsapp)

    assert outcome.as_planned, outcome.summary()
    assert len(outcome.played) == 12
    assert {p.plan.channel for p in outcome.played} == set(demo_data.CHANNELS)
    assert {p.plan.outcome for p in outcome.played} >= {"saved", "handover_asked", "two_failed"}
    assert outcome.cso["taken"] >= 1
    assert outcome.cso["taken"] == outcome.cso["closed"] + outcome.cso["handed back"]
    closed_by_cso = [t for p in outcome.played
                     for t in simulator_tickets(e2e_client, e2e_stack.endpoints, p.conversation)
                     if "(CSO demo-cso" in t["reason"]]
    assert len(closed_by_cso) == outcome.cso["closed"]
    summary = outcome.summary()
    assert "conversations: 12, as planned: 12, not as planned: 0" in summary
    header = summary.splitlines()[0].split()
    assert header == ["outcome", *demo_data.CHANNELS, "total"]
