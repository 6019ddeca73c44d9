"""Generate Envoy's configuration from the mesh configuration.

Nobody edits an Envoy file by hand per deployment: the launcher renders this for the ports it
allocated, and `infrafabric envoy-config` prints it. What the listener does, in filter order:

1. grpc_json_transcoder: REST/JSON on the google.api.http paths becomes gRPC, so everything after
   it (route matching, JWT, rate limits) sees one protocol.
2. jwt_authn: every service route (and reflection) needs a valid Ed25519 JWT from the local JWKS;
   `sub` -> x-user-id, tenant claim -> x-tenant-id, role claim -> x-user-role. Envoy strips client-sent
   copies of those headers on every request, so they can be trusted upstream and keyed on below.
   The Authorization header is forwarded so a service can call another on the caller's behalf.
   Tokens that passed every check are cached per worker, so a repeated token skips only the
   signature check; its expiry is still checked on every request.
3. local_ratelimit: per route (a bucket per service) and per user (one bucket per x-user-id),
   answering RESOURCE_EXHAUSTED to gRPC clients and 429 to HTTP clients.
4. router: per-service HTTP/2 clusters with gRPC retries (retry budget, previous-hosts predicate,
   per-try timeout), active gRPC health checks, outlier detection and circuit breakers.

Health (`grpc.health.v1.Health`) is the one route without JWT; it is routed to a service's cluster
by the `x-infrafabric-service: <name>` header. Behaviour this relies on was verified on Envoy 1.40
(see shared notes: envoy-1.40.md).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from infrafabric.mesh.config import SERVICE_NAMES, MeshConfig, RateLimit, ServiceConfig

HEALTH_PREFIX = "/grpc.health.v1.Health/"
REFLECTION_PREFIXES = ("/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/")
SERVICE_HEADER = "x-infrafabric-service"
DESCRIPTOR_SET = Path(__file__).with_name("infrafabric.pb")
JWT_PROVIDER = "infrafabric"
#: Verified tokens each Envoy worker remembers (LRU, keyed by the exact token string). A cache hit
#: skips only the Ed25519 signature check of bytes already verified; expiry is checked on every
#: request and a token is cached only after passing every check (issuer, audience, signature, time).
JWT_CACHE_SIZE = 1_000

Endpoints = dict[str, list[tuple[str, int]]]


def proto_service(name: str) -> str:
    return f"infrafabric.{name}.v1.{name.capitalize()}Service"


def streaming_methods(name: str) -> list[str]:
    """Server-streaming methods of a service, read from the generated descriptors."""
    module = importlib.import_module(f"infrafabric.{name}.v1.{name}_service_pb2")
    service = module.DESCRIPTOR.services_by_name[f"{name.capitalize()}Service"]
    return [m.name for m in service.methods if m.server_streaming]


def _duration(seconds: float) -> str:
    return f"{seconds:.3f}s"


def _typed(type_name: str, **fields: Any) -> dict[str, Any]:
    return {"@type": f"type.googleapis.com/{type_name}", **fields}


def _rate_limit(name: str, rl: RateLimit) -> dict[str, Any]:
    def bucket(requests: int, per: float) -> dict[str, Any]:
        return {"max_tokens": requests, "tokens_per_fill": requests, "fill_interval": _duration(per)}

    descriptors = [
        {"entries": [{"key": "user", "value": user}], "token_bucket": bucket(n, rl.per_user.per_seconds)}
        for user, n in sorted(rl.user_overrides.items())
    ]
    # An empty value is a wildcard: one bucket per distinct x-user-id (dynamic descriptors, Envoy >= 1.37).
    descriptors.append(
        {"entries": [{"key": "user", "value": ""}], "token_bucket": bucket(rl.per_user.requests, rl.per_user.per_seconds)}
    )
    percent = {"numerator": 100, "denominator": "HUNDRED"}
    return _typed(
        "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
        stat_prefix=f"{name}_rate_limit",
        token_bucket=bucket(rl.route.requests, rl.route.per_seconds),
        filter_enabled={"runtime_key": f"{name}_rl_enabled", "default_value": percent},
        filter_enforced={"runtime_key": f"{name}_rl_enforced", "default_value": percent},
        rate_limited_as_resource_exhausted=True,
        enable_x_ratelimit_headers="DRAFT_VERSION_03",
        always_consume_default_token_bucket=True,
        max_dynamic_descriptors=10_000,
        rate_limits=[{"actions": [{"request_headers": {"header_name": "x-user-id", "descriptor_key": "user"}}]}],
        descriptors=descriptors,
    )


def _retry_policy(svc: ServiceConfig) -> dict[str, Any]:
    return {
        "retry_on": svc.retry_on,
        "num_retries": svc.num_retries,
        "per_try_timeout": _duration(svc.per_try_timeout_seconds),
        "retry_back_off": {"base_interval": "0.025s", "max_interval": "0.25s"},
        "retry_host_predicate": [
            {
                "name": "envoy.retry_host_predicates.previous_hosts",
                "typed_config": _typed("envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"),
            }
        ],
        "host_selection_retry_max_attempts": 3,
    }


def _routes(mesh: MeshConfig) -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = []
    for name in SERVICE_NAMES:
        routes.append(
            {
                "name": f"{name}_health",
                "match": {"prefix": HEALTH_PREFIX, "headers": [{"name": SERVICE_HEADER, "string_match": {"exact": name}}]},
                "route": {"cluster": name, "timeout": "2s", "retry_policy": _retry_policy(ServiceConfig(per_try_timeout_seconds=1))},
            }
        )
    for prefix in REFLECTION_PREFIXES:
        routes.append({"name": "reflection", "match": {"prefix": prefix}, "route": {"cluster": "reflection", "timeout": "0s"}})
    for name, svc in mesh.services.items():
        per_filter = {"envoy.filters.http.local_ratelimit": _rate_limit(name, svc.rate_limit)}
        service_path = f"/{proto_service(name)}/"
        for method in streaming_methods(name):
            # Streams (follow the audit log, streamed chat) may run long: no route timeout, and
            # retries only until the first response headers, which Envoy guarantees anyway.
            routes.append(
                {
                    "name": f"{name}_{method}",
                    "match": {"path": service_path + method},
                    "route": {
                        "cluster": name,
                        "timeout": "0s",
                        "max_stream_duration": {"grpc_timeout_header_max": "0s"},
                        "retry_policy": {k: v for k, v in _retry_policy(svc).items() if k != "per_try_timeout"},
                    },
                    "typed_per_filter_config": per_filter,
                }
            )
        routes.append(
            {
                "name": name,
                "match": {"prefix": service_path},
                "route": {
                    "cluster": name,
                    "timeout": _duration(svc.timeout_seconds),
                    # A client's grpc-timeout (its deadline) caps the route timeout.
                    "max_stream_duration": {"grpc_timeout_header_max": _duration(svc.timeout_seconds)},
                    "retry_policy": _retry_policy(svc),
                },
                "typed_per_filter_config": per_filter,
            }
        )
    return routes


def _cluster(name: str, endpoints: list[tuple[str, int]], mesh: MeshConfig, health_service: str) -> dict[str, Any]:
    hc, od, cb = mesh.health_check, mesh.outlier_detection, mesh.circuit_breakers
    return {
        "name": name,
        "type": "STATIC",
        "connect_timeout": "0.25s",
        "lb_policy": "ROUND_ROBIN",
        # gRPC upstreams speak HTTP/2 over cleartext (h2c).
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": _typed(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", explicit_http_config={"http2_protocol_options": {}}
            )
        },
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [
                {
                    "lb_endpoints": [
                        {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}
                        for host, port in endpoints
                    ]
                }
            ],
        },
        "health_checks": [
            {
                "timeout": _duration(hc.timeout_seconds),
                "interval": _duration(hc.interval_seconds),
                "no_traffic_interval": _duration(hc.interval_seconds),
                "unhealthy_threshold": hc.unhealthy_threshold,
                "healthy_threshold": hc.healthy_threshold,
                "grpc_health_check": {"service_name": health_service},
            }
        ],
        # Eject a host only for gateway failures (connect errors, UNAVAILABLE, DEADLINE_EXCEEDED).
        # Envoy maps trailers-only gRPC errors to HTTP codes, so UNIMPLEMENTED (501) or INTERNAL (500)
        # would count as 5xx and eject a healthy replica that merely answered an error.
        "outlier_detection": {
            "consecutive_5xx": od.consecutive_gateway_failures,
            "enforcing_consecutive_5xx": 0,
            "consecutive_gateway_failure": od.consecutive_gateway_failures,
            "enforcing_consecutive_gateway_failure": 100,
            "interval": _duration(od.interval_seconds),
            "base_ejection_time": _duration(od.base_ejection_seconds),
            "max_ejection_percent": od.max_ejection_percent,
        },
        "circuit_breakers": {
            "thresholds": [
                {
                    "priority": "DEFAULT",
                    "max_connections": cb.max_connections,
                    "max_pending_requests": cb.max_pending_requests,
                    "max_requests": cb.max_requests,
                    # With a budget set, Envoy ignores max_retries: retries stay a fraction of traffic.
                    "retry_budget": {
                        "budget_percent": {"value": cb.retry_budget_percent},
                        "min_retry_concurrency": cb.min_retry_concurrency,
                    },
                }
            ]
        },
    }


def _jwt_filter(mesh: MeshConfig, jwks_json: str) -> dict[str, Any]:
    requires = {"provider_name": JWT_PROVIDER}
    return {
        "name": "envoy.filters.http.jwt_authn",
        "typed_config": _typed(
            "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
            providers={
                JWT_PROVIDER: {
                    "issuer": mesh.auth.issuer,
                    "audiences": [mesh.auth.audience],
                    "local_jwks": {"inline_string": jwks_json},
                    "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}],
                    "forward": True,
                    # A client sends the same token on every call; the signature check was about a
                    # third of Envoy's CPU per call here (see bench/memory_bench.py).
                    "jwt_cache_config": {"jwt_cache_size": JWT_CACHE_SIZE},
                    "claim_to_headers": [
                        {"header_name": "x-user-id", "claim_name": "sub"},
                        {"header_name": "x-tenant-id", "claim_name": mesh.auth.tenant_claim},
                        {"header_name": "x-user-role", "claim_name": mesh.auth.role_claim},
                    ],
                }
            },
            rules=[{"match": {"prefix": "/infrafabric."}, "requires": requires}]
            + [{"match": {"prefix": p}, "requires": requires} for p in REFLECTION_PREFIXES],
        ),
    }


def render(mesh: MeshConfig, endpoints: Endpoints, jwks_json: str, *, listen_port: int | None = None) -> dict[str, Any]:
    """The complete Envoy bootstrap for `endpoints` (service name -> replica addresses)."""
    missing = [n for n in SERVICE_NAMES if not endpoints.get(n)]
    if missing:
        raise ValueError(f"no endpoints for: {', '.join(missing)}")
    access_log = {
        "name": "envoy.access_loggers.file",
        "typed_config": _typed(
            "envoy.extensions.access_loggers.file.v3.FileAccessLog",
            path=str(mesh.access_log_path),
            log_format={
                "json_format": {
                    "time": "%START_TIME%",
                    "method": "%REQ(:METHOD)%",
                    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
                    "http": "%RESPONSE_CODE%",
                    "grpc": "%GRPC_STATUS(NUMBER)%",
                    "flags": "%RESPONSE_FLAGS%",
                    "details": "%RESPONSE_CODE_DETAILS%",
                    "upstream": "%UPSTREAM_HOST%",
                    "attempts": "%UPSTREAM_REQUEST_ATTEMPT_COUNT%",
                    "ms": "%DURATION%",
                    "tenant": "%REQ(X-TENANT-ID)%",
                    "user": "%REQ(X-USER-ID)%",
                    "request_id": "%REQ(X-REQUEST-ID)%",
                }
            },
        ),
    }
    transcoder = {
        "name": "envoy.filters.http.grpc_json_transcoder",
        "typed_config": _typed(
            "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
            proto_descriptor=str(DESCRIPTOR_SET),
            services=[proto_service(n) for n in SERVICE_NAMES],
            convert_grpc_status=True,
            auto_mapping=False,
            print_options={"add_whitespace": False, "always_print_primitive_fields": True, "preserve_proto_field_names": True},
        ),
    }
    hcm = _typed(
        "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        stat_prefix="infrafabric",
        codec_type="AUTO",
        generate_request_id=True,
        access_log=[access_log],
        route_config={
            "name": "infrafabric",
            "virtual_hosts": [{"name": "infrafabric", "domains": ["*"], "routes": _routes(mesh)}],
        },
        http_filters=[
            transcoder,
            _jwt_filter(mesh, jwks_json),
            {
                "name": "envoy.filters.http.local_ratelimit",
                "typed_config": _typed(
                    "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", stat_prefix="http_local_rate_limiter"
                ),
            },
            {"name": "envoy.filters.http.router", "typed_config": _typed("envoy.extensions.filters.http.router.v3.Router")},
        ],
    )
    all_endpoints = sorted({ep for eps in endpoints.values() for ep in eps})
    clusters = [_cluster(n, endpoints[n], mesh, proto_service(n)) for n in SERVICE_NAMES]
    clusters.append(_cluster("reflection", all_endpoints, mesh, ""))
    return {
        "admin": {"address": {"socket_address": {"address": mesh.admin.host, "port_value": mesh.admin.port}}},
        "static_resources": {
            "listeners": [
                {
                    "name": "infrafabric",
                    "address": {
                        "socket_address": {
                            "address": mesh.listen.host,
                            "port_value": mesh.listen.port if listen_port is None else listen_port,
                        }
                    },
                    "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": hcm}]}],
                }
            ],
            "clusters": clusters,
        },
    }


def dumps(config: dict[str, Any]) -> str:
    """Envoy reads JSON as YAML's subset; JSON keeps the inline JWKS string unambiguous."""
    return json.dumps(config, indent=2, sort_keys=False) + "\n"
