"""``/metrics`` on every service of a stack started as production starts it (real
processes on loopback ports, ``PLN_ENV=production``): each refuses a scrape without the
scrape token, each answers one with it in Prometheus's text format (parsed by
prometheus_client's parser), and the figures move with the traffic: a customer's turns,
the action server's back-office calls, a case handed over to the CSO queue."""

from __future__ import annotations

import httpx
import pytest
from e2e_support import PRODUCTION_MAIL, StackProblem, running_stack
from metrics_support import PROCESS_METRICS, SCRAPE_TOKEN, Scrape

from bot.deployment import TOKEN_HEADER

REST_TOKEN = "metrics-rest-token-not-secret"
SCRAPED = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
SERVICES = ("simulator", "actions", "rasa", "console", "notifier")


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("metrics-stack"),
                       settings={"PLN_ENV": "production", "PLN_REST_TOKEN": REST_TOKEN,
                                 "PLN_METRICS_TOKEN": SCRAPE_TOKEN, **PRODUCTION_MAIL}
                       ) as stack:
        if isinstance(stack, StackProblem):
            pytest.fail(stack.message)
        yield stack


@pytest.fixture(scope="module")
def http():
    with httpx.Client(timeout=httpx.Timeout(120.0, connect=5.0), trust_env=False) as client:
        yield client


def address(production, service: str) -> str:
    env = production.env
    host, internal = env["PLN_HOST"], env["PLN_INTERNAL_HOST"]
    return {"simulator": f"http://{internal}:{env['PLN_SIM_PORT']}",
            "actions": f"http://{internal}:{env['PLN_ACTIONS_PORT']}",
            "notifier": f"http://{internal}:{env['PLN_NOTIFY_PORT']}",
            "rasa": f"http://{host}:{env['PLN_RASA_PORT']}",
            "console": f"http://{host}:{env['PLN_CONSOLE_PORT']}"}[service]


def scrape(http, production, service: str) -> Scrape:
    answer = http.get(f"{address(production, service)}/metrics", headers=SCRAPED)
    assert answer.status_code == 200, (service, answer.status_code, answer.text[:200])
    assert answer.headers["content-type"].startswith("text/plain"), service
    return Scrape(answer.text)


def say(http, production, sender: str, text: str) -> list[dict]:
    answer = http.post(f"{address(production, 'rasa')}/webhooks/rest/webhook",
                       headers={"Authorization": f"Bearer {REST_TOKEN}"},
                       json={"sender": sender, "message": text})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_a_scrape_without_the_token(production, http, service):
    url = f"{address(production, service)}/metrics"
    own_token = {"simulator": "PLN_SIM_TOKEN", "actions": "PLN_ACTIONS_TOKEN",
                 "rasa": "PLN_RASA_TOKEN", "notifier": "PLN_NOTIFY_TOKEN"}.get(service)
    attempts = [{}, {TOKEN_HEADER: "guessed"}, {"Authorization": "Bearer guessed"}]
    if own_token:  # a service's own token is not the scrape token
        attempts.append({TOKEN_HEADER: production.env[own_token]})
    for headers in attempts:
        answer = http.get(url, headers=headers)
        assert answer.status_code == 401, (service, headers, answer.status_code)
        assert "process_resident_memory_bytes" not in answer.text


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_scraped_with_the_token(production, http, service):
    figures = scrape(http, production, service)
    assert PROCESS_METRICS <= figures.names(), service
    assert figures.value("process_resident_memory_bytes") > 10_000_000
    as_header = http.get(f"{address(production, service)}/metrics",
                         headers={TOKEN_HEADER: SCRAPE_TOKEN})
    assert as_header.status_code == 200


def test_turns_and_back_office_calls_move_with_a_conversation(production, http):
    rasa_before = scrape(http, production, "rasa")
    actions_before = scrape(http, production, "actions")
    # production believes no caller id: the customer is asked their name
    turns = ["halo", "mau tambah daya", "Budi Santoso", "sudah", "532110000101"]
    for text in turns:
        assert say(http, production, "metrics-1", text)
    rasa_after = scrape(http, production, "rasa")
    actions_after = scrape(http, production, "actions")
    rest = {"channel": "rest"}
    assert rasa_after.value("pln_turns_total", **rest) == \
        rasa_before.value("pln_turns_total", **rest) + len(turns)
    assert rasa_after.value("pln_turn_duration_seconds_count", **rest) == \
        rasa_before.value("pln_turn_duration_seconds_count", **rest) + len(turns)
    assert rasa_after.value("pln_turn_duration_seconds_sum", **rest) > \
        rasa_before.value("pln_turn_duration_seconds_sum", **rest)
    assert "pln_turn_duration_seconds_bucket" in rasa_after.names()
    # the IDPEL was looked up in AP2T by the action server, and never became a label
    lookups = {"method": "GET", "endpoint": "/ap2t/customers/{id}"}
    count = "pln_backoffice_call_duration_seconds_count"
    assert actions_after.value(count, **lookups) > actions_before.value(count, **lookups)
    for figures in (rasa_after, actions_after):
        assert not any("532110000101" in value for sample in figures.samples
                       for value in sample.labels.values())


def test_a_handed_over_case_shows_in_the_cso_queue(production, http):
    before = scrape(http, production, "console")
    ticket = http.post(f"{address(production, 'simulator')}/apkt/tickets",
                       headers={TOKEN_HEADER: production.env["PLN_SIM_TOKEN"]},
                       json={"kind": "cso_handoff", "sop_step": 7,
                             "conversation_id": "rest:metrics-queue", "reason": "diminta",
                             "data": {}})
    assert ticket.status_code == 201, ticket.text
    after = scrape(http, production, "console")
    assert after.value("pln_cso_queue_length") == before.value("pln_cso_queue_length") + 1
    assert after.value("pln_cso_queue_oldest_wait_seconds") >= 0
