"""Result types of the Guard engine and the one error it raises for bad input.

Everything here is a frozen dataclass so a servicer can map it field by field onto protobuf
messages. Offsets are code-point offsets into the source text the caller sent (end exclusive).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Category", "Source", "Verdict", "Finding", "Vote", "ScreenResult", "DetectorInfo", "GuardInputError",
    "CATEGORIES",
]

Verdict = Literal["allow", "redact", "block"]
Source = Literal["text", "history", "document", "output"]
Category = Literal[
    "prompt_injection", "jailbreak", "obfuscation", "pii", "secret", "unsafe", "crisis", "system_prompt_leak",
]
CATEGORIES: tuple[str, ...] = (
    "prompt_injection", "jailbreak", "obfuscation", "pii", "secret", "unsafe", "crisis", "system_prompt_leak",
)


class GuardInputError(ValueError):
    """Bad input (empty text, too large, too many documents); ``field`` names the offending field.

    A gRPC servicer maps it to INVALID_ARGUMENT with a BadRequest field violation.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.description = message


@dataclass(frozen=True)
class Finding:
    """One thing a detector found: what, where (in the original source text) and why."""

    category: str
    detector: str
    score: float
    source: Source
    source_index: int  # index into history/documents; 0 for text and output
    start: int
    end: int
    reason: str
    rule: str = ""
    decoded_via: str = ""  # e.g. "base64", "rot13", "spaced_letters"; "" when found in plain text
    entity: str = ""  # PII / secret type, e.g. "EMAIL", "CREDIT_CARD", "AWS_ACCESS_KEY"
    placeholder: str = ""  # the mask used in redacted text, e.g. "<EMAIL_1>"

    # A screen builds dozens of findings; the generated frozen __init__ sets each field through
    # object.__setattr__ (about 4 µs a finding), filling the instance dict at once costs a quarter.
    # The dataclass keeps this __init__ (it never replaces one the class defines); fields stay frozen.
    def __init__(self, category: str, detector: str, score: float, source: Source, source_index: int, start: int,
                 end: int, reason: str, rule: str = "", decoded_via: str = "", entity: str = "", placeholder: str = "") -> None:
        self.__dict__.update(category=category, detector=detector, score=score, source=source, source_index=source_index,
                             start=start, end=end, reason=reason, rule=rule, decoded_via=decoded_via, entity=entity,
                             placeholder=placeholder)


@dataclass(frozen=True)
class Vote:
    """One voice of the council: a detector's combined score and whether it counted."""

    detector: str
    category: str
    score: float
    weight: float
    fired: bool


@dataclass(frozen=True)
class ScreenResult:
    verdict: Verdict
    risk_score: float
    findings: tuple[Finding, ...]
    votes: tuple[Vote, ...]
    redacted_text: str
    normalizations: tuple[str, ...]
    explanation: tuple[str, ...] = ()
    tenant: str = "default"
    policy_version: str = ""
    categories: tuple[str, ...] = field(default=())

    @property
    def blocked(self) -> bool:
        return self.verdict == "block"


@dataclass(frozen=True)
class DetectorInfo:
    name: str
    category: str
    description: str
    applies_to: tuple[str, ...]  # "input", "output"
