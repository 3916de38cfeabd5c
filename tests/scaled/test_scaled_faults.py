"""Two Rasa instances and two action servers behind HAProxy, conversations in PostgreSQL,
locks in Redis (``PLN_INSTANCES=2 make run``), and what happens when a part of it dies
while customers talk (issue 14).

Each fault test lets a crowd of customers go through the whole request while the fault
happens, each as a provider's webhook would (a message that gets no 200 is sent again
with the same message id; a 200 that says the system is disrupted is answered again by
the customer, as a new message). Afterwards, for every customer:

- the conversation ended with its registration number, and the simulator's database holds
  exactly one registration for it (none lost, none saved twice);
- the stored conversation holds exactly the messages the customer had answered, in order,
  each once (no turn processed twice, none lost);
- while the part was down, the customers were told so in Indonesian, where they could
  notice it at all.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from scaled_support import (
    DISRUPTED_MARK,
    TURN_FAILED_MARK,
    Customer,
    ScaledStack,
    crowd,
)

pytestmark = pytest.mark.scaled

CUSTOMERS = 6
PAUSE_S = 0.5  # between a customer's messages: the fault lands mid-conversation
OUTAGE_S = 10.0


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    with ScaledStack(tmp_path_factory.mktemp("scaled"), instances=2) as running:
        yield running


def talking(scaled: ScaledStack, count: int = CUSTOMERS, **customer) -> tuple:
    """A crowd talking in a thread of its own: (customers, future)."""
    customers = [Customer(**customer) for _ in range(count)]
    pool = ThreadPoolExecutor(1)
    future = pool.submit(asyncio.run, crowd(scaled.rasa, customers, pause_s=PAUSE_S))
    pool.shutdown(wait=False)
    return customers, future


def assert_every_request_completed_once(scaled: ScaledStack, customers: list[Customer]):
    saved = scaled.registrations()
    for customer in customers:
        assert customer.error is None, customer.error
        assert customer.told_registration(), customer.heard[-5:]
        assert saved.get(customer.sender) == 1, (customer.sender, saved.get(customer.sender))
        # each message the customer had answered is in the conversation once, in order
        assert scaled.user_messages(customer.sender) == customer.processed


def heard(customers: list[Customer], mark: str) -> int:
    return sum(any(mark in text for text in c.heard) for c in customers)


def test_a_redelivered_message_is_processed_once_whichever_instance_it_reaches(scaled):
    host = scaled.env["PLN_HOST"]
    base = int(scaled.env["PLN_INSTANCE_PORT_BASE"])
    sender = "scaled-redelivered"
    body = {"sender": sender, "message": "halo",
            "metadata": {"caller_id": "081234500101", "message_id": "wamid.1"}}
    answers = [httpx.post(f"http://{host}:{base + number}/webhooks/rest/webhook", json=body,
                          timeout=60, trust_env=False) for number in (1, 2, 1)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert "Asisten Virtual PLN 123" in answers[0].json()[0]["text"]
    assert scaled.user_messages(sender) == ["wamid.1"]


def test_every_instance_is_scraped_on_its_own_port(scaled):
    """Each Rasa instance and action server has its own /metrics (open in development),
    and a turn counts on the instance that served it."""
    from prometheus_client.parser import text_string_to_metric_families

    host, internal = scaled.env["PLN_HOST"], scaled.env["PLN_INTERNAL_HOST"]
    base = int(scaled.env["PLN_INSTANCE_PORT_BASE"])

    def rest_turns(url: str) -> float:
        answer = httpx.get(f"{url}/metrics", timeout=30, trust_env=False)
        assert answer.status_code == 200, (url, answer.status_code)
        samples = [sample for family in text_string_to_metric_families(answer.text)
                   for sample in family.samples]
        assert any(s.name == "process_resident_memory_bytes" for s in samples), url
        return sum(s.value for s in samples
                   if s.name == "pln_turns_total" and s.labels.get("channel") == "rest")

    rasa = [f"http://{host}:{base + n}" for n in range(1, scaled.instances + 1)]
    actions = [f"http://{internal}:{base + 50 + n}" for n in range(1, scaled.instances + 1)]
    single = [scaled.simulator, f"http://{host}:{scaled.env['PLN_CONSOLE_PORT']}",
              scaled.env["PLN_NOTIFY_URL"]]
    for url in actions + single:
        rest_turns(url)
    for number, url in enumerate(rasa, start=1):
        before = {other: rest_turns(other) for other in rasa}
        answer = httpx.post(f"{url}/webhooks/rest/webhook", timeout=60, trust_env=False,
                            json={"sender": f"scaled-metrics-{number}", "message": "halo"})
        assert answer.status_code == 200
        after = {other: rest_turns(other) for other in rasa}
        assert after == {other: count + (other == url) for other, count in before.items()}


def test_one_rasa_instance_killed_mid_conversation(scaled):
    customers, done = talking(scaled)
    time.sleep(4)
    scaled.signal("rasa-1", signal.SIGKILL)
    done.result(timeout=400)
    assert_every_request_completed_once(scaled, customers)
    # the other instance carried on; the launcher brought the killed one back
    scaled.wait_until(lambda: "rasa-1: restarted" in scaled.said(), "rasa-1's restart")


def _outage(scaled: ScaledStack, stop, start, customers_done) -> None:
    time.sleep(3)
    stop()
    time.sleep(OUTAGE_S)
    start()
    customers_done.result(timeout=400)


def _held_down(scaled: ScaledStack, *services: str):
    def stop():
        for service in services:
            scaled.hold(service)
            scaled.signal(service, signal.SIGKILL)

    def start():
        for service in services:
            scaled.hold(service, False)
    return stop, start


def test_one_action_server_stopped_is_not_noticed(scaled):
    customers, done = talking(scaled)
    _outage(scaled, *_held_down(scaled, "actions-1"), done)
    assert_every_request_completed_once(scaled, customers)
    assert heard(customers, DISRUPTED_MARK) == 0 and heard(customers, TURN_FAILED_MARK) == 0


def test_every_action_server_stopped_for_10_s(scaled):
    customers, done = talking(scaled)
    _outage(scaled, *_held_down(scaled, "actions-1", "actions-2"), done)
    assert_every_request_completed_once(scaled, customers)
    assert heard(customers, DISRUPTED_MARK) >= 1


def test_the_simulator_stopped_for_10_s(scaled):
    customers, done = talking(scaled)
    _outage(scaled, *_held_down(scaled, "simulator"), done)
    assert_every_request_completed_once(scaled, customers)
    assert heard(customers, DISRUPTED_MARK) >= 1


def test_postgresql_stopped_for_10_s(scaled):
    customers, done = talking(scaled)
    _outage(scaled, scaled.postgres.stop, scaled.postgres.start, done)
    assert_every_request_completed_once(scaled, customers)
    assert heard(customers, TURN_FAILED_MARK) + heard(customers, DISRUPTED_MARK) >= 1


def test_redis_stopped_for_10_s(scaled):
    customers, done = talking(scaled)
    _outage(scaled, scaled.redis.stop, scaled.redis.start, done)
    assert_every_request_completed_once(scaled, customers)
    assert heard(customers, TURN_FAILED_MARK) >= 1


def test_everything_restarted_mid_conversation(scaled):
    customers, done = talking(scaled)
    time.sleep(4)
    restarted = threading.Thread(target=scaled.restart)
    restarted.start()
    restarted.join(timeout=400)
    done.result(timeout=400)
    assert_every_request_completed_once(scaled, customers)
