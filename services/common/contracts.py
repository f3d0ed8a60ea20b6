"""What the contracts in proto/ say, read from the generated descriptors.

The HTTP bindings of every RPC (`google.api.http`) are read here once, for the
metrics labels, the strict JSON check, the Envoy config and the OpenAPI
document, so no route is written down twice.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor, message, message_factory

import vigil

_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class HttpBinding:
    """One REST route of an RPC."""

    verb: str  # GET, POST, ...
    path: str  # the path template, e.g. /streams/{node_num}
    body: str  # "", "*" or the request field that takes the body
    response_body: str  # "" or the response field printed as the body

    @property
    def route(self) -> str:
        """`GET:/streams/{node_num}`, the label LUNA's metrics use."""
        return f"{self.verb}:{self.path}"


@dataclass(frozen=True)
class Rpc:
    """One RPC with its REST routes."""

    service: descriptor.ServiceDescriptor
    method: descriptor.MethodDescriptor
    bindings: tuple[HttpBinding, ...]

    @property
    def path(self) -> str:
        """The gRPC path, `/package.Service/Method`."""
        return f"/{self.service.full_name}/{self.method.name}"

    @property
    def request_class(self) -> type[message.Message]:
        return message_factory.GetMessageClass(self.method.input_type)

    @property
    def response_class(self) -> type[message.Message]:
        return message_factory.GetMessageClass(self.method.output_type)


def _bindings(rule: http_pb2.HttpRule) -> list[HttpBinding]:
    out: list[HttpBinding] = []
    pattern = rule.WhichOneof("pattern")
    if pattern in _VERBS:
        out.append(HttpBinding(pattern.upper(), getattr(rule, pattern), rule.body, rule.response_body))
    elif pattern == "custom":
        out.append(HttpBinding(rule.custom.kind.upper(), rule.custom.path, rule.body, rule.response_body))
    for extra in rule.additional_bindings:
        out.extend(_bindings(extra))
    return out


@cache
def service_modules() -> tuple[object, ...]:
    """Every generated `*_service_pb2` module under gen/vigil, imported."""
    modules = []
    for info in pkgutil.walk_packages(vigil.__path__, prefix="vigil."):
        if info.name.endswith("_service_pb2"):
            modules.append(importlib.import_module(info.name))
    return tuple(modules)


@cache
def services() -> tuple[descriptor.ServiceDescriptor, ...]:
    """Every service of the contract, sorted by full name."""
    found = [svc for mod in service_modules() for svc in mod.DESCRIPTOR.services_by_name.values()]  # type: ignore[attr-defined]
    return tuple(sorted(found, key=lambda s: s.full_name))


@cache
def rpcs() -> dict[str, Rpc]:
    """Every RPC of the contract, keyed by its gRPC path."""
    out: dict[str, Rpc] = {}
    for svc in services():
        for method in svc.methods:
            options = method.GetOptions()
            rule = options.Extensions[annotations_pb2.http] if options.HasExtension(annotations_pb2.http) else None
            rpc = Rpc(svc, method, tuple(_bindings(rule)) if rule else ())
            out[rpc.path] = rpc
    return out
