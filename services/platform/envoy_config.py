"""The Envoy configuration of the REST edge, made from the settings and the
contracts: one cluster per gRPC process, the transcoder over the descriptor
set built from proto/, the Lua filter in envoy/vigil.lua, and three listeners
(8080 for everything, 4004 and 5160 at the vendors' default ports)."""

from __future__ import annotations

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


def _routes() -> list[dict[str, Any]]:
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
                "route": {"cluster": process, "timeout": timeout},
            }
        )
    routes.append({"match": {"prefix": "/"}, "route": {"cluster": "system", "timeout": DEFAULT_TIMEOUT}})
    return routes


def _vigil_lua(listener: str, settings: Settings) -> dict[str, Any]:
    """envoy/vigil.lua for one listener: the script, told which listener it
    serves (unknown routes answer in that listener's family) and whether
    Visionaire4 routes need the Bearer token."""
    jwt_visionaire = "true" if settings.auth.visionaire else "false"
    head = f'VIGIL_LISTENER = "{listener}"\nVIGIL_JWT_VISIONAIRE = {jwt_visionaire}\n'
    return {"inline_string": head + LUA.read_text()}


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
                            "stream_idle_timeout": "300s",
                            "route_config": {
                                "name": "vigil",
                                "virtual_hosts": [
                                    {
                                        "name": "vigil",
                                        "domains": ["*"],
                                        "routes": _routes(),
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
