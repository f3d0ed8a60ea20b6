"""The wiring of the Uploads process (Lenz chunked uploads and FindFace video
archives, one video store): what `python -m services.uploads` serves; tests
serve the same wiring on their own servers."""

from __future__ import annotations

from dataclasses import dataclass

from services.auth.interceptor import AuthInterceptor
from services.auth.tokens import TokenStore
from services.common import hardware
from services.common.server import Built, Registration
from services.common.settings import Settings
from services.db.engine import make_engine
from services.events.store import EventStore
from services.uploads.findface import ArchivesServicer
from services.uploads.findface_jobs import ArchiveJobs
from services.uploads.jobs import VideoJobs
from services.uploads.lenz import UploadsServicer
from services.uploads.library import VideoLibrary
from services.uploads.repository import UploadsRepository
from services.uploads.restream import Restreamer
from services.uploads.sessions import UploadSessions
from services.uploads.store import ChunkStore
from vigil.uploads.v1 import archives_service_pb2_grpc, uploads_service_pb2_grpc

#: HTTP/2 flow control for upload streams: a fixed 4 MiB window instead of
#: gRPC's BDP-probed one, which lets Envoy push tens of MiB of a body ahead of
#: the disk (measured: peak RSS +135 MiB with BDP, +80 MiB without, at the
#: same throughput).
UPLOAD_SERVER_OPTIONS = (("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", 4 * 1024 * 1024))


@dataclass(kw_only=True)
class UploadsProcess(Built):
    """The process, with its sessions domain (for tests)."""

    sessions: UploadSessions


def build(settings: Settings) -> UploadsProcess:
    """One engine, repository, chunk store and library; the sessions domain;
    both faces; the housekeeping and re-streaming jobs. Publishes the videos
    marked `auto_stream` (the RTSP server's mounts) and recovers what a crash left on disk
    before anything serves."""
    engine = make_engine(settings.sqlalchemy_url)
    repo = UploadsRepository(engine)
    store = ChunkStore(settings.data_dir / "uploads")
    restreamer = Restreamer(
        settings.data_dir,
        running=settings.rtsp_running,
        public_host=settings.restream.public_host or settings.system.node_ip or hardware.primary_ip(),
        port=settings.rtsp_port,
    )
    events = EventStore(engine, settings.data_dir)
    jobs = VideoJobs(engine, events)
    archives = ArchiveJobs(engine, events, sample_fps=settings.uploads.findface_sample_fps)
    library = VideoLibrary(repo, store, settings.uploads, restreamer, jobs, archives)
    sessions = UploadSessions(repo, store, library, settings.uploads)
    sessions.recover()
    library.republish()
    return UploadsProcess(
        registrations=[
            Registration(
                UploadsServicer(sessions, library),
                uploads_service_pb2_grpc.add_UploadsServiceServicer_to_server,
                "vigil.uploads.v1.UploadsService",
            ),
            Registration(
                ArchivesServicer(library),
                archives_service_pb2_grpc.add_ArchivesServiceServicer_to_server,
                "vigil.uploads.v1.ArchivesService",
            ),
        ],
        background=[sessions.housekeeping, library.keep_published],
        options=UPLOAD_SERVER_OPTIONS,
        # The credential check (FindFace tokens, the Lenz tenant) in front of both faces.
        interceptors=[AuthInterceptor(TokenStore(engine))],
        sessions=sessions,
    )
