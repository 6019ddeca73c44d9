"""The model registry: which models exist, how capable and costly they are, and how to reach their providers.

Loaded from YAML (``models.yaml`` beside this module by default) and validated with pydantic; any mistake stops
start-up with a ``RegistryError`` whose message names the offending field, e.g.
``models.yaml: models[2].input_price_per_mtok: Input should be greater than or equal to 0``.

    registry = ModelRegistry.load()                       # the packaged default
    registry = ModelRegistry.load("/etc/infrafabric/models.yaml")
    spec = registry.get("claude-sonnet-4-5")              # UnknownModelError (a ValueError) if absent
    spec.cost(input_tokens=1200, output_tokens=300)       # USD
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = [
    "DEFAULT_REGISTRY_PATH",
    "ModelRegistry",
    "ModelSpec",
    "ProviderKind",
    "ProviderSettings",
    "RegistryError",
    "Tier",
    "UnknownModelError",
]

DEFAULT_REGISTRY_PATH = Path(__file__).with_name("models.yaml")


class Tier(StrEnum):
    """Capability classes, cheapest first: Haiku-, Sonnet- and Opus-class models."""

    MECHANICAL = "mechanical"
    FRONTIER = "frontier"
    APEX = "apex"

    @property
    def rank(self) -> int:
        return _TIER_ORDER.index(self)

    def cheaper(self) -> Tier | None:
        """The next cheaper tier, or None below mechanical."""
        return _TIER_ORDER[self.rank - 1] if self.rank > 0 else None


_TIER_ORDER = (Tier.MECHANICAL, Tier.FRONTIER, Tier.APEX)


class ProviderKind(StrEnum):
    ANTHROPIC = "anthropic"
    OPENAI_COMPATIBLE = "openai_compatible"


class RegistryError(ValueError):
    """The registry file is missing, unreadable or invalid; the message names the field."""


class UnknownModelError(ValueError):
    """A request named a model the registry does not have (or whose provider is unavailable)."""

    def __init__(self, model: str, known: list[str], *, field: str = "model", reason: str = "unknown model") -> None:
        self.model = model
        self.field = field
        self.known = known
        super().__init__(f"{field}: {reason} {model!r}; known models: {', '.join(known) or '(none)'}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProviderSettings(_Strict):
    """How to reach one provider. The API key is never stored here, only the name of its environment variable."""

    name: str = Field(min_length=1)
    kind: ProviderKind
    base_url: str | None = Field(default=None, description="None means the SDK's default (the vendor's API).")
    base_url_env: str | None = Field(default=None, description="Environment variable that overrides base_url.")
    api_key_env: str | None = Field(default=None, description="Environment variable holding the API key.")
    api_key_required: bool = True
    enabled: bool = True

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _key_source(self) -> ProviderSettings:
        if self.api_key_required and not self.api_key_env:
            raise ValueError("api_key_env is required when api_key_required is true")
        return self

    def resolved_base_url(self, env: Mapping[str, str] | None = None) -> str | None:
        env = os.environ if env is None else env
        if self.base_url_env and env.get(self.base_url_env):
            return env[self.base_url_env]
        return self.base_url

    def api_key(self, env: Mapping[str, str] | None = None) -> str | None:
        env = os.environ if env is None else env
        return env.get(self.api_key_env) if self.api_key_env else None

    def unavailable_reason(self, env: Mapping[str, str] | None = None) -> str | None:
        """Why this provider cannot be used right now (disabled, missing key), or None when it can."""
        if not self.enabled:
            return "disabled in configuration"
        if self.api_key_required and not self.api_key(env):
            return f"environment variable {self.api_key_env} is not set"
        return None


class ModelSpec(_Strict):
    """One routable model."""

    id: str = Field(min_length=1, description="The name clients use and audit records show.")
    provider: str = Field(min_length=1, description="Name of an entry under 'providers'.")
    provider_model: str | None = Field(default=None, description="Name sent to the provider; defaults to id.")
    tier: Tier
    context_window: int = Field(gt=0, description="Input plus output tokens the model accepts.")
    max_output_tokens: int = Field(gt=0)
    input_price_per_mtok: float = Field(ge=0, description="USD per million input tokens.")
    output_price_per_mtok: float = Field(ge=0, description="USD per million output tokens.")

    @model_validator(mode="after")
    def _output_fits(self) -> ModelSpec:
        if self.max_output_tokens >= self.context_window:
            raise ValueError("max_output_tokens must be smaller than context_window")
        return self

    @property
    def wire_name(self) -> str:
        return self.provider_model or self.id

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """Price in USD of a call with these token counts."""
        return (input_tokens * self.input_price_per_mtok + output_tokens * self.output_price_per_mtok) / 1_000_000


class _RegistryFile(_Strict):
    providers: dict[str, dict[str, Any]]
    models: list[ModelSpec] = Field(min_length=1)


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


class ModelRegistry:
    """An immutable set of models and providers, in configuration order (which is also fallback order)."""

    def __init__(self, providers: Mapping[str, ProviderSettings], models: list[ModelSpec]) -> None:
        self._providers = dict(providers)
        self._models = {m.id: m for m in models}

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ModelRegistry:
        """Reads and validates a registry file (the packaged ``models.yaml`` when ``path`` is None)."""
        path = Path(path) if path is not None else DEFAULT_REGISTRY_PATH
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise RegistryError(f"{path}: cannot read the model registry: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise RegistryError(f"{path}: not valid YAML: {exc}") from exc
        return cls.from_mapping(data, source=path.name)

    @classmethod
    def from_mapping(cls, data: Any, *, source: str = "registry") -> ModelRegistry:
        """Validates an already-parsed registry document."""
        if not isinstance(data, dict):
            raise RegistryError(f"{source}: the top level must be a mapping with 'providers' and 'models'")
        try:
            parsed = _RegistryFile.model_validate(data)
        except ValidationError as exc:
            raise RegistryError(_describe(source, exc, ())) from None
        providers: dict[str, ProviderSettings] = {}
        for name, settings in parsed.providers.items():
            try:
                providers[name] = ProviderSettings.model_validate({"name": name, **settings})
            except ValidationError as exc:
                raise RegistryError(_describe(source, exc, ("providers", name))) from None
        seen: set[str] = set()
        for i, model in enumerate(parsed.models):
            if model.id in seen:
                raise RegistryError(f"{source}: models[{i}].id: duplicate model id {model.id!r}")
            seen.add(model.id)
            if model.provider not in providers:
                raise RegistryError(
                    f"{source}: models[{i}].provider: {model.provider!r} is not defined under 'providers' "
                    f"(defined: {', '.join(providers) or 'none'})"
                )
        return cls(providers, parsed.models)

    # ------------------------------------------------------------------ queries

    @property
    def models(self) -> list[ModelSpec]:
        return list(self._models.values())

    @property
    def providers(self) -> dict[str, ProviderSettings]:
        return dict(self._providers)

    def get(self, model_id: str, *, field: str = "model") -> ModelSpec:
        try:
            return self._models[model_id]
        except KeyError:
            raise UnknownModelError(model_id, list(self._models), field=field) from None

    def provider(self, name: str) -> ProviderSettings:
        return self._providers[name]

    def in_tier(self, tier: Tier) -> list[ModelSpec]:
        return [m for m in self._models.values() if m.tier == tier]


def _describe(source: str, exc: ValidationError, prefix: tuple[int | str, ...]) -> str:
    lines = []
    for error in exc.errors():
        where = _field_path(prefix + tuple(error["loc"]))
        lines.append(f"{source}: {where or '(top level)'}: {error['msg']}")
    return "\n".join(lines)
