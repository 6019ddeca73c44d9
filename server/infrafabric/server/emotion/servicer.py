"""The Emotion gRPC servicer. Not built yet: every RPC answers UNIMPLEMENTED."""

from __future__ import annotations

from infrafabric.emotion.v1 import emotion_service_pb2_grpc as pb_grpc
from infrafabric.server._common.settings import ServiceSettings
from infrafabric.server._common.unimplemented import unimplemented_servicer
from infrafabric.server.registry import Built


async def build(settings: ServiceSettings) -> Built:
    return Built(
        servicer=unimplemented_servicer(pb_grpc.EmotionServiceServicer, domain="emotion.infrafabric"),
        add_to_server=pb_grpc.add_EmotionServiceServicer_to_server,
    )
