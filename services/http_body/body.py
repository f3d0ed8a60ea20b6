"""The body of a client-streaming `google.api.HttpBody` request.

Envoy's transcoder passes an upload body through as a stream of request
messages: the first carries the path and query fields and the body's
content type, every message carries the next bytes in `http_body.data`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from services.common.errors import InvalidArgument


class RequestBody:
    """Iterates the body's bytes, message by message, without copying."""

    def __init__(self, first: Any, rest: AsyncIterator[Any]) -> None:
        self._first: Any | None = first
        self._rest = rest
        self.bytes_read = 0
        self.ended = False

    @classmethod
    async def open(cls, requests: AsyncIterator[Any]) -> tuple[Any, RequestBody]:
        """(the first message, the body) of a request stream."""
        try:
            first = await anext(requests)
        except StopAsyncIteration:
            raise InvalidArgument("the request has no body") from None
        return first, cls(first, requests)

    def __aiter__(self) -> RequestBody:
        return self

    async def __anext__(self) -> bytes:
        while True:
            if self._first is not None:
                message, self._first = self._first, None
            else:
                try:
                    message = await anext(self._rest)
                except StopAsyncIteration:
                    self.ended = True
                    raise
            data: bytes = message.http_body.data
            if data:
                self.bytes_read += len(data)
                return data

    async def drain(self, limit: int) -> None:
        """Read and drop the rest of the body, up to `limit` more bytes, so an
        HTTP client that sends its whole body before it reads the answer gets
        the error answer instead of a reset connection."""
        start = self.bytes_read
        try:
            async for _ in self:
                if self.bytes_read - start > limit:
                    return
        except Exception:  # the client went away: nothing left to drain
            return
