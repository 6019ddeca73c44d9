"""Persona loading, listing, lookup and validation errors."""

from pathlib import Path

import pytest

from infrafabric.server.emotion.engine import PersonaFormatError, PersonaNotFoundError, PersonaStore

VALID = """\
name: coach
display_name: Coach
description: An upbeat running coach.
ethical_principles: [never push through pain]
humour: {style: playful, level: 0.6}
"""


def test_default_persona_is_shipped() -> None:
    store = PersonaStore()
    assert [p.name for p in store.list()] == ["companion"]
    persona = store.get()
    assert persona.name == "companion" and persona.ethical_principles and persona.exemplars


def test_more_personas_load_from_a_directory(tmp_path: Path) -> None:
    (tmp_path / "coach.yaml").write_text(VALID, encoding="utf-8")
    store = PersonaStore([tmp_path])
    assert [p.name for p in store.list()] == ["coach", "companion"]
    assert store.get("coach").humour.level == 0.6


def test_unknown_persona_is_a_key_error() -> None:
    with pytest.raises(KeyError) as info:
        PersonaStore().get("pirate")
    assert isinstance(info.value, PersonaNotFoundError) and "companion" in str(info.value)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (VALID.replace("description: An upbeat running coach.\n", ""), "description"),
        (VALID.replace("ethical_principles: [never push through pain]", "ethical_principles: []"), "ethical_principles"),
        (VALID.replace("level: 0.6", "level: 3"), "humour.level"),
        (VALID.replace("name: coach", "name: Coach Bob"), "name"),
        (VALID + "favourite_colour: blue\n", "favourite_colour"),
        ("name: [unclosed", "<yaml>"),
        ("- just\n- a list\n", "<root>"),
    ],
)
def test_malformed_file_names_file_and_field(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PersonaFormatError) as info:
        PersonaStore([tmp_path])
    assert info.value.field == field and info.value.path == str(path)
    assert str(path) in str(info.value) and isinstance(info.value, ValueError)


def test_duplicate_names_in_one_directory_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.yml").write_text(VALID, encoding="utf-8")
    with pytest.raises(PersonaFormatError, match="duplicate"):
        PersonaStore([tmp_path])
