"""The Guard gRPC servicer: maps GuardService calls onto the in-process screening engine.

One `Guard` engine per process (policies loaded once at start-up), one Redis client for
repeat-offender tracking and one channel to Envoy for security events sent to Audit. The caller's
tenant (from the verified identity Envoy forwards) selects the policy; nothing in the request
body can choose it.

Degraded modes, both deliberate so that screening itself never stops:
- Redis unreachable: offender tracking is skipped (a throttled warning is logged), screening goes on.
- Audit unreachable or failing: the security event is logged locally and dropped, the call answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable

import grpc
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from infrafabric.clients import AuditClient, InfraFabricError
from infrafabric.guard.v1 import guard_service_pb2 as pb
from infrafabric.guard.v1 import guard_service_pb2_grpc as pb_grpc
from infrafabric.server._common.errors import invalid_argument, rpc
from infrafabric.server._common.identity import Identity, identity_from
from infrafabric.server.guard.engine import (CATEGORIES, Finding, Guard, GuardInputError, OffenderStatus, Policy,
                                             RepeatOffenderTracker, ScreenResult, Vote, load_policy_set)
from infrafabric.server.guard.engine.policy import DETECTOR_NAMES
from infrafabric.server.guard.settings import GuardSettings
from infrafabric.server.registry import Built

__all__ = ["GuardServicer", "build"]

log = logging.getLogger(__name__)

DOMAIN = "guard.infrafabric"
REPEAT_OFFENDER_DETECTOR = "repeat_offender"
REPEAT_OFFENDER_EVENT = "guard.repeat_offender"

# Screening is pure-Python CPU work that holds the GIL either way; a worker thread does not make it
# faster, it keeps the event loop responsive (other calls, Envoy's health checks with their 0.5 s
# timeout) while a long text is screened. Measured on the 2-core dev box: a 2 KB prompt takes
# ~2 ms in-loop and the hop to a thread adds ~0.1-0.6 ms at p50 and up to ~5 ms at p99, so short
# texts stay in-loop; 8 K characters take ~7 ms and an ~800 KB document ~0.5 s, which would stall
# every other call on this replica, so from this size on the engine runs in a thread.
INLINE_MAX_CHARS = 8_192

_CATEGORY = {
    "prompt_injection": pb.CATEGORY_PROMPT_INJECTION,
    "jailbreak": pb.CATEGORY_JAILBREAK,
    "pii": pb.CATEGORY_PII,
    "secret": pb.CATEGORY_SECRET,
    "obfuscation": pb.CATEGORY_OBFUSCATION,
    "system_prompt_leak": pb.CATEGORY_SYSTEM_PROMPT_LEAK,
    "unsafe": pb.CATEGORY_UNSAFE_CONTENT,
    "crisis": pb.CATEGORY_CRISIS_CONTENT,
}
# Output findings point into the request's `text` (the model output), so they are SOURCE_TEXT.
_SOURCE = {"text": pb.SOURCE_TEXT, "output": pb.SOURCE_TEXT, "history": pb.SOURCE_HISTORY, "document": pb.SOURCE_DOCUMENT}
_VERDICT = {"allow": pb.VERDICT_ALLOW, "redact": pb.VERDICT_REDACT, "block": pb.VERDICT_BLOCK}
_ROLE = {pb.ROLE_UNSPECIFIED: "user", pb.ROLE_USER: "user", pb.ROLE_ASSISTANT: "assistant", pb.ROLE_SYSTEM: "system"}
_KIND = {
    pb.DOCUMENT_KIND_UNSPECIFIED: "retrieved",
    pb.DOCUMENT_KIND_RETRIEVED: "retrieved",
    pb.DOCUMENT_KIND_TOOL_OUTPUT: "tool_output",
}

# A category the engine gains but this mapping lacks must stop start-up, not surface later as
# CATEGORY_UNSPECIFIED (which the contract says is never returned) or as INTERNAL on some call.
_unmapped = set(CATEGORIES) - set(_CATEGORY)
if _unmapped:
    raise RuntimeError(f"guard servicer: engine categories without a proto Category: {sorted(_unmapped)}")

_MIN_CANARY_CHARS = 4  # the engine ignores shorter canaries; refusing them beats silently not checking


def policy_id(policy: Policy) -> str:
    """A stable name for the policy in force: tenant section and policy-file version."""
    return f"{policy.tenant}@{policy.version}" if policy.version else policy.tenant


def _finding(f: Finding) -> pb.Finding:
    return pb.Finding(
        category=_CATEGORY[f.category],
        detector=f.detector,
        score=f.score,
        source=_SOURCE[f.source],
        source_index=f.source_index,
        span=pb.Span(start=f.start, end=f.end),
        reason=f.reason,
        decoded_via=f.decoded_via,
        placeholder=f.placeholder,
    )


def _vote(v: Vote) -> pb.Vote:
    return pb.Vote(detector=v.detector, score=v.score, weight=v.weight, fired=v.fired)


def _engine_field(field: str) -> str:
    # The engine names the text of a turn or document `.text`; the contract calls it `.content`.
    if field.startswith(("history[", "documents[")) and field.endswith(".text"):
        return field[: -len(".text")] + ".content"
    return field


class GuardServicer(pb_grpc.GuardServiceServicer):
    """GuardService on one engine; `tracker` and `audit_channel` are None when those features are off."""

    def __init__(
        self,
        guard: Guard,
        settings: GuardSettings,
        *,
        tracker: RepeatOffenderTracker | None,
        audit_channel: grpc.aio.Channel | None,
    ) -> None:
        self._guard = guard
        self._settings = settings
        self._tracker = tracker
        self._audit_channel = audit_channel
        self._last_redis_warning = 0.0

    # ------------------------------------------------------------------ RPCs
    @rpc(DOMAIN)
    async def ScreenInput(self, request: pb.ScreenInputRequest, context: grpc.aio.ServicerContext) -> pb.ScreenInputResponse:
        identity = identity_from(context)
        policy = self._guard.effective_policy(identity.tenant_id)
        size = self._validate_input(request, policy)

        history = [(_ROLE.get(turn.role, "user"), turn.content) for turn in request.history]
        documents = [(doc.id, _KIND.get(doc.kind, "retrieved"), doc.content) for doc in request.documents]

        def screen() -> ScreenResult:
            return self._guard.screen_input(request.text, history=history, documents=documents,
                                            tenant=identity.tenant_id, explain=request.explain)

        if size <= INLINE_MAX_CHARS:
            # Short text: the cool-down lookup's Redis round trip overlaps the screening (the
            # command is sent, then the engine runs while the reply travels), so a chat turn pays
            # max(Redis, engine) rather than their sum. A refused user's text is then screened
            # for nothing, which costs no more than any other user's short prompt.
            lookup = asyncio.ensure_future(self._offender_status(identity))
            await asyncio.sleep(0)  # let the lookup send its command before the engine holds the loop
            try:
                result: ScreenResult | None = await self._run(screen, size)
            finally:
                before = await lookup
        else:
            # Long text: ask first, so a refused user cannot make us spend up to a second of CPU.
            before = await self._offender_status(identity)
            result = None
        if before is not None and before.refused:
            # A user in cool-down gets an ordinary BLOCK verdict, not an error status: the request
            # was well-formed and the caller (Router, an app) must handle a refusal the same way
            # whatever caused it; an error code would read as "Guard failed" and, worse, could
            # make a fail-open caller let the text through.
            return self._cooldown_response(request, policy, before)
        if result is None:
            result = await self._run(screen, size)
        if result.blocked:
            await self._record_block(identity, request.session_id, result, request.text)
        return pb.ScreenInputResponse(
            verdict=_VERDICT[result.verdict],
            risk_score=result.risk_score,
            findings=[_finding(f) for f in result.findings],
            votes=[_vote(v) for v in result.votes],
            redacted_text=result.redacted_text,
            normalizations=list(result.normalizations),
            policy_id=policy_id(policy),
            explanation=list(result.explanation),
        )

    @rpc(DOMAIN)
    async def ScreenOutput(self, request: pb.ScreenOutputRequest, context: grpc.aio.ServicerContext) -> pb.ScreenOutputResponse:
        # No offender tracking here: model output is not the user's doing, so a blocked output
        # must not count against them.
        identity = identity_from(context)
        policy = self._guard.effective_policy(identity.tenant_id)
        self._validate_text("text", request.text, policy)
        size = len(request.text) + len(request.system_prompt) + sum(len(c) for c in request.canary_tokens)
        if len(request.system_prompt) > policy.max_text_chars:
            raise invalid_argument({"system_prompt": f"longer than {policy.max_text_chars} characters"})
        for i, canary in enumerate(request.canary_tokens):
            if len(canary.strip()) < _MIN_CANARY_CHARS:
                raise invalid_argument({f"canary_tokens[{i}]": f"a canary needs at least {_MIN_CANARY_CHARS} characters"})
        if size > self._settings.max_input_chars:
            raise invalid_argument({"text": f"text, system_prompt and canary_tokens exceed {self._settings.max_input_chars} characters"})

        def screen() -> ScreenResult:
            return self._guard.screen_output(request.text, system_prompt=request.system_prompt,
                                             canary_tokens=list(request.canary_tokens), tenant=identity.tenant_id,
                                             explain=request.explain)

        result = await self._run(screen, size)
        return pb.ScreenOutputResponse(
            verdict=_VERDICT[result.verdict],
            risk_score=result.risk_score,
            findings=[_finding(f) for f in result.findings],
            votes=[_vote(v) for v in result.votes],
            redacted_text=result.redacted_text,
            policy_id=policy_id(policy),
            explanation=list(result.explanation),
        )

    @rpc(DOMAIN)
    async def GetPolicy(self, request: pb.GetPolicyRequest, context: grpc.aio.ServicerContext) -> pb.GetPolicyResponse:
        identity = identity_from(context)
        policy = self._guard.effective_policy(identity.tenant_id)
        pii = policy.detector("pii")
        return pb.GetPolicyResponse(
            policy=pb.Policy(
                policy_id=policy_id(policy),
                tenant_id=policy.tenant,
                block_threshold=policy.block_threshold,
                redact_pii=pii.enabled and policy.actions.get("pii") == "redact",
                detectors=[
                    pb.DetectorSetting(name=name, enabled=spec.enabled, threshold=spec.threshold, weight=spec.weight)
                    for name in DETECTOR_NAMES
                    for spec in (policy.detector(name),)
                ],
            )
        )

    @rpc(DOMAIN)
    async def ListDetectors(self, request: pb.ListDetectorsRequest, context: grpc.aio.ServicerContext) -> pb.ListDetectorsResponse:
        identity_from(context)  # only verified callers (through Envoy) may list
        detectors = [
            pb.DetectorInfo(name=d.name, categories=[_CATEGORY[d.category]], description=d.description)
            for d in self._guard.list_detectors()
        ]
        if self._tracker is not None:
            detectors.append(pb.DetectorInfo(
                name=REPEAT_OFFENDER_DETECTOR,
                categories=[pb.CATEGORY_REPEAT_OFFENDER],
                description=(
                    f"Refuses a user for {self._settings.offender_cooldown_seconds:g} s after "
                    f"{self._settings.offender_limit} blocked inputs within {self._settings.offender_window_seconds:g} s "
                    "(counted in Redis across replicas); service-wide, not part of the tenant policy."
                ),
            ))
        return pb.ListDetectorsResponse(detectors=detectors)

    # ------------------------------------------------------------------ input checks
    @staticmethod
    def _validate_text(field: str, text: str, policy: Policy) -> None:
        if not text.strip():
            raise invalid_argument({field: "must not be empty"})
        if len(text) > policy.max_text_chars:
            raise invalid_argument({field: f"longer than {policy.max_text_chars} characters ({len(text)})"})

    def _validate_input(self, request: pb.ScreenInputRequest, policy: Policy) -> int:
        """Check sizes and counts up front (also for users in cool-down); return the total size.

        The engine checks the same per-text limits; checking here too names the contract's fields
        (`documents[2].content`) and keeps refusals for bad input independent of offender state.
        """
        self._validate_text("text", request.text, policy)
        if len(request.history) > policy.max_history:
            raise invalid_argument({"history": f"at most {policy.max_history} turns, got {len(request.history)}"})
        if len(request.documents) > policy.max_documents:
            raise invalid_argument({"documents": f"at most {policy.max_documents} documents, got {len(request.documents)}"})
        parts: list[tuple[str, str]] = [("text", request.text)]
        parts += [(f"history[{i}].content", t.content) for i, t in enumerate(request.history)]
        parts += [(f"documents[{i}].content", d.content) for i, d in enumerate(request.documents)]
        total = 0
        for field, text in parts:
            if len(text) > policy.max_text_chars:
                raise invalid_argument({field: f"longer than {policy.max_text_chars} characters ({len(text)})"})
            total += len(text)
            if total > self._settings.max_input_chars:
                raise invalid_argument(
                    {field: f"the request's text, history and documents exceed {self._settings.max_input_chars} characters"}
                )
        return total

    async def _run(self, screen: Callable[[], ScreenResult], size: int) -> ScreenResult:
        try:
            if size <= INLINE_MAX_CHARS:
                return screen()
            return await asyncio.to_thread(screen)
        except GuardInputError as exc:
            raise invalid_argument({_engine_field(exc.field): exc.description}) from None

    # ------------------------------------------------------------------ repeat offenders
    def _cooldown_response(self, request: pb.ScreenInputRequest, policy: Policy, status: OffenderStatus) -> pb.ScreenInputResponse:
        reason = (f"user refused during a cool-down after {self._settings.offender_limit} blocked inputs within "
                  f"{self._settings.offender_window_seconds:g} s; {status.cooldown_remaining_s:.0f} s remaining")
        explanation = []
        if request.explain:
            explanation = [
                f"repeat offender: {reason}",
                "the text is refused as a whole, whatever it says",
                "verdict block",
            ]
        return pb.ScreenInputResponse(
            verdict=pb.VERDICT_BLOCK,
            risk_score=1.0,
            # The span covers the whole text: all of it is refused, no part of it was judged.
            findings=[pb.Finding(category=pb.CATEGORY_REPEAT_OFFENDER, detector=REPEAT_OFFENDER_DETECTOR, score=1.0,
                                 source=pb.SOURCE_TEXT, span=pb.Span(start=0, end=len(request.text)), reason=reason)],
            votes=[pb.Vote(detector=REPEAT_OFFENDER_DETECTOR, score=1.0, weight=1.0, fired=True)],
            # Nothing of a refused text goes back: the refusal does not depend on what it says.
            redacted_text="",
            policy_id=policy_id(policy),
            explanation=explanation,
        )

    async def _offender_status(self, identity: Identity) -> OffenderStatus | None:
        if self._tracker is None:
            return None
        try:
            async with asyncio.timeout(self._settings.redis_timeout_seconds):
                return await self._tracker.status(identity.tenant_id, identity.user_id)
        except (RedisError, OSError, TimeoutError) as exc:
            self._warn_redis(exc)
            return None

    async def _record_block(self, identity: Identity, session_id: str, result: ScreenResult, text: str) -> None:
        if self._tracker is None:
            return
        try:
            async with asyncio.timeout(self._settings.redis_timeout_seconds):
                after = await self._tracker.record_block(identity.tenant_id, identity.user_id)
        except (RedisError, OSError, TimeoutError) as exc:
            self._warn_redis(exc)
            return
        # The pre-screening check saw this user not refused, so a refusal now means this block
        # started the cool-down. Two replicas blocking the same user at the same instant may both
        # see that and report it twice; a duplicate security event is better than a missed one.
        if after.refused:
            log.warning("repeat offender: tenant=%s user=%s refused for %.0f s after %d blocks",
                        identity.tenant_id, identity.user_id, after.cooldown_remaining_s, after.blocks_in_window)
            await self._report_repeat_offender(identity, session_id, result, text, after)

    def _warn_redis(self, exc: BaseException) -> None:
        # One warning a minute is enough to notice; one per call would flood the log during an outage.
        now = time.monotonic()
        if now - self._last_redis_warning >= 60.0:
            self._last_redis_warning = now
            log.warning("repeat-offender tracking skipped, Redis unavailable: %s: %s", type(exc).__name__, exc)

    async def _report_repeat_offender(self, identity: Identity, session_id: str, result: ScreenResult, text: str,
                                      status: OffenderStatus) -> None:
        """Append the security event to Audit through Envoy, as the caller (their token).

        It is awaited (bounded by audit_timeout_seconds) so the event is durable before the caller
        sees the refusal; this happens once per cool-down, so the added latency is rare. If Audit is
        down or refuses, the event is logged here and dropped: Guard must keep answering, and a
        screening service that fails because its audit sink is down would take the gateway with it.
        """
        if self._audit_channel is None:
            return
        payload = {
            "tenant_id": identity.tenant_id,
            "user_id": identity.user_id,
            "blocks_in_window": status.blocks_in_window,
            "limit": self._settings.offender_limit,
            "window_seconds": self._settings.offender_window_seconds,
            "cooldown_seconds": self._settings.offender_cooldown_seconds,
            "categories": list(result.categories),
            "fired_detectors": [v.detector for v in result.votes if v.fired],
            "risk_score": result.risk_score,
            "policy_id": policy_id(self._guard.effective_policy(identity.tenant_id)),
            # A fingerprint, not the text: the audit log is long-lived and the text may hold PII.
            "text_sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        }
        audit = AuditClient(channel=self._audit_channel, metadata=[("authorization", identity.authorization)],
                            timeout=self._settings.audit_timeout_seconds)
        try:
            await audit.append_event(REPEAT_OFFENDER_EVENT, payload, session_id=session_id, request_id=identity.request_id)
        except InfraFabricError as exc:
            log.error("security event %s not audited (Audit answered %s: %s): %s", REPEAT_OFFENDER_EVENT,
                      exc.code.name, exc.message, payload)
        except Exception:
            log.exception("security event %s not audited: %s", REPEAT_OFFENDER_EVENT, payload)


async def build(settings: GuardSettings) -> Built:  # type: ignore[override]
    # Policies are validated once here (the settings validator already parsed a custom file).
    guard = Guard(load_policy_set(settings.policy_file))
    redis = Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
        # No retries: a slow Redis must cost a screening call at most one timeout, then tracking is skipped.
        retry=Retry(NoBackoff(), 0),
    )
    tracker = RepeatOffenderTracker(redis, limit=settings.offender_limit, window_s=settings.offender_window_seconds,
                                    cooldown_s=settings.offender_cooldown_seconds)
    audit_channel = grpc.aio.insecure_channel(settings.mesh_target) if settings.audit_security_events else None
    # Warm up the engine (rule index, regex compilation) before Envoy's first health check sends traffic.
    guard.screen_input("warm-up: hello")

    async def close() -> None:
        if audit_channel is not None:
            await audit_channel.close()
        await redis.aclose()

    return Built(
        servicer=GuardServicer(guard, settings, tracker=tracker, audit_channel=audit_channel),
        add_to_server=pb_grpc.add_GuardServiceServicer_to_server,
        closers=[close],
    )
