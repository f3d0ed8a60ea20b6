"""The wiring of the Streams process (Visionaire4 streams and visualisation,
LUNA streams and groups): `build` makes what `python -m services.streams`
serves; tests serve the same wiring on their own servers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from services.auth.interceptor import TenantInterceptor
from services.common.server import Built, Registration
from services.common.settings import Settings, preview_networks
from services.db.engine import make_engine
from services.streams.luna import LunaGroupsServicer, LunaStreamsServicer
from services.streams.luna_domain import LunaStreamsDomain
from services.streams.luna_groups import LunaGroupsDomain
from services.streams.luna_repository import LunaGroupRepository, LunaStreamRepository
from services.streams.previews import PreviewStore
from services.streams.visionaire import StreamsServicer
from services.streams.visionaire_domain import StreamsDomain
from services.streams.visionaire_repository import StreamRepository
from vigil.streams.v1 import (
    luna_groups_service_pb2_grpc,
    luna_streams_service_pb2_grpc,
)
from vigil.streams.v1 import (
    streams_service_pb2_grpc as streams_grpc,
)


@dataclass(kw_only=True)
class StreamsProcess(Built):
    """The process, with its LUNA streams domain (for tests)."""

    luna: LunaStreamsDomain


def build(settings: Settings) -> StreamsProcess:
    """Wire the process: one engine, the repositories, the domains, their
    faces, and the LUNA background jobs (autorestart, log clearing).

    The visualisation service (live views) is served by the stream engine
    (services/engine/live.py), which decodes the frames; `stream_stats`
    comes from what the engine writes (services/engine/repository.py).
    """
    engine = make_engine(settings.sqlalchemy_url)
    luna_streams = LunaStreamRepository(engine)
    luna_groups = LunaGroupRepository(engine)
    own = settings.streams
    previews = PreviewStore(
        settings.data_dir / "previews",
        fetch_timeout_seconds=own.preview_fetch_timeout_seconds,
        max_bytes=own.preview_max_bytes,
        fetch_networks=preview_networks(own.preview_fetch),
    )
    luna = LunaStreamsDomain(luna_streams, luna_groups, previews, live_keepalive_seconds=own.live_keepalive_seconds)
    return StreamsProcess(
        registrations=[
            Registration(
                StreamsServicer(
                    StreamsDomain(
                        StreamRepository(engine),
                        stats_stale_seconds=max(10.0, 5 * settings.engine.report_seconds),
                    )
                ),
                streams_grpc.add_StreamsServiceServicer_to_server,
                "vigil.streams.v1.StreamsService",
            ),
            Registration(
                LunaStreamsServicer(luna),
                luna_streams_service_pb2_grpc.add_LunaStreamsServiceServicer_to_server,
                "vigil.streams.v1.LunaStreamsService",
            ),
            Registration(
                LunaGroupsServicer(LunaGroupsDomain(luna_groups, luna_streams)),
                luna_groups_service_pb2_grpc.add_LunaGroupsServiceServicer_to_server,
                "vigil.streams.v1.LunaGroupsService",
            ),
        ],
        luna=luna,
        # A verified Bearer token's tenant wins over the LUNA `account_id` a request names.
        interceptors=[TenantInterceptor()],
        background=[
            partial(luna.autorestart_forever, own.autorestart_check_seconds, own.worker_silence_seconds),
            partial(luna.housekeeping_forever, own.housekeeping_seconds, own.logs_clear_interval_seconds),
        ],
    )
