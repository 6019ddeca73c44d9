"""Train the Guard's learned council voice and measure, honestly, how well it generalises.

The model (``engine/classifier.py``) is a multinomial logistic regression over hashed character
3-5-grams and word 1-2-grams of the normalised text; this script fits it with scikit-learn and
ships only weights (``engine/data/attack_model.npz``: touched hash buckets, float16), never text.

Training rows: the project's own examples (``bench/data/guard_train_own.jsonl``), ordinary Reddit
comments as extra benign rows (GoEmotions *train*, a sample), and the labelled dev sets given as
arguments (labels jailbreak / injection / unsafe / benign; PII rows count as benign).

Measurement is grouped k-fold cross-validation over the dev rows plus the GoEmotions sample:
near-duplicates (word 5-gram shingle Jaccard >= 0.5, the same first 60 characters, the same
injected attack string) are kept in one group so a family of templates never sits on both sides
of a split. Each fold's model is scored on the rows it never saw, through the real engine's
council (the same findings, the same ``_decide``), and the operating threshold is the lowest
P(attack) at which the voice adds no out-of-fold false positive (benign dev rows, Reddit comments;
<= 1% of PII texts), plus a margin. The final model is fit on everything with that threshold, then
checked on GoEmotions *dev* (never trained on) and the held-out own examples.

    .venv/bin/python scripts/train_guard_classifier.py /work/shared/data/guard/*.jsonl \
        --negatives /work/shared/data/emotion/goemotions_original_train.jsonl \
        --check-negatives /work/shared/data/emotion/goemotions_original_dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from infrafabric.server.guard.engine import Guard
from infrafabric.server.guard.engine import guard as guard_module
from infrafabric.server.guard.engine.classifier import CLASSES, AttackClassifier, ClassifierHit, featurize, windows
from infrafabric.server.guard.engine.normalize import normalize
from infrafabric.server.guard.engine.types import Finding

ROOT = Path(__file__).resolve().parents[1]
MODEL_PATH = ROOT / "server/infrafabric/server/guard/engine/data/attack_model.npz"
LABEL_TO_CLASS = {"jailbreak": "jailbreak", "injection": "prompt_injection", "prompt_injection": "prompt_injection",
                  "unsafe": "unsafe", "benign": "benign", "pii": "benign", "no_pii": "benign", "safe": "benign"}
SEMANTIC = {"jailbreak": "semantic_jailbreak", "prompt_injection": "semantic_injection", "unsafe": "semantic_unsafe"}


# ----------------------------------------------------------------------------- data
def read_rows(path: Path, source: str) -> list[dict[str, Any]]:
    rows = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        row = json.loads(line)
        label = LABEL_TO_CLASS.get(str(row.get("label", "")).lower())
        if label is None or not str(row.get("text", "")).strip():
            continue
        rows.append({"text": row["text"], "cls": label, "source": source, "attack": row.get("attack") or ""})
        attack = row.get("attack") or ""
        if label == "prompt_injection" and attack and attack in row["text"]:
            # The same e-mail without its injected instruction is a benign contrast: it teaches the model
            # that the instruction is the signal, not the e-mail's format. Same group as its parent.
            clean = row["text"].replace(attack, "").strip()
            if clean:
                rows.append({"text": clean, "cls": "benign", "source": source + "_cleaned", "attack": attack})
    return rows


def read_negatives(path: Path, n: int, seed: int, source: str) -> list[dict[str, Any]]:
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    texts = [t for t in texts if t.strip()]
    random.Random(seed).shuffle(texts)
    return [{"text": t, "cls": "benign", "source": source, "attack": ""} for t in texts[:n]]


# ----------------------------------------------------------------------------- features
def matrix(texts: list[str], bits: int) -> sparse.csr_matrix:
    """Rows as the classifier sees one window: binary features scaled to unit L2 norm."""
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for text in texts:
        index, _ = featurize(text, bits)
        indices.append(index)
        data.append(np.full(len(index), 1.0 / np.sqrt(max(1, len(index))), dtype=np.float32))
        indptr.append(indptr[-1] + len(index))
    x = sparse.csr_matrix((np.concatenate(data), np.concatenate(indices), np.asarray(indptr)), shape=(len(texts), 1 << bits))
    x.sum_duplicates()
    nnz = np.diff(x.indptr)
    x.data = np.repeat(1.0 / np.sqrt(np.maximum(nnz, 1)), nnz).astype(np.float32)
    return x


def training_windows(rows: list[dict[str, Any]]) -> tuple[list[str], list[int], list[float]]:
    """Long texts become one sample per window (as scored at run time), each carrying 1/windows of the row's weight."""
    texts, labels, weights = [], [], []
    for row in rows:
        norm = row["norm"]
        spans = windows(len(norm))
        for start, end in spans:
            texts.append(norm[start:end])
            labels.append(CLASSES.index(row["cls"]))
            weights.append(row.get("weight", 1.0) / len(spans))
    return texts, labels, weights


def fit(rows: list[dict[str, Any]], bits: int, c: float) -> AttackClassifier:
    texts, labels, weights = training_windows(rows)
    y = np.asarray(labels)
    w = np.asarray(weights)
    # Balance the classes: each class carries the same total weight.
    for k in range(len(CLASSES)):
        mask = y == k
        if mask.any():
            w[mask] *= len(y) / (len(CLASSES) * w[mask].sum())
    model = LogisticRegression(C=c, max_iter=400, tol=1e-4)
    model.fit(matrix(texts, bits), y, sample_weight=w)
    coef = np.zeros((len(CLASSES), 1 << bits), dtype=np.float32)
    coef[model.classes_] = model.coef_
    bias = np.zeros(len(CLASSES), dtype=np.float32)
    bias[model.classes_] = model.intercept_
    absent = [k for k in range(len(CLASSES)) if k not in model.classes_]
    bias[absent] = -30.0
    return AttackClassifier(coef.T.copy(), bias, bits, {c: 0.5 for c in CLASSES[1:]})


# ----------------------------------------------------------------------------- grouping
def groups_of(rows: list[dict[str, Any]]) -> np.ndarray:
    """Union-find over near-duplicates: shingle Jaccard >= 0.5, same first 60 chars, same injected attack."""
    n = len(rows)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[b] = a

    by_key: dict[str, int] = {}
    for i, row in enumerate(rows):
        for key in (" ".join(row["norm"].split())[:60], row["attack"] and "attack:" + row["attack"]):
            if not key:
                continue
            if key in by_key:
                union(by_key[key], i)
            else:
                by_key[key] = i
    shingle_rows, shingle_cols = [], []
    for i, row in enumerate(rows):
        words = row["norm"].split()
        shingles = {hash(tuple(words[k:k + 5])) & 0xFFFFFFF for k in range(max(1, len(words) - 4))}
        shingle_rows.extend([i] * len(shingles))
        shingle_cols.extend(shingles)
    x = sparse.csr_matrix((np.ones(len(shingle_rows), dtype=np.float32), (shingle_rows, shingle_cols)), shape=(n, 1 << 28))
    x.data[:] = 1.0
    sizes = np.asarray(x.sum(axis=1)).ravel()
    inter = (x @ x.T).tocoo()
    for i, j, v in zip(inter.row, inter.col, inter.data):
        if i < j and v / (sizes[i] + sizes[j] - v) >= 0.5:
            union(int(i), int(j))
    roots = {}
    return np.asarray([roots.setdefault(find(i), len(roots)) for i in range(n)])


# ----------------------------------------------------------------------------- the council
class _FixedVoice(AttackClassifier):
    """Stands in for the model inside a Guard: answers from precomputed hits (out-of-fold)."""

    def __init__(self, hits: dict[str, ClassifierHit | None], thresholds: dict[str, float]) -> None:
        self.hits = hits
        self.thresholds = thresholds

    def score(self, text: str) -> ClassifierHit | None:
        return self.hits.get(text)


def council(guard: Guard, rows: list[dict[str, Any]], hits: list[ClassifierHit | None],
            thresholds: dict[str, float] | None) -> list[bool]:
    """Flag (block, or crisis finding, as bench/guard_eval.py counts) per row with the voice at ``thresholds`` (None: the engine without the voice).

    The engine's other findings are computed once per row (``row['base']``); the voice's finding is
    added and the council decides again, exactly as ``Guard.screen_input`` would.
    """
    policy = guard.effective_policy("default")
    voice = _FixedVoice({}, thresholds or {})
    out = []
    for row, hit in zip(rows, hits):
        findings = list(row["base"])
        if thresholds is not None and hit is not None:
            score = voice.council_score(hit.probability, hit.category)
            detector = SEMANTIC[hit.category]
            spec = policy.detector(detector)
            if spec.enabled and score >= 0.05:
                findings.append(Finding(hit.category, detector, round(score, 4), "text", 0, 0, 1, "learned", rule=f"sem.{hit.category}"))
        result = guard._decide(row["text"], findings, policy, [], False)
        out.append(result.verdict == "block" or any(f.category == "crisis" for f in result.findings))
    return out


def base_findings(guard: Guard, rows: list[dict[str, Any]]) -> None:
    real = guard._classifier
    guard._classifier = _FixedVoice({}, {})  # no semantic finding: the engine as it was
    try:
        for row in rows:
            row["base"] = tuple(f for f in guard.screen_input(row["text"]).findings)
    finally:
        guard._classifier = real


def rates(rows: list[dict[str, Any]], flags: list[bool]) -> dict[str, dict[str, Any]]:
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row, flag in zip(rows, flags):
        key = f"{row['source']}:{row['cls']}"
        table[key][0] += flag
        table[key][1] += 1
    return {k: {"flagged": v[0], "rows": v[1], "rate": round(v[0] / v[1], 4)} for k, v in sorted(table.items())}


def choose_thresholds(rows: list[dict[str, Any]], hits: list[ClassifierHit | None], guard: Guard,
                      unsafe_head: bool, margin: float) -> tuple[dict[str, float], list[bool]]:
    """Per predicted category, the lowest P(attack) at which the voice adds no out-of-fold false positive, plus a margin.

    "No added false positive": the council with the voice flags no more benign dev rows and no more
    Reddit comments than the engine alone, and at most 1% of the PII texts. The margin (P(attack)
    +0.05 by default) is there because the model is over-confident on benign text unlike anything
    it was trained on (a Spanish "kill a process" question, a plain invoice e-mail scored 0.77-0.87).
    Jailbreak and injection share one threshold (found with the unsafe head off); the unsafe head,
    whose contrast set is hardest, gets its own, found with the first one fixed.
    """
    benign_dev = [i for i, r in enumerate(rows) if r["cls"] == "benign" and r["source"] in DEV_BENIGN]
    reddit = [i for i, r in enumerate(rows) if r["source"] == "goemotions_train"]
    pii = [i for i, r in enumerate(rows) if r["source"] == "presidio_synth_pii"]
    grid = [round(float(x), 3) for x in np.arange(0.30, 0.995, 0.01)] + [0.995, 1.0]

    alone = council(guard, rows, hits, None)
    count = lambda flags, idx: sum(flags[i] for i in idx)  # noqa: E731

    def ok(flags: list[bool], label: str) -> bool:
        print(f"  {label}: flagged benign dev {count(flags, benign_dev)}/{len(benign_dev)}, reddit "
              f"{count(flags, reddit)}/{len(reddit)}, pii {count(flags, pii)}/{len(pii)}")
        return (count(flags, benign_dev) <= count(alone, benign_dev) and count(flags, reddit) <= count(alone, reddit)
                and count(flags, pii) <= 0.01 * len(pii))

    chosen = {"jailbreak": 1.0, "prompt_injection": 1.0, "unsafe": 1.0}
    for t in grid:
        trial = dict(chosen, jailbreak=t, prompt_injection=t)
        if ok(council(guard, rows, hits, trial), f"jailbreak/injection {t:.3f}"):
            t = min(0.99, round(t + margin, 3))
            chosen = dict(chosen, jailbreak=t, prompt_injection=t)
            break
    for t in grid if unsafe_head else []:
        trial = dict(chosen, unsafe=t)
        if ok(council(guard, rows, hits, trial), f"unsafe {t:.3f}"):
            chosen = dict(chosen, unsafe=min(0.99, round(t + margin, 3)))
            break
    return chosen, council(guard, rows, hits, chosen)


DEV_BENIGN = {"self_instruct_benign", "xstest", "bipia_email_indirect"}


def save(model: AttackClassifier, thresholds: dict[str, float], path: Path) -> None:
    touched = np.flatnonzero(np.any(model.weights != 0, axis=1)).astype(np.int32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, bits=np.int32(model.bits), rows=touched, values=model.weights[touched].astype(np.float16),
                        bias=model.bias.astype(np.float32),
                        thresholds=np.asarray([thresholds.get(c, 1.0) for c in CLASSES], dtype=np.float32),
                        classes=np.asarray(CLASSES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dev", nargs="+", type=Path, help="labelled dev JSONL files (text, label)")
    parser.add_argument("--own", type=Path, default=ROOT / "bench/data/guard_train_own.jsonl")
    parser.add_argument("--heldout", type=Path, default=ROOT / "bench/data/guard_heldout_own.jsonl",
                        help="own examples never trained on (checked after the final fit)")
    parser.add_argument("--negatives", type=Path, required=True, help="benign text JSONL (GoEmotions train)")
    parser.add_argument("--negatives-n", type=int, default=3000)
    parser.add_argument("--check-negatives", type=Path, help="benign JSONL never trained on (GoEmotions dev)")
    parser.add_argument("--bits", type=int, default=19)
    parser.add_argument("--c", type=float, default=8.0, help="inverse L2 strength of the logistic regression")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--margin", type=float, default=0.05, help="added to the lowest safe out-of-fold threshold")
    parser.add_argument("--unsafe-head", action="store_true",
                        help="also give the unsafe head an operating threshold (off by default: out of fold it bought "
                             "1 of 105 xstest unsafe rows for 1 of 250 benign false positives)")
    parser.add_argument("--show", type=int, default=0, help="print the N highest-scoring benign and lowest attack rows")
    parser.add_argument("--oof-cache", type=Path, help="pickle of out-of-fold hits: written after CV, reused when present")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    own = read_rows(args.own, "own")
    dev = [row for path in args.dev for row in read_rows(path, path.name.split(".")[0])]
    dev += read_negatives(args.negatives, args.negatives_n, 13, "goemotions_train")
    for row in own + dev:
        row["norm"] = normalize(row["text"]).text
    for row in dev:
        # Reddit comments and PII sentences are easy negatives; instruction-like benign prompts (the
        # ones that look most like attacks) should carry most of the benign class's weight.
        row["weight"] = {"goemotions_train": 0.25, "presidio_synth_pii": 0.5}.get(row["source"], 1.0)
    groups = groups_of(dev)
    print(f"rows: own {len(own)}, dev+negatives {len(dev)} in {groups.max() + 1} groups")

    if not MODEL_PATH.exists():
        # First training run: the engine loads the shipped model at start-up, so give it an empty one.
        guard_module.load_classifier = lambda: AttackClassifier(
            np.zeros((1 << args.bits, len(CLASSES)), np.float32), np.zeros(len(CLASSES), np.float32), args.bits, {})
    guard = Guard()
    base_findings(guard, dev)
    oof: list[ClassifierHit | None] = [None] * len(dev)
    if args.oof_cache and args.oof_cache.exists():
        oof = pickle.loads(args.oof_cache.read_bytes())  # re-deciding the threshold without refitting
    else:
        splitter = GroupKFold(n_splits=args.folds)
        for fold, (train_idx, test_idx) in enumerate(splitter.split(dev, groups=groups)):
            model = fit(own + [dev[i] for i in train_idx], args.bits, args.c)
            for i in test_idx:
                oof[i] = model.score(dev[i]["norm"])
            print(f"fold {fold}: trained on {len(train_idx)} dev rows, scored {len(test_idx)} "
                  f"[{time.perf_counter() - started:.0f}s]")
        if args.oof_cache:
            args.oof_cache.write_bytes(pickle.dumps(oof))

    if args.show:
        scored = sorted(((h.probability if h else 0.0), i) for i, h in enumerate(oof))
        for p, i in [x for x in scored if dev[x[1]]["cls"] == "benign"][-args.show:]:
            print(f"  top benign {p:.3f} {dev[i]['source']}: {dev[i]['text'][:90]!r}")
        for p, i in [x for x in scored if dev[x[1]]["cls"] != "benign"][:args.show]:
            print(f"  lowest attack {p:.3f} {dev[i]['source']}: {dev[i]['text'][:90]!r}")
    thresholds, flags = choose_thresholds(dev, oof, guard, args.unsafe_head, args.margin)
    report: dict[str, Any] = {"thresholds": thresholds, "bits": args.bits, "c": args.c, "folds": args.folds,
                              "engine_alone": rates(dev, council(guard, dev, oof, None)),
                              "engine_plus_voice_out_of_fold": rates(dev, flags)}
    voice_alone = [h is not None and h.probability >= thresholds[h.category] for h in oof]
    report["voice_alone_out_of_fold"] = rates(dev, voice_alone)
    print(f"operating thresholds P(attack) >= {thresholds}")
    for key in ("engine_alone", "engine_plus_voice_out_of_fold", "voice_alone_out_of_fold"):
        print(key)
        for name, value in report[key].items():
            print(f"  {name:42s} {value['flagged']:5d}/{value['rows']:<5d} {value['rate']:.4f}")

    final = fit(own + dev, args.bits, args.c)
    final.thresholds = thresholds
    if not args.no_save:
        save(final, thresholds, MODEL_PATH)
        print(f"saved {MODEL_PATH} ({MODEL_PATH.stat().st_size / 1e6:.2f} MB)")
        final = AttackClassifier.load(str(MODEL_PATH))
    guard._classifier = final
    checks: dict[str, Any] = {}
    if args.check_negatives:
        texts = [json.loads(line)["text"] for line in args.check_negatives.read_text(encoding="utf-8").split("\n") if line.strip()]
        flagged = sum(guard.screen_input(t).verdict == "block" for t in texts if t.strip())
        voice = sum(1 for t in texts if t.strip() and (h := final.score(normalize(t).text))
                    and h.probability >= thresholds[h.category])
        checks["goemotions_dev"] = {"rows": len(texts), "engine_plus_voice_blocked": flagged, "voice_alone": voice}
    if args.heldout.exists():
        held = read_rows(args.heldout, "heldout")
        per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in held:
            per[row["cls"]][0] += guard.screen_input(row["text"]).verdict == "block"
            per[row["cls"]][1] += 1
        checks["heldout_own_blocked"] = {k: f"{v[0]}/{v[1]}" for k, v in sorted(per.items())}
    report["final_checks"] = checks
    print("final model checks:", json.dumps(checks))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=int))
    print(f"done in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
