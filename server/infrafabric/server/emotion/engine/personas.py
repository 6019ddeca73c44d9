"""Personas ("personality DNA") described in YAML: loading, validation, listing and lookup.

A persona file holds::

    name: companion                 # required, [a-z0-9][a-z0-9_-]*
    display_name: Companion         # optional, defaults to name
    description: ...                # required
    tone: ...                       # optional
    rhetorical_devices: [..]        # optional lists of strings
    argument_structures: [..]
    ethical_principles: [..]        # required, non-empty
    humour: {style: str, level: 0..1}
    exemplars: [..]                 # short passages in the persona's voice

The default persona ships inside the package; more are loaded from directories given to
:class:`PersonaStore` (later directories override earlier ones with the same name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import PersonaFormatError, PersonaNotFoundError

DEFAULT_PERSONA_DIR = Path(__file__).with_name("data") / "personas"
DEFAULT_PERSONA = "companion"
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_LIST_FIELDS = ("rhetorical_devices", "argument_structures", "ethical_principles", "exemplars")
_KNOWN_FIELDS = frozenset({"name", "display_name", "description", "tone", "humour", *_LIST_FIELDS})


@dataclass(frozen=True)
class Humour:
    style: str = ""
    level: float = 0.0


@dataclass(frozen=True)
class Persona:
    """A validated persona."""

    name: str
    display_name: str
    description: str
    tone: str
    rhetorical_devices: tuple[str, ...]
    argument_structures: tuple[str, ...]
    ethical_principles: tuple[str, ...]
    humour: Humour
    exemplars: tuple[str, ...]
    source: str


def _string_list(raw: Any, path: Path, field: str, required: bool) -> tuple[str, ...]:
    if raw is None:
        if required:
            raise PersonaFormatError(path, field, "is required (a non-empty list of strings)")
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise PersonaFormatError(path, field, "must be a list of non-empty strings")
    if required and not raw:
        raise PersonaFormatError(path, field, "must not be empty")
    return tuple(x.strip() for x in raw)


def _string(raw: Any, path: Path, field: str, required: bool) -> str:
    if raw is None:
        if required:
            raise PersonaFormatError(path, field, "is required (a string)")
        return ""
    if not isinstance(raw, str) or (required and not raw.strip()):
        raise PersonaFormatError(path, field, "must be a non-empty string")
    return raw.strip()


def load_persona_file(path: Path) -> Persona:
    """Read and validate one persona file; raises :class:`PersonaFormatError` naming file and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PersonaFormatError(path, "<yaml>", f"not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaFormatError(path, "<file>", f"cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise PersonaFormatError(path, "<root>", "must be a mapping of persona fields")
    unknown = sorted(set(map(str, data)) - _KNOWN_FIELDS)
    if unknown:
        raise PersonaFormatError(path, unknown[0], f"unknown field (known: {', '.join(sorted(_KNOWN_FIELDS))})")
    name = _string(data.get("name"), path, "name", required=True)
    if not _NAME_RE.fullmatch(name):
        raise PersonaFormatError(path, "name", "must match [a-z0-9][a-z0-9_-]* (max 64 characters)")
    humour_raw = data.get("humour") or {}
    if not isinstance(humour_raw, dict) or set(humour_raw) - {"style", "level"}:
        raise PersonaFormatError(path, "humour", "must be a mapping with 'style' and 'level'")
    level = humour_raw.get("level", 0.0)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.0 <= float(level) <= 1.0:
        raise PersonaFormatError(path, "humour.level", "must be a number between 0 and 1")
    return Persona(
        name=name,
        display_name=_string(data.get("display_name"), path, "display_name", required=False) or name,
        description=_string(data.get("description"), path, "description", required=True),
        tone=_string(data.get("tone"), path, "tone", required=False),
        rhetorical_devices=_string_list(data.get("rhetorical_devices"), path, "rhetorical_devices", False),
        argument_structures=_string_list(data.get("argument_structures"), path, "argument_structures", False),
        ethical_principles=_string_list(data.get("ethical_principles"), path, "ethical_principles", True),
        humour=Humour(_string(humour_raw.get("style"), path, "humour.style", False), float(level)),
        exemplars=_string_list(data.get("exemplars"), path, "exemplars", False),
        source=str(path),
    )


class PersonaStore:
    """All personas from the shipped directory plus ``dirs``; a malformed file fails loading."""

    def __init__(self, dirs: Iterable[Path | str] = (), include_default: bool = True) -> None:
        self._personas: dict[str, Persona] = {}
        directories = ([DEFAULT_PERSONA_DIR] if include_default else []) + [Path(d) for d in dirs]
        for directory in directories:
            if not directory.is_dir():
                raise PersonaFormatError(directory, "<directory>", "persona directory does not exist")
            seen: dict[str, Path] = {}
            for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
                persona = load_persona_file(path)
                if persona.name in seen:
                    raise PersonaFormatError(path, "name", f"duplicate persona name {persona.name!r} (also in {seen[persona.name]})")
                seen[persona.name] = path
                self._personas[persona.name] = persona

    def list(self) -> list[Persona]:
        """Personas sorted by name."""
        return [self._personas[n] for n in sorted(self._personas)]

    def get(self, name: str = "") -> Persona:
        """The persona called ``name`` ("" → the default); :class:`PersonaNotFoundError` if unknown."""
        key = name or DEFAULT_PERSONA
        try:
            return self._personas[key]
        except KeyError:
            raise PersonaNotFoundError(key, sorted(self._personas)) from None
