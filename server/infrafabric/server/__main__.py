"""Run one InfraFabric service: `python -m infrafabric.server <service> [--port N] [--config FILE]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

import uvloop
from infrafabric.server._common.server import serve
from infrafabric.server._common.settings import SettingsError, load_settings
from infrafabric.server.registry import SERVICES, load_all_descriptors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrafabric.server", description=__doc__)
    parser.add_argument("service", choices=sorted(SERVICES))
    parser.add_argument("--port", type=int, help="port to bind (overrides INFRAFABRIC_PORT; 0 picks a free one)")
    parser.add_argument("--config", help="YAML settings file (default: $INFRAFABRIC_CONFIG)")
    args = parser.parse_args(argv)
    spec = SERVICES[args.service]
    if args.port is not None:
        os.environ["INFRAFABRIC_PORT"] = str(args.port)
    try:
        settings = load_settings(spec.settings_cls, args.config)
    except SettingsError as exc:
        print(f"infrafabric-{spec.name}: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format=f"%(asctime)s {spec.name} %(levelname)s %(name)s: %(message)s",
    )
    load_all_descriptors()
    try:
        # uvloop: a gRPC call through grpc.aio costs noticeably less CPU on it (bench/memory_bench.py).
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(spec, settings))
    except OSError as exc:
        print(f"infrafabric-{spec.name}: {exc}", file=sys.stderr)
        return 1
    except (ValueError, LookupError) as exc:
        # A bad data or configuration file found while building the service (a persona, a policy,
        # the model registry): one line naming it, not a traceback. DEBUG logging keeps the trace.
        logging.getLogger(__name__).debug("start-up failed", exc_info=True)
        print(f"infrafabric-{spec.name}: cannot start: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
