"""`infrafabric` subcommands of this service (placeholder until built)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_commands(sub: Any, add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Register this service's subcommands; `add(name, help)` creates one with --config/--data-dir."""
