"""Choose the FallbackClassifier threshold from measurements.

    .venv/bin/python tests/nlu/fallback_threshold.py MODEL.tar.gz

For each candidate threshold: intent accuracy on the test set as it would be served
(best intent kept only when its confidence >= threshold), how many of the classifier's
wrong answers the fallback would catch, and how many probe messages
(fallback_probes.txt: gibberish and unrelated topics) would get a confident SOP intent
(neither out_of_scope nor fallback). "Kept" follows FallbackClassifier: confidence >=
threshold and a margin over the second intent >= ambiguity_threshold (0.1). The threshold in config.yml is the one chosen here;
see docs/nlu-pipeline.md.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from nlu_eval import FALLBACK, evaluate, load_agent, load_examples  # noqa: E402

THRESHOLDS = (0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)
AMBIGUITY = 0.1  # FallbackClassifier's ambiguity_threshold (Rasa's default, kept)
HARMLESS = {"out_of_scope", FALLBACK}


def probes() -> list[str]:
    lines = (HERE / "fallback_probes.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def best_non_fallback(parsed: dict) -> tuple[str, float, float]:
    ranking = [r for r in parsed["intent_ranking"] if r["name"] != FALLBACK]
    second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
    return ranking[0]["name"], float(ranking[0]["confidence"]), ranking[0]["confidence"] - second


def kept(confidence: float, margin: float, threshold: float) -> bool:
    """Whether FallbackClassifier lets the intent through."""
    return confidence >= threshold and margin >= AMBIGUITY


def main(model: str) -> int:
    agent = load_agent(Path(model))
    report = evaluate(agent, load_examples())

    async def parse_probes():
        return [best_non_fallback(await agent.parse_message(t)) for t in probes()]

    probe_results = asyncio.run(parse_probes())
    n = report.n
    wrong = [r for r in report.results if r.best_intent != r.expected]
    print(f"test set {n} messages, classifier wrong on {len(wrong)}; {len(probe_results)} probes")
    print("| threshold | served accuracy | wrong answers caught | correct answers lost "
          "| probes with a confident SOP intent |")
    print("|---|---|---|---|---|")
    for t in THRESHOLDS:
        served = sum(r.best_intent == r.expected and kept(r.confidence, r.margin, t)
                     for r in report.results)
        caught = sum(not kept(r.confidence, r.margin, t) for r in wrong)
        lost = sum(r.best_intent == r.expected and not kept(r.confidence, r.margin, t)
                   for r in report.results)
        leaked = sum(name not in HARMLESS and kept(conf, margin, t)
                     for name, conf, margin in probe_results)
        print(f"| {t:.2f} | {served / n:.3f} | {caught}/{len(wrong)} | {lost} "
              f"| {leaked}/{len(probe_results)} |")
    print("probes:")
    for text, (name, conf, _) in zip(probes(), probe_results, strict=True):
        print(f"  {text!r}: {name} {conf:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
