"""The Audit service end to end through Envoy: receipts that verify offline, reads, proofs, tenancy,
bad input, tamper detection by `infrafabric audit verify`, and SIGKILL during appends."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import struct
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import grpc
import pytest

from infrafabric.audit.v1 import audit_service_pb2 as pb
from infrafabric.clients import AuditClient, InfraFabricError
from infrafabric.mesh.launcher import health_through_envoy
from infrafabric.transparency import Entry, verify_checkpoint_consistency, verify_inclusion, verify_receipt
from infrafabric.transparency.proto import load_receipt, receipt_from_proto
from tests.conftest import LOAD_TEST_USER

ORIGIN = "infrafabric.local/audit"
RECORD_HEADER = struct.Struct(">II")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def error_of(call) -> InfraFabricError:  # type: ignore[no-untyped-def]
    with pytest.raises(InfraFabricError) as err:
        await call
    return err.value


@pytest.fixture(scope="module")
def vkey(mesh, token) -> str:
    async def fetch() -> str:
        async with AuditClient(mesh.target, token=token(user="key-reader")) as audit:
            return await audit.get_verifier_key()

    return asyncio.run(fetch())


def cli_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`infrafabric audit ...` in this process (the binary itself is exercised by the other tests)."""
    from infrafabric.cli import main

    capsys.readouterr()
    code = main(["audit", *args])
    return code, capsys.readouterr().out


def run_cli(venv_bin: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv_bin / "infrafabric"), "audit", *args], capture_output=True, text=True, env=env, timeout=60)


# ---------------------------------------------------------------------------------------- append, read


async def test_append_returns_a_receipt_that_verifies_offline(mesh, token, vkey, venv_bin, clean_env, tmp_path):
    tenant = unique("tenant")
    payload = {"n": 1, "ratio": 2.5, "text": "héllo ✓", "nested": {"ok": True, "none": None, "list": [1, "a"]}}
    async with AuditClient(mesh.target, token=token(tenant=tenant, user="alice")) as audit:
        receipt = await audit.append_event("router.turn", payload, session_id="s1", request_id="req-1", refs=["if://memory/x"])
        checkpoint = await audit.get_checkpoint()
    assert receipt.citation == f"if://audit/{ORIGIN}/{receipt.index}"
    assert receipt.tree_size > receipt.index and checkpoint.tree_size >= receipt.tree_size
    result = verify_receipt(receipt_from_proto(receipt), vkey)
    assert result.ok, result.reason
    entry = Entry.decode(receipt.canonical)
    # Identity comes from the token only; whole numbers stay integers through the Struct.
    assert (entry.tenant_id, entry.user_id, entry.session_id, entry.request_id) == (tenant, "alice", "s1", "req-1")
    assert entry.payload == payload and entry.refs == ("if://memory/x",)

    # The same check from the command line, with the key printed offline from the data directory.
    key_out = run_cli(venv_bin, clean_env, "key", "--data-dir", str(mesh.data_dir))
    assert key_out.returncode == 0, key_out.stderr
    assert key_out.stdout.strip() == vkey
    saved = tmp_path / "receipt.json"
    saved.write_text(receipt_from_proto(receipt).to_json())
    ok = run_cli(venv_bin, clean_env, "verify", str(saved), "--key", vkey)
    assert ok.returncode == 0 and ok.stdout.startswith("OK"), ok.stdout + ok.stderr
    forged = json.loads(saved.read_text())
    forged["entry"] = forged["entry"].replace("alice", "mallory")
    saved.write_text(json.dumps(forged))
    bad = run_cli(venv_bin, clean_env, "verify", str(saved), "--key", vkey)
    assert bad.returncode == 1 and "FAILED" in bad.stdout, bad.stdout + bad.stderr


async def test_batch_append_is_all_or_none_with_one_receipt_each(mesh, token, vkey):
    session = unique("batch")
    async with AuditClient(mesh.target, token=token(tenant="acme", user="batcher")) as audit:
        receipts = await audit.append_events([audit.event("batch.item", {"n": i}, session_id=session) for i in range(5)])
        assert [r.index for r in receipts] == list(range(receipts[0].index, receipts[0].index + 5))
        for i, receipt in enumerate(receipts):
            assert verify_receipt(receipt_from_proto(receipt), vkey).ok
            assert json.loads(receipt.canonical)["payload"] == {"n": i}
        bad = [audit.event("batch.item", {"n": 0}, session_id=session), audit.event("", {"n": 1}, session_id=session)]
        err = await error_of(audit.append_events(bad))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "events[1].type" in err.field_violations
        # Nothing of the refused batch was written.
        assert len((await audit.list_entries(session_id=session)).entries) == 5
        err = await error_of(audit.append_events([]))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "events" in err.field_violations


async def test_get_entry_by_index_and_citation(mesh, token):
    async with AuditClient(mesh.target, token=token(tenant=unique("tenant"), user="bob")) as audit:
        await audit.append_event("guard.blocked", {"rule": "first"})  # so the next index is not 0
        receipt = await audit.append_event("guard.blocked", {"rule": "injection"})
        by_index = await audit.get_entry(receipt.index)
        by_citation = await audit.get_entry(citation=receipt.citation)
        assert by_index == by_citation
        assert by_index.canonical == receipt.canonical and by_index.leaf_hash == receipt.leaf_hash
        assert by_index.citation == receipt.citation and by_index.type == "guard.blocked"
        assert dict(by_index.payload) == {"rule": "injection"} and by_index.time.seconds > 0

        size = (await audit.get_checkpoint()).tree_size
        err = await error_of(audit.get_entry(size + 1000))
        assert err.code == grpc.StatusCode.OUT_OF_RANGE and "index" in err.field_violations
        err = await error_of(audit.get_entry(citation=f"if://audit/other.example/log/{receipt.index}"))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "citation" in err.field_violations
        err = await error_of(audit.get_entry(citation="https://example.com/1"))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "citation" in err.field_violations
        err = await error_of(audit.get_entry(receipt.index, citation=receipt.citation))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "index" in err.field_violations


async def test_list_by_session_and_type_with_pagination(mesh, token):
    session, other = unique("session"), unique("session")
    async with AuditClient(mesh.target, token=token(tenant=unique("tenant"), user="carol")) as audit:
        expected = []
        for i in range(5):
            expected.append((await audit.append_event("turn.in", {"i": i}, session_id=session)).index)
            await audit.append_event("turn.out", {"i": i}, session_id=session)
            await audit.append_event("turn.in", {"i": i}, session_id=other)
        seen, token_, pages = [], "", 0
        while True:
            page = await audit.list_entries(session_id=session, type="turn.in", page_size=2, page_token=token_)
            pages += 1
            assert len(page.entries) <= 2
            seen += [e.index for e in page.entries]
            assert all(e.session_id == session and e.type == "turn.in" for e in page.entries)
            token_ = page.next_page_token
            if not token_:
                break
        assert seen == expected and pages == 3
        everything = await audit.list_entries(session_id=session, page_size=1000)
        assert len(everything.entries) == 10 and not everything.next_page_token
        assert [e.index for e in everything.entries] == sorted(e.index for e in everything.entries)
        # Time filters: [start, end) around the entries of this test.
        first = everything.entries[0].time
        in_range = await audit.list_entries(session_id=session, start_time=first.ToDatetime(), page_size=1000)
        assert len(in_range.entries) == 10
        before = await audit.list_entries(session_id=session, end_time=first.ToDatetime())
        assert list(before.entries) == []
        err = await error_of(audit.list_entries(page_token="not-a-token"))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in err.field_violations
        # A token is bound to its filters.
        err = await error_of(audit.list_entries(session_id=other, page_token=token_ or _first_token(page)))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT


def _first_token(page: pb.ListEntriesResponse) -> str:
    return page.next_page_token or "eyJpIjogMSwgImYiOiAiMDAwMCJ9"  # well-formed but for other filters


async def test_follow_streams_existing_then_new_entries(mesh, token):
    session = unique("follow")
    async with AuditClient(mesh.target, token=token(tenant=unique("tenant"), user="dave")) as audit:
        first = await audit.append_event("follow.test", {"n": 0}, session_id=session)
        stream = audit.follow_entries(first.index, session_id=session)
        try:
            existing = await asyncio.wait_for(anext(stream), 10)
            assert existing.index == first.index
            second = await audit.append_event("follow.test", {"n": 1}, session_id=session)
            new = await asyncio.wait_for(anext(stream), 10)
            assert new.index == second.index and new.canonical == second.canonical
        finally:
            await stream.aclose()  # cancels the call; the server side ends with it


async def test_consistency_and_inclusion_proofs_verify(mesh, token, vkey):
    async with AuditClient(mesh.target, token=token(tenant=unique("tenant"), user="erin")) as audit:
        await audit.append_event("proof.test", {"n": 0})
        old = await audit.get_checkpoint()
        receipts = [await audit.append_event("proof.test", {"n": n}) for n in range(1, 4)]
        new = await audit.get_checkpoint()
        assert new.tree_size >= old.tree_size + 3
        proof = await audit.get_consistency_proof(old.tree_size, new.tree_size)
        assert (proof.first_root, proof.second_root) == (old.root_hash, new.root_hash)
        result = verify_checkpoint_consistency(old.checkpoint, new.checkpoint, list(proof.proof), vkey)
        assert result.ok, result.reason
        # The same proof does not verify against a different (earlier) size.
        assert not verify_checkpoint_consistency(old.checkpoint, new.checkpoint, list(proof.proof)[1:], vkey).ok

        inc = await audit.get_inclusion_proof(receipts[0].index, new.tree_size)
        assert inc.leaf_hash == receipts[0].leaf_hash and inc.root_hash == new.root_hash
        assert verify_inclusion(inc.index, inc.tree_size, inc.leaf_hash, list(inc.proof), new.root_hash)
        latest = await audit.get_inclusion_proof(receipts[0].index)
        assert latest.tree_size >= new.tree_size

        err = await error_of(audit.get_consistency_proof(new.tree_size + 1, new.tree_size))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "first_size" in err.field_violations
        err = await error_of(audit.get_inclusion_proof(receipts[0].index, new.tree_size + 10**6))
        assert err.code == grpc.StatusCode.OUT_OF_RANGE


async def test_tenant_isolation_and_auditor(mesh, token):
    tenant_a, tenant_b = unique("tenant-a"), unique("tenant-b")
    session = unique("shared-session")
    async with (
        AuditClient(mesh.target, token=token(tenant=tenant_a, user="alice")) as a,
        AuditClient(mesh.target, token=token(tenant=tenant_b, user="bob")) as b,
        AuditClient(mesh.target, token=token(tenant="ops", user="auditor-1", role="auditor")) as auditor,
    ):
        secret = await a.append_event("secret.event", {"card": "4111"}, session_id=session)
        mine = await b.append_event("b.event", {}, session_id=session)

        for call in (
            lambda: b.get_entry(secret.index),
            lambda: b.get_entry(citation=secret.citation),
            lambda: b.get_inclusion_proof(secret.index),
        ):
            err = await error_of(call())
            assert err.code == grpc.StatusCode.NOT_FOUND, err
            assert "4111" not in err.message
        err = await error_of(b.list_entries(tenant_id=tenant_a))
        assert err.code == grpc.StatusCode.PERMISSION_DENIED
        listed = await b.list_entries(session_id=session)
        assert [e.index for e in listed.entries] == [mine.index]
        # A follow stream from A's entry on shows B only its own entries.
        stream = b.follow_entries(secret.index, session_id=session)
        try:
            assert (await asyncio.wait_for(anext(stream), 10)).index == mine.index
        finally:
            await stream.aclose()
        # Hashes only: checkpoints and consistency proofs are for everyone.
        assert (await b.get_checkpoint()).tree_size > secret.index
        await b.get_consistency_proof(secret.index, secret.index + 1)

        seen = await auditor.get_entry(secret.index)
        assert seen.tenant_id == tenant_a and seen.user_id == "alice"
        await auditor.get_inclusion_proof(secret.index)
        by_tenant = await auditor.list_entries(tenant_id=tenant_a)
        assert [e.index for e in by_tenant.entries] == [secret.index]
        both = await auditor.list_entries(session_id=session)
        assert [e.index for e in both.entries] == [secret.index, mine.index]

        err = await error_of(b.seal_segments(before_index=1))
        assert err.code == grpc.StatusCode.PERMISSION_DENIED
        sealed = await auditor.seal_segments(before_index=1)  # no complete segment yet: nothing to seal
        assert sealed.sealed_segments == 0 and sealed.hot_start_index == 0


async def test_bad_input(mesh, token):
    async with AuditClient(mesh.target, token=token(tenant=unique("tenant"), user="frank")) as audit:
        err = await error_of(audit.append_event("", {"x": 1}))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "type" in err.field_violations
        err = await error_of(audit.append_event("big", {"blob": "x" * (64 * 1024 + 1)}))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "payload" in err.field_violations
        err = await error_of(audit.append_event("bad\ntype", {}))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "type" in err.field_violations
        err = await error_of(audit.append_event("refs", {}, refs=[""]))
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "refs" in err.field_violations
        err = await error_of(audit.seal_segments())
        assert err.code == grpc.StatusCode.PERMISSION_DENIED


def test_rest_append_and_get_give_a_receipt_that_verifies(mesh, token, vkey):
    tok = token(tenant=unique("tenant"), user="rest-writer")

    def call(method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"http://{mesh.target}{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"authorization": f"Bearer {tok}", "content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    appended = call("POST", "/v1/audit/entries:append", {"type": "rest.event", "payload": {"n": 7}, "sessionId": "web"})
    receipt = load_receipt(json.dumps(appended))  # the proto3 JSON form a REST client saves
    assert verify_receipt(receipt, vkey).ok
    entry = call("GET", f"/v1/audit/entries/{receipt.index}")["entry"]
    assert base64.b64decode(entry["canonical"]) == receipt.entry and entry["payload"] == {"n": 7}
    published = call("GET", "/v1/audit/verifierKey")
    assert vkey in (published.get("verifier_key"), published.get("verifierKey")), published


# ---------------------------------------------------------------------------------------- tamper detection


def _records(segment: Path) -> list[tuple[int, int]]:
    """(offset, total length) of every record in a segment file."""
    data, pos, out = segment.read_bytes(), 0, []
    while pos < len(data):
        length, _crc = RECORD_HEADER.unpack_from(data, pos)
        out.append((pos, RECORD_HEADER.size + length))
        pos += RECORD_HEADER.size + length
    return out


def _flip(segment: Path, record: tuple[int, int], at: int) -> None:
    raw = bytearray(segment.read_bytes())
    raw[record[0] + at] ^= 0x01
    segment.write_bytes(bytes(raw))


def _offset_of(segment: Path, record: tuple[int, int], text: bytes) -> int:
    found = segment.read_bytes()[record[0] : record[0] + record[1]].find(text)
    assert found > 0
    return found


def _swap(segment: Path, first: tuple[int, int], second: tuple[int, int]) -> None:
    raw = segment.read_bytes()
    a, b = raw[first[0] : first[0] + first[1]], raw[second[0] : second[0] + second[1]]
    segment.write_bytes(raw[: first[0]] + b + a + raw[second[0] + second[1] :])


def _truncate(segment: Path, record: tuple[int, int]) -> None:
    with open(segment, "r+b") as f:
        f.truncate(record[0] + record[1] // 2)


async def test_audit_verify_detects_flipped_reordered_and_truncated_entries(mesh, token, vkey, venv_bin, clean_env, tmp_path, capsys):
    async with AuditClient(mesh.target, token=token(tenant=unique("tenant"), user="gina")) as audit:
        for n in range(4):
            await audit.append_event("tamper.test", {"n": n, "text": "some words to damage"})
    live = mesh.data_dir / "audit"

    # The live log exports and verifies; export is read-only, so the running server is unaffected.
    export = tmp_path / "export"
    out = run_cli(venv_bin, clean_env, "export", str(export), "--data-dir", str(mesh.data_dir))
    assert out.returncode == 0, out.stderr
    ok = run_cli(venv_bin, clean_env, "verify", "--export", str(export), "--key", vkey)
    assert ok.returncode == 0 and ok.stdout.startswith("OK"), ok.stdout
    ok = run_cli(venv_bin, clean_env, "verify", "--log", "--data-dir", str(mesh.data_dir), "--key", vkey)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # A byte flipped in the exported entries names that entry.
    lines = (export / "entries.jsonl").read_bytes().split(b"\n")
    target = next(i for i, line in enumerate(lines) if b"some words" in line)
    lines[target] = lines[target].replace(b"some words", b"some wordz")
    (export / "entries.jsonl").write_bytes(b"\n".join(lines))
    bad = run_cli(venv_bin, clean_env, "verify", "--export", str(export), "--key", vkey)
    assert bad.returncode == 1 and f"entry {target}" in bad.stdout, bad.stdout

    # Damage to the stored log itself (a copy of the mesh's directory), found by export + verify.
    def damaged(name: str, damage, export_detects: bool = True) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        copy = tmp_path / name
        shutil.copytree(live, copy, ignore=shutil.ignore_patterns("LOCK"))
        segments = sorted((copy / "segments").glob("*.seg"))
        segment = segments[-1]
        records = _records(segment)
        first_index = int(segment.stem)
        k = len(records) - 3  # one of this test's entries, with entries after it
        damage(segment, records, k)
        exported = tmp_path / f"{name}-export"
        assert cli_in_process(capsys, "export", str(exported), "--audit-dir", str(copy))[0] == 0
        code, out = cli_in_process(capsys, "verify", "--export", str(exported), "--key", vkey)
        # A changed record checksum leaves the entry bytes authentic: only the stored-log check sees it.
        assert code == (1 if export_detects else 0), (name, out)
        direct_code, direct = cli_in_process(capsys, "verify", "--log", "--audit-dir", str(copy), "--key", vkey)
        assert direct_code == 1, (name, direct)
        return f"{first_index + k}", (out if export_detects else "") + "\n" + direct

    for name, damage in {
        "payload byte": lambda seg, recs, k: _flip(seg, recs[k], _offset_of(seg, recs[k], b"words")),
        "first entry byte": lambda seg, recs, k: _flip(seg, recs[k], RECORD_HEADER.size),
        "index digit": lambda seg, recs, k: _flip(seg, recs[k], RECORD_HEADER.size + len(b'{"index":')),
        "last entry byte": lambda seg, recs, k: _flip(seg, recs[k], recs[k][1] - 1),
        "length byte": lambda seg, recs, k: _flip(seg, recs[k], 3),
        "reordered": lambda seg, recs, k: _swap(seg, recs[k], recs[k + 1]),
        "truncated": lambda seg, recs, k: _truncate(seg, recs[k]),
    }.items():
        index, output = damaged(name.replace(" ", "-"), damage)
        assert output.count(f"FAILED at entry {index}") == 2, (name, output)
    index, output = damaged("checksum-byte", lambda seg, recs, k: _flip(seg, recs[k], 5), export_detects=False)
    assert f"FAILED at entry {index}" in output and "checksum" in output, output


# ---------------------------------------------------------------------------------------- crash safety


async def test_sigkill_during_appends_loses_no_acknowledged_entry(mesh, token, vkey, venv_bin, clean_env, tmp_path):
    tenant = unique("crash")
    acknowledged: list[pb.Receipt] = []
    failures: dict[str, int] = {}
    stop = asyncio.Event()

    async def writer(client: AuditClient, w: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                acknowledged.append(await client.append_event("crash.test", {"w": w, "n": n}, session_id=f"w{w}", timeout=10))
            except InfraFabricError as err:
                failures[err.code.name] = failures.get(err.code.name, 0) + 1
                await asyncio.sleep(0.05)

    victim = mesh.replicas("audit")[0]
    async with AuditClient(mesh.target, token=token(tenant=tenant, user=LOAD_TEST_USER)) as client:
        writers = [asyncio.create_task(writer(client, w)) for w in range(16)]
        await asyncio.sleep(1.0)
        before_kill = len(acknowledged)
        os.kill(victim.pid, signal.SIGKILL)
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*writers)
    assert before_kill > 20, (before_kill, failures)
    # In-flight appends may fail while the server is down; nothing else may.
    assert set(failures) <= {"UNAVAILABLE"}, failures

    deadline = time.monotonic() + 10
    while victim.alive() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not victim.alive()
    mesh.supervise()
    deadline = time.monotonic() + 60
    while health_through_envoy(mesh.target, ["audit"], timeout=1.0)["audit"] != "SERVING":
        assert time.monotonic() < deadline, "audit did not come back"
        await asyncio.sleep(0.2)

    async with AuditClient(mesh.target, token=token(tenant=tenant, user=LOAD_TEST_USER)) as client:
        stored: dict[int, bytes] = {}
        page_token = ""
        while True:
            page = await client.list_entries(page_size=1000, page_token=page_token)
            stored.update((e.index, e.leaf_hash) for e in page.entries)
            page_token = page.next_page_token
            if not page_token:
                break
        assert all(stored.get(r.index) == r.leaf_hash for r in acknowledged), "an acknowledged entry was lost or changed"
        # The log after the restart extends every checkpoint it handed out before the kill.
        newest = max(acknowledged, key=lambda r: r.tree_size)
        now = await client.get_checkpoint()
        proof = await client.get_consistency_proof(newest.tree_size, now.tree_size)
        assert verify_checkpoint_consistency(newest.checkpoint, now.checkpoint, list(proof.proof), vkey).ok
        # And it takes appends again.
        await client.append_event("crash.test", {"after": True}, timeout=10)
    assert all(verify_receipt(receipt_from_proto(r), vkey).ok for r in acknowledged[:: max(1, len(acknowledged) // 50)])

    export = tmp_path / "after-crash"
    out = run_cli(venv_bin, clean_env, "export", str(export), "--data-dir", str(mesh.data_dir))
    assert out.returncode == 0, out.stderr
    result = run_cli(venv_bin, clean_env, "verify", "--export", str(export), "--key", vkey, "--checkpoint", _note_file(tmp_path, newest))
    assert result.returncode == 0, result.stdout


def _note_file(tmp_path: Path, receipt: pb.Receipt) -> str:
    path = tmp_path / "trusted-checkpoint.txt"
    path.write_text(receipt.checkpoint)
    return str(path)
