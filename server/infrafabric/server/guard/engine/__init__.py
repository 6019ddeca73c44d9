"""Guard engine: screens LLM input and output for injection, jailbreaks, PII, secrets and leaks.

The servicer builds one ``Guard`` at start-up and calls ``screen_input`` / ``screen_output``;
both return a ``ScreenResult`` and raise ``GuardInputError`` (a ValueError naming the field) for
empty or oversized input. ``RepeatOffenderTracker`` keeps per-user block counts in Redis.
"""

from .guard import Guard
from .offenders import OffenderStatus, RepeatOffenderTracker
from .policy import DetectorPolicy, Policy, PolicyError, PolicySet, load_policy_set
from .types import CATEGORIES, DetectorInfo, Finding, GuardInputError, ScreenResult, Vote

__all__ = [
    "CATEGORIES", "DetectorInfo", "DetectorPolicy", "Finding", "Guard", "GuardInputError", "OffenderStatus", "Policy",
    "PolicyError", "PolicySet", "RepeatOffenderTracker", "ScreenResult", "Vote", "load_policy_set",
]
