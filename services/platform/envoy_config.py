"""The Envoy configuration of the REST edge, made from the settings and the
contracts: one cluster per gRPC process, the transcoder over the descriptor
set built from proto/, the Lua filter in envoy/vigil.lua, and three listeners
(8080 for everything, 4004 and 5160 at the vendors' default ports)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from services.auth import keys
from services.auth.families import JWT_HEADER_TENANT, family_of_path, lenz_prefixes, visionaire_rules
from services.common.contracts import rpcs, services
from services.common.settings import SERVICE_NAMES, SERVICES, Settings

ENVOY_DIR = Path(__file__).resolve().parents[2] / "envoy"
DESCRIPTOR = ENVOY_DIR / "descriptor.pb"
LUA = ENVOY_DIR / "vigil.lua"
FRAMING_LUA = ENVOY_DIR / "framing.lua"

#: Which process serves each gRPC service, from the one list of services.
SERVICE_PROCESS = {service: process for process, names in SERVICES.items() for service in names}
#: Services whose calls may run long or stream (uploads, MJPEG, whole-clip
#: classification, following events): no route timeout; the rest keep a bound.
UNBOUNDED = {
    "vigil.uploads.v1.UploadsService",
    "vigil.uploads.v1.ArchivesService",
    "vigil.streams.v1.VisualizationService",
    "vigil.streams.v1.LunaStreamsService",
    "vigil.classification.v1.ClassificationService",
    "vigil.events.v1.EventsService",
}
DEFAULT_TIMEOUT = "60s"
#: The runtime key that turns the CORS policy on (100) or off (0); the System
#: service sets it through the admin interface from `POST /config/platform`'s
#: `enable_cors` (services/system/live.py).
CORS_RUNTIME_KEY = "vigil.cors.enabled"
CORS_FILTER = "envoy.filters.http.cors"


def _cors_policy() -> dict[str, Any]:
    """Browsers on any origin may call every route, while the runtime key
    says so (on until the stored configuration says otherwise)."""
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy",
        "allow_origin_string_match": [{"safe_regex": {"regex": ".*"}}],
        "allow_methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
        "allow_headers": "accept, accept-language, authorization, content-language, content-type, luna-request-id",
        "expose_headers": "luna-request-id, content-disposition",
        "max_age": "86400",
        "filter_enabled": {
            "default_value": {"numerator": 100, "denominator": "HUNDRED"},
            "runtime_key": CORS_RUNTIME_KEY,
        },
    }


def _cluster(name: str, host: str, port: int) -> dict[str, Any]:
    return {
        "name": name,
        "type": "STATIC",
        "connect_timeout": "2s",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": {"http2_protocol_options": {}},
            }
        },
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [
                {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}]}
            ],
        },
    }


def _routes(settings: Settings) -> list[dict[str, Any]]:
    """A route per gRPC service (the transcoder rewrites REST paths to gRPC
    ones), then one for every other path. The CORS filter runs on the REST
    path, before the transcoder, and acts only where a route to a cluster
    matches; the transcoder answers 404 to any REST path it does not know
    (`reject_unknown_method`), so only gRPC calls to unknown methods ever
    take the last route, and the system server answers them UNIMPLEMENTED."""
    routes: list[dict[str, Any]] = []
    for svc in services():
        process = SERVICE_PROCESS[svc.full_name]
        timeout = "0s" if svc.full_name in UNBOUNDED else DEFAULT_TIMEOUT
        routes.append(
            {
                "match": {"prefix": f"/{svc.full_name}/"},
                "route": {"cluster": process, "timeout": timeout, **_edge_route_options(svc.full_name, settings)},
                **_edge_route_limits(settings),
            }
        )
    routes.extend(_edge_rest_routes(settings))
    routes.append(
        {
            "match": {"prefix": "/"},
            "route": {"cluster": "system", "timeout": DEFAULT_TIMEOUT},
            "request_body_buffer_limit": settings.edge.max_json_bytes + 1024,
        }
    )
    return routes


def _vigil_lua(listener: str, settings: Settings) -> dict[str, Any]:
    """envoy/vigil.lua for one listener: the script, told which listener it
    serves (unknown routes answer in that listener's family), whether
    Visionaire4 routes need the Bearer token, and the edge's limits
    (`_lua_prelude`)."""
    jwt_visionaire = "true" if settings.auth.visionaire else "false"
    head = f"VIGIL_JWT_VISIONAIRE = {jwt_visionaire}\n"
    return {"inline_string": _lua_prelude(listener, settings) + head + LUA.read_text()}


# --- edge hardening (issue 18): Envoy's edge-proxy best practices ------------
#: Every per-connection and per-stream buffer (best practice: 32 KiB); a route
#: that must buffer a whole JSON body raises its own stream's limit.
EDGE_BUFFER_BYTES = 32 * 1024
#: Request header limits: total size and count (Envoy's defaults are 60 KiB
#: and 100; a JWT is well under 8 KiB).
MAX_REQUEST_HEADERS_KB = 32
MAX_HEADERS_COUNT = 100
#: `POST /api/classify?sync=true` answers once a whole clip is analysed,
#: sending nothing meanwhile.
CLASSIFY_IDLE_FACTOR = 10
#: Methods whose JSON body may carry a preview frame (a `data:` URL).
FRAME_BODY_METHODS = {"vigil.streams.v1.LunaStreamsService.SendLunaStreamsFeedback"}


def _seconds(value: float) -> str:
    return f"{value:g}s"


def body_limits(settings: Settings) -> tuple[int, list[tuple[str, str, int]]]:
    """The request body limit of JSON routes, and the routes that allow more:
    (method, Lua pattern of the REST path, bytes). Upload routes (an
    `HttpBody` body) stream and are left to their services' own limits."""
    larger = [
        (verb, "^" + re.sub(r"\{[^}]*\}", "[^/]+", path.replace("-", "%-")) + "$", limit)
        for verb, path, limit in _larger_bodies(settings)
    ]
    return settings.edge.max_json_bytes, larger


def _larger_bodies(settings: Settings) -> list[tuple[str, str, int]]:
    """(method, REST path template, bytes) of the routes whose JSON body may
    carry a preview frame."""
    frame = settings.streams.preview_max_bytes * 4 // 3 + 1024
    return [
        (binding.verb, binding.path, settings.edge.max_json_bytes + frame)
        for rpc in rpcs().values()
        if rpc.method.full_name in FRAME_BODY_METHODS
        for binding in rpc.bindings
    ]


def _lua_prelude(listener: str, settings: Settings) -> str:
    """What envoy/vigil.lua is told about its listener and the edge's limits."""
    default, larger = body_limits(settings)
    routes = ", ".join(f"{{ {json.dumps(m)}, {json.dumps(p)}, {n} }}" for m, p, n in larger)
    return (
        f"VIGIL_LISTENER = {json.dumps(listener)}\n"
        f"VIGIL_PUBLIC_BASE_URL = {json.dumps(settings.edge.public_base_url.rstrip('/'))}\n"
        f"VIGIL_MAX_JSON_BYTES = {default}\n"
        f"VIGIL_LARGER_BODIES = {{ {routes} }}\n"
    )


def _stream_buffer_limit(settings: Settings) -> int:
    """What a stream may buffer: the largest JSON body vigil.lua reads whole."""
    default, larger = body_limits(settings)
    return max([default, *(n for _, _, n in larger)]) + 1024


def _edge_connection_manager(settings: Settings) -> dict[str, Any]:
    """Timeouts, header limits, HTTP/1.0 and HTTP/2 settings of every listener."""
    return {
        "use_remote_address": True,
        "request_headers_timeout": _seconds(settings.edge.request_headers_timeout_seconds),
        "stream_idle_timeout": _seconds(settings.edge.idle_timeout_seconds),
        "max_request_headers_kb": MAX_REQUEST_HEADERS_KB,
        "common_http_protocol_options": {
            "idle_timeout": _seconds(settings.edge.idle_timeout_seconds),
            "max_headers_count": MAX_HEADERS_COUNT,
            "headers_with_underscores_action": "REJECT_REQUEST",
        },
        # HTTP/1.0 clients are served (a request without Host gets this
        # name); Envoy reads an HTTP/0.9 request line as HTTP/1.0.
        "http_protocol_options": {"accept_http_10": True, "default_host_for_http_10": "vigil"},
        "http2_protocol_options": {
            "max_concurrent_streams": 100,
            "initial_stream_window_size": 65536,
            "initial_connection_window_size": 1048576,
        },
    }


def _edge_route_limits(settings: Settings) -> dict[str, Any]:
    """What a transcoded request may buffer (the route after the transcoder):
    the largest JSON body (upload bodies stream through, never buffered)."""
    return {"request_body_buffer_limit": _stream_buffer_limit(settings)}


def _edge_rest_routes(settings: Settings) -> list[dict[str, Any]]:
    """Routes on REST paths, matched before the transcoder runs, so that
    vigil.lua may buffer a larger body only where one is allowed; every
    other REST path takes the last route, which buffers at most
    `max_json_bytes` (Envoy answers 413 past it without reading more)."""
    routes = []
    for _, path, limit in _larger_bodies(settings):
        regex = "^" + re.sub(r"\{[^}]*\}", "[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")) + "/?$"
        routes.append(
            {
                "match": {"safe_regex": {"regex": regex}},
                "route": {"cluster": "system", "timeout": DEFAULT_TIMEOUT},
                "request_body_buffer_limit": limit + 1024,
            }
        )
    return routes


def _edge_route_options(service: str, settings: Settings) -> dict[str, Any]:
    if service == "vigil.classification.v1.ClassificationService":
        return {"idle_timeout": _seconds(settings.edge.idle_timeout_seconds * CLASSIFY_IDLE_FACTOR)}
    return {}


def _overload_manager(settings: Settings) -> dict[str, Any]:
    """A global cap on downstream connections, and load shedding on heap use."""
    heap = "envoy.resource_monitors.fixed_heap"
    connections = "envoy.resource_monitors.global_downstream_max_connections"
    return {
        "refresh_interval": "0.25s",
        "resource_monitors": [
            {
                "name": heap,
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig",
                    "max_heap_size_bytes": settings.edge.max_heap_bytes,
                },
            },
            {
                "name": connections,
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3"
                    ".DownstreamConnectionsConfig",
                    "max_active_downstream_connections": settings.edge.max_connections,
                },
            },
        ],
        "actions": [
            {"name": "envoy.overload_actions.disable_http_keepalive", "triggers": [_threshold(heap, 0.95)]},
            {"name": "envoy.overload_actions.reset_high_memory_stream", "triggers": [_scaled(heap, 0.90, 0.98)]},
            {"name": "envoy.overload_actions.stop_accepting_requests", "triggers": [_threshold(heap, 0.98)]},
        ],
        "buffer_factory_config": {"minimum_account_to_track_power_of_two": 20},
    }


def _threshold(monitor: str, value: float) -> dict[str, Any]:
    return {"name": monitor, "threshold": {"value": value}}


def _scaled(monitor: str, scaling: float, saturation: float) -> dict[str, Any]:
    return {"name": monitor, "scaled": {"scaling_threshold": scaling, "saturation_threshold": saturation}}


# --- end of edge hardening ------------------------------------------------------


# --- auth (issue 11): Bearer JWTs verified by Envoy's jwt_authn ---------------
JWT_PROVIDER = "vigil"


def _jwt_rules(settings: Settings) -> list[dict[str, Any]]:
    """Which requests need a Bearer token: every Lenz route, and every
    Visionaire4 route when `VIGIL_AUTH_VISIONAIRE` is on. The filter runs
    before the transcoder, so it matches REST paths; a raw gRPC call to a
    service that serves any such route needs the token too."""
    requires = {"requires": {"provider_name": JWT_PROVIDER}}
    matches: list[dict[str, Any]] = [{"prefix": prefix} for prefix in lenz_prefixes()]
    if settings.auth.visionaire:
        matches.extend(visionaire_rules())
    protected = {rpc.service.full_name for rpc in rpcs().values() if _protected(rpc, settings)}
    matches.extend({"prefix": f"/{name}/"} for name in sorted(protected))
    # LUNA and Gaard carry no credentials in their documents: a Bearer token
    # is optional there, but one that is sent must verify; its tenant then
    # wins over the request's `account_id` / `tenant` (services/auth/interceptor.py).
    optional = {
        "requires": {"requires_any": {"requirements": [{"provider_name": JWT_PROVIDER}, {"allow_missing": {}}]}}
    }
    return [{"match": match, **requires} for match in matches] + [
        {"match": {"prefix": prefix}, **optional} for prefix in OPTIONAL_BEARER_PREFIXES
    ]


#: Routes where a Bearer token is optional: LUNA streams and groups, Gaard.
OPTIONAL_BEARER_PREFIXES = ("/1/", "/2/", "/api/classify", "/api/result/")


def _protected(rpc: Any, settings: Settings) -> bool:
    wanted = {"lenz", "visionaire"} if settings.auth.visionaire else {"lenz"}
    return any(family_of_path(binding.path) in wanted for binding in rpc.bindings)


def _jwt_authn(settings: Settings) -> dict[str, Any]:
    """Envoy's own JWT verification: only the JWKS's asymmetric keys (no
    `none`, no HMAC: the JWKS holds no symmetric key), `exp` required, `iss`
    and `aud` checked, a small clock skew. The token is not forwarded; the
    tenant claim is, as `vigil-auth-tenant` (vigil.lua drops any a client sends)."""
    provider = {
        "issuer": settings.auth.issuer,
        "audiences": settings.auth.audience_list(),
        "local_jwks": {"filename": str(keys.jwks_path(settings).resolve())},
        "from_headers": [{"name": "Authorization", "value_prefix": "Bearer "}],
        "forward": False,
        "require_expiration": True,
        "clock_skew_seconds": settings.auth.clock_skew_seconds,
        "claim_to_headers": [{"header_name": JWT_HEADER_TENANT, "claim_name": settings.auth.tenant_claim}],
    }
    return {
        "name": "envoy.filters.http.jwt_authn",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
            "providers": {JWT_PROVIDER: provider},
            "rules": _jwt_rules(settings),
            "bypass_cors_preflight": True,
        },
    }


# --- end of auth ---------------------------------------------------------------


def _http_filters(descriptor: Path, listener: str, settings: Settings) -> list[dict[str, Any]]:
    return [
        {
            # First: it answers preflights itself, and adds its headers last.
            "name": CORS_FILTER,
            "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"},
        },
        {
            # Before vigil.lua, so it runs after it on responses (see envoy/framing.lua).
            "name": "vigil.framing",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
                "default_source_code": {"filename": str(FRAMING_LUA)},
            },
        },
        {
            "name": "envoy.filters.http.lua",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
                "default_source_code": _vigil_lua(listener, settings),
            },
        },
        # After vigil.lua (which shapes its 401s into each family's body) and
        # before the transcoder (so it sees REST paths).
        _jwt_authn(settings),
        {
            "name": "envoy.filters.http.grpc_json_transcoder",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
                "proto_descriptor": str(descriptor),
                "services": [svc.full_name for svc in services()],
                "convert_grpc_status": True,
                # A whole answer is buffered to be transcoded; past Envoy's
                # default (the 1 MiB connection buffer) it is a 500. `GET
                # /streams` with 10 000 streams is about 2.5 MB of JSON.
                "max_response_body_size": 32 * 1024 * 1024,
                "print_options": {"preserve_proto_field_names": True, "always_print_primitive_fields": True},
                # `names=some+name` is "some name", as HTML forms and most HTTP
                # clients (Python's requests) encode spaces in queries.
                "query_param_unescape_plus": True,
                "request_validation_options": {
                    "reject_unknown_method": True,
                    "reject_unknown_query_parameters": True,
                    "reject_binding_body_field_collisions": True,
                },
            },
        },
        {
            "name": "envoy.filters.http.router",
            "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
        },
    ]


def _listener(name: str, host: str, port: int, descriptor: Path, settings: Settings) -> dict[str, Any]:
    return {
        "name": name,
        "address": {"socket_address": {"address": host, "port_value": port}},
        "per_connection_buffer_limit_bytes": EDGE_BUFFER_BYTES,
        "filter_chains": [
            {
                "filters": [
                    {
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": {
                            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
                            ".HttpConnectionManager",
                            "stat_prefix": name,
                            "codec_type": "AUTO",
                            **_edge_connection_manager(settings),
                            "route_config": {
                                "name": "vigil",
                                "virtual_hosts": [
                                    {
                                        "name": "vigil",
                                        "domains": ["*"],
                                        "routes": _routes(settings),
                                        "typed_per_filter_config": {CORS_FILTER: _cors_policy()},
                                    }
                                ],
                            },
                            "http_filters": _http_filters(descriptor, name, settings),
                        },
                    }
                ]
            }
        ],
    }


def render(settings: Settings, descriptor: Path = DESCRIPTOR) -> dict[str, Any]:
    """The whole bootstrap config as a dict."""
    listeners = [
        _listener(name, settings.http_host, port, descriptor, settings)
        for name, port in (
            ("rest", settings.http_port),
            ("visionaire", settings.visionaire_port),
            ("luna", settings.luna_port),
        )
    ]
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": settings.envoy_admin_port}}},
        # An admin layer, so `/runtime_modify` can turn CORS on and off.
        "layered_runtime": {"layers": [{"name": "static", "static_layer": {}}, {"name": "admin", "admin_layer": {}}]},
        "overload_manager": _overload_manager(settings),
        "static_resources": {
            "listeners": listeners,
            "clusters": [
                _cluster(name, settings.grpc_host, getattr(settings, f"{name}_port")) for name in SERVICE_NAMES
            ],
        },
    }


def write(settings: Settings, path: Path) -> Path:
    """Write the config as YAML and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(render(settings), sort_keys=False))
    return path
