"""Literal prefilter for the lexicon: which rules can possibly match a text, found in one pass.

Running a few hundred Python regexes over every prompt is what made the engine slow. Instead, each
rule's regex is analysed once (with the standard library's own regex parser) into the literal
strings any match *must* contain, as a conjunction of alternatives: "ignore|disregard|forget" AND
"instruction|instructions|rules|...". All those literals ("atoms") go into one RE2 set
(``google-re2``: a single DFA) that finds every atom of a text in one linear pass; a
rule's regex runs only when each of its alternatives has an atom in the text, so an ordinary
prompt runs a handful of regexes instead of hundreds. This is the idea of RE2's FilteredRE2 and
Hyperscan's literal prefilters, applied to Python ``re`` patterns.

The analysis is conservative: anything it does not understand (character classes, optional parts,
lookarounds, case-insensitive groups) contributes no requirement, so the filter can let a rule run
needlessly but never hides a match. ``tests/unit/guard/test_prefilter.py`` checks that property.
Without ``google-re2`` the same atoms are found with ``in`` (slower, same results).
"""

from __future__ import annotations

import re
import re._constants as sre_c  # the stdlib parser's public-in-practice internals (Python 3.11+)
import re._parser as sre_parse
from dataclasses import dataclass
from typing import Iterable

try:  # C++ extension; optional so the engine still works (slower) where it is not installed
    import re2
except ImportError:  # pragma: no cover - exercised only without the dependency
    re2 = None

__all__ = ["required_literals", "AtomScanner", "Requirement"]

# An atom shorter than this matches almost every text and would only cost time.
MIN_ATOM = 3
_MAX_EXACT = 24  # cap on the number of exact strings tracked for one sub-pattern

Requirement = list[frozenset[str]]  # AND over clauses; a clause is an OR over literal atoms


@dataclass(frozen=True)
class _Info:
    """What a sub-pattern guarantees: an exact set of strings it matches, or required clauses."""

    exact: frozenset[str] | None
    clauses: tuple[frozenset[str], ...] = ()


_EMPTY = _Info(frozenset({""}))
_ANY = _Info(None, ())


def _useful(atom: str) -> bool:
    """Long enough to be selective: 3 Latin letters, 2 other letters, 1 CJK ideograph or kana."""
    if len(atom) >= MIN_ATOM:
        return True
    if atom.isascii():
        return False
    return len(atom) >= 2 or ord(atom) >= 0x2E80


def _clauses(info: _Info) -> tuple[frozenset[str], ...]:
    if info.exact is not None:
        if info.exact and all(_useful(s) for s in info.exact):
            return (info.exact,)
        return ()
    return info.clauses


def _best_clause(info: _Info) -> frozenset[str] | None:
    clauses = _clauses(info)
    if not clauses:
        return None
    return max(clauses, key=lambda c: (min(len(s) + 2 * (not s.isascii()) for s in c), -len(c)))


def _concat(a: _Info, b: _Info) -> _Info:
    if a.exact is not None and b.exact is not None and len(a.exact) * len(b.exact) <= _MAX_EXACT:
        return _Info(frozenset(x + y for x in a.exact for y in b.exact))
    return _Info(None, _clauses(a) + _clauses(b))


def _alternate(infos: list[_Info]) -> _Info:
    if all(i.exact is not None for i in infos):
        union = frozenset().union(*(i.exact for i in infos))  # type: ignore[arg-type]
        if len(union) <= _MAX_EXACT * 4:
            return _Info(union)
    merged: set[str] = set()
    for info in infos:
        clause = _best_clause(info)
        if clause is None:
            return _ANY
        merged |= clause
    return _Info(None, (frozenset(merged),))


def _char_class(items: list) -> _Info:
    chars: set[str] = set()
    for op, arg in items:
        if op is sre_c.LITERAL:
            chars.add(chr(arg))
        elif op is sre_c.RANGE and arg[1] - arg[0] < 8:
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        else:  # NEGATE, CATEGORY, wide ranges: nothing exact to say
            return _ANY
    return _Info(frozenset(chars)) if 0 < len(chars) <= 8 else _ANY


def _sequence(items: Iterable) -> _Info:
    # Literal runs are built up exactly; a non-exact item (e.g. ``\s+``) closes the run, whose
    # strings become one clause, and contributes its own clauses.
    clauses: tuple[frozenset[str], ...] = ()
    run = _EMPTY
    exact_so_far = True
    for op, arg in items:
        info = _item(op, arg)
        if info.exact is not None:
            if len(run.exact) * len(info.exact) <= _MAX_EXACT:  # type: ignore[arg-type]
                run = _concat(run, info)
            else:
                clauses += _clauses(run)
                run = info
                exact_so_far = False
        else:
            clauses += _clauses(run) + info.clauses
            run = _EMPTY
            exact_so_far = False
    if exact_so_far:
        return run
    return _Info(None, clauses + _clauses(run))


def _item(op, arg) -> _Info:  # noqa: ANN001 - sre parser tuples
    if op is sre_c.LITERAL:
        return _Info(frozenset({chr(arg)}))
    if op is sre_c.IN:
        return _char_class(arg)
    if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return _EMPTY  # zero-width: consumes nothing, requires nothing we rely on
    if op is sre_c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = arg
        if add_flags & sre_c.SRE_FLAG_IGNORECASE:
            return _ANY
        return _sequence(sub)
    if op is sre_c.BRANCH:
        return _alternate([_sequence(branch) for branch in arg[1]])
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
        low, high, sub = arg
        inner = _sequence(sub)
        if low == 0:
            # "x?" is exactly "" or x; a longer optional run is unknown text (never "" glue).
            if high == 1 and inner.exact is not None and len(inner.exact) < _MAX_EXACT:
                return _Info(inner.exact | {""})
            return _ANY
        if low == 1 and high == 1:
            return inner
        return _Info(None, _clauses(inner))
    if op is getattr(sre_c, "ATOMIC_GROUP", None):
        return _sequence(arg)
    return _ANY  # ANY, NOT_LITERAL, GROUPREF, CATEGORY outside a class, ...


def required_literals(pattern: str | re.Pattern[str]) -> Requirement:
    """Clauses of literal strings that every match of ``pattern`` contains (AND of ORs).

    An empty list means the analysis found no requirement: the pattern must always run.
    """
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    if flags & re.IGNORECASE:
        return []
    parsed = sre_parse.parse(source, flags)
    if parsed.state.flags & sre_c.SRE_FLAG_IGNORECASE:  # an inline "(?i)" at the start
        return []
    clauses = _clauses(_sequence(parsed))
    # Drop clauses implied by a smaller one (a clause that contains another adds nothing).
    unique = sorted(set(clauses), key=len)
    kept: list[frozenset[str]] = []
    for clause in unique:
        if not any(other <= clause for other in kept):
            kept.append(clause)
    return kept


class AtomScanner:
    """Finds which of a fixed set of literal atoms occur in a text, in one pass.

    Uses an RE2 ``Set`` (``google-re2``: one DFA over all atoms, linear time, no per-match Python
    work); about 6x faster than pyahocorasick's iterator on a 2 KB prompt with ~3,000 atoms.
    """

    def __init__(self, atoms: Iterable[str]) -> None:
        self.atoms: list[str] = sorted(set(atoms))
        self.ids: dict[str, int] = {atom: i for i, atom in enumerate(self.atoms)}
        self._set = None
        if re2 is not None and self.atoms:
            atom_set = re2.Set.SearchSet(re2.Options())
            for atom in self.atoms:
                if atom_set.Add(re.escape(atom)) != self.ids[atom]:  # pragma: no cover - RE2 numbers in order
                    raise RuntimeError("RE2 set numbering out of step")
            atom_set.Compile()
            self._set = atom_set

    @property
    def accelerated(self) -> bool:
        return self._set is not None

    def found(self, text: str) -> set[int]:
        """Ids of the atoms that occur in ``text``."""
        if self._set is not None:
            try:
                # UTF-8 is self-synchronising: an atom's bytes occur in the text's bytes exactly where it occurs.
                return set(self._set.Match(text.encode("utf-8")) or ())
            except UnicodeEncodeError:  # lone surrogates (not valid UTF-8; only in-process callers)
                pass
        return {i for i, atom in enumerate(self.atoms) if atom in text}
