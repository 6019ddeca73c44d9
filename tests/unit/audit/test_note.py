"""C2SP signed notes and checkpoints: official vectors, signing round trips and rejections."""

from __future__ import annotations

import base64

import pytest
from infrafabric.transparency.note import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    key_id,
    open_checkpoint,
    open_note,
)

VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
NOTE = (
    "This is an example message.\n\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_official_vkey_verifies_official_note() -> None:
    v = Verifier.from_vkey(VKEY)
    assert v.key_id.hex() == "530d903a"
    assert v.vkey == VKEY
    text, signers = open_note(NOTE, [v])
    assert text == "This is an example message.\n"
    assert signers == [v]


def test_tampered_official_note_fails() -> None:
    with pytest.raises(NoteError):
        open_note(
            NOTE.replace("example message", "exemple message"),
            [Verifier.from_vkey(VKEY)],
        )


def test_tessera_vkey_with_plus_in_base64_parses() -> None:
    vkey = "transparency.dev/tessera/example+ae330e15+ASf4/L1zE859VqlfQgGzKy34l91Gl8W6wfwp+vKP62DW"
    v = Verifier.from_vkey(vkey)
    assert v.key_id.hex() == "ae330e15"
    assert v.vkey == vkey


def test_vkey_with_wrong_id_is_rejected() -> None:
    with pytest.raises(NoteError, match="does not match"):
        Verifier.from_vkey(VKEY.replace("530d903a", "530d903b"))


def test_sign_and_open_round_trip_and_key_id() -> None:
    s = Signer.generate("infrafabric.local/audit")
    raw = base64.b64decode(s.vkey.split("+", 2)[2])
    assert key_id(s.name, 1, raw[1:]) == s.verifier.key_id
    note = s.sign("hello\n")
    assert open_note(note, [Verifier.from_vkey(s.vkey)])[0] == "hello\n"


def test_unknown_signatures_are_ignored_and_many_are_accepted() -> None:
    mine = Signer.generate("log.example")
    text = "body\n"
    others = [Signer.generate(f"witness{i}.example") for i in range(20)]
    note = (
        text
        + "\n"
        + "".join(o.signature_line(text) for o in others)
        + mine.signature_line(text)
    )
    assert open_note(note, [mine.verifier])[1] == [mine.verifier]


def test_no_trusted_signature_is_rejected() -> None:
    a, b = Signer.generate("a.example"), Signer.generate("b.example")
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        open_note(a.sign("x\n"), [b.verifier])


def test_bad_signature_from_known_key_is_rejected() -> None:
    a = Signer.generate("a.example")
    forged = "y\n\n" + a.signature_line("x\n")
    with pytest.raises(NoteError):
        open_note(forged, [a.verifier])


@pytest.mark.parametrize("text", ["tab\there\n", "bell\x07\n", "no newline"])
def test_control_characters_and_missing_newline_are_rejected(text: str) -> None:
    a = Signer.generate("a.example")
    with pytest.raises(NoteError):
        a.sign(text)


def test_control_character_in_signed_note_is_rejected() -> None:
    a = Signer.generate("a.example")
    note = a.sign("ok\n")
    with pytest.raises(NoteError):
        open_note(note.replace("ok", "o\rk"), [a.verifier])


def test_checkpoint_text_round_trip() -> None:
    cp = Checkpoint("infrafabric.local/audit", 42, bytes(range(32)))
    text = cp.to_text()
    assert (
        text
        == "infrafabric.local/audit\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    )
    assert Checkpoint.parse(text) == cp
    s = Signer.generate(cp.origin)
    assert open_checkpoint(s.sign(text), s.verifier, origin=cp.origin) == cp
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(s.sign(text), s.verifier, origin="other")


@pytest.mark.parametrize(
    "text",
    [
        "o\n042\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n1\nAAEC\n",
        "\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n1\n",
    ],
)
def test_bad_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(text)
