"""NLU parse latency through the Rasa HTTP API (POST /model/parse).

Starts `rasa run --enable-api` with the trained model on a free loopback port (no
action server, tracker store or channels: an empty endpoints file), sends a bounded
number of parse requests (the NLU test set's messages, cycled), prints p50/p95/max, and
stops the server. Measures the whole HTTP round trip as a client sees it.

    .venv/bin/python benchmarks/nlu_latency.py [--model models/pln123.tar.gz] [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
TEST_SET = REPO / "tests" / "nlu" / "test_set.yml"
MAX_REQUESTS = 2000
START_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def messages() -> list[str]:
    """Plain texts of the test set (entity annotations removed)."""
    import re

    texts = []
    for block in yaml.safe_load(TEST_SET.read_text(encoding="utf-8"))["nlu"]:
        for line in block.get("examples", "").splitlines():
            if line.startswith("- "):
                texts.append(re.sub(r"\[([^\]]+)\]\{[^}]*\}", r"\1", line[2:]))
    return texts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "models" / "pln123.tar.gz"))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    model = Path(args.model)
    if not model.is_file():
        print(f"model not found: {model} (make train)", file=sys.stderr)
        return 2
    total = max(1, min(args.requests, MAX_REQUESTS))
    port = free_port()
    rasa = Path(sys.executable).parent / "rasa"
    with tempfile.TemporaryDirectory() as tmp:
        endpoints = Path(tmp) / "endpoints.yml"
        endpoints.write_text("{}\n")
        log = open(Path(tmp) / "rasa.log", "w")
        started = time.perf_counter()
        server = subprocess.Popen(
            [str(rasa), "run", "--enable-api", "-m", str(model), "-i", "127.0.0.1",
             "-p", str(port), "--endpoints", str(endpoints)],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                while True:
                    if server.poll() is not None:
                        log.flush()
                        print((Path(tmp) / "rasa.log").read_text()[-3000:], file=sys.stderr)
                        print("rasa server exited before it was ready", file=sys.stderr)
                        return 1
                    try:
                        if client.get("/status").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.perf_counter() - started > START_TIMEOUT_S:
                        print("rasa server not ready in time", file=sys.stderr)
                        return 1
                    time.sleep(0.5)
                ready_s = time.perf_counter() - started
                texts = messages()
                for text in texts[: args.warmup]:
                    client.post("/model/parse", json={"text": text}).raise_for_status()
                latencies = []
                for i in range(total):
                    text = texts[i % len(texts)]
                    t0 = time.perf_counter()
                    response = client.post("/model/parse", json={"text": text})
                    latencies.append((time.perf_counter() - t0) * 1000)
                    response.raise_for_status()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
    print(f"model: {model}")
    print(f"server ready after {ready_s:.1f} s")
    print(f"POST /model/parse, {total} requests, sequential, loopback:")
    print(f"  p50 {statistics.median(latencies):.1f} ms  p95 {percentile(latencies, 0.95):.1f} ms"
          f"  max {max(latencies):.1f} ms  mean {statistics.fmean(latencies):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
