"""This assistant against the same assistant as Rasa gives it by default, on one machine,
in one run.

- *tuned*: this project as ``make run`` serves it: ``config.yml``, Rasa through
  ``bot.rasa_runtime`` (``python -m bot.rasa_runtime run``), the action server on
  rasa-sdk alone, the endpoints of ``bot.launcher``.
- *default*: the same domain, data, actions and simulator, with Rasa's default
  configuration (``benchmarks/default_config.yml``: the recipe's pipeline and policies
  plus our entity component) served by plain ``rasa run`` and ``rasa run actions``.

Both models are trained once and cached under ``var/bench/`` by the hash of what they are
trained from (with their training time); both stacks are started on free ports, side by
side, and the same load (``conversation_load``: Budi's happy path, every conversation
checked for its registration, saved exactly once) runs alternately at each level. It
prints each row, then the ratios tuned/default: turns per second, p50, p95 and p99 turn
latency, start-up time, memory (RSS of each stack's processes, after the load) and
training time.

    .venv/bin/python benchmarks/compare_default.py [--levels 1,4,16] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "e2e"), str(REPO / "benchmarks")]

import conversation_load  # noqa: E402
import e2e_support  # noqa: E402

from bot import launcher as stack  # noqa: E402

CACHE = REPO / "var" / "bench"
DEFAULT_CONFIG = REPO / "benchmarks" / "default_config.yml"
TUNED_CONFIG = REPO / "config.yml"
TRAIN_INPUTS = ("domain.yml", "data", "bot/nlu", "bot/language", "bot/places.py")


def fingerprint(config: Path) -> str:
    digest = hashlib.sha256(config.read_bytes())
    for name in TRAIN_INPUTS:
        path = REPO / name
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(REPO)).encode() + file.read_bytes())
    return digest.hexdigest()[:12]


def trained(name: str, config: Path) -> tuple[Path, float]:
    """(model, training seconds): trained now, or the cached one for the same inputs."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = fingerprint(config)
    model, record = CACHE / f"{name}-{key}.tar.gz", CACHE / f"{name}-{key}.json"
    if model.is_file() and record.is_file():
        return model, json.loads(record.read_text())["training_s"]
    print(f"training the {name} model ({config.name}) ...", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rasa-cache-") as cold:  # no component reused
        subprocess.run([str(stack.BIN / "rasa"), "train", "--config", str(config), "--out",
                        str(CACHE), "--fixed-model-name", model.name.removesuffix(".tar.gz"),
                        "--quiet"], cwd=REPO, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL,
                       env={**os.environ, "RASA_CACHE_DIRECTORY": cold})
    seconds = time.monotonic() - started
    record.write_text(json.dumps({"training_s": seconds}))
    return model, seconds


def rss_mb(pid: int) -> float:
    """Resident memory of a process group (a service and its children)."""
    total = 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.getpgid(int(proc.name)) == pid:
                for line in (proc / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


@dataclass
class Variant:
    name: str
    model: Path
    training_s: float
    env: dict[str, str] = field(default_factory=dict)
    running: list[stack.Service] = field(default_factory=list)
    startup_s: float = 0.0
    first_turns_s: list[float] = field(default_factory=list)
    rows: dict[int, dict[str, float]] = field(default_factory=dict)

    def urls(self) -> tuple[str, str, str]:
        return (f"http://{self.env['PLN_HOST']}:{self.env['PLN_RASA_PORT']}",
                self.env["PLN_SIM_URL"], self.env["PLN_SIM_TOKEN"])

    def rss_mb(self) -> float:
        return sum(rss_mb(s.process.pid) for s in self.running if s.process)


def services(variant: Variant) -> list[stack.Service]:
    env = variant.env
    env["PLN_MODEL"] = str(variant.model)
    chosen = stack.services(env)
    if variant.name == "default":  # Rasa as it comes: no bot.rasa_runtime, rasa run actions,
        rasa_bin = str(stack.BIN / "rasa")  # Rasa's own SQL tracker store
        endpoints = Path(env["PLN_DATA_DIR"]) / "endpoints-default.yml"
        endpoints.write_text(yaml.safe_dump({
            "action_endpoint": {"url": f"{env['PLN_ACTIONS_URL']}/webhook"},
            "tracker_store": {"type": "SQL", "dialect": "sqlite",
                              "db": env["PLN_TRACKER_SQLITE"]},
            "lock_store": {"type": "in_memory"}}))
        for service in chosen:
            if service.name == "actions":
                service.command = [rasa_bin, "run", "actions", "--actions", "actions",
                                   "--port", env["PLN_ACTIONS_PORT"]]
            elif service.name == "rasa":
                command = [rasa_bin, *service.command[3:]]
                command[command.index("--endpoints") + 1] = str(endpoints)
                service.command = command
    return chosen


def start(variant: Variant, data_dir: Path) -> None:
    variant.env = e2e_support.e2e_environment(data_dir, e2e_support.free_ports(3))
    started = time.monotonic()
    variant.running = stack.bring_up(services(variant), variant.env, together=True)
    variant.startup_s = time.monotonic() - started
    print(f"{variant.name}: stack up in {variant.startup_s:.1f} s", flush=True)


def measure(variant: Variant, level: int, rounds: int) -> bool:
    conversations, elapsed = asyncio.run(conversation_load.run_level(
        variant.urls(), level, level * rounds, 60.0, time.monotonic() + 1800))
    print(f"{variant.name:>7} ", end="")
    conversation_load.report(level, conversations, elapsed)
    latencies = [s for c in conversations for s in c.latencies]
    percentile = conversation_load.percentile
    variant.rows[level] = {
        "turns_s": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.50), "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99)}
    return all(c.completed for c in conversations)


def ratios(tuned: Variant, default: Variant, levels: list[int]) -> None:
    print("\n| customers at once | stack | turns/s | p50 | p95 | p99 |")
    print("|---|---|---|---|---|---|")
    for level in levels:
        for variant in (tuned, default):
            row = variant.rows[level]
            print(f"| {level} | {variant.name} | {row['turns_s']:.1f} | {row['p50'] * 1000:.0f} ms"
                  f" | {row['p95'] * 1000:.0f} ms | {row['p99'] * 1000:.0f} ms |")
    print("\nratios tuned / default (throughput: higher is better; latency, start-up, memory, "
          "training: lower is better)")
    for level in levels:
        t, d = tuned.rows[level], default.rows[level]
        print(f"  {level:>2} at once: turns/s x{t['turns_s'] / d['turns_s']:.1f}, "
              f"p50 x{t['p50'] / d['p50']:.2f}, p95 x{t['p95'] / d['p95']:.2f}, "
              f"p99 x{t['p99'] / d['p99']:.2f}")
    for label, ours, theirs, unit in (
            ("start-up", tuned.startup_s, default.startup_s, "s"),
            ("memory (RSS, whole stack)", tuned.rss_mb(), default.rss_mb(), "MB"),
            ("training", tuned.training_s, default.training_s, "s")):
        print(f"  {label}: {ours:.0f} {unit} vs {theirs:.0f} {unit} (x{ours / theirs:.2f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,4,16")
    parser.add_argument("--rounds", type=int, default=4,
                        help="customers per level = level x rounds (default 4)")
    args = parser.parse_args()
    levels = [int(part) for part in args.levels.split(",")]
    tuned = Variant("tuned", *trained("tuned", TUNED_CONFIG))
    default = Variant("default", *trained("default", DEFAULT_CONFIG))
    ok = True
    with tempfile.TemporaryDirectory(prefix="pln-compare-") as data:
        try:
            for variant in (tuned, default):
                start(variant, Path(data) / variant.name)
            for variant in (tuned, default):  # the first customer after the start
                first, _ = asyncio.run(conversation_load.run_level(
                    variant.urls(), 1, 1, 60.0, time.monotonic() + 600))
                variant.first_turns_s = first[0].latencies[:3]
                print(f"{variant.name}: first customer's first turns "
                      + ", ".join(f"{s * 1000:.0f} ms" for s in variant.first_turns_s))
            for level in levels:
                for variant in (tuned, default):
                    ok &= measure(variant, level, args.rounds)
            ratios(tuned, default, levels)
        finally:
            for variant in (tuned, default):
                stack.stop_all(variant.running)
    if not ok:
        print("some conversations did not end with their registration saved once",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
