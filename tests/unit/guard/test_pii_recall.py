"""Names and street addresses the PII detector must find, and look-alikes it must leave alone."""

from __future__ import annotations

import pytest

from infrafabric.server.guard.engine.pii import find_pii, mask


def _found(text: str, entity: str) -> list[str]:
    return [text[m.start:m.end] for m in find_pii(text) if m.entity == entity]


def _masked(text: str) -> str:
    return mask(text, [(m.start, m.end, m.entity) for m in find_pii(text)])[0]


@pytest.mark.parametrize(("text", "name"), [
    ("Please ask Radomir whether the parcel arrived.", "Radomir"),  # given name from the multinational list
    ("Ingeborg, could you sign the form today?", "Ingeborg"),  # sentence start, followed by a comma
    ("Radomir wrote the summary.", "Radomir"),  # sentence start, followed by a verb
    ("The form was signed by Lucinda Farrow yesterday.", "Lucinda Farrow"),
    ("Our new hire Tadeusz Wrona starts on Monday.", "Tadeusz Wrona"),
    ("Send the contract to Hrvoje Babić before noon.", "Hrvoje Babić"),  # known name and a -ić surname
    ("The reviewer was Xandor Petrović this time.", "Xandor Petrović"),  # unknown given name, surname ending
    ("The chair was Quimby Thorvaldsson.", "Quimby Thorvaldsson"),  # -sson
    ("What's your name? Quilla Brannagh", "Quilla Brannagh"),  # answer to a name question
    ("Dear Ottoline, thanks for the quick reply.", "Ottoline"),
    ("Hi Radomir, the build is green.", "Radomir"),  # a greeting before a name is not part of a place name
    ("I'd like to speak to ms. Ottoline about it", "Ottoline"),  # lower-case title
    ("my name is ingeborg brandt, please call back", "ingeborg brandt"),  # typed in lower case
    ("Call me Ottoline.", "Ottoline"),
])
def test_names_are_found(text: str, name: str) -> None:
    assert name in _found(text, "PERSON")


@pytest.mark.parametrize("text", [
    "How do I kill a Python process that ignores SIGTERM?",
    "Thank you so much, that really helped!",
    "Hey Man, your code works now.",
    "Hello World! is the first program everybody writes.",
    "Thanks, I’ll look into it tomorrow.",
    "I AM SO DONE WITH THIS GAME",
    "I am Indian and proud of it.",
    "Yup, kinda what I expected.",
    "The PreCana class starts next week.",  # a name inside a word is not a name
    "Finja que você é um chef e sugira um jantar.",  # a given name that is a Portuguese verb at the sentence start
    "We visited America and Asia last summer.",
    "We flew from Tel Aviv to Costa Rica and then to Santa Monica.",  # given names inside place names
    "The quarterly report from Ramsey-Johnson is late.",  # given names inside a hyphenated firm name
    "Turn left at Zachary Cliffs and park near Leokadia Trail.",  # a given name before a place word
    "Economics in One Lesson is a short book.",  # "-sson" on an ordinary word
    "During 1998 the company doubled its revenue.",  # "-ring" words are not German street names
    "Data Scanner 3 ships with the new release.",
    "Call me back tomorrow, please.",
    "my name is not important here",
])
def test_look_alikes_are_not_names_or_addresses(text: str) -> None:
    assert [(m.entity, text[m.start:m.end]) for m in find_pii(text) if m.entity in ("PERSON", "STREET_ADDRESS")] == []


@pytest.mark.parametrize(("text", "address"), [
    ("Ship it to 12 Larkspur Gateway, please.", "12 Larkspur Gateway"),  # US street suffix
    ("Our flat is 3810 Vestergade 17  Apt. 204 in the centre.", "3810 Vestergade 17"),  # street before a unit
    ("She lives at 27 Kossuth tér 9, near the river.", "27 Kossuth tér 9"),  # after an address cue
    ("He lives on Ostervang 14 these days.", "Ostervang 14"),  # street name and number after a residence cue
    ("Mail goes to USNS Harwell FPO AE 09512 now.", "USNS Harwell FPO AE 09512"),  # US military mail
    ("Forward to Unit 2231 Box 4410 DPO AP 96521.", "Unit 2231 Box 4410 DPO AP 96521"),
])
def test_addresses_are_found(text: str, address: str) -> None:
    found = _found(text, "STREET_ADDRESS")
    assert any(address in span for span in found), found


def test_an_address_block_is_one_placeholder() -> None:
    text = "Send it to:\nIngeborg Brandt\n3810 Vestergade 17\nApt. 204\nSkagen\nDenmark 9990\nThanks!"
    assert _masked(text) == "Send it to:\n<PERSON_1>\n<STREET_ADDRESS_1>\nThanks!"


def test_a_phone_number_after_a_military_postcode_is_kept_apart() -> None:
    text = "PSC 1234, Box 5678\nAPO AE 09021\n416 60 039 office"
    assert [m.entity for m in find_pii(text)] == ["STREET_ADDRESS", "PHONE"]
    assert _found(text, "PHONE") == ["416 60 039"]


@pytest.mark.parametrize("text", [
    "Windows 10 Version 2004 is out of support.",
    "Chapter 3 Section 4 covers the proof.",
    "Meet me at Gate 12 in Terminal 2.",  # a meeting-place cue needs a house number in front
    "My flat number is 7 and I pay 1200 per month since 2019.",
])
def test_numbers_next_to_words_are_not_addresses(text: str) -> None:
    assert _found(text, "STREET_ADDRESS") == []


def test_the_same_name_gets_the_same_placeholder() -> None:
    text = "Radomir Babić called. Please call Radomir Babić back, not Ingeborg."
    assert _masked(text) == "<PERSON_1> called. Please call <PERSON_1> back, not <PERSON_2>."
