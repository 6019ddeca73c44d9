"""The skeleton every service runs in: a grpc.aio server with health, reflection and graceful stop.

`create_server(spec, settings)` binds (port 0 picks a free port, read back from the result) and
registers the servicer, the standard grpc.health.v1 service (overall and per service name) and
server reflection. Reflection lists all five InfraFabric services, because through Envoy the whole
mesh is one endpoint: `grpcurl -H "authorization: Bearer $T" 127.0.0.1:8080 list` shows every contract.
`serve(spec, settings)` runs until SIGTERM/SIGINT, flips health to NOT_SERVING so Envoy's active
health checks stop sending traffic, and lets in-flight calls finish within `grace_seconds`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from infrafabric.server._common.settings import ServiceSettings
    from infrafabric.server.registry import ServiceSpec

log = logging.getLogger(__name__)


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    service_name: str
    closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    on_stopping: Callable[[], Awaitable[Any]] | None = None

    async def stop(self, grace: float) -> None:
        """Stop taking new calls, let in-flight calls finish within `grace`, then release resources."""
        if self.on_stopping is not None:
            await self.on_stopping()
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        for close in reversed(self.closers):
            try:
                await close()
            except Exception:  # noqa: BLE001 - shutdown must go on
                log.exception("error while closing %s", self.service_name)


async def create_server(spec: ServiceSpec, settings: ServiceSettings) -> RunningServer:
    from infrafabric.server.registry import ALL_PROTO_SERVICES

    options = [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.aio.server(options=options)
    built = await spec.build(settings)
    built.add_to_server(built.servicer, server)

    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [*ALL_PROTO_SERVICES, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
        server,
    )
    address = f"{settings.host}:{settings.port}"
    port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"could not bind {address}")
    await server.start()
    for name in ("", spec.proto_service):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    running = RunningServer(
        server, port, health_servicer, spec.proto_service, closers=list(built.closers), on_stopping=built.on_stopping
    )
    if built.on_started is not None:
        await built.on_started(running)
    return running


async def serve(spec: ServiceSpec, settings: ServiceSettings) -> None:
    running = await create_server(spec, settings)
    # The launcher reads this line to learn the bound port when it asked for port 0.
    print(f"infrafabric-{spec.name} listening on {settings.host}:{running.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("%s: stopping (grace %.1fs)", spec.name, settings.grace_seconds)
    await running.stop(settings.grace_seconds)
