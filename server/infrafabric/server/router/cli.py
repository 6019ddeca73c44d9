"""`infrafabric chat`: governed turns against a running mesh, one-shot or interactive."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Callable
from typing import Any


def add_commands(sub: Any, add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = add("chat", "send a message through the governed turn (interactive when no MESSAGE is given)")
    p.add_argument("message", nargs="?", help="the message; omit it to chat interactively (empty line or Ctrl-D ends)")
    p.add_argument("--session", default="", help="conversation id (default: a new one)")
    p.add_argument("--tenant", default="demo")
    p.add_argument("--user", default="cli-user")
    p.add_argument("--token", help="a JWT to use instead of minting one from the local mesh key")
    p.add_argument("--target", help="Envoy address (default: the running mesh's)")
    p.add_argument("--model", default="", help="request a model by id")
    p.add_argument("--persona", default="")
    p.add_argument("--region", default="", help="ISO country code, for crisis helplines")
    p.add_argument("--stream", action="store_true", help="print the answer as it streams")
    p.set_defaults(func=cmd_chat)


def cmd_chat(args: argparse.Namespace) -> int:
    from infrafabric.cli import _load
    from infrafabric.mesh.auth import signing_key
    from infrafabric.mesh.launcher import read_state

    config = _load(args)
    data_dir = config.data_dir.expanduser()
    state = read_state(data_dir)
    target = args.target or (str(state["target"]) if state else f"{config.listen.host}:{config.listen.port}")
    token = args.token or signing_key(data_dir).mint(config.auth, tenant=args.tenant, user=args.user)
    session = args.session or f"cli-{uuid.uuid4().hex[:12]}"
    return asyncio.run(_chat(args, target, token, session))


async def _chat(args: argparse.Namespace, target: str, token: str, session: str) -> int:
    from infrafabric.clients import InfraFabricError, RouterClient
    from infrafabric.router.v1 import router_service_pb2 as pb

    def show(resp: pb.ChatResponse, streamed: bool) -> None:
        if not streamed:
            print(resp.reply)
        meta = [pb.Outcome.Name(resp.outcome).removeprefix("OUTCOME_").lower()]
        if resp.model:
            meta.append(f"model {resp.model}")
        if resp.degradations:
            meta.append("degraded: " + ", ".join(resp.degradations))
        if resp.escalated:
            meta.append("ESCALATED to on-call")
        meta.append(f"receipt {resp.receipt.citation}")
        print(f"  [{'; '.join(meta)}]", file=sys.stderr)

    async with RouterClient(target, token=token, timeout=180) as router:

        async def turn(message: str) -> bool:
            kwargs = {"model": args.model, "persona": args.persona, "region_code": args.region}
            try:
                if args.stream:
                    async for event in router.stream_chat(session, message, **kwargs):
                        if event.HasField("final"):
                            print()
                            show(event.final, streamed=True)
                        else:
                            print(event.delta, end="", flush=True)
                else:
                    show(await router.chat(session, message, **kwargs), streamed=False)
            except InfraFabricError as err:
                detail = f" ({', '.join(f'{k}: {v}' for k, v in err.field_violations.items())})" if err.field_violations else ""
                print(f"infrafabric: {err.code.name}: {err.message}{detail}", file=sys.stderr)
                return False
            return True

        if args.message:
            return 0 if await turn(args.message) else 1
        print(f"session {session} — an empty line or Ctrl-D ends", file=sys.stderr)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, _prompt)
            if not line:
                return 0
            await turn(line)


def _prompt() -> str:
    try:
        return input("you> ").strip()
    except EOFError:
        return ""
