"""Structural crisis patterns added after fresh held-out sets: shapes, not memorised phrases.

Examples here are written for these tests (not copied from bench/data) so each one checks the
generalisation it names.
"""

import pytest
from infrafabric.server.emotion.engine import CrisisDetector


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector()


@pytest.mark.parametrize(
    "text",
    [
        # first person + desire/decision verb + free words + death object
        "I've honestly finally decided to end my life",
        "He decidido de verdad quitarme la vida",
        "Ho davvero deciso di togliermi la vita",
        "Je veux vraiment me tuer",
        # German verb-second order after a fronted time
        "Morgen früh bringe ich mich um",
        # jump from a height, with intent
        "I'm planning to jump off the tower at work",
        "Mañana me tiro del acantilado",
        # a loaded weapon that belongs to someone else is still means at hand
        "I took my brother's rifle and it's loaded",
        "Tengo la pistola de mi tío y está cargada",
        # an overdose already taken
        "I swallowed the whole bottle of sleeping pills",
        "Ho ingoiato tutte le pillole che avevo",
        # wish to be hit by a vehicle
        "ojalá me atropellara un camión",
        # suicide as the only way out
        "Selbstmord ist für mich der einzige Ausweg",
        # rope already bought
        "Ya compré una soga",
        # double negative agreement in Italian
        "Non ho nessuna ragione per vivere",
    ],
)
def test_structural_shapes_escalate(detector, text):
    assert detector.assess(text).escalate, (text, detector.find_signals(text))


@pytest.mark.parametrize(
    "text",
    [
        "This deadline is going to kill me",
        "Ce bruit va me tuer",
        "Essa fila vai me matar",
        "I'm writing an article about suicide prevention in schools",
        "Estoy viendo un documental sobre el suicidio",
        "Mi vecino se suicidó hace dos años, fue muy triste",
        "Me corté cortando tomates, nada grave",
        "Mi sono bruciata stirando la camicia",
        "Adiós a todos, nos vemos el lunes",
        "Goodbye everyone, see you tomorrow!",
        "Voglio farla finita con questa dieta",
        "Je veux en finir avec ce rapport",
        "My dog scratched my arm at the park",
        "I'm going to jump off the diving board, wish me luck",
    ],
)
def test_look_alikes_stay_below_escalation(detector, text):
    assert not detector.assess(text).escalate, (text, detector.find_signals(text))


def test_farewell_addressed_to_someone_is_still_the_persons_farewell(detector):
    result = detector.assess("Dile a mi hermana que la quiero, mañana ya no estaré")
    assert result.escalate and any(s.type == "farewell" and not s.qualifier for s in result.signals)


def test_means_with_a_time_anchor_each_other(detector):
    assert detector.assess("I'm standing on the bridge right now").escalate
    assert not detector.assess("I'm standing on the bridge").escalate
