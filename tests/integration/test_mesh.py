"""The mesh foundation, end to end through Envoy: health, authentication, identity, rate limits, retries."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter

import grpc
import jwt
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from infrafabric.clients import EmotionClient, GuardClient, InfraFabricError
from infrafabric.mesh.envoy_config import SERVICE_HEADER, proto_service
from infrafabric.mesh.launcher import health_through_envoy
from tests.conftest import LOAD_TEST_USER, RATE_LIMITED_REQUESTS, RATE_LIMITED_USER

SERVICES = ("guard", "memory", "emotion", "audit", "router")


def test_every_service_healthy_through_envoy(mesh):
    assert health_through_envoy(mesh.target, list(SERVICES)) == {s: "SERVING" for s in SERVICES}


def test_status_command_reports_all_healthy(mesh, venv_bin, clean_env):
    out = subprocess.run(
        [venv_bin / "infrafabric", "status", "--data-dir", str(mesh.data_dir)],
        capture_output=True, text=True, env=clean_env, timeout=30,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("SERVING") == 5 and "all services healthy" in out.stdout


def test_status_command_fails_when_nothing_listens(venv_bin, clean_env, tmp_path):
    from infrafabric.mesh.launcher import free_port

    out = subprocess.run(
        [venv_bin / "infrafabric", "status", "--data-dir", str(tmp_path), "--target", f"127.0.0.1:{free_port()}", "--timeout", "0.5"],
        capture_output=True, text=True, env=clean_env, timeout=30,
    )
    assert out.returncode == 1
    assert "UNAVAILABLE" in out.stdout


@pytest.mark.parametrize("service", SERVICES)
async def test_call_without_token_is_unauthenticated(mesh, service):
    async with grpc.aio.insecure_channel(mesh.target) as channel:
        # Any method of the service: the JWT check happens before routing to the upstream.
        call = channel.unary_unary(f"/{proto_service(service)}/AnyMethod")
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(b"", timeout=5)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "Jwt is missing" in err.value.details()


async def test_bad_tokens_are_rejected(mesh, token):
    good = token()
    claims = jwt.decode(good, options={"verify_signature": False})
    header = jwt.get_unverified_header(good)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other_key = Ed25519PrivateKey.generate()
    cases = {
        "expired": (jwt.encode({**claims, "exp": int(time.time()) - 60}, other_key, algorithm="EdDSA", headers=header), None),
        "forged signature": (jwt.encode(claims, other_key, algorithm="EdDSA", headers=header), grpc.StatusCode.UNAUTHENTICATED),
        "wrong audience": (token().rsplit(".", 1)[0] + ".AAAA", grpc.StatusCode.UNAUTHENTICATED),
    }
    for name, (bad, code) in cases.items():
        async with GuardClient(mesh.target, token=bad) as guard:
            with pytest.raises(InfraFabricError) as err:
                await guard.list_detectors(timeout=5)
        assert err.value.code in (code or grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAUTHENTICATED), name


async def test_cached_token_is_rejected_once_expired(mesh, token):
    # Envoy caches verified tokens (jwt_cache_config); the expiry must still be checked on every call.
    # Envoy allows 60 s of clock skew, so a token that expired 53 s ago passes for about 7 s more.
    minted_at = time.time()
    expiring = token(user="expiring-user", ttl_seconds=-53)
    async with GuardClient(mesh.target, token=expiring) as guard:
        for _ in range(3):  # the first call verifies and caches it; the next ones hit the cache
            await guard.list_detectors(timeout=5)
        await asyncio.sleep(max(0.0, minted_at + 9 - time.time()))
        with pytest.raises(InfraFabricError) as err:
            await guard.list_detectors(timeout=5)
    assert err.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in str(err.value).lower()


async def _list_personas_status(mesh, tok: str, forged_user: str | None = None) -> grpc.StatusCode:
    metadata = [("x-user-id", forged_user)] if forged_user else []
    async with EmotionClient(mesh.target, token=tok, metadata=metadata) as emotion:
        try:
            await emotion.list_personas(timeout=5)
            return grpc.StatusCode.OK
        except InfraFabricError as err:
            return err.code


async def test_per_user_rate_limit_and_forged_identity(mesh, token):
    limited = token(user=RATE_LIMITED_USER)
    other = token(user="bob-not-limited")
    # The limited user's bucket is tiny; a forged x-user-id must not move them to another bucket.
    first = [await _list_personas_status(mesh, limited, forged_user="someone-else") for _ in range(RATE_LIMITED_REQUESTS)]
    assert grpc.StatusCode.RESOURCE_EXHAUSTED not in first
    assert await _list_personas_status(mesh, limited, forged_user="someone-else") == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert await _list_personas_status(mesh, limited) == grpc.StatusCode.RESOURCE_EXHAUSTED
    # Another user is unaffected, even when they forge the limited user's id.
    for _ in range(RATE_LIMITED_REQUESTS + 2):
        assert await _list_personas_status(mesh, other, forged_user=RATE_LIMITED_USER) != grpc.StatusCode.RESOURCE_EXHAUSTED
    # Envoy logged the token's user, never the forged header.
    await asyncio.sleep(1.0)  # the access log is flushed every 500 ms
    lines = [json.loads(line) for line in mesh.config.access_log_path.read_text().splitlines() if "EmotionService" in line]
    users = Counter(line["user"] for line in lines)
    assert users[RATE_LIMITED_USER] >= RATE_LIMITED_REQUESTS + 2
    assert users["bob-not-limited"] >= RATE_LIMITED_REQUESTS + 2
    assert "someone-else" not in users


def _http_status(url: str, tok: str | None) -> int:
    headers = {"authorization": f"Bearer {tok}"} if tok else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code)


def test_rest_needs_a_token_and_default_limit_does_not_trip(mesh, token):
    url = f"http://{mesh.target}/v1/personas"
    assert _http_status(url, None) == 401
    # This user is not in the overrides: the default per-user bucket (600/min) must not trip.
    codes = [_http_status(url, token(user="rest-user")) for _ in range(RATE_LIMITED_REQUESTS + 30)]
    assert 429 not in codes and 401 not in codes


def test_rest_limited_user_gets_429(mesh, token):
    tok = token(user=RATE_LIMITED_USER, tenant="tenant-rest")
    codes = [_http_status(f"http://{mesh.target}/v1/guard/detectors", tok) for _ in range(RATE_LIMITED_REQUESTS + 2)]
    assert 429 not in codes[:RATE_LIMITED_REQUESTS] and codes[-1] == 429, codes


async def test_sigkill_of_one_replica_loses_no_call(mesh, token):
    replicas = mesh.replicas("guard")
    assert len(replicas) == 2
    victim = replicas[1]
    results: Counter[str] = Counter()
    stop = asyncio.Event()

    async def worker(client: GuardClient) -> None:
        while not stop.is_set():
            try:
                await client.list_detectors(timeout=10)
                results["OK"] += 1
            except InfraFabricError as err:
                # UNIMPLEMENTED (not built yet) is an answer from a replica; anything else is a lost call.
                results[err.code.name] += 1

    async with GuardClient(mesh.target, token=token(user=LOAD_TEST_USER)) as client:
        tasks = [asyncio.create_task(worker(client)) for _ in range(4)]
        await asyncio.sleep(1.0)
        os.kill(victim.pid, signal.SIGKILL)
        await asyncio.sleep(2.0)
        stop.set()
        await asyncio.gather(*tasks)
    answered = results["OK"] + results["UNIMPLEMENTED"]
    assert answered == sum(results.values()), dict(results)
    assert answered > 50, dict(results)
    # Bring the replica back for the rest of the session.
    mesh.supervise()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with grpc.insecure_channel(f"127.0.0.1:{mesh.endpoints['guard'][1][1]}") as ch:
            try:
                health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
                break
            except grpc.RpcError:
                time.sleep(0.2)


async def test_health_is_routed_per_service_without_token(mesh):
    async with grpc.aio.insecure_channel(mesh.target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for name in SERVICES:
            resp = await stub.Check(
                health_pb2.HealthCheckRequest(service=proto_service(name)), metadata=[(SERVICE_HEADER, name)], timeout=5
            )
            assert resp.status == health_pb2.HealthCheckResponse.SERVING
        # A service's cluster does not know another service's name.
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Check(health_pb2.HealthCheckRequest(service=proto_service("audit")), metadata=[(SERVICE_HEADER, "guard")], timeout=5)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_reflection_through_envoy_lists_the_whole_mesh(mesh, token):
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    async with grpc.aio.insecure_channel(mesh.target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo(metadata=[("authorization", f"Bearer {token()}")], timeout=10)
        await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
        resp = await call.read()
        await call.done_writing()
    names = {s.name for s in resp.list_services_response.service}
    assert {proto_service(s) for s in SERVICES} <= names
