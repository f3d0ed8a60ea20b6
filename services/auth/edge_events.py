"""What the REST edge reports to the System process: jwt_authn's refusals,
counted by family and reason for `/metrics` (`vigil_auth_failures_total`).

envoy/vigil.lua sends one fire-and-forget gRPC call per refusal to
`/vigil.internal.EdgeEvents/AuthFailure` with `family\\nmessage` as the raw
request (no proto: it is no part of the contract and has no REST route; the
edge answers 404 to any client that asks for a `/vigil.internal.` path).
"""

from __future__ import annotations

import logging

import grpc

from services.auth.families import count_failure, jwt_reason

log = logging.getLogger(__name__)

SERVICE = "vigil.internal.EdgeEvents"


async def _auth_failure(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    family, _, message = request.decode("utf-8", "replace").partition("\n")
    reason = jwt_reason(message)
    count_failure(family, reason)
    log.debug("edge refused a %s request: %s (%s)", family, message, reason)
    return b""


def edge_events_handler() -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "AuthFailure": grpc.unary_unary_rpc_method_handler(
                _auth_failure, request_deserializer=None, response_serializer=None
            )
        },
    )
