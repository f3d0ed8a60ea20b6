"""Prometheus counters of the events store. They count in the process that
appends (the stream engine); `/metrics` sums every process's counters
(prometheus_client's multiprocess mode)."""

from __future__ import annotations

from prometheus_client import Counter

EVENTS = Counter("vigil_events", "Events appended to the events store, by analytic and type", ["analytic", "type"])
EVENTS_DELETED = Counter("vigil_events_deleted", "Events deleted by retention, by reason", ["reason"])
