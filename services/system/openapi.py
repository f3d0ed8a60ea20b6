"""The OpenAPI 3 document of the REST edge, made from the contracts' http
rules and message descriptors (nothing is written down twice)."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

import yaml
from google.protobuf import descriptor

from services.common.contracts import HttpBinding, Rpc, rpcs
from services.system.domain import version_triple

_SCALARS: dict[int, dict[str, Any]] = {
    descriptor.FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    descriptor.FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    descriptor.FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    descriptor.FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    descriptor.FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    descriptor.FieldDescriptor.TYPE_UINT32: {"type": "integer", "minimum": 0},
    descriptor.FieldDescriptor.TYPE_FIXED32: {"type": "integer", "minimum": 0},
    descriptor.FieldDescriptor.TYPE_INT64: {"type": "string", "format": "int64"},
    descriptor.FieldDescriptor.TYPE_UINT64: {"type": "string", "format": "uint64"},
    descriptor.FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    descriptor.FieldDescriptor.TYPE_STRING: {"type": "string"},
    descriptor.FieldDescriptor.TYPE_BYTES: {"type": "string", "format": "byte"},
    descriptor.FieldDescriptor.TYPE_ENUM: {"type": "string"},
}
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    "google.protobuf.Value": {"nullable": True},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
}
_PARAM = re.compile(r"\{([^}=]+)(?:=[^}]*)?\}")


class _Builder:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def field(self, field: descriptor.FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = field.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self.field(value)}
        schema = self.ref(field.message_type) if field.message_type is not None else dict(_SCALARS[field.type])
        if field.is_repeated:
            return {"type": "array", "items": schema}
        return schema

    def ref(self, message: descriptor.Descriptor) -> dict[str, Any]:
        if message.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[message.full_name])
        if message.full_name == "google.api.HttpBody":
            return {"type": "string", "format": "binary"}
        if message.full_name not in self.schemas:
            self.schemas[message.full_name] = {}  # placeholder stops recursion
            self.schemas[message.full_name] = {
                "type": "object",
                "properties": {f.name: self.field(f) for f in message.fields},
            }
        return {"$ref": f"#/components/schemas/{message.full_name}"}

    def operation(self, rpc: Rpc, binding: HttpBinding) -> dict[str, Any]:
        path_params = _PARAM.findall(binding.path)
        fields = rpc.method.input_type.fields_by_name
        params: list[dict[str, Any]] = [
            {"name": p, "in": "path", "required": True, "schema": self.field(fields[p]) if p in fields else {}}
            for p in path_params
        ]
        if binding.body != "*":
            params += [
                {"name": f.json_name if "__" in f.json_name else f.name, "in": "query", "schema": self.field(f)}
                for f in rpc.method.input_type.fields
                if f.name not in path_params and f.name != binding.body and f.message_type is None
            ]
        op: dict[str, Any] = {
            "operationId": f"{rpc.service.name}.{rpc.method.name}",
            "tags": [rpc.service.full_name],
            "parameters": params,
            "responses": {"200": self.response(rpc, binding), "default": {"description": "error"}},
        }
        if binding.body:
            body = rpc.method.input_type if binding.body == "*" else fields[binding.body].message_type
            if body is not None and body.full_name == "google.api.HttpBody":
                op["requestBody"] = {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}
            elif body is not None:
                op["requestBody"] = {"content": {"application/json": {"schema": self.ref(body)}}}
        return op

    def response(self, rpc: Rpc, binding: HttpBinding) -> dict[str, Any]:
        output = rpc.method.output_type
        if output.full_name == "google.api.HttpBody" or binding.response_body:
            return {"description": "raw body", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}
        return {"description": "OK", "content": {"application/json": {"schema": self.ref(output)}}}


@cache
def spec() -> dict[str, Any]:
    """The OpenAPI document as a dict."""
    builder = _Builder()
    paths: dict[str, dict[str, Any]] = {}
    for rpc in rpcs().values():
        for binding in rpc.bindings:
            path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", binding.path)
            paths.setdefault(path, {})[binding.verb.lower()] = builder.operation(rpc, binding)
    major, minor, patch = version_triple()
    return {
        "openapi": "3.0.3",
        "info": {"title": "Vigil REST edge", "version": f"{major}.{minor}.{patch}"},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(builder.schemas.items()))},
    }


@cache
def spec_yaml() -> str:
    """The document as YAML."""
    return yaml.safe_dump(spec(), sort_keys=False)


@cache
def spec_html() -> str:
    """A self-contained HTML page listing every route, with the YAML below."""
    rows = []
    for path, ops in spec()["paths"].items():
        for verb, op in ops.items():
            rows.append(
                f"<tr><td><code>{verb.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op['operationId'])}</td></tr>"
            )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Vigil REST edge</title></head><body>"
        "<h1>Vigil REST edge</h1><table><tr><th>method</th><th>path</th><th>gRPC method</th></tr>"
        + "".join(rows)
        + f"</table><h2>OpenAPI</h2><pre>{html.escape(spec_yaml())}</pre></body></html>"
    )
