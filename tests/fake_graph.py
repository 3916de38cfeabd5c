"""A local fake of Meta's Graph API for WhatsApp (``POST /{version}/{phone_number_id}/
messages``) that records every call, and the webhook bodies WhatsApp sends, signed as
Meta signs them.

It runs in a thread of its own (``fake_server.ThreadedFake``). ``fail(times, status,
code)`` makes the next calls fail as the Graph API's do (429 / code 130429, 500).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from fake_server import ThreadedFake

PHONE_NUMBER_ID = "109876543210"
ACCESS_TOKEN = "EAAG-test-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"


@dataclass
class Call:
    body: dict[str, Any]
    status: int

    @property
    def kind(self) -> str:
        return "read" if self.body.get("status") == "read" else self.body.get("type", "")

    @property
    def to(self) -> str | None:
        return self.body.get("to")

    @property
    def text(self) -> str | None:
        if self.kind == "text":
            return self.body["text"]["body"]
        if self.kind == "interactive":
            return self.body["interactive"]["body"]["text"]
        return None


class FakeGraph(ThreadedFake):
    name = "fake Graph API"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self._failures: deque = deque()
        self._ids = itertools.count(1)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v21.0"

    def fail(self, times: int = 1, status: int = 429, code: int = 130429) -> None:
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def sent(self, to: str | None = None, kind: str | None = None) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.status == 200 and (to is None or c.to == to)
                and (kind is None or c.kind == kind)]

    def texts(self, to: str) -> list[str]:
        return [c.text for c in self.sent(to) if c.text is not None]

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v21.0/{phone_id}/messages", self._messages)

    def seen(self) -> list:
        return [(c.kind, c.text) for c in self.calls]

    async def _messages(self, request: web.Request) -> web.Response:
        if (request.match_info["phone_id"] != PHONE_NUMBER_ID
                or request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}"):
            return web.json_response({"error": {"code": 190, "message": "Invalid OAuth"}},
                                     status=401)
        body = await request.json()
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
            self.calls.append(Call(body, failure[0] if failure else 200))
        if failure is not None:
            status, code = failure
            return web.json_response({"error": {"code": code, "message": "(#130429) Rate "
                                                "limit hit" if status == 429 else "Service "
                                                "temporarily unavailable"}}, status=status)
        if body.get("status") == "read":
            return web.json_response({"success": True})
        return web.json_response({"messaging_product": "whatsapp",
                                  "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                                  "messages": [{"id": f"wamid.OUT{next(self._ids)}"}]})


# --- webhook bodies as WhatsApp sends them -------------------------------------------------

_ids = itertools.count(1)


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery(value: dict[str, Any]) -> dict[str, Any]:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "62123", "phone_number_id": PHONE_NUMBER_ID},
             **value}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA-1", "changes": [{"field": "messages", "value": value}]}]}


def message(wa_id: str, kind: str = "text", message_id: str | None = None,
            **content: Any) -> dict[str, Any]:
    """A delivery of one message from ``wa_id``: ``message(w, text="halo")``,
    ``message(w, "interactive", interactive={...})``, ``message(w, "image", image={...})``."""
    if kind == "text" and "text" in content and isinstance(content["text"], str):
        content = {"text": {"body": content["text"]}}
    body = {"from": wa_id, "id": message_id or f"wamid.IN{next(_ids)}",
            "timestamp": str(int(time.time())), "type": kind, **content}
    return delivery({"contacts": [{"profile": {"name": "Budi"}, "wa_id": wa_id}],
                     "messages": [body]})


def button_reply(wa_id: str, payload: str, title: str) -> dict[str, Any]:
    return message(wa_id, "interactive", interactive={
        "type": "button_reply", "button_reply": {"id": payload, "title": title}})


def list_reply(wa_id: str, payload: str, title: str) -> dict[str, Any]:
    return message(wa_id, "interactive", interactive={
        "type": "list_reply", "list_reply": {"id": payload, "title": title}})


def status(wa_id: str, message_id: str, state: str) -> dict[str, Any]:
    return delivery({"statuses": [{"id": message_id, "status": state, "recipient_id": wa_id,
                                   "timestamp": str(int(time.time()))}]})


def as_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()
