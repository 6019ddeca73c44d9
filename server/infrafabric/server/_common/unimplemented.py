"""A servicer for a contract whose behaviour is not built yet.

Every RPC answers UNIMPLEMENTED with an ErrorInfo naming the method, never a made-up result.
"""

from __future__ import annotations

from typing import Any

import grpc

from infrafabric.server._common.errors import ServiceError, rpc


def unimplemented_servicer(base: type, domain: str) -> Any:
    """Subclass the generated base servicer so each RPC aborts with a proper AIP-193 status."""
    methods: dict[str, Any] = {}
    for name in dir(base):
        if name.startswith("_") or not callable(getattr(base, name)):
            continue

        def make(method: str) -> Any:
            @rpc(domain)
            async def handler(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
                raise ServiceError(
                    grpc.StatusCode.UNIMPLEMENTED,
                    f"{method} is not implemented yet",
                    reason="NOT_IMPLEMENTED",
                    metadata={"method": method},
                )

            handler.__name__ = method
            return handler

        methods[name] = make(name)
    return type(f"Unimplemented{base.__name__}", (base,), methods)()
