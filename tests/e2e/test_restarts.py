"""What each part does when another dies, on a stack started as `make run` starts it
(``python -m bot.stack run``: the launcher that restarts what dies), with a proxy between
Rasa and the action server that can fail chosen actions.

- The action server killed mid-conversation: the customer hears a clear message, the
  launcher restarts it (and says so), and the conversation resumes at the same question
  with nothing collected lost.
- Rasa killed mid-conversation: restarted, and the SQLite tracker resumes the
  conversation at the same question.
- The action that saves the registration failing: the customer is told, and the save
  happens at the customer's next message.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from e2e_support import MODEL, e2e_environment, free_ports, stop_launcher

from bot import launcher as stack
from bot.deployment import TOKEN_HEADER

pytestmark = pytest.mark.e2e

BUDI = {"caller_id": "081234500101", "now": "2026-11-27T09:00:00+07:00"}
START_TIMEOUT_S = 180


class ActionProxy:
    """Forwards Rasa's calls to the action server; drops the connection of any call to an
    action in ``failing`` (as a dead server would)."""

    def __init__(self, target: str):
        self.failing: set[str] = set()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if json.loads(body).get("next_action") in proxy.failing:
                    self.close_connection = True
                    self.connection.close()
                    return
                answer = httpx.post(target, content=body, trust_env=False, timeout=60,
                                    headers={"Content-Type": "application/json",
                                             TOKEN_HEADER: self.headers.get(TOKEN_HEADER, "")})
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class SupervisedStack:
    def __init__(self, data_dir: Path):
        self.env = e2e_environment(data_dir, free_ports(3))
        self.proxy = ActionProxy(f"{self.env['PLN_ACTIONS_URL']}/webhook")
        self.env["PLN_ACTIONS_URL"] = self.proxy.url  # what Rasa calls
        self.data_dir = data_dir
        self.output = data_dir / "launcher.out"
        self.process: subprocess.Popen | None = None
        host = self.env["PLN_HOST"]
        self.rasa = f"http://{host}:{self.env['PLN_RASA_PORT']}"
        self.actions = f"http://{host}:{self.env['PLN_ACTIONS_PORT']}/health"
        self.simulator_headers = {TOKEN_HEADER: self.env["PLN_SIM_TOKEN"]}

    def __enter__(self) -> SupervisedStack:
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.stack", "run"], cwd=stack.ROOT, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until(lambda: "Ctrl-C stops everything" in self.said(), "the stack to start")
        return self

    def __exit__(self, *_exc) -> None:
        stop_launcher(self.process)
        self.proxy.server.shutdown()

    def said(self) -> str:
        return self.output.read_text(errors="replace")

    def kill(self, service: str) -> None:
        pid = int((self.data_dir / "run" / f"{service}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)

    def wait_until(self, condition, what: str, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"the launcher exited while waiting for {what}:\n{self.said()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}:\n{self.said()}")
            time.sleep(0.25)

    def answers(self, url: str) -> bool:
        return stack.answers(url)


@pytest.fixture(scope="module")
def supervised(tmp_path_factory):
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first", pytrace=False)
    with SupervisedStack(tmp_path_factory.mktemp("supervised")) as running:
        yield running


def say(running: SupervisedStack, sender: str, text: str) -> str:
    response = httpx.post(f"{running.rasa}/webhooks/rest/webhook", timeout=60, trust_env=False,
                          json={"sender": sender, "message": text, "metadata": BUDI})
    assert response.status_code == 200, response.text
    return "\n".join(reply.get("text") or "" for reply in response.json())


BUDI_TO_KECAMATAN = ["mau tambah daya", "sudah", "532110000101", "2200", "ya", "50000", "ya",
                     "pemilik"]


def test_the_action_server_killed_mid_conversation_is_restarted_and_nothing_is_lost(
        supervised):
    me = f"e2e-restart-actions-{uuid.uuid4().hex[:8]}"
    for text in BUDI_TO_KECAMATAN:
        reply = say(supervised, me, text)
    assert "kecamatan apa" in reply
    supervised.kill("actions")
    reply = say(supervised, me, "coblong")
    assert "sistem kami sedang mengalami gangguan" in reply and "tetap tersimpan" in reply
    supervised.wait_until(lambda: "actions: restarted" in supervised.said(), "the restart")
    assert "actions: exited with code -9; restarting in 1 s" in supervised.said()
    supervised.wait_until(lambda: supervised.answers(supervised.actions), "the action server")
    reply = say(supervised, me, "coblong")  # the same question, answered again
    assert "Kelurahannya apa" in reply
    for text in ("dago", "3273011508850001", "budi@gmail.com", "ya"):
        reply = say(supervised, me, text)
    # everything given before the outage is still there
    assert "Budi Santoso (532110000101)" in reply and "R1/2.200 VA" in reply
    assert "Rp893.300" in reply and "Kel. Dago, Kec. Coblong" in reply
    assert "nomor registrasinya: 53211261127" in say(supervised, me, "ya")
    tickets = httpx.get(f"{supervised.env['PLN_SIM_URL']}/apkt/tickets",
                        params={"conversation_id": f"rest:{me}"}, trust_env=False,
                        headers=supervised.simulator_headers).json()
    assert [(t["kind"], t["sop_step"]) for t in tickets] == [("cso_handoff", 12)]


def test_rasa_killed_mid_conversation_resumes_at_the_same_question(supervised):
    me = f"e2e-restart-rasa-{uuid.uuid4().hex[:8]}"
    for text in BUDI_TO_KECAMATAN[:4]:
        reply = say(supervised, me, text)
    assert "peruntukan untuk tempat tinggal ya" in reply
    supervised.kill("rasa")
    supervised.wait_until(lambda: "rasa: restarted" in supervised.said(), "the restart")
    supervised.wait_until(lambda: supervised.answers(f"{supervised.rasa}/"), "Rasa")
    reply = say(supervised, me, "ya")  # the answer to the question asked before
    assert "stroom awal" in reply.lower() and "Rp100.000" in reply


def test_a_registration_whose_save_failed_is_saved_at_the_next_message(supervised):
    me = f"e2e-resume-save-{uuid.uuid4().hex[:8]}"
    for text in [*BUDI_TO_KECAMATAN, "coblong", "dago", "3273011508850001", "budi@gmail.com"]:
        reply = say(supervised, me, text)
    assert "Apakah data tersebut sudah benar" in say(supervised, me, "ya")
    supervised.proxy.failing = {"action_conclude_request"}
    try:
        reply = say(supervised, me, "ya")
    finally:
        supervised.proxy.failing = set()
    assert "sistem kami sedang mengalami gangguan" in reply and "registrasi" not in reply
    simulator = supervised.env["PLN_SIM_URL"]
    saved = httpx.get(f"{simulator}/ap2t/registrations", params={"conversation_id": f"rest:{me}"},
                      trust_env=False, headers=supervised.simulator_headers).json()
    assert saved == []
    reply = say(supervised, me, "halo, jadi gimana?")  # any message: the save runs first
    assert "nomor registrasinya: 53211261127" in reply and "sudah jelas" in reply
    saved = httpx.get(f"{simulator}/ap2t/registrations", params={"conversation_id": f"rest:{me}"},
                      trust_env=False, headers=supervised.simulator_headers).json()
    assert len(saved) == 1
    tickets = httpx.get(f"{simulator}/apkt/tickets", params={"conversation_id": f"rest:{me}"},
                        trust_env=False, headers=supervised.simulator_headers).json()
    assert [(t["kind"], t["sop_step"]) for t in tickets] == [("cso_handoff", 15)]
