"""Train the shipped emotion model (``engine/data/emotion_model.npz``) from GoEmotions.

Reproducible: fixed seed, deterministic solver, fixed hyper-parameters (chosen on a split of the
*train* file, not on dev). Run::

    .venv/bin/python scripts/train_emotion.py --data /work/shared/data/emotion

Two linear heads over the same TF-IDF features (see ``engine/features.py``):

* ``ekman``: multinomial logistic regression over anger, disgust, fear, joy, sadness, surprise,
  neutral (multi-label rows are repeated once per label; classes balanced so that rare fear and
  disgust are not drowned by joy/neutral).
* ``positive``: a 3-way head (joy, trust, anticipation) trained on the positive rows of the
  fine-grained file, used to split the Ekman "joy" mass into Plutchik's joy/trust/anticipation.

Needs scikit-learn at training time only; inference uses numpy.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from infrafabric.server.emotion.engine.features import features  # noqa: E402
from infrafabric.server.emotion.engine.model import EKMAN_LABELS, POSITIVE_LABELS  # noqa: E402

SEED = 20240611
DEFAULT_OUT = ROOT / "server/infrafabric/server/emotion/engine/data/emotion_model.npz"

# GoEmotions fine labels → the Plutchik emotion they express inside the positive (Ekman joy) group.
FINE_TO_POSITIVE = {
    "joy": "joy", "amusement": "joy", "excitement": "joy", "relief": "joy", "pride": "joy",
    "love": "trust", "admiration": "trust", "approval": "trust", "gratitude": "trust", "caring": "trust",
    "desire": "anticipation", "optimism": "anticipation",
}


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main() -> None:
    import sklearn
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/emotion"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--C", type=float, default=4.0)
    args = parser.parse_args()
    random.seed(SEED)
    np.random.seed(SEED)

    ekman_rows = _read(args.data / "goemotions_ekman_train.jsonl")
    fine_rows = _read(args.data / "goemotions_original_train.jsonl")
    started = time.time()

    vectorizer = TfidfVectorizer(analyzer=features, min_df=args.min_df, sublinear_tf=True, dtype=np.float32)
    x_all = vectorizer.fit_transform([r["text"] for r in ekman_rows])
    vocab = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)

    index, target = [], []
    for i, row in enumerate(ekman_rows):
        for label in row["labels"]:
            index.append(i)
            target.append(EKMAN_LABELS.index(label))
    ekman = LogisticRegression(C=args.C, max_iter=400, class_weight="balanced", random_state=SEED)
    ekman.fit(x_all[index], target)

    fine_text_index = {r["text"]: i for i, r in enumerate(ekman_rows)}
    p_index, p_target = [], []
    for row in fine_rows:
        mapped = {FINE_TO_POSITIVE[label] for label in row["labels"] if label in FINE_TO_POSITIVE}
        i = fine_text_index.get(row["text"])
        if i is None:
            continue
        for label in sorted(mapped):
            p_index.append(i)
            p_target.append(POSITIVE_LABELS.index(label))
    positive = LogisticRegression(C=args.C, max_iter=400, class_weight="balanced", random_state=SEED)
    positive.fit(x_all[p_index], p_target)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        vocab=np.array("\n".join(vocab)),
        idf=vectorizer.idf_.astype(np.float16),
        ekman_w=ekman.coef_.T.astype(np.float16),
        ekman_b=ekman.intercept_.astype(np.float32),
        positive_w=positive.coef_.T.astype(np.float16),
        positive_b=positive.intercept_.astype(np.float32),
        meta=np.array(json.dumps({
            "trained_on": "GoEmotions train (ekman + original)", "seed": SEED, "C": args.C,
            "min_df": args.min_df, "sklearn": sklearn.__version__, "features": len(vocab),
        })),
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(vocab)} features, "
          f"{time.time() - started:.0f}s, scikit-learn {sklearn.__version__})")


if __name__ == "__main__":
    main()
