"""L2 long-term semantic memory on ChromaDB, hard-partitioned by tenant and user.

Partitioning: every (tenant_id, user_id) pair gets its own Chroma collection, named from a
hash of both ids and resolved in exactly one place, :meth:`SemanticStore._collection`. No
method accepts a collection name or a where-clause on identity, so a caller cannot reach
another tenant's or user's vectors. This also keeps queries unfiltered (a where-clause on
``user_id`` in a shared collection made queries 8-15x slower, see bench/memory_bench.py
``--compare-layout``), and "forget this user" is one ``delete_collection``.

Score convention (used everywhere in InfraFabric memory): ``score`` is cosine similarity
= 1 - Chroma's cosine distance, in [-1, 1]; higher is more similar. ``min_score`` compares
against it.

Expiry: a memory may carry ``ttl_seconds``; expired memories are never returned (results are
post-filtered by time), are deleted when a read meets them, and :meth:`SemanticStore.purge_expired`
sweeps every collection (run it periodically).

Embedding: texts are embedded by :class:`BatchingEmbedder` (never by Chroma's default
function); the collection records model id and sha256 and a mismatch is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._validation import check_identity, check_name, check_text, check_ttl
from .embedding import ChromaEmbeddingFunction, BatchingEmbedder
from .errors import EmbeddingModelMismatchError, InvalidArgumentError, MemoryNotFoundError
from .filters import Scalar, check_scalar, validate_field_name, validate_filter

COLLECTION_PREFIX = "ifm_"
# A filtered search first looks at this many times top_k nearest rows (see SemanticStore._nearest).
FILTER_OVERFETCH = 10
_CREATED = "_if_created_at"
_EXPIRES = "_if_expires_at"


@dataclass(frozen=True)
class SemanticStoreConfig:
    max_text_chars: int = 8_000  # stored in full; only the first 256 tokens are embedded
    max_query_chars: int = 2_000
    max_items_per_add: int = 256
    max_ids_per_call: int = 1_000
    max_metadata_keys: int = 32
    max_metadata_value_chars: int = 1_024
    max_ttl_seconds: float = 10 * 365 * 86_400.0
    max_top_k: int = 100
    # HNSW settings are fixed at collection creation (changing them later has no effect in-process).
    hnsw_max_neighbors: int = 16
    hnsw_ef_construction: int = 100
    hnsw_ef_search: int = 100
    storage_threads: int = 2
    collection_cache_size: int = 4_096


@dataclass(frozen=True)
class NewMemory:
    """A memory to add. ``id`` is generated when omitted; adding an existing id replaces it."""

    text: str
    metadata: Mapping[str, Scalar] = field(default_factory=dict)
    id: str | None = None
    ttl_seconds: float | None = None


@dataclass(frozen=True)
class MemoryRecord:
    id: str
    text: str
    metadata: dict[str, Scalar]
    created_at: float  # unix seconds
    expires_at: float | None  # unix seconds, None = keep until deleted


@dataclass(frozen=True)
class ScoredMemory:
    memory: MemoryRecord
    score: float  # cosine similarity in [-1, 1]


def open_chroma_client(*, data_dir: str | Path | None = None, chroma_url: str | None = None) -> Any:
    """Embedded PersistentClient in ``data_dir`` or, when ``chroma_url`` is set, an HttpClient."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if chroma_url:
        parts = urlsplit(chroma_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"CHROMA_URL must look like http://host:port, got {chroma_url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 8000)
        return chromadb.HttpClient(host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=settings)
    if data_dir is None:
        raise ValueError("either data_dir or chroma_url is required")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(data_dir), settings=settings)


def collection_name(tenant_id: str, user_id: str) -> str:
    # JSON of the pair is unambiguous (no separator tricks); the hash keeps names within
    # Chroma's charset and length limits.
    digest = hashlib.blake2b(json.dumps([tenant_id, user_id]).encode(), digest_size=20).hexdigest()
    return COLLECTION_PREFIX + digest


class SemanticStore:
    """Async API over one Chroma client. Create one per process and share it."""

    def __init__(
        self,
        client: Any,
        embedder: BatchingEmbedder,
        config: SemanticStoreConfig | None = None,
        *,
        owns_client: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._owns_client = owns_client
        self._embedder = embedder
        self.config = config or SemanticStoreConfig()
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=self.config.storage_threads, thread_name_prefix="chroma")
        self._collections: OrderedDict[str, Any] = OrderedDict()
        self._ef = ChromaEmbeddingFunction(embedder.embedder)

    def close(self) -> None:
        """Stop the storage threads (and close the Chroma client if this store was given ownership)."""
        self._executor.shutdown(wait=True)
        if self._owns_client:
            self._client.close()
            # chromadb 1.5.9's HTTP client does not close its httpx session on close();
            # left open it raises ResourceWarning (an error under filterwarnings=error).
            for owner in (self._client, getattr(self._client, "_admin_client", None)):
                session = getattr(getattr(owner, "_server", None), "_session", None)
                if session is not None and hasattr(session, "close"):
                    session.close()

    @property
    def embedding_model(self) -> str:
        """Id of the model that embeds this store's texts (recorded in every collection it creates)."""
        return self._embedder.model_id

    async def warm_up(self) -> None:
        """Run the model once, so the first request does not pay for ONNX's lazy initialisation."""
        await self._embedder.embed(["warm up"])

    async def _run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    # -- the tenant chokepoint ---------------------------------------------------------

    async def _collection(self, tenant_id: str, user_id: str, *, create: bool) -> Any | None:
        """The one place that maps an identity to storage. Returns None if absent and not creating."""
        name = collection_name(tenant_id, user_id)
        cached = self._collections.get(name)
        if cached is not None:
            self._collections.move_to_end(name)
            return cached
        if create:
            metadata = {
                "if_tenant_id": tenant_id,
                "if_user_id": user_id,
                "if_model_id": self._embedder.model_id,
                "if_model_sha256": self._embedder.model_sha256,
                "if_dimension": self._embedder.dimension,
            }
            configuration = {
                "hnsw": {
                    "space": "cosine",
                    "max_neighbors": self.config.hnsw_max_neighbors,
                    "ef_construction": self.config.hnsw_ef_construction,
                    "ef_search": self.config.hnsw_ef_search,
                }
            }
            col = await self._run(
                self._client.get_or_create_collection,
                name,
                metadata=metadata,
                configuration=configuration,
                embedding_function=self._ef,
            )
        else:
            try:
                col = await self._run(self._client.get_collection, name, embedding_function=self._ef)
            except Exception as exc:  # chromadb raises NotFoundError / ValueError depending on client type
                if "does not exist" in str(exc) or type(exc).__name__ == "NotFoundError":
                    return None
                raise
        meta = col.metadata or {}
        if meta.get("if_tenant_id") != tenant_id or meta.get("if_user_id") != user_id:
            raise RuntimeError(f"collection {name} belongs to another identity; refusing to use it")
        if meta.get("if_model_sha256") != self._embedder.model_sha256:
            raise EmbeddingModelMismatchError(
                f"collection {name} was embedded with {meta.get('if_model_id')} "
                f"(sha256 {meta.get('if_model_sha256')}); this process runs {self._embedder.model_id} "
                f"(sha256 {self._embedder.model_sha256}); re-embed into a new collection instead of mixing"
            )
        self._collections[name] = col
        if len(self._collections) > self.config.collection_cache_size:
            self._collections.popitem(last=False)
        return col

    # -- public API ----------------------------------------------------------------------

    async def add(self, tenant_id: str, user_id: str, items: Sequence[NewMemory]) -> list[MemoryRecord]:
        """Embed and store ``items`` (upsert by id); returns the stored records in input order."""
        check_identity(tenant_id, user_id)
        cfg = self.config
        if not items:
            raise InvalidArgumentError("memories", "at least one memory is required")
        if len(items) > cfg.max_items_per_add:
            raise InvalidArgumentError("memories", f"at most {cfg.max_items_per_add} per call")
        now = self._clock()
        records: list[MemoryRecord] = []
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"memories[{i}]"
            text = check_text(item.text, f"{path}.text", cfg.max_text_chars)
            memory_id = check_name(item.id, f"{path}.id") if item.id is not None else uuid.uuid4().hex
            if memory_id in seen:
                raise InvalidArgumentError(f"{path}.id", f"duplicate id {memory_id!r} in one request")
            seen.add(memory_id)
            metadata = self._check_metadata(item.metadata, f"{path}.metadata")
            expires_at = None
            if item.ttl_seconds is not None:
                expires_at = now + check_ttl(item.ttl_seconds, f"{path}.ttl_seconds", cfg.max_ttl_seconds)
            records.append(MemoryRecord(memory_id, text, metadata, now, expires_at))

        vectors = await self._embedder.embed([r.text for r in records])
        col = await self._collection(tenant_id, user_id, create=True)
        await self._run(
            col.upsert,
            ids=[r.id for r in records],
            embeddings=vectors,
            documents=[r.text for r in records],
            metadatas=[self._stored_metadata(r) for r in records],
        )
        return records

    async def search(
        self,
        tenant_id: str,
        user_id: str,
        query: str,
        *,
        top_k: int = 5,
        min_score: float | None = None,
        filter: Mapping[str, Any] | None = None,
    ) -> list[ScoredMemory]:
        """Nearest memories to ``query``, best first, at most ``top_k``, all with score >= ``min_score``."""
        check_identity(tenant_id, user_id)
        check_text(query, "query", self.config.max_query_chars)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= self.config.max_top_k:
            raise InvalidArgumentError("top_k", f"must be an integer in [1, {self.config.max_top_k}]")
        if min_score is not None and (
            isinstance(min_score, bool) or not isinstance(min_score, int | float) or not -1.0 <= min_score <= 1.0
        ):
            raise InvalidArgumentError("min_score", "must be a number in [-1, 1] (cosine similarity)")
        where = validate_filter(filter, "filter")
        col = await self._collection(tenant_id, user_id, create=False)
        if col is None:
            return []
        vector = (await self._embedder.embed([query]))[0]
        results: list[ScoredMemory] = []
        # Expired rows are dropped and deleted; re-query (bounded) so top_k stays full.
        for _ in range(3):
            raw = await self._nearest(col, vector, top_k, where)
            now = self._clock()
            results, expired = [], []
            for memory_id, text, meta, distance in zip(
                raw["ids"][0], raw["documents"][0], raw["metadatas"][0], raw["distances"][0]
            ):
                record = self._record(memory_id, text, meta)
                if record.expires_at is not None and record.expires_at <= now:
                    expired.append(memory_id)
                    continue
                score = 1.0 - float(distance)
                if min_score is None or score >= min_score:
                    results.append(ScoredMemory(record, score))
            if not expired:
                break
            await self._run(col.delete, ids=expired)
        return results

    async def _nearest(self, col: Any, vector: Any, top_k: int, where: dict[str, Any] | None) -> Any:
        """Chroma's query result for the ``top_k`` rows nearest ``vector`` that match ``where``.

        A filtered query makes Chroma check the filter over the whole collection first (p95 about 200 ms
        at 100k rows with a filter matching 20%: bench/memory_bench.py). So a filtered search first takes
        the ``top_k * FILTER_OVERFETCH`` nearest rows unfiltered and asks Chroma which of those ids match
        (its own filter semantics, on a few ids). When at least ``top_k`` match, they are the answer: any
        matching row nearer than them would be among the nearest rows. Only a rarer filter falls back to
        Chroma's filtered query.
        """
        include = ["documents", "metadatas", "distances"]
        if where is None:
            return await self._run(col.query, query_embeddings=[vector], n_results=top_k, include=include)
        wide_n = top_k * FILTER_OVERFETCH
        wide = await self._run(col.query, query_embeddings=[vector], n_results=wide_n, include=["distances"])
        ids, distances = wide["ids"][0], wide["distances"][0]
        rows: dict[str, tuple[Any, Any]] = {}
        if ids:
            got = await self._run(col.get, ids=ids, where=where, include=["documents", "metadatas"])
            rows = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
        keep = [i for i, memory_id in enumerate(ids) if memory_id in rows][:top_k]
        # Fewer rows than asked for means the wide query saw the whole collection: the answer is exact.
        if len(keep) == top_k or len(ids) < wide_n:
            return {
                "ids": [[ids[i] for i in keep]],
                "documents": [[rows[ids[i]][0] for i in keep]],
                "metadatas": [[rows[ids[i]][1] for i in keep]],
                "distances": [[distances[i] for i in keep]],
            }
        return await self._run(col.query, query_embeddings=[vector], n_results=top_k, where=where, include=include)

    async def get(self, tenant_id: str, user_id: str, memory_id: str) -> MemoryRecord:
        check_identity(tenant_id, user_id)
        check_name(memory_id, "id")
        col = await self._collection(tenant_id, user_id, create=False)
        if col is None:
            raise MemoryNotFoundError(memory_id)
        raw = await self._run(col.get, ids=[memory_id], include=["documents", "metadatas"])
        if not raw["ids"]:
            raise MemoryNotFoundError(memory_id)
        record = self._record(raw["ids"][0], raw["documents"][0], raw["metadatas"][0])
        if record.expires_at is not None and record.expires_at <= self._clock():
            await self._run(col.delete, ids=[memory_id])
            raise MemoryNotFoundError(memory_id)
        return record

    async def delete(
        self,
        tenant_id: str,
        user_id: str,
        *,
        ids: Sequence[str] | None = None,
        filter: Mapping[str, Any] | None = None,
    ) -> int:
        """Delete by ids, by filter, or both (ANDed). Returns how many memories were deleted.

        Deleting only by ids where none exists raises MemoryNotFoundError.
        """
        check_identity(tenant_id, user_id)
        id_list = None
        if ids:
            if len(ids) > self.config.max_ids_per_call:
                raise InvalidArgumentError("ids", f"at most {self.config.max_ids_per_call} ids per call")
            id_list = [check_name(v, f"ids[{i}]") for i, v in enumerate(ids)]
        where = validate_filter(filter, "filter")
        if id_list is None and where is None:
            raise InvalidArgumentError("filter", "give ids or a non-empty filter (an empty filter would delete everything)")
        col = await self._collection(tenant_id, user_id, create=False)
        matched: list[str] = []
        if col is not None:
            raw = await self._run(col.get, ids=id_list, where=where, include=[])
            matched = list(raw["ids"])
            if matched:
                await self._run(col.delete, ids=matched)
        if not matched and id_list is not None and where is None:
            raise MemoryNotFoundError(id_list[0] if len(id_list) == 1 else ",".join(id_list[:5]))
        return len(matched)

    async def forget_user(self, tenant_id: str, user_id: str) -> bool:
        """Drop every L2 memory of one user (right to erasure). Returns False if there were none."""
        check_identity(tenant_id, user_id)
        col = await self._collection(tenant_id, user_id, create=False)
        if col is None:
            return False
        self._collections.pop(col.name, None)
        await self._run(self._client.delete_collection, col.name)
        return True

    async def purge_expired(self) -> int:
        """Delete expired memories in every collection; returns how many. Call periodically."""
        now = self._clock()
        collections = await self._run(self._client.list_collections)
        purged = 0
        for col in collections:
            if not col.name.startswith(COLLECTION_PREFIX):
                continue
            col = await self._run(self._client.get_collection, col.name, embedding_function=self._ef)
            raw = await self._run(col.get, where={_EXPIRES: {"$lte": now}}, include=[])
            if raw["ids"]:
                await self._run(col.delete, ids=list(raw["ids"]))
                purged += len(raw["ids"])
        return purged

    # -- helpers -------------------------------------------------------------------------

    def _check_metadata(self, metadata: Mapping[str, Any] | None, path: str) -> dict[str, Scalar]:
        metadata = metadata or {}
        if not isinstance(metadata, Mapping):
            raise InvalidArgumentError(path, "must be an object of scalar values")
        if len(metadata) > self.config.max_metadata_keys:
            raise InvalidArgumentError(path, f"at most {self.config.max_metadata_keys} keys")
        out: dict[str, Scalar] = {}
        for key, value in metadata.items():
            validate_field_name(key, f"{path}.{key}")
            value = check_scalar(value, f"{path}.{key}")
            if isinstance(value, str) and len(value) > self.config.max_metadata_value_chars:
                raise InvalidArgumentError(f"{path}.{key}", f"longer than {self.config.max_metadata_value_chars} characters")
            out[key] = value
        return out

    @staticmethod
    def _stored_metadata(record: MemoryRecord) -> dict[str, Scalar]:
        stored: dict[str, Scalar] = dict(record.metadata)
        stored[_CREATED] = record.created_at
        if record.expires_at is not None:
            stored[_EXPIRES] = record.expires_at
        return stored

    @staticmethod
    def _record(memory_id: str, text: str | None, meta: Mapping[str, Any] | None) -> MemoryRecord:
        meta = dict(meta or {})
        created = float(meta.pop(_CREATED, 0.0))
        expires = meta.pop(_EXPIRES, None)
        user_meta = {k: v for k, v in meta.items() if not k.startswith("_")}
        return MemoryRecord(memory_id, text or "", user_meta, created, float(expires) if expires is not None else None)
