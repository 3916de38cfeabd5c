"""Action tests on tracker fixtures, against the real simulator app in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backoffice import use_backoffice
from bot.backoffice.app import create_app
from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture(autouse=True)
def no_open_requests():
    """Requests are not kept across conversations unless a test gives its own store (the
    process's would be the data directory's)."""
    from actions.continuation import OPEN_REQUESTS

    OPEN_REQUESTS.use(None, None)
    yield


@pytest.fixture
def simulator(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'sim.sqlite3'}")
    return create_app(settings)


@pytest.fixture
async def client(simulator):
    backoffice = AsyncBackofficeClient("http://simulator", retries=0,
                                       transport=httpx.ASGITransport(app=simulator))
    use_backoffice(backoffice)
    yield backoffice
    use_backoffice(None)
    await backoffice.aclose()


@pytest.fixture
def sync_client(simulator):
    """Reading the simulator's state after an action (tickets, registrations)."""
    from fastapi.testclient import TestClient
    return TestClient(simulator)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def make_tracker(slots: dict[str, Any] | None = None, text: str = "", intent: str = "inform",
                 entities: list[dict] | None = None, metadata: dict | None = None,
                 requested_slot: str | None = None, form: str | None = None,
                 sender_id: str = "test-conversation") -> Tracker:
    """A tracker whose latest user message is ``text``; when a slot is requested, its raw
    text is the newest slot event, as Rasa's from_text mapping leaves it."""
    all_slots = {"caller_title": "Bapak/Ibu", "caller_display": "Bapak/Ibu", **(slots or {})}
    events: list[dict] = [{"event": "action", "name": "action_listen"},
                          {"event": "user", "text": text}]
    if requested_slot:
        all_slots["requested_slot"] = requested_slot
        all_slots[requested_slot] = text
        events.append({"event": "slot", "name": requested_slot, "value": text})
    message = {"text": text, "intent": {"name": intent, "confidence": 0.99},
               "entities": entities or [], "metadata": metadata or {}}
    return Tracker(sender_id, all_slots, message, events, False, None,
                   {"name": form} if form else {}, "action_listen")


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    """The responses the action sent (their names) and any plain texts."""
    return [message.get("response") or message.get("text") for message in dispatcher.messages]


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def kinds(events: list[dict]) -> list[tuple]:
    """(event, name) of each event, e.g. ("followup", "closing_form"), ("pause", None)."""
    return [(event.get("event"), event.get("name")) for event in events]
