"""Which routes need which credential, and how authentication failures are
named and counted (`vigil_auth_failures_total{family,reason}` in `/metrics`).

The family of a path follows envoy/vigil.lua's `family()`, except that every
Lenz route (`/api/visionaire-media/...`, `/api/visionaire/...`,
`/api/visionaire_active_analytic_list`) is Lenz here: they all need the
Lenz Bearer token, though the analytic routes answer other errors in
Visionaire4's style.
"""

from __future__ import annotations

import re
from typing import Any

from prometheus_client import Counter

#: The header (gRPC metadata for the services) that carries the verified
#: token's tenant claim; set only by Envoy's jwt_authn, dropped when a client sends it.
JWT_HEADER_TENANT = "vigil-auth-tenant"

AUTH_FAILURES = Counter(
    "vigil_auth_failures",
    "Requests refused for their credentials, by API family and reason",
    ["family", "reason"],
)

#: `/vigil/v1/videos/` holds Vigil's extension routes of the Lenz videos (their jobs).
_LENZ_PREFIXES = (
    "/api/visionaire-media/",
    "/api/visionaire/",
    "/api/visionaire_active_analytic_list",
    "/vigil/v1/videos/",
)
#: Visionaire4's routes (document 001), as jwt_authn route matches.
_VISIONAIRE_EXACT = ("/",)
_VISIONAIRE_PREFIXES = (
    "/streams",
    "/node_status",
    "/resource_stats",
    "/v2/",
    "/system/",
    "/metrics",
    "/mjpeg/",
    "/stream_jpeg/",
    "/visual/",
    "/analytic_list",
    "/config/",
    "/rules/",
    "/smart-search",
    "/extract/",
    "/database/",
    # Vigil's events extension answers in Visionaire4's shape and shows what
    # the cameras saw: it is guarded with the Visionaire4 routes.
    "/vigil/",
)


def lenz_prefixes() -> tuple[str, ...]:
    return _LENZ_PREFIXES


def visionaire_rules() -> list[dict[str, Any]]:
    """jwt_authn matches for every Visionaire4 route."""
    return [{"path": p} for p in _VISIONAIRE_EXACT] + [{"prefix": p} for p in _VISIONAIRE_PREFIXES]


def family_of_path(path: str) -> str:
    """The API family a REST path (or path template) belongs to."""
    if path.startswith(_LENZ_PREFIXES):
        return "lenz"
    if re.match(r"^/[12]/", path) or path in {"/version", "/healthcheck", "/config", "/plugins"}:
        return "luna"
    if path.startswith("/docs/"):
        return "luna"
    if path.startswith(("/api/classify", "/api/result")):
        return "gaard"
    if path == "/videos" or path.startswith("/videos/"):
        return "findface"
    return "visionaire"


#: jwt_authn's messages (its `Status` strings) and the reason each counts as.
_JWT_REASONS = (
    ("is missing", "missing"),
    ("expired", "expired"),
    ("not yet valid", "not_yet_valid"),
    ("audience", "wrong_audience"),
    ("issuer", "wrong_issuer"),
    # A bad signature, and a token without `exp` (required): jwt_authn says the same.
    ("verification fail", "verification_failed"),
    ("kid or alg", "unknown_key"),
    ("alg", "bad_algorithm"),
    ("not in the form", "malformed"),
)
REASONS = frozenset(
    {reason for _, reason in _JWT_REASONS} | {"malformed", "unknown_token", "revoked_token", "no_tenant", "invalid"}
)


def jwt_reason(message: str) -> str:
    """The reason a jwt_authn refusal counts as, from its message."""
    text = message.lower()
    for needle, reason in _JWT_REASONS:
        if needle in text:
            return reason
    return "malformed" if "jwt" in text else "invalid"


def count_failure(family: str, reason: str) -> None:
    if family not in {"lenz", "visionaire", "findface", "luna", "gaard"}:
        family = "other"
    AUTH_FAILURES.labels(family=family, reason=reason if reason in REASONS else "invalid").inc()
