"""The model registry: the packaged default loads, mistakes are reported with the field that is wrong."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from infrafabric.server.router.registry import (
    ModelRegistry,
    ProviderKind,
    RegistryError,
    Tier,
    UnknownModelError,
)

VALID: dict[str, Any] = {
    "providers": {
        "anthropic": {"kind": "anthropic", "api_key_env": "A_KEY", "base_url_env": "A_URL"},
        "local": {"kind": "openai_compatible", "base_url": "http://127.0.0.1:9/v1", "api_key_required": False},
    },
    "models": [
        {"id": "big", "provider": "anthropic", "tier": "apex", "context_window": 1000, "max_output_tokens": 100,
         "input_price_per_mtok": 5, "output_price_per_mtok": 25},
        {"id": "small", "provider": "local", "provider_model": "org/small-v1", "tier": "mechanical",
         "context_window": 500, "max_output_tokens": 50, "input_price_per_mtok": 0, "output_price_per_mtok": 0},
    ],
}


def test_packaged_default_has_every_tier() -> None:
    registry = ModelRegistry.load()
    assert {m.tier for m in registry.models} == set(Tier)
    assert registry.provider("anthropic").kind is ProviderKind.ANTHROPIC
    for model in registry.models:
        assert model.max_output_tokens < model.context_window


def test_lookup_cost_and_wire_name() -> None:
    registry = ModelRegistry.from_mapping(VALID)
    big = registry.get("big")
    assert big.cost(input_tokens=1_000_000, output_tokens=200_000) == pytest.approx(10.0)
    assert registry.get("small").wire_name == "org/small-v1"
    assert big.wire_name == "big"
    assert [m.id for m in registry.in_tier(Tier.MECHANICAL)] == ["small"]


def test_unknown_model_is_a_value_error_naming_the_field() -> None:
    registry = ModelRegistry.from_mapping(VALID)
    with pytest.raises(ValueError, match=r"^model: unknown model 'gpt-9'.*known models: big, small") as info:
        registry.get("gpt-9")
    assert isinstance(info.value, UnknownModelError)
    assert info.value.field == "model"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["models"][1].update(input_price_per_mtok=-1),
         r"models\[1\]\.input_price_per_mtok: Input should be greater than or equal to 0"),
        (lambda d: d["models"][0].update(tier="genius"), r"models\[0\]\.tier: Input should be 'mechanical'"),
        (lambda d: d["models"][0].pop("context_window"), r"models\[0\]\.context_window: Field required"),
        (lambda d: d["models"][0].update(max_output_tokens=5000), r"models\[0\]: .*smaller than context_window"),
        (lambda d: d["models"][1].update(provider="nowhere"), r"models\[1\]\.provider: 'nowhere' is not defined"),
        (lambda d: d["models"][1].update(id="big"), r"models\[1\]\.id: duplicate model id 'big'"),
        (lambda d: d["models"][0].update(temperature=1), r"models\[0\]\.temperature: Extra inputs are not permitted"),
        (lambda d: d["providers"]["local"].update(kind="grpc"), r"providers\.local\.kind: Input should be"),
        (lambda d: d["providers"]["local"].update(base_url="localhost:8000"),
         r"providers\.local\.base_url: .*http:// or https://"),
        (lambda d: d["providers"]["anthropic"].pop("api_key_env"), r"providers\.anthropic: .*api_key_env is required"),
    ],
)
def test_invalid_registry_names_the_field(mutate: Any, message: str) -> None:
    data = copy.deepcopy(VALID)
    mutate(data)
    with pytest.raises(RegistryError, match=message):
        ModelRegistry.from_mapping(data, source="models.yaml")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        ModelRegistry.load(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("models: [unclosed\n")
    with pytest.raises(RegistryError, match="not valid YAML"):
        ModelRegistry.load(broken)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(RegistryError, match="top level must be a mapping"):
        ModelRegistry.load(listy)


def test_provider_availability_and_environment_overrides() -> None:
    registry = ModelRegistry.from_mapping(VALID)
    anthropic = registry.provider("anthropic")
    assert anthropic.unavailable_reason({}) == "environment variable A_KEY is not set"
    assert anthropic.unavailable_reason({"A_KEY": "k"}) is None
    assert anthropic.resolved_base_url({}) is None
    assert anthropic.resolved_base_url({"A_URL": "http://fake:1"}) == "http://fake:1"
    assert registry.provider("local").unavailable_reason({}) is None
    disabled = copy.deepcopy(VALID)
    disabled["providers"]["local"]["enabled"] = False
    assert ModelRegistry.from_mapping(disabled).provider("local").unavailable_reason({}) == "disabled in configuration"
