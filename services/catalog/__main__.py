"""`python -m services.catalog`: the catalog process: the analytics catalog
(AnalyticsService: Visionaire4 registry, Lenz catalog, config, forms and
validation) and the assignment of analytics to streams (PipelinesService),
wired in services/catalog/wiring.py."""

from __future__ import annotations

from services.catalog.wiring import build
from services.common.server import Registration, run_service
from services.common.settings import Settings


def registrations(settings: Settings) -> list[Registration]:
    return build(settings).registrations


if __name__ == "__main__":
    run_service("catalog", registrations)
