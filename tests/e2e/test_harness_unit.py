"""The harness itself, without any stack: script schema, matchers, failure messages, and the
runner against a fake Rasa + simulator (httpx.MockTransport)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conversation_harness import (
    ConversationFailed,
    Endpoints,
    ScriptError,
    Turn,
    check_paused,
    check_registration,
    check_tickets,
    check_turn,
    conversation_now,
    load_script,
    parse_script,
    render_pattern,
    run_script,
    script_paths,
    sender_id,
    turn_metadata,
)
from e2e_support import (
    StackProblem,
    e2e_environment,
    free_ports,
    running_stack,
    stale_model_inputs,
)

from bot import launcher as stack

EXAMPLES = Path(__file__).parent / "harness_examples"
ENDPOINTS = Endpoints(rasa_url="http://rasa.test", simulator_url="http://sim.test", token="tok")


# --- the scripts in the repository -------------------------------------------------------


def test_there_are_scripts_and_each_one_is_valid():
    paths = script_paths()
    assert paths, "tests/e2e/scripts/ holds no *.yml: the e2e suite would test nothing"
    for path in paths:
        load_script(path)  # raises ScriptError with the reason


# --- schema ------------------------------------------------------------------------------


def test_a_malformed_script_is_rejected_with_every_problem_by_field():
    with pytest.raises(ScriptError) as caught:
        load_script(EXAMPLES / "malformed.yml")
    message = str(caught.value)
    assert message.startswith(f"{EXAMPLES / 'malformed.yml'}: invalid conversation script")
    assert "sop_rows.1: SOP rows are numbered 1 to 22" in message
    assert "turns.0.expects: extra fields not permitted" in message
    assert "turns.1.user: the user message is empty" in message
    assert "turns.1.expect.0: not a valid regular expression '(unclosed'" in message
    assert re.search(r"after\.tickets\.0\.kind: value is not a valid enumeration member; "
                     r"permitted: 'issued_closed', 'mbl', 'cso_handoff'", message)


@pytest.mark.parametrize("text, problem", [
    ("name: x\n", "turns: field required"),
    ("name: x\nturns: []\n", "turns: ensure this value has at least 1 items"),
    ("turns: [{user: hi}]\n", "name: field required"),
    ("- user: hi\n", "a script is a mapping with name, turns, ...; got list"),
    ("name: x\nturns: [{user: hi}\n", "not valid YAML"),
    ("name: x\nturns: [{user: hi}]\nafter: {no_tickets: true, tickets: [{kind: mbl}]}\n",
     "after: no_tickets: true contradicts a list of expected tickets"),
    ("name: x\nturns: [{user: hi}]\nafter: {registration: maybe}\n",
     "after.registration: value is not a valid enumeration member; permitted: 'saved', 'none'"),
    ("name: x\nturns: [{user: hi}]\nafter: {registration: saved, idpel: 532110000101}\n",
     "after.idpel: str type expected"),
    ("name: x\nmetadata: {caller_id: 0217201234}\nturns: [{user: hi}]\n",
     "metadata: caller_id must be a quoted string, got 37552796"),  # read as octal!
    ("name: x\nturns: [{user: hi, metadata: {now: 2026-11-27 09:00:00+07:00}}]\n",
     "turns.0.metadata: now must be a quoted string"),
    ("name: x\nturns: [{user: hi, expect_no_reply: true, expect: [a]}]\n",
     "turns.0: expect_no_reply cannot be combined with expect / expect_buttons"),
    ("name: x\nturns: [{user: hi, expect_buttons: [{}]}]\n",
     "turns.0.expect_buttons.0: a button expectation needs a title and/or a payload pattern"),
])
def test_each_kind_of_mistake_has_a_clear_message(text, problem):
    with pytest.raises(ScriptError, match=re.escape(problem)):
        parse_script(text, source="bad.yml")


def test_button_shorthand_is_a_title_pattern():
    script = parse_script("name: x\nturns:\n  - user: hi\n    expect_buttons: [Coblong, "
                          "{payload: '/inform'}]\n")
    first, second = script.turns[0].expect_buttons
    assert (first.title, first.payload) == ("Coblong", None)
    assert (second.title, second.payload) == (None, "/inform")


def test_turn_metadata_merges_over_the_scripts_and_null_removes_a_key():
    script = parse_script(
        "name: x\nmetadata: {caller_id: '081234500101', now: '2026-11-27T09:00:00+07:00'}\n"
        "turns:\n  - user: a\n  - user: b\n    metadata: {now: '2026-11-27T20:00:00+07:00'}\n"
        "  - user: c\n    metadata: {caller_id: null}\n")
    first, second, third = (turn_metadata(script, turn) for turn in script.turns)
    assert first == {"caller_id": "081234500101", "now": "2026-11-27T09:00:00+07:00"}
    assert second == {"caller_id": "081234500101", "now": "2026-11-27T20:00:00+07:00"}
    assert third == {"now": "2026-11-27T09:00:00+07:00"}
    assert script.metadata["now"] == "2026-11-27T09:00:00+07:00"  # not mutated


def test_sender_ids_are_unique_per_run_and_name_the_script():
    first, second = sender_id(Path("budi_happy.yml")), sender_id(Path("budi_happy.yml"))
    assert first != second
    assert first.startswith("e2e-budi_happy-")


# --- matchers ----------------------------------------------------------------------------


def turn(**fields) -> Turn:
    return Turn.parse_obj({"user": "halo", **fields})


GREETING = [{"recipient_id": "s", "text": "PLN 123 selamat pagi, dengan Asisten Virtual "
                                          "PLN 123 bisa dibantu?"}]


def test_each_pattern_must_match_some_reply_case_insensitively():
    assert check_turn(turn(expect=["selamat PAGI", r"bisa\s+dibantu"]), GREETING) == []
    two = GREETING + [{"recipient_id": "s", "text": "Dengan Bapak Budi Santoso?"}]
    assert check_turn(turn(expect=["selamat pagi", "bapak budi"]), two) == []


def test_a_pattern_that_does_not_match_gives_a_readable_failure():
    assert check_turn(turn(expect=["selamat malam", "bisa dibantu"]), GREETING) == [
        "expect /selamat malam/: no bot reply of this turn matches"]
    assert check_turn(turn(expect=["halo"]), []) == [
        "expect /halo/: no bot reply of this turn matches (the bot sent no text at all)"]


def test_expect_not_names_the_reply_that_matched():
    assert check_turn(turn(expect_not=["maaf"]), GREETING) == []
    problems = check_turn(turn(expect_not=["asisten"]), GREETING)
    assert problems == [f"expect_not /asisten/: matched {GREETING[0]['text']!r}"]


def test_buttons_are_matched_on_title_and_payload_and_missing_ones_list_what_was_offered():
    replies = [{"text": "Kecamatannya?", "buttons": [
        {"title": "Coblong", "payload": '/inform{"kecamatan": "Coblong"}'},
        {"title": "Sukajadi", "payload": '/inform{"kecamatan": "Sukajadi"}'}]}]
    ok = turn(expect_buttons=["coblong", {"title": "Sukajadi", "payload": "kecamatan"}])
    assert check_turn(ok, replies) == []
    problems = check_turn(turn(expect_buttons=["Cidadap"]), replies)
    assert problems == ["expect_buttons: no button title ~ /Cidadap/ (buttons offered: "
                        "[Coblong -> /inform{\"kecamatan\": \"Coblong\"}], "
                        "[Sukajadi -> /inform{\"kecamatan\": \"Sukajadi\"}])"]
    assert "buttons offered: none" in check_turn(turn(expect_buttons=["x"]), GREETING)[0]


def test_expect_no_reply():
    assert check_turn(turn(expect_no_reply=True), []) == []
    assert check_turn(turn(expect_no_reply=True), GREETING) == [
        "expect_no_reply: the bot sent 1 message(s)"]


def after(**fields):
    return parse_script(json.dumps({"name": "x", "turns": [{"user": "hi"}],
                                    "after": fields})).after


TICKETS = [{"kind": "issued_closed", "reason": "Tunggakan Rp 150.000 belum lunas",
            "sop_step": 4}]


def test_tickets_by_kind_and_reason():
    assert check_tickets(after(tickets=[{"kind": "issued_closed", "reason": "tunggakan"}]),
                         TICKETS, "c1") == []
    assert check_tickets(after(tickets=[{"kind": "issued_closed"}]), TICKETS, "c1") == []
    assert check_tickets(after(tickets=[{"kind": "issued_closed", "sop_step": 4}]),
                         TICKETS, "c1") == []
    assert check_tickets(after(tickets=[{"kind": "issued_closed", "sop_step": 3}]),
                         TICKETS, "c1")[0].startswith(
        "tickets: no ticket kind=issued_closed reason ~ /.*/ sop_step=3 for c1")
    problems = check_tickets(after(tickets=[{"kind": "mbl", "reason": "trafo"}]), TICKETS, "c1")
    assert problems == ["tickets: no ticket kind=mbl reason ~ /trafo/ for c1; the simulator "
                        "has: issued_closed: 'Tunggakan Rp 150.000 belum lunas' (step 4)"]
    assert check_tickets(after(no_tickets=True), [], "c1") == []
    assert check_tickets(after(no_tickets=True), TICKETS, "c1")[0].startswith(
        "no_tickets: the simulator has 1 ticket(s) for c1")


def test_registration_saved_or_none():
    saved = [{"registration_number": "53211261127123456", "idpel": "532110000101"}]
    assert check_registration(after(registration="saved"), saved, "c1") == []
    assert check_registration(after(registration="saved", idpel="532110000101"), saved,
                              "c1") == []
    assert check_registration(after(registration="saved", idpel="541100000202"), saved,
                              "c1") == [
        "registration: saved for idpel 541100000202, but the simulator has none for c1 (it "
        "has 53211261127123456 (idpel 532110000101))"]
    assert check_registration(after(registration="saved"), [], "c1") == [
        "registration: saved, but the simulator has none for c1"]
    assert check_registration(after(registration="none"), [], "c1") == []
    assert check_registration(after(registration="none", idpel="541100000202"), saved,
                              "c1") == []
    assert check_registration(after(registration="none"), saved, "c1") == [
        "registration: none, but the simulator has 53211261127123456 for c1"]


def test_paused():
    assert check_paused(after(paused=True), {"paused": True}) == []
    assert check_paused(after(paused=True), {"paused": False, "latest_action": {
        "action_name": "utter_handoff"}}) == [
        "paused: expected true, the tracker says false (latest action: utter_handoff)"]


# --- the runner against a fake Rasa and simulator -------------------------------------------


class FakeStack:
    """A bot that greets, then answers everything with the same sentence; a simulator with
    one ticket (for every conversation) and one registration, saved by conversation rest:s-3
    (the REST channel's conversation of sender s-3)."""

    def __init__(self):
        self.sent = []
        self.listed = []  # the conversation ids the registrations were listed for

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "rasa.test" and request.url.path == "/webhooks/rest/webhook":
            body = json.loads(request.content)
            self.sent.append(body)
            if body["message"] == "halo":
                return httpx.Response(200, json=[
                    {"recipient_id": body["sender"], "text": "PLN 123 selamat pagi, dengan "
                                                            "Asisten Virtual bisa dibantu?"}])
            if body["message"] == "boom":
                return httpx.Response(500, text="Internal Server Error")
            return httpx.Response(200, json=[
                {"recipient_id": body["sender"], "text": "Daya yang diinginkan berapa?",
                 "buttons": [{"title": "2200", "payload": "/inform"}]},
                {"recipient_id": body["sender"], "text": "Nomor registrasi 53211261127123456."}])
        if request.url.path.startswith("/conversations/"):
            assert request.url.params["token"] == "tok"
            return httpx.Response(200, json={"paused": False, "latest_action": {
                "action_name": "action_listen"}})
        if request.url.path == "/apkt/tickets":
            return httpx.Response(200, json=[dict(TICKETS[0], conversation_id=request.url.params[
                "conversation_id"])])
        if request.url.path == "/ap2t/registrations":
            conversation = request.url.params["conversation_id"]
            self.listed.append(conversation)
            return httpx.Response(200, json=[
                {"registration_number": "53211261127123456", "idpel": "532110000101",
                 "conversation_id": "rest:s-3"}] if conversation == "rest:s-3" else [])
        return httpx.Response(404)  # e.g. /ap2t/registrations/{number}: the told number


@pytest.fixture
def fake():
    stack = FakeStack()
    with httpx.Client(transport=httpx.MockTransport(stack)) as client:
        yield stack, client


def test_a_failing_turn_stops_the_script_and_prints_the_transcript_so_far(fake):
    stack, client = fake
    script = load_script(EXAMPLES / "failing_expectation.yml")
    with pytest.raises(ConversationFailed) as caught:
        run_script(script, client, ENDPOINTS, "s-1", source="failing_expectation.yml")
    assert [body["message"] for body in stack.sent] == ["halo", "mau tambah daya"]
    assert stack.sent[1]["metadata"] == {"caller_id": "081234500101",
                                         "now": "2026-11-27T09:01:00+07:00"}
    assert str(caught.value) == """\
conversation script failing_expectation.yml failed at turn 2 of 3:
  - expect /ID pelanggan/: no bot reply of this turn matches
  - expect /nomor meter/: no bot reply of this turn matches
--- transcript of failing_expectation.yml ('the bot never asks for the IDPEL'), sender s-1 ---
[1] user: halo
    bot : PLN 123 selamat pagi, dengan Asisten Virtual bisa dibantu?
[2] user: mau tambah daya
    bot : Daya yang diinginkan berapa?
          buttons: [2200 -> /inform]
    bot : Nomor registrasi 53211261127123456."""


def test_an_http_error_fails_the_turn_with_the_diagnosis(fake):
    _, client = fake
    script = parse_script("name: x\nturns: [{user: halo}, {user: boom}]\n")
    endpoints = Endpoints("http://rasa.test", "http://sim.test", "tok",
                          diagnose=lambda: "--- rasa: EXITED with code 1 ---")
    with pytest.raises(ConversationFailed) as caught:
        run_script(script, client, endpoints, "s-2")
    message = str(caught.value)
    assert "failed at turn 2 of 2:\n  - sending 'boom' to Rasa: Server error '500" in message
    assert "[2] user: boom\n    bot : (no reply)" in message
    assert message.endswith("--- rasa: EXITED with code 1 ---")


def test_state_afterwards_passes_and_fails_readably(fake):
    stack, client = fake
    good = parse_script(
        "name: x\nturns: [{user: halo}, {user: lanjut}]\n"
        "after: {registration: saved, idpel: '532110000101', paused: false,\n"
        "        tickets: [{kind: issued_closed, reason: tunggakan}]}\n")
    transcript = run_script(good, client, ENDPOINTS, "s-3")
    assert len(transcript.exchanges) == 2
    bad = parse_script("name: x\nturns: [{user: halo}]\n"
                       "after: {registration: saved, no_tickets: true, paused: true}\n")
    with pytest.raises(ConversationFailed) as caught:
        run_script(bad, client, ENDPOINTS, "s-4")
    message = str(caught.value)
    assert "failed after the last turn (state checks):" in message
    assert "  - no_tickets: the simulator has 1 ticket(s) for rest:s-4" in message
    assert "  - registration: saved, but the simulator has none for rest:s-4" in message
    assert "  - paused: expected true, the tracker says false" in message
    # found by the conversation, although the bot told the number in both conversations
    assert stack.listed == ["rest:s-3", "rest:s-4"]


def test_registration_none_is_checked_by_conversation_not_by_the_numbers_told(fake):
    stack, client = fake
    silent = parse_script("name: x\nturns: [{user: halo}]\nafter: {registration: saved}\n")
    run_script(silent, client, ENDPOINTS, "s-3")  # saved although never told
    told = parse_script("name: x\nturns: [{user: lanjut}]\nafter: {registration: none}\n")
    run_script(told, client, ENDPOINTS, "s-5")  # told a number, but none saved for s-5
    with pytest.raises(ConversationFailed) as caught:
        run_script(parse_script("name: x\nturns: [{user: halo}]\n"
                                "after: {registration: none}\n"), client, ENDPOINTS, "s-3")
    assert "registration: none, but the simulator has 53211261127123456 for rest:s-3" in str(
        caught.value)
    assert stack.listed == ["rest:s-3", "rest:s-5", "rest:s-3"]


# --- the stack fixture's pieces -------------------------------------------------------------


def test_without_a_model_the_stack_is_a_failure_that_says_run_make_train(tmp_path):
    with running_stack(tmp_path, model=tmp_path / "missing.tar.gz") as handle:
        assert isinstance(handle, StackProblem)
        assert "run `make train` first" in handle.message
        assert "never skip" in handle.message
    assert not (tmp_path / "logs").exists()  # nothing was started


def test_the_e2e_environment_ignores_the_shells_pln_settings(tmp_path):
    ports = free_ports(3)
    assert len(set(ports)) == 3
    env = e2e_environment(tmp_path, ports, {"PATH": "/bin", "PLN_SIM_URL": "http://elsewhere",
                                            "PLN_MODEL": "other.tar.gz",
                                            "PLN_SEED_FILE": "/elsewhere.yaml",
                                            "PLN_NOW": "2026-01-01T00:00:00+07:00"})
    assert env["PLN_SIM_URL"] == f"http://127.0.0.1:{ports[0]}"
    assert env["PLN_ACTIONS_URL"] == f"http://127.0.0.1:{ports[1]}"
    assert env["PLN_RASA_PORT"] == str(ports[2])
    assert env["PLN_MODEL"] == "models/pln123.tar.gz"
    assert env["PLN_SIM_DATABASE_URL"] == f"sqlite:///{tmp_path}/simulator.sqlite3"
    assert env["PLN_TRACKER_SQLITE"] == f"{tmp_path}/tracker.sqlite3"
    assert env["PLN_RASA_TOKEN"] == "e2e-token-not-secret"
    assert "PLN_SEED_FILE" not in env  # the project's own seed: a clone needs nothing beside it
    assert "PLN_NOW" not in env  # the real clock, unless the run asks for another
    assert env["PATH"] == "/bin"


def test_the_stacks_clock_is_set_by_e2e_stack_now(tmp_path):
    env = e2e_environment(tmp_path, free_ports(3),
                          {"E2E_STACK_NOW": "2026-12-31T23:30:00+07:00",
                           "PLN_NOW": "2026-01-01T00:00:00+07:00"})
    assert env["PLN_NOW"] == "2026-12-31T23:30:00+07:00"


def test_date_placeholders_follow_the_conversations_clock():
    year_end = conversation_now({}, "2026-12-31T23:30:00+07:00")
    assert render_pattern("sampai dengan {today+30}", year_end) == "sampai dengan 30\\ Januari\\ 2027"
    assert render_pattern("53211{yymmdd}\\d{6}", year_end) == "53211261231\\d{6}"
    # the message's own clock wins over the stack's; an instant in UTC is read in WIB
    assert conversation_now({"now": "2028-02-28T17:30:00Z"}, "2026-12-31T23:30:00+07:00"
                            ).date().isoformat() == "2028-02-29"
    leap = conversation_now({"now": "2028-02-29T10:00:00+07:00"}, None)
    assert check_turn(turn(expect=["{today}", "{today+1}"]),
                      [{"text": "29 Februari 2028 lalu 1 Maret 2028"}], leap) == []
    assert check_turn(turn(expect=["{today}"]), [{"text": "28 Februari 2028"}], leap)


def test_without_a_model_the_conversation_tests_fail_and_never_skip(tmp_path):
    # A child pytest whose e2e_support.MODEL points nowhere: every script must FAIL.
    code = (
        "import pathlib, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import e2e_support, pytest\n"
        f"e2e_support.MODEL = pathlib.Path({str(tmp_path / 'missing.tar.gz')!r})\n"
        f"sys.exit(pytest.main([{str(Path(__file__).parent)!r}, '-q', '-p', 'no:cacheprovider',"
        f" '-k', 'test_conversation', '--basetemp', {str(tmp_path / 'base')!r}]))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=stack.ROOT, capture_output=True,
                            text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"\b\d+ failed\b", output), output
    assert "skipped" not in output and "error" not in output.lower(), output
    assert "missing.tar.gz: run `make train` first" in output, output
    assert not list((tmp_path / "base").glob("e2e-stack*/logs"))  # nothing was started


def test_a_model_older_than_its_training_inputs_is_noticed(tmp_path):
    model = tmp_path / "pln123.tar.gz"
    model.write_bytes(b"")
    os.utime(model, (0, 0))  # 1970: older than everything
    assert {"domain.yml", "config.yml", "data"} <= set(stale_model_inputs(model))
    os.utime(model, (4102444800, 4102444800))  # 2100: newer than everything
    assert stale_model_inputs(model) == []
