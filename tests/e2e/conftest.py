"""Session fixtures of the e2e conversation tests: one real stack (started only when a test
asks for ``e2e_stack``; the harness's unit tests do not) and one shared HTTP client."""

from __future__ import annotations

import warnings

import e2e_support
import fake_graph
import httpx
import pytest
from e2e_support import (
    TELEGRAM_SECRET,
    TIMINGS,
    TWILIO_AUTH_TOKEN,
    VOICE_PUBLIC_URL,
    running_stack,
    stale_model_inputs,
)
from fake_telegram import FakeTelegram


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: runs the real model, action server and simulator (one stack per session)")


@pytest.fixture(scope="session")
def fake_telegram():
    """The fake Bot API the stack's Telegram channel talks to (webhook mode)."""
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_whatsapp():
    """The fake Graph API the stack's WhatsApp channel talks to."""
    server = fake_graph.FakeGraph().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def e2e_stack(tmp_path_factory, fake_telegram, fake_whatsapp):
    model = e2e_support.MODEL
    if model.is_file():
        stale = stale_model_inputs(model)
        if stale:
            warnings.warn(f"{model.name} is older than {', '.join(stale)}: the conversations "
                          "run an out-of-date model; run `make train`", stacklevel=1)
    channels = {"TELEGRAM_BOT_TOKEN": fake_telegram.token, "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                "TELEGRAM_API_URL": fake_telegram.api_url,
                "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN, "VOICE_PUBLIC_URL": VOICE_PUBLIC_URL,
                "WHATSAPP_ACCESS_TOKEN": fake_graph.ACCESS_TOKEN,
                "WHATSAPP_APP_SECRET": fake_graph.APP_SECRET,
                "WHATSAPP_VERIFY_TOKEN": fake_graph.VERIFY_TOKEN,
                "WHATSAPP_PHONE_NUMBER_ID": fake_graph.PHONE_NUMBER_ID,
                "WHATSAPP_API_URL": fake_whatsapp.api_url}
    with running_stack(tmp_path_factory.mktemp("e2e-stack"), model, channels) as handle:
        yield handle


@pytest.fixture(scope="session")
def e2e_client():
    # trust_env=False: a proxy from the environment must never see loopback traffic.
    with httpx.Client(timeout=httpx.Timeout(120.0, connect=5.0), trust_env=False) as client:
        yield client


def pytest_terminal_summary(terminalreporter):
    if not TIMINGS:
        return
    start = TIMINGS.get("stack start")
    scripts = {name: s for name, s in TIMINGS.items() if name != "stack start"}
    terminalreporter.section("e2e timings")
    if start is not None:
        terminalreporter.write_line(f"stack start (simulator, actions, rasa): {start:.1f} s")
    for name, seconds in scripts.items():
        terminalreporter.write_line(f"  {name}: {seconds:.2f} s")
    if scripts:
        terminalreporter.write_line(f"{len(scripts)} script(s): {sum(scripts.values()):.1f} s")
