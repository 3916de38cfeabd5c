"""The scaled stack for its fault tests and ``benchmarks/scale.py``: ``python -m
bot.stack run`` with ``PLN_INSTANCES`` Rasa instances behind HAProxy, on a PostgreSQL
server and a Redis server of its own (``PrivatePostgres``, ``PrivateRedis``), so that a
test can stop and restart them without touching the machine's shared servers; and the
customers who talk to it (``Customer``), as a provider's webhook would: a message that
gets no answer (a 502, a 503, a dropped connection) is sent again with the same message
id, after a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO_ROOT / "tests" / "e2e")]

from e2e_support import (  # noqa: E402
    BUDI_METADATA,
    HAPPY_PATH,
    MODEL,
    e2e_environment,
    free_ports,
    stop_launcher,
)

START_TIMEOUT_S = 300.0
# What a customer is told when the message could not be processed at all (503 from the
# REST channel or from HAProxy) or mid-form (the action server or the back office down).
TURN_FAILED_MARK = "belum dapat kami proses karena gangguan sistem"
DISRUPTED_MARK = "sistem kami sedang mengalami gangguan"


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class PrivatePostgres:
    """A PostgreSQL server in a temporary folder, on its own port (trust, loopback)."""

    def __init__(self, port: int):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found and not shutil.which("initdb"):
            raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not "
                               "installed: apt-get install postgresql")
        self.bin = Path(found[-1]).parent if found else Path(shutil.which("initdb")).parent
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="pln-postgres-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync")

    def _run(self, program: str, *arguments: str) -> None:
        done = subprocess.run(_as_postgres([str(self.bin / program), *arguments]),
                              capture_output=True, text=True)
        if done.returncode != 0:
            log = self.root / "log"
            raise RuntimeError(f"{program} {' '.join(arguments)} failed ({done.returncode}):"
                               f"\n{done.stdout}{done.stderr}"
                               f"{log.read_text() if log.exists() else ''}")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", "start")

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: as a crash would (no checkpoint; what was committed stays)."""
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m",
                                     mode, "-w", "stop"]), check=False, capture_output=True)

    def remove(self) -> None:
        self.stop("fast")
        shutil.rmtree(self.root, ignore_errors=True)

    def query(self, database: str, sql: str) -> list[tuple]:
        import sqlalchemy as sa
        engine = sa.create_engine(f"postgresql://postgres@127.0.0.1:{self.port}/{database}")
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sa.text(sql))]
        finally:
            engine.dispose()


class PrivateRedis:
    """A Redis server of its own (nothing kept on disk), started and stopped at will."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class ScaledStack:
    """``python -m bot.stack run`` with ``instances`` Rasa instances, on a private
    PostgreSQL and Redis; ``restart()`` stops and starts the whole launcher."""

    def __init__(self, data_dir: Path, instances: int = 2,
                 settings: dict[str, str] | None = None):
        if not MODEL.is_file():
            raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
        # every port chosen at once (ports chosen in separate calls may repeat), and the
        # instances' block clear of them
        pg_port, redis_port, notify_port, smtp_port, *ports = free_ports(8)
        self.postgres = PrivatePostgres(pg_port)
        self.redis = PrivateRedis(redis_port)
        self.data_dir = data_dir
        self.instances = instances
        env = e2e_environment(data_dir, ports)
        taken = {pg_port, redis_port, notify_port, smtp_port, *ports}
        env.update({
            "PLN_NOTIFY_PORT": str(notify_port), "PLN_SMTP_PORT": str(smtp_port),
            "PLN_NOTIFY_URL": f"http://{env['PLN_HOST']}:{notify_port}",
            "PLN_INSTANCES": str(instances), "PLN_SCALED": "1",
            "PLN_INSTANCE_PORT_BASE": str(_free_block(instances, taken)),
            "PLN_TRACKER_DB_HOST": "127.0.0.1", "PLN_TRACKER_DB_PORT": str(pg_port),
            "PLN_TRACKER_DB_USER": "postgres", "PLN_TRACKER_DB_PASSWORD": "",
            "PLN_TRACKER_DB_NAME": "pln123_tracker",
            "PLN_SIM_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{pg_port}/pln123_backoffice",
            "PLN_REDIS_HOST": "127.0.0.1", "PLN_REDIS_PORT": str(redis_port),
            "PLN_REDIS_DB": "0", "PLN_ENDPOINTS": "endpoints.production.yml",
        })
        env.update(settings or {})
        self.env = env
        host = env["PLN_HOST"]
        self.rasa = f"http://{host}:{env['PLN_RASA_PORT']}"
        self.simulator = env["PLN_SIM_URL"]
        self.output = data_dir / "launcher.out"
        self.process: subprocess.Popen | None = None

    # --- the launcher ---------------------------------------------------------------

    def __enter__(self) -> ScaledStack:
        self.postgres.start()
        self.redis.start()
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
        self.redis.stop()
        self.postgres.remove()

    def start(self) -> None:
        with open(self.output, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.stack", "run"], cwd=REPO_ROOT, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until(lambda: self.said().count("Ctrl-C stops everything") > self.starts,
                        "the scaled stack to start")
        self.starts += 1

    starts = 0

    def stop(self) -> None:
        stop_launcher(self.process, 90)

    def restart(self) -> None:
        self.stop()
        self.start()

    def said(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def pid(self, service: str) -> int:
        return int((self.data_dir / "run" / f"{service}.pid").read_text())

    def signal(self, service: str, signum: int) -> None:
        os.killpg(self.pid(service), signum)

    def hold(self, service: str, held: bool = True) -> None:
        """While held, the launcher does not restart the service (``bot.launcher.supervision``)."""
        path = self.data_dir / "run" / f"{service}.hold"
        if held:
            path.touch()
        else:
            path.unlink(missing_ok=True)

    def wait_until(self, condition, what: str, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the launcher exited while waiting for {what}:\n"
                                   f"{self.said()[-4000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}:\n{self.said()[-4000:]}")
            time.sleep(0.25)

    # --- what the databases hold ----------------------------------------------------

    def registrations(self) -> dict[str, int]:
        """REST sender -> how many registrations the simulator's database holds for its
        conversation (``rest:<sender>``)."""
        rows = self.postgres.query("pln123_backoffice", "SELECT conversation_id, count(*) "
                                   "FROM registrations GROUP BY conversation_id")
        return {conversation.removeprefix("rest:"): count for conversation, count in rows
                if conversation.startswith("rest:")}

    def user_messages(self, sender: str) -> list[str | None]:
        """The message ids of the REST sender's messages in its stored conversation, in
        order."""
        import json
        assert sender.replace("-", "").isalnum(), sender  # spliced into the query below
        rows = self.postgres.query(
            "pln123_tracker", "SELECT data FROM events WHERE type_name = 'user' AND "
            f"sender_id = 'rest:{sender}' ORDER BY id")
        return [(json.loads(data).get("metadata") or {}).get("message_id") for (data,) in rows]


def _free_block(count: int, taken: set[int]) -> int:
    """A base port whose +1..+count and +51..+50+count are free now and not ``taken``."""
    import socket
    for _ in range(50):
        base = free_ports(1)[0]
        wanted = [base + n for n in range(1, count + 1)] + [base + 50 + n
                                                            for n in range(1, count + 1)]
        if base + 50 + count > 65000 or taken.intersection(wanted):
            continue
        try:
            held = []
            for port in wanted:
                sock = socket.socket()
                sock.bind(("127.0.0.1", port))
                held.append(sock)
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
        return base
    raise RuntimeError("no free block of ports")


# --- customers ----------------------------------------------------------------------------


@dataclass
class Customer:
    """One customer through the happy path: each message is sent until it is answered
    (a provider's retries: the same message id, ``retry_pause_s`` apart, for at most
    ``patience_s``); what was heard and how long each answer took are kept."""

    sender: str = field(default_factory=lambda: f"scaled-{uuid.uuid4().hex[:10]}")
    script: list[str] = field(default_factory=lambda: list(HAPPY_PATH))
    retry_pause_s: float = 2.0
    patience_s: float = 240.0
    latencies: list[float] = field(default_factory=list)  # s, one per answered message
    heard: list[str] = field(default_factory=list)  # every text, failures included
    failures: int = 0  # answers that were not the assistant's (told to send again)
    error: str | None = None

    processed: list[str] = field(default_factory=list)  # ids of messages answered 200

    async def talk(self, client: httpx.AsyncClient, rasa_url: str,
                   pause_s: float = 0.0) -> None:
        for number, text in enumerate(self.script):
            if not await self._say(client, rasa_url, text, f"{self.sender}-m{number}"):
                return
            if pause_s:
                await asyncio.sleep(pause_s)

    async def _say(self, client: httpx.AsyncClient, rasa_url: str, text: str,
                   message_id: str) -> bool:
        """Until answered. A failure answered by the channel or HAProxy (no 200) is
        retried by the provider with the same message id; a 200 that says the system is
        disrupted was processed, and the customer sends the answer again: a new message."""
        given_up = time.monotonic() + self.patience_s
        attempt_id, typed = message_id, 0
        while True:
            started = time.monotonic()
            try:
                response = await client.post(
                    f"{rasa_url}/webhooks/rest/webhook",
                    json={"sender": self.sender, "message": text,
                          "metadata": {**BUDI_METADATA, "message_id": attempt_id}})
                status, body = response.status_code, response.json()
            except (httpx.HTTPError, ValueError) as error:
                status, body = 0, {"error": type(error).__name__}
            if status == 200:
                self.latencies.append(time.monotonic() - started)
                self.processed.append(attempt_id)
                texts = [reply.get("text") or "" for reply in body]
                self.heard.extend(texts)
                if not any(DISRUPTED_MARK in t for t in texts):
                    return True
                self.failures += 1
                typed += 1
                attempt_id = f"{message_id}-again{typed}"
            else:
                self.failures += 1
                if isinstance(body, dict):
                    self.heard.extend(reply.get("text") or ""
                                      for reply in body.get("replies") or [])
            if time.monotonic() > given_up:
                self.error = (f"message {message_id!r} unanswered after "
                              f"{self.patience_s:.0f} s (last status {status})")
                return False
            await asyncio.sleep(self.retry_pause_s)

    def told_registration(self) -> bool:
        return any("nomor registrasinya" in text for text in self.heard)


async def crowd(rasa_url: str, customers: list[Customer], pause_s: float = 0.0,
                stagger_s: float = 0.2) -> None:
    """Every customer talking at once (started ``stagger_s`` apart)."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(150.0, connect=5.0),
                                 trust_env=False) as client:
        async def one(number: int, customer: Customer) -> None:
            await asyncio.sleep(number * stagger_s)
            await customer.talk(client, rasa_url, pause_s)

        await asyncio.gather(*(one(n, c) for n, c in enumerate(customers)))
