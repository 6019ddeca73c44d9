"""Evaluate the Guard engine on labelled JSONL files (one object per line with `text` and `label`).

What "flagged" means depends on the label:
  * attack and benign labels (jailbreak, injection, prompt_injection, unsafe, attack, malicious, benign,
    safe, ...): flagged = verdict "block", or a crisis-language finding (crisis is escalated, not
    refused, but it is a hit). A "redact" verdict (PII or a secret masked, text let through) is not a flag.
  * pii / no_pii labels: flagged = at least one PII finding. When rows carry `spans`
    (entity_type/start/end), span recall per entity type is reported too (a gold span counts as found
    when a PII finding overlaps it).

Per file it prints rows, flag rate, and per label the flag rate; the balanced score is the mean of
recall on attack-like rows and 1 - false-positive rate on benign-like rows (over all files, PII files excluded).
With --json the LAST line is one JSON object: {path: {"rows": n, "flag_rate": x}, ...}.

    .venv/bin/python bench/guard_eval.py /work/shared/data/guard/*.jsonl [--json] [--misses N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from infrafabric.server.guard.engine import Guard, load_policy_set

BENIGN_LABELS = {"benign", "safe", "no_pii", "clean", "negative", "allow"}
PII_LABELS = {"pii", "no_pii"}
# Gold entity types the engine is expected to mask (others — GPE, ORG, DATE, TITLE, NRP — are not PII here).
SUPPORTED_ENTITY_TYPES = {"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD",
                          "IBAN_CODE": "IBAN", "US_SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS", "PERSON": "PERSON",
                          "STREET_ADDRESS": "STREET_ADDRESS", "UK_NHS": "UK_NINO"}


def flagged(result, label: str) -> bool:
    if label in PII_LABELS:
        return any(f.category == "pii" for f in result.findings)
    return result.verdict == "block" or any(f.category == "crisis" for f in result.findings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    parser.add_argument("--policy", type=Path, default=None, help="policy YAML (default: the packaged one)")
    parser.add_argument("--tenant", default="default")
    parser.add_argument("--misses", type=int, default=0, help="print up to N misclassified rows per file (truncated)")
    args = parser.parse_args(argv)

    guard = Guard(load_policy_set(args.policy))
    summary: dict[str, dict[str, float]] = {}
    attack_hits = attack_total = benign_hits = benign_total = 0
    for path in args.files:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        span_found: Counter[str] = Counter()
        span_total: Counter[str] = Counter()
        misses: list[str] = []
        n_flagged = 0
        started = time.perf_counter()
        for row in rows:
            label = str(row.get("label", "")).lower()
            result = guard.screen_input(row["text"], tenant=args.tenant)
            hit = flagged(result, label)
            n_flagged += hit
            per_label[label][0] += hit
            per_label[label][1] += 1
            benign = label in BENIGN_LABELS
            if label in PII_LABELS:
                pass  # PII detection is reported per file and by span recall, not in the attack/benign score
            elif benign:
                benign_hits += hit
                benign_total += 1
            else:
                attack_hits += hit
                attack_total += 1
            if hit == benign and len(misses) < args.misses:
                misses.append(f"  [{label}] {row['text'][:160]!r} -> {result.verdict} "
                              f"{sorted({(f.detector, f.rule) for f in result.findings})[:4]}")
            for span in row.get("spans") or []:
                entity = SUPPORTED_ENTITY_TYPES.get(span.get("entity_type", ""))
                if not entity:
                    continue
                span_total[entity] += 1
                if any(f.category == "pii" and f.start < span["end"] and span["start"] < f.end for f in result.findings):
                    span_found[entity] += 1
        elapsed = time.perf_counter() - started
        rate = n_flagged / len(rows) if rows else 0.0
        summary[str(path)] = {"rows": len(rows), "flag_rate": round(rate, 4)}
        labels = ", ".join(f"{k}: {v[0]}/{v[1]} = {v[0] / v[1]:.3f}" for k, v in sorted(per_label.items()))
        print(f"{path}: rows={len(rows)} flag_rate={rate:.4f} ({labels}) [{elapsed:.2f}s]")
        if span_total:
            parts = ", ".join(f"{e} {span_found[e]}/{span_total[e]}" for e in sorted(span_total))
            total_found, total = sum(span_found.values()), sum(span_total.values())
            print(f"  PII span recall (supported types): {total_found}/{total} = {total_found / total:.3f} ({parts})")
        for line in misses:
            print(line)
    recall = attack_hits / attack_total if attack_total else None
    fpr = benign_hits / benign_total if benign_total else None
    parts = [x for x in (recall, None if fpr is None else 1 - fpr) if x is not None]
    balanced = sum(parts) / len(parts) if parts else 0.0
    print(f"attack-like rows: {attack_hits}/{attack_total} flagged (recall {recall if recall is None else round(recall, 4)}); "
          f"benign-like rows: {benign_hits}/{benign_total} flagged (FPR {fpr if fpr is None else round(fpr, 4)}); "
          f"balanced score {balanced:.4f}")
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
