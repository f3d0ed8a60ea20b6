"""Retention of events: what `PUT /config/database` (`retention_days`,
`max_events_per_stream`) and `POST /config/platform`
(`event_retention_days`) ask for. Both day limits hold: an event older than
either is deleted. Run by the System process's housekeeping job; safe to
run on several nodes at once (deletes by id, thumbnails unlinked with
`missing_ok`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.events import metrics
from services.events.store import EventStore


@dataclass(frozen=True)
class Retention:
    """How long and how many events are kept."""

    retention_days: int
    max_events_per_stream: int


@dataclass(frozen=True)
class Removed:
    """What one pass deleted."""

    expired: int
    over_cap: int


def enforce(store: EventStore, retention: Retention, now: datetime) -> Removed:
    """Delete events older than the retention and, per stream, all but the
    newest `max_events_per_stream`. Blocking (run it in a thread)."""
    expired = store.delete_older_than(now - timedelta(days=retention.retention_days))
    over_cap = store.cap_per_stream(retention.max_events_per_stream)
    if expired:
        metrics.EVENTS_DELETED.labels("retention_days").inc(expired)
    if over_cap:
        metrics.EVENTS_DELETED.labels("max_events_per_stream").inc(over_cap)
    return Removed(expired, over_cap)
