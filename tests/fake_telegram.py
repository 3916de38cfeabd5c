"""A local fake of Telegram's Bot API (``https://api.telegram.org/bot<token>/<method>``)
that records every call, for the channel's tests and docs/telegram-transcript.md.

It runs in a thread of its own (``fake_server.ThreadedFake``). ``fail(method, times,
status, retry_after)``
makes the next calls of a method fail as Telegram's do (429 with ``retry_after``, 502);
``updates`` feeds ``getUpdates`` (long polling).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from fake_server import ThreadedFake

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "PLN 123", "username": "pln123_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int  # what the fake answered

    @property
    def text(self) -> str | None:
        return self.params.get("text")

    @property
    def markup(self) -> dict[str, Any]:
        return self.params.get("reply_markup") or {}


class FakeTelegram(ThreadedFake):
    name = "fake Bot API"

    def __init__(self, token: str = "123456:TEST-token") -> None:
        super().__init__()
        self.token = token
        self.calls: list[Call] = []
        self.updates: deque = deque()
        self._failures: dict[str, deque] = {}
        self._message_ids = itertools.count(1000)

    # --- what tests use -----------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, method: str, times: int = 1, status: int = 429, retry_after: int = 1) -> None:
        with self._lock:
            self._failures.setdefault(method, deque()).extend([(status, retry_after)] * times)

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        """Successful calls (of ``method``, to ``chat_id``), in order."""
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.status == 200 and (method is None or c.method == method)
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [c.text for c in self.sent("sendMessage", chat_id)]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- the server -----------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._api)

    def seen(self) -> list:
        return [(c.method, c.text) for c in self.calls]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        params = await self._params(request)
        with self._lock:
            failures = self._failures.get(method)
            failure = failures.popleft() if failures else None
        if failure is not None:
            status, retry_after = failure
            with self._lock:
                self.calls.append(Call(method, params, status))
            body = {"ok": False, "error_code": status, "description": "Too Many Requests"
                    if status == 429 else "Bad Gateway"}
            if status == 429:
                body["parameters"] = {"retry_after": retry_after}
            return web.json_response(body, status=status)
        if method == "getUpdates":
            result = await self._get_updates(params)
        else:
            result = self._result(method, params)
        with self._lock:
            self.calls.append(Call(method, params, 200))
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw = await request.json()
        else:
            raw = dict(await request.post())
        params = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in ("reply_markup", "allowed_updates"):
                value = json.loads(value)
            params[key] = value
        return params

    async def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        offset = int(params.get("offset") or 0)
        while True:
            with self._lock:
                ready = [u for u in self.updates if u["update_id"] >= offset]
                for update in list(self.updates):
                    if update["update_id"] < offset:
                        self.updates.remove(update)
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            chat_id = int(params["chat_id"])
            return {"message_id": int(params.get("message_id") or next(self._message_ids)),
                    "date": int(time.time()), "from": BOT_USER,
                    "chat": {"id": chat_id, "type": "private"}, "text": params.get("text", "")}
        return True


# --- updates as Telegram sends them ------------------------------------------------------

_update_ids = itertools.count(500_000)


def user(user_id: int = 42, first_name: str = "Budi") -> dict:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "id"}


def message_update(chat_id: int = 42, text: str | None = "halo", update_id: int | None = None,
                   chat_type: str = "private", from_user: dict | None = None,
                   **fields: Any) -> dict:
    message = {"message_id": next(_update_ids), "date": int(time.time()),
               "chat": {"id": chat_id, "type": chat_type},
               "from": from_user or user(chat_id if chat_type == "private" else 42)}
    if text is not None:
        message["text"] = text
    message.update(fields)
    return {"update_id": update_id if update_id is not None else next(_update_ids),
            "message": message}


def contact_update(chat_id: int, phone: str, contact_user_id: int | None) -> dict:
    contact = {"phone_number": phone, "first_name": "Budi"}
    if contact_user_id is not None:
        contact["user_id"] = contact_user_id
    return message_update(chat_id, None, contact=contact)


def button_update(chat_id: int, data: str, message_text: str = "Pertanyaan?",
                  keyboard: list[list[dict]] | None = None) -> dict:
    message = {"message_id": next(_update_ids), "date": int(time.time()), "from": BOT_USER,
               "chat": {"id": chat_id, "type": "private"}, "text": message_text}
    if keyboard:
        message["reply_markup"] = {"inline_keyboard": keyboard}
    return {"update_id": next(_update_ids),
            "callback_query": {"id": str(next(_update_ids)), "from": user(chat_id),
                               "chat_instance": "1", "message": message, "data": data}}
