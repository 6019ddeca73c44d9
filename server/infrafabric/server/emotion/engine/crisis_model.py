"""Learned second stage of crisis detection: hashed n-grams → logistic regression, numpy only.

The curated patterns (``crisis_patterns.py``) are precise but miss phrasing nobody wrote a rule
for ("death sounds peaceful", "who would come to my funeral"). This model generalises from
character n-grams (inflections, misspellings, cognates across the six languages) and word
uni/bigrams. ``scripts/train_crisis.py`` writes ``data/crisis_model.npz``; inference needs only
numpy and ``zlib.crc32`` (a stable hash, unlike Python's salted ``hash``).

Input is the text as the pattern stage sees it: folded (lower case, no accents) with the
pattern stage's idioms blanked out, so "me muero de risa" can never reach the model.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("data") / "crisis_model.npz"
# Types a model-only detection can be given (timeline is never a crisis on its own).
TYPE_LABELS: tuple[str, ...] = (
    "passive_ideation", "active_ideation", "plan", "means", "farewell", "self_harm", "harm_to_others",
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?;\n]+")
# Chat messages run sentences together with commas; a "sentence" shorter than this many words
# is scored together with its neighbour rather than alone (a lone "tonight." means nothing).
_MIN_SENTENCE_WORDS = 3
# A message shorter than this is never escalated by the model alone: a handful of n-grams gives
# confident nonsense ("i feel ya" scored 0.975, above "planning my exit"). Short crisis messages
# ("quiero morirme", "kms") are the patterns' job.
MIN_MESSAGE_WORDS = 4


def hashed_features(folded: str, bits: int) -> np.ndarray:
    """Sorted unique feature indices (``bits``-bit hash buckets) of an already folded text.

    Features: word unigrams and bigrams, and character 2..5-grams inside each word padded with
    spaces (so prefixes and suffixes are distinct from inner n-grams).
    """
    words = _WORD.findall(folded)
    grams: list[str] = []
    append = grams.append
    for w in words:
        append("w" + w)
        padded = f" {w} "
        size = len(padded)
        for n in (2, 3, 4, 5):
            for i in range(size - n + 1):
                append(padded[i:i + n])
    for a, b in zip(words, words[1:]):
        append(f"b{a} {b}")
    mask = (1 << bits) - 1
    return np.unique(np.fromiter((zlib.crc32(g.encode()) & mask for g in grams), dtype=np.int64, count=len(grams)))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` (very short ones merged into the previous one)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if not text[s:e].strip():
            continue
        if merged and len(_WORD.findall(text[s:e])) < _MIN_SENTENCE_WORDS:
            merged[-1] = (merged[-1][0], e)
        elif merged and len(_WORD.findall(text[merged[-1][0]:merged[-1][1]])) < _MIN_SENTENCE_WORDS:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    # Trim surrounding whitespace so the span covers the words only.
    out = []
    for s, e in merged:
        chunk = text[s:e]
        s += len(chunk) - len(chunk.lstrip())
        e -= len(chunk) - len(chunk.rstrip())
        out.append((s, e))
    return out


@dataclass(frozen=True)
class ModelVerdict:
    """The model's reading of one text: crisis probability, best sentence span and best type."""

    probability: float
    start: int
    end: int
    type: str


class CrisisModel:
    """Numpy inference for the model written by ``scripts/train_crisis.py``."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path, allow_pickle=False) as data:
            self.meta: dict = json.loads(str(data["meta"]))
            self._bits = int(self.meta["bits"])
            self._type_bits = int(self.meta["type_bits"])
            self._w = data["w"].astype(np.float32)
            self._b = float(data["b"])
            self._type_w = data["type_w"].astype(np.float32)
            self._type_b = data["type_b"].astype(np.float32)
        # Chosen on a validation split by the training script (recall first, then false alarms).
        self.threshold: float = float(self.meta["threshold"])
        self._type_labels: tuple[str, ...] = tuple(self.meta["type_labels"])

    def probability(self, folded: str) -> float:
        """Crisis probability of one folded, idiom-masked text (one sentence or a whole message)."""
        idx = hashed_features(folded, self._bits)
        if idx.size == 0:
            return 1.0 / (1.0 + np.exp(-self._b))
        z = float(self._w[idx].sum()) / float(np.sqrt(idx.size)) + self._b
        return float(1.0 / (1.0 + np.exp(-z)))

    def best_type(self, folded: str) -> str:
        idx = hashed_features(folded, self._type_bits)
        if idx.size == 0:
            return "passive_ideation"
        z = self._type_w[idx].sum(axis=0) / np.sqrt(idx.size) + self._type_b
        return self._type_labels[int(np.argmax(z))]

    def assess(self, folded: str) -> ModelVerdict:
        """Score the whole text and each sentence; the most alarming one decides.

        A crisis sentence inside a long, otherwise ordinary message would be diluted by the
        whole-text normalisation, hence the per-sentence scores.
        """
        if len(_WORD.findall(folded)) < MIN_MESSAGE_WORDS:
            return ModelVerdict(probability=0.0, start=0, end=len(folded), type="")
        spans = sentence_spans(folded)
        best = (self.probability(folded), 0, len(folded))
        if len(spans) > 1:
            for s, e in spans:
                p = self.probability(folded[s:e])
                if p > best[0]:
                    best = (p, s, e)
        elif spans:
            best = (best[0], spans[0][0], spans[0][1])
        p, s, e = best
        return ModelVerdict(probability=p, start=s, end=e, type=self.best_type(folded[s:e]) if p >= self.threshold else "")
