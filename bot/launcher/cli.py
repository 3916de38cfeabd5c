"""``python -m bot.launcher run|shell`` (``make run``, ``make shell``; ``python -m
bot.stack`` is the same): the settings read once, the single or the scaled stack brought
up, supervised until Ctrl-C (or SIGTERM), then stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from bot import deployment
from bot.channels.registry import PUBLIC_URL_SETTINGS
from bot.launcher import scaled as scaled_stack
from bot.launcher import services as build
from bot.launcher.rasa_files import effective_endpoints
from bot.launcher.settings import ROOT, LauncherSettings, scaled_settings, settings_from_env
from bot.launcher.single import how_to_talk, services
from bot.launcher.supervision import (
    PRIVATE_UMASK,
    Service,
    Supervisor,
    bring_up,
    stop_all,
    stop_grace,
)

USAGE = "usage: python -m bot.launcher [run|shell]"


def environment(mode: str) -> tuple[dict[str, str], bool] | str:
    """The services' environment from the settings read once, and whether it is the
    scaled stack; or why the launcher refuses to start (exit code 2)."""
    try:
        scaled = LauncherSettings.from_env(os.environ).is_scaled
    except RuntimeError as error:
        return f"error: {error}"
    if scaled and mode != "run":
        return "error: `make shell` talks to one Rasa in this terminal; unset PLN_INSTANCES"
    try:
        env = settings_from_env(scaled_settings(os.environ) if scaled else None)
        deployment.refuse_unsafe_development(env, PUBLIC_URL_SETTINGS)
    except (deployment.DeploymentError, RuntimeError) as error:
        return f"error: {error}"
    return env, scaled


def main(argv: list[str]) -> int:
    os.umask(PRIVATE_UMASK)  # the launcher's own files (rendered settings, pid files)
    mode = argv[0] if argv else "run"
    if mode not in ("run", "shell"):
        print(USAGE, file=sys.stderr)
        return 2
    settings = environment(mode)
    if isinstance(settings, str):
        print(settings, file=sys.stderr)
        return 2
    env, scaled = settings
    model = ROOT / env["PLN_MODEL"]
    if not model.exists():
        print(f"error: no trained model at {model}: run `make train` first", file=sys.stderr)
        return 1
    return serve(mode, env, scaled)


def serve(mode: str, env: dict[str, str], scaled: bool) -> int:
    """Bring the stack up and supervise it until Ctrl-C or SIGTERM; the exit code."""
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
            for name in scaled_stack.prepare_databases(env):
                print(f"created the PostgreSQL database {name}", flush=True)
            wanted = scaled_stack.scaled_services(env)
        else:
            wanted = services(env, with_rasa=(mode == "run"))
        running = bring_up(wanted, env, together=scaled)
        if mode == "shell":
            shell = subprocess.Popen(build.rasa_shell(env, effective_endpoints(env)),
                                     cwd=ROOT, env=env)
            return shell.wait()
        print(how_to_talk(env), flush=True)
        if scaled:
            print(scaled_stack.how_to_talk_scaled(env), flush=True)
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
        stop_all(running, stop_grace(env))
        if running:
            print("stopped.", flush=True)
