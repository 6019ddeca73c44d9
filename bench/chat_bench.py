#!/usr/bin/env python3
"""Governed chat turns per second and the latency they add, against the provider called directly (issue 7).

Starts the fake OpenAI-compatible provider (infrafabric.testing.fake_openai) as a subprocess and a whole
throwaway mesh (embedded Valkey, every service, Envoy) on free ports in a temp data dir, with a model
registry whose every model is served by that fake, per-user rate limits raised for the bench user and
generous budgets. Then, in one process and in alternating rounds at the same concurrency:

  direct    the fake provider called with the official openai SDK (the baseline)
  governed  Router.Chat through Envoy with the RouterClient: Guard in and out, Memory history + search +
            append, Emotion analysis + persona, routing, budgets, the provider call, an audit receipt
  litellm   (with --litellm) LiteLLM's proxy (`litellm --config`) pointed at the same fake, called with the
            openai SDK: a plain pass-through gateway, the comparison issue 7 asks for

For each it prints calls/s, p50/p99 end-to-end latency and p50/p99 ADDED latency (the path's percentile
minus the direct percentile at the same concurrency), the CPU each process spent per governed turn, and
the ratio governed turns/s / LiteLLM turns/s. The machine is shared, so run it several times.

    .venv/bin/python bench/chat_bench.py [--concurrency 8] [--duration 8 | --turns 400] [--rounds 3]
        [--replicas 1] [--litellm [VENV]] [--profile DIR] [--json]

`--litellm` without a path uses (and on first use creates, with `pip install 'litellm[proxy]'`)
bench/.litellm-venv, which ignores itself in git. LiteLLM runs offline: LITELLM_LOCAL_MODEL_COST_MAP=true,
a master key, no database. `--profile DIR` samples the router, guard, emotion, memory and audit processes
with py-spy during one extra governed phase and prints each one's top functions by own time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_LITELLM_VENV = BENCH_DIR / ".litellm-venv"
FAKE_API_KEY = "bench-key"
LITELLM_MASTER_KEY = "sk-infrafabric-bench"
BENCH_TENANT, BENCH_USER = "bench", "bench-user"
MODEL = "bench-model"  # the name every path sends to the fake, so its replies are the same size everywhere
PROVIDER_MODEL = "bench-llm"
# Ordinary, harmless questions: nothing Guard blocks and no crisis, so every turn takes the full answer path.
MESSAGES = (
    "What is a good way to learn to cook simple vegetarian dinners during a busy week?",
    "Can you explain how a bicycle gear system works, in a few sentences?",
    "I'm planning a weekend trip to the mountains. What should I pack for cool weather?",
    "How do I keep basil growing on a kitchen windowsill?",
    "Summarise the difference between a list and a tuple in Python.",
    "What are some tips for writing a clear email to a colleague about a delayed project?",
)
SESSION_TURNS = 10  # a worker starts a new conversation every this many turns, so history stays realistic


# ----------------------------------------------------------------------------------------------- statistics
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@dataclass
class PathResult:
    """Latencies (ms) and throughput of one path over all rounds."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    round_rates: list[float] = field(default_factory=list)
    calls: int = 0
    seconds: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def summary(self, baseline: PathResult | None) -> dict[str, object]:
        p50, p99 = percentile(self.latencies_ms, 0.5), percentile(self.latencies_ms, 0.99)
        out: dict[str, object] = {
            "calls": self.calls,
            "calls_per_s": round(self.rate, 1),
            "calls_per_s_rounds": [round(r, 1) for r in self.round_rates],
            "p50_ms": round(p50, 2),
            "p99_ms": round(p99, 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
            "errors": dict(self.errors),
        }
        if self.outcomes:
            out["outcomes"] = dict(self.outcomes)
        if baseline is not None and baseline.latencies_ms:
            out["added_p50_ms"] = round(p50 - percentile(baseline.latencies_ms, 0.5), 2)
            out["added_p99_ms"] = round(p99 - percentile(baseline.latencies_ms, 0.99), 2)
        return out


async def drive(
    call: Callable[[int, int], Awaitable[str | None]], concurrency: int, *, turns: int | None, duration: float
) -> tuple[list[float], float, Counter[str], Counter[str]]:
    """`concurrency` workers call `call(worker, i)` until `turns` calls (or `duration` seconds) are done.

    `call` returns an outcome label (or None) and raises on failure. Returns latencies of successful calls
    (ms), elapsed seconds, error counts by type and outcome counts.
    """
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    issued = 0
    start = time.perf_counter()
    stop_at = start + duration

    async def worker(w: int) -> None:
        nonlocal issued
        i = 0
        while True:
            if turns is not None:
                if issued >= turns:
                    return
                issued += 1
            elif time.perf_counter() >= stop_at:
                return
            t0 = time.perf_counter()
            try:
                outcome = await call(w, i)
            except Exception as exc:  # noqa: BLE001 - counted and reported, the bench goes on
                errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            else:
                latencies.append((time.perf_counter() - t0) * 1000)
                if outcome:
                    outcomes[outcome] += 1
            i += 1

    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return latencies, time.perf_counter() - start, errors, outcomes


# ----------------------------------------------------------------------------------------------- processes
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (from /proc), to attribute cost per turn."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeProvider:
    """The fake OpenAI-compatible server in its own process, as the Router and LiteLLM see a real one."""

    def __init__(self, latency: float) -> None:
        argv = [sys.executable, "-m", "infrafabric.testing.fake_openai", "--port", "0", "--api-key", FAKE_API_KEY]
        if latency:
            argv += ["--latency", str(latency)]
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError("the fake OpenAI server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def write_bench_files(work: Path) -> tuple[Path, Path]:
    """A registry whose every tier is served by the fake, and budgets no bench run can exhaust."""
    models = work / "models.yaml"
    entries = "\n".join(
        f"  - {{id: {MODEL if tier == 'mechanical' else f'{MODEL}-{tier}'}, provider: local, provider_model: {PROVIDER_MODEL},"
        f" tier: {tier}, context_window: 131072, max_output_tokens: 8192, input_price_per_mtok: 0.1, output_price_per_mtok: 0.2}}"
        for tier in ("mechanical", "frontier", "apex")
    )
    models.write_text(
        "providers:\n  local: {kind: openai_compatible, base_url_env: LOCAL_LLM_BASE_URL, api_key_env: LOCAL_LLM_API_KEY}\n"
        f"models:\n{entries}\n"
    )
    budgets = work / "budgets.yaml"
    budgets.write_text(
        "tenant:\n  day: {tokens: 1000000000000, cost_usd: 1000000000.0}\n"
        "user:\n  hour: {tokens: 1000000000000}\n  day: {tokens: 1000000000000, cost_usd: 1000000000.0}\n"
    )
    return models, budgets


def mesh_overrides(data_dir: Path, models: Path, budgets: Path, replicas: int) -> dict[str, object]:
    unlimited = {"rate_limit": {"route": {"requests": 100_000_000, "per_seconds": 60},
                                "per_user": {"requests": 100_000_000, "per_seconds": 60}}}
    scaled = {"replicas": replicas, **unlimited}
    return {
        "data_dir": str(data_dir),
        "listen": {"port": 0},
        "admin": {"port": 0},
        "services": {
            "guard": scaled,
            "memory": scaled,
            "emotion": scaled,
            "audit": unlimited,  # a single writer by design
            "router": {**scaled, "settings": {"models_file": str(models), "budgets_file": str(budgets)}},
        },
    }


# ----------------------------------------------------------------------------------------------- LiteLLM
def ensure_litellm_venv(path: Path) -> Path:
    """The venv's `litellm` binary; creates the venv (pip install 'litellm[proxy]') on first use."""
    binary = path / "bin" / "litellm"
    if binary.exists():
        return binary
    print(f"creating {path} and installing litellm[proxy] (a few minutes) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    (path / ".gitignore").write_text("*\n")  # the venv keeps itself out of git
    subprocess.run([str(path / "bin" / "pip"), "install", "-q", "litellm[proxy]"], check=True)
    return binary


class LiteLLMProxy:
    """`litellm --config cfg.yaml --port P`, offline, with a master key and no database."""

    def __init__(self, binary: Path, fake_url: str, work: Path, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = work / "litellm.yaml"
        cfg.write_text(
            "model_list:\n"
            f"  - model_name: {MODEL}\n"
            "    litellm_params:\n"
            f"      model: openai/{PROVIDER_MODEL}\n"
            f"      api_base: {fake_url}/v1\n"
            f"      api_key: {FAKE_API_KEY}\n"
            "general_settings:\n"
            f"  master_key: {LITELLM_MASTER_KEY}\n"
        )
        self.log_path = work / "litellm.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DATABASE_URL", "LITELLM_"))}
        env.update({
            "LITELLM_LOCAL_MODEL_COST_MAP": "true",  # do not fetch the model price map from GitHub
            "LITELLM_MASTER_KEY": LITELLM_MASTER_KEY,
            "LITELLM_TELEMETRY": "False",
            "NO_DOCS": "True",
            "PYTHONUNBUFFERED": "1",
        })
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        argv = [str(binary), "--config", str(cfg), "--port", str(self.port), "--host", "127.0.0.1"]
        if workers > 1:
            argv += ["--num_workers", str(workers)]
        self.started = time.monotonic()
        self.process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.startup_seconds = 0.0

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"litellm exited ({self.process.returncode}) at start: see {self.log_path}\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/liveliness", timeout=1) as resp:
                    if resp.status == 200:
                        self.startup_seconds = time.monotonic() - self.started
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"litellm not ready after {timeout:.0f} s: see {self.log_path}\n{self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def pids(self) -> list[int]:
        """The proxy and its worker processes (uvicorn forks with --num_workers)."""
        out = [self.process.pid]
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid or int(fields[3]) == self.process.pid:  # ppid or pgid
                pid = int(status.parent.name)
                if pid not in out:
                    out.append(pid)
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the uvicorn workers go too
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# ----------------------------------------------------------------------------------------------- profiling
def start_pyspy(pids: dict[str, int], seconds: float, out_dir: Path) -> dict[str, subprocess.Popen[bytes]]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    out_dir.mkdir(parents=True, exist_ok=True)
    procs = {}
    for name, pid in pids.items():
        procs[name] = subprocess.Popen(
            [py_spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "100",
             "--format", "raw", "--output", str(out_dir / f"{name}.txt")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
    return procs


def summarize_profile(path: Path, top: int) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """(samples, top functions by own time, top project/library areas by inclusive time) of a collapsed-stack file."""
    own: Counter[str] = Counter()
    area: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        own[_short(frames[-1])] += count
        for label in {_area(f) for f in frames} - {None}:
            area[label] += count  # type: ignore[index]

    def share(counts: Counter[str]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / total, 1)) for k, v in counts.most_common(top)]

    return total, share(own), share(area)


def _short(frame: str) -> str:
    """`func (path/to/module.py:123)` -> `func (module.py)`."""
    func, _, where = frame.partition(" (")
    file = where.rsplit(":", 1)[0]
    parts = Path(file).parts
    return f"{func} ({'/'.join(parts[-2:])})"


def _area(frame: str) -> str | None:
    """A coarse bucket for inclusive time: the package directory of a frame (py-spy shortens paths to it)."""
    _, _, where = frame.partition(" (")
    parts = where.rsplit(":", 1)[0].split("/")[:-1]
    # The event loop, the thread pool and the service entry point are in every stack: they say nothing.
    if not parts or parts == ["server"] or parts[0].startswith("<") or parts[0] in ("asyncio", "concurrent"):
        return None
    return "/".join(parts[:2])


# ----------------------------------------------------------------------------------------------- the bench
async def run(args: argparse.Namespace) -> dict[str, object]:
    import grpc
    import openai
    from infrafabric.clients import RouterClient
    from infrafabric.mesh.auth import signing_key
    from infrafabric.mesh.config import load_mesh_config
    from infrafabric.mesh.launcher import Mesh
    from infrafabric.router.v1 import router_service_pb2 as rpb

    work = Path(tempfile.mkdtemp(prefix="ifchatbench-"))
    fake = FakeProvider(args.provider_latency)
    mesh = litellm = None
    try:
        models, budgets = write_bench_files(work)
        config = load_mesh_config(None, mesh_overrides(work / "mesh", models, budgets, args.replicas))
        provider_env = {"LOCAL_LLM_API_KEY": FAKE_API_KEY, "LOCAL_LLM_BASE_URL": f"{fake.url}/v1", "INFRAFABRIC_GRACE_SECONDS": "1"}
        mesh = Mesh(config, service_env=provider_env)
        if args.litellm is not None:  # start LiteLLM first: its start-up is slow and overlaps the mesh's
            venv = DEFAULT_LITELLM_VENV if args.litellm == "auto" else Path(args.litellm)
            litellm = LiteLLMProxy(ensure_litellm_venv(venv), fake.url, work, args.litellm_workers)
        print(f"starting a mesh (replicas {args.replicas}) in {work} ...", file=sys.stderr)
        t0 = time.monotonic()
        mesh.start(timeout=240)
        mesh_start = time.monotonic() - t0
        if litellm is not None:
            litellm.wait_ready(timeout=240)
            print(f"litellm ready in {litellm.startup_seconds:.1f} s", file=sys.stderr)
        token = signing_key(mesh.data_dir).mint(config.auth, tenant=BENCH_TENANT, user=BENCH_USER, ttl_seconds=24 * 3600)

        # One client per path, shared by the workers, as an application would hold them.
        direct = openai.AsyncOpenAI(api_key=FAKE_API_KEY, base_url=f"{fake.url}/v1", max_retries=0, timeout=60)
        via_litellm = (openai.AsyncOpenAI(api_key=LITELLM_MASTER_KEY, base_url=f"{litellm.url}/v1", max_retries=0, timeout=60)
                       if litellm else None)
        channel = grpc.aio.insecure_channel(mesh.target)
        router = RouterClient(channel=channel, token=token, timeout=60)
        run_id = f"{os.getpid()}-{int(time.time())}"
        provider_ms: list[float] = []  # the provider call's own time inside governed turns, as the Router timed it

        def session(w: int, i: int) -> str:
            return f"bench-{run_id}-w{w}-s{i // SESSION_TURNS}"

        async def call_openai(client: openai.AsyncOpenAI, w: int, i: int) -> str | None:
            reply = await client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": MESSAGES[(w + i) % len(MESSAGES)]}], max_tokens=256,
            )
            if not reply.choices[0].message.content:
                raise RuntimeError("empty reply")
            return None

        async def call_governed(w: int, i: int) -> str | None:
            reply = await router.chat(session(w, i), MESSAGES[(w + i) % len(MESSAGES)], max_output_tokens=256)
            label = rpb.Outcome.Name(reply.outcome)
            provider_ms.extend(a.latency_ms for a in reply.attempts)
            if reply.degradations:
                label += " [" + ",".join(reply.degradations) + "]"
            return label

        paths: dict[str, Callable[[int, int], Awaitable[str | None]]] = {
            "direct": lambda w, i: call_openai(direct, w, i),
            "governed": call_governed,
        }
        if via_litellm is not None:
            paths["litellm"] = lambda w, i: call_openai(via_litellm, w, i)

        print("warming up ...", file=sys.stderr)
        for fn in paths.values():
            await drive(fn, args.concurrency, turns=max(4 * args.concurrency, 40), duration=0)

        # Processes whose CPU a governed turn costs, to say where the time goes.
        cpu_pids = {c.name: c.pid for c in mesh.children} | {"fake-provider": fake.process.pid, "bench-client": os.getpid()}
        governed_cpu: Counter[str] = Counter()
        litellm_cpu: Counter[str] = Counter()
        results = {name: PathResult(name) for name in paths}
        for r in range(args.rounds):
            for name, fn in paths.items():
                watched = cpu_pids if name == "governed" else (
                    {f"litellm-{i}": p for i, p in enumerate(litellm.pids())} | {"fake-provider": fake.process.pid,
                                                                                   "bench-client": os.getpid()}
                    if name == "litellm" and litellm else {})
                before = {k: cpu_seconds(p) for k, p in watched.items()}
                lat, secs, errs, outs = await drive(fn, args.concurrency, turns=args.turns, duration=args.duration)
                res = results[name]
                res.latencies_ms += lat
                res.seconds += secs
                res.calls += len(lat)
                res.round_rates.append(len(lat) / secs if secs else 0.0)
                res.errors.update(errs)
                res.outcomes.update(outs)
                sink = governed_cpu if name == "governed" else litellm_cpu
                for k, p in watched.items():
                    sink[k] += cpu_seconds(p) - before[k]
                print(f"round {r + 1}/{args.rounds} {name:<9} {res.round_rates[-1]:8.1f} calls/s  "
                      f"p50 {percentile(lat, 0.5):7.2f} ms  p99 {percentile(lat, 0.99):7.2f} ms  errors {sum(errs.values())}",
                      file=sys.stderr)

        profile: dict[str, object] = {}
        if args.profile:
            wanted = {c.name: c.pid for c in mesh.children if c.name.split("-")[0] in ("router", "guard", "emotion", "memory", "audit")}
            secs = max(5.0, args.duration)
            print(f"profiling {', '.join(wanted)} with py-spy for {secs:.0f} s of governed load ...", file=sys.stderr)
            spies = start_pyspy(wanted, secs, Path(args.profile))
            await drive(call_governed, args.concurrency, turns=None, duration=secs + 1)
            for name, proc in spies.items():
                _, err = proc.communicate(timeout=60)
                path = Path(args.profile) / f"{name}.txt"
                if proc.returncode != 0 or not path.exists():
                    profile[name] = {"error": err.decode(errors="replace").strip()[-300:]}
                    continue
                samples, own, areas = summarize_profile(path, args.profile_top)
                profile[name] = {"samples": samples, "top_own_pct": own, "top_inclusive_pct": areas}

        await channel.close()
        await direct.close()
        if via_litellm is not None:
            await via_litellm.close()
    finally:
        if litellm is not None:
            litellm.stop()
        if mesh is not None:
            mesh.stop()
        fake.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    base = results["direct"]
    summary: dict[str, object] = {
        "concurrency": args.concurrency,
        "replicas": args.replicas,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg()[0],
        "mesh_start_s": round(mesh_start, 1),
        "paths": {name: res.summary(None if name == "direct" else base) for name, res in results.items()},
        "governed_provider_attempt_ms": {"p50": round(percentile(provider_ms, 0.5), 2),
                                         "p99": round(percentile(provider_ms, 0.99), 2)},
        "cpu_ms_per_governed_turn": {k: round(1000 * v / max(1, results["governed"].calls), 2)
                                     for k, v in sorted(governed_cpu.items(), key=lambda kv: -kv[1])},
    }
    if litellm is not None:
        summary["litellm_start_s"] = round(litellm.startup_seconds, 1)
        summary["litellm_workers"] = args.litellm_workers
        summary["cpu_ms_per_litellm_call"] = {k: round(1000 * v / max(1, results["litellm"].calls), 2)
                                              for k, v in sorted(litellm_cpu.items(), key=lambda kv: -kv[1])}
        summary["governed_over_litellm_calls_per_s"] = round(results["governed"].rate / results["litellm"].rate, 3) \
            if results["litellm"].rate else None
    if profile:
        summary["profile"] = profile
    return summary


def report(summary: dict[str, object]) -> None:
    paths: dict[str, dict[str, object]] = summary["paths"]  # type: ignore[assignment]
    print(f"\nconcurrency {summary['concurrency']}, replicas {summary['replicas']}, {summary['rounds']} rounds, "
          f"{summary['cpus']} CPUs, load average at end {summary['loadavg_at_end']:.2f}")
    print(f"{'path':<10} {'calls':>6} {'calls/s':>9} {'per round':>22} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'+p50 ms':>8} {'+p99 ms':>8}  errors / outcomes")
    for name, r in paths.items():
        rounds = "/".join(f"{x:.0f}" for x in r["calls_per_s_rounds"])  # type: ignore[attr-defined]
        extra = r.get("outcomes") or ""
        errs = sum(r["errors"].values())  # type: ignore[attr-defined]
        print(f"{name:<10} {r['calls']:>6} {r['calls_per_s']:>9} {rounds:>22} {r['p50_ms']:>8} {r['p99_ms']:>8} "
              f"{r.get('added_p50_ms', '-'):>8} {r.get('added_p99_ms', '-'):>8}  {errs} {extra}")
        for err, n in r["errors"].items():  # type: ignore[attr-defined]
            print(f"           {n} x {err}")
    attempt = summary["governed_provider_attempt_ms"]
    print(f"\nprovider call inside governed turns (Router's own timing, incl. warm-up): p50 {attempt['p50']} ms, "  # type: ignore[index]
          f"p99 {attempt['p99']} ms")  # type: ignore[index]
    print("CPU ms per governed turn, by process:",
          ", ".join(f"{k} {v}" for k, v in summary["cpu_ms_per_governed_turn"].items()))  # type: ignore[attr-defined]
    if "cpu_ms_per_litellm_call" in summary:
        print("CPU ms per LiteLLM call, by process:",
              ", ".join(f"{k} {v}" for k, v in summary["cpu_ms_per_litellm_call"].items()))  # type: ignore[attr-defined]
        ratio = summary["governed_over_litellm_calls_per_s"]
        print(f"\ngoverned turns/s / LiteLLM turns/s = {ratio}  (issue 7 aims at 15)   "
              f"LiteLLM start-up {summary['litellm_start_s']} s, workers {summary['litellm_workers']}")
    for name, prof in (summary.get("profile") or {}).items():  # type: ignore[attr-defined]
        if "error" in prof:
            print(f"\npy-spy {name}: {prof['error']}")
            continue
        print(f"\npy-spy {name}: {prof['samples']} samples; own time:")
        for func, pct in prof["top_own_pct"]:
            print(f"   {pct:5.1f}%  {func}")
        print("  inclusive, by package:", ", ".join(f"{a} {p}%" for a, p in prof["top_inclusive_pct"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients on every path")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per path per round (unless --turns)")
    parser.add_argument("--turns", type=int, default=None, help="calls per path per round instead of a duration")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of every path")
    parser.add_argument("--replicas", type=int, default=1, help="replicas of router, guard, emotion and memory")
    parser.add_argument("--provider-latency", type=float, default=0.0, help="seconds the fake waits before replying")
    parser.add_argument("--litellm", nargs="?", const="auto", default=None, metavar="VENV",
                        help=f"also measure LiteLLM's proxy from this venv (default {DEFAULT_LITELLM_VENV}, created on demand)")
    parser.add_argument("--litellm-workers", type=int, default=1, help="litellm --num_workers (default 1: the plain proxy)")
    parser.add_argument("--profile", metavar="DIR", help="py-spy the services during one extra governed phase; stacks go to DIR")
    parser.add_argument("--profile-top", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (mesh logs, litellm.log)")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()
    if args.concurrency < 1 or args.rounds < 1 or (args.turns is not None and args.turns < 1):
        parser.error("--concurrency, --rounds and --turns must be at least 1")
    summary = asyncio.run(run(args))
    report(summary)
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
