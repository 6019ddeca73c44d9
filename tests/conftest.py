"""Test fixtures shared by the whole suite.

The mesh (real Valkey, real service processes, real Envoy) is started once per test session by the
same launcher `infrafabric up` uses, on free ports, with its state in a temporary directory, and
stopped at the end. Tests talk to it only through Envoy, with tokens minted by the mesh's own key.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from infrafabric.mesh.auth import signing_key
from infrafabric.mesh.config import MeshConfig, load_mesh_config
from infrafabric.mesh.launcher import Mesh

# The user whose per-user rate limit is tiny, so the limit can be hit without slowing other tests.
RATE_LIMITED_USER = "rl-probe"
RATE_LIMITED_REQUESTS = 3
# The user load tests run as: far above the default per-user limit.
LOAD_TEST_USER = "load-tester"
FAKE_API_KEY = "test-key"
TEST_DATA = Path(__file__).with_name("data")


def mesh_overrides(data_dir: Path) -> dict[str, object]:
    limited = {"rate_limit": {"user_overrides": {RATE_LIMITED_USER: RATE_LIMITED_REQUESTS, LOAD_TEST_USER: 1_000_000}}}
    return {
        "data_dir": str(data_dir),
        "listen": {"port": 0},
        "admin": {"port": 0},
        "services": {
            "guard": {"replicas": 2, **limited},
            "memory": limited,
            "emotion": limited,
            "audit": limited,
            "router": {
                **limited,
                "settings": {"models_file": str(TEST_DATA / "models.yaml"), "budgets_file": str(TEST_DATA / "budgets.yaml")},
            },
        },
        "health_check": {"interval_seconds": 0.5, "timeout_seconds": 0.5},
    }


class FakeProvider:
    """A fake provider API server (infrafabric.testing) in its own process, as the Router sees real ones."""

    def __init__(self, module: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"infrafabric.testing.{module}", "--port", "0", "--api-key", FAKE_API_KEY],
            stdout=subprocess.PIPE, text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.process.kill()
            raise RuntimeError(f"{module} did not start")

    def control(self, **settings: object) -> None:
        """Script the fake (fail_next, latency, replies) through its admin endpoint."""
        import json
        import urllib.request

        req = urllib.request.Request(f"{self.url}/_fake/control", data=json.dumps(settings).encode(), method="POST",
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=5):
            pass

    def reset(self) -> None:
        import urllib.request

        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/_fake/reset", method="POST"), timeout=5):
            pass

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture(scope="session")
def fake_providers() -> Iterator[dict[str, FakeProvider]]:
    fakes = {"anthropic": FakeProvider("fake_anthropic"), "openai": FakeProvider("fake_openai")}
    try:
        yield fakes
    finally:
        for fake in fakes.values():
            fake.stop()


@pytest.fixture(scope="session")
def mesh(tmp_path_factory: pytest.TempPathFactory, fake_providers: dict[str, FakeProvider]) -> Iterator[Mesh]:
    data_dir = tmp_path_factory.mktemp("mesh")
    config = load_mesh_config(None, mesh_overrides(data_dir))
    provider_env = {
        "ANTHROPIC_API_KEY": FAKE_API_KEY,
        "ANTHROPIC_BASE_URL": fake_providers["anthropic"].url,
        "LOCAL_LLM_API_KEY": FAKE_API_KEY,
        "LOCAL_LLM_BASE_URL": fake_providers["openai"].url + "/v1",
    }
    running = Mesh(config, service_env={"INFRAFABRIC_GRACE_SECONDS": "1", **provider_env})
    running.start(timeout=120)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def mesh_config(mesh: Mesh) -> MeshConfig:
    return mesh.config


@pytest.fixture(scope="session")
def token(mesh: Mesh) -> Callable[..., str]:
    """token(tenant="t1", user="alice", role="user") -> a JWT the mesh accepts."""
    key = signing_key(mesh.data_dir)

    def mint(tenant: str = "tenant-a", user: str = "alice", role: str = "user", ttl_seconds: int = 3600) -> str:
        return key.mint(mesh.config.auth, tenant=tenant, user=user, role=role, ttl_seconds=ttl_seconds)

    return mint


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    import sys

    return Path(sys.executable).parent


@pytest.fixture
def clean_env() -> dict[str, str]:
    """The environment for CLI subprocesses, without the user's InfraFabric settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("INFRAFABRIC_") and k != "REDIS_URL"}
