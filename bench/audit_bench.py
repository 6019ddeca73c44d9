"""Audit log benchmark: durable appends/s with concurrent callers, and proof latency at 1M entries.

    .venv/bin/python bench/audit_bench.py                    # 64 callers, 20,000 appends, 1M-leaf proofs
    .venv/bin/python bench/audit_bench.py --callers 8 --appends 5000 --proof-leaves 0 --json

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

from infrafabric.server.audit.log import AuditEvent, AuditLog
from infrafabric.server.audit.storage import HashTreeFile
from infrafabric.transparency.merkle import verify_consistency, verify_inclusion


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
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if args.appends:
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
