"""The contract covers every documented route, and its messages print the
documented JSON kinds (no 64-bit integers, which proto3 JSON prints as
strings)."""

from __future__ import annotations

import re

import pytest
from google.protobuf import descriptor

from services.common.contracts import rpcs, services
from tests.conftest import SHARED

ROUTES_MD = SHARED / "api" / "ROUTES.md"
_ROW = re.compile(r"^\|\s*([A-Z, ]+?)\s*\|\s*`([^`]+)`\s*\|")


def documented_routes() -> set[tuple[str, str]]:
    routes = set()
    for line in ROUTES_MD.read_text().splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        path = match.group(2)
        if len(path) > 1:
            path = path.rstrip("/")  # the edge strips FindFace's trailing slash
        for verb in match.group(1).split(","):
            routes.add((verb.strip(), re.sub(r"\{[^}]+\}", "{}", path)))
    return routes


def bound_routes() -> set[tuple[str, str]]:
    return {(b.verb, re.sub(r"\{[^}]+\}", "{}", b.path)) for rpc in rpcs().values() for b in rpc.bindings}


@pytest.mark.skipif(not ROUTES_MD.exists(), reason=f"{ROUTES_MD} is not beside the repository")
def test_every_documented_route_has_a_grpc_method() -> None:
    documented = documented_routes()
    assert len(documented) >= 90
    bound = bound_routes()
    for verb, path in sorted(documented):
        if path.startswith("/1/"):  # every /1/ route also exists as /2/
            assert (verb, "/2/" + path[3:]) in bound, f"{verb} /2/{path[3:]} has no gRPC method"
        assert (verb, path) in bound, f"{verb} {path} has no gRPC method"


def test_every_service_is_one_of_the_domains() -> None:
    packages = {svc.file.package for svc in services()}
    assert packages == {
        "vigil.streams.v1",
        "vigil.pipelines.v1",
        "vigil.uploads.v1",
        "vigil.analytics.v1",
        "vigil.classification.v1",
        "vigil.system.v1",
        "vigil.events.v1",  # Vigil's own extension, under /vigil/v1/
        "vigil.watchlists.v1",  # Vigil's own extension, under /vigil/v1/
    }


def _fields(message: descriptor.Descriptor, seen: set[str]) -> list[descriptor.FieldDescriptor]:
    if message.full_name in seen or message.full_name.startswith("google."):
        return []
    seen.add(message.full_name)
    out = list(message.fields)
    for field in message.fields:
        if field.message_type is not None:
            out += _fields(field.message_type, seen)
    return out


def test_no_response_prints_a_64_bit_integer_as_a_string() -> None:
    wide = {
        descriptor.FieldDescriptor.TYPE_INT64,
        descriptor.FieldDescriptor.TYPE_UINT64,
        descriptor.FieldDescriptor.TYPE_SINT64,
        descriptor.FieldDescriptor.TYPE_FIXED64,
        descriptor.FieldDescriptor.TYPE_SFIXED64,
    }
    seen: set[str] = set()
    offenders = [
        f.full_name for rpc in rpcs().values() for f in _fields(rpc.method.output_type, seen) if f.type in wide
    ]
    assert offenders == []


def test_every_rpc_has_an_http_rule() -> None:
    missing = [path for path, rpc in rpcs().items() if not rpc.bindings]
    assert missing == []
