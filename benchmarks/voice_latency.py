"""The phone channel's webhook latency under load: how long a caller waits, after
speaking or keying, for the assistant's next prompt (Twilio waits up to 15 s; a caller
accepts about one second of silence before the answer).

Starts the stack as `make run` does with the voice channel on, then ``--callers`` callers
at once each make ``--calls`` whole calls (Budi's request from a number the CRM does not
know, as in `make ivr-demo`: about 20 signed webhooks each, speech and keypad), and
reports p50 / p95 / p99 / max of every webhook, the calls completed, and the registrations
saved (one per call).

    .venv/bin/python benchmarks/voice_latency.py [--callers 8] [--calls 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "e2e")]

from conversation_harness import simulator_registrations  # noqa: E402
from e2e_support import conversation_of  # noqa: E402
from voice_caller import BUDI_ANSWERS, Caller, play, voice_stack  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    with voice_stack() as stack:
        numbers = [f"+62812990{index:05d}" for index in range(args.callers * args.calls)]

        def caller(worker: int) -> tuple[list[float], int]:
            timings, completed = [], 0
            with httpx.Client(timeout=60, trust_env=False) as client:
                for call in range(args.calls):
                    number = numbers[worker * args.calls + call]
                    prompts = play(Caller(stack.env, client, number),
                                   BUDI_ANSWERS, timings)
                    completed += prompts[-1].hung_up
            return timings, completed

        started = time.perf_counter()
        with ThreadPoolExecutor(args.callers) as pool:
            results = list(pool.map(caller, range(args.callers)))
        elapsed = time.perf_counter() - started
        with httpx.Client(timeout=30, trust_env=False) as client:
            saved = sum(len(simulator_registrations(
                client, stack.endpoints, conversation_of(stack.env, "voice", n))) for n in numbers)
    timings = [t for worker, _ in results for t in worker]
    completed = sum(done for _, done in results)
    ms = [t * 1000 for t in timings]
    print(f"voice: {args.callers} callers at once x {args.calls} calls = "
          f"{len(numbers)} calls, {len(ms)} webhooks in {elapsed:.1f} s "
          f"({len(ms) / elapsed:.1f} webhooks/s)")
    print(f"  webhook latency: p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms,"
          f" p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms")
    print(f"  calls completed (goodbye and hang-up): {completed} of {len(numbers)}; "
          f"registrations saved: {saved} (one per call)")
    return 0 if completed == len(numbers) == saved else 1


if __name__ == "__main__":
    sys.exit(main())
