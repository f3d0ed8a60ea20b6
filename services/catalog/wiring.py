"""The wiring of the catalog process: one engine and repository, the
inference client that says which models are ready, the domain, and its two
faces (AnalyticsService: the Visionaire4 registry and the Lenz catalog,
config, forms and validation; PipelinesService: assignment of analytics to
streams). `python -m services.catalog` runs it; tests serve the same
wiring."""

from __future__ import annotations

from dataclasses import dataclass

from services.catalog.domain import CatalogDomain
from services.catalog.readiness import ModelReadiness, Readiness
from services.catalog.repository import CatalogRepository
from services.catalog.servicer import AnalyticsServicer, PipelinesServicer
from services.common.server import Built, Registration
from services.common.settings import Settings
from services.db.engine import make_engine
from vigil.analytics.v1 import analytics_service_pb2_grpc
from vigil.pipelines.v1 import pipelines_service_pb2_grpc


@dataclass(kw_only=True)
class CatalogProcess(Built):
    """The process, with its domain (for tests)."""

    domain: CatalogDomain


def build(settings: Settings, readiness: Readiness | None = None) -> CatalogProcess:
    """Wire the catalog. `readiness` defaults to asking the platform's
    inference service (its client opens its channel on first use). A seat
    setting naming an unknown analytic fails here, at start-up."""
    own = settings.catalog
    asking = ModelReadiness(settings.grpc_target("inference"), timeout_seconds=own.inference_timeout_seconds)
    domain = CatalogDomain(
        CatalogRepository(
            make_engine(settings.sqlalchemy_url), offline_schedule_delay_seconds=own.offline_schedule_delay_seconds
        ),
        readiness or asking,
        seats=own.seat_counts,
        default_seats=own.default_seats,
    )
    return CatalogProcess(
        registrations=[
            Registration(
                AnalyticsServicer(domain, settings.system.deployment_key),
                analytics_service_pb2_grpc.add_AnalyticsServiceServicer_to_server,
                "vigil.analytics.v1.AnalyticsService",
            ),
            Registration(
                PipelinesServicer(domain),
                pipelines_service_pb2_grpc.add_PipelinesServiceServicer_to_server,
                "vigil.pipelines.v1.PipelinesService",
            ),
        ],
        stop=asking.close,
        domain=domain,
    )
