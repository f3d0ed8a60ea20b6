"""`python -m services.pipelines`: the Pipelines process, serving the
catalog's PipelinesService (Lenz analytic assignment), wired in
services/catalog/wiring.py. (The groundwork issue renames this process to
the catalog process, which serves AnalyticsService as well.)"""

from __future__ import annotations

from services.catalog.wiring import build
from services.common.server import Registration, run_service
from services.common.settings import Settings


def registrations(settings: Settings) -> list[Registration]:
    return [build(settings).pipelines]


if __name__ == "__main__":
    run_service("pipelines", registrations)
