"""One Telegram user talking to the stack through its Telegram webhook, the bot's replies
read from the fake Bot API's log. Used by the Telegram and CSO console tests."""

from __future__ import annotations

import time

import httpx
from e2e_support import TELEGRAM_SECRET
from fake_telegram import FakeTelegram, button_update, contact_update, message_update


class Chat:
    """One Telegram user talking to the stack: each step posts one update to the webhook
    and returns the texts the bot sent in answer."""

    def __init__(self, stack, client: httpx.Client, fake: FakeTelegram, chat_id: int):
        self.url = (f"http://{stack.env['PLN_HOST']}:{stack.env['PLN_RASA_PORT']}"
                    "/webhooks/telegram/webhook")
        self.client, self.fake, self.chat_id = client, fake, chat_id
        self.log: list[tuple[str, str]] = []  # (who, what) for the transcript

    def post(self, update: dict, secret: str | None = TELEGRAM_SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return self.client.post(self.url, json=update, headers=headers)

    def send(self, update: dict, shown: str) -> list:
        before = len(self.fake.sent("sendMessage", self.chat_id))
        response = self.post(update)
        assert response.status_code == 200, response.text
        self.fake.wait_for(lambda: len(self.fake.sent("sendMessage", self.chat_id)) > before)
        self.fake.wait_for(lambda: not self._still_typing(before), timeout=10)
        self.log.append(("customer", shown))
        replies = self.fake.sent("sendMessage", self.chat_id)[before:]
        for reply in replies:
            self.log.append(("bot", _shown(reply)))
        return replies

    def _still_typing(self, before: int) -> bool:
        # the replies of one turn are sent back to back: wait until no more arrive
        count = len(self.fake.sent("sendMessage", self.chat_id))
        time.sleep(0.3)
        return len(self.fake.sent("sendMessage", self.chat_id)) != count

    def say(self, text: str) -> list:
        return self.send(message_update(self.chat_id, text), text)

    def press(self, reply, title: str) -> list:
        """Press the inline button ``title`` of the message ``reply``."""
        keyboard = reply.markup["inline_keyboard"]
        data = next(b["callback_data"] for row in keyboard for b in row if b["text"] == title)
        return self.send(button_update(self.chat_id, data, reply.text, keyboard),
                         f"[menekan tombol \"{title}\"]")

    def share_contact(self, phone: str) -> list:
        return self.send(contact_update(self.chat_id, phone, contact_user_id=self.chat_id),
                         f"[membagikan kontak: {phone}]")


def _shown(reply) -> str:
    text = reply.text
    markup = reply.markup
    if markup.get("inline_keyboard"):
        text += "\n" + " ".join(f"[{b['text']}]" for row in markup["inline_keyboard"]
                                for b in row)
    if markup.get("keyboard"):
        text += "\n" + " ".join(f"[{b['text']}]" for row in markup["keyboard"] for b in row)
    return text


def texts(replies: list) -> str:
    return "\n".join(r.text for r in replies)
