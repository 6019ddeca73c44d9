"""RE2 for the Guard's Python patterns: fast "could this match?" gates and exact searches on ASCII text.

Python's ``re`` tries a pattern at every position and costs 50-300 µs per pass over a 2 KB
prompt when the pattern starts with a character class or an assertion; RE2 (``google-re2``) runs
a DFA and answers in a few microseconds. Most passes (base64 runs, hex runs, spaced letters,
leetspeak hints) find nothing in ordinary text, so a gate that says "no" skips the Python pass.

Patterns are written once, for Python, and translated here from the standard library's own parse
tree into RE2 syntax, so the two engines agree:

* ``gate`` builds a *superset* pattern: lookarounds and ``^``/``$`` are dropped, so "no" is always
  safe and "maybe" leaves the decision to the Python regex.
* ``Searcher`` needs the *same* matches: it is only built from patterns that translate exactly
  (no lookarounds, backreferences, ``$`` or inline flags) and otherwise stays on Python ``re``.

RE2's ``\\w``, ``\\d`` and ``\\b`` are ASCII-only while Python's are Unicode, so exact answers come
from RE2 only for ASCII text (it is then given bytes, whose offsets are the character offsets). For
other text a gate runs a *widened* translation over UTF-8: every non-ASCII character counts as a
word character, a digit and a space (and as their opposites), word boundaries are dropped, and
inside a negated class the same classes shrink to their ASCII members, so the widened pattern
matches wherever Python's does. A ``Searcher`` uses that gate to skip the Python pass on non-ASCII
text that cannot match. Without ``google-re2`` the Python regex decides everything. Python's
``\\s`` also matches ``\\v`` and ``\\x1c``-``\\x1f``, which RE2's does not: the translation spells
the class out.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # the stdlib parser's public-in-practice internals (Python 3.11+)
import re._parser as sre_parse
from typing import Any, Callable

try:
    import re2
except ImportError:  # pragma: no cover - exercised only without the dependency
    re2 = None

__all__ = ["gate", "Searcher", "to_re2"]

_PY_SPACE = r"\t-\r\x{1c}-\x{1f} "  # Python's \s restricted to ASCII
_REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT)
_EXACT, _SUPERSET, _ANYWHERE = 0, 1, 2  # translation modes, see to_re2


class _Untranslatable(Exception):
    pass


def _char(code: int) -> str:
    char = chr(code)
    return char if char.isascii() and char.isalnum() else f"\\x{{{code:x}}}"


def _char_class(items: list[tuple[Any, Any]], mode: int, wide: bool) -> str:
    negate = bool(items) and items[0][0] is sre_c.NEGATE
    parts: list[str] = []
    for op, arg in items[1:] if negate else items:
        if op is sre_c.LITERAL:
            parts.append(_char(arg))
        elif op is sre_c.RANGE:
            parts.append(f"{_char(arg[0])}-{_char(arg[1])}")
        elif op is sre_c.CATEGORY and wide:
            # A negated class must exclude no more than Python does: use the ASCII members only.
            parts.append((_NARROW if negate else _WIDE)[arg])
        elif op is sre_c.CATEGORY and arg in _CATEGORIES:
            parts.append(_CATEGORIES[arg])
        elif op is sre_c.CATEGORY and arg is sre_c.CATEGORY_NOT_SPACE and mode and not negate:
            parts.append(r"\S")  # RE2's \S also takes \v and \x1c-\x1f: wider, fine for a gate
        else:
            raise _Untranslatable(f"class item {op} {arg}")
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


_CATEGORIES = {sre_c.CATEGORY_DIGIT: r"\d", sre_c.CATEGORY_NOT_DIGIT: r"\D", sre_c.CATEGORY_WORD: r"\w",
               sre_c.CATEGORY_NOT_WORD: r"\W", sre_c.CATEGORY_SPACE: _PY_SPACE}
# Widened translations (UTF-8 gates): each class plus every non-ASCII character ...
_ANY_NON_ASCII = r"\x{80}-\x{10ffff}"
_WIDE = {
    sre_c.CATEGORY_DIGIT: "0-9" + _ANY_NON_ASCII,
    sre_c.CATEGORY_NOT_DIGIT: r"\x{0}-/:-\x{10ffff}",
    sre_c.CATEGORY_WORD: "0-9A-Za-z_" + _ANY_NON_ASCII,
    sre_c.CATEGORY_NOT_WORD: r"\x{0}-/:-@\[-^`{-\x{10ffff}",
    sre_c.CATEGORY_SPACE: _PY_SPACE + _ANY_NON_ASCII,
    sre_c.CATEGORY_NOT_SPACE: r"\x{0}-\x{8}\x{e}-\x{1b}!-\x{10ffff}",
}
# ... and, inside a negated class, only its ASCII members (all of which Python's class has too).
_NARROW = {
    sre_c.CATEGORY_DIGIT: "0-9",
    sre_c.CATEGORY_NOT_DIGIT: r"\x{0}-/:-\x{7f}",
    sre_c.CATEGORY_WORD: "0-9A-Za-z_",
    sre_c.CATEGORY_NOT_WORD: r"\x{0}-/:-@\[-^`{-\x{7f}",
    sre_c.CATEGORY_SPACE: _PY_SPACE,
    sre_c.CATEGORY_NOT_SPACE: r"\x{0}-\x{8}\x{e}-\x{1b}!-\x{7f}",
}


def _sequence(items: Any, mode: int, wide: bool) -> str:
    return "".join(_item(op, arg, mode, wide) for op, arg in items)


def _item(op: Any, arg: Any, mode: int, wide: bool) -> str:
    if op is sre_c.LITERAL:
        return _char(arg)
    if op is sre_c.NOT_LITERAL:
        return f"[^{_char(arg)}]"
    if op is sre_c.ANY:
        return "."
    if op is sre_c.IN:
        return _char_class(arg, mode, wide)
    if op is sre_c.BRANCH:
        return "(?:" + "|".join(_sequence(branch, mode, wide) for branch in arg[1]) + ")"
    if op is sre_c.SUBPATTERN:
        _group, add_flags, del_flags, sub = arg
        if add_flags or del_flags:
            raise _Untranslatable("inline flags")
        return "(?:" + _sequence(sub, mode, wide) + ")"
    if op in _REPEATS:
        low, high, sub = arg
        counts = f"{{{low},}}" if high is sre_c.MAXREPEAT else f"{{{low},{high}}}"
        return "(?:" + _sequence(sub, mode, wide) + ")" + counts + ("?" if op is sre_c.MIN_REPEAT else "")
    if op is sre_c.AT:
        if mode == _ANYWHERE:
            return ""  # a substring has its own edges: every anchor and boundary may hold there
        if wide and arg in (sre_c.AT_BOUNDARY, sre_c.AT_NON_BOUNDARY):
            return ""  # Python's word boundaries are Unicode ones: dropping them only widens
        if arg is sre_c.AT_BOUNDARY:
            return r"\b"
        if arg is sre_c.AT_NON_BOUNDARY:
            return r"\B"
        if arg in (sre_c.AT_BEGINNING, sre_c.AT_BEGINNING_STRING):
            return r"\A"
        if arg is sre_c.AT_END_STRING:  # Python's \Z is RE2's \z
            return r"\z"
        if mode:  # "$" also matches before a final newline, which RE2 cannot say: drop it
            return ""
        raise _Untranslatable("end anchor")
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT) and mode:
        return ""  # dropping a lookaround only widens the pattern
    raise _Untranslatable(str(op))


def to_re2(pattern: str | re.Pattern[str], *, superset: bool = False, anywhere: bool = False,
           wide: bool = False) -> str | None:
    """The RE2 spelling of a Python pattern (same matches on ASCII text), or None when there is none.

    With ``superset`` the result may match more (lookarounds and end anchors dropped), never less.
    With ``anywhere`` it also finds, in a text, every match the pattern has in any *substring* of it
    (all anchors and word boundaries dropped too): a gate for patterns run on pieces of a text.
    With ``wide`` (implies ``superset``) it matches wherever Python's pattern does in *any* text,
    searched as UTF-8 (see the module docstring).
    """
    mode = _ANYWHERE if anywhere else _SUPERSET if superset or wide else _EXACT
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    parsed = sre_parse.parse(source, flags)
    if parsed.state.flags & ~(sre_c.SRE_FLAG_UNICODE):
        return None  # IGNORECASE, MULTILINE, DOTALL, VERBOSE: not worth translating
    try:
        return _sequence(parsed, mode, wide)
    except _Untranslatable:
        return None


def gate(pattern: str | re.Pattern[str], *, anywhere: bool = False) -> Callable[[str], bool]:
    """A predicate that is False only when ``pattern`` certainly has no match in ``text``
    (with ``anywhere``: nor in any substring of ``text``)."""
    translated = to_re2(pattern, superset=True, anywhere=anywhere) if re2 is not None else None
    if translated is None:
        return lambda text: True
    span_from = _span_from(re2.compile(translated))
    wide_search = _wide_search(pattern, anywhere=anywhere)

    def maybe(text: str) -> bool:
        if text.isascii():
            return span_from(text.encode("ascii"), 0) is not None
        return wide_search(text)

    return maybe


def _wide_search(pattern: str | re.Pattern[str], *, anywhere: bool = False) -> Callable[[str], bool]:
    """Gate for any text: RE2 over UTF-8 with the widened translation (True when there is none)."""
    translated = to_re2(pattern, wide=True, anywhere=anywhere) if re2 is not None else None
    if translated is None:
        return lambda text: True
    span_from = _span_from(re2.compile(translated))

    def maybe(text: str) -> bool:
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates (only from in-process callers): let Python decide
            return True
        return span_from(encoded, 0) is not None

    return maybe


def _span_from(compiled: Any) -> Callable[[bytes, int], tuple[int, int] | None]:
    """(start, end) of the leftmost match of a compiled RE2 pattern in ``data`` from ``pos``, or None.

    google-re2's ``search`` makes a generator and a Match object per call, which costs as much as
    the search itself on a 2 KB prompt; the compiled RE2 object's ``Match`` returns the spans
    directly. If a google-re2 release moves that internal, the public ``search`` answers.
    """
    regexp = getattr(compiled, "_regexp", None)
    anchor = getattr(getattr(getattr(re2, "_re2", None), "RE2", None), "Anchor", None)
    if regexp is None or anchor is None or not hasattr(regexp, "Match"):  # pragma: no cover - other releases
        def public(data: bytes, pos: int) -> tuple[int, int] | None:
            m = compiled.search(data, pos)
            return m.span() if m is not None else None
        return public
    match, unanchored = regexp.Match, anchor.UNANCHORED

    def span_from(data: bytes, pos: int) -> tuple[int, int] | None:
        span = match(unanchored, data, pos, len(data))[0]
        return span if span[0] >= 0 else None

    return span_from


class Searcher:
    """``search`` / ``spans`` with a Python pattern, answered by RE2 for ASCII text (same result, 5-20x faster)."""

    def __init__(self, python_pattern: re.Pattern[str]) -> None:
        self.python = python_pattern
        # A pattern that can match the empty string stays on Python: after an empty match finditer
        # forbids another empty one at the same place, which a plain RE2 search cannot say.
        can_be_empty = sre_parse.parse(python_pattern.pattern, python_pattern.flags).getwidth()[0] == 0
        translated = to_re2(python_pattern) if re2 is not None and not can_be_empty else None
        self.fast = re2.compile(translated) if translated is not None else None
        self._span_from = _span_from(self.fast) if self.fast is not None else None
        self.maybe = _wide_search(python_pattern)  # for other text: skips the Python pass when it cannot match

    def search(self, text: str) -> tuple[int, int] | None:
        """(start, end) of the leftmost match, or None."""
        if text.isascii() and self._span_from is not None:
            return self._span_from(text.encode("ascii"), 0)
        if self.maybe(text):
            m = self.python.search(text)
        else:
            return None
        return m.span() if m is not None else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every match, as ``finditer`` finds them."""
        if text.isascii() and self._span_from is not None:
            data = text.encode("ascii")
            found: list[tuple[int, int]] = []
            pos, end = 0, len(data)
            while pos < end and (span := self._span_from(data, pos)) is not None:
                found.append(span)
                pos = span[1]  # never empty (see __init__), so the search moves on
            return found
        if not self.maybe(text):
            return []
        return [m.span() for m in self.python.finditer(text)]
