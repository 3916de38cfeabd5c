"""Helpers of the back-office tests: settings on a temporary SQLite file, an
in-process HTTP client (TestClient) and a real uvicorn server on a free loopback port."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from pathlib import Path

import uvicorn

from bot.backoffice.app import create_app
from bot.backoffice.records import load_fixture
from bot.backoffice.settings import DEFAULT_SEED_FILE, Settings

FIXED_NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
SEED = load_fixture(DEFAULT_SEED_FILE)
CUSTOMERS = {customer.idpel: customer for customer in SEED.customers}


def idpel_of(name: str) -> str:
    """The IDPEL of the fixture customer whose name starts with ``name``."""
    matches = [c.idpel for c in SEED.customers if c.name.startswith(name)]
    assert len(matches) == 1, name
    return matches[0]


def sqlite_settings(directory: Path, **overrides) -> Settings:
    values = dict(database_url=f"sqlite:///{directory / 'simulator.sqlite3'}", fixed_now=FIXED_NOW)
    values.update(overrides)
    return Settings(**values)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    """A real uvicorn server in a thread, on a free loopback port."""

    def __init__(self, settings: Settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False, ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> RunningServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def __enter__(self) -> RunningServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def registration_body(key: str = "key-1", idpel: str = "532110000101", target_va: int = 2200,
                      stroom_awal_rp=50000, **applicant) -> dict:
    """A valid registration for Budi Santoso unless told otherwise."""
    person = dict(role="owner", owner_nik="3273011508850001", email="budi@example.com",
                  mobile_phone="081234500101", kecamatan="Coblong", kelurahan="Dago")
    person.update(applicant)
    body = dict(idempotency_key=key, idpel=idpel, target_va=target_va, applicant=person)
    if stroom_awal_rp is not None:
        body["stroom_awal_rp"] = stroom_awal_rp
    return body
