"""Crisis detection: every signal type in several languages, idioms, negation, qualifiers, history."""

import pytest

from infrafabric.server.emotion.engine import LEVELS, EmotionEngine, InvalidInputError

AT_LEAST_MEDIUM = ("medium", "high", "imminent")

SIGNALS = [
    # (text, expected signal type)
    ("I keep wishing I could go to sleep and never wake up", "passive_ideation"),
    ("Ya no quiero vivir así", "passive_ideation"),
    ("Je ne veux plus vivre", "passive_ideation"),
    ("Ich will nicht mehr leben", "passive_ideation"),
    ("I'm going to kill myself", "active_ideation"),
    ("Me voy a suicidar", "active_ideation"),
    ("Quero me matar", "active_ideation"),
    ("Voglio togliermi la vita", "active_ideation"),
    ("I've been planning to end my life", "plan"),
    ("I've been saving up my pills", "means"),
    ("He guardado muchas pastillas", "means"),
    ("Ich habe Schlaftabletten gesammelt", "means"),
    ("By the time you read this I will be gone", "farewell"),
    ("Adieu à tous, je ne serai plus là", "farewell"),
    ("Quando leggerete questo non ci sarò più", "farewell"),
    ("I started cutting myself again", "self_harm"),
    ("Eu me corto quando fico mal", "self_harm"),
    ("Je me scarifie tous les soirs", "self_harm"),
    ("I'm going to stab my neighbour tonight", "harm_to_others"),
    ("Lo voy a matar", "harm_to_others"),
    ("Ich bringe ihn um", "harm_to_others"),
]


@pytest.mark.parametrize(("text", "signal_type"), SIGNALS)
def test_signal_found_and_escalates(engine: EmotionEngine, text: str, signal_type: str) -> None:
    crisis = engine.analyze(text).crisis
    assert signal_type in {s.type for s in crisis.signals}, crisis
    assert crisis.level in AT_LEAST_MEDIUM and crisis.escalate


def test_timeline_with_ideation_is_imminent(engine: EmotionEngine) -> None:
    crisis = engine.analyze("I'm going to end it all tonight").crisis
    assert {"active_ideation", "timeline"} <= {s.type for s in crisis.signals}
    assert crisis.level == "imminent"


@pytest.mark.parametrize(
    "text",
    [
        "This movie is to die for",
        "You're killing it!",
        "I could murder a pizza",
        "this commute is killing me",
        "me muero de risa",
        "ich sterbe vor Lachen",
        "je suis mort de rire",
        "sto morendo di fame",
        "tô morta de cansaço",
        "How do I kill a zombie process?",
        "I'm dying to see you",
        "My mom is going to kill me when she sees this",
        "Tonight I'm going to a concert",
        "I cut myself shaving",
        "Me corto el pelo mañana",
    ],
)
def test_idioms_and_ordinary_text_do_not_alarm(engine: EmotionEngine, text: str) -> None:
    crisis = engine.analyze(text).crisis
    assert crisis.level == "none", crisis


@pytest.mark.parametrize("text", ["I don't want to die", "No quiero morir", "Non voglio morire", "I would never kill myself"])
def test_negated_phrases_are_dropped(engine: EmotionEngine, text: str) -> None:
    assert engine.analyze(text).crisis.level == "none"


def test_third_person_fiction_is_low_not_crisis(engine: EmotionEngine) -> None:
    crisis = engine.analyze("In my story the hero is suicidal").crisis
    assert not crisis.escalate


def test_past_resolved_and_joking_are_low(engine: EmotionEngine) -> None:
    past = engine.analyze("I wanted to die when I was a teenager, but I'm much better now").crisis
    assert past.level == "low" and past.signals[0].qualifier == "past"
    joke = engine.analyze("if I have to hear that song one more time I'll kill myself lol").crisis
    assert joke.level == "low" and joke.signals[0].qualifier == "hyperbole"


def test_spans_are_code_point_offsets_into_the_text(engine: EmotionEngine) -> None:
    text = "Ça va… 😔 mais je veux mourir"
    crisis = engine.analyze(text).crisis
    signal = next(s for s in crisis.signals if s.type == "active_ideation")
    assert text[signal.start:signal.end] == signal.matched_text == "veux mourir"
    assert signal.turn_index == -1


def test_risk_builds_over_turns(engine: EmotionEngine) -> None:
    history = [("user", "I don't want to be here anymore"), ("assistant", "I'm sorry you feel this way."),
               ("user", "nobody would care")]
    alone = engine.analyze("I have the pills right here").crisis
    with_history = engine.analyze("I have the pills right here", history=history).crisis
    assert LEVELS.index(alone.level) <= LEVELS.index("medium")  # means alone: at most the learned stage's "medium"
    assert LEVELS.index(with_history.level) >= LEVELS.index("high")
    earlier = [s for s in with_history.signals if s.turn_index == 0]
    assert earlier and history[0][1][earlier[0].start:earlier[0].end] == earlier[0].matched_text


def test_assistant_turns_do_not_count(engine: EmotionEngine) -> None:
    history = [("assistant", "If you ever want to kill yourself, call 988.")]
    assert engine.analyze("ok thanks", history=history).crisis.level == "none"


@pytest.mark.parametrize(("text", "field"), [("", "text"), ("   ", "text"), ("x" * 20_001, "text")])
def test_bad_text_raises_value_error_with_field(engine: EmotionEngine, text: str, field: str) -> None:
    with pytest.raises(ValueError) as info:
        engine.analyze(text)
    assert isinstance(info.value, InvalidInputError) and info.value.field == field


def test_bad_history_names_the_entry(engine: EmotionEngine) -> None:
    with pytest.raises(InvalidInputError) as info:
        engine.analyze("hello", history=[("user", "hi"), ("user", "y" * 20_001)])
    assert info.value.field == "history[1].text"
