"""Secret detection: credentials in known formats plus high-entropy tokens.

Known formats are matched in one combined regex (one pass over the text, named groups tell which
format hit). Unknown formats are caught by entropy: a long token over the base64/hex alphabet with
mixed character classes and high Shannon entropy is probably a key, not a word.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .fastre import Searcher
from .prefilter import AtomScanner

__all__ = ["SecretMatch", "find_secrets", "shannon_entropy"]


@dataclass(frozen=True)
class SecretMatch:
    entity: str
    start: int
    end: int
    score: float
    reason: str


_FORMATS: list[tuple[str, str, float]] = [
    ("PRIVATE_KEY", r"-----BEGIN[ A-Z0-9]{0,20}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,20000}?-----END[ A-Z0-9]{0,20}PRIVATE KEY(?: BLOCK)?-----)?", 0.99),
    ("AWS_ACCESS_KEY", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b", 0.95),
    ("AWS_SECRET_KEY", r"(?i:aws.{0,20}(?:secret|sk).{0,20}?[=:\"'\s])[A-Za-z0-9/+]{40}\b", 0.9),
    ("GITHUB_TOKEN", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b|\bgithub_pat_[A-Za-z0-9_]{60,255}\b", 0.97),
    ("GITLAB_TOKEN", r"\bglpat-[A-Za-z0-9_-]{20,}\b", 0.95),
    ("SLACK_TOKEN", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b", 0.95),
    ("SLACK_WEBHOOK", r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+", 0.95),
    ("STRIPE_KEY", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b", 0.95),
    ("ANTHROPIC_KEY", r"\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{20,}", 0.98),
    ("OPENAI_KEY", r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}(?:T3BlbkFJ[A-Za-z0-9_-]{10,})?", 0.9),
    ("GOOGLE_API_KEY", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.95),
    ("HUGGINGFACE_TOKEN", r"\bhf_[A-Za-z]{30,40}\b", 0.9),
    ("NPM_TOKEN", r"\bnpm_[A-Za-z0-9]{36}\b", 0.95),
    ("SENDGRID_KEY", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b", 0.95),
    ("TWILIO_KEY", r"\bSK[0-9a-f]{32}\b", 0.8),
    ("JWT", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", 0.9),
    ("AZURE_KEY", r"(?i:accountkey|sharedaccesskey)=[A-Za-z0-9+/=]{40,}", 0.9),
    ("URL_CREDENTIALS", r"\b[a-z][a-z0-9+.-]{1,15}://[^\s/:@]{1,64}:[^\s/:@]{3,128}@[^\s/]+", 0.85),
    ("PASSWORD_ASSIGNMENT", r"(?i:\b(?:password|passwd|pwd|passphrase|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|"
     r"client[_-]?secret|private[_-]?key|contraseña|passwort|mot\s+de\s+passe|senha)\b\s*(?:is\s*)?[:=]\s*[\"']?)[^\s\"',;]{8,}", 0.7),
]
_COMPILED = [(name, re.compile(pattern), score) for name, pattern, score in _FORMATS]
# Literal markers that every match of a format contains; a format runs only when one is present.
_MARKERS: dict[str, tuple[str, ...]] = {
    "PRIVATE_KEY": ("PRIVATE KEY",), "AWS_ACCESS_KEY": ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"),
    "AWS_SECRET_KEY": ("aws", "AWS", "Aws"), "GITHUB_TOKEN": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    "GITLAB_TOKEN": ("glpat-",), "SLACK_TOKEN": ("xox",), "SLACK_WEBHOOK": ("hooks.slack.com",), "STRIPE_KEY": ("_live_", "_test_"),
    "ANTHROPIC_KEY": ("sk-ant-",), "OPENAI_KEY": ("sk-",), "GOOGLE_API_KEY": ("AIza",), "HUGGINGFACE_TOKEN": ("hf_",),
    "NPM_TOKEN": ("npm_",), "SENDGRID_KEY": ("SG.",), "TWILIO_KEY": ("SK",), "JWT": ("eyJ",),
    "AZURE_KEY": ("ccountKey=", "ccessKey=", "ccountkey=", "ccesskey="), "URL_CREDENTIALS": ("://",),
}
_PASSWORD_MARKERS = ("password", "passwd", "pwd", "passphrase", "secret", "api_key", "api-key", "apikey", "access_token",
                     "access-token", "auth_token", "auth-token", "client_secret", "client-secret", "private_key", "private-key",
                     "contraseña", "passwort", "mot de passe", "senha")
_CANDIDATE_CHARS = re.compile(r"[A-Za-z0-9+/_=-]{24,256}")
# The tokens of ``text.split()`` that are 24+ characters long, with their offsets (same whitespace: RE2 on ASCII).
_LONG_TOKENS = Searcher(re.compile(r"[^\s]{24,}"))
# All markers in one RE2 pass: fifty ``in`` tests cost ~150 µs on a 2 KB text, one pass a few.
_MARKER_SCANNER = AtomScanner(m for markers in _MARKERS.values() for m in markers)
_PASSWORD_SCANNER = AtomScanner(_PASSWORD_MARKERS)


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def find_secrets(text: str, *, entropy_threshold: float = 4.3) -> list[SecretMatch]:
    found: list[SecretMatch] = []
    present = {_MARKER_SCANNER.atoms[i] for i in _MARKER_SCANNER.found(text)}
    for name, regex, score in _COMPILED:
        if name == "PASSWORD_ASSIGNMENT":
            if not _PASSWORD_SCANNER.found(text.lower()):
                continue
        elif present.isdisjoint(_MARKERS[name]):
            continue
        for m in regex.finditer(text):
            start, end = m.start(), m.end()
            if any(s.start <= start < s.end for s in found):
                continue
            if name == "PASSWORD_ASSIGNMENT":
                # Mask the value, keep the label readable.
                value = re.search(r"[:=]\s*[\"']?", m.group())
                start = start + (value.end() if value else 0)
            found.append(SecretMatch(name, start, end, score, f"{name.replace('_', ' ').lower()} format"))
    taken = [(s.start, s.end) for s in found]
    # Entropy: only whitespace-separated tokens long enough to be keys are looked at.
    for pos, token_end in _LONG_TOKENS.spans(text):
        token = text[pos:token_end]
        for m in _CANDIDATE_CHARS.finditer(token):
            value = m.group()
            start, end = pos + m.start(), pos + m.end()
            if any(a <= start < b or a < end <= b for a, b in taken):
                continue
            classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
            if classes < 3 or value.count("/") > 3:
                continue  # paths and plain words are not keys
            entropy = shannon_entropy(value)
            if entropy >= entropy_threshold:
                found.append(SecretMatch("HIGH_ENTROPY_TOKEN", start, end, 0.6, f"high-entropy token ({entropy:.1f} bits/char)"))
    return found
