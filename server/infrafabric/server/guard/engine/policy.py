"""Guard policies: per-tenant thresholds, detector weights and category actions from YAML.

A policy file has a ``default`` section and optional ``tenants``; a tenant's section is deep-merged
over the default, so it lists only what it changes. Unknown tenants get the default. Invalid
files stop start-up with a ``PolicyError`` that names the offending key.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .pii import PII_ENTITIES

__all__ = ["DetectorPolicy", "Policy", "PolicySet", "PolicyError", "load_policy_set", "DETECTOR_NAMES", "ACTIONS"]

DETECTOR_NAMES = (
    "injection_patterns", "jailbreak_patterns", "roleplay_structure", "embedded_instructions", "obfuscation",
    "unsafe_content", "crisis_language", "pii", "secrets", "system_prompt_leak", "canary_tokens",
    "semantic_jailbreak", "semantic_injection", "semantic_unsafe",
)
ACTIONS = ("block", "redact", "flag", "score")


class PolicyError(ValueError):
    """The policy file is invalid; ``key`` is the dotted path of the bad setting."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"guard policy: {key}: {message}")
        self.key = key


@dataclass(frozen=True)
class DetectorPolicy:
    enabled: bool
    weight: float
    threshold: float


_DISABLED = DetectorPolicy(False, 0.0, 1.0)  # a detector the policy does not name


@dataclass(frozen=True)
class Policy:
    tenant: str
    version: str
    block_threshold: float
    max_text_chars: int
    max_documents: int
    max_history: int
    history_weight: float
    document_weight: float
    chunk_chars: int
    chunk_overlap: int
    actions: dict[str, str]
    detectors: dict[str, DetectorPolicy]
    pii_entities: frozenset[str]
    leak_ngram_words: int

    def detector(self, name: str) -> DetectorPolicy:
        return self.detectors.get(name, _DISABLED)

    def as_dict(self) -> dict[str, Any]:
        """The effective policy as plain data (for an explain / GetPolicy endpoint)."""
        return {
            "tenant": self.tenant, "version": self.version, "block_threshold": self.block_threshold,
            "max_text_chars": self.max_text_chars, "max_documents": self.max_documents, "max_history": self.max_history,
            "history_weight": self.history_weight, "document_weight": self.document_weight,
            "chunk_chars": self.chunk_chars, "chunk_overlap": self.chunk_overlap, "actions": dict(self.actions),
            "detectors": {k: {"enabled": v.enabled, "weight": v.weight, "threshold": v.threshold} for k, v in self.detectors.items()},
            "pii": {"entities": sorted(self.pii_entities)}, "leak": {"ngram_words": self.leak_ngram_words},
        }


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _number(raw: dict[str, Any], key: str, path: str, lo: float, hi: float, integer: bool = False) -> Any:
    if key not in raw:
        raise PolicyError(f"{path}.{key}", "missing")
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise PolicyError(f"{path}.{key}", f"expected {'an integer' if integer else 'a number'}, got {value!r}")
    if not lo <= value <= hi:
        raise PolicyError(f"{path}.{key}", f"expected a value in [{lo}, {hi}], got {value!r}")
    return value


def _build(tenant: str, version: str, raw: dict[str, Any]) -> Policy:
    path = "default" if tenant == "default" else f"tenants.{tenant}"
    actions = raw.get("actions") or {}
    if not isinstance(actions, dict):
        raise PolicyError(f"{path}.actions", "expected a mapping")
    for category, action in actions.items():
        if action not in ACTIONS:
            raise PolicyError(f"{path}.actions.{category}", f"expected one of {ACTIONS}, got {action!r}")
    detectors: dict[str, DetectorPolicy] = {}
    for name, spec in (raw.get("detectors") or {}).items():
        if name not in DETECTOR_NAMES:
            raise PolicyError(f"{path}.detectors.{name}", f"unknown detector; known: {', '.join(DETECTOR_NAMES)}")
        if not isinstance(spec, dict):
            raise PolicyError(f"{path}.detectors.{name}", "expected a mapping")
        detectors[name] = DetectorPolicy(
            enabled=bool(spec.get("enabled", True)),
            weight=float(_number(spec, "weight", f"{path}.detectors.{name}", 0.0, 1.0)),
            threshold=float(_number(spec, "threshold", f"{path}.detectors.{name}", 0.0, 1.0)),
        )
    entities = (raw.get("pii") or {}).get("entities", list(PII_ENTITIES))
    unknown = set(entities) - set(PII_ENTITIES)
    if unknown:
        raise PolicyError(f"{path}.pii.entities", f"unknown entities {sorted(unknown)}; known: {', '.join(PII_ENTITIES)}")
    return Policy(
        tenant=tenant,
        version=version,
        block_threshold=float(_number(raw, "block_threshold", path, 0.0, 1.0)),
        max_text_chars=int(_number(raw, "max_text_chars", path, 1, 50_000_000, integer=True)),
        max_documents=int(_number(raw, "max_documents", path, 0, 10_000, integer=True)),
        max_history=int(_number(raw, "max_history", path, 0, 10_000, integer=True)),
        history_weight=float(_number(raw, "history_weight", path, 0.0, 1.0)),
        document_weight=float(_number(raw, "document_weight", path, 0.0, 1.0)),
        chunk_chars=int(_number(raw, "chunk_chars", path, 512, 1_000_000, integer=True)),
        chunk_overlap=int(_number(raw, "chunk_overlap", path, 0, 100_000, integer=True)),
        actions=dict(actions),
        detectors=detectors,
        pii_entities=frozenset(entities),
        leak_ngram_words=int(_number(raw.get("leak") or {"ngram_words": 6}, "ngram_words", f"{path}.leak", 3, 50, integer=True)),
    )


class PolicySet:
    """The default policy plus per-tenant overrides, validated once at load time."""

    def __init__(self, document: dict[str, Any]) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("default"), dict):
            raise PolicyError("default", "the policy file needs a 'default' mapping")
        self.version = str(document.get("version", ""))
        self._raw_default = document["default"]
        self._policies: dict[str, Policy] = {"default": _build("default", self.version, self._raw_default)}
        tenants = document.get("tenants") or {}
        if not isinstance(tenants, dict):
            raise PolicyError("tenants", "expected a mapping of tenant name to overrides")
        for name, override in tenants.items():
            if not isinstance(override, dict):
                raise PolicyError(f"tenants.{name}", "expected a mapping")
            self._policies[str(name)] = _build(str(name), self.version, _merge(self._raw_default, override))

    def for_tenant(self, tenant: str | None) -> Policy:
        return self._policies.get(tenant or "default", self._policies["default"])

    @property
    def tenants(self) -> list[str]:
        return sorted(self._policies)

    @classmethod
    def from_yaml(cls, text: str) -> "PolicySet":
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError("<file>", f"not valid YAML: {exc}") from exc
        return cls(document)


def load_policy_set(path: str | Path | None = None) -> PolicySet:
    """Load a policy file, or the packaged safe default when ``path`` is None."""
    if path is None:
        text = resources.files(__package__).joinpath("default_policy.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return PolicySet.from_yaml(text)
