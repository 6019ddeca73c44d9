"""What every service client shares: the channel, the caller's token, deadlines and error decoding."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, Generic, Self, TypeVar

import grpc

from infrafabric.clients._errors import InfraFabricError

DEFAULT_TARGET = "127.0.0.1:8080"
StubT = TypeVar("StubT")


class ServiceClient(Generic[StubT]):
    """Typed async facade over one generated stub.

    Point it at Envoy with `target` (the default is the local mesh) or inject any `channel`
    (tests, TLS, interceptors); a channel you pass in is yours to close.
    """

    _stub_type: Any

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
        self._channel = channel if channel is not None else grpc.aio.insecure_channel(target)
        self._stub: StubT = self._stub_type(self._channel)
        self._token = token
        self._timeout = timeout
        self._metadata = tuple(metadata)

    async def close(self) -> None:
        if self._owns_channel:
            await self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _call_metadata(self, request_id: str | None) -> list[tuple[str, str]]:
        md = list(self._metadata)
        if self._token:
            md.append(("authorization", f"Bearer {self._token}"))
        if request_id or not any(k == "x-request-id" for k, _ in md):
            md = [(k, v) for k, v in md if k != "x-request-id"]
            md.append(("x-request-id", request_id or uuid.uuid4().hex))
        return md

    async def _unary(self, method: str, request: Any, *, timeout: float | None = None, request_id: str | None = None) -> Any:
        try:
            return await getattr(self._stub, method)(
                request, metadata=self._call_metadata(request_id), timeout=timeout if timeout is not None else self._timeout
            )
        except grpc.aio.AioRpcError as err:
            raise InfraFabricError.from_rpc_error(err) from None

    async def _stream(
        self, method: str, request: Any, *, timeout: float | None = None, request_id: str | None = None
    ) -> AsyncIterator[Any]:
        call = getattr(self._stub, method)(request, metadata=self._call_metadata(request_id), timeout=timeout)
        try:
            async for item in call:
                yield item
        except grpc.aio.AioRpcError as err:
            raise InfraFabricError.from_rpc_error(err) from None
        finally:
            call.cancel()
