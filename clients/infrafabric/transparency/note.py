"""C2SP signed notes (Ed25519) and tlog checkpoints.

A signed note is UTF-8 text ending in a newline, a blank line, then one or more lines
``— <key name> <base64(4-byte key ID || signature)>``. The signed message is the text including its
final newline. A checkpoint is a note whose text is ``<origin>\\n<tree size>\\n<base64 root>\\n``.
Verifier keys are written ``<name>+<hex key ID>+<base64(0x01 || public key)>``.

Specs: c2sp.org/signed-note, c2sp.org/tlog-checkpoint. Pure code, usable offline by clients.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "ALG_ED25519",
    "Checkpoint",
    "NoteError",
    "Signer",
    "Verifier",
    "key_id",
    "open_checkpoint",
    "open_note",
]

ALG_ED25519 = 0x01
_SIG_PREFIX = "\u2014 "  # em dash + space
# The spec asks verifiers to accept at least 16 signatures; a hard ceiling stops abuse.
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, key or checkpoint is malformed, or no trusted signature verifies."""


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """Key ID = SHA-256(name || 0x0A || alg || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[
        :4
    ]


def _check_name(name: str) -> None:
    if (
        not name
        or "+" in name
        or any(ch.isspace() for ch in name)
        or _has_control(name)
    ):
        raise NoteError(
            f"invalid key name {name!r}: must be non-empty with no spaces, '+' or control characters"
        )


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if _has_control(text.replace("\n", "")):
        raise NoteError("note text contains control characters other than newline")


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 note verifier parsed from (or rendered as) a verifier key string."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        # The base64 part may itself contain '+', so split at most twice.
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError(
                "verifier key must look like <name>+<hex key id>+<base64 key>"
            )
        name, hex_id, b64 = parts
        _check_name(name)
        try:
            kid = bytes.fromhex(hex_id)
            raw = base64.b64decode(b64, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise NoteError(f"verifier key is not valid hex/base64: {exc}") from None
        if len(kid) != 4:
            raise NoteError("verifier key ID must be 4 bytes (8 hex digits)")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError(
                "verifier key must be an Ed25519 key (type 0x01 followed by 32 bytes)"
            )
        if key_id(name, ALG_ED25519, raw[1:]) != kid:
            raise NoteError("verifier key ID does not match the key")
        return cls(name, kid, Ed25519PublicKey.from_public_bytes(raw[1:]))

    @property
    def vkey(self) -> str:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([ALG_ED25519]) + raw).decode()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, message)
            return True
        except InvalidSignature:
            return False


class Signer:
    """Signs note texts with an Ed25519 key under a key name (for a log: its origin)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self.name = name
        self._key = private_key
        pub = private_key.public_key()
        raw = pub.public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = Verifier(name, key_id(name, ALG_ED25519, raw), pub)

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    def signature_line(self, text: str) -> str:
        _check_text(text)
        sig = self._key.sign(text.encode())
        return f"{_SIG_PREFIX}{self.name} {base64.b64encode(self.verifier.key_id + sig).decode()}\n"

    def sign(self, text: str) -> str:
        """Return the signed note: text, blank line, one signature line."""
        return text + "\n" + self.signature_line(text)


@dataclass(frozen=True)
class _SigLine:
    name: str
    key_id: bytes
    signature: bytes


def _split_note(note: str) -> tuple[str, list[_SigLine]]:
    if _has_control(note.replace("\n", "")):
        raise NoteError("note contains control characters other than newline")
    # The text ends at the *last* blank line; the text itself may contain blank lines.
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("note has no blank line before its signatures")
    text, sig_block = note[: cut + 1], note[cut + 2 :]
    if not sig_block.endswith("\n"):
        raise NoteError("signature block must end with a newline")
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    sigs = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError(f"malformed signature line {line!r}")
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        if not sep or not name or " " in b64:
            raise NoteError(f"malformed signature line {line!r}")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise NoteError(f"signature for {name!r} is not valid base64") from None
        if len(blob) < 5:
            raise NoteError(f"signature for {name!r} is too short")
        sigs.append(_SigLine(name, blob[:4], blob[4:]))
    return text, sigs


def open_note(
    note: str | bytes, verifiers: Iterable[Verifier]
) -> tuple[str, list[Verifier]]:
    """Verify a signed note; return (text, verifiers whose signatures verified).

    Unknown (name, key ID) pairs are ignored; a known key whose signature fails, or a note with no
    signature from any known key, is rejected.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note is not valid UTF-8") from None
    text, sigs = _split_note(note)
    _check_text(text)
    known = {(v.name, v.key_id): v for v in verifiers}
    message = text.encode()
    verified: list[Verifier] = []
    for sig in sigs:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            continue
        if not v.verify(message, sig.signature):
            raise NoteError(
                f"signature by {sig.name} ({sig.key_id.hex()}) does not verify"
            )
        if v not in verified:
            verified.append(v)
    if not verified:
        raise NoteError("note has no signature from a trusted key")
    return text, verified


@dataclass(frozen=True)
class Checkpoint:
    """A tlog checkpoint body: origin, tree size and RFC 6962 root hash."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def to_text(self) -> str:
        if not self.origin or "\n" in self.origin:
            raise NoteError("checkpoint origin must be a non-empty single line")
        if len(self.root_hash) != 32 or self.size < 0:
            raise NoteError("checkpoint needs a 32-byte root and a size >= 0")
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root_hash).decode(),
            *self.extensions,
        ]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise NoteError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("checkpoint needs origin, size and root lines")
        origin, size_s, root_s, *ext = lines
        if not origin:
            raise NoteError("checkpoint origin is empty")
        if (
            not size_s.isascii()
            or not size_s.isdigit()
            or (len(size_s) > 1 and size_s[0] == "0")
        ):
            raise NoteError(
                f"checkpoint size {size_s!r} is not a decimal number without leading zeros"
            )
        try:
            root_hash = base64.b64decode(root_s, validate=True)
        except binascii.Error:
            raise NoteError("checkpoint root is not valid base64") from None
        if len(root_hash) != 32 or base64.b64encode(root_hash).decode() != root_s:
            raise NoteError("checkpoint root must be a padded base64 32-byte hash")
        if any(not e for e in ext):
            raise NoteError("checkpoint has an empty extension line")
        return cls(origin, int(size_s), root_hash, tuple(ext))


def open_checkpoint(
    note: str | bytes,
    verifiers: Sequence[Verifier] | Verifier,
    origin: str | None = None,
) -> Checkpoint:
    """Verify a signed checkpoint note and parse it; optionally require a given origin."""
    vs = [verifiers] if isinstance(verifiers, Verifier) else list(verifiers)
    text, _ = open_note(note, vs)
    cp = Checkpoint.parse(text)
    if origin is not None and cp.origin != origin:
        raise NoteError(
            f"checkpoint origin {cp.origin!r} is not the expected {origin!r}"
        )
    return cp
