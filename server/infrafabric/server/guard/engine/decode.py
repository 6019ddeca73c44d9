"""Finds encoded or disguised runs (base64, hex, URL-encoding, rot13, reversed, spaced letters).

Each run is decoded into a *derived view* that the threat detectors screen again; a finding in a
derived view points at the whole encoded run in the original text and says how it was decoded.
Passes are cheap when there is nothing to decode: each starts from a candidate regex or from a
word-set lookup, never from decoding the whole text blindly.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import urllib.parse
from dataclasses import dataclass

from .fastre import Searcher, gate

__all__ = ["DerivedView", "find_encoded_runs", "rot13_view", "reversed_view", "spaced_letter_views"]


@dataclass(frozen=True)
class DerivedView:
    via: str
    start: int  # span of the run in the source text it came from
    end: int
    text: str


_B64 = re.compile(r"(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/_-]*[A-Z])(?=[A-Za-z0-9+/_-]*[a-z0-9])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:(?:0x)?[0-9A-Fa-f]{2}[\s:,]?){10,}(?![0-9A-Fa-f])|(?:\\x[0-9A-Fa-f]{2}){6,}")
_URLENC = re.compile(r"[^\s%]{0,40}(?:%[0-9A-Fa-f]{2}[^\s%]{0,12}){4,}")
_SPACED = re.compile(r"(?<!\w)(?:\w[ \t.\-_*|,/+]{1,3}){4,}\w(?!\w)")
# RE2 gates (supersets of the patterns above): most texts hold none of these runs.
_B64_RUNS = Searcher(re.compile(r"[A-Za-z0-9+/_-]{16,}"))
_HEX_MAYBE = gate(_HEX)
_SPACED_MAYBE = gate(r"(?:\w[ \t.\-_*|,/+]{1,3}){4,}\w")


def _readable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if printable / len(text) < 0.9 or letters < max(3, len(text) // 4):
        return None
    return text


def _b64(candidate: str) -> str | None:
    stripped = candidate.rstrip("=")
    if len(stripped) < 16:
        return None
    padded = stripped + "=" * (-len(stripped) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decoder(padded)
        except (binascii.Error, ValueError):
            continue
        text = _readable(raw)
        if text:
            return text
    try:
        return _readable(base64.b32decode(candidate.upper() + "=" * (-len(candidate) % 8)))
    except (binascii.Error, ValueError):
        return None


def _maybe_base64(text: str) -> bool:
    """False only when no run of 16+ base64 characters holds a capital letter (hyphenated words do not)."""
    return any(not text[start:end].islower() for start, end in _B64_RUNS.spans(text))


def find_encoded_runs(text: str) -> list[DerivedView]:
    """Decoded base64 / base32 / hex / URL-encoded runs of ``text`` that read as text."""
    views: list[DerivedView] = []
    if _maybe_base64(text):
        for m in _B64.finditer(text):
            decoded = _b64(m.group())
            if decoded:
                views.append(DerivedView("base64", m.start(), m.end(), decoded))
    if _HEX_MAYBE(text):
        for m in _HEX.finditer(text):
            digits = re.sub(r"0x|\\x|[\s:,]", "", m.group())
            if len(digits) % 2:
                digits = digits[:-1]
            try:
                decoded = _readable(bytes.fromhex(digits))
            except ValueError:
                decoded = None
            if decoded:
                views.append(DerivedView("hex", m.start(), m.end(), decoded))
    if "%" in text:
        for m in _URLENC.finditer(text):
            decoded = urllib.parse.unquote(m.group())
            if decoded != m.group() and _readable(decoded.encode("utf-8", "ignore")):
                views.append(DerivedView("url_encoding", m.start(), m.end(), decoded))
    return views


_ROT13 = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZABCDEFGHIJKLM")


def rot13(text: str) -> str:
    return text.translate(_ROT13)


def rot13_view(norm_text: str, words: set[str], rot13_triggers: frozenset[str]) -> DerivedView | None:
    """The rot13 decoding of the whole text, only if it would contain at least two trigger words."""
    if len(words & rot13_triggers) >= 2:
        return DerivedView("rot13", 0, len(norm_text), rot13(norm_text))
    return None


def reversed_view(norm_text: str, words: set[str], reversed_triggers: frozenset[str]) -> DerivedView | None:
    if len(words & reversed_triggers) >= 2:
        return DerivedView("reversed", 0, len(norm_text), norm_text[::-1])
    return None


def spaced_letter_views(norm_text: str) -> list[DerivedView]:
    """Collapse 'i g n o r e   a l l' style runs; a wider gap inside a run is a word break."""
    views: list[DerivedView] = []
    if not _SPACED_MAYBE(norm_text):
        return views
    for m in _SPACED.finditer(norm_text):
        run = m.group()
        letters = re.findall(r"\w", run)
        if len(letters) < 5:
            continue
        gaps = re.findall(r"\w([^\w]+)(?=\w)", run)
        widths = sorted({len(g) for g in gaps})
        words: list[str] = []
        current = ""
        word_break = widths[-1] if len(widths) > 1 else None
        parts = re.split(r"(\w)", run)
        for part in parts:
            if not part:
                continue
            if re.fullmatch(r"\w", part):
                current += part
            elif word_break is not None and len(part) >= word_break or "/" in part:
                words.append(current)
                current = ""
        words.append(current)
        collapsed = " ".join(w for w in words if w)
        views.append(DerivedView("spaced_letters", m.start(), m.end(), collapsed))
    return views
