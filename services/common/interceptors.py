"""Server interceptors shared by every Vigil gRPC server.

`ErrorInterceptor` is the one place where exceptions become gRPC statuses, for
every server, the inference service's included: a `VigilError` becomes its
code and message, plus, on a `vigil.*` method, `vigil-error-*` trailing
metadata that the REST edge renders as the family's documented error body;
anything else is logged with its traceback and becomes INTERNAL with a generic
message. Unary and streaming methods share that one path (`_Call`). It also
counts every call by REST route and by the HTTP status the client receives
(a method's `vigil-http-status`: 201, 204; an error's status) for `/metrics`,
and re-checks JSON bodies strictly, since the transcoder silently drops
unknown fields.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from typing import Any

import grpc
import sqlalchemy.exc
from google.api import httpbody_pb2
from google.protobuf import json_format, message
from prometheus_client import Counter

from services.common.contracts import Rpc, rpcs
from services.common.errors import InvalidArgument, Unavailable, Unimplemented, VigilError

log = logging.getLogger(__name__)

#: Metadata the REST edge (envoy/vigil.lua) copies a JSON request body into.
JSON_BODY_KEY = "vigil-json-body-bin"
#: Metadata that tells the edge which HTTP status to answer with.
HTTP_STATUS_KEY = "vigil-http-status"

REQUESTS = Counter(
    "request_count",
    "Counter of requests by REST route and HTTP status code",
    ["path", "status_code"],
)

#: SQLAlchemy errors that mean the database cannot be reached right now.
DATABASE_DOWN = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.DisconnectionError)

_UNKNOWN_FIELD = re.compile(r'has no field named "([^"]+)"')


def error_metadata(err: VigilError) -> tuple[tuple[str, str], ...]:
    """The trailing metadata the REST edge reads to render an error body."""
    return (
        (HTTP_STATUS_KEY, str(err.http_status)),
        ("vigil-error-message", urllib.parse.quote(err.message, safe=" ")),
        ("vigil-error-code", str(err.error_code)),
        ("vigil-error-desc", urllib.parse.quote(err.desc, safe=" ")),
    )


def check_json_body(rpc: Rpc, metadata: Sequence[tuple[str, str | bytes]] | None) -> None:
    """Reject unknown fields in the JSON body the edge forwarded, if any."""
    raw = next((v for k, v in metadata or () if k == JSON_BODY_KEY), None)
    body_field = next((b.body for b in rpc.bindings if b.body), "")
    if raw is None or not body_field:
        return
    if isinstance(raw, str):  # the edge sends base64; grpc decodes -bin keys itself
        try:
            raw = base64.b64decode(raw)
        except binascii.Error:
            return
    target: message.Message = rpc.request_class()
    if body_field != "*":
        field = rpc.method.input_type.fields_by_name.get(body_field)
        if field is None or field.message_type is None:
            return
        target = getattr(target, body_field)
    if isinstance(target, httpbody_pb2.HttpBody):
        return
    try:
        json_format.Parse(raw.decode("utf-8"), target, ignore_unknown_fields=False)
    except (json_format.ParseError, UnicodeDecodeError, RecursionError) as exc:
        match = _UNKNOWN_FIELD.search(str(exc))
        if match:
            raise InvalidArgument(f"unknown field '{match.group(1)}'") from None
        raise InvalidArgument(str(exc).splitlines()[0][:200]) from None


#: The HTTP status Envoy's transcoder answers for a gRPC status (its
#: `grpc_status_to_http`), for calls a servicer aborted by hand.
_HTTP_OF_GRPC = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}


class _StatusContext:
    """The servicer context as a method sees it, noting the HTTP status the
    method asks the edge for (`vigil-http-status` in its initial metadata),
    so the request counter records what the client really received."""

    def __init__(self, context: grpc.aio.ServicerContext) -> None:
        self._context = context
        self.http_status = 200

    async def send_initial_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        for key, value in metadata:
            if key == HTTP_STATUS_KEY:
                self.http_status = int(value)
        await self._context.send_initial_metadata(metadata)

    def aborted_status(self) -> int:
        """The HTTP status of a call the method aborted itself."""
        try:
            code = self._context.code()
        except Exception:  # not every grpc.aio version keeps the code
            return 500
        if isinstance(code, grpc.StatusCode):
            return _HTTP_OF_GRPC.get(code, 500)
        return 500

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def _unimplemented(rpc: Rpc) -> Unimplemented:
    """The honest answer of an RPC that a later piece of work builds.

    grpcio-tools' base servicers raise NotImplementedError for every method a
    servicer does not override; that is the only way a method is left out.
    """
    return Unimplemented(f"{rpc.method.name} is not implemented yet")


class _Call:
    """One call of an intercepted method: the context the method sees, and
    the one place where what the method raised becomes a status (and, for a
    `vigil.*` method, where the call is counted)."""

    def __init__(self, rpc: Rpc | None, method: str, context: grpc.aio.ServicerContext) -> None:
        self._rpc = rpc
        self._method = method
        self._context = context
        self.context = _StatusContext(context)

    def check_body(self) -> None:
        """Re-check the JSON body the edge forwarded, for `vigil.*` methods."""
        if self._rpc is not None:
            check_json_body(self._rpc, self._context.invocation_metadata())

    async def __aenter__(self) -> _Call:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        status = self.context.http_status
        try:
            if isinstance(exc, NotImplementedError) and self._rpc is not None:
                exc = _unimplemented(self._rpc)
            if isinstance(exc, DATABASE_DOWN):
                # The database restarting, unreachable or out of connections:
                # a 503 the client may retry (the pool reconnects by itself).
                log.warning("%s: the database failed: %s", self._method, str(exc).splitlines()[0][:200])
                exc = Unavailable("the database is not answering now; try again")
            if isinstance(exc, VigilError):
                status = exc.http_status
                # Only `vigil.*` calls pass the REST edge that reads the details.
                details = error_metadata(exc) if self._rpc is not None else ()
                await self._context.abort(exc.grpc_code, exc.message, trailing_metadata=details)
            elif isinstance(exc, (grpc.aio.AbortError, grpc.RpcError)):
                status = self.context.aborted_status()
            elif isinstance(exc, Exception):
                status = 500
                log.error("unexpected error in %s", self._method, exc_info=exc)
                await self._context.abort(grpc.StatusCode.INTERNAL, "internal server error")
        finally:
            if self._rpc is not None:
                route = self._rpc.bindings[0].route if self._rpc.bindings else f"GRPC:{self._rpc.path}"
                REQUESTS.labels(route, str(status)).inc()
                log.debug("%s %s -> %d", route, self._rpc.path, status)


def _unary(behavior: Callable[..., Any], rpc: Rpc | None, method: str, *, check_body: bool) -> Callable[..., Any]:
    """A method that answers one message, wrapped in its call."""

    async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with _Call(rpc, method, context) as call:
            if check_body:
                call.check_body()
            return await behavior(request, call.context)

    return wrapper


def _streaming(behavior: Callable[..., Any], rpc: Rpc | None, method: str, *, check_body: bool) -> Callable[..., Any]:
    """A method that answers a stream of messages, wrapped in its call."""

    async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        async with _Call(rpc, method, context) as call:
            if check_body:
                call.check_body()
            async for item in behavior(request, call.context):
                yield item

    return wrapper


#: Each kind of method handler: how to make one, how to wrap its method, and
#: whether its request may carry a JSON body to re-check (a streamed request,
#: an upload's chunks, is the body itself).
_KINDS: tuple[tuple[str, Callable[..., grpc.RpcMethodHandler], Callable[..., Any], bool], ...] = (
    ("unary_unary", grpc.unary_unary_rpc_method_handler, _unary, True),
    ("stream_unary", grpc.stream_unary_rpc_method_handler, _unary, False),
    ("unary_stream", grpc.unary_stream_rpc_method_handler, _streaming, True),
    ("stream_stream", grpc.stream_stream_rpc_method_handler, _streaming, False),
)


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Turns exceptions into statuses for every method of the `vigil.*`
    contracts and of `services` (the services a server registers, such as
    `inference.GRPCInferenceService`); for `vigil.*` methods it also checks
    JSON bodies and counts requests. gRPC's own services (health,
    reflection) pass untouched."""

    def __init__(self, services: Collection[str] = ()) -> None:
        self._services = frozenset(services)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method = details.method
        rpc = rpcs().get(method)
        if handler is None or (rpc is None and method.split("/")[1] not in self._services):
            return handler
        for kind, make_handler, wrap, check_body in _KINDS:
            behavior = getattr(handler, kind)
            if behavior:
                return make_handler(
                    wrap(behavior, rpc, method, check_body=check_body),
                    request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer,
                )
        return handler
