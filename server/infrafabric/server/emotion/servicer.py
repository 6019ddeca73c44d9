"""The Emotion gRPC servicer: infrafabric.emotion.v1.EmotionService over the in-process emotion engine.

One EmotionEngine per process, loaded in :func:`build` (about 3 s: the language model and the
emotion model), together with the personas (the shipped default plus ``personas_dir``) and the
reviewed helpline file; a malformed persona file stops start-up with a message naming the file and
the field. Analysis is pure CPU work of about a millisecond, so short requests run on the event
loop (a thread hop would cost more than the work); long ones go to a worker thread.

Mapping to the contract: engine names ("joy", "passive_ideation", "imminent") map one-to-one onto
the proto enums (checked when this module is imported); spans are code-point offsets into the
text of turn ``turn_index`` (-1 = the request's text). ComposePrompt's persona "" or "default" is
the shipped default persona. AnalyzeText with ``compose`` runs ComposePrompt on its own analysis, in
``reply_language``, so a chat turn needs one call, not two.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import math
import re

import grpc
from infrafabric.emotion.v1 import emotion_service_pb2 as pb
from infrafabric.emotion.v1 import emotion_service_pb2_grpc as pb_grpc
from infrafabric.server._common.errors import invalid_argument, not_found, rpc
from infrafabric.server._common.identity import identity_from
from infrafabric.server.emotion.engine import (
    DEFAULT_PERSONA,
    EKMAN,
    LEVELS,
    PLUTCHIK_AND_NEUTRAL,
    SIGNAL_TYPES,
    SUPPORTED_LANGUAGES,
    Analysis,
    EmotionEngine,
    EmotionProfile,
    HelplineDirectory,
    Persona,
    PersonaFormatError,
    PersonaNotFoundError,
    PersonaStore,
    compose_prompt,
)
from infrafabric.server.emotion.settings import EmotionSettings
from infrafabric.server.registry import Built

log = logging.getLogger(__name__)

DOMAIN = "emotion.infrafabric"
DEFAULT_PAGE_SIZE = 50  # the proto's documented default
MAX_PAGE_SIZE = 500
DEFAULT_PERSONA_ALIAS = "default"
# Requests up to this many characters (text plus history) are analysed on the event loop.
_INLINE_CHARS = 4000
_PAGE_TOKEN_PREFIX = "after:"
_REGION_RE = re.compile(r"[A-Za-z]{2}")
# Below this confidence a detected language is a guess ("hi" read as Serbian): replies follow the hint.
MIN_REPLY_LANGUAGE_CONFIDENCE = 0.5

# Engine name -> proto enum value. Built from the engine's own name lists, so a name the contract
# cannot express fails at import time instead of sending UNSPECIFIED to a caller.
EMOTION_ENUM: dict[str, pb.Emotion.ValueType] = {name: pb.Emotion.Value(f"EMOTION_{name.upper()}") for name in PLUTCHIK_AND_NEUTRAL}
EKMAN_ENUM: dict[str, pb.EkmanEmotion.ValueType] = {name: pb.EkmanEmotion.Value(f"EKMAN_EMOTION_{name.upper()}") for name in EKMAN}
LEVEL_ENUM: dict[str, pb.CrisisLevel.ValueType] = {name: pb.CrisisLevel.Value(f"CRISIS_LEVEL_{name.upper()}") for name in LEVELS}
SIGNAL_ENUM: dict[str, pb.CrisisSignalType.ValueType] = {name: pb.CrisisSignalType.Value(f"CRISIS_SIGNAL_TYPE_{name.upper()}") for name in SIGNAL_TYPES}
EMOTION_NAME: dict[pb.Emotion.ValueType, str] = {value: name for name, value in EMOTION_ENUM.items()}
LEVEL_NAME: dict[pb.CrisisLevel.ValueType, str] = {value: name for name, value in LEVEL_ENUM.items()}


# ---------------------------------------------------------------------------------------- conversion


def analysis_to_proto(analysis: Analysis) -> pb.AnalyzeTextResponse:
    """The engine's analysis as the contract's response (score lists highest first)."""
    emotions = sorted(analysis.emotions.items(), key=lambda kv: (-kv[1], kv[0]))
    ekman = sorted(analysis.ekman.items(), key=lambda kv: (-kv[1], kv[0]))
    crisis = analysis.crisis
    return pb.AnalyzeTextResponse(
        language=analysis.language,
        language_confidence=analysis.language_confidence,
        language_supported=analysis.language_supported,
        emotions=[pb.EmotionScore(emotion=EMOTION_ENUM[name], score=score) for name, score in emotions],
        dominant_emotion=EMOTION_ENUM[analysis.dominant],
        ekman=[pb.EkmanScore(emotion=EKMAN_ENUM[name], score=score) for name, score in ekman],
        valence=analysis.valence,
        arousal=analysis.arousal,
        crisis=pb.CrisisAssessment(
            level=LEVEL_ENUM[crisis.level],
            score=crisis.score,
            escalate=crisis.escalate,
            signals=[
                pb.CrisisSignal(
                    type=SIGNAL_ENUM[s.type],
                    span=pb.Span(start=s.start, end=s.end),
                    turn_index=s.turn_index,
                    matched_text=s.matched_text,
                    language=s.language,
                )
                for s in crisis.signals
            ],
        ),
    )


def persona_to_proto(persona: Persona, base_prompt: str) -> pb.Persona:
    return pb.Persona(
        name=persona.name,
        display_name=persona.display_name,
        description=persona.description,
        rhetorical_devices=list(persona.rhetorical_devices),
        argument_structures=list(persona.argument_structures),
        ethical_principles=list(persona.ethical_principles),
        humour=persona.humour.style,
        exemplars=list(persona.exemplars),
        base_prompt=base_prompt,
        # compose_prompt writes every persona's prompt in each of these languages.
        languages=list(SUPPORTED_LANGUAGES),
    )


def profile_from_proto(profile: pb.EmotionProfile) -> EmotionProfile:
    """The request's profile for compose_prompt; UNSPECIFIED enums read as neutral / no crisis."""
    violations: dict[str, str] = {}
    if profile.dominant_emotion and profile.dominant_emotion not in EMOTION_NAME:
        violations["profile.dominant_emotion"] = f"unknown Emotion value {profile.dominant_emotion}"
    if profile.crisis_level and profile.crisis_level not in LEVEL_NAME:
        violations["profile.crisis_level"] = f"unknown CrisisLevel value {profile.crisis_level}"
    if not (math.isfinite(profile.valence) and -1.0 <= profile.valence <= 1.0):
        violations["profile.valence"] = "must be between -1 and 1"
    # An unset profile has arousal 0.0, which is a valid "calm".
    if not (math.isfinite(profile.arousal) and 0.0 <= profile.arousal <= 1.0):
        violations["profile.arousal"] = "must be between 0 and 1"
    if violations:
        raise invalid_argument(violations)
    return EmotionProfile(
        dominant=EMOTION_NAME.get(profile.dominant_emotion, "neutral"),
        valence=profile.valence,
        arousal=profile.arousal,
        crisis_level=LEVEL_NAME.get(profile.crisis_level, "none"),
    )


def encode_page_token(last_name: str) -> str:
    return base64.urlsafe_b64encode(f"{_PAGE_TOKEN_PREFIX}{last_name}".encode()).decode().rstrip("=")


def decode_page_token(token: str) -> str:
    """The persona name a page token continues after; INVALID_ARGUMENT for a token we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith(_PAGE_TOKEN_PREFIX):
        raise invalid_argument({"page_token": "is not a token from a previous ListPersonas response"})
    return raw[len(_PAGE_TOKEN_PREFIX):]


# ---------------------------------------------------------------------------------------- servicer


class EmotionServicer(pb_grpc.EmotionServiceServicer):
    """Emotion RPCs; every method needs the caller's verified identity (set by Envoy)."""

    def __init__(
        self,
        engine: EmotionEngine,
        personas: PersonaStore,
        helplines: HelplineDirectory,
        settings: EmotionSettings,
    ) -> None:
        self._engine = engine
        self._personas = personas
        self._helplines = helplines
        self._max_chars = settings.max_text_chars
        # Personas are immutable after start-up: render each one's base prompt (its neutral-state
        # system prompt in English) once.
        self._persona_protos: dict[str, pb.Persona] = {
            p.name: persona_to_proto(p, compose_prompt(p, EmotionProfile(), "en", directory=helplines).system_prompt)
            for p in personas.list()
        }
        self._names = sorted(self._persona_protos)

    def _persona(self, name: str) -> Persona:
        key = DEFAULT_PERSONA if name in ("", DEFAULT_PERSONA_ALIAS) else name
        try:
            return self._personas.get(key)
        except PersonaNotFoundError:
            raise not_found("persona", name) from None

    def _check_text(self, text: str, field: str, *, required: bool) -> None:
        if required and not text.strip():
            raise invalid_argument({field: "must not be empty"})
        if len(text) > self._max_chars:
            raise invalid_argument({field: f"is {len(text)} characters; the limit is {self._max_chars}"})

    @rpc(DOMAIN)
    async def AnalyzeText(self, request: pb.AnalyzeTextRequest, context: grpc.aio.ServicerContext) -> pb.AnalyzeTextResponse:
        identity_from(context)
        self._check_text(request.text, "text", required=True)
        history: list[tuple[str, str]] = []
        for i, turn in enumerate(request.history):
            self._check_text(turn.text, f"history[{i}].text", required=False)
            history.append((turn.role, turn.text))
        size = len(request.text) + sum(len(t) for _, t in history)
        persona = None
        if request.HasField("compose"):
            self._check_region(request.compose.region_code, "compose.region_code")
            persona = self._persona(request.compose.persona)
        if size <= _INLINE_CHARS:
            analysis = self._engine.analyze(request.text, history, request.language_hint)
        else:
            analysis = await asyncio.to_thread(self._engine.analyze, request.text, history, request.language_hint)
        response = analysis_to_proto(analysis)
        # Short texts ("hi", "ok") get wild guesses at low confidence: keep the hint (or English) then.
        confident = analysis.language and analysis.language_confidence >= MIN_REPLY_LANGUAGE_CONFIDENCE
        response.reply_language = analysis.language if confident else (request.language_hint or "en")
        if persona is not None:
            composed = self._compose(persona, analysis.profile(), response.reply_language, request.compose.region_code)
            response.composed.CopyFrom(composed)
        return response

    @rpc(DOMAIN)
    async def ListPersonas(self, request: pb.ListPersonasRequest, context: grpc.aio.ServicerContext) -> pb.ListPersonasResponse:
        identity_from(context)
        if request.page_size < 0:
            raise invalid_argument({"page_size": "must not be negative"})
        size = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        after = decode_page_token(request.page_token) if request.page_token else None
        # Names are unique and sorted, so "everything after the last name served" is a stable
        # cursor even across a restart that added or removed personas.
        names = [n for n in self._names if after is None or n > after]
        page = names[:size]
        next_token = encode_page_token(page[-1]) if len(names) > size else ""
        return pb.ListPersonasResponse(personas=[self._persona_protos[n] for n in page], next_page_token=next_token)

    @rpc(DOMAIN)
    async def GetPersona(self, request: pb.GetPersonaRequest, context: grpc.aio.ServicerContext) -> pb.GetPersonaResponse:
        identity_from(context)
        if not request.name.strip():
            raise invalid_argument({"name": f"is required (\"{DEFAULT_PERSONA_ALIAS}\" names the shipped persona)"})
        persona = self._persona(request.name)
        return pb.GetPersonaResponse(persona=self._persona_protos[persona.name])

    @rpc(DOMAIN)
    async def ComposePrompt(self, request: pb.ComposePromptRequest, context: grpc.aio.ServicerContext) -> pb.ComposePromptResponse:
        identity_from(context)
        self._check_region(request.region_code, "region_code")
        profile = profile_from_proto(request.profile)
        persona = self._persona(request.persona)
        return self._compose(persona, profile, request.language, request.region_code)

    @staticmethod
    def _check_region(region: str, field: str) -> None:
        region = region.strip()
        if region and not _REGION_RE.fullmatch(region):
            raise invalid_argument({field: "must be an ISO 3166-1 alpha-2 code such as \"US\" or \"ES\""})

    def _compose(self, persona: Persona, profile: EmotionProfile, language: str, region: str) -> pb.ComposePromptResponse:
        # An unknown or empty language is best effort: English guidance plus "reply in <language>".
        composed = compose_prompt(persona, profile, language, region.strip(), directory=self._helplines)
        return pb.ComposePromptResponse(
            system_prompt=composed.system_prompt,
            style_directives=list(composed.style_directives),
            safe_messaging=composed.safe_messaging,
            emergency_number=composed.emergency_number,
            helplines=[
                pb.Helpline(region_code=h.country, name=h.name, phone=h.phone, text=h.sms, url=h.url, source=h.source)
                for h in composed.helplines
            ],
        )


async def build(settings: EmotionSettings) -> Built:
    try:
        personas = PersonaStore([settings.personas_dir] if settings.personas_dir else [])
    except PersonaFormatError as exc:
        # One clear line in the log before the exception stops start-up.
        log.error("cannot start: persona file %s, field %r: %s", exc.path, exc.field, exc.message)
        raise
    helplines = HelplineDirectory()
    engine = await asyncio.to_thread(
        lambda: EmotionEngine.load(learned_crisis=settings.learned_crisis_model, semantic_crisis=settings.semantic_crisis_model)
    )
    servicer = EmotionServicer(engine, personas, helplines, settings)
    # Warm the model and the pattern tables so the first caller does not pay for lazy set-up.
    engine.analyze("hello, how are you today?")
    engine.clear_caches()
    log.info("emotion: %d persona(s) loaded: %s", len(servicer._names), ", ".join(servicer._names))
    return Built(servicer=servicer, add_to_server=pb_grpc.add_EmotionServiceServicer_to_server)
