"""Hostile traffic against the stack as `make run` serves it: random, unicode, huge and
malformed payloads on the REST channel, and what it costs.

Starts ``python -m bot.stack run`` (the launcher that restarts what dies) on free loopback
ports in a temporary data dir, warms it up, records each service's RSS, sends
``--payloads`` requests (default 10,000; seeded, so every run sends the same) from
``--concurrency`` clients, then reports:

- responses by status class; 5xx must be 0;
- crashed services: any "exited with code" the launcher reported; must be 0;
- latency p50 / p95 / p99 / max of all requests;
- RSS of each service (with its children) before and after; growth must stay under
  100 MB each.

Exits 1 when a goal is missed.

    .venv/bin/python benchmarks/fuzz.py [--payloads 10000] [--concurrency 8] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "e2e")]

from e2e_support import e2e_environment, free_ports  # noqa: E402

SERVICES = ("simulator", "actions", "rasa")
MAX_GROWTH_MB = 100

# Code point ranges a hostile or just foreign message may hold.
ALPHABETS = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x0600, 0x06FF), (0x0590, 0x05FF), (0x4E00, 0x4FFF),
    (0x1F300, 0x1F6FF), (0x0300, 0x036F), (0x0000, 0x001F), (0x200B, 0x200F),
    (0x202A, 0x202E), (0x2066, 0x2069), (0xE000, 0xE0FF), (0xFFF0, 0xFFFF),
]
WORDS = ["mau", "tambah", "daya", "iya", "tidak", "batal", "petugas", "2200", "50rb",
         "532110000101", "3273011508850001", "coblong", "dago", "budi@gmail.com",
         "sudah", "lanjut", "pemilik", "berapa", "biaya", "😀", "ya", "nggak", "halo"]


def random_text(rng: random.Random, length: int) -> str:
    low, high = rng.choice(ALPHABETS)
    return "".join(chr(rng.randint(low, high)) for _ in range(length))


def payload(rng: random.Random, senders: list[str]) -> tuple[bytes, str]:
    """(body, kind): one request body of a randomly chosen kind."""
    sender = rng.choice(senders)
    metadata = {"caller_id": "081234500101", "now": "2026-11-27T09:00:00+07:00"}
    kind = rng.choices(
        ["words", "unicode", "huge", "digits", "tokens", "malformed", "bad_fields",
         "bad_metadata"], weights=[30, 20, 8, 6, 6, 12, 10, 8])[0]
    if kind == "words":
        body = {"sender": sender, "message": " ".join(rng.choices(WORDS, k=rng.randint(1, 12))),
                "metadata": metadata}
    elif kind == "unicode":
        body = {"sender": sender, "message": random_text(rng, rng.randint(1, 1200)),
                "metadata": metadata}
    elif kind == "huge":
        body = {"sender": sender, "message": random_text(rng, rng.randint(100_000, 300_000))}
    elif kind == "digits":
        body = {"sender": sender, "message": "".join(rng.choices("0123456789 ", k=10_000))}
    elif kind == "tokens":
        body = {"sender": sender, "message": "tambah daya " * rng.randint(50, 10_000)}
    elif kind == "malformed":
        raw = rng.choice([b"", b"{", b"[]", b"null", b"\xff\xfe\x00", b'{"sender": "x",',
                          json.dumps(random_text(rng, 50)).encode(), os.urandom(64)])
        return raw, kind
    elif kind == "bad_fields":
        body = rng.choice([
            {"sender": sender, "message": rng.randint(-10**9, 10**9)},
            {"sender": sender, "message": None}, {"sender": sender},
            {"sender": None, "message": "halo"}, {"message": "halo"},
            {"sender": random_text(rng, 300), "message": "halo"},
            {"sender": {"a": 1}, "message": "halo"}, {"sender": sender, "message": ["halo"]},
            {"sender": sender, "message": {"text": "halo"}}, {"sender": sender, "message": ""},
        ])
    else:
        body = {"sender": sender, "message": "mau tambah daya", "metadata": rng.choice([
            "x", [1, 2], {"now": "kemarin"}, {"now": "9999-12-31T23:59:59+14:00"},
            {"caller_id": random_text(rng, 20)}, {"caller_id": {"x": 1}},
            {"message_id": rng.randint(1, 5)}, {"now": 12345}, {"caller_id": "+999"},
            {"now": "2026-02-30T09:00:00+07:00"}, {"x": random_text(rng, 5000)},
        ])}
    return json.dumps(body).encode(), kind


def rss_mb(data_dir: Path, service: str) -> float:
    """Resident memory of the service's process group (the leader and its children)."""
    pid = int((data_dir / "run" / f"{service}.pid").read_text())
    total_kb = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getpgid(int(proc.name)) != pid:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, ProcessLookupError, ValueError):
            continue
    return total_kb / 1024


async def send_all(url: str, bodies: list[tuple[bytes, str]], concurrency: int):
    queue: asyncio.Queue = asyncio.Queue()
    for item in bodies:
        queue.put_nowait(item)
    results: list[tuple[str, int, float]] = []

    async def client_loop():
        async with httpx.AsyncClient(timeout=60, trust_env=False) as client:
            while not queue.empty():
                body, kind = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=body,
                                                 headers={"Content-Type": "application/json"})
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0  # no answer at all
                results.append((kind, status, time.perf_counter() - started))

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="pln-fuzz-"))
    env = e2e_environment(data_dir, free_ports(3))
    env["SANIC_REQUEST_MAX_SIZE"] = str(1024 * 1024)
    output = data_dir / "launcher.out"
    url = f"http://{env['PLN_HOST']}:{env['PLN_RASA_PORT']}/webhooks/rest/webhook"
    with open(output, "wb") as out:
        launcher = subprocess.Popen([sys.executable, "-m", "bot.stack", "run"], cwd=REPO_ROOT,
                                    env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while "Ctrl-C stops everything" not in output.read_text(errors="replace"):
            if launcher.poll() is not None or time.monotonic() > deadline:
                print(output.read_text(errors="replace"))
                return 1
            time.sleep(0.5)
        rng = random.Random(args.seed)
        senders = [f"fuzz-{n}" for n in range(200)]
        warm = [(json.dumps({"sender": f"warm-{n}", "message": text, "metadata": {
            "caller_id": "081234500101"}}).encode(), "warm-up")
            for n in range(20) for text in ("halo", "mau tambah daya", "sudah", "532110000101")]
        asyncio.run(send_all(url, warm, 4))
        before = {service: rss_mb(data_dir, service) for service in SERVICES}
        bodies = [payload(rng, senders) for _ in range(args.payloads)]
        started = time.monotonic()
        results = asyncio.run(send_all(url, bodies, args.concurrency))
        elapsed = time.monotonic() - started
        time.sleep(2)
        after = {service: rss_mb(data_dir, service) for service in SERVICES}
        said = output.read_text(errors="replace")
    finally:
        launcher.send_signal(signal.SIGTERM)
        try:
            launcher.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)

    statuses = Counter(f"{status // 100}xx" if status else "no answer"
                       for _kind, status, _ in results)
    server_errors = sum(1 for _k, status, _ in results if status >= 500 or status == 0)
    crashes = said.count("exited with code")
    latencies = [latency for *_rest, latency in results]
    kinds = Counter(kind for kind, *_ in results)
    print(f"fuzz: {len(results)} payloads ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}) "
          f"from {args.concurrency} clients in {elapsed:.1f} s, seed {args.seed}")
    print("  responses: " + ", ".join(f"{k} {n}" for k, n in sorted(statuses.items())))
    print(f"  5xx or no answer: {server_errors} (goal 0)")
    print(f"  crashed services: {crashes} (goal 0)")
    print(f"  latency: p50 {percentile(latencies, .5) * 1000:.0f} ms, p95 "
          f"{percentile(latencies, .95) * 1000:.0f} ms, p99 {percentile(latencies, .99) * 1000:.0f}"
          f" ms, max {max(latencies) * 1000:.0f} ms")
    worst_growth = 0.0
    for service in SERVICES:
        growth = after[service] - before[service]
        worst_growth = max(worst_growth, growth)
        print(f"  RSS {service:9}: {before[service]:7.0f} MB before, {after[service]:7.0f} MB "
              f"after ({growth:+.0f} MB; goal under +{MAX_GROWTH_MB} MB)")
    for kind in sorted(kinds):
        mine = [latency for k, _s, latency in results if k == kind]
        print(f"    {kind:12} p99 {percentile(mine, .99) * 1000:6.0f} ms")
    ok = server_errors == 0 and crashes == 0 and worst_growth < MAX_GROWTH_MB
    print("  verdict: " + ("OK" if ok else "GOAL MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
