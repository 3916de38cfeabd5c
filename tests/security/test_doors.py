"""Each door of docs/security.md, tried on the stack started in production mode (real
processes): what a caller claims is not believed, the internal services answer only
callers with their token, no secret is on a command line, NIK guesses are counted per
customer, and development mode is refused where others could reach it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.routing import APIRoute
from security_support import REST_TOKEN, environment_without_pln

from bot import launcher as stack
from bot.backoffice.app import create_app
from bot.backoffice.settings import Settings
from bot.deployment import TOKEN_HEADER

BUDI_IDPEL, BUDI_NIK, SITI_NIK = "532110000101", "3273011508850001", "3174064302900002"
PATH_VALUES = {"number": BUDI_IDPEL, "phone": "081234500101"}


def rest(http, production, sender: str, text: str) -> str:
    answer = http.post(f"{production.rasa}/webhooks/rest/webhook",
                       headers={"Authorization": f"Bearer {REST_TOKEN}"},
                       json={"sender": sender, "message": text,
                             "metadata": {"caller_id": "081234500101",
                                          "now": "2026-11-27T09:00:00+07:00"}})
    assert answer.status_code == 200, answer.text
    return " ".join(reply.get("text") or "" for reply in answer.json())


def test_a_rest_caller_in_production_chooses_neither_its_caller_id_nor_the_clock(
        production, http):
    greeting = rest(http, production, "claimant-1", "halo").lower()
    assert "selamat malam" in greeting  # the stack's 20:00, not the claimed 09:00
    assert "pagi" not in greeting
    said = rest(http, production, "claimant-1", "mau tambah daya")
    assert "Budi" not in said  # the claimed caller id did not find Budi Santoso


def simulator_routes(tmp_path: Path) -> list[tuple[str, str]]:
    """Every (method, path) the simulator serves, with its path parameters filled in."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'routes.sqlite3'}"))
    routes = []
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path != "/health":
            path = route.path_format.format(**PATH_VALUES)
            routes += [(method, path) for method in sorted(route.methods)]
    return routes


def test_every_simulator_route_refuses_a_caller_without_its_token(production, http, tmp_path):
    routes = simulator_routes(tmp_path)
    assert len(routes) >= 20 and ("GET", f"/ap2t/customers/{BUDI_IDPEL}") in routes
    for method, path in routes:
        for headers in ({}, {TOKEN_HEADER: "guessed"}):
            answer = http.request(method, f"{production.simulator}{path}", headers=headers,
                                  json={})
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert answer.json()["error"] == "unauthorized"
            assert BUDI_NIK not in answer.text and "Budi" not in answer.text
    token = {TOKEN_HEADER: production.env["PLN_SIM_TOKEN"]}
    assert http.get(f"{production.simulator}/ap2t/customers/{BUDI_IDPEL}",
                    headers=token).status_code == 200
    for page in ("/docs", "/redoc", "/openapi.json"):  # no map of the API in production
        assert http.get(f"{production.simulator}{page}", headers=token).status_code == 404


def test_the_action_server_refuses_a_caller_without_its_token(production, http):
    forged = {"next_action": "action_conclude_request", "sender_id": "forged",
              "version": "3.6.21", "domain": {},
              "tracker": {"sender_id": "forged", "slots": {"sop_ending": "registered"},
                          "events": [], "latest_message": {}, "paused": False,
                          "followup_action": None, "active_loop": {}}}
    for headers in ({}, {TOKEN_HEADER: "guessed"}):
        assert http.post(f"{production.actions}/webhook", json=forged,
                         headers=headers).status_code == 401
        assert http.get(f"{production.actions}/actions", headers=headers).status_code == 401
    token = {TOKEN_HEADER: production.env["PLN_ACTIONS_TOKEN"]}
    assert http.get(f"{production.actions}/actions", headers=token).status_code == 200
    # the notifier (summary e-mails) and Rasa's HTTP API check theirs too
    assert http.post(f"{production.env['PLN_NOTIFY_URL']}/summaries",
                     json={"registration_number": "x"}).status_code == 403
    assert http.get(f"{production.rasa}/conversations/x/tracker").status_code == 401


def test_no_token_is_on_any_command_line_of_the_stack(production):
    secrets = [production.env[name] for name in stack.SERVICE_TOKENS] + [REST_TOKEN]
    lines = {}
    for pid in production.pids():
        try:
            lines[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
    assert any("bot.rasa_runtime run" in line for line in lines.values()), lines
    assert any("bot.backoffice" in line for line in lines.values())
    assert any("bot.action_server" in line for line in lines.values())
    for pid, line in lines.items():
        assert not any(secret in line for secret in secrets), (pid, line)


def test_nik_guesses_across_conversations_are_held_for_an_officer(production, http):
    """The simulator has no notion of conversation: three wrong NIKs for one IDPEL in a
    day, from any number of them, hold its checks; a claimed next day does not help."""
    token = {TOKEN_HEADER: production.env["PLN_SIM_TOKEN"]}
    check = f"{production.simulator}/ap2t/customers/{BUDI_IDPEL}/owner-nik-check"
    for _ in range(3):
        assert http.post(check, json={"nik": SITI_NIK}, headers=token).json() == {
            "match": False, "held": False}
    assert http.post(check, json={"nik": BUDI_NIK}, headers=token).json() == {
        "match": False, "held": True}
    tomorrow = {**token, "X-PLN-Now": "2026-11-28T09:00:00+07:00"}
    assert http.post(check, json={"nik": BUDI_NIK}, headers=tomorrow).json()["held"] is True


def refused_development(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    env = environment_without_pln(PLN_DATA_DIR=str(tmp_path), **settings)
    return subprocess.run([sys.executable, "-m", "bot.stack", "run"], cwd=stack.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_development_is_refused_with_a_bind_or_a_public_url_off_loopback(tmp_path):
    for settings, said in (
            ({"PLN_HOST": "0.0.0.0"}, "PLN_HOST=0.0.0.0 is not a loopback address"),
            ({"PLN_INTERNAL_HOST": "10.1.2.3"}, "PLN_INTERNAL_HOST=10.1.2.3"),
            ({"TWILIO_AUTH_TOKEN": "t", "VOICE_PUBLIC_URL": "https://ivr.pln.example"},
             "VOICE_PUBLIC_URL=https://ivr.pln.example is not on loopback"),
            ({"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_URL": "https://pln.example/tg"},
             "TELEGRAM_WEBHOOK_URL"),
            ({"PLN_ENV": "development", "PLN_HOST": "192.168.1.10"}, "PLN_ENV=production")):
        done = refused_development(tmp_path, **settings)
        assert done.returncode == 2, (settings, done.stdout, done.stderr)
        assert said in done.stderr and "starting" not in done.stdout
    sim = subprocess.run(
        [sys.executable, "-m", "bot.backoffice"], cwd=stack.ROOT, capture_output=True,
        text=True, timeout=60, env=environment_without_pln(PLN_SIM_HOST="0.0.0.0",
                                                           PLN_SIM_TOKEN="t"))
    assert sim.returncode != 0 and "PLN_SIM_HOST=0.0.0.0" in sim.stderr
