"""SIGKILL in the middle of appending: every acknowledged entry survives and the log verifies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from infrafabric.server.audit.log import AuditLog
from infrafabric.transparency import verify_export, verify_receipt
from infrafabric.transparency.verify import Receipt

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from infrafabric.server.audit.log import AuditEvent, AuditLog

    async def main(path):
        log = AuditLog.open(path, segment_entries=64)
        counter = iter(range(10**9))

        async def writer(w):
            while True:
                n = next(counter)
                r = await log.append_one(AuditEvent("crash.test", "acme", session_id=f"w{w}", payload={"n": n, "pad": "x" * (n % 200)}))
                # Printed only after append returned, i.e. after fsync: this is the acknowledgement.
                print(r.index, n, r.to_json(), flush=True)

        await asyncio.gather(*[writer(w) for w in range(8)])

    asyncio.run(main(sys.argv[1]))
    """
)


def _run_and_kill(data: Path, script: Path, min_acks: int) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, str(script), str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acks: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while len(acks) < min_acks and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            acks.append(line)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        # Lines already in the pipe before the kill are acknowledgements too. Read them through the
        # same buffered reader (communicate() would skip what readline() already buffered).
        acks += proc.stdout.readlines()
        assert proc.stderr is not None
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    assert proc.returncode == -signal.SIGKILL, err
    return [
        a for a in acks if a.endswith("\n")
    ]  # a torn final line was not a complete ack


def test_sigkill_loses_no_acknowledged_entry(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    data = tmp_path / "data"
    all_acks: dict[int, int] = {}
    receipts: list[Receipt] = []
    for round_ in range(
        2
    ):  # kill twice: recovery must also survive a crash after a recovery
        for line in _run_and_kill(data, script, min_acks=300):
            index, n, receipt = line.split(" ", 2)
            all_acks[int(index)] = int(n)
            receipts.append(Receipt.from_json(receipt))
        assert len(all_acks) >= 300 * (round_ + 1)

    async def check() -> None:
        log = AuditLog.open(data)
        try:
            assert log.size >= max(all_acks) + 1
            for index, n in all_acks.items():
                assert log.get(index).payload["n"] == n
            assert log.fsck().ok
            for r in receipts[:: max(1, len(receipts) // 50)]:
                assert verify_receipt(r, log.verifier_key).ok
                # The old receipt's tree is a prefix of today's tree.
                p = log.consistency_proof(r.tree_size)
                from infrafabric.transparency import verify_consistency

                assert verify_consistency(
                    r.tree_size,
                    log.size,
                    r.root_hash,
                    log.checkpoint.root_hash,
                    list(p.hashes),
                )
            log.export(tmp_path / "exp")
            res = verify_export(tmp_path / "exp", log.verifier_key)
            assert res.ok, res
        finally:
            await log.close()

    asyncio.run(check())
