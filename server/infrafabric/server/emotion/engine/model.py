"""The shipped linear emotion model: TF-IDF features → Ekman and positive-split probabilities (numpy only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .features import features

EKMAN_LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
POSITIVE_LABELS: tuple[str, ...] = ("joy", "trust", "anticipation")
MODEL_PATH = Path(__file__).with_name("data") / "emotion_model.npz"


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


@dataclass(frozen=True)
class ModelOutput:
    """Probabilities from the model; ``coverage`` is the share of tokens the model knows."""

    ekman: dict[str, float]
    positive_split: dict[str, float]
    coverage: float


class EmotionModel:
    """Numpy inference for the model written by ``scripts/train_emotion.py``."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path, allow_pickle=False) as data:
            vocab = str(data["vocab"]).split("\n")
            self._index = {term: i for i, term in enumerate(vocab)}
            self._idf = data["idf"].astype(np.float32)
            self._ekman_w = data["ekman_w"].astype(np.float32)
            self._ekman_b = data["ekman_b"].astype(np.float32)
            self._pos_w = data["positive_w"].astype(np.float32)
            self._pos_b = data["positive_b"].astype(np.float32)
            self.meta: dict = json.loads(str(data["meta"]))

    def predict(self, text: str) -> ModelOutput:
        counts: dict[int, int] = {}
        feats = features(text)
        known_unigrams = 0
        unigrams = 0
        for f in feats:
            i = self._index.get(f)
            if " " not in f and not f.startswith(("NEG_", "__")):
                unigrams += 1
                known_unigrams += i is not None
            if i is not None:
                counts[i] = counts.get(i, 0) + 1
        if counts:
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
            vals = tf * self._idf[idx]
            vals /= float(np.sqrt((vals * vals).sum()))
            ekman_z = vals @ self._ekman_w[idx] + self._ekman_b
            pos_z = vals @ self._pos_w[idx] + self._pos_b
        else:
            ekman_z, pos_z = self._ekman_b, self._pos_b
        ekman = _softmax(ekman_z)
        pos = _softmax(pos_z)
        return ModelOutput(
            ekman={label: float(p) for label, p in zip(EKMAN_LABELS, ekman)},
            positive_split={label: float(p) for label, p in zip(POSITIVE_LABELS, pos)},
            coverage=known_unigrams / unigrams if unigrams else 0.0,
        )
