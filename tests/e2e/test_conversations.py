"""Every conversation script in tests/e2e/scripts/, against the real stack (one per session).

Run one: ``pytest tests/e2e -k <file stem>``. Format: docs/conversation-scripts.md.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from conversation_harness import (
    ConversationFailed,
    ScriptError,
    load_script,
    run_script,
    script_paths,
    sender_id,
)
from e2e_support import TIMINGS, StackProblem

from bot.backoffice.records import load_fixture
from bot.backoffice.settings import DEFAULT_SEED_FILE

SCRIPTS = script_paths()


@pytest.mark.e2e
@pytest.mark.parametrize("path", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_conversation(path, e2e_stack, e2e_client):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    failure = None  # pytest.fail outside the except blocks: the message is printed once
    try:
        script = load_script(path)
    except ScriptError as error:
        failure = str(error)
    if failure:
        pytest.fail(failure, pytrace=False)
    started = time.monotonic()
    try:
        run_script(script, e2e_client, e2e_stack.endpoints, sender_id(path),
                   source=f"tests/e2e/scripts/{path.name}")
    except ConversationFailed as error:
        failure = str(error)
    finally:
        TIMINGS[path.stem] = time.monotonic() - started
    if failure:
        pytest.fail(failure, pytrace=False)


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def personal_data_of_the_fixture() -> set[str]:
    """The NIKs, phone numbers and street addresses the scripts give and the back office
    holds (../shared/fixtures/customers.yaml)."""
    fixture = load_fixture(Path(os.environ.get("PLN_SEED_FILE") or DEFAULT_SEED_FILE))
    values = {c.nik for c in fixture.customers} | {a.nik for a in fixture.applicants}
    for customer in fixture.customers:
        values |= {p for p in (customer.dil_phones.mobile, customer.dil_phones.pstn) if p}
        values.add(customer.address)
    values |= {entry.phone for entry in fixture.crm}
    return values


@pytest.mark.e2e
def test_no_personal_data_in_the_service_logs(e2e_stack):
    """Runs after the scripts (same module, later): whatever they said, the simulator's,
    the action server's and Rasa's logs hold no NIK, phone number, address or e-mail."""
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    logs = sorted((Path(e2e_stack.env["PLN_DATA_DIR"]) / "logs").glob("*.log"))
    assert logs, "the e2e stack wrote no logs"
    secrets = personal_data_of_the_fixture()
    for log in logs:
        text = log.read_text(errors="replace")
        leaked = sorted(value for value in secrets if value in text)
        assert not leaked, f"{log.name} holds personal data in clear: {leaked}"
        assert not EMAIL.findall(text), f"{log.name} holds e-mail addresses: {EMAIL.findall(text)}"


SAVED = [path for path in SCRIPTS if path.stem in ("budi_happy_path_prepaid",
                                                   "authorised_applicant_joko",
                                                   "dewi_to_6600_new_mobile")]


def played(path: Path, e2e_stack, e2e_client, purpose: str) -> str:
    """The script played again under a sender of its own (a test must not rely on the
    scripts having run before it); that sender."""
    sender = f"{sender_id(path)}-{purpose}"
    run_script(load_script(path), e2e_client, e2e_stack.endpoints, sender)
    return sender


@pytest.mark.e2e
@pytest.mark.parametrize("path", SAVED, ids=[path.stem for path in SAVED])
def test_a_saved_registration_leaves_no_personal_data_in_the_conversation(
        path, e2e_stack, e2e_client):
    """The stored conversation of a saved registration (all its events, through Rasa's
    HTTP API) holds none of the NIKs, phone numbers, addresses and e-mails the customer
    gave or heard read back (issue 16)."""
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    sender = played(path, e2e_stack, e2e_client, "stored")
    endpoints = e2e_stack.endpoints
    response = e2e_client.get(
        f"{endpoints.rasa_url}/conversations/rest:{sender}/tracker",
        params={"token": endpoints.token, "include_events": "ALL"})
    response.raise_for_status()
    stored = response.text
    assert '"registration_number"' in stored and "personal_data_redacted" in stored
    leaked = sorted(value for value in personal_data_of_the_fixture() if value in stored)
    assert not leaked, f"the conversation keeps personal data in clear: {leaked}"
    assert not EMAIL.findall(stored), EMAIL.findall(stored)  # masked: "b***@gmail.com"


@pytest.mark.e2e
def test_the_owner_received_the_registration_by_e_mail(e2e_stack, e2e_client):
    """Budi's saved registration (budi_happy_path_prepaid) reaches the local SMTP sink
    `make run` starts, with its figures and the full address; no e-mail holds a NIK
    (issue 15)."""
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    import email
    from email import policy

    from conversation_harness import simulator_registrations

    budi = next(path for path in SCRIPTS if path.stem == "budi_happy_path_prepaid")
    sender = played(budi, e2e_stack, e2e_client, "mailed")
    (registration,) = simulator_registrations(e2e_client, e2e_stack.endpoints,
                                              f"rest:{sender}")
    number = registration["registration_number"]
    folder = Path(e2e_stack.env["PLN_DATA_DIR"]) / "mail"

    def messages():
        return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in sorted(folder.glob("*.eml"))]

    deadline = time.monotonic() + 30  # sent in the background, with retries
    while not [m for m in messages() if number in str(m["Subject"])]:
        assert time.monotonic() < deadline, f"no e-mail for {number} in {folder}"
        time.sleep(0.2)
    (mail,) = [m for m in messages() if number in str(m["Subject"])]
    assert mail["To"] == "budi.santoso@gmail.com"
    plain = mail.get_body(("plain",)).get_content()
    assert "Rp893.300" in plain and "R1/2.200 VA" in plain and "Jl. Dago No. 12, Bandung" in plain
    niks = {c.nik for c in load_fixture(Path(os.environ.get("PLN_SEED_FILE") or
                                             DEFAULT_SEED_FILE)).customers}
    for message in messages():
        assert not any(nik in message.as_string() for nik in niks)


@pytest.mark.e2e
def test_the_customer_who_did_not_go_on_received_the_information_by_e_mail(e2e_stack,
                                                                           e2e_client):
    """Step 11b: the owner who declined and gave an e-mail
    (decline_11b_owner_email_information_sent) finds the fees quoted, the requirements and
    how to apply again in the local SMTP sink; the conversation keeps no address."""
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    import email
    from email import policy

    script = next(path for path in SCRIPTS
                  if path.stem == "decline_11b_owner_email_information_sent")
    sender = played(script, e2e_stack, e2e_client, "informed")
    folder = Path(e2e_stack.env["PLN_DATA_DIR"]) / "mail"

    def informed():
        found = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                 for p in sorted(folder.glob("*.eml"))]
        return [m for m in found if m["To"] == "info.budi@example.com"]

    deadline = time.monotonic() + 30  # sent in the background, with retries
    while not informed():
        assert time.monotonic() < deadline, f"no information e-mail in {folder}"
        time.sleep(0.2)
    plain = informed()[0].get_body(("plain",)).get_content()
    for said in ("Rp843.300", "Rp893.300", "1.300 VA ke 2.200 VA",
                 "Persyaratan tambah daya: NIK pemilik", "mengajukan tambah daya kembali"):
        assert said in plain, f"{said} missing"
    response = e2e_client.get(
        f"{e2e_stack.endpoints.rasa_url}/conversations/rest:{sender}/tracker",
        params={"token": e2e_stack.endpoints.token, "include_events": "ALL"})
    assert any(e["event"] == "user" for e in response.json()["events"])  # the conversation
    assert "info.budi@example.com" not in response.text
