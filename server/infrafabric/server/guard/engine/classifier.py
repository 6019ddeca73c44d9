"""The learned council voice: a hashed n-gram classifier that scores what a prompt is trying to do.

The lexicon and structure voices recognise wordings someone wrote down; this voice generalises from
examples. Text is lower-cased and split into runs (letters/digits, or punctuation/symbols); its
features are the character 3-, 4- and 5-grams inside each run, each run itself and each pair of
neighbouring runs, hashed into ``2**bits`` buckets. A multinomial logistic regression over
``benign / jailbreak / prompt_injection / unsafe`` (trained by ``scripts/train_guard_classifier.py``,
shipped as ``data/attack_model.npz``; no text is stored, only weights) turns them into
probabilities. Features are binary (present or not) and scaled by ``1/sqrt(n)`` where ``n`` is the
number of distinct features in the window (unit L2 norm), so short, long and repetitive texts live
on the same scale: a paragraph repeated twenty times scores like the paragraph once.

Hashing is vectorised with numpy: a polynomial prefix hash of the code points (``uint64``, wrapping
arithmetic) gives the hash of any substring in O(1), so all n-grams of a text are hashed with a few
array operations. Long texts are scored over overlapping windows and the highest-scoring window
wins, so one injected paragraph inside a long document is found and its window is the span.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
import numpy as np

__all__ = ["AttackClassifier", "ClassifierHit", "featurize", "load_classifier", "CLASSES", "WINDOW_CHARS", "STRIDE_CHARS"]

CLASSES: tuple[str, ...] = ("benign", "jailbreak", "prompt_injection", "unsafe")
WINDOW_CHARS = 2048
STRIDE_CHARS = 1024
_BLOCK_CHARS = 1 << 16  # long texts are hashed in blocks so the power tables stay small

_P = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SALT = {kind: np.uint64(salt) for kind, salt in
         (("c3", 0x243F6A8885A308D3), ("c4", 0x13198A2E03707344), ("c5", 0xA4093822299F31D0),
          ("w1", 0x082EFA98EC4E6C89), ("w2", 0x452821E638D01377))}

_powers: np.ndarray = np.ones(1, dtype=np.uint64)
_inverse_powers: np.ndarray = np.ones(1, dtype=np.uint64)
_char_class: np.ndarray | None = None


def _tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**k and P**-k (mod 2**64) for k < n; grown on demand and kept."""
    global _powers, _inverse_powers
    if len(_powers) < n:
        size = max(n, 2 * len(_powers), 4096)
        _powers = np.concatenate(([np.uint64(1)], np.cumprod(np.full(size - 1, _P, dtype=np.uint64))))
        _inverse_powers = np.concatenate(([np.uint64(1)], np.cumprod(np.full(size - 1, _P_INV, dtype=np.uint64))))
    return _powers, _inverse_powers


def _classes() -> np.ndarray:
    """Class of each BMP code point: 0 space/control, 1 letter or digit, 2 punctuation or symbol."""
    global _char_class
    if _char_class is None:
        table = np.full(0x10000, 2, dtype=np.uint8)
        for code in range(0x10000):
            ch = chr(code)
            if ch.isalnum():
                table[code] = 1
            elif ch.isspace() or code < 32 or 0xD800 <= code < 0xE000:
                table[code] = 0
        table[ord("_")] = 1
        _char_class = table
    return _char_class


def _bucket(h: np.ndarray, salt: np.uint64 | np.ndarray, shift: np.uint64) -> np.ndarray:
    """Multiplicative hashing: the top ``bits`` bits of (h ^ salt) * odd constant, as int64 indices.

    ``salt`` is one value, or one per hash (the salt of each hash's kind of feature)."""
    h ^= salt
    h *= _MIX
    h >>= shift
    return h.view(np.int64)


def _featurize_block(codes: np.ndarray, offset: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    n = len(codes)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    table = _classes()
    if codes.max() < 0x10000:
        cls = table[codes]
    else:
        cls = np.where(codes < 0x10000, table[np.minimum(codes, 0xFFFF)], np.where(codes >= 0x20000, 1, 2)).astype(np.uint8)
    powers, inverse = _tables(n + 1)
    prefix = np.empty(n + 1, dtype=np.uint64)
    prefix[0] = 0
    np.multiply(codes, powers[:n], out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    # A run is a maximal stretch of one non-space class; ``change`` marks where a new one may start.
    nonspace = cls != 0
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(cls[1:], cls[:-1], out=change[1:])
    change |= ~nonspace
    # inside[i]: characters i .. i+size-1 lie in one run, grown one size at a time from "the next
    # character continues the run" (cheaper than comparing run ids for every size).
    continues = ~change[1:]
    inside = nonspace[:-1] & continues
    gram_starts: list[np.ndarray] = []
    for size in _GRAM_SIZES:
        if n < size:
            break
        inside = inside[:-1] & continues[size - 2:]
        gram_starts.append(np.flatnonzero(inside))
    counts = [len(starts) for starts in gram_starts]
    starts = np.concatenate(gram_starts) if gram_starts else np.empty(0, np.int64)
    # All n-grams are hashed together (one array operation per step instead of one per size).
    hashes = prefix[starts + np.repeat(_GRAM_SIZE_ARRAY[:len(counts)], counts)]
    hashes -= prefix[starts]
    hashes *= inverse[starts]
    salts = [np.repeat(_GRAM_SALTS[:len(counts)], counts)]
    positions = [starts]
    # Runs: where a non-space run begins and where it stops.
    run_start = np.flatnonzero(change & nonspace)
    if len(run_start):
        is_end = np.empty(n, dtype=bool)
        is_end[-1] = nonspace[-1]
        np.logical_and(nonspace[:-1], change[1:], out=is_end[:-1])
        run_end = np.flatnonzero(is_end) + 1
        words = prefix[run_end]
        words -= prefix[run_start]
        words *= inverse[run_start]
        parts = [hashes]
        if len(words) > 1:
            pairs = words[:-1] * _MIX
            pairs += words[1:]
            parts.append(pairs)
            salts.append(np.full(len(pairs), _SALT["w2"]))
            positions.append(run_start[:-1])
        parts.append(words)
        salts.append(np.full(len(words), _SALT["w1"]))
        positions.append(run_start)
        hashes = np.concatenate(parts)
    index = _bucket(hashes, np.concatenate(salts), np.uint64(64 - bits))
    position = np.concatenate(positions)
    if offset:
        position += offset
    return index, position


_GRAM_SIZES = (3, 4, 5)
_GRAM_SIZE_ARRAY = np.array(_GRAM_SIZES, dtype=np.int64)
_GRAM_SALTS = np.array([_SALT[f"c{size}"] for size in _GRAM_SIZES], dtype=np.uint64)


def _codes(text: str) -> np.ndarray:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters change length when lower-cased; keep offsets exact
        lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def featurize(text: str, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashed feature ids of ``text`` and the character offset where each feature starts (sorted by kind, then offset)."""
    codes = _codes(text)
    if len(codes) <= _BLOCK_CHARS:
        return _featurize_block(codes, 0, bits)
    parts = [_featurize_block(codes[start:start + _BLOCK_CHARS], start, bits)
             for start in range(0, len(codes), _BLOCK_CHARS)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def windows(length: int) -> list[tuple[int, int]]:
    """Overlapping windows over a text of ``length`` characters; a short text is one window."""
    if length <= WINDOW_CHARS + WINDOW_CHARS // 4:
        return [(0, length)]
    spans = []
    start = 0
    while True:
        end = min(length, start + WINDOW_CHARS)
        spans.append((start, end))
        if end >= length:
            return spans
        start += STRIDE_CHARS


@dataclass(frozen=True)
class ClassifierHit:
    """The best window's verdict: attack probability, its most likely category and where it is."""

    probability: float  # 1 - P(benign)
    category: str  # jailbreak, prompt_injection or unsafe
    category_probability: float
    start: int
    end: int


class AttackClassifier:
    """Numpy inference for the shipped model; thread-safe (no state changes after loading)."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, bits: int, thresholds: dict[str, float]) -> None:
        if weights.shape != (1 << bits, len(CLASSES)):
            raise ValueError(f"weights shape {weights.shape} does not match bits={bits} and {len(CLASSES)} classes")
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.bits = bits
        # Per predicted category, the P(attack) at which the voice speaks, chosen out-of-fold (1.0: head off).
        self.thresholds = dict(thresholds)

    @classmethod
    def load(cls, path: str | None = None) -> "AttackClassifier":
        if path is None:
            ref = resources.files(__package__).joinpath("data/attack_model.npz")
            with ref.open("rb") as handle:
                data = np.load(handle)
                return cls._from_arrays(dict(data))
        with np.load(path) as data:
            return cls._from_arrays(dict(data))

    @classmethod
    def _from_arrays(cls, data: dict[str, np.ndarray]) -> "AttackClassifier":
        bits = int(data["bits"])
        weights = np.zeros((1 << bits, len(CLASSES)), dtype=np.float32)
        # Stored sparse: only buckets that some training feature touched carry weight.
        weights[data["rows"]] = data["values"].astype(np.float32)
        thresholds = {name: float(t) for name, t in zip(CLASSES, data["thresholds"]) if name != "benign"}
        return cls(weights, data["bias"], bits, thresholds)

    def council_score(self, probability: float, category: str) -> float:
        """Map P(attack) onto the council's scale: the category's operating threshold lands on 0.6 (the default block threshold).

        Above the threshold the voice can block alone; below it, its score falls off linearly so a
        fairly confident voice still adds to other weak signals, and the policy's per-detector
        threshold drops the weak tail. A head whose threshold is 1.0 never speaks.
        """
        t = self.thresholds.get(category, 1.0)
        if t >= 1.0:
            return 0.0
        if probability >= t:
            return min(0.95, 0.6 + 0.35 * (probability - t) / max(1e-6, 1.0 - t))
        return 0.6 * probability / t

    def _logits(self, index: np.ndarray) -> np.ndarray:
        # Distinct ids by sort + neighbour compare: several times cheaper than np.unique on small arrays.
        # Ids are below 2**bits, so they sort as int32 (a third faster than int64, same order).
        ordered = np.sort(index.astype(np.int32) if self.bits < 31 else index)
        keep = np.empty(len(ordered), dtype=bool)
        keep[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
        distinct = np.compress(keep, ordered)  # same as ordered[keep], faster on small arrays
        # einsum adds the rows one after another like ``.sum(axis=0)`` (same float32 result) at half the cost.
        return self.bias + np.einsum("ij->j", np.take(self.weights, distinct, axis=0)) / np.sqrt(max(1, len(distinct)))

    def score(self, text: str) -> ClassifierHit | None:
        """The highest-scoring window of ``text`` (None for text with no features)."""
        index, position = featurize(text, self.bits)
        if len(index) == 0:
            return None
        spans = windows(len(text))
        if len(spans) == 1:
            logits = self._logits(index)[None, :]
        else:
            order = np.argsort(position, kind="stable")
            position = position[order]
            index = index[order]
            bounds = np.asarray(spans, dtype=np.int64)
            lo = np.searchsorted(position, bounds[:, 0], side="left")
            hi = np.searchsorted(position, bounds[:, 1], side="left")
            logits = np.stack([self._logits(index[a:b]) for a, b in zip(lo, hi)])
        probs = _softmax(logits)
        attack = 1.0 - probs[:, 0]
        best = int(np.argmax(attack))
        category = 1 + int(np.argmax(probs[best, 1:]))
        start, end = spans[best]
        return ClassifierHit(float(attack[best]), CLASSES[category], float(probs[best, category]), start, end)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


_MODEL: AttackClassifier | None = None


def load_classifier() -> AttackClassifier:
    """The packaged model, loaded once per process."""
    global _MODEL
    if _MODEL is None:
        _MODEL = AttackClassifier.load()
    return _MODEL
