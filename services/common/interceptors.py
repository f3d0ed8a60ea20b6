"""Server interceptors shared by every Vigil gRPC server.

`ErrorInterceptor` is the one place where exceptions become gRPC statuses:
a `VigilError` becomes its code plus `vigil-error-*` trailing metadata that the
REST edge renders as the family's documented error body; anything else is
logged with its traceback and becomes INTERNAL with a generic message. It also
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
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc
from google.api import httpbody_pb2
from google.protobuf import json_format, message
from prometheus_client import Counter

from services.common.contracts import Rpc, rpcs
from services.common.errors import InvalidArgument, Unimplemented, VigilError

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


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Turns exceptions into statuses, checks JSON bodies, counts requests."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        rpc = rpcs().get(details.method)
        if handler is None or rpc is None:
            return handler
        route = rpc.bindings[0].route if rpc.bindings else f"GRPC:{rpc.path}"
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, rpc, route),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(handler.unary_stream, rpc, route),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            # Client streaming (uploads): the body is the request stream, so
            # there is no JSON body to check; errors and counts as for unary.
            return grpc.stream_unary_rpc_method_handler(
                self._unary(handler.stream_unary, rpc, route, check_body=False),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    def _unary(
        self, behavior: Callable[..., Any], rpc: Rpc, route: str, *, check_body: bool = True
    ) -> Callable[..., Any]:
        async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> Any:
            seen = _StatusContext(context)
            status = 200
            try:
                if check_body:
                    check_json_body(rpc, context.invocation_metadata())
                try:
                    reply = await behavior(request, seen)
                except NotImplementedError:
                    raise _unimplemented(rpc) from None
                status = seen.http_status
                return reply
            except VigilError as err:
                status = err.http_status
                await context.abort(err.grpc_code, err.message, trailing_metadata=error_metadata(err))
            except (grpc.aio.AbortError, grpc.RpcError):
                status = seen.aborted_status()
                raise
            except Exception:
                status = 500
                log.exception("unexpected error in %s", rpc.path)
                await context.abort(grpc.StatusCode.INTERNAL, "internal server error")
            finally:
                REQUESTS.labels(route, str(status)).inc()
                log.debug("%s %s -> %d", route, rpc.path, status)

        return wrapper

    def _stream(self, behavior: Callable[..., Any], rpc: Rpc, route: str) -> Callable[..., Any]:
        async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            seen = _StatusContext(context)
            status = 200
            try:
                check_json_body(rpc, context.invocation_metadata())
                try:
                    async for item in behavior(request, seen):
                        status = seen.http_status
                        yield item
                except NotImplementedError:
                    raise _unimplemented(rpc) from None
                status = seen.http_status
            except VigilError as err:
                status = err.http_status
                await context.abort(err.grpc_code, err.message, trailing_metadata=error_metadata(err))
            except (grpc.aio.AbortError, grpc.RpcError):
                status = seen.aborted_status()
                raise
            except Exception:
                status = 500
                log.exception("unexpected error in %s", rpc.path)
                await context.abort(grpc.StatusCode.INTERNAL, "internal server error")
            finally:
                REQUESTS.labels(route, str(status)).inc()
                log.debug("%s %s -> %d", route, rpc.path, status)

        return wrapper
