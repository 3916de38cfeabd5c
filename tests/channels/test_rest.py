"""The REST channel's answers in process (Sanic through httpx's ASGI transport), with a
Rasa that answers or fails; on the real stack: tests/e2e/test_channel_rest.py."""

from __future__ import annotations

import asyncio

import httpx
from sanic import Sanic

from bot.channels.contract import TURN_FAILED
from bot.channels.rate_limit import RestLimits
from bot.channels.rest import RestInput


class Rasa:
    """What the channel calls for each message: ``behaviour`` of the test."""

    behaviour = None

    @classmethod
    async def on_new_message(cls, message):
        await cls.behaviour(message)


class LimitedRest(RestInput):
    """The channel with small limits (its own blueprint name), on ``/webhooks/limited``."""


APP = Sanic("rest_channel_test")  # one app per process: Sanic keeps a registry
APP.blueprint(RestInput(trusted_caller_id=True).blueprint(Rasa.on_new_message),
              url_prefix="/webhooks/rest")
LIMITED = LimitedRest()
LIMITED.limits = RestLimits.from_env({"PLN_REST_SENDER_BURST": "2",
                                      "PLN_REST_SENDER_PER_MINUTE": "1"})
APP.blueprint(LIMITED.blueprint(Rasa.on_new_message), url_prefix="/webhooks/limited")
_started = False


def post(behaviour, body, path: str = "/webhooks/rest/webhook",
         client: tuple[str, int] = ("127.0.0.1", 123), raw: bytes | None = None) -> httpx.Response:
    Rasa.behaviour = behaviour

    async def scenario():
        global _started
        if not _started:
            await APP._startup()  # what Sanic's ASGI lifespan does first
            _started = True
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP, client=client),
                                     base_url="http://rest.test") as http:
            if raw is not None:
                return await http.post(path, content=raw,
                                       headers={"Content-Type": "application/json"})
            return await http.post(path, json=body)

    return asyncio.run(scenario())


async def greeting(message):
    await message.output_channel.send_text_message(message.sender_id, "Selamat siang")


async def broken(message):
    raise ConnectionError("the tracker store is down")


def test_an_answered_message_is_the_list_of_replies():
    answer = post(greeting, {"sender": "s1", "message": "halo"})
    assert answer.status_code == 200
    assert answer.json() == [{"recipient_id": "s1", "text": "Selamat siang"}]


def test_a_message_that_could_not_be_processed_is_a_503_with_the_customers_text():
    """Nothing of it was kept: a provider retries a 503, a web chat shows ``replies``."""
    answer = post(broken, {"sender": "s1", "message": "halo",
                           "metadata": {"message_id": "m1"}})
    assert answer.status_code == 503
    assert answer.json() == {"error": "processing_failed",
                             "message": "the message could not be processed",
                             "replies": [{"recipient_id": "s1", "text": TURN_FAILED}]}


def test_a_body_that_is_not_a_message_is_refused_before_rasa_is_asked():
    asked = []

    async def recording(message):
        asked.append(message)

    for body in ([1, 2], {"message": "halo"}, {"sender": "s1", "message": 7}):
        assert post(recording, body).status_code == 400
    assert asked == []


def test_a_rest_sender_is_a_conversation_of_the_rest_namespace_answered_by_its_own_name():
    seen = []

    async def recording(message):
        seen.append(message.sender_id)
        await greeting(message)

    answer = post(recording, {"sender": "web-chat_7.a", "message": "halo"})
    assert answer.status_code == 200
    assert seen == ["rest:web-chat_7.a"]
    assert answer.json() == [{"recipient_id": "web-chat_7.a", "text": "Selamat siang"}]


def test_a_sender_naming_another_channel_or_a_path_is_refused_before_rasa_is_asked():
    asked = []

    async def recording(message):
        asked.append(message)

    for sender in ("whatsapp:6281234500101", "voice:+6281234500101", "telegram:5550101",
                   "rest:s1", "a/../b?x=1", "a b", "", "x" * 65, "nomor\u00e9", 12, True):
        answer = post(recording, {"sender": sender, "message": "halo"})
        assert answer.status_code == 400, sender
        assert answer.json()["error"] == "invalid_sender", sender
    assert asked == []
    assert post(recording, {"sender": "x" * 64, "message": "halo"}).status_code == 200


def test_deeply_nested_json_is_a_400_not_a_server_error():
    asked = []

    async def recording(message):
        asked.append(message)

    for raw in (b"[" * 100_000, b'{"a":' * 50_000, b'{"sender": "s1", "message": "halo", "x": '
                + b"[" * 5_000 + b"]" * 5_000 + b"}"):
        answer = post(recording, None, raw=raw)
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_json"
    assert asked == []


def test_a_sender_over_its_limit_gets_a_429_with_retry_after_before_rasa_is_asked():
    away = ("203.0.113.5", 40000)  # not loopback: limited
    answers = [post(greeting, {"sender": sender, "message": "halo"}, "/webhooks/limited/webhook",
                    away) for sender in ("flood", "flood", "flood", "other")]
    assert [a.status_code for a in answers] == [200, 200, 429, 200]
    assert answers[2].headers["Retry-After"] == "60"
    assert answers[2].json()["error"] == "rate_limited"
    asked = []

    async def counting(message):
        asked.append(message)

    assert post(counting, {"sender": "flood", "message": "halo"}, "/webhooks/limited/webhook",
                away).status_code == 429
    assert asked == []
    # loopback (the tests, the benchmarks) is exempt
    assert all(post(greeting, {"sender": "flood", "message": "halo"},
                    "/webhooks/limited/webhook").status_code == 200 for _ in range(4))
