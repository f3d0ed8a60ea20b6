"""Visionaire4 smart search (`POST /smart-search`, document 001) and
extract: the request's rules, and the result items built from events.

The two branches are functions the recognition work fills in
(services/engine/wiring.py): `image` (faces: the query JPEG's face embedded
and searched in the vector index) and `text` (plates: plate texts, names
and labels). A branch not wired answers UNIMPLEMENTED (HTTP 501) naming the
issue. Both return `Hit`s (event id, similarity); this module checks the
request, loads the events and their thumbnails, and orders the answer.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
from google.protobuf import json_format

from services.common.errors import InvalidArgument, Unimplemented
from services.events.store import EventStore, StoredEvent
from services.media.still import MAX_JPEG_BYTES, base64_jpeg
from services.search.vectors import Hit, VectorFilter
from services.system.events import parse_time
from vigil.analytics.v1 import analytic_pb2, search_service_pb2_grpc
from vigil.analytics.v1 import search_service_pb2 as pb

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
#: The longest text query, in characters.
MAX_TEXT_QUERY = 256
#: The largest query image, decoded (the edge refuses bodies over
#: VIGIL_EDGE_MAX_JSON_BYTES before that, 1 MiB by default).
MAX_IMAGE_BYTES = MAX_JPEG_BYTES
ISSUE = "issue 15"


@dataclass(frozen=True)
class SearchQuery:
    """A checked smart-search request."""

    limit: int
    where: VectorFilter


#: The image branch: (the query JPEG, the filters, the limit) -> hits. It
#: raises InvalidArgument for an image it cannot use (no face in it).
ImageSearch = Callable[[bytes, SearchQuery], Awaitable[list[Hit]]]
#: The text branch: (the stripped query text, the filters, the limit) -> hits.
TextSearch = Callable[[str, SearchQuery], Awaitable[list[Hit]]]


def _stream_id(text: str) -> str | None:
    if not text:
        return None
    if len(text) > 36 or not all(c.isalnum() or c in "-_" for c in text):
        raise InvalidArgument("stream_id is not a stream id")
    return text


def check_query(request: pb.SmartSearchRequest) -> SearchQuery:
    """The filters of a request; InvalidArgument for a bad one."""
    if request.limit < 0 or request.limit > MAX_LIMIT:
        raise InvalidArgument(f"limit must be 1..{MAX_LIMIT}")
    since = parse_time("since", request.since)
    until = parse_time("until", request.until)
    if since is not None and until is not None and since > until:
        raise InvalidArgument("since is after until")
    return SearchQuery(
        limit=request.limit or DEFAULT_LIMIT,
        where=VectorFilter(stream_id=_stream_id(request.stream_id), since=since, until=until),
    )


def decode_image(query: str) -> bytes:
    """The query's JPEG; InvalidArgument when it is not base64 of a JPEG."""
    return base64_jpeg(query, "query", MAX_IMAGE_BYTES)


class SmartSearch:
    """Checks a request, runs its branch, and builds the result items."""

    def __init__(self, store: EventStore, *, image: ImageSearch | None = None, text: TextSearch | None = None) -> None:
        self._store = store
        self._image = image
        self._text = text

    async def search(self, request: pb.SmartSearchRequest) -> list[analytic_pb2.SearchResult]:
        kind = request.type.strip().lower()
        if kind not in ("image", "text"):
            raise InvalidArgument("invalid query type")
        if not request.query.strip():
            raise InvalidArgument("query is required")
        query = check_query(request)
        if kind == "image":
            jpeg = decode_image(request.query)
            if self._image is None:
                raise Unimplemented(f"smart search by image is not built yet ({ISSUE}: face recognition)")
            hits = await self._image(jpeg, query)
        else:
            text = request.query.strip()
            if len(text) > MAX_TEXT_QUERY:
                raise InvalidArgument(f"query text is longer than {MAX_TEXT_QUERY} characters")
            if self._text is None:
                raise Unimplemented(f"smart search by text is not built yet ({ISSUE}: licence plates)")
            hits = await self._text(text, query)
        return await asyncio.to_thread(self._results, hits[: query.limit])

    def _results(self, hits: list[Hit]) -> list[analytic_pb2.SearchResult]:
        events = {event.id: event for event in self._store.by_ids([hit.event_id for hit in hits])}
        # Most similar first; ties keep the branch's order (text: newest first).
        ordered = sorted((hit for hit in hits if hit.event_id in events), key=lambda hit: -hit.similarity)
        return [self._result(events[hit.event_id], hit.similarity) for hit in ordered]

    def _result(self, event: StoredEvent, similarity: float) -> analytic_pb2.SearchResult:
        jpeg = self._store.thumbnail(event.id) if event.has_thumbnail else None
        return analytic_pb2.SearchResult(
            stream_id=event.stream_id,
            analytic_id=event.analytic_id,
            node_num=event.node_num,
            timestamp_ms=float(int(event.occurred_at.timestamp() * 1000)),
            similarity=round(min(1.0, max(0.0, similarity)), 6),
            image_jpeg=base64.b64encode(jpeg).decode() if jpeg else "",
            primary_text=event.primary_text,
            secondary_text=event.secondary_text,
        )


class Extract(Protocol):
    """Indexes an outside picture into a stream's smart-search pipeline
    (services/engine/search_index.py `Extractor`); how many events it gave."""

    async def extract(
        self, node_num: int, stream_id: str, pipeline_id: str, image: str, metadata: dict[str, Any]
    ) -> int: ...


class SearchServicer(search_service_pb2_grpc.SearchServiceServicer):
    """`vigil.analytics.v1.SearchService`: smart search, and Extract when an
    extractor is given (else UNIMPLEMENTED, the base servicer's)."""

    def __init__(self, smart: SmartSearch, extract: Extract | None = None) -> None:
        self._smart = smart
        self._extract = extract

    async def Extract(self, request: pb.ExtractRequest, context: grpc.aio.ServicerContext) -> pb.ExtractResponse:
        if self._extract is None:
            raise Unimplemented("extract is not built in this process")
        metadata = json_format.MessageToDict(request.metadata) if request.HasField("metadata") else {}
        await self._extract.extract(request.node_num, request.stream_id, request.pipeline_id, request.image, metadata)
        return pb.ExtractResponse(
            code=200,
            message="payload successfully pushed to pipeline",
            node_num=request.node_num,
            stream_id=request.stream_id,
            pipeline_id=request.pipeline_id,
        )

    async def SmartSearch(
        self, request: pb.SmartSearchRequest, context: grpc.aio.ServicerContext
    ) -> pb.SmartSearchResponse:
        results = await self._smart.search(request)
        return pb.SmartSearchResponse(code=200, message="success", results=results)
