"""The Memory engine: in-process API the Memory gRPC servicer calls.

* :class:`ContextStore` - L1 session context, conversation turns and task checkpoints (Redis).
* :class:`SemanticStore` - L2 long-term semantic memory (ChromaDB + offline MiniLM embeddings).
* :func:`open_memory_engine` - build both from URLs/paths, one per process.

Every method takes ``(tenant_id, user_id)`` from the verified identity first. Errors are in
:mod:`.errors` (ValueError subclasses -> INVALID_ARGUMENT, KeyError subclasses -> NOT_FOUND).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .context_store import (
    Ack,
    Checkpoint,
    ContextStore,
    ContextStoreConfig,
    ContextStoreHealth,
    NewTurn,
    SessionContext,
    Turn,
    TurnAppended,
    TurnPage,
    TurnsAppended,
)
from .embedding import BatchingEmbedder, EmbedderConfig, MiniLMEmbedder
from .errors import (
    CheckpointNotFoundError,
    EmbeddingModelMismatchError,
    EmbeddingModelUnavailableError,
    InvalidArgumentError,
    MemoryEngineError,
    MemoryNotFoundError,
    NotFoundError,
    SessionNotFoundError,
)
from .semantic_store import MemoryRecord, NewMemory, ScoredMemory, SemanticStore, SemanticStoreConfig, open_chroma_client

__all__ = [
    "Ack",
    "BatchingEmbedder",
    "Checkpoint",
    "CheckpointNotFoundError",
    "ContextStore",
    "ContextStoreConfig",
    "ContextStoreHealth",
    "EmbedderConfig",
    "EmbeddingModelMismatchError",
    "EmbeddingModelUnavailableError",
    "InvalidArgumentError",
    "MemoryEngine",
    "MemoryEngineError",
    "MemoryNotFoundError",
    "MemoryRecord",
    "MiniLMEmbedder",
    "NewMemory",
    "NotFoundError",
    "ScoredMemory",
    "SemanticStore",
    "SemanticStoreConfig",
    "NewTurn",
    "SessionContext",
    "SessionNotFoundError",
    "Turn",
    "TurnAppended",
    "TurnsAppended",
    "TurnPage",
    "open_chroma_client",
    "open_memory_engine",
]


@dataclass
class MemoryEngine:
    context: ContextStore
    semantic: SemanticStore

    async def aclose(self) -> None:
        await self.context.aclose()
        self.semantic.close()
        self.semantic._embedder.close()


def open_memory_engine(
    *,
    redis_url: str,
    data_dir: str | Path | None = None,
    chroma_url: str | None = None,
    context_config: ContextStoreConfig | None = None,
    semantic_config: SemanticStoreConfig | None = None,
    embedder_config: EmbedderConfig | None = None,
    embed_concurrency: int = 1,
) -> MemoryEngine:
    """Load the model (fails fast if its package is missing) and connect both stores.

    Chroma is embedded under ``data_dir/chroma`` unless ``chroma_url`` is given. Redis is
    connected lazily, so a down Redis at start-up means degraded mode, not a crash.
    """
    embedder = BatchingEmbedder(MiniLMEmbedder(embedder_config), max_concurrency=embed_concurrency)
    chroma_dir = Path(data_dir) / "chroma" if data_dir is not None else None
    client = open_chroma_client(data_dir=chroma_dir, chroma_url=chroma_url)
    return MemoryEngine(
        context=ContextStore.from_url(redis_url, context_config),
        semantic=SemanticStore(client, embedder, semantic_config, owns_client=True),
    )
