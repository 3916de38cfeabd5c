"""Process supervision: each service started in its own process group and
health-checked (``bring_up``: in order, or all together), restarted with a growing delay
when it dies (``Supervisor``), and stopped without orphans (``stop_all``: SIGTERM to each
group, SIGKILL after a grace period, so no orphan keeps a port).

A service logs to ``<PLN_DATA_DIR>/logs/<service>.log``; its pid is in
``<PLN_DATA_DIR>/run/<service>.pid``, and while ``<PLN_DATA_DIR>/run/<service>.hold``
exists it is not restarted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.launcher.settings import ROOT, LauncherSettings
from bot.pseudonyms import KEY_FILE_NAME, KEY_FILE_SETTING, ensure_key_file

HEALTH_TIMEOUT_S = 180.0


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


def stop_grace(env: dict[str, str]) -> float:
    """Seconds between SIGTERM and SIGKILL (``PLN_STOP_GRACE_S``) in the launcher's settings."""
    return LauncherSettings.from_env(env).stop_grace_s


def stop_all(running: list[Service], grace_s: float = LauncherSettings().stop_grace_s) -> None:
    """SIGTERM every process group, then SIGKILL what is still there after ``grace_s``."""
    for service in reversed(running):
        if service.process is not None and service.process.poll() is None:
            try:
                os.killpg(service.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace_s
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
        stop_all(running, stop_grace(env))
        if isinstance(error, RuntimeError):
            failed = error.service if isinstance(error, ServiceFailed) else (
                running[-1] if running else None)
            log = failed.log_path(env) if failed else None
            detail = f"\n--- last lines of {log} ---\n{tail(log)}" if log else ""
            raise RuntimeError(f"{error}{detail}") from None
        raise
    return running
