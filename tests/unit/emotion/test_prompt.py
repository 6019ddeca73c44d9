"""Prompt composition: tone under distress, safe messaging and helplines under crisis, languages."""

import pytest
import yaml

from infrafabric.server.emotion.engine import EmotionEngine, EmotionProfile, HelplineDirectory, PersonaStore, compose_prompt
from infrafabric.server.emotion.engine.prompt import HELPLINES_PATH

PERSONA = PersonaStore().get()
CRISIS = EmotionProfile(dominant="sadness", valence=-0.8, arousal=0.4, crisis_level="high")


def test_neutral_turn_keeps_persona_style() -> None:
    prompt = compose_prompt(PERSONA, EmotionProfile(), "en")
    assert not prompt.safe_messaging and not prompt.helplines
    assert "Companion" in prompt.system_prompt and "Examples of your voice" in prompt.system_prompt


def test_distress_makes_it_calmer_and_simpler() -> None:
    prompt = compose_prompt(PERSONA, EmotionProfile("sadness", -0.6, 0.3, "none"), "en")
    assert any("short and simple sentences" in d for d in prompt.style_directives)
    assert "Examples of your voice" not in prompt.system_prompt and not prompt.safe_messaging


@pytest.mark.parametrize(
    ("region", "language", "number", "emergency", "phrase"),
    [
        ("US", "en", "988", "911", "SAFETY FIRST"),
        ("GB", "en", "116 123", "999", "SAFETY FIRST"),
        ("ES", "es", "024", "112", "LA SEGURIDAD ES LO PRIMERO"),
        ("FR", "fr", "3114", "112", "LA SÉCURITÉ D'ABORD"),
        ("DE", "de", "0800 111 0 111", "112", "SICHERHEIT ZUERST"),
        ("BR", "pt", "188", "192", "SEGURANÇA EM PRIMEIRO LUGAR"),
        ("AU", "en", "13 11 14", "000", "SAFETY FIRST"),
    ],
)
def test_crisis_prompt_has_safe_messaging_and_local_lines(region: str, language: str, number: str, emergency: str, phrase: str) -> None:
    prompt = compose_prompt(PERSONA, CRISIS, language, region_code=region)
    assert prompt.safe_messaging and phrase in prompt.system_prompt
    assert number in prompt.system_prompt and emergency in prompt.emergency_number
    assert all(h.confidence == "high" for h in prompt.helplines)


def test_numbers_needing_review_are_never_shown() -> None:
    prompt = compose_prompt(PERSONA, CRISIS, "it", region_code="IT")
    assert "2327" not in prompt.system_prompt  # Telefono Amico: confidence needs_review
    assert "112" in prompt.system_prompt and "LA SICUREZZA PRIMA DI TUTTO" in prompt.system_prompt


def test_unknown_region_gets_no_guessed_national_number() -> None:
    prompt = compose_prompt(PERSONA, CRISIS, "en")
    assert not prompt.helplines and prompt.emergency_number == ""
    assert "local emergency number" in prompt.system_prompt and "findahelpline.com" in prompt.system_prompt


def test_other_languages_fall_back_to_english_guidance() -> None:
    prompt = compose_prompt(PERSONA, CRISIS, "nl", region_code="NL")
    assert "Dutch" in prompt.style_directives[0] and "113" in prompt.system_prompt


def test_harm_to_others_adds_guidance() -> None:
    profile = EmotionProfile("anger", -0.7, 0.9, "high", harm_to_others=True)
    assert any("harm someone else" in d for d in compose_prompt(PERSONA, profile, "en", "US").style_directives)


def test_analysis_profile_feeds_compose_prompt(engine: EmotionEngine) -> None:
    analysis = engine.analyze("Je vais me suicider ce soir")
    prompt = compose_prompt(PERSONA, analysis.profile(), analysis.language, region_code="FR")
    assert analysis.crisis.level == "imminent" and "3114" in prompt.system_prompt


def test_helpline_file_names_sources_and_review_state() -> None:
    data = yaml.safe_load(HELPLINES_PATH.read_text(encoding="utf-8"))
    for code, country in data["countries"].items():
        assert country["emergency"], code
        for line in country["helplines"]:
            assert line["source"].startswith("https://"), line
            assert line["confidence"] in ("high", "needs_review"), line
            assert "reviewed" in line and (line.get("phone") or line.get("sms")), line
    assert "US" in HelplineDirectory().countries()


def test_invalid_crisis_level_is_rejected() -> None:
    with pytest.raises(ValueError):
        compose_prompt(PERSONA, EmotionProfile(crisis_level="severe"), "en")
