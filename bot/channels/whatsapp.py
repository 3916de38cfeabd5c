"""WhatsApp (the Business Cloud API) on the channel contract, with a thin httpx client.

Only translation lives here: a webhook's messages become ``contract.inbound(...)``
(sender ``whatsapp:<pseudonym>``: the keyed pseudonym of the number, never the number,
which only the channel's table of addresses keeps for sending (``bot.pseudonyms``); the
message id ``wamid...``; the caller id ``+<wa_id>``: the number WhatsApp verified), and the assistant's replies become Graph API messages, sent in
order per customer with retries (``delivery.Outbox``):

- texts split at 4,096 characters on sentence boundaries;
- two or three choices with short titles (yes/no, owner or authorised, AP2T's alternative):
  reply buttons (at most 3, titles at most 20 characters); more, or longer titles
  (kecamatan, kelurahan, LIT TR): a list message (at most 10 rows, titles at most 24, the
  whole name as the row's description); a chosen button or row sends its payload, exactly
  the typed word; more than 10 choices stay in the text, to be typed;
- every message is marked as read; status callbacks (sent, delivered, read, failed) are
  recorded, never treated as messages; a redelivered message id is processed once;
  images, audio, stickers, locations, documents get a reply saying what can be read;
- the 24-hour customer-service window: ``deliver`` sends free-form messages only within
  24 hours of the customer's last message, and an approved template outside it;
- Graph API rate limits (HTTP 429, error codes 4, 80007, 130429, 131056) and 5xx or
  network errors are retried with backoff; a refusal is logged and the next reply goes.

``WhatsAppChannel`` is framework-free (tested against a fake Graph API);
``whatsapp_input.WhatsAppInput`` plugs it into Rasa.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bot.channels.contract import (
    ChatTurn,
    Process,
    RecentReplies,
    chat_turn,
    conversation_id,
)
from bot.channels.delivery import Item, OneAtATime, Outbox
from bot.channels.replies import HANDOFF_NOTICE, PAUSED_NOTICE, Reply, replies_of, split_text
from bot.identifiers import mask
from bot.pseudonyms import ChannelAddresses, load_key
from bot.untrusted import same_secret

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
MAX_TEXT_CHARS = 4096
MAX_BODY_CHARS = 1024  # an interactive message's body
MAX_BUTTONS, MAX_BUTTON_TITLE = 3, 20
MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_DESCRIPTION = 10, 24, 72
MAX_ID_CHARS = 200  # a button's or row's id (the payload): 256 in the API
SERVICE_WINDOW_S = 24 * 3600.0
MAX_ATTEMPTS = 8
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131056})
LIST_BUTTON = "Pilih"
CHOOSE = "Silakan pilih:"
STATUSES_KEPT = 10_000
NOT_READABLE_KINDS = {
    "image": "gambar", "audio": "pesan suara", "voice": "pesan suara", "video": "video",
    "sticker": "stiker", "document": "dokumen", "location": "lokasi", "contacts": "kontak",
    "reaction": "reaksi",
}


def not_readable(kind: str) -> str:
    return (f"Mohon maaf, saya belum dapat membaca {kind}. Silakan ketik jawaban Bapak/Ibu "
            "sebagai pesan teks, misalnya nomor ID pelanggan atau \"ya\".")


@dataclass(frozen=True)
class WhatsAppSettings:
    access_token: str  # the system user's token of the WhatsApp Business app
    app_secret: str  # the app's secret: the key of X-Hub-Signature-256
    verify_token: str  # chosen by you, given to Meta with the webhook's URL
    phone_number_id: str  # the business number's id (not the number)
    api_url: str = "https://graph.facebook.com/v21.0"
    reminder_template: str = "pengingat_pembayaran_tambah_daya"  # approved, id language
    template_language: str = "id"
    # the key of the conversations' pseudonyms, and the table of their numbers (bot.pseudonyms)
    pseudonym_key_file: str = ""
    addresses_db: str = ":memory:"

    def __post_init__(self):
        for name in ("access_token", "app_secret", "verify_token", "phone_number_id",
                     "pseudonym_key_file"):
            if not getattr(self, name):
                raise ValueError(f"the WhatsApp channel needs {name} "
                                 f"(WHATSAPP_{name.upper()})")


class GraphError(Exception):
    def __init__(self, status: int, code: int | None, message: str):
        super().__init__(f"Graph API {status} (code {code}): {message}")
        self.status, self.code = status, code


def retry_delay(error: BaseException, attempt: int) -> float | None:
    """A rate limit, a 5xx or a network error: back off (1 s doubling, at most 60 s);
    anything else the Graph API refused: never again."""
    if attempt >= MAX_ATTEMPTS:
        return None
    if isinstance(error, GraphError):
        retryable = error.status == 429 or error.status >= 500 or error.code in RATE_LIMIT_CODES
    else:
        retryable = isinstance(error, httpx.TransportError)
    return min(2.0 ** (attempt - 1), 60.0) if retryable else None


def signature_matches(app_secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256``: "sha256=" and the HMAC-SHA256 of the raw body."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return same_secret(header[len("sha256="):], expected)


def verification_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The webhook's verification: the challenge to echo, or None (refused)."""
    token = params.get("hub.verify_token") or ""
    if params.get("hub.mode") == "subscribe" and same_secret(token, verify_token):
        return params.get("hub.challenge") or ""
    return None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


class GraphApi:
    """``POST {api}/{phone_number_id}/messages``: the one Graph API call the channel needs."""

    def __init__(self, settings: WhatsAppSettings, client: httpx.AsyncClient | None = None):
        self.url = f"{settings.api_url.rstrip('/')}/{settings.phone_number_id}/messages"
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=5.0))
        self.headers = {"Authorization": f"Bearer {settings.access_token}"}

    async def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(self.url, json={"messaging_product": "whatsapp",
                                                           **payload}, headers=self.headers)
        if response.status_code >= 400:
            try:
                error = response.json().get("error") or {}
            except ValueError:
                error = {}
            raise GraphError(response.status_code, error.get("code"),
                             str(error.get("message") or response.reason_phrase))
        return response.json()

    async def close(self) -> None:
        await self.client.aclose()




class WhatsAppChannel:
    def __init__(self, settings: WhatsAppSettings, api: GraphApi | None = None,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        self.settings = settings
        self.api = api or GraphApi(settings)
        self.addresses = ChannelAddresses(settings.addresses_db,
                                          load_key(settings.pseudonym_key_file))
        self.clock = clock
        self.outbox = Outbox(retry_delay, sleep)
        self.recent = RecentReplies()
        self.last_message_at: OrderedDict[str, float] = OrderedDict()  # wa_id -> time
        self.statuses: OrderedDict[str, str] = OrderedDict()  # our message id -> status
        self._turns = OneAtATime()

    # --- webhooks in --------------------------------------------------------------------

    async def handle(self, body: Mapping[str, Any], process: Process) -> None:
        """One webhook delivery: its statuses recorded, its messages each one turn."""
        for entry in body.get("entry") or ():
            for change in (entry or {}).get("changes") or ():
                value = (change or {}).get("value") or {}
                for status in value.get("statuses") or ():
                    self._record_status(status)
                for message in value.get("messages") or ():
                    wa_id = str(message.get("from") or "")
                    if wa_id.isdigit():
                        async with self._turns(wa_id):
                            await self._on_message(wa_id, message, process)

    def _record_status(self, status: Mapping[str, Any]) -> None:
        message_id, state = str(status.get("id") or ""), str(status.get("status") or "")
        if not message_id or not state:
            return
        self.statuses[message_id] = state
        self.statuses.move_to_end(message_id)
        while len(self.statuses) > STATUSES_KEPT:
            self.statuses.popitem(last=False)
        if state == "failed":
            codes = [e.get("code") for e in status.get("errors") or ()]
            logger.error("WhatsApp message to %s failed: %s",
                         mask(str(status.get("recipient_id") or "")), codes)

    async def _on_message(self, wa_id: str, message: Mapping[str, Any],
                          process: Process) -> None:
        message_id = str(message.get("id") or "")
        self._seen(wa_id)
        self.addresses.remember(CHANNEL, wa_id, f"+{wa_id}")
        if message_id:
            self.outbox.put(self._sender(wa_id), [Item(lambda: self.api.send(
                {"status": "read", "message_id": message_id}), "markRead", retried=False)])
        kind = message.get("type")
        if kind == "text":
            text = (message.get("text") or {}).get("body")
        elif kind == "interactive":
            interactive = message.get("interactive") or {}
            chosen = interactive.get("button_reply") or interactive.get("list_reply") or {}
            text = chosen.get("id") or chosen.get("title")
        elif kind == "button":  # a template's quick reply
            text = (message.get("button") or {}).get("payload")
        else:
            self._say(wa_id, not_readable(NOT_READABLE_KINDS.get(kind or "", "pesan jenis ini")))
            return
        await self._turn(wa_id, text, message_id, process)

    async def _turn(self, wa_id: str, text: Any, message_id: str, process: Process) -> None:
        metadata = {"caller_id": f"+{wa_id}"}
        if message_id:
            metadata["message_id"] = message_id
        sender = self._sender(wa_id)

        def answer(answered: list[dict]) -> None:
            items = [item for reply in replies_of(answered) for item in self._render(wa_id, reply)]
            self.outbox.put(sender, items or [self._text_item(wa_id, PAUSED_NOTICE)])

        await chat_turn(ChatTurn(
            CHANNEL, self.recent, say=lambda said: self._say(wa_id, said), answer=answer,
            unreadable=not_readable("pesan jenis ini")), sender, text, metadata, process)

    # --- replies out --------------------------------------------------------------------

    def _render(self, wa_id: str, reply: Reply) -> list[Item]:
        text = f"{reply.text}\n\n{HANDOFF_NOTICE}".strip() if reply.handoff else reply.text
        interactive = self._interactive(reply) if reply.buttons else None
        if interactive is None:
            return [self._text_item(wa_id, part) for part in split_text(text, MAX_TEXT_CHARS)]
        if len(text) <= MAX_BODY_CHARS:
            body, before = text, []
        else:  # the choices after the whole text
            body, before = CHOOSE, split_text(text, MAX_TEXT_CHARS)
        interactive["body"] = {"text": body}
        return [*(self._text_item(wa_id, part) for part in before),
                Item(lambda: self.api.send({"to": wa_id, "type": "interactive",
                                            "interactive": interactive}), "interactive")]

    @staticmethod
    def _interactive(reply: Reply) -> dict[str, Any] | None:
        buttons = reply.buttons
        if len(buttons) <= MAX_BUTTONS and all(len(b.title) <= MAX_BUTTON_TITLE for b in buttons):
            return {"type": "button", "action": {"buttons": [
                {"type": "reply", "reply": {"id": b.payload[:MAX_ID_CHARS], "title": b.title}}
                for b in buttons]}}
        if len(buttons) <= MAX_ROWS:
            rows = []
            for b in buttons:
                row = {"id": b.payload[:MAX_ID_CHARS], "title": _cut(b.title, MAX_ROW_TITLE)}
                if len(b.title) > MAX_ROW_TITLE:
                    row["description"] = _cut(b.title, MAX_ROW_DESCRIPTION)
                rows.append(row)
            return {"type": "list", "action": {"button": LIST_BUTTON,
                                               "sections": [{"title": "Pilihan", "rows": rows}]}}
        return None  # more than 10: the text names them, the customer types one

    def _text_item(self, wa_id: str, text: str) -> Item:
        return Item(lambda: self.api.send({"to": wa_id, "type": "text",
                                           "text": {"body": text, "preview_url": False}}),
                    "text")

    def _say(self, wa_id: str, text: str) -> None:
        self.outbox.put(self._sender(wa_id), [self._text_item(wa_id, text)])

    # --- outside a turn: the 24-hour window -------------------------------------------

    def within_window(self, wa_id: str, last_message_at: float | None = None) -> bool:
        seen = self.last_message_at.get(wa_id) if last_message_at is None else last_message_at
        return seen is not None and self.clock() - seen < SERVICE_WINDOW_S

    def deliver(self, wa_id: str, messages: list[dict], last_message_at: float | None = None,
                template_parameters: list[str] | None = None) -> str:
        """Rasa-style messages outside a turn (a CSO's reply, a reminder): as in a turn
        within 24 hours of the customer's last message (``last_message_at`` when the
        caller knows it from the conversation, else what this process saw), else the
        approved template with ``template_parameters`` (by default the text). Says which
        ("free-form" or "template")."""
        if self.within_window(wa_id, last_message_at):
            items = [item for reply in replies_of(messages) for item in self._render(wa_id, reply)]
            self.outbox.put(self._sender(wa_id), items)
            return "free-form"
        text = " ".join(m.get("text") or "" for m in messages).strip()[:1000]
        template = {"name": self.settings.reminder_template,
                    "language": {"code": self.settings.template_language},
                    "components": [{"type": "body", "parameters": [
                        {"type": "text", "text": value}
                        for value in (template_parameters or [text])]}]}
        self.outbox.put(self._sender(wa_id), [Item(lambda: self.api.send(
            {"to": wa_id, "type": "template", "template": template}), "template")])
        return "template"

    def _seen(self, wa_id: str) -> None:
        self.last_message_at[wa_id] = self.clock()
        self.last_message_at.move_to_end(wa_id)
        while len(self.last_message_at) > 100_000:
            self.last_message_at.popitem(last=False)

    def _sender(self, wa_id: str) -> str:
        """The customer's conversation: named by their pseudonym, never their number."""
        return conversation_id(CHANNEL, self.addresses.pseudonym(f"+{wa_id}"))

    def address_of(self, name: str) -> str | None:
        """The ``wa_id`` of a conversation's pseudonym, where a message must be sent."""
        return self.addresses.address(CHANNEL, name)

    async def stop(self, grace_s: float = 10.0) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.outbox.idle(), grace_s)
        await self.api.close()
