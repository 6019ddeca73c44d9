"""Typed async client for the Emotion service (infrafabric.emotion.v1.EmotionService)."""

from __future__ import annotations

from collections.abc import Sequence

from infrafabric.clients._base import ServiceClient
from infrafabric.emotion.v1 import emotion_service_pb2 as pb
from infrafabric.emotion.v1 import emotion_service_pb2_grpc as pb_grpc


class EmotionClient(ServiceClient[pb_grpc.EmotionServiceStub]):
    _stub_type = pb_grpc.EmotionServiceStub

    async def analyze_text(
        self,
        text: str,
        *,
        history: Sequence[tuple[str, str]] = (),
        language_hint: str = "",
        compose_persona: str | None = None,
        region_code: str = "",
        timeout: float | None = None,
    ) -> pb.AnalyzeTextResponse:
        """Analyses ``text``; with ``compose_persona`` ("" = the default persona) the response's ``composed``
        also holds that persona's prompt for the state found, with helplines for ``region_code``."""
        request = pb.AnalyzeTextRequest(
            text=text, history=[pb.ConversationTurn(role=r, text=t) for r, t in history], language_hint=language_hint
        )
        if compose_persona is not None:
            request.compose.CopyFrom(pb.ComposeOptions(persona=compose_persona, region_code=region_code))
        return await self._unary("AnalyzeText", request, timeout=timeout)  # type: ignore[no-any-return]

    async def list_personas(self, *, page_size: int = 0, page_token: str = "", timeout: float | None = None) -> pb.ListPersonasResponse:
        request = pb.ListPersonasRequest(page_size=page_size, page_token=page_token)
        return await self._unary("ListPersonas", request, timeout=timeout)  # type: ignore[no-any-return]

    async def get_persona(self, name: str, *, timeout: float | None = None) -> pb.Persona:
        return (await self._unary("GetPersona", pb.GetPersonaRequest(name=name), timeout=timeout)).persona  # type: ignore[no-any-return]

    async def compose_prompt(
        self,
        persona: str,
        profile: pb.EmotionProfile,
        *,
        language: str = "en",
        region_code: str = "",
        timeout: float | None = None,
    ) -> pb.ComposePromptResponse:
        request = pb.ComposePromptRequest(persona=persona, profile=profile, language=language, region_code=region_code)
        return await self._unary("ComposePrompt", request, timeout=timeout)  # type: ignore[no-any-return]
