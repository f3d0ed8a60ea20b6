"""Server interceptors shared by every Vigil gRPC server.

`ErrorInterceptor` is the one place where exceptions become gRPC statuses:
a `VigilError` becomes its code plus `vigil-error-*` trailing metadata that the
REST edge renders as the family's documented error body; anything else is
logged with its traceback and becomes INTERNAL with a generic message. It also
counts every call by REST route and HTTP status for `/metrics`, and re-checks
JSON bodies strictly, since the transcoder silently drops unknown fields.
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
            status = 200
            try:
                if check_body:
                    check_json_body(rpc, context.invocation_metadata())
                try:
                    return await behavior(request, context)
                except NotImplementedError:
                    raise _unimplemented(rpc) from None
            except VigilError as err:
                status = err.http_status
                await context.abort(err.grpc_code, err.message, trailing_metadata=error_metadata(err))
            except (grpc.aio.AbortError, grpc.RpcError):
                status = 500
                raise
            except Exception:
                status = 500
                log.exception("unexpected error in %s", rpc.path)
                await context.abort(grpc.StatusCode.INTERNAL, "internal server error")
            finally:
                REQUESTS.labels(route, str(status)).inc()

        return wrapper

    def _stream(self, behavior: Callable[..., Any], rpc: Rpc, route: str) -> Callable[..., Any]:
        async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            status = 200
            try:
                check_json_body(rpc, context.invocation_metadata())
                try:
                    async for item in behavior(request, context):
                        yield item
                except NotImplementedError:
                    raise _unimplemented(rpc) from None
            except VigilError as err:
                status = err.http_status
                await context.abort(err.grpc_code, err.message, trailing_metadata=error_metadata(err))
            except (grpc.aio.AbortError, grpc.RpcError):
                status = 500
                raise
            except Exception:
                status = 500
                log.exception("unexpected error in %s", rpc.path)
                await context.abort(grpc.StatusCode.INTERNAL, "internal server error")
            finally:
                REQUESTS.labels(route, str(status)).inc()

        return wrapper
