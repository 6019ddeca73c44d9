"""The Emotion servicer in process: enum mapping, pagination over several personas, errors.

Through-Envoy behaviour is tested in tests/integration/test_emotion.py; this covers what the test
mesh cannot show (more than one persona, a persona directory of our own).
"""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from infrafabric.emotion.v1 import emotion_service_pb2 as pb
from infrafabric.server._common.errors import ServiceError
from infrafabric.server.emotion import servicer as svc
from infrafabric.server.emotion.engine import (
    HelplineDirectory,
    PersonaFormatError,
    PersonaStore,
)
from infrafabric.server.emotion.settings import EmotionSettings


class Aborted(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class FakeContext:
    """Enough of grpc.aio.ServicerContext for the @rpc wrapper and identity_from."""

    def invocation_metadata(self):
        return (("x-tenant-id", "t1"), ("x-user-id", "u1"))

    async def abort_with_status(self, status):
        raise Aborted(status.code, status.details)


PERSONA = "name: {name}\ndescription: The {name} persona.\nethical_principles: [be honest]\n"


@pytest.fixture
def servicer(engine, tmp_path: Path) -> svc.EmotionServicer:
    for name in ("zeta", "alpha", "mid"):
        (tmp_path / f"{name}.yaml").write_text(PERSONA.format(name=name), encoding="utf-8")
    settings = EmotionSettings(personas_dir=tmp_path, max_text_chars=1000)
    return svc.EmotionServicer(engine, PersonaStore([tmp_path]), HelplineDirectory(), settings)


def test_every_engine_name_maps_to_a_proto_enum():
    assert set(svc.EMOTION_ENUM.values()) == set(pb.Emotion.values()) - {pb.EMOTION_UNSPECIFIED}
    assert set(svc.EKMAN_ENUM.values()) == set(pb.EkmanEmotion.values()) - {pb.EKMAN_EMOTION_UNSPECIFIED}
    assert set(svc.LEVEL_ENUM.values()) == set(pb.CrisisLevel.values()) - {pb.CRISIS_LEVEL_UNSPECIFIED}
    assert set(svc.SIGNAL_ENUM.values()) == set(pb.CrisisSignalType.values()) - {pb.CRISIS_SIGNAL_TYPE_UNSPECIFIED}


async def test_pagination_is_stable_and_complete(servicer):
    seen, token = [], ""
    while True:
        page = await servicer.ListPersonas(pb.ListPersonasRequest(page_size=2, page_token=token), FakeContext())
        assert len(page.personas) <= 2
        seen += [p.name for p in page.personas]
        token = page.next_page_token
        if not token:
            break
    assert seen == ["alpha", "companion", "mid", "zeta"]


async def test_settings_limit_text_size(servicer):
    with pytest.raises(Aborted) as err:
        await servicer.AnalyzeText(pb.AnalyzeTextRequest(text="x" * 1001), FakeContext())
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_analysis_maps_spans_and_levels(servicer):
    text = "Hola. Quiero morirme"
    result = await servicer.AnalyzeText(pb.AnalyzeTextRequest(text=text), FakeContext())
    assert result.crisis.level >= pb.CRISIS_LEVEL_MEDIUM and result.crisis.escalate
    for s in result.crisis.signals:
        assert text[s.span.start:s.span.end] == s.matched_text and s.turn_index == -1


async def test_unknown_persona_is_not_found(servicer):
    with pytest.raises(Aborted) as err:
        await servicer.ComposePrompt(pb.ComposePromptRequest(persona="nobody"), FakeContext())
    assert err.value.code == grpc.StatusCode.NOT_FOUND


async def test_build_fails_on_a_malformed_persona_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: ok\ndescription: x\n", encoding="utf-8")  # no ethical_principles
    with pytest.raises(PersonaFormatError) as err:
        await svc.build(EmotionSettings(personas_dir=tmp_path))
    assert err.value.field == "ethical_principles" and err.value.path.endswith("bad.yaml")


def test_profile_validation():
    with pytest.raises(ServiceError) as err:
        svc.profile_from_proto(pb.EmotionProfile(valence=float("nan")))
    assert "profile.valence" in err.value.field_violations
    profile = svc.profile_from_proto(pb.EmotionProfile(dominant_emotion=pb.EMOTION_FEAR, crisis_level=pb.CRISIS_LEVEL_HIGH))
    assert profile.dominant == "fear" and profile.crisis_level == "high"
