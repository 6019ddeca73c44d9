"""Errors raised by the Memory engine, and the gRPC status each one maps to.

::

    MemoryEngineError
    ├── InvalidArgumentError (also ValueError)  -> INVALID_ARGUMENT, BadRequest field violation `field`
    ├── NotFoundError (also KeyError)           -> NOT_FOUND
    │   ├── SessionNotFoundError
    │   ├── MemoryNotFoundError
    │   └── CheckpointNotFoundError
    ├── EmbeddingModelUnavailableError          -> FAILED_PRECONDITION (start-up: the model package is missing/corrupt)
    └── EmbeddingModelMismatchError             -> FAILED_PRECONDITION (a collection was written by another model)

Redis being unreachable is NOT an error: the context store answers from its local cache
and marks results ``degraded=True``.
"""

from __future__ import annotations


class MemoryEngineError(Exception):
    """Base class of every error the Memory engine raises on purpose."""

    #: UPPER_SNAKE reason for google.rpc.ErrorInfo (domain memory.infrafabric).
    reason: str = "MEMORY_ERROR"


class InvalidArgumentError(MemoryEngineError, ValueError):
    """Bad input; ``field`` is the request field path to report as a BadRequest field violation."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


class NotFoundError(MemoryEngineError, KeyError):
    """The named resource does not exist for this tenant and user (or has expired)."""

    reason = "NOT_FOUND"
    resource_type = "resource"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:  # KeyError would print the repr of the key in quotes
        return f"{self.resource_type} {self.name!r} not found"


class SessionNotFoundError(NotFoundError):
    reason = "SESSION_NOT_FOUND"
    resource_type = "session"


class MemoryNotFoundError(NotFoundError):
    reason = "MEMORY_NOT_FOUND"
    resource_type = "memory"


class CheckpointNotFoundError(NotFoundError):
    reason = "CHECKPOINT_NOT_FOUND"
    resource_type = "checkpoint"


class EmbeddingModelUnavailableError(MemoryEngineError, RuntimeError):
    """The embedding model cannot be loaded (package missing or file corrupt)."""

    reason = "EMBEDDING_MODEL_UNAVAILABLE"


class EmbeddingModelMismatchError(MemoryEngineError, RuntimeError):
    """A collection was created with a different embedding model; mixing vectors is refused."""

    reason = "EMBEDDING_MODEL_MISMATCH"
