"""Errors raised by the emotion engine.

    EmotionEngineError
    ├── InvalidInputError (also ValueError)      bad request field → INVALID_ARGUMENT; ``.field``
    ├── PersonaNotFoundError (also KeyError)     unknown persona name → NOT_FOUND; ``.name``
    └── PersonaFormatError (also ValueError)     malformed persona YAML; ``.path``, ``.field``
"""

from __future__ import annotations

from pathlib import Path


class EmotionEngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class InvalidInputError(EmotionEngineError, ValueError):
    """A request field is empty, too large or malformed; ``field`` names it (e.g. "text", "history[2].text")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PersonaNotFoundError(EmotionEngineError, KeyError):
    """No persona with this name is loaded."""

    def __init__(self, name: str, available: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.available = available

    def __str__(self) -> str:
        return f"unknown persona {self.name!r}; available: {', '.join(self.available) or 'none'}"


class PersonaFormatError(EmotionEngineError, ValueError):
    """A persona file is malformed: names the file and the offending field."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        super().__init__(f"{path}: field {field!r}: {message}")
        self.path = str(path)
        self.field = field
        self.message = message
