"""The learned second crisis stage (crisis_model.py) and how it combines with the patterns.

Examples are written for these tests; none is in bench/data/crisis_train.jsonl.
"""

import pytest
from infrafabric.server.emotion.engine import CrisisDetector
from infrafabric.server.emotion.engine.crisis import MODEL_LANGUAGE
from infrafabric.server.emotion.engine.crisis_model import (
    TYPE_LABELS,
    CrisisModel,
    hashed_features,
    sentence_spans,
)


@pytest.fixture(scope="module")
def learned() -> CrisisDetector:
    return CrisisDetector(learned=True)


@pytest.fixture(scope="module")
def patterns() -> CrisisDetector:
    return CrisisDetector(learned=False)


# Indirect ideation the patterns miss (asserted below, so the test shows what the model adds).
INDIRECT = [
    "No le encuentro sentido a nada, a veces pienso que lo mejor sería no despertar",
    "Já pensei em como seria fácil acabar com tudo de uma vez",
    "Não aguento mais acordar todo dia, queria que tudo parasse de vez",
    "Je ne vois plus l'intérêt de continuer, j'aimerais juste que tout s'arrête",
    "Parfois je me dis que ce serait plus simple de ne plus me réveiller",
    "Ich sehe für mich keinen Ausweg mehr, nur noch das Ende",
]


@pytest.mark.parametrize("text", INDIRECT)
def test_model_catches_indirect_ideation_the_patterns_miss(learned, patterns, text):
    assert not patterns.assess(text).escalate
    result = learned.assess(text)
    assert result.escalate and result.level == "medium", result
    signal = next(s for s in result.signals if s.language == MODEL_LANGUAGE)
    assert signal.type in TYPE_LABELS
    assert text[signal.start:signal.end] == signal.matched_text
    assert signal.weight >= learned.model_threshold


def test_span_is_the_sentence_that_triggered(learned):
    text = "Hoy fui al súper y compré pan. Je ne vois plus l'intérêt de continuer, j'aimerais juste que tout s'arrête."
    signal = next(s for s in learned.assess(text).signals if s.language == MODEL_LANGUAGE)
    assert signal.matched_text.startswith("Je ne vois plus") and "pan" not in signal.matched_text


@pytest.mark.parametrize(
    "text",
    [
        "this lasagna is to die for",
        "me muero de risa con este vídeo",
        "Je suis mort de rire",
        "Sto morendo dal ridere",
        "Que mico, quase morri de vergonha na reunião",
        "Ich bin todmüde nach der Schicht",
        "We slaughtered them in the second half, what a match",
        "I'm dead tired after the night shift",
    ],
)
def test_idioms_stay_below_escalation(learned, text):
    assert not learned.assess(text).escalate, learned.assess(text)


def test_joke_and_past_qualifiers_of_the_patterns_veto_the_model(learned):
    for text in ("if this meeting runs over again I'll kill myself lol",
                 "I wanted to kill myself back in college, but therapy helped and I'm fine now"):
        result = learned.assess(text)
        assert not result.escalate and all(s.language != MODEL_LANGUAGE for s in result.signals)


def test_model_never_lowers_a_pattern_level(learned, patterns):
    for text in ("I'm going to end it all tonight", "Ya compré una soga", "Ich bringe mich morgen um"):
        assert learned.assess(text).level == patterns.assess(text).level


def test_the_learned_stage_is_on_by_default_and_can_be_left_out():
    # See CrisisDetector.__init__ for why it is on; learned=False is the curated patterns alone.
    assert CrisisDetector().model_threshold is not None
    assert CrisisDetector(learned=False).model_threshold is None


@pytest.mark.parametrize("text", ["i feel ya", "Who cares honestly.", "planning my exit"])
def test_messages_under_four_words_are_left_to_the_patterns(learned, text):
    # Too few n-grams for the model: "i feel ya" scored 0.975 before this rule.
    assert learned.assess(text).signals == [] or all(s.language != MODEL_LANGUAGE for s in learned.assess(text).signals)
    assert CrisisModel().assess(learned.model_input(text)).probability == 0.0


def test_features_are_deterministic_and_bounded():
    a = hashed_features("ich will nicht mehr", 16)
    assert (a == hashed_features("ich will nicht mehr", 16)).all()
    assert a.min() >= 0 and a.max() < 1 << 16 and len(set(a.tolist())) == len(a)
    assert hashed_features("", 16).size == 0


def test_short_sentences_merge_with_their_neighbour():
    text = "Ok. I can't do this anymore and I want out. Tonight."
    spans = sentence_spans(text)
    assert len(spans) == 1 and text[spans[0][0]:spans[0][1]] == text


def test_shipped_model_is_small_and_self_describing():
    model = CrisisModel()
    assert 0.0 < model.threshold < 1.0
    assert model.meta["bits"] == 19 and tuple(model.meta["type_labels"]) == TYPE_LABELS
