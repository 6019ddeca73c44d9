"""Emotion scores, valence/arousal and language detection on hand-written examples."""

import pytest

from infrafabric.server.emotion.engine import EKMAN, PLUTCHIK_AND_NEUTRAL, EmotionEngine


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thank you so much, this made my whole day!", {"joy", "trust"}),
        ("I'm absolutely furious, they lied to me again", {"anger"}),
        ("I'm really scared about the surgery next week", {"fear"}),
        ("I miss my grandmother so much, I can't stop crying", {"sadness"}),
        ("Wow, I did not see that coming at all!", {"surprise"}),
        ("That's disgusting, I almost threw up", {"disgust"}),
        ("Estoy muy triste y me siento sola", {"sadness"}),
        ("Estou com muita raiva de você", {"anger"}),
        ("J'ai tellement peur de perdre mon travail", {"fear"}),
        ("Ich bin so glücklich heute", {"joy"}),
        ("Che schifo, mi fa vomitare", {"disgust"}),
    ],
)
def test_dominant_emotion(engine: EmotionEngine, text: str, expected: set[str]) -> None:
    analysis = engine.analyze(text)
    assert analysis.dominant in expected, analysis.emotions


def test_scores_are_distributions(engine: EmotionEngine) -> None:
    analysis = engine.analyze("I can't believe we won the championship!!")
    assert set(analysis.emotions) == set(PLUTCHIK_AND_NEUTRAL)
    assert set(analysis.ekman) == set(EKMAN)
    assert abs(sum(analysis.emotions.values()) - 1) < 0.01 and abs(sum(analysis.ekman.values()) - 1) < 0.01
    assert -1 <= analysis.valence <= 1 and 0 <= analysis.arousal <= 1


def test_valence_and_arousal_follow_the_text(engine: EmotionEngine) -> None:
    happy = engine.analyze("This is wonderful news, I'm so happy for you")
    sad = engine.analyze("I feel empty and sad, everything is grey")
    angry = engine.analyze("I HATE this, it's outrageous!!!")
    assert happy.valence > 0.3 > -0.3 > sad.valence
    assert angry.arousal > sad.arousal


def test_crisis_text_is_not_neutral(engine: EmotionEngine) -> None:
    analysis = engine.analyze("I'm going to end it all tonight")
    assert analysis.dominant in ("sadness", "fear") and analysis.valence < -0.3


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I have been feeling a bit low this week", "en"),
        ("Quiero morirme", "es"),
        ("quero morrer", "pt"),
        ("je me sens seul ce soir", "fr"),
        ("Ich habe heute keine Lust auf nichts", "de"),
        ("oggi mi sento molto stanca", "it"),
    ],
)
def test_language_detection(engine: EmotionEngine, text: str, language: str) -> None:
    analysis = engine.analyze(text)
    assert analysis.language == language and analysis.language_supported


def test_language_hint_wins(engine: EmotionEngine) -> None:
    analysis = engine.analyze("ok", language_hint="pt-BR")
    assert (analysis.language, analysis.language_source) == ("pt", "hint")


@pytest.mark.parametrize("text", ["Мне очень грустно сегодня", "今日はとても悲しい", "👍🎉", "12345"])
def test_unsupported_input_is_best_effort(engine: EmotionEngine, text: str) -> None:
    analysis = engine.analyze(text)
    assert not analysis.language_supported
    assert analysis.crisis.level == "none"
