"""Settings for a service process: environment variables over an optional YAML file over defaults.

One frozen settings object per process. Every field can be set as INFRAFABRIC_<FIELD> in the
environment or as `<field>:` in the YAML file named by --config or INFRAFABRIC_CONFIG. A wrong,
unknown or missing value stops start-up with a message that names the setting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "INFRAFABRIC_"


def default_data_dir() -> Path:
    """Where state lives by default: $INFRAFABRIC_DATA_DIR, else $XDG_DATA_HOME/infrafabric."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "infrafabric"


class SettingsError(Exception):
    """A setting is wrong or missing; the message names it and says what was expected."""


class ServiceSettings(BaseSettings):
    """Settings every service has."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    host: str = Field("127.0.0.1", description="Address to bind; loopback because Envoy is the only client.")
    port: int = Field(0, ge=0, le=65535, description="Port to bind; 0 picks a free one.")
    data_dir: Path = Field(default_factory=default_data_dir)
    mesh_target: str = Field("127.0.0.1:8080", description="Envoy's listener, for calls to other services.")
    grace_seconds: float = Field(5.0, ge=0, description="How long in-flight calls may finish after SIGTERM.")
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    max_message_bytes: int = Field(8 * 1024 * 1024, ge=1024)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file arrives as init kwargs; the environment must win over it.
        return (env_settings, init_settings)


class RedisServiceSettings(ServiceSettings):
    """Settings of a service that needs Redis."""

    redis_url: str = Field(
        validation_alias=AliasChoices("redis_url", "INFRAFABRIC_REDIS_URL", "REDIS_URL"),
        pattern=r"^(redis|rediss|unix)://",
        description="Redis or Valkey URL, e.g. redis://127.0.0.1:6379/0",
    )


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S], config_file: str | os.PathLike[str] | None = None) -> S:
    """Build settings from the environment and an optional YAML file, or raise SettingsError."""
    path = config_file or os.environ.get(f"{ENV_PREFIX}CONFIG")
    values: dict[str, Any] = {}
    if path:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise SettingsError(f"config file {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise SettingsError(f"config file {path}: not valid YAML ({exc})") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise SettingsError(f"config file {path}: expected a mapping of setting names to values")
        values = loaded or {}
    try:
        return cls(**values)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc, source=str(path) if path else None)) from None


def describe_validation_error(exc: ValidationError, source: str | None = None) -> str:
    """One line per problem, naming the setting as both YAML key and environment variable."""
    lines = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "?"
        env = ENV_PREFIX + name.upper().replace(".", "__")
        what = "missing (required)" if err["type"] == "missing" else err["msg"]
        if err["type"] == "extra_forbidden":
            what = "unknown setting"
        got = f" (got {err['input']!r})" if err["type"] not in ("missing", "extra_forbidden") else ""
        lines.append(f"setting {name!r} / {env}: {what}{got}" + (f" [in {source}]" if source else ""))
    return "invalid settings:\n  " + "\n  ".join(lines)
