"""Audit log benchmark: durable appends/s with concurrent callers, and proof latency at 1M entries.

    .venv/bin/python bench/audit_bench.py                    # 64 callers, 20,000 appends, 1M-leaf proofs
    .venv/bin/python bench/audit_bench.py --callers 8 --appends 5000 --proof-leaves 0 --json
    .venv/bin/python bench/audit_bench.py --target --proof-leaves 0     # + a throwaway mesh: gRPC direct and via Envoy
    .venv/bin/python bench/audit_bench.py --target 127.0.0.1:8080 --mesh-data-dir ~/.local/share/infrafabric

With ``--target`` the same appends also go over gRPC (AppendEvent) to the Audit server, straight to
its replica and through Envoy (JWT, rate limit, routing in the path), side by side with the
in-process engine, in alternating rounds because this machine is shared. ``--target`` alone starts
a throwaway mesh with the per-user rate limit lifted; with an address it uses a running mesh and
mints a token from that mesh's data directory (its per-user rate limit applies: lift it for user
``audit-bench`` in the mesh config, or the bench measures the limiter). Client load comes from
``--client-procs`` processes, so the Python client is not the bottleneck it measures.

Appends go through the real AuditLog in a temporary directory (group commit, fdatasync, one signed
checkpoint and one inclusion proof per receipt). The proof benchmark fills tree.bin through the
log's internal bulk path (leaf hashes only), then times proof generation from stored nodes and
checks a sample of the proofs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infrafabric.server.audit.log import AuditEvent, AuditLog  # noqa: E402
from infrafabric.server.audit.storage import HashTreeFile  # noqa: E402
from infrafabric.transparency.merkle import verify_consistency, verify_inclusion  # noqa: E402

BENCH_USER = "audit-bench"


async def bench_appends(
    callers: int, appends: int, payload_bytes: int, directory: Path
) -> dict[str, float]:
    log = AuditLog.open(directory / "log")
    per_caller = appends // callers
    filler = "x" * payload_bytes

    async def caller(k: int) -> list[float]:
        lat = []
        for j in range(per_caller):
            t0 = time.perf_counter()
            await log.append_one(
                AuditEvent(
                    "chat.turn",
                    f"tenant-{k % 8}",
                    f"user-{k}",
                    f"session-{k}",
                    f"req-{k}-{j}",
                    {"i": j, "text": filler},
                    ("if://memory/x",),
                )
            )
            lat.append(time.perf_counter() - t0)
        return lat

    start, cpu_start = time.perf_counter(), time.process_time()
    lats = await asyncio.gather(*[caller(k) for k in range(callers)])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    total = per_caller * callers
    flat = sorted(x for lat in lats for x in lat)
    checkpoints = sum(1 for _ in log._read_checkpoint_lines())
    await log.close()
    return {
        "callers": callers,
        "appends": total,
        "seconds": round(elapsed, 3),
        "appends_per_s": round(total / elapsed, 1),
        # CPU per append (all threads): what the rate would be bounded by on an idle core.
        "cpu_us_per_append": round(cpu / total * 1e6, 1),
        "p50_ms": round(flat[len(flat) // 2] * 1000, 2),
        "p99_ms": round(flat[int(len(flat) * 0.99)] * 1000, 2),
        "checkpoints_signed": checkpoints,
        "mean_batch": round(total / max(1, checkpoints - 1), 1),
    }


def bench_proofs(leaves: int, samples: int, directory: Path) -> dict[str, float]:
    tree = HashTreeFile(directory / "tree.bin")
    t0 = time.perf_counter()
    chunk = 1 << 16
    for start in range(0, leaves, chunk):
        tree.append(os.urandom(32) for _ in range(min(chunk, leaves - start)))
    build = time.perf_counter() - t0
    rng = random.Random(7)
    root = tree.root(leaves)
    inc, con = [], []
    for _ in range(samples):
        index = rng.randrange(leaves)
        t = time.perf_counter()
        proof = tree.inclusion_proof(index, leaves)
        inc.append(time.perf_counter() - t)
        assert verify_inclusion(index, leaves, tree.node(0, index), proof, root)
        first = rng.randrange(1, leaves)
        t = time.perf_counter()
        cproof = tree.consistency_proof(first, leaves)
        con.append(time.perf_counter() - t)
        assert verify_consistency(first, leaves, tree.root(first), root, cproof)
    t = time.perf_counter()
    for _ in range(samples):
        tree.root(rng.randrange(1, leaves + 1))
    root_ms = (time.perf_counter() - t) / samples * 1000
    tree.close()
    return {
        "leaves": leaves,
        "build_seconds": round(build, 2),
        "inclusion_mean_ms": round(statistics.mean(inc) * 1000, 4),
        "inclusion_p99_ms": round(sorted(inc)[int(samples * 0.99)] * 1000, 4),
        "consistency_mean_ms": round(statistics.mean(con) * 1000, 4),
        "consistency_p99_ms": round(sorted(con)[int(samples * 0.99)] * 1000, 4),
        "root_at_any_size_mean_ms": round(root_ms, 4),
        "samples": samples,
    }


# ---------------------------------------------------------------------------------------- over gRPC


async def _grpc_caller_loop(
    target: str, metadata: list[tuple[str, str]], callers: int, per_caller: int, payload_bytes: int, tag: str,
    batch: int = 1,
) -> tuple[float, float, list[float]]:
    """Run ``callers`` concurrent append loops over one channel; (start, end, per-event latencies).

    With ``batch`` > 1 each call is one BatchAppendEvents of ``batch`` events (each event counts once).
    """
    import grpc
    from google.protobuf import struct_pb2

    from infrafabric.audit.v1 import audit_service_pb2 as pb
    from infrafabric.audit.v1 import audit_service_pb2_grpc as pb_grpc

    filler = "x" * payload_bytes
    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.AuditServiceStub(channel)

        def request(k: int, j: int) -> pb.AppendEventRequest:
            payload = struct_pb2.Struct()
            payload.update({"i": j, "text": filler})
            return pb.AppendEventRequest(
                type="chat.turn", session_id=f"session-{tag}-{k}", request_id=f"req-{tag}-{k}-{j}",
                payload=payload, refs=["if://memory/x"],
            )

        for j in range(5):  # warm the connection (and Envoy's) before the clock starts
            await stub.AppendEvent(request(0, -j), metadata=metadata, timeout=30)

        async def caller(k: int) -> list[float]:
            lat = []
            for j in range(0, per_caller, batch):
                t0 = time.perf_counter()
                if batch == 1:
                    await stub.AppendEvent(request(k, j), metadata=metadata, timeout=60)
                else:
                    events = [request(k, j + b) for b in range(batch)]
                    await stub.BatchAppendEvents(pb.BatchAppendEventsRequest(events=events), metadata=metadata, timeout=60)
                lat.extend([time.perf_counter() - t0] * batch)
            return lat

        start = time.time()
        lats = await asyncio.gather(*[caller(k) for k in range(callers)])
        end = time.time()
    return start, end, [x for lat in lats for x in lat]


def _grpc_worker(target: str, metadata: list[tuple[str, str]], callers: int, per_caller: int,
                 payload_bytes: int, tag: str, batch: int, barrier: Any, results: Any) -> None:
    barrier.wait()  # every client process is imported and ready: start together
    results.put(asyncio.run(_grpc_caller_loop(target, metadata, callers, per_caller, payload_bytes, tag, batch)))


def bench_grpc(target: str, metadata: list[tuple[str, str]], callers: int, appends: int,
               payload_bytes: int, procs: int, tag: str, batch: int = 1) -> dict[str, float]:
    """Durable appends/s over gRPC from ``procs`` client processes with ``callers`` calls in flight in all."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # grpc does not survive fork
    procs = max(1, min(procs, callers))
    per_proc = callers // procs
    per_caller = appends // callers
    barrier, results = ctx.Barrier(procs), ctx.Queue()
    workers = [
        ctx.Process(target=_grpc_worker, args=(target, metadata, per_proc, per_caller, payload_bytes, f"{tag}{p}", batch, barrier, results))
        for p in range(procs)
    ]
    for w in workers:
        w.start()
    outs = [results.get(timeout=600) for _ in workers]
    for w in workers:
        w.join()
    start, end = min(o[0] for o in outs), max(o[1] for o in outs)
    flat = sorted(x for o in outs for x in o[2])
    return {
        "callers": per_proc * procs,
        "events_per_call": batch,
        "client_processes": procs,
        "appends": len(flat),
        "seconds": round(end - start, 3),
        "appends_per_s": round(len(flat) / (end - start), 1),
        "p50_ms": round(flat[len(flat) // 2] * 1000, 2),
        "p99_ms": round(flat[int(len(flat) * 0.99)] * 1000, 2),
    }


def start_mesh() -> tuple[Any, str]:
    """A throwaway mesh with the bench user's rate limit lifted; (mesh, its data dir)."""
    from infrafabric.mesh.config import load_mesh_config
    from infrafabric.mesh.launcher import Mesh

    data_dir = tempfile.mkdtemp(prefix="ifaudit-bench-")
    lifted = {"rate_limit": {"user_overrides": {BENCH_USER: 100_000_000}}}
    config = load_mesh_config(
        None, {"data_dir": data_dir, "listen": {"port": 0}, "admin": {"port": 0}, "services": {"audit": lifted}}
    )
    mesh = Mesh(config)
    print("starting a mesh ...", file=sys.stderr)
    mesh.start(timeout=180)
    return mesh, data_dir


def mint_token(data_dir: str, config_file: str | None) -> str:
    from infrafabric.mesh.auth import signing_key
    from infrafabric.mesh.config import load_mesh_config

    config = load_mesh_config(config_file, {"data_dir": data_dir})
    return signing_key(config.data_dir.expanduser()).mint(config.auth, tenant="bench", user=BENCH_USER, ttl_seconds=3600)


def bench_paths(args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    """In-process, direct gRPC and through Envoy, in alternating rounds; best round of each."""
    mesh = None
    try:
        if args.target == "start":
            mesh, data_dir = start_mesh()
            target = mesh.target
            direct = "{}:{}".format(*mesh.endpoints["audit"][0])
        else:
            if not args.mesh_data_dir:
                raise SystemExit("--target HOST:PORT needs --mesh-data-dir (to mint a token with that mesh's key)")
            data_dir, target, direct = args.mesh_data_dir, args.target, args.direct
        token = mint_token(data_dir, args.mesh_config)
        paths: dict[str, Any] = {
            "in-process engine": lambda r: asyncio.run(bench_appends(args.callers, args.appends, args.payload_bytes, tmp / f"r{r}")),
            "via envoy (JWT, rate limit)": lambda r: bench_grpc(
                target, [("authorization", f"Bearer {token}")], args.callers, args.appends, args.payload_bytes, args.client_procs, f"e{r}-"
            ),
        }
        if args.batch > 1:
            paths[f"via envoy, BatchAppendEvents x{args.batch}"] = lambda r: bench_grpc(
                target, [("authorization", f"Bearer {token}")], args.callers, args.appends, args.payload_bytes,
                args.client_procs, f"b{r}-", args.batch,
            )
        if direct:
            # Straight to the replica with the identity headers Envoy would set.
            paths["grpc direct"] = lambda r: bench_grpc(
                direct, [("x-tenant-id", "bench"), ("x-user-id", BENCH_USER)], args.callers, args.appends,
                args.payload_bytes, args.client_procs, f"d{r}-",
            )
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
        for r in range(args.rounds):
            for name, run in paths.items():
                rounds[name].append(run(r))
                print(f"  round {r + 1}: {name}: {rounds[name][-1]['appends_per_s']} appends/s", file=sys.stderr)
    finally:
        if mesh is not None:
            mesh.stop()
    best = {name: max(rs, key=lambda x: x["appends_per_s"]) for name, rs in rounds.items()}
    base = best["in-process engine"]["appends_per_s"]
    out: dict[str, object] = {name: {**b, "ratio_to_in_process": round(b["appends_per_s"] / base, 3)} for name, b in best.items()}
    out["rounds"] = {name: [x["appends_per_s"] for x in rs] for name, rs in rounds.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--callers", type=int, default=64, help="concurrent appenders (default 64)"
    )
    ap.add_argument(
        "--appends",
        type=int,
        default=20000,
        help="total appends (default 20000; 0 skips)",
    )
    ap.add_argument(
        "--payload-bytes",
        type=int,
        default=200,
        help="filler bytes per payload (default 200)",
    )
    ap.add_argument(
        "--proof-leaves",
        type=int,
        default=1_000_000,
        help="tree size for proof timing (default 1M; 0 skips)",
    )
    ap.add_argument(
        "--samples", type=int, default=1000, help="proofs to time (default 1000)"
    )
    ap.add_argument(
        "--dir", help="directory for the temporary data (default: system temp)"
    )
    ap.add_argument(
        "--target", nargs="?", const="start", metavar="HOST:PORT",
        help="also append over gRPC through Envoy: alone, start a throwaway mesh; with an address, use that mesh",
    )
    ap.add_argument("--mesh-data-dir", help="data directory of the mesh at --target (its JWT key mints the token)")
    ap.add_argument("--mesh-config", help="mesh config YAML of the mesh at --target (for its JWT issuer/audience)")
    ap.add_argument("--direct", help="the Audit replica's own address, to time gRPC without Envoy (known when the bench starts the mesh)")
    ap.add_argument("--client-procs", type=int, default=2, help="client processes for the gRPC paths (default 2)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per path with --target (default 2; best is kept)")
    ap.add_argument("--batch", type=int, default=32, help="events per BatchAppendEvents call for the batched path (default 32; 1 skips it)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if args.appends and args.target:
            for name, values in bench_paths(args, Path(tmp)).items():
                out[f"append {name}" if name != "rounds" else "append rounds"] = values
        elif args.appends:
            out["append"] = asyncio.run(
                bench_appends(args.callers, args.appends, args.payload_bytes, Path(tmp))
            )
        if args.proof_leaves:
            out["proofs"] = bench_proofs(args.proof_leaves, args.samples, Path(tmp))
    if args.json:
        print(json.dumps(out))
    else:
        for section, values in out.items():
            print(f"[{section}]")
            for k, v in values.items():  # type: ignore[attr-defined]
                print(f"  {k:28s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
