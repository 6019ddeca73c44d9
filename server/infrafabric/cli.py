"""The `infrafabric` command: run the mesh and talk to it.

  infrafabric up [--config mesh.yaml]     start Redis, every service and Envoy in the foreground
  infrafabric status                       each service's health through Envoy (exit 0 only if all serve)
  infrafabric token --tenant T --user U    mint a JWT the mesh accepts
  infrafabric envoy-config                 print the Envoy configuration the mesh would run
  infrafabric audit ...                    verify receipts and exported logs offline, export, verifier key
  infrafabric chat [MESSAGE]               a governed chat turn (interactive without MESSAGE)
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from infrafabric.mesh.config import SERVICE_NAMES, MeshConfig, MeshConfigError, load_mesh_config


def _load(args: argparse.Namespace) -> MeshConfig:
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    return load_mesh_config(args.config, overrides)


def cmd_up(args: argparse.Namespace) -> int:
    from infrafabric.mesh.auth import signing_key
    from infrafabric.mesh.launcher import Mesh

    config = _load(args)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    mesh = Mesh(config, progress=lambda msg: print(f"  {msg}", flush=True))
    print(f"InfraFabric: starting the mesh (data in {mesh.data_dir})", flush=True)
    mesh.start()
    if not args.no_demo:
        _demo_turn(mesh)
    token_hint = "infrafabric token --tenant demo --user alice"
    print(
        "\nInfraFabric is up.\n"
        f"  gRPC + REST (Envoy)  {mesh.target}\n"
        f"  Envoy admin          {mesh.admin_url}\n"
        f"  Redis                {mesh.redis_url}\n"
        f"  logs                 {mesh.data_dir / 'logs'}\n"
        f"  JWT signing key id   {signing_key(mesh.data_dir).kid}\n"
        f"Get a token with `{token_hint}`; check health with `infrafabric status`. Ctrl-C stops everything.",
        flush=True,
    )
    try:
        while not stop.wait(1.0):
            for event in mesh.supervise():
                print(f"  {event}", flush=True)
    finally:
        print("InfraFabric: stopping ...", flush=True)
        mesh.stop()
        print("InfraFabric: stopped.", flush=True)
    return 0


def _demo_turn(mesh: Any) -> None:
    """One governed turn through Envoy, so the first start shows the whole pipeline working."""
    import asyncio

    from infrafabric.clients import InfraFabricError, RouterClient
    from infrafabric.mesh.auth import signing_key
    from infrafabric.router.v1 import router_service_pb2 as pb

    token = signing_key(mesh.data_dir).mint(mesh.config.auth, tenant="demo", user="demo")
    message = "Hello! What can you do for me?"

    async def turn() -> pb.ChatResponse:
        async with RouterClient(mesh.target, token=token, timeout=60) as router:
            return await router.chat("demo-first-start", message)

    try:
        resp = asyncio.run(turn())
    except InfraFabricError as err:
        print(f"  demo turn failed: {err}", flush=True)
        return
    outcome = pb.Outcome.Name(resp.outcome).removeprefix("OUTCOME_").lower()
    why = f" ({', '.join(resp.degradations)})" if resp.degradations else ""
    print(
        f"\nA governed turn, end to end (tenant demo, user demo):\n"
        f"  you: {message}\n"
        + "".join(f"  assistant: {line}\n" for line in resp.reply.splitlines())
        + f"  outcome {outcome}{why}; model {resp.model or 'none'}; audit receipt {resp.receipt.citation}",
        flush=True,
    )
    if "offline_mode" in resp.degradations:
        print("  (no provider key is set: set ANTHROPIC_API_KEY, or LOCAL_LLM_BASE_URL for vLLM/Ollama, and restart)", flush=True)


def cmd_status(args: argparse.Namespace) -> int:
    from infrafabric.mesh.launcher import health_through_envoy, read_state

    config = _load(args)
    state = read_state(config.data_dir.expanduser())
    target = args.target or (str(state["target"]) if state else f"{config.listen.host}:{config.listen.port}")
    statuses = health_through_envoy(target, list(SERVICE_NAMES), timeout=args.timeout)
    width = max(map(len, statuses))
    print(f"InfraFabric mesh at {target}")
    for name, status in statuses.items():
        print(f"  {name:<{width}}  {status}")
    healthy = all(s == "SERVING" for s in statuses.values())
    print("all services healthy" if healthy else "NOT all services healthy")
    return 0 if healthy else 1


def cmd_token(args: argparse.Namespace) -> int:
    from infrafabric.mesh.auth import signing_key

    config = _load(args)
    print(signing_key(config.data_dir.expanduser()).mint(config.auth, tenant=args.tenant, user=args.user, role=args.role, ttl_seconds=args.ttl))
    return 0


def cmd_envoy_config(args: argparse.Namespace) -> int:
    from infrafabric.mesh import envoy_config
    from infrafabric.mesh.auth import signing_key

    config = _load(args)
    endpoints = {
        name: [("127.0.0.1", svc.ports[i] if svc.ports else 50051 + 10 * n + i) for i in range(svc.replicas)]
        for n, (name, svc) in enumerate(config.services.items())
    }
    rendered = envoy_config.render(config, endpoints, signing_key(config.data_dir.expanduser()).jwks_json())
    sys.stdout.write(envoy_config.dumps(rendered))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="infrafabric", description="InfraFabric: a governed LLM gateway as a gRPC mesh.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", help="mesh configuration YAML (default: $INFRAFABRIC_MESH_CONFIG, else embedded defaults)")
        p.add_argument("--data-dir", type=Path, help="state directory (default: $INFRAFABRIC_DATA_DIR or ~/.local/share/infrafabric)")
        return p

    p = add("up", "start Redis, every service and Envoy in the foreground; Ctrl-C stops them")
    p.add_argument("--no-demo", action="store_true", help="skip the governed demo turn after start-up")
    p.set_defaults(func=cmd_up)
    p = add("status", "show each service's health through Envoy; exit 0 only when all are healthy")
    p.add_argument("--target", help="Envoy address (default: the running mesh's, else listen in the config)")
    p.add_argument("--timeout", type=float, default=2.0)
    p.set_defaults(func=cmd_status)
    p = add("token", "mint a JWT for a tenant, user and role")
    p.add_argument("--tenant", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--role", default="user", help="user (default), auditor, or any role your services know")
    p.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    p.set_defaults(func=cmd_token)
    add("envoy-config", "print the Envoy configuration generated from the mesh configuration").set_defaults(func=cmd_envoy_config)
    # Service-specific commands live with their service.
    from infrafabric.server.audit.cli import add_commands as add_audit_commands
    from infrafabric.server.router.cli import add_commands as add_router_commands

    add_audit_commands(sub, add)
    add_router_commands(sub, add)
    return parser


def main(argv: list[str] | None = None) -> int:
    from infrafabric.mesh.launcher import LaunchError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (MeshConfigError, LaunchError, PermissionError) as exc:
        print(f"infrafabric: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
