"""Gaard's error codes and the domain exceptions that carry them.

Gaard prints an error as `{"error_code": N, "error_msg": "..."}`: the REST
edge (envoy/vigil.lua) renders that body from the exception's `error_code`
and message, with the exception's HTTP status. A classification that fails
after it was accepted keeps the same code and message in its result
(`error_code`, `error_msg`, `status.classify` `failed`).

The document does not list Gaard's numeric codes, so Vigil's are its own,
grouped by kind: 1xxx the request, 2xxx the video, 3xxx lookups, 4xxx
capacity, 5xxx the service.
"""

from __future__ import annotations

import grpc

from services.common.errors import (
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unavailable,
    UnsupportedMediaType,
    VigilError,
)

#: No error.
OK = 0
#: The body is not well-formed `multipart/form-data`, or a field is malformed
#: (`metadata` not a JSON object, a value too long, two video files).
BAD_REQUEST = 1000
#: The form has no `tenant`.
TENANT_REQUIRED = 1001
#: The form has no video file, or the file is empty.
VIDEO_REQUIRED = 1002
#: The body is larger than `VIGIL_CLASSIFY_MAX_BYTES`.
TOO_LARGE = 1003
#: The file is not a video that can be decoded (no video stream, a picture,
#: not a media file at all).
NOT_A_VIDEO = 2001
#: The video is cut short or damaged: its frames stop before its end, or
#: decoding fails part way.
TRUNCATED = 2002
#: The video is longer than `VIGIL_CLASSIFY_MAX_SECONDS`.
TOO_LONG = 2003
#: No classification has this id for this tenant.
NOT_FOUND = 3001
#: Too many classifications are waiting (`VIGIL_CLASSIFY_QUEUE_SIZE`).
QUEUE_FULL = 4001
#: The service stopped before the classification finished, too often to try
#: again (`VIGIL_CLASSIFY_MAX_ATTEMPTS`), or its video was lost.
INTERRUPTED = 5001
#: The inference service did not answer or failed.
INFERENCE_FAILED = 5002
#: An unexpected error; the service's log has the details.
INTERNAL = 5000

#: The HTTP status of each code.
HTTP_STATUS = {
    BAD_REQUEST: 400,
    TENANT_REQUIRED: 400,
    VIDEO_REQUIRED: 400,
    TOO_LARGE: 413,
    NOT_A_VIDEO: 415,
    TRUNCATED: 422,
    TOO_LONG: 422,
    NOT_FOUND: 404,
    QUEUE_FULL: 429,
    INTERRUPTED: 503,
    INFERENCE_FAILED: 503,
    INTERNAL: 500,
}


class InternalError(VigilError):
    """An unexpected failure of a classification: HTTP 500."""

    grpc_code = grpc.StatusCode.INTERNAL
    http_status = 500


_CLASSES: dict[int, type[VigilError]] = {
    400: InvalidArgument,
    404: NotFound,
    413: ResourceExhausted,
    415: UnsupportedMediaType,
    422: InvalidArgument,
    429: ResourceExhausted,
    500: InternalError,
    503: Unavailable,
}


def gaard_error(code: int, message: str) -> VigilError:
    """The domain exception for a Gaard code: its gRPC code and HTTP status
    come from the code's HTTP status."""
    status = HTTP_STATUS.get(code, 500)
    cls = _CLASSES.get(status, InternalError)
    return cls(message, error_code=code, http_status=status)
