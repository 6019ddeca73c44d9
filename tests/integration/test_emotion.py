"""The Emotion service end to end through Envoy: crisis signals in several languages, idioms,
conversation history, emotion labels, languages, personas, prompt composition and bad input."""

from __future__ import annotations

import subprocess
import sys

import grpc
import pytest
from infrafabric.clients import EmotionClient, InfraFabricError
from infrafabric.emotion.v1 import emotion_service_pb2 as pb

SIGNAL = pb.CrisisSignalType
LEVEL = pb.CrisisLevel

# Each crisis signal type in at least three languages. Plan, means and timeline are ambiguous on
# their own, so their examples carry the ideation that makes them count.
CRISIS_CASES = [
    ("passive_ideation", "en", "I wish I was never born"),
    ("passive_ideation", "es", "Ya no quiero vivir"),
    ("passive_ideation", "de", "Ich will nicht mehr leben"),
    ("passive_ideation", "fr", "Je ne veux plus vivre"),
    ("active_ideation", "en", "I want to kill myself"),
    ("active_ideation", "es", "Estoy pensando en suicidarme"),
    ("active_ideation", "pt", "Estou pensando em me matar"),
    ("active_ideation", "it", "Sto pensando di uccidermi"),
    ("plan", "en", "I have a plan to kill myself"),
    ("plan", "es", "Ya tengo un plan para matarme"),
    ("plan", "de", "Ich habe alles geplant, ich will mich umbringen"),
    ("plan", "fr", "J'ai tout prévu pour me suicider"),
    ("means", "en", "I've been saving up my pills to kill myself"),
    ("means", "es", "He guardado pastillas para matarme"),
    ("means", "fr", "J'ai mis de côté des cachets pour en finir"),
    ("means", "it", "Ho messo da parte le pillole per uccidermi"),
    ("timeline", "en", "I'm going to kill myself tonight"),
    ("timeline", "es", "Esta noche me voy a suicidar"),
    ("timeline", "de", "Heute Nacht bringe ich mich um"),
    ("timeline", "it", "Stanotte mi uccido"),
    ("farewell", "en", "This is my final goodbye"),
    ("farewell", "es", "Adiós para siempre, esta es mi carta de despedida"),
    ("farewell", "de", "Lebt wohl, das ist meine letzte Nachricht"),
    ("farewell", "fr", "Adieu à tous, c'est mon dernier message"),
    ("self_harm", "en", "I've been cutting myself again"),
    ("self_harm", "es", "Me corto los brazos cuando estoy triste"),
    ("self_harm", "de", "Ich ritze mich jeden Abend"),
    ("self_harm", "it", "Mi taglio le braccia di nuovo"),
    ("harm_to_others", "en", "I'm going to kill my stepdad"),
    ("harm_to_others", "es", "Voy a matar a mi jefe"),
    ("harm_to_others", "fr", "Je vais tuer mon voisin"),
    ("harm_to_others", "de", "Ich werde meinen Chef umbringen"),
]

IDIOMS = [
    ("en", "This cake is to die for"),
    ("en", "I'm dying to see that movie, this traffic is killing me"),
    ("es", "Me muero de risa con este vídeo"),
    ("de", "Ich lache mich tot über diesen Witz"),
    ("fr", "Je suis mort de rire"),
    ("pt", "Estou morrendo de fome"),
    ("it", "Muoio dalla voglia di vederti"),
]


@pytest.fixture
async def emotion(mesh, token):
    # Created inside the test's event loop: a grpc.aio channel belongs to the loop that made it.
    async with EmotionClient(mesh.target, token=token(tenant="tenant-emotion", user="erin")) as client:
        yield client


@pytest.mark.parametrize(("signal", "lang", "text"), CRISIS_CASES, ids=[f"{s}-{l}" for s, l, _ in CRISIS_CASES])
async def test_crisis_signal_detected_and_escalated(emotion, signal, lang, text):
    result = await emotion.analyze_text(text)
    crisis = result.crisis
    found = [s for s in crisis.signals if s.type == SIGNAL.Value(f"CRISIS_SIGNAL_TYPE_{signal.upper()}")]
    assert found, (text, list(crisis.signals))
    for s in crisis.signals:
        # Spans are code-point offsets into the analysed text (turn -1).
        assert s.turn_index == -1
        assert text[s.span.start:s.span.end] == s.matched_text
        assert s.language
    assert crisis.level >= LEVEL.CRISIS_LEVEL_MEDIUM and crisis.escalate
    assert 0.0 < crisis.score <= 1.0


async def test_concrete_plan_with_timeline_is_imminent(emotion):
    result = await emotion.analyze_text("I'm going to kill myself tonight, I have the pills saved")
    assert result.crisis.level == LEVEL.CRISIS_LEVEL_IMMINENT
    # Crisis text reads as distress, whatever the emotion model makes of the words alone.
    assert result.valence < 0


@pytest.mark.parametrize(("lang", "text"), IDIOMS, ids=[f"{l}-{i}" for i, (l, _) in enumerate(IDIOMS)])
async def test_idioms_stay_below_escalation(emotion, lang, text):
    result = await emotion.analyze_text(text)
    assert result.crisis.level in (LEVEL.CRISIS_LEVEL_NONE, LEVEL.CRISIS_LEVEL_LOW), text
    assert not result.crisis.escalate


async def test_negated_ideation_does_not_escalate(emotion):
    result = await emotion.analyze_text("I'm not suicidal, I'm just stressed about my exams")
    assert not result.crisis.escalate


async def test_history_raises_the_level(emotion):
    text = "I'll do it tonight"
    history = [("user", "I want to kill myself"), ("assistant", "I'm here with you. Can you tell me more?")]
    alone = await emotion.analyze_text(text)
    with_history = await emotion.analyze_text(text, history=history)
    assert with_history.crisis.level > alone.crisis.level
    assert with_history.crisis.level >= LEVEL.CRISIS_LEVEL_HIGH and with_history.crisis.escalate
    earlier = [s for s in with_history.crisis.signals if s.turn_index == 0]
    assert earlier and earlier[0].type == SIGNAL.CRISIS_SIGNAL_TYPE_ACTIVE_IDEATION
    assert history[0][1][earlier[0].span.start:earlier[0].span.end] == earlier[0].matched_text


async def test_assistant_turns_do_not_count_as_risk(emotion):
    history = [("assistant", "Some people say: I want to kill myself. Do you ever feel that way?")]
    result = await emotion.analyze_text("No, I'm fine, just tired", history=history)
    assert not result.crisis.escalate


@pytest.mark.parametrize(
    ("text", "plutchik", "ekman"),
    [
        ("I'm so happy, this is the best day of my life!", pb.EMOTION_JOY, pb.EKMAN_EMOTION_JOY),
        ("I feel so sad and lonely since my dog died", pb.EMOTION_SADNESS, pb.EKMAN_EMOTION_SADNESS),
        ("I'm furious, they lied to me again and I hate them", pb.EMOTION_ANGER, pb.EKMAN_EMOTION_ANGER),
        ("I'm terrified, I think someone is following me home", pb.EMOTION_FEAR, pb.EKMAN_EMOTION_FEAR),
    ],
    ids=["joy", "sadness", "anger", "fear"],
)
async def test_emotion_labels(emotion, text, plutchik, ekman):
    result = await emotion.analyze_text(text)
    assert result.dominant_emotion == plutchik
    assert result.emotions[0].emotion == plutchik  # highest first
    assert result.ekman[0].emotion == ekman
    assert len(result.emotions) == 9 and len(result.ekman) == 7
    assert abs(sum(e.score for e in result.emotions) - 1.0) < 0.01
    assert [e.score for e in result.emotions] == sorted((e.score for e in result.emotions), reverse=True)
    assert result.language == "en" and result.language_supported
    assert -1.0 <= result.valence <= 1.0 and 0.0 <= result.arousal <= 1.0
    if plutchik == pb.EMOTION_JOY:
        assert result.valence > 0
    else:
        assert result.valence < 0


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Habari yako? Mimi ni mwanafunzi na ninapenda kusoma vitabu vya historia.", "sw"),
        ("Hyvää huomenta, olen tänään todella väsynyt mutta onnellinen.", "fi"),
    ],
)
async def test_unsupported_language_is_reported_best_effort(emotion, text, code):
    result = await emotion.analyze_text(text)
    assert result.language == code
    assert not result.language_supported
    assert result.dominant_emotion != pb.EMOTION_UNSPECIFIED
    assert result.crisis.level == LEVEL.CRISIS_LEVEL_NONE


async def test_language_hint_is_used(emotion):
    result = await emotion.analyze_text("ok", language_hint="pt-BR")
    assert result.language == "pt" and result.language_supported


@pytest.mark.parametrize("text", ["", "   \n\t "])
async def test_empty_text_is_invalid(emotion, text):
    with pytest.raises(InfraFabricError) as err:
        await emotion.analyze_text(text)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "text" in err.value.field_violations
    assert err.value.domain == "emotion.infrafabric"


async def test_oversized_text_and_history_are_invalid(emotion):
    with pytest.raises(InfraFabricError) as err:
        await emotion.analyze_text("a" * 20_001)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "20000" in err.value.field_violations["text"]
    with pytest.raises(InfraFabricError) as err:
        await emotion.analyze_text("hello", history=[("user", "b" * 20_001)])
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "history[0].text" in err.value.field_violations


async def test_list_personas_lists_the_default(emotion):
    listing = await emotion.list_personas()
    first = await emotion.list_personas(page_size=1)
    names = [p.name for p in listing.personas]
    assert "companion" in names and names == sorted(names)
    assert listing.next_page_token == ""
    assert len(first.personas) == 1 and first.personas[0].name == names[0]
    assert (first.next_page_token != "") == (len(names) > 1)
    companion = next(p for p in listing.personas if p.name == "companion")
    assert companion.description and companion.ethical_principles and companion.base_prompt
    assert "en" in companion.languages and "es" in companion.languages


async def test_list_personas_bad_input(emotion):
    with pytest.raises(InfraFabricError) as err:
        await emotion.list_personas(page_token="not-a-token")
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.value.field_violations
    with pytest.raises(InfraFabricError) as err:
        await emotion.list_personas(page_size=-1)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT and "page_size" in err.value.field_violations


async def test_get_persona(emotion):
    companion = await emotion.get_persona("companion")
    default = await emotion.get_persona("default")
    with pytest.raises(InfraFabricError) as err:
        await emotion.get_persona("no-such-persona")
    assert companion == default
    assert companion.display_name == "Companion"
    assert err.value.code == grpc.StatusCode.NOT_FOUND
    assert "no-such-persona" in err.value.message


async def test_compose_prompt_unknown_persona_is_not_found(emotion):
    with pytest.raises(InfraFabricError) as err:
        await emotion.compose_prompt("no-such-persona", pb.EmotionProfile())
    assert err.value.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("persona", ["", "default", "companion"])
async def test_compose_prompt_default_persona(emotion, persona):
    result = await emotion.compose_prompt(persona, pb.EmotionProfile(dominant_emotion=pb.EMOTION_NEUTRAL, arousal=0.3))
    assert "Companion" in result.system_prompt
    assert not result.safe_messaging and not result.helplines


async def test_compose_prompt_under_crisis_us(emotion):
    profile = pb.EmotionProfile(
        dominant_emotion=pb.EMOTION_SADNESS, valence=-0.8, arousal=0.4, crisis_level=LEVEL.CRISIS_LEVEL_HIGH
    )
    result = await emotion.compose_prompt("default", profile, language="en", region_code="US")
    assert result.safe_messaging
    assert result.emergency_number == "911"
    lifeline = [h for h in result.helplines if h.phone == "988"]
    assert lifeline and lifeline[0].region_code == "US" and lifeline[0].source.startswith("https://")
    assert "988" in result.system_prompt
    assert any("method" in d.lower() for d in result.style_directives)


async def test_compose_prompt_under_crisis_in_spanish(emotion):
    profile = pb.EmotionProfile(dominant_emotion=pb.EMOTION_FEAR, valence=-0.7, arousal=0.7, crisis_level=LEVEL.CRISIS_LEVEL_IMMINENT)
    result = await emotion.compose_prompt("default", profile, language="es", region_code="ES")
    assert result.safe_messaging
    assert "Responde siempre en español." in result.style_directives
    assert "LA SEGURIDAD ES LO PRIMERO" in result.system_prompt
    assert result.emergency_number == "112"


async def test_compose_prompt_is_calmer_under_distress(emotion):
    neutral = pb.EmotionProfile(dominant_emotion=pb.EMOTION_JOY, valence=0.6, arousal=0.5)
    distressed = pb.EmotionProfile(dominant_emotion=pb.EMOTION_SADNESS, valence=-0.7, arousal=0.3, crisis_level=LEVEL.CRISIS_LEVEL_NONE)
    calm = await emotion.compose_prompt("default", neutral, language="en")
    hard = await emotion.compose_prompt("default", distressed, language="en")
    hard_text = " ".join(hard.style_directives)
    assert "short and simple sentences" in hard_text and "do not use humour" in hard_text
    assert "short and simple sentences" not in " ".join(calm.style_directives)
    assert not hard.safe_messaging
    # The persona's flourishes (example passages) step back when the person is struggling.
    assert "Examples of your voice" in calm.system_prompt and "Examples of your voice" not in hard.system_prompt


async def test_compose_prompt_unsupported_language_is_best_effort(emotion):
    result = await emotion.compose_prompt("default", pb.EmotionProfile(), language="fi", region_code="ZZ")
    assert "Always reply in Finnish (the person's language)." in result.style_directives
    assert result.emergency_number == ""


async def test_compose_prompt_bad_input(emotion):
    with pytest.raises(InfraFabricError) as err:
        await emotion.compose_prompt("default", pb.EmotionProfile(valence=3.0, arousal=-1.0))
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {"profile.valence", "profile.arousal"} <= set(err.value.field_violations)
    with pytest.raises(InfraFabricError) as err:
        await emotion.compose_prompt("default", pb.EmotionProfile(), region_code="U$A")
    assert "region_code" in err.value.field_violations


def test_malformed_persona_directory_stops_start_up(tmp_path, clean_env):
    """Start-up only (nothing to call): a bad persona file must stop the process, naming file and field."""
    personas = tmp_path / "personas"
    personas.mkdir()
    bad = personas / "broken.yaml"
    bad.write_text("name: Not A Valid Name\ndescription: x\nethical_principles: [be kind]\n", encoding="utf-8")
    env = {**clean_env, "INFRAFABRIC_PERSONAS_DIR": str(personas), "INFRAFABRIC_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run(
        [sys.executable, "-m", "infrafabric.server", "emotion", "--port", "0"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert out.returncode != 0
    assert str(bad) in out.stderr and "'name'" in out.stderr
    assert "listening on" not in out.stdout


async def test_analyze_with_compose_gives_the_prompt_for_the_state_it_found(emotion):
    # One call for a chat turn: the crisis found in Spanish yields safe messaging in Spanish with Spain's numbers.
    result = await emotion.analyze_text(
        "Esta noche me voy a suicidar, ya no aguanto más", compose_persona="", region_code="ES"
    )
    assert result.crisis.escalate and result.reply_language == "es"
    assert result.composed.safe_messaging and result.composed.emergency_number == "112"
    assert "Responde siempre en español." in result.composed.style_directives
    # A calm message composes the ordinary prompt; without compose nothing is composed.
    calm = await emotion.analyze_text("What a lovely sunny afternoon in the park!", compose_persona="default")
    assert calm.HasField("composed") and not calm.composed.safe_messaging and "Companion" in calm.composed.system_prompt
    plain = await emotion.analyze_text("What a lovely sunny afternoon in the park!")
    assert not plain.HasField("composed") and plain.reply_language == "en"


async def test_reply_language_is_english_when_detection_is_a_guess(emotion):
    # "hi" reads as a low-confidence guess at some other language; answering in it would baffle the person.
    short = await emotion.analyze_text("hi")
    assert short.language != "en" and short.language_confidence < 0.5 and short.reply_language == "en"
    hinted = await emotion.analyze_text("hi", language_hint="it")
    assert hinted.reply_language == "it"
    confident = await emotion.analyze_text("Je suis tellement contente de te revoir demain matin")
    assert confident.language_confidence >= 0.5 and confident.reply_language == "fr"


async def test_analyze_with_compose_rejects_unknown_persona_and_bad_region(emotion):
    with pytest.raises(InfraFabricError) as unknown:
        await emotion.analyze_text("hello there", compose_persona="no-such-persona")
    assert unknown.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(InfraFabricError) as bad:
        await emotion.analyze_text("hello there", compose_persona="", region_code="USA")
    assert bad.value.code == grpc.StatusCode.INVALID_ARGUMENT and "compose.region_code" in bad.value.field_violations
