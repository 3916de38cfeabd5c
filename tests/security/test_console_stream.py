"""The queue's live stream (server-sent events) as a signed-out or revoked CSO's browser
would keep it open: it re-checks its session on every tick and ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.schemas import TicketChanges
from bot.console import app as console_app
from bot.console.app import create_app

PASSWORD = "sandi-rahasia-123"


async def no_tickets(_self):
    return []


async def no_changes(_self, after=0):
    return TicketChanges(cursor=after, last=after, tickets=[])


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setattr(AsyncBackofficeClient, "tickets", no_tickets)
    monkeypatch.setattr(AsyncBackofficeClient, "ticket_changes", no_changes)
    monkeypatch.setattr(console_app, "STREAM_TICK_S", 0.01, raising=False)
    made = create_app({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9"})
    made.state.store.add_user("sari", PASSWORD)
    return made


def stream(app, token: str, after_first_event: Callable[[], None]) -> list[bytes]:
    """GET /queue/stream with the session's cookie, calling ``after_first_event`` once the
    queue has been sent; the chunks sent until the stream ended by itself."""
    chunks: list[bytes] = []
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/queue/stream",
             "raw_path": b"/queue/stream", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"cookie", f"pln_console={token}".encode())],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}

    async def run() -> None:
        requested, never = False, asyncio.Event()

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await never.wait()  # the browser stays connected
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                assert message["status"] == 200
            if message["type"] == "http.response.body" and message.get("body"):
                chunks.append(message["body"])
                if len(chunks) == 1:
                    after_first_event()

        # a guard, not a measure: the stream ends within a few ticks, or the test fails
        await asyncio.wait_for(app(scope, receive, send), timeout=20)

    asyncio.run(run())
    return chunks


def test_the_stream_ends_at_sign_out(app):
    store = app.state.store
    session = store.sign_in("sari", PASSWORD)
    chunks = stream(app, session.token, lambda: store.sign_out(session.token))
    assert chunks == [b"data: []\n\n"]


def test_the_stream_ends_when_the_password_is_set(app):
    store = app.state.store
    session = store.sign_in("sari", PASSWORD)
    stream(app, session.token, lambda: store.add_user("sari", "sandi-baru-456789"))


def test_the_stream_ends_when_the_session_expires(app):
    store, now = app.state.store, [1_764_558_000.0]
    store.clock = lambda: now[0]
    session = store.sign_in("sari", PASSWORD)

    def later():
        now[0] += store.settings.idle_s + 1

    stream(app, session.token, later)
