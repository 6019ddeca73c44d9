"""Text normalisation for Guard: one canonical view of the input plus a map back to the original.

Every detector that looks for words (injection, jailbreak, unsafe content) reads the normalised
view, so obfuscation tricks (fullwidth letters, zero-width joiners, Cyrillic look-alikes, accents,
leetspeak) collapse onto the plain spelling the lexicons are written in. Findings must still point
into the text the caller sent, so the normaliser records an offset map. The map is a short list of
segments rather than one integer per character: most text is plain ASCII and stays a single
identity segment, which keeps normalising an 800 KB document cheap.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .fastre import Searcher

__all__ = ["OffsetMap", "NormalizedText", "normalize", "normalize_pattern", "fold_char"]

# Characters that render as nothing (or steer rendering) and are used to split trigger words.
_INVISIBLE = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]  # zero-width space/joiners, LRM/RLM
    + [chr(c) for c in range(0x202A, 0x202F)]  # bidi embeddings and overrides
    + [chr(c) for c in range(0x2060, 0x2065)]  # word joiner, invisible operators
    + [chr(c) for c in range(0x2066, 0x206A)]  # bidi isolates
    + [chr(c) for c in range(0xFE00, 0xFE10)]  # variation selectors
    + ["\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u180e", "\ufeff", "\u3164"]
)
_TAG_FIRST, _TAG_LAST = 0xE0000, 0xE007F

# Look-alike letters from Cyrillic, Greek and other scripts folded onto Latin. Only applied inside
# words that also contain Latin letters or in mostly-Latin text, so Russian and Greek stay readable.
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ᴠ": "v", "ᴡ": "w", "ɑ": "a", "ı": "i", "ɩ": "i",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j", "ɪ": "i", "ʀ": "r", "ꜱ": "s",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ғ": "f", "ʜ": "h", "ᴊ": "j", "ᴋ": "k",
    "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ǫ": "q", "ᴛ": "t", "ᴜ": "u", "ʏ": "y", "ᴢ": "z",
}
# Script-specific folds that are always safe (spelling variants, not look-alikes).
_ALWAYS = {
    "İ": "i", "ı": "i", "ß": "ss", "ẞ": "ss", "ё": "е", "Ё": "е",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ـ": "",
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "\u00a0": " ", "\u2028": "\n", "\u2029": "\n",
}
_ARABIC_MARKS = frozenset(chr(c) for c in list(range(0x064B, 0x0660)) + [0x0670])

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s", "!": "i"})
# Tokens that mix letters with leet digits; pure numbers and plain words are left alone.
_LEET_TOKEN = re.compile(r"(?<![\w@$])(?=[\w@$!]*[a-z])(?=[\w@$!]*[013457@$8])[a-z0-9@$!]*[a-z][a-z0-9@$!]*(?![\w@$])")
_LEET_HINT = re.compile(r"[a-z][013457@$8]|[013457@$8][a-z]")
_LEET_HINTS = Searcher(_LEET_HINT)
_LEET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$!")
# Version numbers, units and ordinals ("python3", "ipv4", "2nd", "10am") are not leetspeak.
_ORDINARY_ALNUM = re.compile(r"^(?:[a-z]{2,}\d+|\d+(?:st|nd|rd|th|am|pm|k|d|x|s|g|gb|mb|kb|px|ms|h|m|min|kg|km|cm|mm|ml))$")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CYR_GREEK = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
_ASCII_LETTERS = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class OffsetMap:
    """Maps half-open spans of the normalised text back to the original text.

    Segments are (norm_start, orig_start, norm_len, orig_len, identity). Identity segments map
    character for character; replaced segments map any inner position to the whole original run.
    """

    norm_starts: list[int]
    segments: list[tuple[int, int, int, int, bool]]
    original_length: int

    @classmethod
    def identity(cls, length: int) -> "OffsetMap":
        return cls([0], [(0, 0, length, length, True)], length)

    @property
    def is_identity(self) -> bool:
        return len(self.segments) == 1 and self.segments[0] == (0, 0, self.original_length, self.original_length, True)

    def _segment(self, pos: int) -> tuple[int, int, int, int, bool]:
        index = bisect.bisect_right(self.norm_starts, pos) - 1
        return self.segments[max(index, 0)]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        if not self.segments:
            return (0, 0)
        if self.is_identity:  # plain ASCII text: positions are the same in both texts
            orig_start = min(max(start, 0), self.original_length)
            return (orig_start, min(max(end, start + 1, orig_start), self.original_length))
        n0, o0, nlen, olen, ident = self._segment(start)
        orig_start = o0 + (start - n0) if ident else o0
        last = max(end - 1, start)
        n1, o1, nlen1, olen1, ident1 = self._segment(last)
        orig_end = (o1 + (last - n1) + 1) if ident1 else o1 + olen1
        orig_start = min(max(orig_start, 0), self.original_length)
        orig_end = min(max(orig_end, orig_start), self.original_length)
        return (orig_start, orig_end)


@dataclass
class NormalizedText:
    """The normalised view of one source text plus what was done to produce it."""

    original: str
    text: str
    offsets: OffsetMap
    # (name, original_start, original_end) for each normalisation that changed something.
    changes: list[tuple[str, int, int]] = field(default_factory=list)
    hidden_tag_text: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def applied(self) -> list[str]:
        seen: dict[str, None] = {}
        for name, _, _ in self.changes:
            seen.setdefault(name, None)
        return list(seen)


@lru_cache(maxsize=8192)
def fold_char(char: str) -> tuple[str, str]:
    """Canonical form of one non-ASCII character and the name of the change ('' if none)."""
    if char in _ALWAYS:
        return _ALWAYS[char], "script_fold"
    if char in _INVISIBLE:
        return "", "invisible_stripped"
    if char in _ARABIC_MARKS:
        return "", "diacritics_stripped"
    compat = unicodedata.normalize("NFKC", char)
    if compat != char:
        if compat.isascii():
            return compat, "nfkc"
        char_out, name = compat, "nfkc"
    else:
        char_out, name = char, ""
    decomposed = unicodedata.normalize("NFD", char_out)
    if len(decomposed) > 1 and decomposed[0].isascii() and decomposed[0].isalpha():
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        return stripped, name or "diacritics_stripped"
    if len(char_out) == 1 and unicodedata.combining(char_out) and unicodedata.category(char_out) == "Mn":
        # A loose combining mark (e.g. "i\u0308"): meaningful in Devanagari, noise after Latin.
        return char_out, name
    return char_out, name


def normalize_pattern(pattern: str) -> str:
    """Bring a lexicon pattern into the same form as normalised text (NFKC, folded, lowercase)."""
    out = []
    escaped = False
    for ch in pattern:
        if escaped:
            # An escape keeps its case: \S (non-space) must not become \s (space), nor \W become \w.
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch.isascii():
            out.append(ch.lower())
        else:
            out.append(fold_char(ch)[0].lower())
    return "".join(out)


def _is_latin_dominant(text: str) -> bool:
    return len(_ASCII_LETTERS.findall(text)) > 3 * len(_CYR_GREEK.findall(text))


def _word_has_ascii_letter(text: str, pos: int) -> bool:
    lo = pos
    while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] in _INVISIBLE) and pos - lo < 40:
        lo -= 1
    hi = pos + 1
    n = len(text)
    while hi < n and (text[hi].isalnum() or text[hi] in _INVISIBLE) and hi - pos < 40:
        hi += 1
    return any("a" <= c.lower() <= "z" for c in text[lo:hi])


def normalize(text: str) -> NormalizedText:
    """Return the canonical view of ``text`` with an offset map back into it."""
    if text.isascii():
        norm = text.lower()
        offsets = OffsetMap.identity(len(text))
        result = NormalizedText(text, norm, offsets)
    else:
        result = _normalize_unicode(text)
    _fold_leet(result)
    return result


def _normalize_unicode(text: str) -> NormalizedText:
    pieces: list[str] = []
    norm_starts: list[int] = []
    segments: list[tuple[int, int, int, int, bool]] = []
    changes: list[tuple[str, int, int]] = []
    hidden_tags: list[tuple[str, int, int]] = []
    npos = 0
    last = 0
    latin_dominant: bool | None = None
    tag_run: list[str] = []
    tag_start = -1

    def emit_identity(o_start: int, o_end: int) -> None:
        nonlocal npos
        if o_end > o_start:
            norm_starts.append(npos)
            segments.append((npos, o_start, o_end - o_start, o_end - o_start, True))
            pieces.append(text[o_start:o_end])
            npos += o_end - o_start

    for match in _NON_ASCII.finditer(text):
        pos = match.start()
        char = match.group()
        code = ord(char)
        if _TAG_FIRST <= code <= _TAG_LAST:
            # Unicode tag characters smuggle invisible ASCII; keep the decoded text for screening.
            emit_identity(last, pos)
            last = pos + 1
            if not tag_run or tag_start + len(tag_run) != pos:
                if tag_run:
                    hidden_tags.append(("".join(tag_run), tag_start, tag_start + len(tag_run)))
                tag_run, tag_start = [], pos
            if 0xE0020 <= code <= 0xE007E:
                tag_run.append(chr(code - 0xE0000))
            else:
                tag_run.append("")
            changes.append(("tag_characters_stripped", pos, pos + 1))
            continue
        replacement, change = fold_char(char)
        glyph = _HOMOGLYPHS.get(char) or _HOMOGLYPHS.get(char.lower())
        if glyph:
            if latin_dominant is None:
                latin_dominant = _is_latin_dominant(text)
            if latin_dominant or _word_has_ascii_letter(text, pos):
                replacement, change = glyph, "homoglyphs_folded"
        if replacement == char:
            continue
        emit_identity(last, pos)
        last = pos + 1
        if replacement:
            norm_starts.append(npos)
            segments.append((npos, pos, len(replacement), 1, False))
            pieces.append(replacement)
            npos += len(replacement)
        changes.append((change, pos, pos + 1))
    if tag_run:
        hidden_tags.append(("".join(tag_run), tag_start, tag_start + len(tag_run)))
    emit_identity(last, len(text))
    if not segments:
        segments.append((0, 0, 0, len(text), False))
        norm_starts.append(0)
    norm = "".join(pieces).lower()
    return NormalizedText(text, norm, OffsetMap(norm_starts, segments, len(text)), changes, hidden_tags)


def _fold_leet(result: NormalizedText) -> None:
    """Replace leetspeak digits inside mixed tokens (1:1, so the offset map stays valid)."""
    norm = result.text
    hints = _LEET_HINTS.spans(norm)
    if not hints:
        return
    # Visit only the tokens around leet hints instead of running the token regex over the text.
    pieces: list[str] = []
    last = 0  # end of the text already copied into pieces
    visited = 0  # end of the last token region looked at
    n = len(norm)
    for hint_start, hint_end in hints:
        if hint_start < visited:
            continue
        lo = hint_start
        while lo > 0 and norm[lo - 1] in _LEET_CHARS:
            lo -= 1
        hi = hint_end
        while hi < n and norm[hi] in _LEET_CHARS:
            hi += 1
        match = _LEET_TOKEN.search(norm, lo, hi + 1 if hi < n else n)
        while match is not None and match.end() <= hi:
            folded = _fold_token(result, norm, match)
            if folded != match.group():
                pieces.append(norm[last:match.start()])
                pieces.append(folded)
                last = match.end()
            match = _LEET_TOKEN.search(norm, match.end(), hi + 1 if hi < n else n)
        visited = hi
    if pieces:
        pieces.append(norm[last:])
        result.text = "".join(pieces)


def _fold_token(result: NormalizedText, norm: str, match: re.Match[str]) -> str:
    token = match.group()
    if "@" in token and norm[match.end():match.end() + 1] == ".":
        return token  # the local part of an e-mail address
    letters = sum(c.isalpha() for c in token)
    # Long alphanumeric strings are ids or hashes, not words written in leetspeak.
    if len(token) > 20 or letters < 2 or letters < len(token) // 3 or _ORDINARY_ALNUM.match(token):
        return token
    folded = token.translate(_LEET)
    if folded != token:
        start, end = result.offsets.to_original(match.start(), match.end())
        result.changes.append(("leetspeak_folded", start, end))
    return folded
