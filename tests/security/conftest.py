"""One stack started as production starts it: ``python -m bot.stack run`` with
``PLN_ENV=production``, real processes on free loopback ports, a data dir of its own. The
tests attack it as someone who reaches its ports would (docs/security.md)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))  # e2e_support

from e2e_support import (  # noqa: E402
    MODEL,
    PRODUCTION_MAIL,
    e2e_environment,
    free_ports,
    stop_launcher,
)
from security_support import (  # noqa: E402
    REST_TOKEN,
    STACK_NOW,
    START_TIMEOUT_S,
    ProductionStack,
)

from bot import launcher as stack  # noqa: E402


@pytest.fixture(scope="session")
def production(tmp_path_factory):
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first", pytrace=False)
    data_dir = tmp_path_factory.mktemp("production")
    env = e2e_environment(data_dir, free_ports(4))
    env.update({"PLN_ENV": "production", "PLN_REST_TOKEN": REST_TOKEN, "PLN_NOW": STACK_NOW,
                "PLN_NIK_CHECK_FAILURES_PER_DAY": "3", **PRODUCTION_MAIL})
    with open(data_dir / "launcher.out", "wb") as out:
        launcher = subprocess.Popen([sys.executable, "-m", "bot.stack", "run"], cwd=stack.ROOT,
                                    env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
    running = ProductionStack(env, data_dir, launcher)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Ctrl-C stops everything" not in running.said():
            if launcher.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the production stack did not start:\n{running.said()}")
            time.sleep(0.25)
        yield running
    finally:
        stop_launcher(launcher)


@pytest.fixture(scope="session")
def http():
    with httpx.Client(timeout=httpx.Timeout(60.0, connect=5.0), trust_env=False) as client:
        yield client
