"""The orchestrator behind `make run`: defaults, busy ports, and stopping without orphans."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import launcher as stack
from bot.channels.registry import (
    REST,
    TELEGRAM,
    VOICE,
    WHATSAPP,
    voice_credentials,
    whatsapp_credentials,
)


def test_defaults_fill_every_setting_and_keep_what_is_set():
    env = stack.settings_from_env({"PLN_RASA_PORT": "5999", "PATH": os.environ["PATH"]})
    assert env["PLN_RASA_PORT"] == "5999"
    assert env["PLN_SIM_URL"] == "http://127.0.0.1:5070"
    assert env["PLN_ACTIONS_URL"] == "http://127.0.0.1:5055"
    assert env["PLN_SIM_DATABASE_URL"].startswith("sqlite:///")
    assert env["PLN_SIM_DATABASE_URL"].endswith("/var/simulator.sqlite3")
    assert env["PLN_TRACKER_SQLITE"].endswith("/var/tracker.sqlite3")
    assert len(env["PLN_RASA_TOKEN"]) >= 20  # the HTTP API is never left open
    assert not env["PLN_RASA_TOKEN"].startswith("-")
    assert env["SANIC_HOST"] == "127.0.0.1"  # the action server stays on loopback
    for name in stack.SERVICE_TOKENS:  # each internal service checks its callers
        assert len(env[name]) >= 20


def test_the_internal_services_bind_apart_from_the_public_ones(tmp_path):
    env = stack.settings_from_env({"PLN_HOST": "10.0.0.5", "PLN_INTERNAL_HOST": "127.0.0.2",
                                   "PLN_DATA_DIR": str(tmp_path)})
    where = {s.name: s.host or env["PLN_HOST"] for s in stack.services(env)}
    assert where == {"simulator": "127.0.0.2", "actions": "127.0.0.2", "notifier": "127.0.0.2",
                     "console": "10.0.0.5", "rasa": "10.0.0.5"}
    assert env["PLN_SIM_URL"].startswith("http://127.0.0.2:")
    assert env["SANIC_HOST"] == env["PLN_SIM_HOST"] == "127.0.0.2"


def test_a_token_is_read_from_its_file(tmp_path):
    (tmp_path / "sim").write_text("from-file\n")
    env = stack.settings_from_env({"PLN_SIM_TOKEN_FILE": str(tmp_path / "sim"),
                                   "PLN_DATA_DIR": str(tmp_path)})
    assert env["PLN_SIM_TOKEN"] == "from-file"


def test_rasa_calls_the_action_server_with_its_token(tmp_path):
    import yaml

    env = stack.settings_from_env({"PLN_ACTIONS_TOKEN": "actions-t", "PLN_DATA_DIR": str(tmp_path)})
    rendered = Path(stack.effective_endpoints(env))
    config = yaml.safe_load(rendered.read_text())
    assert config["action_endpoint"]["headers"] == {"X-PLN-Token": "actions-t"}
    assert rendered.stat().st_mode & 0o077 == 0  # the owner's only


def test_the_rasa_server_has_rest_and_a_token_protected_api_on_loopback(tmp_path):
    env = stack.settings_from_env({"PLN_RASA_TOKEN": "-t0ken", "PLN_DATA_DIR": str(tmp_path)})
    rasa = next(s for s in stack.services(env) if s.name == "rasa")
    command = " ".join(rasa.command)
    assert "--enable-api" in command and "t0ken" not in command  # ps shows command lines
    assert "--interface 127.0.0.1 --port 5005" in command
    # the entry point takes it from the environment, inside the process
    from bot.rasa_runtime.__main__ import with_api_token

    assert with_api_token(rasa.command[3:], env) == [*rasa.command[3:], "--auth-token=-t0ken"]
    assert with_api_token(["shell"], env) == ["shell"]
    assert [s.name for s in stack.services(env, with_rasa=False)] == [
        "simulator", "actions", "notifier"]


def test_a_busy_port_is_refused_with_a_clear_message(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path)})
        service = stack.Service("simulator", [sys.executable, "-c", "pass"], port, "http://x/")
        with pytest.raises(RuntimeError, match=rf"port already in use: simulator \({port}\)"):
            stack.bring_up([service], env)
        assert service.process is None  # nothing was started


def test_a_service_that_dies_at_start_is_reported_with_its_log(tmp_path):
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path)})
    service = stack.Service(
        "broken", [sys.executable, "-c", "print('boom: bad config'); raise SystemExit(3)"],
        _free_port(), "http://127.0.0.1:1/")
    with pytest.raises(RuntimeError, match="broken exited with code 3(.|\n)*boom: bad config"):
        stack.bring_up([service], env)


def test_stop_all_leaves_no_orphan_even_of_a_child_that_ignores_sigterm(tmp_path):
    # The leader spawns a grandchild that ignores SIGTERM, as a stuck worker would.
    script = (
        "import signal, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n")
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path)})
    service = stack.Service("sleepy", [sys.executable, "-c", script], 0, "")
    stack.start(service, env)
    log = service.log_path(env)
    deadline = time.monotonic() + 10
    while not log.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(log.read_text().split()[0])
    stack.stop_all([service])
    assert service.process.poll() is not None
    assert not _alive(grandchild)


# A health endpoint on argv[1] that answers once the file argv[2] exists (when given),
# after touching argv[3] (when given).
_SERVER = (
    "import http.server, pathlib, sys, time\n"
    "port, wait_for, touch = int(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
    "if touch: pathlib.Path(touch).touch()\n"
    "while wait_for and not pathlib.Path(wait_for).exists(): time.sleep(0.05)\n"
    "class Ok(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self): self.send_response(200); self.end_headers()\n"
    "    def log_message(self, *args): pass\n"
    "http.server.HTTPServer(('127.0.0.1', port), Ok).serve_forever()\n")


def _server(name: str, wait_for: str = "", touch: str = "") -> stack.Service:
    port = _free_port()
    return stack.Service(name, [sys.executable, "-c", _SERVER, str(port), wait_for, touch],
                         port, f"http://127.0.0.1:{port}/")


def test_together_starts_every_service_before_waiting_for_any(tmp_path):
    # `first` only becomes healthy once `second` has started: one at a time would hang.
    marker = str(tmp_path / "second-started")
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path)})
    first, second = _server("first", wait_for=marker), _server("second", touch=marker)
    running = stack.bring_up([first, second], env, together=True)
    try:
        assert running == [first, second]
        assert all(stack.answers(s.health_url) for s in running)
    finally:
        stack.stop_all(running)


def test_together_reports_the_service_that_died_with_its_own_log_at_once(tmp_path):
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path)})
    never = _server("never", wait_for=str(tmp_path / "nothing-creates-this"))
    broken = stack.Service(
        "broken", [sys.executable, "-c", "print('boom: bad config'); raise SystemExit(3)"],
        _free_port(), "http://127.0.0.1:1/")
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="broken exited with code 3(.|\n)*"
                                           "broken.log ---\nboom: bad config"):
        stack.bring_up([never, broken], env, together=True)
    assert time.monotonic() - started < 30  # not the health timeout of `never`
    assert never.process.poll() is not None  # stopped with the rest


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie waiting for its (gone) parent's reaper is not running
    status = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return bool(status.stdout.strip()) and not status.stdout.strip().startswith("Z")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_rasa_gets_the_endpoints_of_this_stack(tmp_path):
    import yaml
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path), "PLN_ACTIONS_PORT": "6055"})
    rendered = yaml.safe_load(open(stack.effective_endpoints(env)))
    assert rendered["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    assert rendered["tracker_store"]["db"] == str(tmp_path / "tracker.sqlite3")
    production = stack.settings_from_env({"PLN_ENDPOINTS": "endpoints.production.yml"})
    assert stack.effective_endpoints(production) == str(stack.ROOT / "endpoints.production.yml")


def test_telegram_starts_only_with_a_token_polling_unless_a_webhook_is_asked_for(tmp_path):
    import yaml
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path)})
    assert TELEGRAM.input_class not in yaml.safe_load(open(stack.effective_credentials(env)))
    assert "Telegram: off" in stack.how_to_talk(env)

    polling = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path),
                                       "TELEGRAM_BOT_TOKEN": "123:abc"})
    path = stack.effective_credentials(polling)
    rendered = yaml.safe_load(open(path))
    assert "bot.channels.rest.RestInput" in rendered  # the repository's channels stay
    assert rendered[TELEGRAM.input_class] == {
        "token": "123:abc", "mode": "polling", "numbers_db": str(tmp_path / "channels.sqlite3")}
    assert os.stat(path).st_mode & 0o077 == 0  # the token is for the owner's eyes only
    assert "long polling" in stack.how_to_talk(polling)

    webhook = stack.settings_from_env({
        "PLN_DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_WEBHOOK_URL": "https://pln.example/webhooks/telegram/webhook"})
    telegram = yaml.safe_load(open(stack.effective_credentials(webhook)))[TELEGRAM.input_class]
    assert telegram["mode"] == "webhook"
    assert telegram["webhook_url"] == "https://pln.example/webhooks/telegram/webhook"
    assert len(telegram["secret_token"]) >= 32  # made when not given, the same for restarts
    assert stack.effective_credentials(webhook) and yaml.safe_load(open(
        stack.effective_credentials(webhook)))[TELEGRAM.input_class]["secret_token"] == \
        telegram["secret_token"]
    assert "public URL https://pln.example" in stack.how_to_talk(webhook)


def test_the_phone_starts_with_twilios_token_and_the_public_url(tmp_path):
    import yaml
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path), "TWILIO_AUTH_TOKEN": "tok"})
    assert voice_credentials(env) is None  # no public URL: no signature can be checked
    assert "Phone (Twilio): off" in stack.how_to_talk(env)
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path), "TWILIO_AUTH_TOKEN": "tok",
                                   "VOICE_PUBLIC_URL": "https://ivr.example.id",
                                   "VOICE_CSO_NUMBER": "+62221234567"})
    rendered = yaml.safe_load(open(stack.effective_credentials(env)))
    assert rendered[VOICE.input_class] == {"auth_token": "tok",
                                           "public_url": "https://ivr.example.id",
                                           "cso_number": "+62221234567",
                                           "pseudonym_key_file": str(tmp_path / "pseudonym.key")}
    assert "https://ivr.example.id/webhooks/voice/call" in stack.how_to_talk(env)


def test_whatsapp_starts_only_with_its_four_settings(tmp_path):
    import yaml
    four = {"WHATSAPP_ACCESS_TOKEN": "EAAG", "WHATSAPP_APP_SECRET": "s",
            "WHATSAPP_VERIFY_TOKEN": "v", "WHATSAPP_PHONE_NUMBER_ID": "1098"}
    partial = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path),
                                       "WHATSAPP_ACCESS_TOKEN": "EAAG"})
    assert whatsapp_credentials(partial) is None
    assert "WhatsApp: off" in stack.how_to_talk(partial)
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path), **four,
                                   "WHATSAPP_API_URL": "http://127.0.0.1:9/v21.0"})
    rendered = yaml.safe_load(open(stack.effective_credentials(env)))[WHATSAPP.input_class]
    assert rendered == {"access_token": "EAAG", "app_secret": "s", "verify_token": "v",
                        "phone_number_id": "1098", "api_url": "http://127.0.0.1:9/v21.0",
                        "pseudonym_key_file": str(tmp_path / "pseudonym.key"),
                        "addresses_db": str(tmp_path / "channels.sqlite3")}
    assert "WhatsApp: on" in stack.how_to_talk(env)


def test_rest_is_trusted_in_development_and_off_or_behind_a_token_in_production(tmp_path):
    import yaml

    def rest(settings):
        env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path), **settings})
        return yaml.safe_load(open(stack.effective_credentials(env))).get(REST.input_class,
                                                                          "absent")

    assert rest({}) == {"token": None, "trusted_caller_id": True}
    assert rest({"PLN_ENV": "production"}) == "absent"
    assert rest({"PLN_ENV": "production", "PLN_REST_TOKEN": "t"}) == {
        "token": "t", "trusted_caller_id": False}
    assert rest({"PLN_ENV": "production", "PLN_REST_TOKEN": "t", "PLN_REST_TRUSTED": "1"}) == {
        "token": "t", "trusted_caller_id": True}
    own = tmp_path / "mine.yml"
    own.write_text("bot.channels.rest.RestInput:\n")
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path), "PLN_CREDENTIALS": str(own)})
    assert stack.effective_credentials(env) == str(own)  # an operator's file, as it is


def test_the_repository_endpoints_work_without_any_environment():
    import yaml
    plain = yaml.safe_load((stack.ROOT / "endpoints.yml").read_text())
    assert "${" not in str(plain)  # a plain `rasa run` must not need our variables


def test_a_service_that_dies_is_restarted_with_a_growing_delay_and_said_so(tmp_path):
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path)})
    flaky = stack.Service("flaky", [sys.executable, "-c", "print('crash!'); raise SystemExit(3)"],
                          _free_port(), "http://127.0.0.1:1/")
    steady = stack.Service("steady", [sys.executable, "-c", "import time; time.sleep(60)"],
                           _free_port(), "http://127.0.0.1:1/")
    for service in (flaky, steady):
        stack.start(service, env)
    supervisor = stack.Supervisor([flaky, steady], env, backoff_s=1, max_backoff_s=4, stable_s=10)
    try:
        flaky.process.wait(10)
        t = time.monotonic()
        said = supervisor.poll(t)
        assert len(said) == 1 and said[0].startswith("flaky: exited with code 3; restarting in 1 s")
        assert "crash!" in said[0]  # the end of its log
        assert supervisor.poll(t + 0.5) == []  # not before the delay
        assert supervisor.poll(t + 1)[0].startswith("flaky: restarted (restart 1 in a row)")
        delays = []
        for _ in range(3):  # 2 s, 4 s, then the cap (4 s)
            flaky.process.wait(10)
            t = time.monotonic()
            delays.append(supervisor.poll(t)[0].split("restarting in ")[1].split(" s")[0])
            supervisor.poll(t + 100)
        assert delays == ["2", "4", "4"]
        assert steady.process.poll() is None and steady.failures == 0  # untouched
        # once a restarted service has run for stable_s, the delay starts again at 1 s
        flaky.process.wait(10)
        flaky.failures, flaky.started_at = 3, time.monotonic() - 20
        steady_round = supervisor.poll(time.monotonic())
        assert "restarting in 4 s" in steady_round[0]  # it died before it was stable
        lasting = stack.Service("lasting", steady.command, _free_port(), "http://127.0.0.1:1/",
                                failures=2)
        stack.start(lasting, env)
        supervisor.services.append(lasting)
        supervisor.poll(time.monotonic() + 11)
        assert lasting.failures == 0
    finally:
        stack.stop_all(supervisor.services)


def test_every_service_the_launcher_starts_can_be_imported():
    """A service that cannot even import dies at start: caught here, before the stack."""
    import importlib

    env = stack.settings_from_env({})
    for service in stack.services(env):
        module = service.command[service.command.index("-m") + 1]
        importlib.import_module(module)
    for module in ("bot.console.app", "bot.notify.service", "bot.channels.telegram_input",
                   "bot.channels.voice_input", "bot.channels.whatsapp_input"):
        importlib.import_module(module)
