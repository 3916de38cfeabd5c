"""The e2e stack: simulator, action server and Rasa on free loopback ports, in a data dir of
its own (fresh SQLite databases for the simulator and the tracker store), started and
stopped with ``bot.launcher``. conftest.py turns ``running_stack`` into the session fixture."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from conversation_harness import Endpoints

from bot import deployment
from bot import launcher as stack
from bot.channels.registry import PUBLIC_URL_SETTINGS

MODEL = stack.ROOT / stack.DEFAULTS["PLN_MODEL"]
TOKEN = "e2e-token-not-secret"  # loopback only, one test session
TELEGRAM_SECRET = "e2e-telegram-secret"  # the webhook secret of the fake Bot API
TWILIO_AUTH_TOKEN = "e2e-twilio-auth-token"  # the key of the test's Twilio signatures
# the URL Twilio "called" (signed): on loopback, as development mode requires
VOICE_PUBLIC_URL = "https://127.0.0.1:8443"
# The stack's clock (its PLN_NOW) for a whole run: `E2E_STACK_NOW=2026-12-31T23:30:00+07:00
# pytest tests/e2e` (`make test-clocks` runs the scripts at each date of CLOCK_SETTINGS).
# Unset: the real clock. Scripts fix their own time with metadata.now; what they do not
# fix, and every date the back office writes, must then follow this clock.
STACK_NOW_ENV = "E2E_STACK_NOW"
# What the trained model depends on: the Makefile's TRAIN_INPUTS, plus the code of the
# custom NLU component config.yml names (bot/nlu, and bot/places.py it uses).
TRAIN_INPUTS = ("domain.yml", "config.yml", "data", "bot/language", "bot/nlu", "bot/places.py")

# Budi Santoso (the seed's first customer) at a fixed time, and his whole request in the
# words customers use: the load benchmarks and the scaled stack's customers replay it.
BUDI_METADATA = {"caller_id": "081234500101", "now": "2026-11-27T09:00:00+07:00"}
HAPPY_PATH = [
    "halo", "mau tambah daya", "sudah", "532110000101", "2200 va", "iya betul", "50rb",
    "ya lanjut", "saya pemiliknya", "coblong", "dago", "3273011508850001",
    "budi at gmail titik com", "bisa", "iya benar", "sudah jelas", "boleh", "yang pertama",
    "tidak, cukup",
]

TIMINGS: dict[str, float] = {}  # "stack start" and one entry per script, in seconds


# Production refuses the development mail sink: a stack started as production sends to an
# SMTP server over STARTTLS, here one that does not answer (its summaries are retried and
# given up, logged; the tests that read mail use the development stack's sink).
PRODUCTION_MAIL = {"PLN_SMTP_HOST": "127.0.0.1", "PLN_SMTP_PORT": "9", "PLN_SMTP_TLS": "starttls",
                   "PLN_SMTP_SINK": "0"}


def conversation_of(env: dict[str, str], channel: str, number: str) -> str:
    """The conversation a stack names a phone customer's by: their pseudonym under the
    stack's key (bot.pseudonyms), never the number."""
    from bot.pseudonyms import load_key, pseudonym

    return f"{channel}:{pseudonym(load_key(env['PLN_PSEUDONYM_KEY_FILE']), number)}"


@dataclass
class StackProblem:
    """Why there is no stack; every conversation test fails with this message."""

    message: str


@dataclass
class E2EStack:
    env: dict[str, str]
    running: list[stack.Service]
    endpoints: Endpoints = field(init=False)

    def __post_init__(self):
        host = self.env["PLN_HOST"]
        self.endpoints = Endpoints(
            rasa_url=f"http://{host}:{self.env['PLN_RASA_PORT']}",
            simulator_url=self.env["PLN_SIM_URL"],
            token=self.env["PLN_RASA_TOKEN"],
            diagnose=self.diagnose,
            stack_now=self.env.get("PLN_NOW"),
            simulator_token=self.env["PLN_SIM_TOKEN"],
        )

    def diagnose(self) -> str:
        """Which service died, and the end of every log: for failures that are not the
        dialogue's fault (a crash, a 500, a timeout)."""
        parts = []
        for service in self.running:
            code = service.process.poll() if service.process else None
            state = "running" if code is None else f"EXITED with code {code}"
            log = service.log_path(self.env)
            parts.append(f"--- {service.name}: {state}; last lines of {log} ---\n"
                         f"{stack.tail(log, 15)}")
        return "\n".join(parts)


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Distinct ports nobody listens on now (all held while they are chosen)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def e2e_environment(data_dir: Path, ports: list[int],
                    environ: dict[str, str] | None = None) -> dict[str, str]:
    """The stack's environment: this process's without any PLN_* or channel setting from
    the shell (a run must not depend on who runs it, nor reach a developer's real bot;
    the seed is the project's own), plus the test's ports, data dir and token, and the
    clock ``E2E_STACK_NOW`` asks for (PLN_NOW)."""
    source = os.environ if environ is None else environ
    base = {key: value for key, value in source.items()
            if not key.startswith(("PLN_", "TELEGRAM_", "TWILIO_", "VOICE_", "WHATSAPP_"))}
    if source.get(STACK_NOW_ENV):
        base["PLN_NOW"] = source[STACK_NOW_ENV]
    sim_port, actions_port, rasa_port, *console = ports
    base.update({
        "PLN_DATA_DIR": str(data_dir),
        "PLN_SIM_PORT": str(sim_port),
        "PLN_ACTIONS_PORT": str(actions_port),
        "PLN_RASA_PORT": str(rasa_port),
        "PLN_CONSOLE_PORT": str(console[0] if console else free_ports(1)[0]),
        "PLN_NOTIFY_PORT": str(free_ports(1)[0]),
        "PLN_SMTP_PORT": str(free_ports(1)[0]),
        "PLN_RASA_TOKEN": TOKEN,
        # The conversation scripts share one simulator and give Budi's IDPEL wrong NIKs on
        # purpose, on the same days: AP2T's daily limit of failed checks (tests/backoffice,
        # tests/security) would hold their later checks. A stack that tests the limit
        # sets its own.
        "PLN_NIK_CHECK_FAILURES_PER_DAY": "1000000",
    })
    return stack.settings_from_env(base)


def stale_model_inputs(model: Path = MODEL) -> list[str]:
    """The training inputs changed after the model was built."""
    built = model.stat().st_mtime
    stale = []
    for name in TRAIN_INPUTS:
        path = stack.ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()
                                               and "__pycache__" not in p.parts]
        if any(f.stat().st_mtime > built for f in files):
            stale.append(name)
    return stale


def stop_launcher(process: subprocess.Popen | None, timeout_s: float = 60) -> None:
    """SIGTERM to a ``python -m bot.stack run`` (it stops its services), SIGKILL to its
    group when it has not stopped within ``timeout_s``."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the session like Ctrl-C, so the stack is torn down, not orphaned."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def running_stack(data_dir: Path, model: Path | None = None,
                  settings: dict[str, str] | None = None) -> Iterator[E2EStack | StackProblem]:
    """The three services up and healthy (or the reason they are not), stopped on exit
    whatever the exit (failure, KeyboardInterrupt, SIGTERM). ``settings``: environment
    given to the services over the test's (benchmarks compare settings with it)."""
    model = MODEL if model is None else model
    if not model.is_file():
        yield StackProblem(
            f"no trained model at {model}: run `make train` first. The e2e conversation "
            "tests run the real model; they never skip.")
        return
    env = e2e_environment(data_dir, free_ports(4))
    env.update(settings or {})
    unsafe = deployment.unsafe_development(env, PUBLIC_URL_SETTINGS)
    if unsafe:  # as the launcher refuses it
        yield StackProblem("development mode refused: " + "; ".join(unsafe))
        return
    running: list[stack.Service] = []
    with sigterm_as_interrupt():
        started = time.monotonic()
        try:
            try:
                running = stack.bring_up(stack.services(env), env, together=True)
            except RuntimeError as error:  # bring_up has already stopped what it started
                yield StackProblem(f"the e2e stack did not start (logs in {data_dir}/logs):"
                                   f"\n{error}")
                return
            TIMINGS["stack start"] = time.monotonic() - started
            yield E2EStack(env=env, running=running)
        finally:
            stack.stop_all(running)
