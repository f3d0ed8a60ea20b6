"""The faces of the catalog: AnalyticsService (Visionaire4 registry, Lenz
catalog and configuration) and PipelinesService (Lenz assignment).
Protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2

from services.catalog.domain import CatalogDomain, Offer
from services.db.models import Work
from vigil.analytics.v1 import analytic_pb2, analytics_service_pb2_grpc
from vigil.analytics.v1 import analytics_service_pb2 as apb
from vigil.pipelines.v1 import pipelines_service_pb2 as ppb
from vigil.pipelines.v1 import pipelines_service_pb2_grpc


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


def _version() -> analytic_pb2.Version:
    """The installed package's version, as `GET /` reports it."""
    parts = [int(p) if p.isdigit() else 0 for p in metadata.version("vigil").split(".")[:3]]
    parts += [0] * (3 - len(parts))
    return analytic_pb2.Version(major=parts[0], minor=parts[1], patch=parts[2])


def _seats(offer: Offer) -> list[analytic_pb2.Seat]:
    return [analytic_pb2.Seat(serial_number=s.serial_number, active_status=s.active_status) for s in offer.seats]


def _visionaire(offer: Offer) -> analytic_pb2.Analytic:
    a = offer.analytic
    return analytic_pb2.Analytic(
        id=a.id,
        name=a.name,
        major_version=a.major_version,
        minor_version=a.minor_version,
        publisher=a.publisher,
        description=a.description,
        type=a.visionaire_type,
        seats=_seats(offer),
        models=a.models,
    )


def _lenz(offer: Offer) -> analytic_pb2.CatalogAnalytic:
    a = offer.analytic
    return analytic_pb2.CatalogAnalytic(
        id=a.catalog_id,
        name=a.name,
        description=a.description,
        publisher=a.publisher,
        type=a.lenz_type,
        major_version=a.major_version,
        minor_version=a.minor_version,
        free_seats=offer.free_seats,
        all_seats=offer.all_seats,
        seats=_seats(offer),
        models=a.models,
    )


def _fields(fields: list[dict[str, Any]]) -> list[analytic_pb2.ConfigField]:
    out = []
    for f in fields:
        value = struct_pb2.Value()
        json_format.ParseDict(f["value"], value)
        out.append(
            analytic_pb2.ConfigField(
                name=f["name"],
                type=f["type"],
                label=f["label"],
                description=f["description"],
                value=value,
                required=f["required"],
                min=f["min"],
                max=f["max"],
                step=f["step"],
            )
        )
    return out


def _subs(subs: list[dict[str, Any]]) -> list[analytic_pb2.SubAnalyticForm]:
    return [
        analytic_pb2.SubAnalyticForm(name=s["name"], display_name=s["display_name"], configs=_fields(s["configs"]))
        for s in subs
    ]


class AnalyticsServicer(analytics_service_pb2_grpc.AnalyticsServiceServicer):
    """Visionaire4 `/analytic_list`, `/config/pipeline`, `/v2/config/pipeline`,
    `/rules/pipeline`, `/config/preset`; Lenz catalog, active list, config,
    form and validation."""

    def __init__(self, domain: CatalogDomain, deployment_key: str) -> None:
        self._domain = domain
        self._deployment_key = deployment_key

    async def ListAnalytics(self, request: apb.ListAnalyticsRequest, context: grpc.aio.ServicerContext) -> Any:
        offers = await self._domain.offers()
        return apb.ListAnalyticsResponse(
            code=200,
            message="success",
            analytic_num=len(offers),
            deployment_key=self._deployment_key,
            version=_version(),
            analytics=[_visionaire(o) for o in offers],
        )

    async def GetPipelineConfigSchema(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return _struct(self._domain.schema(request.analytic_id, v2=False))

    async def GetPipelineConfigSchemaV2(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return _struct(self._domain.schema(request.analytic_id, v2=True))

    async def GetPipelineRules(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return _struct(self._domain.rules(request.analytic_id))

    async def GetConfigPreset(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return _struct(self._domain.presets(request.analytic_id))

    async def ListCatalogAnalytics(
        self, request: apb.ListCatalogAnalyticsRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        offers = await self._domain.lenz_offers(request.instance_id, request.federation)
        return apb.ListCatalogAnalyticsResponse(
            analytic_num=len(offers),
            analytics=[_lenz(o) for o in offers],
            code=200,
            deployment_key=self._deployment_key,
            hardware_id="",
            message="success",
            version=_version(),
        )

    async def ListActiveAnalytics(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        offers = await self._domain.active_offers()
        return apb.ListActiveAnalyticsResponse(
            ok=True,
            message="successfully get active analytic list",
            data=analytic_pb2.ActiveAnalytics(analytic_num=len(offers), analytics=[_lenz(o) for o in offers]),
        )

    async def GetAnalyticConfig(self, request: apb.GetAnalyticConfigRequest, context: grpc.aio.ServicerContext) -> Any:
        configs, subs = self._domain.default_form(request.analytic_id)
        return apb.GetAnalyticConfigResponse(
            analytic_id=request.analytic_id,
            configs=_fields(configs),
            sub_analytics=_subs(subs),
            message="success",
            ok=True,
        )

    async def GetAnalyticConfigForm(
        self, request: apb.GetAnalyticConfigFormRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        configs, subs = self._domain.form(request.analytic_id)
        return apb.GetAnalyticConfigFormResponse(
            analytic_id=request.analytic_id,
            configs=_fields(configs),
            sub_analytics=_subs(subs),
            message="success",
            ok=True,
        )

    async def ValidateAnalyticConfig(
        self, request: apb.ValidateAnalyticConfigRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        logic: Any = None
        if request.HasField("logic"):
            logic = json_format.MessageToDict(request.logic)
        result = self._domain.validate_text(request.analytic_id, request.config, logic)
        parsed = struct_pb2.Value()
        if result.parsed is None:
            parsed.null_value = struct_pb2.NULL_VALUE
        else:
            json_format.ParseDict(result.parsed, parsed)
        valid = not result.errors
        return apb.ValidateAnalyticConfigResponse(
            valid=valid,
            errors=result.errors,
            parsed_config=parsed,
            message="configuration is valid" if valid else "configuration validation failed",
            ok=valid,
        )


def _config(request: Any) -> dict[str, Any]:
    return json_format.MessageToDict(request.config) if request.HasField("config") else {}


class PipelinesServicer(pipelines_service_pb2_grpc.PipelinesServiceServicer):
    """Lenz `/api/visionaire/pipeline/{node_id}/{stream_id}/{analytic_id}`."""

    def __init__(self, domain: CatalogDomain) -> None:
        self._domain = domain

    async def GetPipeline(self, request: ppb.GetPipelineRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.check_instance(request.instance_id)
        node, row = await self._domain.get_pipeline(request.node_id, request.stream_id, request.analytic_id)
        return ppb.GetPipelineResponse(
            analytic_id=request.analytic_id,
            code=200,
            message="success",
            node_num=node,
            stream_id=request.stream_id,
            config=_struct(row.config),
        )

    async def CreatePipeline(self, request: ppb.CreatePipelineRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.check_instance(request.instance_id)
        row: Work = await self._domain.assign(request.node_id, request.stream_id, request.analytic_id, _config(request))
        return ppb.CreatePipelineResponse(
            analytic_id=request.analytic_id,
            code=200,
            message="success",
            node_num=row.node_num,
            stream_id=request.stream_id,
            ok=True,
        )

    async def UpdatePipeline(self, request: ppb.UpdatePipelineRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.check_instance(request.instance_id)
        row = await self._domain.update(request.node_id, request.stream_id, request.analytic_id, _config(request))
        return ppb.UpdatePipelineResponse(
            analytic_id=request.analytic_id,
            code=200,
            message="success",
            node_num=row.node_num,
            stream_id=request.stream_id,
            ok=True,
        )

    async def DeletePipeline(self, request: ppb.DeletePipelineRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._domain.check_instance(request.instance_id)
        node = await self._domain.remove(request.node_id, request.stream_id, request.analytic_id)
        return ppb.DeletePipelineResponse(
            analytic_id=request.analytic_id,
            code=200,
            message="success",
            node_num=node,
            stream_id=request.stream_id,
            ok=True,
        )
