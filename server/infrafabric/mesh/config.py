"""The mesh configuration: which services run, how many replicas, and Envoy's policies.

Loaded from YAML (`infrafabric up --config mesh.yaml`, or $INFRAFABRIC_MESH_CONFIG) over the
embedded defaults in `default_mesh.yaml`. Every field is validated; a broken file is rejected with a
message naming the field (`services.router.replicas: ...`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from infrafabric.server._common.settings import default_data_dir

SERVICE_NAMES = ("guard", "memory", "emotion", "audit", "router")
DEFAULTS_FILE = Path(__file__).with_name("default_mesh.yaml")

Seconds = Annotated[float, Field(gt=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bucket(_Model):
    """A token bucket: `requests` per `per_seconds`."""

    requests: int = Field(ge=1)
    per_seconds: float = Field(60.0, ge=0.05)


class RateLimit(_Model):
    route: Bucket = Bucket(requests=100_000, per_seconds=60)
    per_user: Bucket = Bucket(requests=600, per_seconds=60)
    user_overrides: dict[str, int] = Field(default_factory=dict, description="user id -> requests per per_user.per_seconds")

    @model_validator(mode="after")
    def _intervals(self) -> RateLimit:
        # Envoy requires descriptor fill intervals to be multiples of the route bucket's interval.
        ratio = self.per_user.per_seconds / self.route.per_seconds
        if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
            raise ValueError("per_user.per_seconds must be a whole multiple of route.per_seconds")
        return self


class ServiceConfig(_Model):
    replicas: int = Field(1, ge=1, le=16)
    ports: list[int] = Field(default_factory=list, description="fixed ports per replica; empty picks free ports")
    timeout_seconds: Seconds = 15.0
    per_try_timeout_seconds: Seconds = 5.0
    num_retries: int = Field(2, ge=0, le=10)
    retry_on: str = "unavailable,reset,connect-failure,refused-stream"
    rate_limit: RateLimit = RateLimit()
    settings: dict[str, Any] = Field(default_factory=dict, description="extra INFRAFABRIC_* settings for the service")

    @model_validator(mode="after")
    def _ports(self) -> ServiceConfig:
        if self.ports and len(self.ports) != self.replicas:
            raise ValueError(f"ports lists {len(self.ports)} ports for {self.replicas} replicas")
        return self


class Services(_Model):
    guard: ServiceConfig = ServiceConfig()
    memory: ServiceConfig = ServiceConfig()
    emotion: ServiceConfig = ServiceConfig()
    audit: ServiceConfig = ServiceConfig()
    router: ServiceConfig = ServiceConfig()

    @model_validator(mode="after")
    def _single_writers(self) -> Services:
        if self.audit.replicas != 1:
            raise ValueError("audit.replicas must be 1: the audit log has a single writer")
        if self.memory.replicas != 1 and not self.memory.settings.get("chroma_url"):
            raise ValueError(
                "memory.replicas must be 1 with the embedded ChromaDB (a single writer);"
                " set memory.settings.chroma_url to a Chroma server to run more"
            )
        return self

    def items(self) -> list[tuple[str, ServiceConfig]]:
        return [(name, getattr(self, name)) for name in SERVICE_NAMES]


class Endpoint(_Model):
    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)


class Auth(_Model):
    issuer: str = "https://auth.infrafabric.local"
    audience: str = "infrafabric-api"
    tenant_claim: str = "tenant"
    role_claim: str = "role"


class HealthCheck(_Model):
    interval_seconds: Seconds = 1.0
    timeout_seconds: Seconds = 0.5
    unhealthy_threshold: int = Field(2, ge=1)
    healthy_threshold: int = Field(1, ge=1)


class OutlierDetection(_Model):
    consecutive_gateway_failures: int = Field(3, ge=1, description="connect failures, UNAVAILABLE, DEADLINE_EXCEEDED")
    interval_seconds: Seconds = 1.0
    base_ejection_seconds: Seconds = 10.0
    max_ejection_percent: int = Field(50, ge=0, le=100)


class CircuitBreakers(_Model):
    max_connections: int = Field(1024, ge=1)
    max_pending_requests: int = Field(1024, ge=1)
    max_requests: int = Field(1024, ge=1)
    retry_budget_percent: float = Field(25.0, gt=0, le=100)
    min_retry_concurrency: int = Field(10, ge=1)


class EnvoyConfig(_Model):
    binary: str = "envoy"
    concurrency: int = Field(2, ge=1, le=64)
    log_level: Literal["trace", "debug", "info", "warning", "error", "critical", "off"] = "warning"


class MeshConfig(_Model):
    data_dir: Path = Field(default_factory=default_data_dir)
    listen: Endpoint = Endpoint(port=8080)
    admin: Endpoint = Endpoint(port=9901)
    redis_url: str | None = Field(None, pattern=r"^(redis|rediss|unix)://", description="unset: start an embedded Valkey")
    auth: Auth = Auth()
    services: Services = Services()
    health_check: HealthCheck = HealthCheck()
    outlier_detection: OutlierDetection = OutlierDetection()
    circuit_breakers: CircuitBreakers = CircuitBreakers()
    envoy: EnvoyConfig = EnvoyConfig()

    @model_validator(mode="after")
    def _loopback_admin(self) -> MeshConfig:
        if self.admin.host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("admin.host must be a loopback address: Envoy's admin interface is unauthenticated")
        return self

    @property
    def access_log_path(self) -> Path:
        return self.data_dir / "logs" / "envoy-access.log"


class MeshConfigError(Exception):
    """The mesh configuration is broken; the message names the field."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_mesh_config(path: str | os.PathLike[str] | None = None, overrides: dict[str, Any] | None = None) -> MeshConfig:
    """Defaults, then the YAML file, then `overrides` (from the command line or a test)."""
    data: dict[str, Any] = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8")) or {}
    path = path or os.environ.get("INFRAFABRIC_MESH_CONFIG")
    if path:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise MeshConfigError(f"mesh config {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise MeshConfigError(f"mesh config {path}: not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise MeshConfigError(f"mesh config {path}: expected a mapping at the top level")
        data = _merge(data, loaded or {})
    if os.environ.get("INFRAFABRIC_DATA_DIR") and "data_dir" not in (overrides or {}):
        data["data_dir"] = os.environ["INFRAFABRIC_DATA_DIR"]
    if os.environ.get("REDIS_URL") and "redis_url" not in (overrides or {}):
        data["redis_url"] = os.environ["REDIS_URL"]
    data = _merge(data, overrides or {})
    try:
        return MeshConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            what = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{where}: {what}")
        source = f" {path}" if path else ""
        raise MeshConfigError(f"mesh config{source} is invalid:\n  " + "\n  ".join(problems)) from None
