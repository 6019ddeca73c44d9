"""Errors raised by the audit log engine, free of gRPC.

    AuditError
    ├── InvalidEventError (= transparency.InvalidEntryError, a ValueError with .field) -> INVALID_ARGUMENT
    ├── InvalidRequestError (ValueError, .field: page_token, first, citation, ...)   -> INVALID_ARGUMENT
    ├── EntryNotFoundError (IndexError, .field: index / tree_size / second)         -> OUT_OF_RANGE
    ├── EntrySealedError   entry is in cold storage that is not readable             -> FAILED_PRECONDITION
    ├── LogClosedError     the log is closed or failed and must be reopened          -> UNAVAILABLE
    ├── LogLockedError     another process owns the data directory                   -> (start-up failure)
    └── LogCorruptError    stored data contradicts itself or a signed checkpoint     -> DATA_LOSS

InvalidEventError is not itself an AuditError subclass (it lives in the client package so clients can
validate locally); catch ``(AuditError, ValueError)`` to get everything.
"""

from __future__ import annotations

from infrafabric.transparency.entry import InvalidEntryError as InvalidEventError

__all__ = [
    "AuditError",
    "EntryNotFoundError",
    "EntrySealedError",
    "InvalidEventError",
    "InvalidRequestError",
    "LogClosedError",
    "LogCorruptError",
    "LogLockedError",
]


class AuditError(Exception):
    """Base class of the audit engine's own errors."""


class InvalidRequestError(AuditError, ValueError):
    """A read/proof request argument is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class EntryNotFoundError(AuditError, IndexError):
    """An index or tree size lies past the end of the log; ``field`` names the argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class EntrySealedError(AuditError):
    """The entry was sealed to cold storage and the cold copy cannot be read here."""


class LogClosedError(AuditError):
    """The log is closed (or a write failed and it must be reopened to recover)."""


class LogLockedError(AuditError):
    """Another process holds the data directory's lock."""


class LogCorruptError(AuditError):
    """Stored data is inconsistent with itself or with a checkpoint the log has signed."""
