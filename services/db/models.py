"""The SQL schema, as SQLModel tables. One schema serves every API family:
a stream created through Visionaire4 is the row LUNA and the pipelines see.

Schema changes go through Alembic (services/db/migrations); the platform
migrates on start.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite drops the zone on the way back; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Node(SQLModel, table=True):
    """A cluster node in the node registry. Node 0 is the local node."""

    __tablename__ = "nodes"

    node_num: int = Field(primary_key=True)
    ip_address: str = Field(max_length=64)
    run_mode: str = Field(max_length=8)  # GPU or CPU
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Stream(SQLModel, table=True):
    """A video source. Visionaire4's `stream_address` is LUNA's `reference`,
    its `stream_latitude`/`stream_longitude` LUNA's `location.geo_position`.

    The LUNA columns (`api_version` and after) are NULL for a stream that
    Visionaire4 made; the LUNA face shows it with LUNA's defaults.
    """

    __tablename__ = "streams"

    stream_id: str = Field(primary_key=True, max_length=36)
    account_id: str | None = Field(default=None, index=True, max_length=36)
    node_num: int = Field(default=0, index=True)
    name: str = Field(default="", max_length=128)
    description: str = Field(default="", max_length=512)
    reference: str = Field(max_length=1024)
    latitude: float | None = None
    longitude: float | None = None
    custom_data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    version: int = Field(default=1)
    create_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    last_update_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # An internal stream that plays an uploaded video file (Lenz offline
    # analysis): analytics are assigned to it like to any other stream.
    offline_mode: bool = Field(default=False)
    #: The LUNA API version whose body made the stream (1 or 2); NULL for
    #: Visionaire4 streams, which the LUNA processing queue does not hand out.
    api_version: int | None = Field(default=None)
    #: LUNA `data` without `reference` (v1 `stream_data` or v2 `stream_data_v2`).
    luna_data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: LUNA v1 `event_handler`.
    event_handler: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: LUNA v1 `policies`.
    policies: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: LUNA `location` without `geo_position` (that is latitude/longitude).
    location: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: LUNA `autorestart`: settings and state.
    autorestart: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: The last error a LUNA worker reported.
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: The video parameters a LUNA worker reported.
    video_info: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: The preview links a LUNA worker reported.
    preview: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class StreamGroup(SQLModel, table=True):
    """A LUNA stream group: a named set of streams of one account."""

    __tablename__ = "stream_groups"
    __table_args__ = (UniqueConstraint("account_id", "group_name", name="uq_stream_groups_account_name"),)

    group_id: str = Field(primary_key=True, max_length=36)
    account_id: str = Field(index=True, max_length=36)
    group_name: str = Field(max_length=128)
    description: str = Field(default="", max_length=256)
    create_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class StreamGroupLink(SQLModel, table=True):
    """A stream attached to a group; goes with either of them."""

    __tablename__ = "stream_group_links"

    stream_id: str = Field(
        sa_column=Column(String(36), ForeignKey("streams.stream_id", ondelete="CASCADE"), primary_key=True)
    )
    group_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("stream_groups.group_id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class StreamLog(SQLModel, table=True):
    """One applied LUNA worker report on a stream; goes with the stream."""

    __tablename__ = "stream_logs"

    log_id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    stream_id: str = Field(
        sa_column=Column(String(36), ForeignKey("streams.stream_id", ondelete="CASCADE"), nullable=False, index=True)
    )
    log_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    status: str = Field(max_length=16)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    video_info: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    version: int = Field(default=1)
    preview: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Setting(SQLModel, table=True):
    """A named JSON document of run-time configuration (platform, database,
    licence check-in)."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class UploadSession(SQLModel, table=True):
    """A resumable chunked upload (Lenz). The chunks themselves, and which of
    them are durably on disk, live in the chunk store under
    `<data_dir>/uploads/sessions/<session_id>/`; the counters here follow it."""

    __tablename__ = "upload_sessions"

    session_id: str = Field(primary_key=True, max_length=40)
    video_id: str = Field(max_length=32, index=True)
    nvr_server_id: int = Field(default=0)
    original_filename: str = Field(max_length=255)
    total_chunks: int
    total_size: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Bytes of every chunk but the last; fixed by the first chunk received.
    chunk_size: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    auto_stream: bool = Field(default=True)
    status: str = Field(default="uploading", max_length=16, index=True)
    chunks_received: int = Field(default=0)
    bytes_written: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    seq: int = Field(default=0)
    error: str = Field(default="", max_length=1024)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    owner: str | None = Field(default=None, max_length=255)


class Video(SQLModel, table=True):
    """An uploaded video: a Lenz video (Job) and a FindFace video archive are
    the same row, `video_id` naming it for Lenz and `id` for FindFace."""

    __tablename__ = "videos"

    id: int | None = Field(default=None, primary_key=True)
    video_id: str = Field(max_length=32, unique=True)
    nvr_server_id: int = Field(default=0, index=True)
    original_filename: str = Field(default="", max_length=255)
    name: str | None = Field(default=None, max_length=256)
    url: str | None = Field(default=None, max_length=2048)
    camera_group: int = Field(default=0)
    camera: int | None = None
    case_id: int | None = None
    # Where the file is stored, under a generated name; "" before a source file.
    file_path: str = Field(default="", max_length=1024)
    file_size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(default="", max_length=64)
    duration: float | None = None
    started_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    started_at_src: str = Field(default="", max_length=16)
    ended_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    status: str = Field(default="pending", max_length=16)
    error: str = Field(default="", max_length=1024)
    auto_stream: bool = Field(default=False)
    stream_id: str | None = Field(default=None, max_length=36)
    stream_settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=False)
    queued: bool = Field(default=False)
    finished: bool = Field(default=False)
    processing_start_date: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    face_count: int = Field(default=0)
    body_count: int = Field(default=0)
    car_count: int = Field(default=0)
    device_error_count: int = Field(default=0)
    device_restart_count: int = Field(default=0)
    #: What the offline worker running the video's job last measured
    #: (services/engine/offline.py `JobStatistic`; migration 0018); None
    #: before a worker took the job.
    job_statistic: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # The tenant that owns it (a Lenz token's tenant claim, a FindFace token's
    # owner); None for a video made without credentials (direct gRPC).
    owner: str | None = Field(default=None, max_length=255, index=True)


class ApiToken(SQLModel, table=True):
    """A FindFace API token (`Authorization: Token <token>`), made by
    `vigil token create`: only its SHA-256 is stored, never the token."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=8)
    owner: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class Classification(SQLModel, table=True):
    """A Gaard alarm-video classification: the submission (tenant, metadata,
    the video's name and size), its progress and its result. The video
    itself waits under `<data_dir>/classification/` until it is classified."""

    __tablename__ = "classifications"

    id: str = Field(primary_key=True, max_length=24)
    tenant: str = Field(max_length=1024)
    parent_id: str = Field(max_length=1024)
    camera_id: str = Field(default="", max_length=1024)
    analyse_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    # `pending`, `done` or `failed`, for the classification and the video.
    status_classify: str = Field(default="pending", max_length=16, index=True)
    status_video: str = Field(default="pending", max_length=16)
    sync: bool = Field(default=False)
    videoname: str = Field(default="", max_length=1024)
    filesize: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # The waiting video file; "" once it is classified (or failed) and deleted.
    file_path: str = Field(default="", max_length=1024)
    specs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    client_metadata: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    model: str = Field(default="", max_length=128)
    version: str = Field(default="", max_length=128)
    risk: str = Field(default="", max_length=16)
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    scores: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error_code: int = Field(default=0)
    error_msg: str = Field(default="", sa_column=Column(Text, nullable=False))
    duration_ms: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    timing_total_ms: float = Field(default=0.0)
    # How often the classification was started (a restart starts it again).
    attempts: int = Field(default=0)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    started_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class Work(SQLModel, table=True):
    """An analytic assigned to a stream: durable work that a worker takes
    (services/catalog/work.py holds the contract). One row per (stream,
    analytic); it holds one seat of the analytic on the stream's node and
    goes with the stream."""

    __tablename__ = "work"
    __table_args__ = (
        UniqueConstraint("stream_id", "analytic_id", name="uq_work_stream_analytic"),
        UniqueConstraint("node_num", "analytic_id", "seat", name="uq_work_node_analytic_seat"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    stream_id: str = Field(
        sa_column=Column(String(36), ForeignKey("streams.stream_id", ondelete="CASCADE"), nullable=False, index=True)
    )
    node_num: int = Field(default=0)
    analytic_id: str = Field(max_length=32, index=True)
    #: The seat number on the node (1..seats), and its stable serial number.
    seat: int
    serial_number: str = Field(max_length=64)
    #: `live` (a camera stream, run by the stream engine) or `offline` (an
    #: uploaded video's internal stream, run by the offline jobs).
    kind: str = Field(max_length=16)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Grows by one with every config change; workers compare it.
    config_version: int = Field(default=1)
    #: `idle`, `pending`, `running`, `done` or `failed` (work.py).
    state: str = Field(default="pending", max_length=16, index=True)
    owner: str | None = Field(default=None, max_length=128)
    heartbeat_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    #: Offline work: the fraction of the video done, 0..1.
    progress: float = Field(default=0.0)
    error: str = Field(default="", sa_column=Column(Text, nullable=False))
    #: How often a worker claimed it (a takeover claims it again).
    attempts: int = Field(default=0)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    #: Offline work (migration 0016): an `idle` row with this set is due at
    #: this time (the job's schedule); None: not scheduled.
    not_before: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    #: Offline work: the frame time (seconds into the video) up to which
    #: every event of the row is stored; a resumed job goes on from here.
    checkpoint_seconds: float = Field(default=0.0, sa_column=Column(Float, nullable=False, server_default="0"))
    #: Offline work: when its job was cancelled (None: it was not).
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class EngineWorker(SQLModel, table=True):
    """A stream-engine worker that is alive (or was: a killed one stays until
    another worker of its node cleans it up). Each worker writes only its
    own row, every heartbeat (services/engine/registry.py); `/node_status`
    and `/resource_stats` show them."""

    __tablename__ = "engine_workers"

    worker_id: str = Field(sa_column=Column(String(128), primary_key=True))
    node_num: int = Field(default=0, index=True)
    pid: int = Field(default=0)
    work_held: int = Field(default=0)
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    heartbeat_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Event(SQLModel, table=True):
    """One analytic event (a line crossing, an area entry, a face match ...)
    that the stream engine appended through `services/events`. Events are
    history: they outlive a deleted stream until retention removes them, so
    `stream_id` is not a foreign key (an append never waits on the streams
    table). The thumbnail JPEG is a file under `<data_dir>/events/` named by
    `thumbnail_path` (relative), so rows stay small and listing never reads
    image bytes."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_stream_time", "stream_id", "occurred_at"),
        # A stream's pages, newest (highest id) first.
        Index("ix_events_stream_id", "stream_id", "id"),
        Index("ix_events_occurred_at", "occurred_at"),
        Index("ix_events_analytic_type", "analytic_id", "event_type"),
        Index("ix_events_primary_text", "primary_text"),
        # An offline job's events are keyed, so a resumed job never stores one twice.
        Index("ux_events_idempotency_key", "idempotency_key", unique=True),
        # AUTOINCREMENT: ids are never reused after retention deletes the
        # newest rows, so followers polling by id never miss one.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    stream_id: str = Field(sa_column=Column(String(36), nullable=False))
    node_num: int = Field(default=0)
    analytic_id: str = Field(max_length=32)
    #: The sub-analytic that raised it (`counting`, `area`), or "".
    sub_analytic: str = Field(default="", max_length=32)
    event_type: str = Field(max_length=32)
    #: The tracker's id of the object, or None for an event of no track.
    track_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    label: str = Field(default="", max_length=64)
    score: float = Field(default=0.0)
    #: [x1, y1, x2, y2], normalised to the frame (0..1), or None.
    box: list[float] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: The event's own time (the frame's), UTC.
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: When the row was written, UTC.
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    thumbnail_path: str | None = Field(default=None, max_length=255)
    thumbnail_bytes: int = Field(default=0)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Smart search's captions: a recognised name, a plate text ...; "" when none.
    primary_text: str = Field(default="", sa_column=Column(String(255), nullable=False, server_default=""))
    secondary_text: str = Field(default="", sa_column=Column(String(255), nullable=False, server_default=""))
    #: A key unique to the event (an offline job's: work, frame time, track,
    #: type), or None; an append skips an event whose key is stored.
    idempotency_key: str | None = Field(default=None, sa_column=Column(String(128), nullable=True))


class EventEmbedding(SQLModel, table=True):
    """An event's embedding (a face's SFace vector ...), float32 bytes,
    L2-normalised; `stream_id` and `occurred_at` are the event's, copied so
    a search filters without a join. Written with the event, deleted with it
    (`services/events/store.py`), searched by `services/search/vectors.py`."""

    __tablename__ = "event_embeddings"
    __table_args__ = (
        Index("ix_event_embeddings_kind_stream", "kind", "stream_id", "occurred_at"),
        Index("ix_event_embeddings_kind_time", "kind", "occurred_at"),
    )

    event_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True))
    kind: str = Field(max_length=16)
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    stream_id: str = Field(sa_column=Column(String(36), nullable=False))
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class StreamStatsRow(SQLModel, table=True):
    """What the stream engine last measured of a stream it has open
    (services/engine/repository.py writes it; Visionaire4's `stream_stats`
    reads it). A row whose `updated_at` is older than the engine's report
    period allows is stale: the engine that wrote it is gone."""

    __tablename__ = "stream_stats"

    stream_id: str = Field(
        sa_column=Column(String(36), ForeignKey("streams.stream_id", ondelete="CASCADE"), primary_key=True)
    )
    # RUNNING, CONNECTING, ERROR or STOPPED.
    state: str = Field(max_length=16)
    fps: float = Field(default=0.0)
    frame_width: int = Field(default=0)
    frame_height: int = Field(default=0)
    last_error_msg: str = Field(default="", sa_column=Column(Text, nullable=False))
    frames: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    reconnects: int = Field(default=0)
    # Which engine process wrote it (host:pid).
    reporter: str = Field(default="", max_length=64)
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Watchlist(SQLModel, table=True):
    """A watch list of face recognition (services/watchlists): people, each
    with photos whose face embeddings `NFV4-FR` matches against."""

    __tablename__ = "watchlists"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(128), nullable=False, unique=True))
    description: str = Field(default="", sa_column=Column(String(1024), nullable=False, server_default=""))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class WatchlistPerson(SQLModel, table=True):
    """A person on a watch list: a recognition event's captions (`name`,
    then `note` or the list's name)."""

    __tablename__ = "watchlist_persons"

    id: int | None = Field(default=None, primary_key=True)
    watchlist_id: int = Field(
        sa_column=Column(Integer, ForeignKey("watchlists.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    name: str = Field(sa_column=Column(String(255), nullable=False))
    note: str = Field(default="", sa_column=Column(String(255), nullable=False, server_default=""))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class WatchlistPhoto(SQLModel, table=True):
    """One enrolled photo of a person: its face's SFace embedding (float32
    little-endian, L2-normalised) and how the face was judged; the photo
    itself is not kept."""

    __tablename__ = "watchlist_photos"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("watchlist_persons.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    #: The face: box [x1, y1, x2, y2] in pixels, score, pose, sharpness, warning.
    face: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
