"""REST in production (issue 16): behind a token, and a caller id sent over REST is only
a claim: it is not used (the caller is asked their name, nobody is greeted with Budi's).
A stack of its own, started as production starts it (PLN_ENV=production)."""

from __future__ import annotations

import httpx
import pytest
from e2e_support import PRODUCTION_MAIL, StackProblem, running_stack

pytestmark = pytest.mark.e2e
TOKEN = "e2e-production-rest-token"


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("production-stack"),
                       settings={"PLN_ENV": "production", "PLN_REST_TOKEN": TOKEN,
                                 **PRODUCTION_MAIL}) as stack:
        if isinstance(stack, StackProblem):
            pytest.fail(stack.message)
        yield f"http://{stack.env['PLN_HOST']}:{stack.env['PLN_RASA_PORT']}/webhooks/rest/webhook"


def say(client: httpx.Client, url: str, text: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(url, headers=headers, json={
        "sender": "claimant-1", "message": text,
        "metadata": {"caller_id": "081234500101", "now": "2026-11-27T09:00:00+07:00"}})


def test_production_rest_needs_its_token(production, e2e_client):
    assert say(e2e_client, production, "halo", token=None).status_code == 401
    assert say(e2e_client, production, "halo", token="guess").status_code == 401


def test_a_caller_id_claimed_over_untrusted_rest_is_not_used(production, e2e_client):
    assert say(e2e_client, production, "halo").status_code == 200
    replies = say(e2e_client, production, "mau tambah daya").json()
    said = " ".join(r.get("text") or "" for r in replies)
    assert "dengan Bapak/Ibu siapa" in said  # not greeted as Budi Santoso
    assert "Budi" not in said
