"""AIP-193 errors from servicer to client, over a real in-process gRPC server (no mesh needed)."""

from __future__ import annotations

import grpc
import pytest

import infrafabric.clients
from infrafabric.clients import EmotionClient, InfraFabricError
from infrafabric.emotion.v1 import emotion_service_pb2 as pb
from infrafabric.emotion.v1 import emotion_service_pb2_grpc as pb_grpc
from infrafabric.server._common.errors import rpc
from infrafabric.server._common.identity import identity_from
from infrafabric.server._common.unimplemented import unimplemented_servicer


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownPersona(KeyError):
    field = "name"


class Servicer(pb_grpc.EmotionServiceServicer):
    @rpc("emotion.infrafabric")
    async def AnalyzeText(self, request, context):
        identity_from(context)
        if not request.text:
            raise FieldError("text", "must not be empty")
        raise RuntimeError("secret internals")

    @rpc("emotion.infrafabric")
    async def GetPersona(self, request, context):
        raise UnknownPersona(f"persona {request.name!r} not found")


async def _serve(servicer):
    server = grpc.aio.server()
    pb_grpc.add_EmotionServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}"


async def test_bad_input_becomes_invalid_argument_with_field_violation():
    server, target = await _serve(Servicer())
    try:
        async with EmotionClient(target, metadata=[("x-tenant-id", "t"), ("x-user-id", "u")]) as client:
            with pytest.raises(InfraFabricError) as err:
                await client.analyze_text("")
            assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
            assert err.value.field_violations == {"text": "must not be empty"}
            assert (err.value.reason, err.value.domain) == ("INVALID_ARGUMENT", "emotion.infrafabric")

            with pytest.raises(InfraFabricError) as err:
                await client.analyze_text("hello")
            assert err.value.code == grpc.StatusCode.INTERNAL
            assert "secret" not in err.value.message

            with pytest.raises(InfraFabricError) as err:
                await client.get_persona("nobody")
            assert err.value.code == grpc.StatusCode.NOT_FOUND and err.value.metadata == {"field": "name"}
    finally:
        await server.stop(0)


async def test_missing_identity_is_unauthenticated():
    server, target = await _serve(Servicer())
    try:
        async with EmotionClient(target) as client:
            with pytest.raises(InfraFabricError) as err:
                await client.analyze_text("hello")
        assert err.value.code == grpc.StatusCode.UNAUTHENTICATED and err.value.reason == "IDENTITY_MISSING"
    finally:
        await server.stop(0)


async def test_unbuilt_rpcs_answer_unimplemented_with_details():
    server, target = await _serve(unimplemented_servicer(pb_grpc.EmotionServiceServicer, "emotion.infrafabric"))
    try:
        async with EmotionClient(target) as client:
            with pytest.raises(InfraFabricError) as err:
                await client.compose_prompt("default", pb.EmotionProfile())
        assert err.value.code == grpc.StatusCode.UNIMPLEMENTED
        assert err.value.reason == "NOT_IMPLEMENTED" and err.value.metadata == {"method": "ComposePrompt"}
    finally:
        await server.stop(0)


async def test_injected_channel_is_not_closed_by_the_client():
    server, target = await _serve(unimplemented_servicer(pb_grpc.EmotionServiceServicer, "emotion.infrafabric"))
    try:
        channel = grpc.aio.insecure_channel(target)
        async with EmotionClient(channel=channel):
            pass
        # Still usable: the client did not own it.
        with pytest.raises(InfraFabricError):
            await EmotionClient(channel=channel).list_personas(timeout=5)
        await channel.close()
    finally:
        await server.stop(0)


def test_public_client_api_is_pinned():
    assert sorted(infrafabric.clients.__all__) == [
        "AuditClient", "DEFAULT_TARGET", "EmotionClient", "GuardClient", "InfraFabricError", "MemoryClient", "MeshClient", "RouterClient",
    ]
