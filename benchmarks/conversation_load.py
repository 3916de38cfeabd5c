"""Whole conversations under load: N simulated customers through the tambah daya happy path
at once, over Rasa's REST channel, against the real stack (simulator, action server, Rasa).

The stack is started by ``tests/e2e/e2e_support.running_stack`` (``bot.launcher`` underneath):
free loopback ports, a temporary data dir (fresh simulator and tracker databases), the model
at ``models/pln123.tar.gz`` (or ``--model``); it is stopped at the end, whatever the end.
Each customer has its own sender id; a conversation is *completed* when the bot told a
registration number and "Rp893.300" and the simulator has exactly that registration for the
sender id (``GET /ap2t/registrations?conversation_id=``, not timed), *failed* otherwise (an
error, a timeout, a reply that never came). For each concurrency level it prints per-turn latency p50/p95/max, turns
per second and the conversations completed.

    .venv/bin/python benchmarks/conversation_load.py [--levels 1,4,16] [--rounds 1]
        [--turn-timeout 60] [--deadline 900] [--data-dir DIR]

Bounded: ``rounds`` x level customers per level (default 1 + 4 + 16 = 21 conversations,
18 turns each, plus one warm-up conversation), each request has a timeout, and a level
that passes ``--deadline`` seconds (overall) stops sending.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "e2e")]

import e2e_support  # noqa: E402  (tests/e2e: the e2e stack launcher, reused)

METADATA, HAPPY_PATH = e2e_support.BUDI_METADATA, e2e_support.HAPPY_PATH
TOTAL = "Rp893.300"
REGISTRATION_NUMBER = re.compile(r"nomor registrasi\w*\W+(\d{10,})", re.IGNORECASE)


@dataclass
class Conversation:
    sender: str
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered turn
    texts: list[str] = field(default_factory=list)
    error: str | None = None
    saved: list[str] | None = None  # registration numbers the simulator has for the sender

    @property
    def registration_number(self) -> str | None:
        for text in self.texts:
            match = REGISTRATION_NUMBER.search(text)
            if match:
                return match.group(1)
        return None

    @property
    def completed(self) -> bool:
        return (self.error is None and self.registration_number is not None
                and any(TOTAL in text for text in self.texts)
                and self.saved == [self.registration_number])

    def why_not(self) -> str:
        if self.error:
            return self.error
        missing = [what for what, ok in (("registration number", self.registration_number),
                                         (TOTAL, any(TOTAL in t for t in self.texts))) if not ok]
        if not missing:
            return (f"told {self.registration_number}, but the simulator has {self.saved} "
                    "for this conversation")
        last = self.texts[-1][:120] if self.texts else "(no reply at all)"
        return f"never told {' and '.join(missing)}; last reply: {last!r}"


async def converse(client: httpx.AsyncClient, urls: tuple[str, str, str], sender: str,
                   stop_at: float) -> Conversation:
    """The happy path, then (not timed) the simulator's registrations for the sender."""
    rasa_url, simulator_url, simulator_token = urls
    conversation = Conversation(sender)
    for number, text in enumerate(HAPPY_PATH, 1):
        if time.monotonic() > stop_at:
            conversation.error = f"deadline passed before turn {number}"
            break
        started = time.perf_counter()
        try:
            response = await client.post(f"{rasa_url}/webhooks/rest/webhook", json={
                "sender": sender, "message": text, "metadata": METADATA})
            response.raise_for_status()
            replies = response.json()
        except (httpx.HTTPError, ValueError) as error:
            conversation.error = f"turn {number} ({text!r}): {type(error).__name__}: {error}"
            break
        conversation.latencies.append(time.perf_counter() - started)
        conversation.texts += [r["text"] for r in replies if isinstance(r.get("text"), str)]
    if conversation.error is None:
        try:
            response = await client.get(f"{simulator_url}/ap2t/registrations",
                                        params={"conversation_id": f"rest:{sender}"},
                                        headers={"X-PLN-Token": simulator_token})
            response.raise_for_status()
            conversation.saved = [r["registration_number"] for r in response.json()]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            conversation.error = f"listing the simulator's registrations: {error!r}"
    return conversation


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def run_level(urls: tuple[str, str, str], level: int, customers: int, turn_timeout: float,
                    stop_at: float) -> tuple[list[Conversation], float]:
    limits = httpx.Limits(max_connections=level, max_keepalive_connections=level)
    timeout = httpx.Timeout(turn_timeout, connect=5.0)
    async with httpx.AsyncClient(timeout=timeout, limits=limits, trust_env=False) as client:
        gate = asyncio.Semaphore(level)

        async def one(index: int) -> Conversation:
            async with gate:
                sender = f"bench-c{level}-{index}-{uuid.uuid4().hex[:8]}"
                return await converse(client, urls, sender, stop_at)

        started = time.perf_counter()
        conversations = await asyncio.gather(*(one(i) for i in range(customers)))
        return list(conversations), time.perf_counter() - started


def report(level: int, conversations: list[Conversation], elapsed: float) -> None:
    latencies = [s for c in conversations for s in c.latencies]
    done = sum(c.completed for c in conversations)
    line = f"concurrency {level:>2}: {len(conversations):>3} conversations, "
    if latencies:
        line += (f"turn latency p50 {percentile(latencies, 0.50) * 1000:6.0f} ms, "
                 f"p95 {percentile(latencies, 0.95) * 1000:6.0f} ms, "
                 f"max {max(latencies) * 1000:6.0f} ms; "
                 f"{len(latencies) / elapsed:5.1f} turns/s; ")
    line += (f"completed {done}/{len(conversations)}, failed {len(conversations) - done} "
             f"({elapsed:.1f} s)")
    print(line, flush=True)
    for conversation in conversations:
        if not conversation.completed:
            print(f"    failed {conversation.sender}: {conversation.why_not()}", flush=True)


async def benchmark(urls: tuple[str, str, str], levels: list[int], rounds: int, turn_timeout: float,
                    deadline_s: float) -> int:
    stop_at = time.monotonic() + deadline_s
    warm, elapsed = await run_level(urls, 1, 1, turn_timeout, stop_at)
    print(f"warm-up: 1 conversation in {elapsed:.1f} s, "
          f"{'completed' if warm[0].completed else 'FAILED: ' + warm[0].why_not()}", flush=True)
    failed = 0 if warm[0].completed else 1
    for level in levels:
        conversations, elapsed = await run_level(urls, level, level * rounds,
                                                 turn_timeout, stop_at)
        report(level, conversations, elapsed)
        failed += sum(not c.completed for c in conversations)
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,4,16", help="concurrency levels (default 1,4,16)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="customers per level = level x rounds (default 1)")
    parser.add_argument("--turn-timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--deadline", type=float, default=900.0,
                        help="seconds for all the conversations; then no new turn is sent")
    parser.add_argument("--model", type=Path, default=e2e_support.MODEL)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the services (e.g. PLN_ENDPOINTS=..., "
                             "SANIC_WORKERS=2, TF_INTRA_OP_PARALLELISM_THREADS=1)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the databases and logs/ here (a new or empty directory); "
                             "default: a temporary directory, removed at the end")
    args = parser.parse_args(argv)
    levels = [int(part) for part in args.levels.split(",") if part.strip()]
    if not levels or min(levels) < 1 or max(levels) > 64 or not 1 <= args.rounds <= 10:
        parser.error("levels must be 1..64, rounds 1..10")
    if not args.model.is_file():
        print(f"no trained model at {args.model}: run `make train` first (the benchmark runs "
              "the real model).", file=sys.stderr)
        return 2
    if args.data_dir is not None and args.data_dir.exists() and any(args.data_dir.iterdir()):
        parser.error(f"--data-dir {args.data_dir} is not empty")
    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
    holder = (contextlib.nullcontext(str(args.data_dir.resolve())) if args.data_dir is not None
              else tempfile.TemporaryDirectory(prefix="pln-conv-load-"))
    with holder as data_dir:
        started = time.monotonic()
        settings = dict(item.split("=", 1) for item in args.set)
        with e2e_support.running_stack(Path(data_dir), args.model, settings) as stack:
            if isinstance(stack, e2e_support.StackProblem):
                print(stack.message, file=sys.stderr)
                return 2
            print(f"stack up in {time.monotonic() - started:.1f} s "
                  f"(model {args.model.name}, data in {data_dir})", flush=True)
            try:
                urls = (stack.endpoints.rasa_url, stack.endpoints.simulator_url,
                        stack.endpoints.simulator_token)
                failed = asyncio.run(benchmark(urls, levels, args.rounds,
                                               args.turn_timeout, args.deadline))
            except KeyboardInterrupt:
                print("interrupted: stopping the stack", file=sys.stderr)
                return 130
            if failed:
                print(stack.diagnose(), file=sys.stderr)
        print("stack stopped", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
