"""The Gaard face of the classification domain (document 004): protobuf in,
domain calls, protobuf out.

Classify answers REST clients with `http_body` (the edge prints it as the
HTTP body) and gRPC clients with the typed `outcome`; `http_body` holds the
JSON of `outcome` printed with the edge's rules, so a synchronous result is
byte for byte the JSON that GetResult prints.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import grpc
from google.api import httpbody_pb2
from google.protobuf import json_format, message, struct_pb2

from services.classification import errors
from services.classification.domain import Classifications
from services.classification.errors import gaard_error
from services.classification.intake import Intake
from services.common.errors import VigilError
from services.db.models import Classification, as_utc
from services.http_body.body import RequestBody
from vigil.classification.v1 import classification_pb2, classification_service_pb2_grpc
from vigil.classification.v1 import classification_service_pb2 as pb

#: How much of a refused body is still read, so the client gets the answer.
DRAIN_BYTES = 256 * 1024 * 1024


def timestamp(value: datetime | None) -> str:
    """ISO 8601 with milliseconds and the server's UTC offset, as Gaard
    prints it (`2024-05-14T16:13:37.156+02:00`); "" for None."""
    if value is None:
        return ""
    return as_utc(value).astimezone().isoformat(timespec="milliseconds")


def result_pb(row: Classification) -> classification_pb2.Classification:
    """A row as Gaard prints a result."""
    metadata = struct_pb2.Struct()
    metadata.update(row.client_metadata)
    return classification_pb2.Classification(
        id=row.id,
        status=classification_pb2.ClassificationStatus(classify=row.status_classify, video=row.status_video),
        parentId=row.parent_id,
        cameraId=row.camera_id,
        analyse_id=row.analyse_id,
        tenant=row.tenant,
        duration=row.duration_ms,
        duration_seconds=row.duration_ms // 1000,
        model=row.model,
        version=row.version,
        error_code=row.error_code,
        error_msg=row.error_msg,
        risk=row.risk,
        labels=row.labels,
        scores=row.scores,
        video=classification_pb2.VideoInfo(videoname=row.videoname, filesize=float(row.filesize), specs=row.specs),
        timing=classification_pb2.Timing(total=row.timing_total_ms),
        metadata=metadata,
        created_at=timestamp(row.created_at),
        started_at=timestamp(row.started_at),
    )


def _integral(value: Any) -> Any:
    """Integral doubles as JSON integers (`786800`, not `786800.0`), as the
    edge's transcoder prints them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _in_field_order(descriptor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """`data` (a message as MessageToDict makes it) with its keys in field
    order, as the transcoder prints them (MessageToDict puts fields that
    have their default value last)."""
    ordered: dict[str, Any] = {}
    for field in descriptor.fields:
        if field.name not in data:
            continue
        value = data[field.name]
        nested = field.message_type
        if nested is not None and not nested.GetOptions().map_entry and nested.full_name.startswith("vigil."):
            value = _in_field_order(nested, value) if isinstance(value, dict) else value
        ordered[field.name] = value
    return ordered


def print_json(msg: message.Message) -> bytes:
    """A message as the REST edge prints it: proto field names in field
    order, fields with default values, integral doubles without a fraction,
    compact."""
    data = json_format.MessageToDict(msg, always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
    data = _in_field_order(msg.DESCRIPTOR, data)
    return json.dumps(_integral(data), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class ClassificationServicer(classification_service_pb2_grpc.ClassificationServiceServicer):
    """Gaard `/api/classify` and `/api/result/{id}`."""

    def __init__(self, domain: Classifications, intake: Intake) -> None:
        self._domain = domain
        self._intake = intake

    async def Classify(self, request_iterator: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        try:
            first, body = await RequestBody.open(request_iterator)
        except VigilError:
            raise gaard_error(errors.BAD_REQUEST, "the request has no body") from None
        try:
            submission = await self._intake.read(first.http_body.content_type, body)
        except VigilError:
            await body.drain(DRAIN_BYTES)
            raise
        row = await self._domain.submit(submission, sync=first.sync)
        if first.sync:
            result = result_pb(row)
            return pb.ClassifyResponse(http_body=_json_body(result), result=result)
        accepted = classification_pb2.ClassifyAccepted(id=row.id, accepted_at=timestamp(row.created_at))
        return pb.ClassifyResponse(http_body=_json_body(accepted), accepted=accepted)

    async def GetResult(self, request: pb.GetResultRequest, context: grpc.aio.ServicerContext) -> Any:
        row = await self._domain.result(request.id, request.tenant.strip())
        # The two messages are wire-compatible (same fields, same numbers).
        return pb.GetResultResponse.FromString(result_pb(row).SerializeToString())


def _json_body(msg: message.Message) -> httpbody_pb2.HttpBody:
    return httpbody_pb2.HttpBody(content_type="application/json", data=print_json(msg))
