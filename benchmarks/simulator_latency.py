"""Latency of the back-office simulator, per endpoint, with 1 and 16 concurrent clients.

Starts ``python -m bot.backoffice`` (a real uvicorn process) on a free loopback port with
a temporary SQLite database, sends a bounded number of requests per endpoint over
keep-alive connections (a minimal asyncio HTTP/1.1 client, so that the client's own
overhead stays small), prints p50/p95/max in milliseconds, and stops the server.

    .venv/bin/python benchmarks/simulator_latency.py [--requests 400] [--log-level WARNING]

Goal: p95 < 20 ms at 16 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
GOAL_P95_MS = 20.0
TOKEN = secrets.token_hex(16)  # the simulator answers only callers with it
_counter = itertools.count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def registration(_n: int) -> dict:
    return {"idempotency_key": f"bench-{os.getpid()}-{next(_counter)}", "idpel": "532110000101",
            "target_va": 2200, "stroom_awal_rp": 50000,
            "applicant": {"role": "owner", "owner_nik": "3273011508850001",
                          "mobile_phone": "081234500101", "kecamatan": "Coblong",
                          "kelurahan": "Dago", "email": "budi@example.com"}}


def ticket(_n: int) -> dict:
    return {"kind": "issued_closed", "reason": "benchmark", "sop_step": 3,
            "conversation_id": f"bench-{next(_counter) % 50}",
            "data": {"mobile_phone": "081234500101"}}


# (label, method, path, body factory or None)
ENDPOINTS = [
    ("health", "GET", "/health", None),
    ("customer by IDPEL", "GET", "/ap2t/customers/532110000101", None),
    ("customer by meter", "GET", "/ap2t/customers/14100000101", None),
    ("arrears", "GET", "/ap2t/customers/511010000303/arrears", None),
    ("areas", "GET", "/ap2t/customers/532110000101/areas", None),
    ("power-change", "GET", "/ap2t/customers/541100000505/power-change?target_va=7700", None),
    ("quote", "GET", "/ap2t/customers/532110000101/quote?target_va=2200&stroom_awal_rp=50000",
     None),
    ("service-level", "GET", "/ap2t/customers/511010000707/service-level?target_va=6600", None),
    ("crm caller", "GET", "/crm/callers/%2B62%20812-3450-0101", None),
    ("POST registration", "POST", "/ap2t/registrations", registration),
    ("POST ticket", "POST", "/apkt/tickets", ticket),
    ("GET tickets", "GET", "/apkt/tickets?conversation_id=bench-1", None),
]


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.token = token
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"X-PLN-Token: {self.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer:
            self.writer.close()


async def measure(port: int, method: str, path: str, make_body, clients: int,
                  total: int) -> list[float]:
    connections = [Connection(port, TOKEN) for _ in range(clients)]
    await asyncio.gather(*(c.open() for c in connections))
    timings: list[float] = []
    per_client = max(1, total // clients)

    async def run(connection: Connection) -> None:
        for n in range(per_client):
            body = json.dumps(make_body(n)).encode() if make_body else b""
            started = time.perf_counter()
            status = await connection.request(method, path, body)
            timings.append((time.perf_counter() - started) * 1000)
            if status >= 400:
                raise RuntimeError(f"{method} {path} answered {status}")

    try:
        for connection in connections:  # warm-up
            await connection.request("GET", "/health")
        await asyncio.gather(*(run(c) for c in connections))
    finally:
        for connection in connections:
            connection.close()
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def start_server(port: int, directory: Path, log_level: str) -> subprocess.Popen:
    env = dict(os.environ, PLN_SIM_PORT=str(port), PLN_SIM_HOST="127.0.0.1",
               PLN_SIM_DATABASE_URL=f"sqlite:///{directory / 'bench.sqlite3'}",
               PLN_SIM_LOG_LEVEL=log_level, PLN_SIM_TOKEN=TOKEN)
    # The log goes to a file: an unread pipe would fill up and block the server.
    log = (directory / "simulator.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "bot.backoffice"], cwd=REPO_ROOT, env=env,
                               stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (directory / "simulator.log").read_text(errors="replace")[-2000:]
            raise RuntimeError("simulator exited: " + tail)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("simulator did not start within 30 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="per endpoint and level")
    parser.add_argument("--log-level", default="INFO", help="the server's PLN_SIM_LOG_LEVEL")
    args = parser.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        server = start_server(port, Path(directory), args.log_level)
        try:
            rows = []
            for label, method, path, make_body in ENDPOINTS:
                row = [label]
                for clients in (1, 16):
                    timings = asyncio.run(measure(port, method, path, make_body, clients,
                                                  args.requests))
                    row += [statistics.median(timings), percentile(timings, 0.95), max(timings)]
                rows.append(row)
        finally:
            server.terminate()
            server.wait(10)

    print(f"simulator latency, ms ({args.requests} requests per endpoint and level; "
          f"server log level {args.log_level}; {os.cpu_count()} CPUs)")
    print(f"{'endpoint':<20} {'1 client':>26} {'16 clients':>26}")
    print(f"{'':<20} {'p50':>8} {'p95':>8} {'max':>8} {'p50':>8} {'p95':>8} {'max':>8}")
    worst = 0.0
    for label, *figures in rows:
        worst = max(worst, figures[4])
        print(f"{label:<20} " + " ".join(f"{value:8.2f}" for value in figures))
    verdict = "met" if worst < GOAL_P95_MS else "NOT met"
    print(f"worst p95 at 16 clients: {worst:.2f} ms (goal < {GOAL_P95_MS:.0f} ms: {verdict})")
    return 0 if worst < GOAL_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
