"""The services this package can run, and how each one is built.

Each service package exposes `servicer.build(settings) -> Built`. Imports are lazy so that a process
running one service does not pay for another's dependencies (ChromaDB, provider SDKs, ...).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infrafabric.server._common.server import RunningServer
    from infrafabric.server._common.settings import ServiceSettings


@dataclass
class Built:
    """A service ready to register: its servicer, the generated add function, and cleanup hooks."""

    servicer: Any
    add_to_server: Callable[[Any, Any], None]
    closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    on_started: Callable[[RunningServer], Awaitable[None]] | None = None
    # Runs first when the server begins to stop, before in-flight calls are waited for (end streams here).
    on_stopping: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    proto_service: str
    module: str  # the service package, which has settings.py (SETTINGS) and servicer.py (build)

    @property
    def settings_cls(self) -> type[ServiceSettings]:
        return importlib.import_module(f"{self.module}.settings").SETTINGS  # type: ignore[no-any-return]

    async def build(self, settings: ServiceSettings) -> Built:
        return await importlib.import_module(f"{self.module}.servicer").build(settings)  # type: ignore[no-any-return]


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("guard", "infrafabric.guard.v1.GuardService", "infrafabric.server.guard"),
        ServiceSpec("memory", "infrafabric.memory.v1.MemoryService", "infrafabric.server.memory"),
        ServiceSpec("emotion", "infrafabric.emotion.v1.EmotionService", "infrafabric.server.emotion"),
        ServiceSpec("audit", "infrafabric.audit.v1.AuditService", "infrafabric.server.audit"),
        ServiceSpec("router", "infrafabric.router.v1.RouterService", "infrafabric.server.router"),
    )
}

ALL_PROTO_SERVICES = [spec.proto_service for spec in SERVICES.values()]


def load_all_descriptors() -> None:
    """Import every generated module so reflection can describe the whole mesh from any server."""
    for spec in SERVICES.values():
        importlib.import_module(f"infrafabric.{spec.name}.v1.{spec.name}_service_pb2")
