"""Every service of the real stack that reads JSON answers a body nested deeper than any
real payload (100,000 ``[``, under the 1 MiB limit) with a 400, never a 500 with a
traceback, and a REST sender cannot reach another channel's conversation."""

from __future__ import annotations

import pytest
from e2e_support import TELEGRAM_SECRET, StackProblem
from fake_graph import sign

from bot.deployment import TOKEN_HEADER

pytestmark = pytest.mark.e2e

NESTED = b"[" * 100_000
NESTED_UNDER_64_KIB = b"[" * 60_000  # the simulator reads at most 64 KiB (413 above)


@pytest.fixture()
def stack(e2e_stack):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message)
    return e2e_stack


INTERNAL = ("PLN_SIM_PORT", "PLN_ACTIONS_PORT", "PLN_NOTIFY_PORT")


def _url(stack, port_key: str, path: str) -> str:
    host = stack.env["PLN_INTERNAL_HOST" if port_key in INTERNAL else "PLN_HOST"]
    return f"http://{host}:{stack.env[port_key]}{path}"


def test_nested_json_is_a_400_on_every_service_that_reads_json(stack, e2e_client):
    env, json_type = stack.env, {"Content-Type": "application/json"}
    posts = {
        "REST channel": (_url(stack, "PLN_RASA_PORT", "/webhooks/rest/webhook"), json_type),
        "Rasa API": (_url(stack, "PLN_RASA_PORT", "/conversations/rest:x/messages"
                                                  f"?token={env['PLN_RASA_TOKEN']}"), json_type),
        "Telegram": (_url(stack, "PLN_RASA_PORT", "/webhooks/telegram/webhook"),
                     {**json_type, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}),
        "WhatsApp": (_url(stack, "PLN_RASA_PORT", "/webhooks/whatsapp/webhook"),
                     {**json_type, "X-Hub-Signature-256": sign(NESTED)}),
        "notifier": (_url(stack, "PLN_NOTIFY_PORT", "/summaries"),
                     {**json_type, TOKEN_HEADER: env["PLN_NOTIFY_TOKEN"]}),
        "simulator": (_url(stack, "PLN_SIM_PORT", "/ap2t/registrations"),
                      {**json_type, TOKEN_HEADER: env["PLN_SIM_TOKEN"]}, NESTED_UNDER_64_KIB),
        "action server": (_url(stack, "PLN_ACTIONS_PORT", "/webhook"),
                          {**json_type, TOKEN_HEADER: env["PLN_ACTIONS_TOKEN"]}),
    }
    answers = {name: e2e_client.post(url, content=body[0] if body else NESTED, headers=headers)
               for name, (url, headers, *body) in posts.items()}
    assert {name: answer.status_code for name, answer in answers.items()} == {
        name: 400 for name in posts}
    for answer in answers.values():
        assert "Traceback" not in answer.text


@pytest.mark.parametrize("sender", ["whatsapp:6281234500101", "voice:+6281234500101",
                                    "telegram:5550101", "a/../b?x=1"])
def test_a_rest_sender_cannot_name_another_channels_conversation(stack, e2e_client, sender):
    url = _url(stack, "PLN_RASA_PORT", "/webhooks/rest/webhook")
    answer = e2e_client.post(url, json={"sender": sender, "message": "mau tambah daya"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_sender"


def test_a_rest_sender_is_its_own_conversation_under_rest(stack, e2e_client):
    url = _url(stack, "PLN_RASA_PORT", "/webhooks/rest/webhook")
    answer = e2e_client.post(url, json={"sender": "whatsapp-6281234500101",
                                        "message": "halo"})
    assert answer.status_code == 200
    assert {reply["recipient_id"] for reply in answer.json()} == {"whatsapp-6281234500101"}
    tracker = e2e_client.get(_url(stack, "PLN_RASA_PORT",
                                  "/conversations/rest:whatsapp-6281234500101/tracker"),
                             params={"token": stack.env["PLN_RASA_TOKEN"]})
    assert tracker.status_code == 200
    assert [e["text"] for e in tracker.json()["events"] if e["event"] == "user"] == ["halo"]
