"""Emotion accuracy and macro-F1 on Ekman labels (+ neutral) for labelled JSONL files.

Each line has ``text`` and ``labels`` (GoEmotions-27 names or Ekman names; fine labels are mapped
to Ekman groups). The prediction is the engine's top Ekman class. Accuracy counts a hit when the
prediction is in the gold set; for macro-F1 each row's gold is the predicted label when it is in the
gold set, else the row's first gold label (standard single-label F1 over the 7 classes).

    .venv/bin/python bench/emotion_eval.py /work/shared/data/emotion/goemotions_ekman_dev.jsonl --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from infrafabric.server.emotion.engine import EKMAN, EmotionEngine  # noqa: E402

FINE_TO_EKMAN = {
    **{x: "anger" for x in ("anger", "annoyance", "disapproval")},
    "disgust": "disgust",
    **{x: "fear" for x in ("fear", "nervousness")},
    **{x: "joy" for x in ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
                          "relief", "pride", "admiration", "desire", "caring")},
    **{x: "sadness" for x in ("sadness", "disappointment", "embarrassment", "grief", "remorse")},
    **{x: "surprise" for x in ("surprise", "realization", "confusion", "curiosity")},
    "neutral": "neutral",
}


def macro_f1(gold: list[str], pred: list[str], labels: tuple[str, ...]) -> float:
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred))
        fp = sum(g != label and p == label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="last line: {path: {rows, accuracy, macro_f1}}")
    parser.add_argument("--limit", type=int, default=0, help="only the first N rows of each file")
    args = parser.parse_args()

    engine = EmotionEngine.load()
    results: dict[str, dict[str, float]] = {}
    for path in args.files:
        gold_sets, preds = [], []
        started = time.perf_counter()
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if args.limit and n >= args.limit:
                    break
                if not line.strip():
                    continue
                row = json.loads(line)
                gold = {FINE_TO_EKMAN[label] for label in row["labels"] if label in FINE_TO_EKMAN}
                if not gold or not row["text"].strip():
                    continue
                analysis = engine.analyze(row["text"][:20_000])
                preds.append(max(analysis.ekman, key=analysis.ekman.get))
                gold_sets.append(gold)
        elapsed = time.perf_counter() - started
        single_gold = [p if p in g else sorted(g)[0] if len(g) > 1 else next(iter(g)) for p, g in zip(preds, gold_sets)]
        accuracy = sum(p in g for p, g in zip(preds, gold_sets)) / len(preds) if preds else 0.0
        f1 = macro_f1(single_gold, preds, EKMAN)
        results[str(path)] = {"rows": len(preds), "accuracy": round(accuracy, 4), "macro_f1": round(f1, 4)}
        print(f"{path}: rows={len(preds)} accuracy={accuracy:.4f} macro_f1={f1:.4f} "
              f"({1000 * elapsed / max(1, len(preds)):.2f} ms/row)")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
