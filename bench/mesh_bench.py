#!/usr/bin/env python3
"""Unary call latency direct to a service and through Envoy, side by side in one run.

Starts a throwaway mesh (or uses --target/--direct of a running one), then alternates rounds of
calls: the same grpc.health.v1 Check on the same replica, once direct and once through Envoy (JWT
check, rate limit, routing, retries all in the path for service routes; health skips only JWT).
Also times an authenticated service RPC through Envoy. Reports p50/p99 and the Envoy/direct ratio,
because this machine is shared and only ratios compare.

    python bench/mesh_bench.py [--calls 2000] [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_calls(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls per round per path")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--service", default="emotion")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()

    from infrafabric.mesh.auth import signing_key
    from infrafabric.mesh.config import load_mesh_config
    from infrafabric.mesh.envoy_config import SERVICE_HEADER, proto_service
    from infrafabric.mesh.launcher import Mesh

    data_dir = Path(tempfile.mkdtemp(prefix="ifbench-"))
    config = load_mesh_config(
        None,
        {"data_dir": str(data_dir), "listen": {"port": 0}, "admin": {"port": 0},
         "services": {args.service: {"rate_limit": {"per_user": {"requests": 10_000_000}}}}},
    )
    mesh = Mesh(config)
    print("starting a mesh ...", file=sys.stderr)
    mesh.start()
    try:
        host, port = mesh.endpoints[args.service][0]
        request = health_pb2.HealthCheckRequest(service=proto_service(args.service))
        token = signing_key(mesh.data_dir).mint(config.auth, tenant="bench", user="bench")
        with grpc.insecure_channel(f"{host}:{port}") as direct_ch, grpc.insecure_channel(mesh.target) as envoy_ch:
            direct = health_pb2_grpc.HealthStub(direct_ch)
            via = health_pb2_grpc.HealthStub(envoy_ch)
            # An authenticated service route: JWT verification and the per-user bucket in the path.
            from infrafabric.emotion.v1 import emotion_service_pb2 as epb
            from infrafabric.emotion.v1 import emotion_service_pb2_grpc as epb_grpc

            service_stub = epb_grpc.EmotionServiceStub(envoy_ch)
            direct_service = epb_grpc.EmotionServiceStub(direct_ch)
            md_auth = [("authorization", f"Bearer {token}")]
            md_ident = [("x-tenant-id", "bench"), ("x-user-id", "bench")]

            def service_call(stub, md):  # type: ignore[no-untyped-def]
                try:
                    stub.ListPersonas(epb.ListPersonasRequest(), metadata=md, timeout=5)
                except grpc.RpcError as err:
                    if err.code() not in (grpc.StatusCode.UNIMPLEMENTED,):
                        raise

            paths = {
                "health direct": lambda: direct.Check(request, timeout=5),
                "health via envoy": lambda: via.Check(request, metadata=[(SERVICE_HEADER, args.service)], timeout=5),
                "rpc direct": lambda: service_call(direct_service, md_ident),
                "rpc via envoy (JWT + rate limit)": lambda: service_call(service_stub, md_auth),
            }
            for fn in paths.values():  # warm up connections and caches
                time_calls(fn, 200)
            samples: dict[str, list[float]] = {k: [] for k in paths}
            for _ in range(args.rounds):
                for name, fn in paths.items():
                    samples[name].extend(time_calls(fn, args.calls))
    finally:
        mesh.stop()

    result = {}
    for name, vals in samples.items():
        result[name] = {"p50_ms": round(percentile(vals, 0.5), 3), "p99_ms": round(percentile(vals, 0.99), 3),
                        "mean_ms": round(statistics.fmean(vals), 3), "calls": len(vals)}
    print(f"{'path':<36} {'p50 ms':>8} {'p99 ms':>8} {'calls':>7}")
    for name, r in result.items():
        print(f"{name:<36} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} {r['calls']:>7}")
    for a, b in (("health via envoy", "health direct"), ("rpc via envoy (JWT + rate limit)", "rpc direct")):
        ratio50 = result[a]["p50_ms"] / result[b]["p50_ms"]
        ratio99 = result[a]["p99_ms"] / result[b]["p99_ms"]
        result[f"ratio {a} / {b}"] = {"p50": round(ratio50, 2), "p99": round(ratio99, 2)}
        print(f"ratio {a} / {b}: p50 {ratio50:.2f}x, p99 {ratio99:.2f}x")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
