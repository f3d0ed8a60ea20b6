"""The one check of FindFace tokens (`Authorization: Token <token>`): a server
interceptor in the Uploads process, in front of every ArchivesService method,
through the edge or on the gRPC port alike. A missing, malformed, unknown or
revoked token is UNAUTHENTICATED (HTTP 401 in FindFace's shape, with
`WWW-Authenticate: Token`) before the method runs, and is counted in
`/metrics`; a good token's owner is the tenant the method works for
(`current_owner()`)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from services.auth.families import count_failure
from services.auth.tokens import TokenStore
from services.common.errors import Unauthenticated

log = logging.getLogger(__name__)

#: The gRPC services whose every method needs a FindFace token.
FINDFACE_SERVICES = frozenset({"vigil.uploads.v1.ArchivesService"})
_TOKEN = re.compile(r"^Token ([0-9a-f]{40})$")
_owner: contextvars.ContextVar[str | None] = contextvars.ContextVar("vigil_owner", default=None)


def current_owner() -> str | None:
    """The owner of the FindFace token of the call being served."""
    return _owner.get()


class FindFaceTokenInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, store: TokenStore) -> None:
        self._store = store

    async def _check(self, context: grpc.aio.ServicerContext) -> str:
        header = next((v for k, v in context.invocation_metadata() or () if k == "authorization"), None)
        if header is None:
            count_failure("findface", "missing")
            raise Unauthenticated("Authentication credentials were not provided.")
        match = _TOKEN.match(str(header).strip())
        if match is None:
            count_failure("findface", "malformed")
            raise Unauthenticated("Invalid token header: use 'Authorization: Token <token>'.")
        info = await asyncio.to_thread(self._store.lookup, match.group(1))
        if info is None:
            count_failure("findface", "unknown_token")
            raise Unauthenticated("Invalid token.")
        if info.revoked_at is not None:
            count_failure("findface", "revoked_token")
            log.info("refused revoked FindFace token %s (id %d)", info.prefix, info.id)
            raise Unauthenticated("Invalid token.")
        return info.owner

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or details.method.split("/")[1] not in FINDFACE_SERVICES:
            return handler
        check = self._check
        if handler.unary_unary:
            inner_uu = handler.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                _owner.set(await check(context))
                return await inner_uu(request, context)

            return grpc.unary_unary_rpc_method_handler(
                unary_unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_unary:
            inner_su = handler.stream_unary

            async def stream_unary(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
                _owner.set(await check(context))
                return await inner_su(requests, context)

            return grpc.stream_unary_rpc_method_handler(
                stream_unary, handler.request_deserializer, handler.response_serializer
            )
        raise RuntimeError(f"{details.method}: a streamed answer has no token check")
