"""Domain exceptions that know their gRPC code and the HTTP status REST
clients see.

Services raise these once; `services.common.interceptors.ErrorInterceptor`
turns them into a gRPC status in one place. The REST edge (envoy/vigil.lua)
renders each family's documented error body from the status and the
`vigil-error-*` trailing metadata the interceptor attaches.
"""

from __future__ import annotations

import grpc


class VigilError(Exception):
    """Base of every error a client is meant to see.

    `message` is what the client reads (Visionaire4 `message`, Lenz `message`,
    LUNA `detail`). `error_code` and `desc` are LUNA's numeric code and
    description, used by the LUNA face; other families ignore them.
    """

    grpc_code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    http_status: int = 500
    error_code: int = 1
    desc: str = "internal server error"

    def __init__(
        self,
        message: str,
        *,
        error_code: int | None = None,
        desc: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if error_code is not None:
            self.error_code = error_code
        if desc is not None:
            self.desc = desc
        if http_status is not None:
            self.http_status = http_status


class InvalidArgument(VigilError):
    """Bad input: HTTP 400, LUNA 12022."""

    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 400
    error_code = 12022
    desc = "Bad/incomplete input data"


class BadQueryParameter(InvalidArgument):
    """A bad query parameter: HTTP 400, LUNA 12012."""

    error_code = 12012


class UnsupportedMediaType(InvalidArgument):
    """An Accept or Content-Type the route does not serve: HTTP 415, LUNA 12024."""

    http_status = 415
    error_code = 12024
    desc = "Unsupported media type"


class Unauthenticated(VigilError):
    """Missing or bad credentials: HTTP 401."""

    grpc_code = grpc.StatusCode.UNAUTHENTICATED
    http_status = 401
    error_code = 12022
    desc = "Unauthorized"


class NotFound(VigilError):
    """A missing object: HTTP 404, LUNA 39001."""

    grpc_code = grpc.StatusCode.NOT_FOUND
    http_status = 404
    error_code = 39001
    desc = "Object not found"


class AlreadyExists(VigilError):
    """A unique name already taken: HTTP 409."""

    grpc_code = grpc.StatusCode.ALREADY_EXISTS
    http_status = 409
    error_code = 12022
    desc = "Object already exists"


class FailedPrecondition(VigilError):
    """The object is not in a state that allows the call: HTTP 409."""

    grpc_code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 409
    error_code = 12022
    desc = "Bad/incomplete input data"


class ResourceExhausted(VigilError):
    """A limit was reached (disk, size, queue): HTTP 413 or 429 as given."""

    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 429
    error_code = 12022
    desc = "Resource exhausted"


class Unavailable(VigilError):
    """A dependency (database, another service) does not answer: HTTP 503."""

    grpc_code = grpc.StatusCode.UNAVAILABLE
    http_status = 503
    error_code = 1
    desc = "Service unavailable"


class Unimplemented(VigilError):
    """Behaviour that a later piece of work builds: HTTP 501."""

    grpc_code = grpc.StatusCode.UNIMPLEMENTED
    http_status = 501
    error_code = 1
    desc = "Not implemented"
