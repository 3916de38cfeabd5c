"""1 versus 2 (versus 3) Rasa instances behind HAProxy, on PostgreSQL and Redis.

For each instance count, a scaled stack (``tests/scaled/scaled_support.ScaledStack``:
``python -m bot.stack run`` with ``PLN_INSTANCES=N``, N action servers, a PostgreSQL and a
Redis of its own) serves ``--conversations`` customers (default 200), ``--concurrency`` of
them talking at once (default 32), each through the 18-message happy path with
``--think`` seconds between messages (a provider's retry on a non-200: the same message
id). Per instance count it prints turns/s, latency p50/p95/p99/max, the answers that were
not a 200 (errors), the conversations completed, and whether the simulator's database
holds exactly one registration per conversation. Then the stack's memory (RSS per
service).

    .venv/bin/python benchmarks/scale.py [--instances 1,2,3] [--conversations 200]
        [--concurrency 32] [--think 0.5]

Bounded: every request has a timeout (the customer's patience, 240 s in all per message),
each run stops sending after ``--deadline`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "scaled")]

from scaled_support import Customer, ScaledStack  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def serve(rasa_url: str, count: int, concurrency: int, think_s: float,
                deadline_s: float) -> tuple[list[Customer], float]:
    customers = [Customer(sender=f"scale-{n:04d}-{time.time_ns() % 10**8}", patience_s=240)
                 for n in range(count)]
    gate = asyncio.Semaphore(concurrency)
    stop_at = time.monotonic() + deadline_s
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=httpx.Timeout(150.0, connect=5.0), limits=limits,
                                 trust_env=False) as client:
        async def one(customer: Customer) -> None:
            async with gate:
                if time.monotonic() > stop_at:
                    customer.error = "not started: deadline"
                    return
                await customer.talk(client, rasa_url, think_s)

        started = time.perf_counter()
        await asyncio.gather(*(one(c) for c in customers))
        return customers, time.perf_counter() - started


def rss_mb(pid: int) -> float:
    """Resident memory of a process group's leader and its children, in MB."""
    import subprocess
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)],
                         capture_output=True, text=True).stdout
    return sum(int(v) for v in out.split()) / 1024


def measure(instances: int, args) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"pln-scale-{instances}-") as data_dir:
        started = time.monotonic()
        with ScaledStack(Path(data_dir), instances=instances) as stack:
            up = time.monotonic() - started
            customers, elapsed = asyncio.run(serve(stack.rasa, 2, 2, 0, 120))  # warm-up
            customers, elapsed = asyncio.run(serve(stack.rasa, args.conversations,
                                                   args.concurrency, args.think,
                                                   args.deadline))
            saved = stack.registrations()
            memory = {service: rss_mb(stack.pid(service)) for service in
                      [f"rasa-{n}" for n in range(1, instances + 1)]
                      + [f"actions-{n}" for n in range(1, instances + 1)] + ["simulator"]}
    latencies = [s for c in customers for s in c.latencies]
    completed = [c for c in customers if c.error is None and c.told_registration()]
    return {
        "instances": instances, "up_s": up, "elapsed_s": elapsed,
        "turns": len(latencies), "turns_per_s": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.50), "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99), "max": max(latencies),
        "errors": sum(c.failures for c in customers),
        "completed": len(completed), "conversations": len(customers),
        "saved_once": sum(saved.get(c.sender) == 1 for c in customers),
        "saved_twice": sum((saved.get(c.sender) or 0) > 1 for c in customers),
        "memory": memory,
        "problems": [f"{c.sender}: {c.error}" for c in customers if c.error][:5],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", default="1,2,3")
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--think", type=float, default=0.5,
                        help="seconds between a customer's messages")
    parser.add_argument("--deadline", type=float, default=900.0)
    args = parser.parse_args(argv)
    counts = [int(part) for part in args.instances.split(",") if part.strip()]
    if not counts or not all(1 <= n <= 8 for n in counts):
        parser.error("--instances: 1..8 each")
    if not 1 <= args.conversations <= 2000 or not 1 <= args.concurrency <= 256:
        parser.error("--conversations 1..2000, --concurrency 1..256")
    results = []
    for count in counts:
        result = measure(count, args)
        results.append(result)
        memory = ", ".join(f"{name} {mb:.0f} MB" for name, mb in result["memory"].items())
        print(f"{count} instance(s): up in {result['up_s']:.0f} s; {result['conversations']} "
              f"conversations ({args.concurrency} at once, {args.think} s between messages) "
              f"in {result['elapsed_s']:.0f} s: {result['turns_per_s']:.1f} turns/s, "
              f"p50 {result['p50'] * 1000:.0f} ms, p95 {result['p95'] * 1000:.0f} ms, "
              f"p99 {result['p99'] * 1000:.0f} ms, max {result['max'] * 1000:.0f} ms; "
              f"errors {result['errors']}; completed {result['completed']}/"
              f"{result['conversations']}; saved once {result['saved_once']}, twice "
              f"{result['saved_twice']}\n    memory: {memory}", flush=True)
        for problem in result["problems"]:
            print(f"    {problem}", flush=True)
    print("\n| instances | turns/s | p50 | p95 | p99 | errors | completed | saved once |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['instances']} | {r['turns_per_s']:.1f} | {r['p50'] * 1000:.0f} ms | "
              f"{r['p95'] * 1000:.0f} ms | {r['p99'] * 1000:.0f} ms | {r['errors']} | "
              f"{r['completed']}/{r['conversations']} | {r['saved_once']} |")
    failed = any(r["completed"] < r["conversations"] or r["saved_once"] < r["conversations"]
                 for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
