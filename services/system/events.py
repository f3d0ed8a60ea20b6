"""The events routes' rules (`/vigil/v1/events`): checking filters, pages
and times, listing, following live, thumbnails, and the retention
housekeeping job. The rows are the events store's (services/events)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.common.errors import BadQueryParameter, NotFound
from services.common.quoting import quoted
from services.db.models import utcnow
from services.events import retention
from services.events.follow import EventFeed
from services.events.store import EventQuery, EventStore, StoredEvent
from services.events.vocabulary import ANALYTIC_IDS, EVENT_TYPES

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
#: Events replayed at most when a follower resumes after an id.
MAX_REPLAY = 1000


@dataclass(frozen=True)
class Page:
    events: list[StoredEvent]
    next_token: str


def parse_time(name: str, text: str) -> datetime | None:
    """An RFC 3339 time (a zone is required; `Z` allowed) as UTC; None for
    ""; BadQueryParameter otherwise."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadQueryParameter(f"{name} is not an RFC 3339 time: {quoted(text)}") from None
    if value.tzinfo is None:
        raise BadQueryParameter(f"{name} needs a time zone (e.g. Z): {quoted(text)}")
    return value.astimezone(UTC)


class EventsDomain:
    """Lists and follows events; keeps retention."""

    def __init__(
        self,
        store: EventStore,
        feed: EventFeed,
        stream_exists: Callable[[str], bool],
        retention_config: Callable[[], Awaitable[retention.Retention]],
        *,
        housekeeping_seconds: float = 60.0,
    ) -> None:
        self._store = store
        self._feed = feed
        self._stream_exists = stream_exists
        self._retention_config = retention_config
        self._housekeeping_seconds = housekeeping_seconds

    async def query(
        self, stream_id: str, analytic_id: str, event_type: str, since: str = "", until: str = ""
    ) -> EventQuery:
        """Check the filters of a list or follow; the query they make."""
        start, end = parse_time("since", since), parse_time("until", until)
        if start is not None and end is not None and start > end:
            raise BadQueryParameter("since must not be after until")
        if analytic_id and analytic_id not in ANALYTIC_IDS:
            raise BadQueryParameter(f"unknown analytic_id {quoted(analytic_id)}; one of {', '.join(ANALYTIC_IDS)}")
        if event_type and event_type not in EVENT_TYPES:
            raise BadQueryParameter(f"unknown type {quoted(event_type)}; one of {', '.join(EVENT_TYPES)}")
        if stream_id and not await asyncio.to_thread(self._known_stream, stream_id):
            raise NotFound("stream not found")
        return EventQuery(
            stream_id=stream_id or None,
            analytic_id=analytic_id or None,
            event_type=event_type or None,
            since=start,
            until=end,
        )

    def _known_stream(self, stream_id: str) -> bool:
        return self._stream_exists(stream_id) or self._store.names_stream(stream_id)

    async def list(self, query: EventQuery, page_size: int, page_token: str) -> Page:
        if page_size == 0:
            page_size = DEFAULT_PAGE_SIZE
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise BadQueryParameter(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        before: int | None = None
        if page_token:
            if not page_token.isdigit() or int(page_token) < 1:
                raise BadQueryParameter(f"bad page_token {quoted(page_token)}")
            before = int(page_token)
        events = await asyncio.to_thread(self._store.newest, query, page_size + 1, before)
        more = len(events) > page_size
        events = events[:page_size]
        return Page(events, str(events[-1].id) if more else "")

    @contextlib.asynccontextmanager
    async def follow(self, query: EventQuery, after_id: int) -> AsyncIterator[AsyncIterator[StoredEvent]]:
        """Subscribed on entry; the iterator gives the events after
        `after_id` (at most MAX_REPLAY), then every matching event appended
        from the moment of entry, each once. It raises FollowerTooSlow when
        the caller falls behind."""
        if after_id < 0:
            raise BadQueryParameter("after_id must not be negative")
        async with self._feed.subscribe(query) as live:
            yield self._follow(query, after_id, live)

    async def _follow(
        self, query: EventQuery, after_id: int, live: AsyncIterator[StoredEvent]
    ) -> AsyncIterator[StoredEvent]:
        sent: set[int] = set()
        if after_id:
            # Subscribed first, so nothing committed between the replay and
            # the live feed is lost; an id in both is sent once.
            for event in await asyncio.to_thread(self._store.after, after_id, MAX_REPLAY, query):
                sent.add(event.id)
                yield event
        async for event in live:
            if event.id not in sent and event.id > after_id:
                yield event

    async def thumbnail(self, event_id: int) -> bytes:
        jpeg = await asyncio.to_thread(self._store.thumbnail, event_id) if event_id > 0 else None
        if jpeg is None:
            raise NotFound("event not found")
        return jpeg

    async def enforce_retention(self) -> retention.Removed:
        config = await self._retention_config()
        return await asyncio.to_thread(retention.enforce, self._store, config, utcnow())

    async def housekeeping_forever(self) -> None:
        """Enforce the stored retention now and every `housekeeping_seconds`."""
        while True:
            try:
                removed = await self.enforce_retention()
                if removed.expired or removed.over_cap:
                    log.info(
                        "events retention: %d past retention_days, %d over max_events_per_stream deleted",
                        removed.expired,
                        removed.over_cap,
                    )
            except Exception:
                log.exception("events retention failed")
            await asyncio.sleep(self._housekeeping_seconds)
