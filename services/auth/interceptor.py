"""The Uploads process's one credential interceptor.

FindFace (`Authorization: Token <token>`), in front of every ArchivesService
method, through the edge or on the gRPC port alike: a missing, malformed,
unknown or revoked token is UNAUTHENTICATED (HTTP 401 in FindFace's shape,
with `WWW-Authenticate: Token`) before the method runs, and is counted in
`/metrics`; a good token's owner is the tenant the method works for.

Lenz (UploadsService): Envoy's jwt_authn has verified the Bearer token and
passes its tenant claim as `vigil-auth-tenant`; a verified token without that
claim is refused here (a call through the edge always carries `vigil-origin`).
A call on the gRPC port without either is a trusted local caller (tenant None).

LUNA and Gaard (`TenantInterceptor`, in the Streams and Classification
processes): their documents carry no credentials, so a Bearer token is
optional there; when the edge verified one, its tenant wins over the
`account_id` / `tenant` the request names (OWASP API1).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from services.auth.families import JWT_HEADER_TENANT, count_failure
from services.auth.tenant import set_owner
from services.auth.tokens import TokenStore
from services.common.errors import Unauthenticated

log = logging.getLogger(__name__)

#: The gRPC services whose every method needs a FindFace token.
FINDFACE_SERVICES = frozenset({"vigil.uploads.v1.ArchivesService"})
#: The gRPC services behind Lenz routes (the Bearer token is checked at the edge).
LENZ_SERVICES = frozenset({"vigil.uploads.v1.UploadsService"})
_TOKEN = re.compile(r"^Token ([0-9a-f]{40})$")


def _metadata(context: grpc.aio.ServicerContext, key: str) -> str | None:
    value = next((v for k, v in context.invocation_metadata() or () if k == key), None)
    return None if value is None else str(value)


def _lenz_tenant(context: grpc.aio.ServicerContext) -> str | None:
    tenant = _metadata(context, JWT_HEADER_TENANT)
    if tenant:
        return tenant
    if _metadata(context, "vigil-origin") is not None:
        count_failure("lenz", "no_tenant")
        raise Unauthenticated("the token names no tenant")
    return None


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, store: TokenStore) -> None:
        self._store = store

    async def _owner(self, service: str, context: grpc.aio.ServicerContext) -> str | None:
        if service in LENZ_SERVICES:
            return _lenz_tenant(context)
        return await self._findface_owner(context)

    async def _findface_owner(self, context: grpc.aio.ServicerContext) -> str:
        header = _metadata(context, "authorization")
        if header is None:
            count_failure("findface", "missing")
            raise Unauthenticated("Authentication credentials were not provided.")
        match = _TOKEN.match(header.strip())
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
        service = details.method.split("/")[1]
        if handler is None or service not in FINDFACE_SERVICES | LENZ_SERVICES:
            return handler

        async def check(context: grpc.aio.ServicerContext) -> None:
            set_owner(await self._owner(service, context))

        if handler.unary_unary:
            inner_uu = handler.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                await check(context)
                return await inner_uu(request, context)

            return grpc.unary_unary_rpc_method_handler(
                unary_unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_unary:
            inner_su = handler.stream_unary

            async def stream_unary(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
                await check(context)
                return await inner_su(requests, context)

            return grpc.stream_unary_rpc_method_handler(
                stream_unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.unary_stream:
            inner_us = handler.unary_stream

            async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                await check(context)
                async for item in inner_us(request, context):
                    yield item

            return grpc.unary_stream_rpc_method_handler(
                unary_stream, handler.request_deserializer, handler.response_serializer
            )
        raise RuntimeError(f"{details.method}: no credential check for this kind of method")


#: Services where a verified Bearer token's tenant, when there is one,
#: replaces the `account_id` (LUNA) or `tenant` (Gaard) the request names.
TENANT_SERVICES = frozenset(
    {
        "vigil.streams.v1.LunaStreamsService",
        "vigil.streams.v1.LunaGroupsService",
        "vigil.classification.v1.ClassificationService",
    }
)
_TENANT_FIELDS = ("account_id", "tenant")


def _override_tenant(request: Any, tenant: str) -> None:
    for name in _TENANT_FIELDS:
        field = request.DESCRIPTOR.fields_by_name.get(name)
        if field is not None and field.type == field.TYPE_STRING and field.label != field.LABEL_REPEATED:
            setattr(request, name, tenant)


class TenantInterceptor(grpc.aio.ServerInterceptor):
    """The tenant of a verified Bearer token wins over the one a LUNA or
    Gaard request names; without a token the request's own holds."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or details.method.split("/")[1] not in TENANT_SERVICES:
            return handler
        if handler.unary_unary:
            inner_uu = handler.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                tenant = _metadata(context, JWT_HEADER_TENANT)
                set_owner(tenant)
                if tenant:
                    _override_tenant(request, tenant)
                return await inner_uu(request, context)

            return grpc.unary_unary_rpc_method_handler(
                unary_unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.unary_stream:
            inner_us = handler.unary_stream

            async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                tenant = _metadata(context, JWT_HEADER_TENANT)
                set_owner(tenant)
                if tenant:
                    _override_tenant(request, tenant)
                async for item in inner_us(request, context):
                    yield item

            return grpc.unary_stream_rpc_method_handler(
                unary_stream, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_unary:
            inner_su = handler.stream_unary

            async def stream_unary(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
                # A streamed request (Gaard's multipart form) reads the tenant itself: current_owner().
                set_owner(_metadata(context, JWT_HEADER_TENANT))
                return await inner_su(requests, context)

            return grpc.stream_unary_rpc_method_handler(
                stream_unary, handler.request_deserializer, handler.response_serializer
            )
        return handler
