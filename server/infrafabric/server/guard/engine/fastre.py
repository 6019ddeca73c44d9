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

RE2's ``\\w``, ``\\d`` and ``\\b`` are ASCII-only while Python's are Unicode, so RE2 answers only for
ASCII text (it is then given bytes, whose offsets are the character offsets); for other text, and
when ``google-re2`` is not installed, the Python regex decides. Python's ``\\s`` also matches
``\\v`` and ``\\x1c``-``\\x1f``, which RE2's does not: the translation spells the class out.
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


def _char_class(items: list[tuple[Any, Any]], mode: int) -> str:
    negate = bool(items) and items[0][0] is sre_c.NEGATE
    parts: list[str] = []
    for op, arg in items[1:] if negate else items:
        if op is sre_c.LITERAL:
            parts.append(_char(arg))
        elif op is sre_c.RANGE:
            parts.append(f"{_char(arg[0])}-{_char(arg[1])}")
        elif op is sre_c.CATEGORY and arg in _CATEGORIES:
            parts.append(_CATEGORIES[arg])
        elif op is sre_c.CATEGORY and arg is sre_c.CATEGORY_NOT_SPACE and mode and not negate:
            parts.append(r"\S")  # RE2's \S also takes \v and \x1c-\x1f: wider, fine for a gate
        else:
            raise _Untranslatable(f"class item {op} {arg}")
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


_CATEGORIES = {sre_c.CATEGORY_DIGIT: r"\d", sre_c.CATEGORY_NOT_DIGIT: r"\D", sre_c.CATEGORY_WORD: r"\w",
               sre_c.CATEGORY_NOT_WORD: r"\W", sre_c.CATEGORY_SPACE: _PY_SPACE}


def _sequence(items: Any, mode: int) -> str:
    return "".join(_item(op, arg, mode) for op, arg in items)


def _item(op: Any, arg: Any, mode: int) -> str:
    if op is sre_c.LITERAL:
        return _char(arg)
    if op is sre_c.NOT_LITERAL:
        return f"[^{_char(arg)}]"
    if op is sre_c.ANY:
        return "."
    if op is sre_c.IN:
        return _char_class(arg, mode)
    if op is sre_c.BRANCH:
        return "(?:" + "|".join(_sequence(branch, mode) for branch in arg[1]) + ")"
    if op is sre_c.SUBPATTERN:
        _group, add_flags, del_flags, sub = arg
        if add_flags or del_flags:
            raise _Untranslatable("inline flags")
        return "(?:" + _sequence(sub, mode) + ")"
    if op in _REPEATS:
        low, high, sub = arg
        counts = f"{{{low},}}" if high is sre_c.MAXREPEAT else f"{{{low},{high}}}"
        return "(?:" + _sequence(sub, mode) + ")" + counts + ("?" if op is sre_c.MIN_REPEAT else "")
    if op is sre_c.AT:
        if mode == _ANYWHERE:
            return ""  # a substring has its own edges: every anchor and boundary may hold there
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


def to_re2(pattern: str | re.Pattern[str], *, superset: bool = False, anywhere: bool = False) -> str | None:
    """The RE2 spelling of a Python pattern (same matches on ASCII text), or None when there is none.

    With ``superset`` the result may match more (lookarounds and end anchors dropped), never less.
    With ``anywhere`` it also finds, in a text, every match the pattern has in any *substring* of it
    (all anchors and word boundaries dropped too): a gate for patterns run on pieces of a text.
    """
    mode = _ANYWHERE if anywhere else _SUPERSET if superset else _EXACT
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    parsed = sre_parse.parse(source, flags)
    if parsed.state.flags & ~(sre_c.SRE_FLAG_UNICODE):
        return None  # IGNORECASE, MULTILINE, DOTALL, VERBOSE: not worth translating
    try:
        return _sequence(parsed, mode)
    except _Untranslatable:
        return None


def gate(pattern: str | re.Pattern[str], *, anywhere: bool = False) -> Callable[[str], bool]:
    """A predicate that is False only when ``pattern`` certainly has no match in ``text``
    (with ``anywhere``: nor in any substring of ``text``)."""
    translated = to_re2(pattern, superset=True, anywhere=anywhere) if re2 is not None else None
    if translated is None:
        return lambda text: True
    search = re2.compile(translated).search

    def maybe(text: str) -> bool:
        return not text.isascii() or search(text.encode("ascii")) is not None

    return maybe


class Searcher:
    """``search`` / ``spans`` with a Python pattern, answered by RE2 for ASCII text (same result, 5-20x faster)."""

    def __init__(self, python_pattern: re.Pattern[str]) -> None:
        self.python = python_pattern
        translated = to_re2(python_pattern) if re2 is not None else None
        self.fast = re2.compile(translated) if translated is not None else None

    def search(self, text: str) -> tuple[int, int] | None:
        """(start, end) of the leftmost match, or None."""
        if self.fast is not None and text.isascii():
            m = self.fast.search(text.encode("ascii"))
        else:
            m = self.python.search(text)
        return m.span() if m is not None else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every match, as ``finditer`` finds them."""
        if self.fast is not None and text.isascii():
            return [m.span() for m in self.fast.finditer(text.encode("ascii"))]
        return [m.span() for m in self.python.finditer(text)]
