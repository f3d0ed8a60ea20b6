"""The wiring of the catalog: one engine and repository, the inference
client that says which models are ready, the domain, and its two faces
(AnalyticsService, PipelinesService). The catalog process serves both;
tests serve the same wiring on their own servers."""

from __future__ import annotations

from dataclasses import dataclass

from services.catalog.domain import CatalogDomain
from services.catalog.readiness import ModelReadiness, Readiness
from services.catalog.repository import CatalogRepository
from services.catalog.servicer import AnalyticsServicer, PipelinesServicer
from services.common.server import Registration
from services.common.settings import Settings
from services.db.engine import make_engine
from vigil.analytics.v1 import analytics_service_pb2_grpc
from vigil.pipelines.v1 import pipelines_service_pb2_grpc


@dataclass
class CatalogProcess:
    """What the catalog serves."""

    analytics: Registration
    pipelines: Registration
    domain: CatalogDomain

    @property
    def registrations(self) -> list[Registration]:
        return [self.analytics, self.pipelines]


def build(settings: Settings, readiness: Readiness | None = None) -> CatalogProcess:
    """Wire the catalog. `readiness` defaults to asking the platform's
    inference service. A seat setting naming an unknown analytic fails here,
    at start-up."""
    if readiness is None:
        readiness = ModelReadiness(
            settings.grpc_target("inference"), timeout_seconds=settings.catalog_inference_timeout_seconds
        )
    domain = CatalogDomain(
        CatalogRepository(make_engine(settings.sqlalchemy_url)),
        readiness,
        seats=settings.analytic_seats,
        default_seats=settings.analytic_default_seats,
    )
    return CatalogProcess(
        analytics=Registration(
            AnalyticsServicer(domain, settings.deployment_key),
            analytics_service_pb2_grpc.add_AnalyticsServiceServicer_to_server,
            "vigil.analytics.v1.AnalyticsService",
        ),
        pipelines=Registration(
            PipelinesServicer(domain),
            pipelines_service_pb2_grpc.add_PipelinesServiceServicer_to_server,
            "vigil.pipelines.v1.PipelinesService",
        ),
        domain=domain,
    )
