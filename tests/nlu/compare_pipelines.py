"""Train and evaluate NLU pipeline variants on tests/nlu/test_set.yml, one at a time.

    .venv/bin/python tests/nlu/compare_pipelines.py [variant ...] [--out /tmp/nlu-models]

Each variant is config.yml with its pipeline replaced; trained with `rasa train nlu`
to --out (never into models/), timed, then evaluated in a separate process
(tests/nlu/nlu_eval.py). Prints one table row per variant; results in <out>/<name>.json.
Not a test: the figures go to docs/nlu-pipeline.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent

COMMON_HEAD = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
]
TAIL = [
    {"name": "bot.nlu.extractor.PlnEntityExtractor"},
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.5},
]


def diet(epochs: int, **extra) -> dict:
    return {"name": "DIETClassifier", "epochs": epochs, "constrain_similarities": True,
            "entity_recognition": False, **extra}


VARIANTS = {
    "diet100": COMMON_HEAD + [diet(100)] + TAIL,
    "diet40": COMMON_HEAD + [diet(40)] + TAIL,
    "logreg": COMMON_HEAD + [{"name": "LogisticRegressionClassifier"}] + TAIL,
    "diet40_notransformer": COMMON_HEAD + [diet(40, number_of_transformer_layers=0)] + TAIL,
}


def run(name: str, out: Path) -> dict:
    config = yaml.safe_load((REPO / "config.yml").read_text())
    config["pipeline"] = copy.deepcopy(VARIANTS[name])
    cfg = out / f"config-{name}.yml"
    cfg.write_text(yaml.safe_dump(config, sort_keys=False))
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "rasa"), "train", "nlu", "-c", str(cfg), "--nlu", "data",
         "--out", str(out), "--fixed-model-name", name],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    train_s = time.perf_counter() - started
    result_file = out / f"{name}.json"
    subprocess.run(
        [sys.executable, str(HERE / "nlu_eval.py"), str(out / f"{name}.tar.gz"),
         "--json", str(result_file)],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = json.loads(result_file.read_text())
    result["train_s"] = train_s
    result_file.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--out", default="/tmp/nlu-models")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("| variant | intent acc (served) | intent acc (best) | entity F1 | train s "
          "| parse p50 ms | parse p95 ms |", flush=True)
    for name in args.variants:
        r = run(name, out)
        print(f"| {name} | {r['intent_accuracy']:.3f} | {r['classifier_accuracy']:.3f} "
              f"| {r['entity_f1']:.3f} | {r['train_s']:.0f} | {r['parse_ms_p50']:.1f} "
              f"| {r['parse_ms_p95']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
