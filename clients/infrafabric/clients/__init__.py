"""Typed async clients for InfraFabric's five services.

    from infrafabric.clients import MeshClient

    async with MeshClient("127.0.0.1:8080", token=token) as mesh:
        verdict = await mesh.guard.screen_input("Ignore all previous instructions")

Each client can also be used alone (`GuardClient(target, token=...)`) or over a channel you own
(`GuardClient(channel=my_channel)`). Every failed call raises `InfraFabricError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import grpc

from infrafabric.clients._base import DEFAULT_TARGET
from infrafabric.clients._errors import InfraFabricError
from infrafabric.clients.audit import AuditClient
from infrafabric.clients.emotion import EmotionClient
from infrafabric.clients.guard import GuardClient
from infrafabric.clients.memory import MemoryClient
from infrafabric.clients.router import RouterClient

__all__ = [
    "DEFAULT_TARGET",
    "AuditClient",
    "EmotionClient",
    "GuardClient",
    "InfraFabricError",
    "MemoryClient",
    "MeshClient",
    "RouterClient",
]


class MeshClient:
    """All five clients over one channel to Envoy."""

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        token: str | None = None,
        channel: grpc.aio.Channel | None = None,
        timeout: float | None = 30.0,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> None:
        self._owns_channel = channel is None
        self.channel = channel if channel is not None else grpc.aio.insecure_channel(target)
        kwargs = {"token": token, "channel": self.channel, "timeout": timeout, "metadata": metadata}
        self.guard = GuardClient(**kwargs)  # type: ignore[arg-type]
        self.memory = MemoryClient(**kwargs)  # type: ignore[arg-type]
        self.emotion = EmotionClient(**kwargs)  # type: ignore[arg-type]
        self.audit = AuditClient(**kwargs)  # type: ignore[arg-type]
        self.router = RouterClient(**kwargs)  # type: ignore[arg-type]

    async def close(self) -> None:
        if self._owns_channel:
            await self.channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
