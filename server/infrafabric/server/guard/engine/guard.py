"""The Guard engine: screens input and output and lets a council of detectors decide.

Each detector is a *voice*: it reports findings with scores, its vote is the combined score of its
findings (noisy-OR over distinct rules), weighted by the tenant's policy. The council's risk is the
noisy-OR of the weighted votes that fired; the verdict is ``block`` when the risk reaches the
policy's threshold and at least one fired voice belongs to a blocking category, ``redact`` when
only redacting categories (PII, secrets) fired, and ``allow`` otherwise. Every vote is returned.

Pipeline for one source text: normalise (with offset map) → chunk → lexicon scan behind a literal
prefilter (one RE2 pass finds which rules can match; only those run, anchored at their trigger
words) → structural jailbreak signals (``structure.py``) → derived views (decoded base64/hex/URL runs, rot13, reversed text, spaced letters, Unicode tag
text) scanned again → structure (embedded instructions in documents) → the learned semantic voice
(``classifier.py``: hashed n-grams, best window of the normalised text) → PII and secrets on the
original text → council.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from itertools import accumulate, compress
from typing import Iterable, Sequence

from . import decode
from .classifier import AttackClassifier, load_classifier
from .embedded import find_embedded_instructions, looks_like_document
from .fastre import Searcher, gate
from .leakage import find_canaries, find_prompt_overlap
from .lexicon import (CRISIS_RULES, INJECTION_RULES, JAILBREAK_RULES, LEAK_PHRASE_RULES, ROLEPLAY_RULES, UNSAFE_RULES,
                      CompiledRule, compile_rules)
from .prefilter import AtomScanner, required_literals
from .normalize import NormalizedText, OffsetMap, normalize
from .pii import find_pii, mask
from .policy import Policy, PolicySet, load_policy_set
from .secrets import find_secrets
from .structure import find_structure
from .types import DetectorInfo, Finding, GuardInputError, ScreenResult, Vote

__all__ = ["Guard"]

_DIRECTIVE = Searcher(re.compile(r"\byou\s+(?:will|must|shall|should|are\s+going\s+to|have\s+to|can(?:not|'t)?|won'?t|will\s+not)\b|"
                        r"\b(?:always|never)\s+\w+|\b(?:do\s+not|don'?t)\s+(?:ever\s+)?\w+"))
_MODEL_REFERENCE = Searcher(re.compile(
    r"\b(?:chat\s*gpt|gpt|openai|ai|assistant|language\s+model|llm|chatbot|bot|character|persona|roleplay)\b"))

_DETECTORS: dict[str, DetectorInfo] = {
    d.name: d for d in [
        DetectorInfo("injection_patterns", "prompt_injection",
                     "Instruction override, system-prompt probing, exfiltration and fake role markers in 13 languages.",
                     ("input",)),
        DetectorInfo("jailbreak_patterns", "jailbreak",
                     "Jailbreak families: DAN and other persona templates, 'no rules' framing, never-refuse clauses.", ("input",)),
        DetectorInfo("roleplay_structure", "jailbreak",
                     "Structural signals: role-play framing, new identity + loosened rules, prompt templates with "
                     "placeholders, behavioural rule lists; weak alone, strong combined.",
                     ("input",)),
        DetectorInfo("embedded_instructions", "prompt_injection",
                     "Instructions addressed to the assistant inside documents, tool output and e-mails.", ("input",)),
        DetectorInfo("obfuscation", "obfuscation",
                     "Invisible/tag characters, homoglyphs, leetspeak, spaced letters and encoded payloads.", ("input", "output")),
        DetectorInfo("unsafe_content", "unsafe", "Requests for or content about violence, weapons, hard drugs, hate.",
                     ("input", "output")),
        DetectorInfo("crisis_language", "crisis", "Self-harm and suicide language in several languages (flag only).",
                     ("input", "output")),
        DetectorInfo("pii", "pii", "E-mail, phone, credit card (Luhn), IBAN (mod-97), national ids, IPs, names, addresses.",
                     ("input", "output")),
        DetectorInfo("secrets", "secret", "API keys and tokens in known formats, private keys, high-entropy tokens.",
                     ("input", "output")),
        DetectorInfo("system_prompt_leak", "system_prompt_leak",
                     "Output that recites the caller's system prompt (word n-gram overlap) or says it is doing so.", ("output",)),
        DetectorInfo("canary_tokens", "system_prompt_leak", "Canary tokens from the system prompt appearing in output.",
                     ("output",)),
        # The learned voice reports under the category it predicts, one detector per category, so a
        # tenant's action and weight for that category apply to it like to the hand-written voices.
        DetectorInfo("semantic_jailbreak", "jailbreak",
                     "Learned classifier (hashed character and word n-grams): persona, rule-removal and format-takeover "
                     "prompts in any wording.", ("input",)),
        DetectorInfo("semantic_injection", "prompt_injection",
                     "Learned classifier: instructions that try to override, probe or redirect the assistant, also inside "
                     "documents and e-mails (best window of long texts).", ("input",)),
        DetectorInfo("semantic_unsafe", "unsafe", "Learned classifier: requests for seriously harmful help.", ("input",)),
    ]
}

# Lexicon groups → (detector, category).
_GROUPS: list[tuple[list, str, str]] = [
    (INJECTION_RULES, "injection_patterns", "prompt_injection"),
    (JAILBREAK_RULES, "jailbreak_patterns", "jailbreak"),
    (ROLEPLAY_RULES, "roleplay_structure", "jailbreak"),
    (UNSAFE_RULES, "unsafe_content", "unsafe"),
    (CRISIS_RULES, "crisis_language", "crisis"),
    (LEAK_PHRASE_RULES, "system_prompt_leak", "system_prompt_leak"),
]
_SEMANTIC_DETECTOR = {"jailbreak": "semantic_jailbreak", "prompt_injection": "semantic_injection",
                      "unsafe": "semantic_unsafe"}
_THREAT_DETECTORS = frozenset({"injection_patterns", "jailbreak_patterns", "roleplay_structure", "unsafe_content",
                               "crisis_language"})
_OBFUSCATION_SCORES = {
    "tag_characters_stripped": (0.8, "invisible Unicode tag characters (ASCII smuggling)"),
    "invisible_stripped": (0.35, "zero-width or bidi control characters inside the text"),
    "homoglyphs_folded": (0.5, "look-alike letters from another script mixed into words"),
}


@dataclass
class _Hit:
    detector: str
    category: str
    rule: str
    score: float
    start: int  # original offsets of the source text
    end: int
    reason: str
    decoded_via: str = ""


class _RuleIndex:
    """All lexicon rules behind one literal prefilter, so a scan runs only rules that can match.

    Every rule's regex is reduced (``prefilter.required_literals``) to clauses of literal atoms
    that any match must contain. One RE2 set pass finds the atoms of a text; a rule becomes a
    candidate when one atom of its most selective clause occurs, and runs when every other clause
    is satisfied too. Rot13 and reversed spellings of trigger words are atoms of the same pass,
    so deciding whether to build those derived views costs nothing extra.
    """

    def __init__(self) -> None:
        self.entries: list[tuple[CompiledRule, str, str]] = []
        requirements: list[list[frozenset[str]]] = []
        for rules, detector, category in _GROUPS:
            for compiled in compile_rules(rules):
                self.entries.append((compiled, detector, category))
                requirements.append(required_literals(compiled.regex))
        trigger_words = {t for compiled, _, _ in self.entries if not compiled.rule.substring for t in compiled.triggers}
        words = [w for w in trigger_words if w.isascii() and w.isalpha() and len(w) >= 4]
        rot13_words = frozenset(decode.rot13(w) for w in words) - trigger_words
        reversed_words = frozenset(w[::-1] for w in words) - trigger_words
        atoms = {a for req in requirements for clause in req for a in clause} | rot13_words | reversed_words | trigger_words
        self.scanner = AtomScanner(atoms)
        ids = self.scanner.ids
        self.rot13_ids = frozenset(ids[w] for w in rot13_words)
        self.reversed_ids = frozenset(ids[w] for w in reversed_words)
        # Trigger words as atom ids (a scan looks for occurrences only of triggers the RE2 pass saw),
        # each atom's word with its ASCII spelling for ``_WordStarts`` (None: not plain ASCII letters/digits).
        self.trigger_ids: list[frozenset[int]] = [
            frozenset(ids[word] for word in compiled.triggers) if not compiled.rule.substring else frozenset()
            for compiled, _, _ in self.entries]
        self.trigger_words: dict[int, tuple[str, bytes | None]] = {
            ids[word]: (word, _ascii_word(word)) for compiled, _, _ in self.entries if not compiled.rule.substring
            for word in compiled.triggers}
        self.all_ascii_triggers = [all(_ascii_word(word) is not None for word in compiled.triggers)
                                   for compiled, _, _ in self.entries]
        # RE2 supersets (fastre.gate) of the rules searched in full: one DFA pass says "cannot match".
        # Word-triggered rules are only tried where a trigger starts, which costs less than a gate.
        self.gates = [gate(compiled.regex) if compiled.rule.substring else None for compiled, _, _ in self.entries]
        self.clauses: list[tuple[frozenset[int], ...]] = []
        self.by_atom: dict[int, list[int]] = {}
        self.always: list[int] = []
        for index, req in enumerate(requirements):
            clause_ids = tuple(frozenset(ids[a] for a in clause) for clause in req)
            self.clauses.append(clause_ids)
            if not req:
                self.always.append(index)
                continue
            # Key on the clause whose shortest atom is longest: the rarest evidence.
            key = max(range(len(req)), key=lambda k: (min(len(a) + 2 * (not a.isascii()) for a in req[k]), -len(req[k])))
            for atom_id in clause_ids[key]:
                self.by_atom.setdefault(atom_id, []).append(index)

    def candidates(self, found: set[int], detectors: frozenset[str]) -> list[int]:
        """Rules whose every clause has an atom in ``found`` (sorted, so results are deterministic)."""
        seen: set[int] = set(self.always)
        by_atom = self.by_atom
        for atom_id in found:
            rules = by_atom.get(atom_id)
            if rules:
                seen.update(rules)
        out = []
        entries, all_clauses = self.entries, self.clauses
        for index in sorted(seen):
            if entries[index][1] not in detectors:
                continue
            for clause in all_clauses[index]:
                if clause.isdisjoint(found):
                    break
            else:
                out.append(index)
        return out

    def scan(self, text: str, detectors: frozenset[str], found: set[int] | None = None) -> list[tuple[int, re.Match[str]]]:
        """All matches of the candidate rules in ``text`` as (rule index, match)."""
        if found is None:
            found = self.scanner.found(text)
        results: list[tuple[int, re.Match[str]]] = []
        words: _WordStarts | None = None
        candidates = self.candidates(found, detectors)
        for index in candidates:
            compiled = self.entries[index][0]
            if compiled.rule.substring:
                # Scripts without word boundaries: the trigger already occurs (prefilter), search in full.
                if self.gates[index](text):  # type: ignore[misc]
                    results.extend((index, m) for m in compiled.regex.finditer(text))
                continue
            # Word-triggered rules are anchored: each pattern starts with one of its trigger words,
            # so it is tried only where a trigger word starts, never at every position.
            if words is None:
                # Only the trigger words of these candidates that the RE2 pass saw are looked up: a
                # long document holds thousands of other trigger words ("the", "for").
                trigger_words = self.trigger_words
                wanted = frozenset(trigger_words[atom_id][1] for i in candidates
                                   for atom_id in self.trigger_ids[i].intersection(found)) - {None}
                words = _WordStarts(text, wanted)  # type: ignore[arg-type]
            match = compiled.regex.match
            present = self.trigger_ids[index].intersection(found)
            if len(present) == 1 or (words.word_bytes is not None and self.all_ascii_triggers[index]):
                # Each position starts one whole word only, so no start is tried twice.
                for atom_id in present:
                    word, ascii_word = self.trigger_words[atom_id]
                    for start in words.starts(word, ascii_word):
                        found_match = match(text, start)
                        if found_match:
                            results.append((index, found_match))
                continue
            tried: set[int] = set()
            for atom_id in present:
                word, ascii_word = self.trigger_words[atom_id]
                for start in words.starts(word, ascii_word):
                    if start in tried:
                        continue
                    tried.add(start)
                    found_match = match(text, start)
                    if found_match:
                        results.append((index, found_match))
        return results

    def chunk_atoms(self, text: str, chunks: list[tuple[int, int]]) -> list[set[int]]:
        """Atoms found in each chunk (one RE2 pass per chunk: linear in the text's length)."""
        if len(chunks) == 1:
            return [self.scanner.found(text)]
        return [self.scanner.found(text[start:end]) for start, end in chunks]


class _PolicyFacts:
    """What one policy decides for every request: enabled detectors per direction, and the vote of a
    detector that found nothing (votes are immutable, so one instance serves every result)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.enabled = {direction: frozenset(name for name, info in _DETECTORS.items()
                                             if direction in info.applies_to and policy.detector(name).enabled)
                        for direction in ("input", "output")}
        self.silent_votes = {name: Vote(name, info.category, 0.0, policy.detector(name).weight, False)
                             for name, info in _DETECTORS.items() if policy.detector(name).enabled}


_INDEX: _RuleIndex | None = None


def _rule_index() -> _RuleIndex:
    global _INDEX
    if _INDEX is None:
        _INDEX = _RuleIndex()
    return _INDEX


# ASCII bytes that are not letters or digits, all mapped to a space: in the mapped text a whole-word
# occurrence of a word is exactly an occurrence of " word " (str.isalnum is [A-Za-z0-9] on ASCII).
# Bytes from 0x80 up only come from ``_word_bytes`` below and stay as they are.
_ASCII_WORD_BYTES = bytes(c if c >= 0x80 or chr(c).isalnum() else 32 for c in range(256))
_WORD_BYTES_ERRORS = "infrafabric.guard.word_bytes"


def _word_bytes(error: UnicodeError) -> tuple[bytes, int]:
    """Encoding error handler: one byte per non-ASCII character, 0x80 for a letter or digit, else a space."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chunk = error.object[error.start:error.end]
    return bytes(0x80 if char.isalnum() else 0x20 for char in chunk), error.end


codecs.register_error(_WORD_BYTES_ERRORS, _word_bytes)
_MAX_OCCURRENCES = 400  # per trigger word and text; bounds the work an adversarial text can cause


def _ascii_word(word: str) -> bytes | None:
    """The word's bytes when ``_WordStarts`` can look it up as one token (plain ASCII letters/digits), else None."""
    return word.encode() if word.isascii() and word.isalnum() else None


class _WordStarts:
    """Starts of whole-word occurrences of trigger words in one normalised text, computed on demand.

    Short trigger words ("i", "no", "you") occur inside most words; checking every substring hit in
    Python cost more than running the rules. The text is encoded one byte per character (non-ASCII
    ones by ``_word_bytes``) and one ``bytes.translate`` turns every non-alphanumeric character into
    a space, so the space-separated tokens of the result are exactly the text's whole words, each
    at its character offset. With many wanted words one pass over the tokens records where each
    starts (a ``bytes.find`` loop per word cost twice as much on a prompt); with a few (a chunk of
    a long document) each gets its ``find`` loop for `` word ``. Text that is mostly non-ASCII
    (Chinese, Russian, ...) keeps the plain search, which costs less there than encoding character
    by character.
    """

    def __init__(self, text: str, wanted: frozenset[bytes]) -> None:
        self.text = text
        self.wanted = wanted
        self.word_bytes: bytes | None = None
        if text.isascii():
            self.word_bytes = text.encode("ascii").translate(_ASCII_WORD_BYTES)
        elif len(text.encode("utf-8", "surrogatepass")) - len(text) <= len(text) // 8:
            self.word_bytes = text.encode("ascii", _WORD_BYTES_ERRORS).translate(_ASCII_WORD_BYTES)
        self.tokens: dict[bytes, list[int]] | None = None
        self.padded: bytes | None = None
        self.cache: dict[str, list[int]] = {}

    def starts(self, word: str, ascii_word: bytes | None) -> Sequence[int]:
        """Starts of the first ``_MAX_OCCURRENCES`` whole-word occurrences of ``word``, in order."""
        if self.word_bytes is not None and ascii_word is not None and ascii_word in self.wanted:
            if len(self.wanted) > _FIND_LOOP_WORDS:
                if self.tokens is None:
                    self.tokens = _token_starts(self.word_bytes, self.wanted)
                return self.tokens.get(ascii_word, _NO_STARTS)
            if self.padded is None:
                self.padded = b" " + self.word_bytes + b" "
            found = self.cache.get(word)
            if found is None:
                found = self.cache[word] = _padded_occurrences(self.padded, b" " + ascii_word + b" ")
            return found
        found = self.cache.get(word)
        if found is None:
            found = self.cache[word] = _occurrences(self.text, word)
        return found


_NO_STARTS: tuple[int, ...] = ()
_FIND_LOOP_WORDS = 4  # up to this many wanted words, a find loop per word beats one pass over all tokens


def _padded_occurrences(padded_text: bytes, padded_word: bytes) -> list[int]:
    """Starts of `` word `` in the space-padded word bytes (= the word's character offsets in the text)."""
    starts: list[int] = []
    step = len(padded_word) - 1  # the trailing space may lead the next occurrence
    pos = padded_text.find(padded_word)
    while pos >= 0 and len(starts) < _MAX_OCCURRENCES:
        # The hit starts at the space before the word; the padded text has one extra leading byte,
        # so that position is the word's start in the original text.
        starts.append(pos)
        pos = padded_text.find(padded_word, pos + step)
    return starts


def _token_starts(word_bytes: bytes, wanted: frozenset[bytes]) -> dict[bytes, list[int]]:
    """Where each wanted token of the space-separated ``word_bytes`` starts (first ``_MAX_OCCURRENCES`` of each)."""
    found: dict[bytes, list[int]] = {}
    tokens = word_bytes.split(b" ")
    # Token k starts after every earlier token and its separating space; the iteration runs in C,
    # the Python loop sees only the wanted tokens.
    token_starts = accumulate(map(_PLUS_ONE, map(len, tokens)), initial=0)
    for token, position in compress(zip(tokens, token_starts), map(wanted.__contains__, tokens)):
        starts = found.get(token)
        if starts is None:
            found[token] = [position]
        elif len(starts) < _MAX_OCCURRENCES:
            starts.append(position)
    return found


_PLUS_ONE = (1).__add__


def _occurrences(text: str, word: str, limit: int = _MAX_OCCURRENCES) -> list[int]:
    """Starts of whole-word occurrences of ``word`` in normalised ``text`` (str.find runs at C speed)."""
    starts: list[int] = []
    size = len(word)
    n = len(text)
    pos = text.find(word)
    while pos >= 0 and len(starts) < limit:
        end = pos + size
        if (pos == 0 or not text[pos - 1].isalnum()) and (end >= n or not text[end].isalnum()):
            starts.append(pos)
        pos = text.find(word, end)
    return starts


def _noisy_or(scores: Iterable[float]) -> float:
    remaining = 1.0
    for score in scores:
        remaining *= 1.0 - max(0.0, min(score, 1.0))
    return 1.0 - remaining


def _chunks(length: int, size: int, overlap: int) -> list[tuple[int, int]]:
    if length <= size:
        return [(0, length)]
    spans = []
    start = 0
    step = max(1, size - overlap)
    while start < length:
        end = min(length, start + size)
        spans.append((start, end))
        if end == length:
            break
        start += step
    return spans


class Guard:
    """In-process screening engine. Thread-safe: it keeps no per-request state."""

    def __init__(self, policy_set: PolicySet | None = None) -> None:
        self.policy_set = policy_set or load_policy_set()
        self._index = _rule_index()
        self._classifier: AttackClassifier = load_classifier()
        # Per policy object: what every request under it shares (enabled detectors, silent votes).
        self._per_policy: dict[int, _PolicyFacts] = {}

    # ---------------------------------------------------------------- public API
    def list_detectors(self) -> list[DetectorInfo]:
        return list(_DETECTORS.values())

    def effective_policy(self, tenant: str | None = None) -> Policy:
        return self.policy_set.for_tenant(tenant)

    def screen_input(self, text: str, *, history: Sequence[tuple[str, str]] = (),
                     documents: Sequence[tuple[str, str, str]] = (), tenant: str = "default",
                     explain: bool = False) -> ScreenResult:
        """Screen a user's input, plus earlier turns (role, text) and documents (id, kind, text).

        Raises ``GuardInputError`` (a ValueError) naming the field for empty or oversized input.
        """
        policy = self.policy_set.for_tenant(tenant)
        self._validate_text("text", text, policy)
        if len(documents) > policy.max_documents:
            raise GuardInputError("documents", f"at most {policy.max_documents} documents, got {len(documents)}")
        if len(history) > policy.max_history:
            raise GuardInputError("history", f"at most {policy.max_history} turns, got {len(history)}")
        enabled = self._enabled(policy, "input")
        findings: list[Finding] = []
        notes: list[str] = []

        norm = normalize(text)
        hits = self._threat_hits(norm, enabled, policy)
        if "embedded_instructions" in enabled and looks_like_document(text):
            hits.extend(self._embedded_hits(norm, is_document=False))
        findings.extend(self._to_findings(hits, "text", 0, 1.0))
        notes.extend(norm.applied)

        for i, (role, turn) in enumerate(history):
            if not isinstance(turn, str):
                raise GuardInputError(f"history[{i}].text", "expected a string")
            if len(turn) > policy.max_text_chars:
                raise GuardInputError(f"history[{i}].text", f"longer than {policy.max_text_chars} characters")
            # The assistant's and system's own earlier words are not the user's input.
            if not turn.strip() or (role or "user").lower() in ("assistant", "system", "model"):
                continue
            turn_norm = normalize(turn)
            findings.extend(self._to_findings(self._threat_hits(turn_norm, enabled, policy), "history", i,
                                              policy.history_weight))
        for i, document in enumerate(documents):
            _, _, doc_text = document
            if not isinstance(doc_text, str):
                raise GuardInputError(f"documents[{i}].text", "expected a string")
            if len(doc_text) > policy.max_text_chars:
                raise GuardInputError(f"documents[{i}].text", f"longer than {policy.max_text_chars} characters")
            if not doc_text.strip():
                continue
            doc_norm = normalize(doc_text)
            doc_hits = self._threat_hits(doc_norm, enabled, policy)
            if "embedded_instructions" in enabled:
                doc_hits.extend(self._embedded_hits(doc_norm, is_document=True))
            findings.extend(self._to_findings(doc_hits, "document", i, policy.document_weight))
            if "secrets" in enabled:
                findings.extend(self._secret_findings(doc_text, "document", i))

        if "secrets" in enabled:
            secret_findings = self._secret_findings(text, "text", 0, skip=self._decoded_spans(findings))
            findings.extend(secret_findings)
        if "pii" in enabled:
            findings.extend(self._pii_findings(text, "text", 0, policy))
        return self._decide(text, findings, policy, notes, explain)

    def screen_output(self, text: str, *, system_prompt: str = "", canary_tokens: Sequence[str] = (),
                      tenant: str = "default", explain: bool = False) -> ScreenResult:
        """Screen model output: PII redaction, system-prompt leakage, unsafe and crisis content."""
        policy = self.policy_set.for_tenant(tenant)
        self._validate_text("text", text, policy)
        enabled = self._enabled(policy, "output")
        norm = normalize(text)
        findings: list[Finding] = []
        hits = self._threat_hits(norm, enabled & {"unsafe_content", "crisis_language", "system_prompt_leak"}, policy,
                                 derived=False)
        findings.extend(self._to_findings(hits, "output", 0, 1.0))
        if "canary_tokens" in enabled and canary_tokens:
            for hit in find_canaries(norm, list(canary_tokens)):
                findings.append(Finding("system_prompt_leak", "canary_tokens", hit.score, "output", 0, hit.start, hit.end,
                                        hit.reason, rule=hit.rule))
        if "system_prompt_leak" in enabled and system_prompt:
            for hit in find_prompt_overlap(norm, system_prompt, policy.leak_ngram_words):
                findings.append(Finding("system_prompt_leak", "system_prompt_leak", hit.score, "output", 0, hit.start,
                                        hit.end, hit.reason, rule=hit.rule))
        if "secrets" in enabled:
            findings.extend(self._secret_findings(text, "output", 0))
        if "pii" in enabled:
            findings.extend(self._pii_findings(text, "output", 0, policy))
        return self._decide(text, findings, policy, norm.applied, explain)

    # ---------------------------------------------------------------- internals
    @staticmethod
    def _validate_text(field: str, text: str, policy: Policy) -> None:
        if not isinstance(text, str):
            raise GuardInputError(field, "expected a string")
        if not text.strip():
            raise GuardInputError(field, "must not be empty")
        if len(text) > policy.max_text_chars:
            raise GuardInputError(field, f"longer than {policy.max_text_chars} characters ({len(text)})")

    def _facts(self, policy: Policy) -> _PolicyFacts:
        facts = self._per_policy.get(id(policy))
        if facts is None or facts.policy is not policy:
            if len(self._per_policy) > 64:  # policies replaced many times: forget the old ones
                self._per_policy.clear()
            facts = self._per_policy[id(policy)] = _PolicyFacts(policy)
        return facts

    def _enabled(self, policy: Policy, direction: str) -> frozenset[str]:
        return self._facts(policy).enabled[direction]

    def _threat_hits(self, norm: NormalizedText, enabled: frozenset[str], policy: Policy, *, derived: bool = True,
                     depth: int = 0) -> list[_Hit]:
        detectors = enabled & (_THREAT_DETECTORS | {"system_prompt_leak", *_SEMANTIC_DETECTOR.values()})
        hits: list[_Hit] = []
        if not detectors:
            return hits
        text = norm.text
        chunks = _chunks(len(text), policy.chunk_chars, policy.chunk_overlap)
        per_chunk = self._index.chunk_atoms(text, chunks)
        all_atoms: set[int] = set().union(*per_chunk)
        for (c_start, c_end), found in zip(chunks, per_chunk):
            if not found and not self._index.always:
                continue
            chunk = text if len(chunks) == 1 else text[c_start:c_end]
            for index, match in self._index.scan(chunk, detectors, found):
                compiled, detector, category = self._index.entries[index]
                start, end = norm.offsets.to_original(c_start + match.start(), c_start + match.end())
                hits.append(_Hit(detector, category, compiled.rule.rule_id, compiled.rule.score, start, end,
                                 compiled.rule.reason))
        if "roleplay_structure" in detectors:
            for c_start, c_end in chunks:
                for found_struct in find_structure(text if len(chunks) == 1 else text[c_start:c_end]):
                    start, end = norm.offsets.to_original(c_start + found_struct.start, c_start + found_struct.end)
                    hits.append(_Hit("roleplay_structure", "jailbreak", found_struct.rule, found_struct.score, start, end,
                                     found_struct.reason))
            if len(text) >= 400:
                hits.extend(self._directive_template_hits(norm))
        if derived and depth == 0:
            hits.extend(self._semantic_hits(norm, detectors, policy, hits))
        if not derived or depth >= 2:
            return hits
        hits.extend(self._derived_hits(norm, all_atoms, detectors, policy, depth))
        if "obfuscation" in enabled:
            hits.extend(self._obfuscation_hits(norm, hits))
        return hits

    def _derived_hits(self, norm: NormalizedText, atoms: set[int], detectors: frozenset[str], policy: Policy,
                      depth: int) -> list[_Hit]:
        hits: list[_Hit] = []
        text = norm.text
        # rot13 and reversed views are aligned with the normalised text, so spans stay precise.
        views_aligned = []
        # Two distinct rot13 / reversed trigger words make the decoded view worth a scan.
        if len(atoms & self._index.rot13_ids) >= 2:
            views_aligned.append(decode.DerivedView("rot13", 0, len(text), decode.rot13(text)))
        if len(atoms & self._index.reversed_ids) >= 2:
            views_aligned.append(decode.DerivedView("reversed", 0, len(text), text[::-1]))
        for view in views_aligned:
            if view is None:
                continue
            # rot13 keeps every position; reversed mirrors it. Both are mapped in normalised space.
            sub = NormalizedText(view.text, view.text, OffsetMap.identity(len(view.text)))
            n = len(text)
            for hit in self._threat_hits(sub, detectors, policy, derived=False):
                start, end = (hit.start, hit.end) if view.via == "rot13" else (n - hit.end, n - hit.start)
                hit.start, hit.end = norm.offsets.to_original(start, end)
                hit.decoded_via = view.via
                hits.append(hit)
        views: list[tuple[decode.DerivedView, bool]] = []
        views.extend((v, True) for v in decode.find_encoded_runs(norm.original))
        views.extend((v, False) for v in decode.spaced_letter_views(text))
        for hidden, start, end in norm.hidden_tag_text:
            if hidden.strip():
                views.append((decode.DerivedView("unicode_tags", start, end, hidden), True))
        for view, original_coords in views:
            if original_coords:
                o_start, o_end = view.start, view.end
            else:
                o_start, o_end = norm.offsets.to_original(view.start, view.end)
            inner = normalize(view.text)
            for hit in self._threat_hits(inner, detectors | {"obfuscation"}, policy, depth=depth + 1):
                hit.start, hit.end = o_start, o_end
                hit.decoded_via = hit.decoded_via or view.via
                hits.append(hit)
        return hits

    def _semantic_hits(self, norm: NormalizedText, detectors: frozenset[str], policy: Policy,
                       found_so_far: list[_Hit]) -> list[_Hit]:
        """The learned voice: its best window, reported under the category it predicts.

        Only a score that would count (at or above the detector's policy threshold) is reported: the
        window is coarse, and a silent voice's window is noise in the findings. When a hand-written
        voice already pinned down the same category inside the window, that precise span is reported.
        """
        if detectors.isdisjoint(_SEMANTIC_DETECTOR.values()):
            return []
        found = self._classifier.score(norm.text)
        if found is None:
            return []
        detector = _SEMANTIC_DETECTOR[found.category]
        score = self._classifier.council_score(found.probability, found.category)
        if detector not in detectors or score <= 0 or score < policy.detector(detector).threshold:
            return []
        start, end = norm.offsets.to_original(found.start, found.end)
        inside = [h for h in found_so_far if h.category == found.category and start <= h.start < end]
        if inside:
            first = min(inside, key=lambda h: h.start)
            start, end = first.start, first.end
        return [_Hit(detector, found.category, f"sem.{found.category}", round(score, 4), start, end,
                     f"learned classifier: P(attack) {found.probability:.2f}, most like {found.category.replace('_', ' ')}")]

    @staticmethod
    def _directive_template_hits(norm: NormalizedText) -> list[_Hit]:
        """A long prompt that lays down many rules for the model about how 'it' must behave.

        Persona jailbreaks are rule lists ("you will ...", "always ...", "never ...") aimed at the
        model; ordinary requests rarely carry more than a couple of such directives.
        """
        if _MODEL_REFERENCE.search(norm.text) is None:
            return []
        directives = _DIRECTIVE.spans(norm.text)
        if len(directives) < 6:
            return []
        score = 0.5 if len(directives) >= 10 else 0.4
        return [_Hit("roleplay_structure", "jailbreak", "struct.directive_template", score, 0, len(norm.original),
                     f"{len(directives)} behavioural directives addressed to the model")]

    @staticmethod
    def _obfuscation_hits(norm: NormalizedText, hits: list[_Hit]) -> list[_Hit]:
        out: list[_Hit] = []
        by_kind: dict[str, list[tuple[int, int]]] = {}
        for name, start, end in norm.changes:
            by_kind.setdefault(name, []).append((start, end))
        threat_spans = [(h.start, h.end) for h in hits if h.detector in _THREAT_DETECTORS]
        for kind, spans in by_kind.items():
            start, end = spans[0][0], spans[-1][1]
            if kind in _OBFUSCATION_SCORES:
                score, reason = _OBFUSCATION_SCORES[kind]
                if kind == "invisible_stripped" and len(spans) < 2:
                    continue  # a single stray BOM or joiner is normal in copied text
                out.append(_Hit("obfuscation", "obfuscation", f"obf.{kind}", score, start, end,
                                f"{reason} ({len(spans)} characters)"))
            elif kind == "leetspeak_folded":
                inside = [s for s in spans if any(a <= s[0] < b for a, b in threat_spans)]
                if inside:
                    out.append(_Hit("obfuscation", "obfuscation", "obf.leetspeak", 0.5, inside[0][0], inside[-1][1],
                                    "leetspeak spelling of a flagged phrase"))
        decoded = [h for h in hits if h.decoded_via]
        for via in sorted({h.decoded_via for h in decoded}):
            first = next(h for h in decoded if h.decoded_via == via)
            out.append(_Hit("obfuscation", "obfuscation", f"obf.{via}", 0.6, first.start, first.end,
                            f"flagged content hidden with {via.replace('_', ' ')}", decoded_via=via))
        return out

    @staticmethod
    def _embedded_hits(norm: NormalizedText, *, is_document: bool) -> list[_Hit]:
        hits = []
        for hit in find_embedded_instructions(norm.text, is_document=is_document):
            start, end = norm.offsets.to_original(hit.start, hit.end)
            hits.append(_Hit("embedded_instructions", "prompt_injection", "emb.instruction", hit.score, start, end, hit.reason))
        return hits

    @staticmethod
    def _to_findings(hits: list[_Hit], source: str, index: int, weight: float) -> list[Finding]:
        # One finding per detector and span: the same phrase matched by two languages' rules
        # (English and French "ignore ... instructions") is one piece of evidence, not two.
        best: dict[tuple[str, int, int, str], _Hit] = {}
        for hit in hits:
            key = (hit.detector, hit.start, hit.end, hit.decoded_via)
            if key not in best or hit.score > best[key].score:
                best[key] = hit
        return [Finding(hit.category, hit.detector, round(hit.score * weight, 4), source, index,  # type: ignore[arg-type]
                        hit.start, hit.end, hit.reason, rule=hit.rule, decoded_via=hit.decoded_via)
                for hit in best.values()]

    @staticmethod
    def _decoded_spans(findings: list[Finding]) -> list[tuple[int, int]]:
        return [(f.start, f.end) for f in findings if f.decoded_via and f.source == "text"]

    @staticmethod
    def _secret_findings(text: str, source: str, index: int, skip: list[tuple[int, int]] = ()) -> list[Finding]:  # type: ignore[assignment]
        findings = []
        for match in find_secrets(text):
            # A base64 run that decoded into readable instructions is obfuscation, not a key.
            if match.entity == "HIGH_ENTROPY_TOKEN" and any(a <= match.start < b for a, b in skip):
                continue
            if match.entity == "HIGH_ENTROPY_TOKEN" and decode.find_encoded_runs(text[match.start:match.end]):
                continue
            findings.append(Finding("secret", "secrets", match.score, source, index, match.start, match.end,  # type: ignore[arg-type]
                                    match.reason, rule=f"secret.{match.entity.lower()}", entity=match.entity))
        return findings

    @staticmethod
    def _pii_findings(text: str, source: str, index: int, policy: Policy) -> list[Finding]:
        return [Finding("pii", "pii", m.score, source, index, m.start, m.end, m.reason,  # type: ignore[arg-type]
                        rule=f"pii.{m.entity.lower()}", entity=m.entity)
                for m in find_pii(text, policy.pii_entities)]

    def _decide(self, text: str, findings: list[Finding], policy: Policy, notes: list[str], explain: bool) -> ScreenResult:
        by_detector: dict[str, dict[str, float]] = {}
        for finding in findings:
            rules = by_detector.setdefault(finding.detector, {})
            key = finding.rule or finding.reason
            rules[key] = max(rules.get(key, 0.0), finding.score)
        votes: list[Vote] = []
        fired: dict[str, float] = {}
        silent = self._facts(policy).silent_votes
        for name, info in _DETECTORS.items():
            if name not in by_detector:
                if name in silent:
                    votes.append(silent[name])
                continue
            spec = policy.detector(name)
            if not spec.enabled:
                continue
            score = round(min(0.999, _noisy_or(by_detector.get(name, {}).values())), 4)
            is_fired = score >= spec.threshold and score > 0
            votes.append(Vote(name, info.category, score, spec.weight, is_fired))
            if is_fired:
                fired[name] = score * spec.weight
        action_of = policy.actions
        risky = [name for name in fired if action_of.get(_DETECTORS[name].category) in ("block", "score")]
        # Rounded like the votes: 1 - (1 - 0.45) is 0.44999999999999996 in floats, and a signal scored
        # exactly at the threshold must block.
        block_risk = round(_noisy_or(fired[name] for name in risky), 6)
        risk = round(_noisy_or(fired.values()), 6)
        blocking_voice = any(action_of.get(_DETECTORS[n].category) == "block" for n in fired)
        redacting = [f for f in findings if action_of.get(f.category) == "redact"
                     and f.detector in fired and f.source in ("text", "output")]
        if blocking_voice and block_risk >= policy.block_threshold:
            verdict = "block"
        elif redacting:
            verdict = "redact"
        else:
            verdict = "allow"

        redacted_text = text
        final_findings = findings
        if redacting:
            spans = [(f.start, f.end, f.entity or f.category.upper()) for f in redacting]
            redacted_text, assigned = mask(text, spans)
            redacting_ids = {id(f) for f in redacting}
            final_findings = [
                Finding(f.category, f.detector, f.score, f.source, f.source_index, f.start, f.end, f.reason, f.rule,
                        f.decoded_via, f.entity, assigned.get((f.start, f.end), ""))
                if id(f) in redacting_ids else f for f in findings
            ]
        final_findings.sort(key=lambda f: (f.source, f.source_index, f.start, -f.score))
        explanation: list[str] = []
        if explain:
            explanation.append(f"tenant '{policy.tenant}' policy {policy.version}: block threshold {policy.block_threshold}")
            for vote in votes:
                if vote.score > 0:
                    explanation.append(f"voice {vote.detector} ({vote.category}): score {vote.score:.2f} x weight "
                                       f"{vote.weight:.2f} -> {'fired' if vote.fired else 'below threshold'}")
            explanation.append(f"council risk {risk:.2f}; blocking-category risk {block_risk:.2f}")
            for f in final_findings:
                via = f" (decoded via {f.decoded_via})" if f.decoded_via else ""
                explanation.append(f"{f.source}[{f.source_index}] {f.start}-{f.end} {f.category}/{f.detector} "
                                   f"{f.score:.2f}: {f.reason}{via}")
            if notes:
                explanation.append("normalisations: " + ", ".join(notes))
            explanation.append(f"verdict {verdict}")
        categories = tuple(sorted({f.category for f in final_findings if f.detector in fired}))
        return ScreenResult(verdict=verdict, risk_score=round(risk, 4), findings=tuple(final_findings), votes=tuple(votes),
                            redacted_text=redacted_text, normalizations=tuple(dict.fromkeys(notes)),
                            explanation=tuple(explanation), tenant=policy.tenant, policy_version=policy.version,
                            categories=categories)
