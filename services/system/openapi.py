"""The OpenAPI 3 document of the REST edge, made from the contracts' http
rules and message descriptors (nothing is written down twice)."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

import yaml
from google.protobuf import descriptor

from services.auth.families import family_of_path
from services.common.contracts import HttpBinding, Rpc, rpcs
from services.system.console import CONTENT_TYPES
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
_VERSION = re.compile(r"^/(\d+)/")

#: The success status of the routes that do not answer 200 (the servicers
#: set it with `vigil-http-status`; tests/unit/test_openapi_document.py
#: checks this table against them).
SUCCESS_STATUS: dict[str, int] = {
    "ArchivesService.CreateArchive": 201,
    "ArchivesService.UploadSourceFile": 201,
    "ArchivesService.DeleteArchive": 204,
    "LunaStreamsService.CreateLunaStream": 201,
    "LunaStreamsService.CreateLunaStreamV2": 201,
    "LunaStreamsService.UpdateLunaStream": 204,
    "LunaStreamsService.DeleteLunaStream": 204,
    "LunaStreamsService.DeleteLunaStreams": 204,
    "LunaGroupsService.CreateLunaGroup": 201,
    "LunaGroupsService.UpdateLunaGroup": 204,
    "LunaGroupsService.DeleteLunaGroup": 204,
    "LunaGroupsService.LinkLunaGroupStreams": 204,
    "SystemService.GetDocsDev": 302,
}
#: What the console's static files are served as (services/system/console.py).
CONSOLE_CONTENT = (*dict.fromkeys(t.split(";")[0] for t in CONTENT_TYPES.values()), "application/octet-stream")
#: The content types of the routes that answer a raw `google.api.HttpBody`
#: (every such route must be listed: the unit test checks it).
RAW_CONTENT: dict[str, tuple[str, ...]] = {
    "LunaStreamsService.GetLunaStreamLastFramePreview": ("image/jpeg",),
    "LunaStreamsService.GetLunaStreamLivePreview": ("multipart/x-mixed-replace",),
    "VisualizationService.GetMjpeg": ("multipart/x-mixed-replace",),
    "VisualizationService.GetMjpegOverlay": ("multipart/x-mixed-replace",),
    "VisualizationService.GetStreamJpeg": ("image/jpeg",),
    "VisualizationService.GetVisual": ("text/html",),
    "VisualizationService.GetVisualOverlay": ("text/html",),
    "SystemService.GetMetrics": ("text/plain",),
    "SystemService.GetConfig": ("application/json", "text/plain"),
    "SystemService.GetDocsSpec": ("application/x-yaml", "text/html"),
    "SystemService.GetDocsDev": ("text/html",),
    "SystemService.GetDocsDevPage": ("text/html",),
    "SystemService.GetConsoleFile": CONSOLE_CONTENT,
    "ArchivesService.GetScreenshot": ("image/jpeg",),
    "EventsService.FollowEvents": ("text/event-stream",),
    "EventsService.GetEventThumbnail": ("image/jpeg",),
    "ArchivesService.TakeScreenshot": ("image/jpeg",),
}

#: Each family's error body (README "How the REST edge works"), as envoy/vigil.lua renders it.
ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "VisionaireError": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
        "additionalProperties": False,
    },
    "LenzError": {
        "type": "object",
        "required": ["success", "message"],
        "properties": {"success": {"type": "boolean", "enum": [False]}, "message": {"type": "string"}},
        "additionalProperties": False,
    },
    "LunaError": {
        "type": "object",
        "required": ["error_code", "desc", "detail"],
        "properties": {
            "error_code": {"type": "integer"},
            "desc": {"type": "string"},
            "detail": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "FindFaceError": {
        "type": "object",
        "required": ["code", "desc"],
        "properties": {"code": {"type": "string"}, "desc": {"type": "string"}},
        "additionalProperties": False,
    },
    "GaardError": {
        "type": "object",
        "required": ["error_code", "error_msg"],
        "properties": {"error_code": {"type": "integer"}, "error_msg": {"type": "string"}},
        "additionalProperties": False,
    },
}
#: family -> (error schema, the error statuses its routes answer).
FAMILIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "visionaire": ("VisionaireError", (400, 404, 409, 500, 501, 503)),
    "lenz": ("LenzError", (400, 404, 409, 413, 500, 501, 503, 507)),
    "luna": ("LunaError", (400, 404, 409, 413, 415, 500, 501, 503)),
    "findface": ("FindFaceError", (400, 404, 409, 413, 500, 501, 507)),
    "gaard": ("GaardError", (400, 404, 413, 415, 422, 429, 500, 503)),
}
_REASONS = {
    400: "Bad request",
    404: "Not found",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable video",
    429: "Too many requests",
    500: "Internal error",
    501: "Not implemented",
    503: "Unavailable",
    507: "Insufficient storage",
}


def family(path: str) -> str:
    """The API family of a path (the same rule as envoy/vigil.lua)."""
    if (
        re.match(r"^/[12]/", path)
        or path in ("/version", "/healthcheck", "/config", "/plugins")
        or path.startswith("/docs/")
    ):
        return "luna"
    if (
        path.startswith(("/api/visionaire-media/", "/api/visionaire/", "/vigil/v1/videos/"))
        or path == "/api/visionaire_active_analytic_list"
    ):
        return "lenz"
    if path.startswith(("/api/classify", "/api/result")):
        return "gaard"
    if path == "/videos" or path.startswith("/videos/"):
        return "findface"
    return "visionaire"


#: The credentials of each family (README "Authentication and tenancy"): Lenz
#: needs a Bearer JWT, FindFace a token; LUNA and Gaard take an optional
#: Bearer whose tenant wins. Visionaire4 needs none by default.
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "tokenAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Token <token>`, made by `vigil token create --owner NAME`.",
    },
}
_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "lenz": [{"bearerAuth": []}],
    "findface": [{"tokenAuth": []}],
    "luna": [{}, {"bearerAuth": []}],
    "gaard": [{}, {"bearerAuth": []}],
}


def _security(path: str) -> tuple[list[dict[str, list[str]]], str] | None:
    """The security requirements of a route and the family its 401 answers in."""
    auth_family = family_of_path(path)
    if auth_family == "luna" and not re.match(r"^/[12]/", path):
        return None  # /version, /healthcheck, /config, /plugins, /docs: no credential
    if auth_family not in _SECURITY:
        return None
    return _SECURITY[auth_family], auth_family


def rpc_name(rpc: Rpc) -> str:
    """`Service.Method`, the key of the tables above."""
    return f"{rpc.service.name}.{rpc.method.name}"


def operation_id(rpc: Rpc, binding: HttpBinding) -> str:
    """Unique per route: `Service.Method`, with the API version (`.v1`,
    `.v2`) or the binding's number when one method has several routes."""
    if len(rpc.bindings) < 2:
        return rpc_name(rpc)
    version = _VERSION.match(binding.path)
    return f"{rpc_name(rpc)}.v{version.group(1)}" if version else f"{rpc_name(rpc)}.{rpc.bindings.index(binding) + 1}"


class _Builder:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def field(self, field: descriptor.FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = field.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self.field(value)}
        if field.message_type is not None:
            schema = self.ref(field.message_type)
        elif field.enum_type is not None:
            schema = {"type": "string", "enum": [v.name for v in field.enum_type.values]}
        else:
            schema = dict(_SCALARS[field.type])
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
            # The edge prints every field without presence (scalars, enums,
            # repeated and map fields) even at its default value.
            required = [
                f.name
                for f in message.fields
                if (f.is_repeated or f.message_type is None) and f.containing_oneof is None
            ]
            schema: dict[str, Any] = {
                "type": "object",
                "properties": {f.name: self.field(f) for f in message.fields},
            }
            if required:
                schema["required"] = required
            self.schemas[message.full_name] = schema
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
        error = f"#/components/responses/{FAMILIES[family(binding.path)][0]}"
        responses: dict[str, Any] = self.success(rpc, binding)
        responses.update({str(status): {"$ref": error} for status in FAMILIES[family(binding.path)][1]})
        responses["default"] = {"$ref": error}
        security = _security(binding.path)
        op: dict[str, Any] = {
            "operationId": operation_id(rpc, binding),
            "tags": [rpc.service.full_name],
            "x-grpc-method": rpc.path,
            "parameters": params,
            "responses": responses,
        }
        if security is not None:
            requirements, auth_family = security
            op["security"] = requirements
            op["responses"]["401"] = {"$ref": f"#/components/responses/{FAMILIES[auth_family][0]}"}
        if binding.body:
            body = rpc.method.input_type if binding.body == "*" else fields[binding.body].message_type
            if body is not None and body.full_name == "google.api.HttpBody":
                op["requestBody"] = {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}
            elif body is not None:
                op["requestBody"] = {"content": {"application/json": {"schema": self.ref(body)}}}
        return op

    def success(self, rpc: Rpc, binding: HttpBinding) -> dict[str, Any]:
        """The success response(s) of a route: its real status and body."""
        status = SUCCESS_STATUS.get(rpc_name(rpc), 200)
        if status == 204:
            return {"204": {"description": "No content"}}
        output = rpc.method.output_type
        if output.full_name == "google.api.HttpBody":
            kinds = RAW_CONTENT.get(rpc_name(rpc), ("*/*",))
            content: dict[str, Any] = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in kinds}
            for structured in ("application/json", "application/x-yaml"):  # a JSON or YAML document, not bytes
                if structured in content:
                    content[structured] = {"schema": {"type": "object", "additionalProperties": True}}
            out: dict[str, Any] = {"description": "OK" if status == 200 else "Found", "content": content}
            if status == 302:
                out["headers"] = {"Location": {"required": True, "schema": {"type": "string"}}}
            return {str(status): out}
        if binding.response_body:
            schema = self.printed_body(output, binding.response_body)
        else:
            schema = self.ref(output)
        description = "Created" if status == 201 else "OK"
        return {str(status): {"description": description, "content": {"application/json": {"schema": schema}}}}

    def printed_body(self, output: descriptor.Descriptor, body_field: str) -> dict[str, Any]:
        """The JSON a servicer prints into a `google.api.HttpBody` response
        field (ListLunaGroupsResponse, ClassifyResponse): the message's other
        field, or one of the fields of its oneof."""
        others = [f for f in output.fields if f.name != body_field]
        oneofs = {f.containing_oneof.name for f in others if f.containing_oneof is not None}
        if len(oneofs) == 1 and all(f.containing_oneof is not None for f in others):
            return {"oneOf": [self.field(f) for f in others]}
        if len(others) == 1:
            return self.field(others[0])
        raise ValueError(f"{output.full_name}: cannot tell what {body_field} prints")


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
    schemas = {**builder.schemas, **ERROR_SCHEMAS}
    responses = {
        name: {
            "description": f"{name[: -len('Error')]} error body",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
        for name in ERROR_SCHEMAS
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Vigil REST edge", "version": f"{major}.{minor}.{patch}"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "responses": responses,
            "securitySchemes": SECURITY_SCHEMES,
        },
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
                f"<td>{html.escape(op['x-grpc-method'])}</td></tr>"
            )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Vigil REST edge</title></head><body>"
        "<h1>Vigil REST edge</h1><table><tr><th>method</th><th>path</th><th>gRPC method</th></tr>"
        + "".join(rows)
        + f"</table><h2>OpenAPI</h2><pre>{html.escape(spec_yaml())}</pre></body></html>"
    )
