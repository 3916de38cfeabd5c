"""Telegram on the channel contract, with python-telegram-bot 22's Bot API client.

Only translation lives here: a Telegram update becomes ``contract.inbound(...)`` (sender
``telegram:<chat_id>``, message id ``update-<update_id>``, the caller id the user verified
by sharing their own contact), and the assistant's replies (``replies.replies_of``) become
Bot API calls, sent in order per chat with retries (``delivery.Outbox``):

- choices (kecamatan, kelurahan, LIT TR, yes/no, owner or authorised) are inline keyboards;
  a press is answered (``answerCallbackQuery``), the keyboard is replaced by the choice, and
  the choice's payload goes to the assistant exactly as if it had been typed;
- the phone question (SOP step 13) offers a "Bagikan nomor" keyboard button
  (``request_contact``); a shared contact counts only when ``contact.user_id`` is the
  sender's own id, and its number is then the caller id of this and later conversations;
- texts go without ``parse_mode``: nothing the assistant or a customer wrote is read as
  markup (no escaping can be forgotten), split at 4,096 characters on sentence boundaries;
- "typing..." while the assistant works; photos, stickers, voice notes, documents,
  locations get a reply saying what can be read; group chats are refused;
- a hand-over says that a CSO answers in this chat; a message to a paused conversation
  (no reply from the assistant) is acknowledged, never met with silence.

``TelegramChannel`` is framework-free (tested against a fake Bot API server);
``telegram_input.TelegramInput`` plugs it into Rasa.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.request import HTTPXRequest

from bot.channels.contract import (
    ChatTurn,
    Process,
    RecentReplies,
    chat_turn,
    conversation_id,
)
from bot.channels.delivery import Item, OneAtATime, Outbox
from bot.channels.replies import HANDOFF_NOTICE, PAUSED_NOTICE, Reply, replies_of, split_text
from bot.channels.verified_numbers import VerifiedNumbers

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT_CHARS = 4096  # Bot API: sendMessage's text
MAX_CALLBACK_DATA_BYTES = 64  # Bot API: InlineKeyboardButton.callback_data
ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT_S = 25
MAX_ATTEMPTS = 10  # per Bot API call: about 2 minutes of backoff on network errors
MAX_BACKOFF_S = 30.0

START_TEXT = "halo"  # "/start", Telegram's first message, is a greeting
SHARE_PHONE_BUTTON = "Bagikan nomor"
SHARE_PHONE_PLACEHOLDER = "atau ketik nomor handphone"
CHOSEN = "Pilihan: {choice}"
GROUP_REFUSED = ("Mohon maaf, layanan Asisten Virtual PLN 123 hanya melalui chat pribadi. "
                 "Silakan kirim pesan langsung kepada kami.")
CONTACT_NOT_OWN = ("Mohon maaf, kami hanya dapat menerima nomor Telegram Bapak/Ibu sendiri. "
                   "Silakan tekan tombol \"Bagikan nomor\" atau ketik nomor handphone yang "
                   "dapat dihubungi.")
UNREADABLE = "Mohon maaf, pesan tersebut tidak dapat kami baca. Silakan kirim dalam bentuk teks."
# What each kind of message is called in the reply that says it cannot be read.
NOT_READABLE_KINDS = {
    "photo": "foto", "sticker": "stiker", "voice": "pesan suara", "audio": "audio",
    "video": "video", "video_note": "pesan video", "animation": "animasi",
    "document": "dokumen", "location": "lokasi", "venue": "lokasi", "poll": "polling",
    "dice": "emoji animasi", "game": "permainan", "story": "story",
}


def not_readable(kind: str) -> str:
    return (f"Mohon maaf, saya belum dapat membaca {kind}. Silakan ketik jawaban Bapak/Ibu "
            "sebagai pesan teks, misalnya nomor ID pelanggan atau \"ya\".")




@dataclass(frozen=True)
class TelegramSettings:
    token: str
    secret_token: str | None = None  # required to serve the webhook
    mode: str = "webhook"  # "webhook", "polling" (development) or "send" (the CSO console)
    webhook_url: str | None = None  # set with setWebhook at start when given
    api_url: str = "https://api.telegram.org"
    numbers_db: str = "var/channels.sqlite"

    def __post_init__(self):
        if self.mode not in ("webhook", "polling", "send"):
            raise ValueError(f"telegram mode must be webhook, polling or send, not {self.mode!r}")
        if not self.token:
            raise ValueError("telegram token is required (TELEGRAM_BOT_TOKEN)")
        if self.mode == "webhook" and not self.secret_token:
            raise ValueError("the telegram webhook needs a secret_token "
                             "(TELEGRAM_WEBHOOK_SECRET): no update is accepted without it")

    def make_bot(self) -> Bot:
        api = self.api_url.rstrip("/")
        return Bot(self.token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot",
                   request=HTTPXRequest(connection_pool_size=32),
                   get_updates_request=HTTPXRequest(read_timeout=POLL_TIMEOUT_S + 10))


def _seconds(retry_after: Any) -> float:
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)


def retry_delay(error: BaseException, attempt: int) -> float | None:
    """How long to wait before the next attempt of a Bot API call, or None (give up): a 429
    waits what Telegram says; a network error or a 5xx backs off exponentially; a refusal
    (400 Bad Request, 403 blocked by the user, ...) is never retried."""
    if attempt >= MAX_ATTEMPTS:
        return None
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that it becomes a timedelta
            warnings.simplefilter("ignore")
            return min(_seconds(error.retry_after), 300.0)
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return min(0.5 * 2 ** (attempt - 1), MAX_BACKOFF_S)
    return None


def callback_data(payload: str, title: str) -> str:
    """What a button sends back: its payload, or (over Telegram's 64 bytes) its title, or
    the payload cut at 64 bytes (the place-name matching still finds a long name)."""
    for candidate in (payload, title):
        if len(candidate.encode()) <= MAX_CALLBACK_DATA_BYTES:
            return candidate
    return payload.encode()[:MAX_CALLBACK_DATA_BYTES].decode(errors="ignore")


def _message_kind(message: Any) -> str:
    for attribute, name in NOT_READABLE_KINDS.items():
        if getattr(message, attribute, None):
            return name
    return "pesan jenis ini"


class TelegramChannel:
    """Updates in, Bot API calls out; one turn at a time per chat, replies in order."""

    def __init__(self, settings: TelegramSettings, bot: Bot | None = None,
                 numbers: VerifiedNumbers | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        self.settings = settings
        self.bot = bot or settings.make_bot()
        self.numbers = numbers or VerifiedNumbers(settings.numbers_db)
        self.outbox = Outbox(retry_delay, sleep)
        self.recent = RecentReplies()
        self._turns = OneAtATime()
        self._reply_keyboard_shown: set[int] = set()
        self._tasks: set[asyncio.Task] = set()

    # --- updates in -------------------------------------------------------------------

    async def handle(self, update: Update, process: Process) -> None:
        """One update: a customer's message or button press, processed once and answered
        in order; anything else (edits, membership changes) is not a turn."""
        query, message = update.callback_query, update.message
        if query is not None and query.message is not None:
            chat_id = query.message.chat.id
        elif message is not None:
            chat_id = message.chat.id
        else:
            return
        async with self._turns(chat_id):
            if query is not None:
                await self._on_button(update, process)
            else:
                await self._on_message(update, process)

    async def _on_message(self, update: Update, process: Process) -> None:
        message = update.message
        chat_id, user = message.chat.id, message.from_user
        if message.chat.type != ChatType.PRIVATE:
            self._say(chat_id, GROUP_REFUSED)
            return
        if user is None:
            return
        if message.contact is not None:
            if message.contact.user_id != user.id:  # forwarded, or someone else's card
                self._say(chat_id, CONTACT_NOT_OWN)
                return
            self.numbers.remember(CHANNEL, str(user.id), message.contact.phone_number)
            text = message.contact.phone_number
        elif message.text is not None:
            command = message.text.strip().split("@")[0]
            text = START_TEXT if command == "/start" else message.text
        else:
            self._say(chat_id, not_readable(_message_kind(message)))
            return
        await self._turn(chat_id, user.id, text, update.update_id, process)

    async def _on_button(self, update: Update, process: Process) -> None:
        query = update.callback_query
        chat = query.message.chat
        sender = self._sender(chat.id)
        items = [Item(lambda: self.bot.answer_callback_query(query.id), "answerCallbackQuery")]
        original = getattr(query.message, "text", None)
        if query.data and original:  # the keyboard gives way to what was chosen
            chosen = f"{original}\n\n{CHOSEN.format(choice=self._title_of(query))}"
            items.append(Item(lambda: self.bot.edit_message_text(
                chosen, chat_id=chat.id, message_id=query.message.message_id),
                "editMessageText", retried=False))
        self.outbox.put(sender, items)
        if chat.type != ChatType.PRIVATE:
            self._say(chat.id, GROUP_REFUSED)
            return
        if query.data:
            await self._turn(chat.id, query.from_user.id, query.data, update.update_id, process)

    @staticmethod
    def _title_of(query: Any) -> str:
        markup = getattr(query.message, "reply_markup", None)
        for row in getattr(markup, "inline_keyboard", None) or ():
            for button in row:
                if button.callback_data == query.data:
                    return button.text
        return query.data

    async def _turn(self, chat_id: int, user_id: int, text: str, update_id: int,
                    process: Process) -> None:
        metadata = {"message_id": f"update-{update_id}"}
        caller = self.numbers.get(CHANNEL, str(user_id))
        if caller:
            metadata["caller_id"] = caller
        sender = self._sender(chat_id)

        def answer(answered: list[dict]) -> None:
            items = [item for reply in replies_of(answered)
                     for item in self._render(chat_id, reply)]
            self.outbox.put(sender, items or self._say_items(chat_id, PAUSED_NOTICE))

        await chat_turn(ChatTurn(
            CHANNEL, self.recent, say=lambda said: self._say(chat_id, said), answer=answer,
            unreadable=UNREADABLE, working=lambda: self.outbox.put(sender, [Item(
                lambda: self.bot.send_chat_action(chat_id, ChatAction.TYPING),
                "sendChatAction", retried=False)])), sender, text, metadata, process)

    # --- replies out ------------------------------------------------------------------

    def deliver(self, chat_id: int, messages: list[dict]) -> None:
        """Rasa-style messages sent outside a turn (a CSO's reply, a hand back), in order
        after whatever the chat has queued."""
        items = [item for reply in replies_of(messages) for item in self._render(chat_id, reply)]
        self.outbox.put(self._sender(chat_id), items)

    def _render(self, chat_id: int, reply: Reply) -> list[Item]:
        text = reply.text
        if reply.handoff:
            text = f"{text}\n\n{HANDOFF_NOTICE}".strip()
        parts = split_text(text, MAX_TEXT_CHARS)
        markup = self._markup(chat_id, reply)
        return [self._send_item(chat_id, part, markup if last else None)
                for last, part in ((i == len(parts) - 1, p) for i, p in enumerate(parts))]

    def _markup(self, chat_id: int, reply: Reply) -> Any:
        if reply.buttons:
            return InlineKeyboardMarkup([[InlineKeyboardButton(
                button.title, callback_data=callback_data(button.payload, button.title))]
                for button in reply.buttons])
        if reply.share_phone:
            self._reply_keyboard_shown.add(chat_id)
            return ReplyKeyboardMarkup(
                [[KeyboardButton(SHARE_PHONE_BUTTON, request_contact=True)]],
                resize_keyboard=True, one_time_keyboard=True,
                input_field_placeholder=SHARE_PHONE_PLACEHOLDER)
        if chat_id in self._reply_keyboard_shown:
            self._reply_keyboard_shown.discard(chat_id)
            return ReplyKeyboardRemove()
        return None

    def _send_item(self, chat_id: int, text: str, markup: Any) -> Item:
        return Item(lambda: self.bot.send_message(chat_id, text, reply_markup=markup),
                    "sendMessage")

    def _say_items(self, chat_id: int, text: str) -> list[Item]:
        return [self._send_item(chat_id, text, None)]

    def _say(self, chat_id: int, text: str) -> None:
        self.outbox.put(self._sender(chat_id), self._say_items(chat_id, text))

    @staticmethod
    def _sender(chat_id: int) -> str:
        return conversation_id(CHANNEL, chat_id)

    # --- running ------------------------------------------------------------------------

    async def start(self, process: Process) -> str:
        """Polling or the webhook's registration, in the background (Telegram being
        unreachable never stops the assistant from starting); says how it started."""
        if self.settings.mode == "polling":
            self._spawn(self._poll(process))
            return "telegram: long polling (development; no webhook)"
        if self.settings.webhook_url:
            self._spawn(self._until_done("setWebhook", lambda: self.bot.set_webhook(
                self.settings.webhook_url, secret_token=self.settings.secret_token,
                allowed_updates=ALLOWED_UPDATES)))
            return f"telegram: webhook, registered at {self.settings.webhook_url}"
        return "telegram: webhook (register its URL with setWebhook, docs/channels.md)"

    async def stop(self, grace_s: float = 10.0) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.outbox.idle(), grace_s)
        self.numbers.close()
        with contextlib.suppress(Exception):
            await self.bot.shutdown()

    async def _poll(self, process: Process) -> None:
        await self._until_done("deleteWebhook", self.bot.delete_webhook)
        offset, failures = None, 0
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT_S,
                                                     allowed_updates=ALLOWED_UPDATES)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - keep polling whatever happened
                failures += 1
                delay = retry_delay(error, min(failures, 6)) or MAX_BACKOFF_S
                logger.warning("getUpdates failed (%s), again in %.1f s", type(error).__name__,
                               delay)
                await asyncio.sleep(delay)
                continue
            for update in updates:
                offset = update.update_id + 1
                self._spawn(self.handle(update, process))

    async def _until_done(self, what: str, call: Callable[[], Awaitable[Any]]) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await call()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001
                delay = retry_delay(error, min(attempt, 6)) or MAX_BACKOFF_S
                logger.warning("%s failed (%s), again in %.1f s", what, type(error).__name__,
                               delay)
                await asyncio.sleep(delay)

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

