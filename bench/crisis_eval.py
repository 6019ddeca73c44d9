"""Crisis detection recall / false-positive rate per file and language, plus per-message latency.

Input: JSONL lines with ``text``, ``label`` (crisis|none), ``lang`` and optional ``level``.
A text counts as flagged when the engine's crisis level is medium or above (``escalate``).

    .venv/bin/python bench/crisis_eval.py bench/data/crisis_heldout.jsonl [--show-errors] [--json] [--patterns-only] [--semantic]

By default the engine is measured as it ships: curated patterns plus the learned stage.
``--patterns-only`` leaves the learned stage out, and ``--semantic`` adds the opt-in sentence-encoder
stage with its trained head (``--prototypes-only`` for the head-less rule), for before/after
comparisons. With ``--semantic`` the latency is also reported over the messages on which the
semantic stage actually ran (the cascade skips the rest).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from infrafabric.server.emotion.engine import CrisisDetector, EmotionEngine  # noqa: E402


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--show-errors", action="store_true", help="print missed crises and false alarms")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object with all numbers")
    parser.add_argument("--repeats", type=int, default=5,
                        help="time each message this many times (cold cache each time); the per-message "
                             "median filters out scheduler noise on a shared machine, the max is reported too")
    parser.add_argument("--patterns-only", action="store_true", help="the curated patterns without the learned stage (crisis_model.py)")
    parser.add_argument("--semantic", action="store_true", help="patterns + semantic stage (crisis_semantic.py)")
    parser.add_argument("--prototypes-only", action="store_true",
                        help="with --semantic: decide by prototype similarity, without the trained head (the old rule)")
    parser.add_argument("--semantic-threshold", type=float, default=None,
                        help="override the prototype rule's threshold (the head's own threshold: --head-threshold)")
    parser.add_argument("--head-threshold", type=float, default=None, help="override the trained head's threshold")
    parser.add_argument("--semantic-margin", type=float, default=None, help="override the stage's margin")
    args = parser.parse_args()

    engine = EmotionEngine.load()
    semantic_calls = [0]
    if args.patterns_only or args.semantic:
        stage = None
        if args.semantic:
            from infrafabric.server.emotion.engine.crisis_semantic import SemanticCrisisStage

            stage = SemanticCrisisStage() if args.prototypes_only else SemanticCrisisStage.shipped()
            if args.semantic_threshold is not None:
                stage.threshold = args.semantic_threshold
            if args.semantic_margin is not None:
                stage.margin = args.semantic_margin
            if args.head_threshold is not None and stage.head is not None:
                from dataclasses import replace

                stage.head = replace(stage.head, threshold=args.head_threshold)
            stage.assess("warm up the encoder before timing")  # the one-off model load is not a per-message cost
            inner = stage.assess

            def counted(text: str):  # type: ignore[no-untyped-def]
                semantic_calls[0] += 1
                return inner(text)

            stage.assess = counted  # type: ignore[method-assign]
        engine._crisis = CrisisDetector(learned=not args.patterns_only, semantic=args.semantic, semantic_stage=stage)  # benchmark-only swap
    report: dict[str, dict] = {}
    for path in args.files:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        per_lang: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
        latencies: list[float] = []
        worst: list[float] = []
        ran_semantic: list[float] = []
        for row in rows:
            calls_before = semantic_calls[0]
            runs = []
            for _ in range(max(1, args.repeats)):
                engine.clear_caches()  # measure cold, not cached, texts
                started = time.perf_counter()
                analysis = engine.analyze(row["text"])
                runs.append((time.perf_counter() - started) * 1000)
            latencies.append(sorted(runs)[len(runs) // 2])
            worst.append(max(runs))
            if semantic_calls[0] > calls_before:
                ran_semantic.append(latencies[-1])
            flagged = analysis.crisis.escalate
            gold = row["label"] == "crisis"
            key = ("tp" if flagged else "fn") if gold else ("fp" if flagged else "tn")
            per_lang[row.get("lang", "?")][key] += 1
            per_lang["ALL"][key] += 1
            if args.show_errors and key in ("fn", "fp"):
                print(f"  {key.upper()} [{row.get('lang')}] level={analysis.crisis.level} {row['text']!r} "
                      f"{[(s.type, s.matched_text, s.qualifier) for s in analysis.crisis.signals]}")
        file_report = {}
        for lang, c in sorted(per_lang.items()):
            positives, negatives = c["tp"] + c["fn"], c["fp"] + c["tn"]
            file_report[lang] = {
                "crisis": positives, "none": negatives,
                "recall": round(c["tp"] / positives, 4) if positives else None,
                "fpr": round(c["fp"] / negatives, 4) if negatives else None,
            }
            print(f"{path} [{lang:3}] crisis={positives:3d} recall={file_report[lang]['recall']}  "
                  f"none={negatives:3d} fpr={file_report[lang]['fpr']}")
        file_report["latency_ms"] = {
            "p50": round(_p(latencies, 0.5), 3), "p99": round(_p(latencies, 0.99), 3),
            "p99_worst_run": round(_p(worst, 0.99), 3),
        }
        print(f"{path} latency per message (full analyze incl. crisis, cold cache, median of {args.repeats}): "
              f"p50={file_report['latency_ms']['p50']} ms p99={file_report['latency_ms']['p99']} ms "
              f"(p99 of worst runs {file_report['latency_ms']['p99_worst_run']} ms)")
        if args.semantic:
            file_report["semantic_ran"] = {
                "messages": len(ran_semantic), "of": len(rows),
                "p50": round(_p(ran_semantic, 0.5), 3), "p99": round(_p(ran_semantic, 0.99), 3),
            }
            print(f"{path} semantic stage ran on {len(ran_semantic)}/{len(rows)} messages: "
                  f"p50={file_report['semantic_ran']['p50']} ms p99={file_report['semantic_ran']['p99']} ms")
        report[str(path)] = file_report
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
