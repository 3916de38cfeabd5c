"""Evaluate a trained Rasa model on the NLU test set (tests/nlu/test_set.yml).

Used by test_nlu_quality.py and, as a script, for the pipeline comparison in
docs/nlu-pipeline.md:

    .venv/bin/python tests/nlu/nlu_eval.py models/pln123.tar.gz [--json out.json]

Intent accuracy counts a message as right only when the served intent (after the
FallbackClassifier) is the expected one; "classifier accuracy" looks at the best
non-fallback intent. Entity F1: micro-averaged over (entity type, normalised value)
pairs, compared as strings, multiset per message (spans are not compared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TEST_SET = HERE / "test_set.yml"
# $PLN_MODEL (as the launcher uses it) overrides the default, relative to the repository.
DEFAULT_MODEL = REPO / os.environ.get("PLN_MODEL", "models/pln123.tar.gz")
FALLBACK = "nlu_fallback"


@dataclass
class Example:
    text: str
    intent: str
    entities: list[tuple[str, str]]


@dataclass
class Result:
    text: str
    expected: str
    predicted: str             # as served (may be nlu_fallback)
    best_intent: str           # best non-fallback intent
    confidence: float          # confidence of best_intent
    margin: float              # best_intent's confidence minus the next intent's
    expected_entities: list[tuple[str, str]]
    predicted_entities: list[tuple[str, str]]
    parse_ms: float


@dataclass
class Report:
    n: int
    intent_accuracy: float
    classifier_accuracy: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    parse_ms_p50: float
    parse_ms_p95: float
    results: list[Result] = field(repr=False, default_factory=list)

    def misclassified(self) -> list[Result]:
        return [r for r in self.results if r.predicted != r.expected]

    def entity_errors(self) -> list[Result]:
        return [r for r in self.results
                if Counter(r.expected_entities) != Counter(r.predicted_entities)]

    def summary(self) -> str:
        lines = [
            f"messages: {self.n}",
            f"intent accuracy (served, fallback counts as wrong): {self.intent_accuracy:.3f}",
            f"intent accuracy (best non-fallback intent): {self.classifier_accuracy:.3f}",
            f"entity P/R/F1 (type+value, micro): {self.entity_precision:.3f} / "
            f"{self.entity_recall:.3f} / {self.entity_f1:.3f}",
            f"parse time in-process: p50 {self.parse_ms_p50:.1f} ms, p95 {self.parse_ms_p95:.1f} ms",
        ]
        wrong = self.misclassified()
        lines.append(f"misclassified ({len(wrong)}):")
        lines += [f"  {r.text!r}: expected {r.expected}, got {r.predicted} "
                  f"(best {r.best_intent} {r.confidence:.2f})" for r in wrong]
        errors = self.entity_errors()
        lines.append(f"entity mismatches ({len(errors)}):")
        lines += [f"  {r.text!r}: expected {sorted(r.expected_entities)}, "
                  f"got {sorted(r.predicted_entities)}" for r in errors]
        return "\n".join(lines)


def load_examples(path: Path = TEST_SET) -> list[Example]:
    """The test set's messages, read with Rasa's own YAML reader (entity values normalised
    by the annotation's "value")."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(str(path))
    return [
        Example(
            text=m.get("text"),
            intent=m.get("intent"),
            entities=[(e["entity"], str(e["value"])) for e in m.get("entities") or []],
        )
        for m in data.intent_examples
    ]


def normalise_sentence(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def evaluate(agent, examples: list[Example]) -> Report:
    """Parse every example with ``agent`` (rasa.core.agent.Agent) in-process."""
    async def parse_all():
        out = []
        for ex in examples:
            started = time.perf_counter()
            parsed = await agent.parse_message(ex.text)
            out.append((ex, parsed, (time.perf_counter() - started) * 1000))
        return out

    results = []
    for ex, parsed, ms in asyncio.run(parse_all()):
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
        best = ranking[0] if ranking else {"name": None, "confidence": 0.0}
        second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
        results.append(Result(
            text=ex.text,
            expected=ex.intent,
            predicted=(parsed.get("intent") or {}).get("name"),
            best_intent=best["name"],
            confidence=float(best["confidence"]),
            margin=float(best["confidence"]) - second,
            expected_entities=ex.entities,
            predicted_entities=[(e["entity"], str(e["value"]))
                                for e in parsed.get("entities", [])],
            parse_ms=ms,
        ))
    true_positive = expected_total = predicted_total = 0
    for r in results:
        expected, predicted = Counter(r.expected_entities), Counter(r.predicted_entities)
        true_positive += sum((expected & predicted).values())
        expected_total += sum(expected.values())
        predicted_total += sum(predicted.values())
    precision = true_positive / predicted_total if predicted_total else 1.0
    recall = true_positive / expected_total if expected_total else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    times = [r.parse_ms for r in results]
    n = len(results)
    return Report(
        n=n,
        intent_accuracy=sum(r.predicted == r.expected for r in results) / n,
        classifier_accuracy=sum(r.best_intent == r.expected for r in results) / n,
        entity_precision=precision,
        entity_recall=recall,
        entity_f1=f1,
        parse_ms_p50=statistics.median(times),
        parse_ms_p95=_percentile(times, 0.95),
        results=results,
    )


def quiet_rasa_logs() -> None:
    """Rasa logs every parse at DEBUG; keep the figures readable."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    for name in ("rasa", "bot", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)


def load_agent(model: Path):
    from rasa.core.agent import Agent

    quiet_rasa_logs()
    return Agent.load(str(model))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(DEFAULT_MODEL))
    parser.add_argument("--json", help="write the figures and per-message results here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    agent = load_agent(Path(args.model))
    load_s = time.perf_counter() - started
    report = evaluate(agent, load_examples())
    print(report.summary())
    print(f"model load: {load_s:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {**{k: v for k, v in asdict(report).items() if k != "results"},
             "model_load_s": load_s,
             "results": [asdict(r) for r in report.results]},
            ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
