"""Following events live, across processes and nodes: one poller per
process reads the events table by id every `poll_seconds` (0.25 s by
default, so a follower hears of a row well within a second of its commit)
and hands each new row to every subscriber whose query it matches.

Why polling and not LISTEN/NOTIFY: it works the same on SQLite and
PostgreSQL and on any node that reaches the database, costs one indexed
query per poll however many followers there are, and needs nothing from
the appender.

Ids are not always committed in order on PostgreSQL (two appenders take
ids 10 and 11; 11 commits first). So the poller remembers the highest id it
delivered and every id it skipped below it (a hole: a transaction still
open, or one that rolled back); holes are read again by id at each poll
until they fill or `gap_seconds` pass. Rows are delivered as soon as they
are seen, so a hole never delays an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from services.events.store import EventQuery, EventStore, StoredEvent

log = logging.getLogger(__name__)

#: Rows read per poll; a full page is followed at once by the next.
POLL_BATCH = 500
#: Most holes remembered at once.
MAX_GAPS = 1000


class FollowerTooSlow(Exception):
    """A subscriber did not take its events fast enough and was dropped."""


class _Subscription:
    def __init__(self, query: EventQuery, capacity: int) -> None:
        self.query = query
        self.queue: asyncio.Queue[StoredEvent] = asyncio.Queue(maxsize=capacity)
        self.overflowed = False

    def offer(self, event: StoredEvent) -> None:
        if self.overflowed or not self.query.matches(event):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True


class EventFeed:
    """The live feed of one process."""

    def __init__(
        self, store: EventStore, poll_seconds: float = 0.25, gap_seconds: float = 10.0, capacity: int = 1000
    ) -> None:
        self._store = store
        self._poll_seconds = poll_seconds
        self._gap_seconds = gap_seconds
        self._capacity = capacity
        self._subs: set[_Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._high = 0
        self._gaps: dict[int, float] = {}

    @contextlib.asynccontextmanager
    async def subscribe(self, query: EventQuery) -> AsyncIterator[AsyncIterator[StoredEvent]]:
        """Within the block, iterate events appended from now on that match
        `query`. The iterator raises FollowerTooSlow when its reader fell
        `capacity` events behind."""
        sub = _Subscription(query, self._capacity)
        async with self._lock:  # two first subscribers start one poller
            if self._task is None or self._task.done():
                self._high = await asyncio.to_thread(self._store.latest_id)
                self._gaps.clear()
                self._task = asyncio.create_task(self._run(), name="events-feed")
            self._subs.add(sub)
        try:
            yield self._iterate(sub)
        finally:
            async with self._lock:
                self._subs.discard(sub)
                if not self._subs and self._task is not None:
                    self._task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._task
                    self._task = None

    async def _iterate(self, sub: _Subscription) -> AsyncIterator[StoredEvent]:
        while True:
            if sub.overflowed and sub.queue.empty():
                raise FollowerTooSlow
            yield await sub.queue.get()

    async def _run(self) -> None:
        while True:
            try:
                full = await self.poll_once()
            except Exception:
                log.exception("polling the events table failed")
                full = False
            if not full:
                await asyncio.sleep(self._poll_seconds)

    async def poll_once(self) -> bool:
        """Read new rows (and holes that filled) once and deliver them; True
        when the page of new rows was full."""
        rows = await asyncio.to_thread(self._store.after, self._high, POLL_BATCH)
        now = time.monotonic()
        for event in rows:
            for missing in range(self._high + 1, min(event.id, self._high + 1 + MAX_GAPS)):
                self._gaps[missing] = now
            self._high = max(self._high, event.id)
            self._deliver(event)
        if self._gaps:
            for event in await asyncio.to_thread(self._store.by_ids, list(self._gaps)):
                self._gaps.pop(event.id, None)
                self._deliver(event)
            for missing, noticed in list(self._gaps.items()):
                if now - noticed >= self._gap_seconds:
                    del self._gaps[missing]
            while len(self._gaps) > MAX_GAPS:
                self._gaps.pop(min(self._gaps))
        return len(rows) == POLL_BATCH

    def _deliver(self, event: StoredEvent) -> None:
        for sub in self._subs:
            sub.offer(event)
