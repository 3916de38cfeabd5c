"""Start the whole assistant on this machine: simulator, action server and Rasa.

``python -m bot.stack run``   (``make run``): the three services, REST channel and HTTP API.
``python -m bot.stack shell`` (``make shell``): simulator and action server, then
``rasa shell`` in this terminal.

Each service starts in its own process group, is health-checked before the next one
starts, and logs to ``<PLN_DATA_DIR>/logs/<service>.log``. A service that dies later is
restarted with a growing delay (1 s, 2 s, 4 s, ... at most 30 s; back to 1 s once it has
run for a minute), and the launcher says so on its output (``Supervisor``). Ctrl-C (or
SIGTERM) stops all of them: SIGTERM to each group, SIGKILL after a grace period, so no
orphan keeps a port.
Every setting comes from the environment with the defaults in ``DEFAULTS``. With
``PLN_INSTANCES`` above 1 (or ``PLN_SCALED=1``) it starts the scaled stack of
``bot.scaled`` instead: several Rasa instances and action servers behind HAProxy.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import defaults, deployment
from bot.pseudonyms import KEY_FILE_NAME, KEY_FILE_SETTING, ensure_key_file

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

DEFAULTS = defaults.ENVIRONMENT
# Rasa with this project's changes (bot/rasa_runtime: action-server failures reported,
# not lost); the same arguments as the `rasa` command.
RASA = [sys.executable, "-m", "bot.rasa_runtime"]
HEALTH_TIMEOUT_S = 180.0
STOP_GRACE_S = float(os.environ.get("PLN_STOP_GRACE_S", "10"))


def settings_from_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the three services share, with every default filled in."""
    env = dict(os.environ if environ is None else environ)
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
    data_dir = Path(env["PLN_DATA_DIR"])
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    env["PLN_DATA_DIR"] = str(data_dir)
    env.setdefault(KEY_FILE_SETTING, str(data_dir / KEY_FILE_NAME))
    host, internal = env["PLN_HOST"], env["PLN_INTERNAL_HOST"]
    env.setdefault("PLN_SIM_HOST", internal)
    env.setdefault("PLN_SIM_URL", f"http://{internal}:{env['PLN_SIM_PORT']}")
    env.setdefault("PLN_ACTIONS_URL", f"http://{internal}:{env['PLN_ACTIONS_PORT']}")
    env.setdefault("PLN_RASA_URL", f"http://{host}:{env['PLN_RASA_PORT']}")
    env.setdefault("PLN_NOTIFY_URL", f"http://{internal}:{env['PLN_NOTIFY_PORT']}")
    service_tokens(env)
    # no SMTP server given: a local sink writes every e-mail to $PLN_DATA_DIR/mail/
    env.setdefault("PLN_SMTP_SINK", "0" if env.get("PLN_SMTP_HOST") else "1")
    env.setdefault("PLN_SIM_DATABASE_URL", f"sqlite:///{data_dir / 'simulator.sqlite3'}")
    env.setdefault("PLN_TRACKER_SQLITE", str(data_dir / "tracker.sqlite3"))
    env["SANIC_HOST"] = internal  # rasa-sdk's action server binds to this (default 0.0.0.0)
    # Sanic refuses bodies above this with a 413 before reading them (default 100 MB); a
    # message's text is bounded again, far lower, by the channel contract.
    env.setdefault("SANIC_REQUEST_MAX_SIZE", str(1024 * 1024))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Rasa's pinned libraries warn about their own deprecations at every start (click,
    # spaCy, matplotlib): noise for whoever talks to the assistant in `make shell`.
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return env


# The token each service checks its callers with (the Rasa HTTP API's, the simulator's,
# the action server's, the notifier's); every caller gets it from the environment.
SERVICE_TOKENS = ("PLN_RASA_TOKEN", "PLN_SIM_TOKEN", "PLN_ACTIONS_TOKEN", "PLN_NOTIFY_TOKEN")


def service_tokens(env: dict[str, str]) -> None:
    """Each token from the environment or its ``*_FILE`` (``bot.deployment.secret``), else
    a new one for this run. They reach the services in their environment, never on a
    command line (``ps`` shows every user the command lines)."""
    for name in SERVICE_TOKENS:
        env[name] = deployment.secret(env, name) or secrets.token_hex(16)


@dataclass
class Service:
    name: str
    command: list[str]
    port: int
    health_url: str
    host: str = ""  # where it listens; "" is PLN_HOST
    process: subprocess.Popen | None = field(default=None, repr=False)
    started_at: float = 0.0  # time.monotonic() of the latest start
    failures: int = 0  # deaths in a row (reset once it has run for STABLE_S)
    restart_at: float | None = None  # a restart is due at this time
    held: bool = False  # its restart waits for the operator's hold file to go

    def log_path(self, env: dict[str, str]) -> Path:
        return Path(env["PLN_DATA_DIR"]) / "logs" / f"{self.name}.log"

    def hold_path(self, env: dict[str, str]) -> Path:
        """While this file exists the launcher does not restart the service (an operator
        stopping it for maintenance: ``touch``, stop it, ``rm`` when it may come back)."""
        return Path(env["PLN_DATA_DIR"]) / "run" / f"{self.name}.hold"

    def pid_path(self, env: dict[str, str]) -> Path:
        """Where the running process's id is written (for operators, and the restart
        tests)."""
        return Path(env["PLN_DATA_DIR"]) / "run" / f"{self.name}.pid"


def effective_endpoints(env: dict[str, str]) -> str:
    """The endpoints file Rasa is started with.

    The repository's ``endpoints.yml`` holds working defaults (so a plain ``rasa run`` or
    ``rasa shell`` from the repository works too); this writes a copy into the data
    folder with the action server's URL and the SQLite tracker file of this stack. Any
    other file (``PLN_ENDPOINTS=endpoints.production.yml``) is used as it is, with Rasa's
    own ``${VAR}`` substitution."""
    chosen = Path(env["PLN_ENDPOINTS"])
    if not chosen.is_absolute():
        chosen = ROOT / chosen
    if chosen != ROOT / DEFAULTS["PLN_ENDPOINTS"]:
        return str(chosen)
    config = yaml.safe_load(chosen.read_text()) or {}
    action_endpoint = config.setdefault("action_endpoint", {})
    action_endpoint["url"] = f"{env['PLN_ACTIONS_URL']}/webhook"
    # the action server's token: this file is the owner's only, as credentials.yml
    action_endpoint["headers"] = {deployment.TOKEN_HEADER: env["PLN_ACTIONS_TOKEN"]}
    tracker_store = config.get("tracker_store") or {}
    if tracker_store.get("dialect") == "sqlite":
        tracker_store["db"] = env["PLN_TRACKER_SQLITE"]
    rendered = Path(env["PLN_DATA_DIR"]) / "endpoints.yml"
    rendered.parent.mkdir(parents=True, exist_ok=True)
    rendered.touch(mode=0o600)
    rendered.chmod(0o600)
    rendered.write_text("# written by bot/stack.py from endpoints.yml; do not edit\n"
                        + yaml.safe_dump(config, sort_keys=False))
    return str(rendered)


TELEGRAM_INPUT = "bot.channels.telegram_input.TelegramInput"


def telegram_credentials(env: dict[str, str]) -> dict[str, str] | None:
    """The Telegram channel's credentials when ``TELEGRAM_BOT_TOKEN`` is set: webhook mode
    when ``TELEGRAM_WEBHOOK_URL`` (the public https URL Telegram posts to) or
    ``TELEGRAM_MODE=webhook`` is given, long polling otherwise."""
    token = env.get("TELEGRAM_BOT_TOKEN")
    if not token:
        return None
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL") or None
    mode = env.get("TELEGRAM_MODE") or ("webhook" if webhook_url else "polling")
    credentials = {"token": token, "mode": mode,
                   "numbers_db": str(Path(env["PLN_DATA_DIR"]) / "channels.sqlite3")}
    if mode == "webhook":
        # Telegram echoes this secret in every webhook call; one is made when none is
        # given (setWebhook at start registers it with the URL)
        credentials["secret_token"] = env.setdefault("TELEGRAM_WEBHOOK_SECRET",
                                                     secrets.token_urlsafe(32))
    if webhook_url:
        credentials["webhook_url"] = webhook_url
    if env.get("TELEGRAM_API_URL"):
        credentials["api_url"] = env["TELEGRAM_API_URL"]
    return credentials


VOICE_INPUT = "bot.channels.voice_input.VoiceInput"


def voice_credentials(env: dict[str, str]) -> dict[str, str] | None:
    """The phone channel's credentials when ``TWILIO_AUTH_TOKEN`` and ``VOICE_PUBLIC_URL``
    (where Twilio reaches Rasa; it signs that URL) are set."""
    if not (env.get("TWILIO_AUTH_TOKEN") and env.get("VOICE_PUBLIC_URL")):
        return None
    credentials = {"auth_token": env["TWILIO_AUTH_TOKEN"], "public_url": env["VOICE_PUBLIC_URL"],
                   "pseudonym_key_file": env[KEY_FILE_SETTING]}
    for key in ("voice", "language", "cso_queue", "cso_number"):
        if env.get(f"VOICE_{key.upper()}"):
            credentials[key] = env[f"VOICE_{key.upper()}"]
    return credentials


REST_INPUT = "bot.channels.rest.RestInput"


def rest_credentials(env: dict[str, str]) -> dict[str, Any] | None:
    """REST by ``PLN_ENV``: in development (the default) open on loopback and trusted with
    ``metadata.caller_id`` (the tests and `curl` play callers); in production off unless
    ``PLN_REST_TOKEN`` is set, then behind that token and trusted with caller ids only
    when ``PLN_REST_TRUSTED=1``."""
    token = env.get("PLN_REST_TOKEN") or None
    if deployment.is_production(env):
        if token is None:
            return None
        return {"token": token, "trusted_caller_id": env.get("PLN_REST_TRUSTED") == "1"}
    return {"token": token, "trusted_caller_id": True}


WHATSAPP_INPUT = "bot.channels.whatsapp_input.WhatsAppInput"
WHATSAPP_REQUIRED = ("access_token", "app_secret", "verify_token", "phone_number_id")


def whatsapp_credentials(env: dict[str, str]) -> dict[str, str] | None:
    """The WhatsApp channel's credentials when ``WHATSAPP_ACCESS_TOKEN``,
    ``WHATSAPP_APP_SECRET``, ``WHATSAPP_VERIFY_TOKEN`` and ``WHATSAPP_PHONE_NUMBER_ID``
    are set (``WHATSAPP_API_URL`` and the reminder template's name optional)."""
    if not all(env.get(f"WHATSAPP_{key.upper()}") for key in WHATSAPP_REQUIRED):
        return None
    keys = (*WHATSAPP_REQUIRED, "api_url", "reminder_template", "template_language")
    return {**{key: env[f"WHATSAPP_{key.upper()}"] for key in keys
               if env.get(f"WHATSAPP_{key.upper()}")},
            "pseudonym_key_file": env[KEY_FILE_SETTING],
            "addresses_db": str(Path(env["PLN_DATA_DIR"]) / "channels.sqlite3")}


def effective_credentials(env: dict[str, str]) -> str:
    """The channels file Rasa is started with: the repository's credentials.yml with REST
    as ``PLN_ENV`` says (``rest_credentials``), plus Telegram, the phone and WhatsApp when
    their settings are given, written into the data folder (owner-only: it holds their
    secrets). Another file (``PLN_CREDENTIALS``) is used as it is."""
    chosen = Path(env["PLN_CREDENTIALS"])
    if not chosen.is_absolute():
        chosen = ROOT / chosen
    if chosen != ROOT / DEFAULTS["PLN_CREDENTIALS"]:
        return str(chosen)  # the operator's own file, used as it is
    added = {name: credentials for name, credentials in (
        (REST_INPUT, rest_credentials(env)),
        (TELEGRAM_INPUT, telegram_credentials(env)), (VOICE_INPUT, voice_credentials(env)),
        (WHATSAPP_INPUT, whatsapp_credentials(env)))
        if credentials is not None}
    config = {name: value for name, value in (yaml.safe_load(chosen.read_text()) or {}).items()
              if name != REST_INPUT}
    config.update(added)
    rendered = Path(env["PLN_DATA_DIR"]) / "credentials.yml"
    rendered.parent.mkdir(parents=True, exist_ok=True)
    rendered.touch(mode=0o600)
    rendered.chmod(0o600)
    rendered.write_text("# written by bot/stack.py from credentials.yml, TELEGRAM_*, "
                        "TWILIO_*/VOICE_*, WHATSAPP_* and PLN_ENV; do not edit\n"
                        + yaml.safe_dump(config, sort_keys=False))
    return str(rendered)


def services(env: dict[str, str], with_rasa: bool = True) -> list[Service]:
    """The public services (console, Rasa) listen on ``PLN_HOST``, the internal ones
    (simulator, action server, notifier) on ``PLN_INTERNAL_HOST``."""
    host, internal = env["PLN_HOST"], env["PLN_INTERNAL_HOST"]
    sim_port, actions_port, rasa_port = (
        int(env["PLN_SIM_PORT"]), int(env["PLN_ACTIONS_PORT"]), int(env["PLN_RASA_PORT"]))
    result = [
        Service("simulator", [sys.executable, "-m", "bot.backoffice"], sim_port,
                f"http://{internal}:{sim_port}/health", internal),
        # rasa-sdk alone: `rasa run actions` would import all of Rasa (780 MB) to serve it,
        # and without TensorFlow, which spaCy's thinc imports when installed (bot/action_server.py)
        Service("actions", [sys.executable, "-m", "bot.action_server", "--actions", "actions",
                            "--port", str(actions_port)],
                actions_port, f"http://{internal}:{actions_port}/health", internal),
    ]
    notify_port = int(env["PLN_NOTIFY_PORT"])
    result.append(Service("notifier", [sys.executable, "-m", "bot.notify"], notify_port,
                          f"http://{internal}:{notify_port}/health", internal))
    if with_rasa:
        console_port = int(env["PLN_CONSOLE_PORT"])
        result.append(Service("console", [sys.executable, "-m", "bot.console", "serve"],
                              console_port, f"http://{host}:{console_port}/login"))
        result.append(Service(
            "rasa",
            # the API token from PLN_RASA_TOKEN in its environment (bot.rasa_runtime)
            [*RASA, "run", "--model", env["PLN_MODEL"], "--enable-api",
             "--interface", host, "--port", str(rasa_port),
             "--endpoints", effective_endpoints(env), "--credentials", effective_credentials(env),
             "--cors", f"http://{host}"],
            rasa_port, f"http://{host}:{rasa_port}/"))
    return result


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


# Everything a service writes (databases, mail, logs, pid files) is its user's alone: the
# data directory holds NIKs, phone numbers and addresses (UU PDP 27/2022).
PRIVATE_UMASK = 0o077


def make_data_private(env: dict[str, str]) -> None:
    """The data directory 0700 and everything in it its owner's alone (0700 directories,
    0600 files), whatever an earlier run or an operator left."""
    data = Path(env["PLN_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    for path in [data, *data.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def start(service: Service, env: dict[str, str]) -> None:
    log = service.log_path(env)
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as out:
        service.process = subprocess.Popen(
            service.command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, umask=PRIVATE_UMASK)
    service.started_at = time.monotonic()
    pid = service.pid_path(env)
    pid.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(os.open(pid, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(f"{service.process.pid}\n")


@dataclass
class Supervisor:
    """Restarts the services that die, each after a delay that doubles with every death
    in a row (``backoff_s`` .. ``max_backoff_s``); a service that has run ``stable_s``
    starts again from ``backoff_s``. ``poll()`` does one round and returns what it did,
    one line each, for the launcher's output."""

    services: list[Service]
    env: dict[str, str]
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    stable_s: float = 60.0

    def poll(self, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        said = []
        for service in self.services:
            process = service.process
            if service.restart_at is not None:
                if now >= service.restart_at and service.hold_path(self.env).exists():
                    service.restart_at = now + 0.5  # held by the operator: not yet
                    if not service.held:
                        service.held = True
                        said.append(f"{service.name}: held by {service.hold_path(self.env)}; "
                                    "restarted once it is removed")
                elif now >= service.restart_at:
                    service.held = False
                    service.restart_at = None
                    start(service, self.env)
                    said.append(f"{service.name}: restarted (restart {service.failures} in a "
                                f"row); log {service.log_path(self.env)}")
            elif process is not None and process.poll() is not None:
                # the group may still hold children of the dead leader: no orphan keeps
                # the port the new process needs
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                service.failures += 1
                delay = min(self.max_backoff_s, self.backoff_s * 2 ** (service.failures - 1))
                service.restart_at = now + delay
                said.append(f"{service.name}: exited with code {process.returncode}; "
                            f"restarting in {delay:.0f} s\n{tail(service.log_path(self.env), 10)}")
            elif service.failures and now - service.started_at >= self.stable_s:
                service.failures = 0
        return said


class ServiceFailed(RuntimeError):
    """A service exited or did not answer its health check in time."""

    def __init__(self, service: Service, message: str):
        super().__init__(message)
        self.service = service


def wait_healthy(service: Service, env: dict[str, str]) -> None:
    wait_all_healthy([service], env)


def wait_all_healthy(services_: list[Service], env: dict[str, str]) -> None:
    """Until every one answers its health check; the first that exits, or is still silent
    after HEALTH_TIMEOUT_S, raises ServiceFailed."""
    pending = list(services_)
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while pending:
        for service in list(pending):
            if service.process is not None and service.process.poll() is not None:
                raise ServiceFailed(
                    service, f"{service.name} exited with code {service.process.returncode}")
            if answers(service.health_url):
                pending.remove(service)
        if pending and time.monotonic() >= deadline:
            service = pending[0]
            raise ServiceFailed(service, f"{service.name} did not answer {service.health_url} "
                                         f"within {HEALTH_TIMEOUT_S:.0f} s")
        if pending:
            time.sleep(0.5)


def stop_all(running: list[Service]) -> None:
    """SIGTERM every process group, then SIGKILL what is still there after the grace."""
    for service in reversed(running):
        if service.process is not None and service.process.poll() is None:
            try:
                os.killpg(service.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_GRACE_S
    for service in reversed(running):
        if service.process is None:
            continue
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:  # the group may hold children of the leader (uvicorn/sanic workers)
            os.killpg(service.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        service.process.wait()


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def refuse_unsafe_settings(env: dict[str, str]) -> None:
    """``RuntimeError`` with the reason when the settings are refused before anything
    starts (mail in clear with a login, the mail sink in production)."""
    from bot.notify.mailer import MailSettingsError, SmtpSettings

    try:
        SmtpSettings.from_env(env)
    except MailSettingsError as error:
        raise RuntimeError(str(error)) from None


def bring_up(wanted: list[Service], env: dict[str, str],
             together: bool = False) -> list[Service]:
    """Start each service in order, waiting for its health check; all or nothing.

    ``together``: start them all at once, then poll all health checks (the first that dies
    fails at once). The e2e tests use it: no service needs another one to start, so the
    slowest, Rasa, overlaps the others' start-up."""
    refuse_unsafe_settings(env)
    make_data_private(env)
    if env[KEY_FILE_SETTING] == str(Path(env["PLN_DATA_DIR"]) / KEY_FILE_NAME):
        ensure_key_file(env["PLN_DATA_DIR"])  # once: kept across runs
    busy = [s for s in wanted if not port_is_free(s.host or env["PLN_HOST"], s.port)]
    if busy:
        names = ", ".join(f"{s.name} ({s.port})" for s in busy)
        raise RuntimeError(f"port already in use: {names}. Stop what holds it, or set "
                           "PLN_SIM_PORT / PLN_ACTIONS_PORT / PLN_RASA_PORT.")
    running: list[Service] = []
    try:
        for service in wanted:
            print(f"starting {service.name} on {service.host or env['PLN_HOST']}:{service.port}"
                  " ...", flush=True)
            running.append(service)
            start(service, env)
            if not together:
                wait_healthy(service, env)
        if together:
            wait_all_healthy(running, env)
    except BaseException as error:
        stop_all(running)
        if isinstance(error, RuntimeError):
            failed = error.service if isinstance(error, ServiceFailed) else (
                running[-1] if running else None)
            log = failed.log_path(env) if failed else None
            detail = f"\n--- last lines of {log} ---\n{tail(log)}" if log else ""
            raise RuntimeError(f"{error}{detail}") from None
        raise
    return running


def how_to_talk(env: dict[str, str]) -> str:
    host, port = env["PLN_HOST"], env["PLN_RASA_PORT"]
    return f"""
PLN 123 assistant is up (logs in {env['PLN_DATA_DIR']}/logs/).
  simulator : {env['PLN_SIM_URL']}  ({simulator_docs(env)})
  actions   : {env['PLN_ACTIONS_URL']}
  Rasa REST : http://{host}:{port}/webhooks/rest/webhook
  CSO console: http://{host}:{env['PLN_CONSOLE_PORT']}/  (accounts: python -m bot.console add-user NAME)
  e-mail     : {mail_status(env)}
Talk to it:
  curl -s http://{host}:{port}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
    -d '{{"sender": "demo-1", "message": "halo", "metadata": {{"caller_id": "081234500101"}}}}'
{api_token_status(env)}
{rest_status(env)}
{telegram_status(env)}
{voice_status(env)}
{whatsapp_status(env)}
Ctrl-C stops everything.
"""


def simulator_docs(env: dict[str, str]) -> str:
    if deployment.is_production(env):
        return "no OpenAPI pages in production"
    return f"OpenAPI at {env['PLN_SIM_URL']}/docs"


def api_token_status(env: dict[str, str]) -> str:
    if deployment.is_production(env):
        return "HTTP API token: PLN_RASA_TOKEN (not printed in production)"
    return f"HTTP API token (PLN_RASA_TOKEN): {env['PLN_RASA_TOKEN']}"


def mail_status(env: dict[str, str]) -> str:
    if env.get("PLN_SMTP_SINK") == "1":
        return f"local sink on port {env['PLN_SMTP_PORT']}, messages in {env['PLN_DATA_DIR']}/mail/"
    return f"SMTP {env.get('PLN_SMTP_HOST')}:{env['PLN_SMTP_PORT']}"


def rest_status(env: dict[str, str]) -> str:
    rest = rest_credentials(env)
    if rest is None:
        return "REST: off (PLN_ENV=production without PLN_REST_TOKEN)"
    guard = "behind PLN_REST_TOKEN" if rest["token"] else "open on loopback"
    trust = ("metadata.caller_id trusted" if rest["trusted_caller_id"]
             else "metadata.caller_id ignored (not trusted)")
    return f"REST: {guard}, {trust} (PLN_ENV={env.get('PLN_ENV', 'development')})"


def whatsapp_status(env: dict[str, str]) -> str:
    if whatsapp_credentials(env) is None:
        return ("WhatsApp: off (set WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET, "
                "WHATSAPP_VERIFY_TOKEN, WHATSAPP_PHONE_NUMBER_ID; docs/channels.md)")
    return (f"WhatsApp: on, webhook at http://{env['PLN_HOST']}:{env['PLN_RASA_PORT']}"
            "/webhooks/whatsapp/webhook (give Meta its public https URL)")


def voice_status(env: dict[str, str]) -> str:
    voice = voice_credentials(env)
    if voice is None:
        return ("Phone (Twilio): off (set TWILIO_AUTH_TOKEN and VOICE_PUBLIC_URL; docs/channels.md, "
                "\"Phone\"; `make ivr-demo` plays a call without a line)")
    return (f"Phone (Twilio): on; point the number's \"A call comes in\" at "
            f"{voice['public_url'].rstrip('/')}/webhooks/voice/call and its status callback "
            "at .../webhooks/voice/status")


def telegram_status(env: dict[str, str]) -> str:
    telegram = telegram_credentials(env)
    if telegram is None:
        return "Telegram: off (set TELEGRAM_BOT_TOKEN to start it; docs/channels.md)"
    if telegram["mode"] == "polling":
        return "Telegram: on, long polling (development; TELEGRAM_WEBHOOK_URL for a webhook)"
    where = telegram.get("webhook_url") or "not registered here: call setWebhook (docs/channels.md)"
    return (f"Telegram: on, webhook at http://{env['PLN_HOST']}:{env['PLN_RASA_PORT']}"
            f"/webhooks/telegram/webhook; public URL {where}")


def main(argv: list[str]) -> int:
    os.umask(PRIVATE_UMASK)  # the launcher's own files (rendered settings, pid files)
    mode = argv[0] if argv else "run"
    if mode not in ("run", "shell"):
        print("usage: python -m bot.stack [run|shell]", file=sys.stderr)
        return 2
    from bot.scaled import (  # it builds on this module's Service
        how_to_talk_scaled,
        is_scaled,
        prepare_databases,
        scaled_services,
        scaled_settings,
    )

    try:
        scaled = is_scaled(dict(os.environ))
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if scaled and mode != "run":
        print("error: `make shell` talks to one Rasa in this terminal; unset PLN_INSTANCES",
              file=sys.stderr)
        return 2
    try:
        env = settings_from_env(scaled_settings(dict(os.environ)) if scaled else None)
        deployment.refuse_unsafe_development(env)
    except deployment.DeploymentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    model = ROOT / env["PLN_MODEL"]
    if not model.exists():
        print(f"error: no trained model at {model}: run `make train` first", file=sys.stderr)
        return 1

    stopping = False

    def on_sigterm(signum, frame):  # make SIGTERM behave like Ctrl-C
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    running: list[Service] = []
    try:
        if scaled:
            for name in prepare_databases(env):
                print(f"created the PostgreSQL database {name}", flush=True)
            wanted = scaled_services(env)
        else:
            wanted = services(env, with_rasa=(mode == "run"))
        running = bring_up(wanted, env, together=scaled)
        if mode == "shell":
            shell = subprocess.Popen(
                [*RASA, "shell", "--model", env["PLN_MODEL"],
                 "--endpoints", effective_endpoints(env), "--port", env["PLN_RASA_PORT"]],
                cwd=ROOT, env=env)
            return shell.wait()
        print(how_to_talk(env), flush=True)
        if scaled:
            print(how_to_talk_scaled(env), flush=True)
        supervisor = Supervisor(running, env)
        while True:
            for line in supervisor.poll():
                print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan
        stop_all(running)
        if running:
            print("stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
