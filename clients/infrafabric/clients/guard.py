"""Typed async client for the Guard service (infrafabric.guard.v1.GuardService)."""

from __future__ import annotations

from collections.abc import Sequence

from infrafabric.clients._base import ServiceClient
from infrafabric.guard.v1 import guard_service_pb2 as pb
from infrafabric.guard.v1 import guard_service_pb2_grpc as pb_grpc


class GuardClient(ServiceClient[pb_grpc.GuardServiceStub]):
    _stub_type = pb_grpc.GuardServiceStub

    async def screen_input(
        self,
        text: str,
        *,
        history: Sequence[pb.Turn] = (),
        documents: Sequence[pb.Document] = (),
        session_id: str = "",
        explain: bool = False,
        timeout: float | None = None,
    ) -> pb.ScreenInputResponse:
        request = pb.ScreenInputRequest(text=text, history=history, documents=documents, session_id=session_id, explain=explain)
        return await self._unary("ScreenInput", request, timeout=timeout)  # type: ignore[no-any-return]

    async def screen_output(
        self,
        text: str,
        *,
        system_prompt: str = "",
        canary_tokens: Sequence[str] = (),
        session_id: str = "",
        explain: bool = False,
        timeout: float | None = None,
    ) -> pb.ScreenOutputResponse:
        request = pb.ScreenOutputRequest(
            text=text, system_prompt=system_prompt, canary_tokens=canary_tokens, session_id=session_id, explain=explain
        )
        return await self._unary("ScreenOutput", request, timeout=timeout)  # type: ignore[no-any-return]

    async def get_policy(self, *, timeout: float | None = None) -> pb.Policy:
        return (await self._unary("GetPolicy", pb.GetPolicyRequest(), timeout=timeout)).policy  # type: ignore[no-any-return]

    async def list_detectors(self, *, timeout: float | None = None) -> list[pb.DetectorInfo]:
        return list((await self._unary("ListDetectors", pb.ListDetectorsRequest(), timeout=timeout)).detectors)
