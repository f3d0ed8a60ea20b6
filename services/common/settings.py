"""Platform settings: environment variables with the `VIGIL_` prefix.

Every field can also come from a dotenv-style file named by `VIGIL_ENV_FILE`
(default `vigil.env` in the working directory, read when it exists).
Cross-field rules (distinct ports, the reserved inference port) are checked
when the settings load, not on the first request.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The gRPC services of the platform, in start order; each has a `<name>_port`.
SERVICE_NAMES = ("system", "streams", "pipelines", "uploads", "analytics", "classification", "inference")


class Settings(BaseSettings):
    """Everything a Vigil process reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="VIGIL_",
        env_file=os.environ.get("VIGIL_ENV_FILE", "vigil.env"),
        extra="ignore",
    )

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file, uploads and run state.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty means SQLite at `<data_dir>/vigil.db`; "
        "`postgresql+psycopg://user:pass@host/db` selects PostgreSQL.",
    )
    grpc_host: str = Field(default="127.0.0.1", description="Address the gRPC servers listen on.")
    http_port: int = Field(default=8080, description="Envoy listener serving every REST family.")
    visionaire_port: int = Field(default=4004, description="Envoy listener at Visionaire4's documented port.")
    luna_port: int = Field(default=5160, description="Envoy listener at LUNA Streams' default port.")
    http_host: str = Field(default="0.0.0.0", description="Address Envoy's REST listeners bind.")
    envoy_admin_port: int = Field(default=9901, description="Envoy admin interface, bound to 127.0.0.1 only.")
    system_port: int = Field(default=50051, description="gRPC port of the System service.")
    streams_port: int = Field(default=50052, description="gRPC port of the Streams services.")
    pipelines_port: int = Field(default=50053, description="gRPC port of the Pipelines service.")
    uploads_port: int = Field(default=50054, description="gRPC port of the Uploads and Archives services.")
    analytics_port: int = Field(default=50055, description="gRPC port of the Analytics and Search services.")
    classification_port: int = Field(default=50056, description="gRPC port of the Classification service.")
    inference_port: int = Field(default=8001, description="gRPC port of the inference service (Triton's gRPC port).")
    inference_http_port: int = Field(
        default=8000, description="HTTP/REST port of the inference service (KServe v2, Triton's HTTP port)."
    )
    inference_metrics_port: int = Field(
        default=8002, description="HTTP port of the inference service's Prometheus `/metrics` (Triton's metrics port)."
    )
    model_repository: Path = Field(
        default=Path(__file__).resolve().parents[2] / "models" / "repository",
        description="Model repository in Triton's layout (`<model>/config.pbtxt`, `<model>/<version>/model.onnx`); "
        "`scripts/fetch_models.py` fills the default one.",
    )
    model_control_mode: str = Field(
        default="explicit",
        description="Triton's model control: `explicit` (load/unload over gRPC or HTTP), `none` (no load/unload) "
        "or `poll` (every model of the repository is loaded, and models or versions added to or removed from it "
        "are loaded or unloaded without a restart; load/unload requests are refused).",
    )
    repository_poll_seconds: float = Field(
        default=15.0,
        gt=0,
        description="In `poll` model control, how often the model repository is scanned for changes "
        "(Triton's `--repository-poll-secs`).",
    )
    load_models: str = Field(
        default="*",
        description="Comma-separated models loaded at start-up; `*` loads every model of the repository.",
    )
    inference_max_queue_size: int = Field(
        default=128,
        ge=0,
        description="Requests a model version queues, at most, when its configuration sets no `max_queue_size` "
        "(no dynamic batching, or a queue policy without one); past it a request is rejected at once with "
        "RESOURCE_EXHAUSTED (HTTP 429). 0 leaves such queues unbounded, as Triton does.",
    )
    inference_threads: int = Field(
        default=0,
        ge=0,
        description="onnxruntime intra-op threads per model instance; 0 divides the usable cores between "
        "a model's instances (at least 1 each).",
    )
    deployment_key: str = Field(default="vigil-local", description="Deployment key reported by `GET /`.")
    node_ip: str = Field(default="", description="IP address reported for node 0; empty means detect it.")
    heartbeat_seconds: float = Field(default=5.0, gt=0, description="How often node 0 refreshes its registry row.")
    grace_seconds: float = Field(default=5.0, ge=0, description="Graceful stop time for in-flight RPCs on SIGTERM.")
    start_timeout_seconds: float = Field(default=60.0, gt=0, description="How long start-up waits for health.")
    log_level: str = Field(default="info", description="Python log level of every service.")
    envoy_log_level: str = Field(default="warning", description="Envoy's log level.")
    # The REST edge (Envoy) as an internet-facing proxy (services/platform/envoy_config.py).
    public_base_url: str = Field(
        default="",
        description="Scheme, host and port (and any path prefix) clients reach the platform at, such as "
        "`https://vigil.example.com`; absolute URLs in answers (FindFace `next_page`, `screenshot`) start with it. "
        "Empty means the address of the listener the request came in on; the client's `Host` header is never used.",
    )
    edge_max_json_bytes: int = Field(
        default=1024**2,
        ge=1024,
        description="Largest request body of a JSON route, in bytes (HTTP 413 in the family's shape past it); "
        "the LUNA feedback routes also allow one preview frame of `luna_preview_max_bytes`; upload routes stream "
        "and have only the uploads and classification services' own limits.",
    )
    edge_max_connections: int = Field(
        default=10000,
        ge=1,
        description="Open downstream connections Envoy accepts over all listeners; past it new ones are closed.",
    )
    edge_max_heap_bytes: int = Field(
        default=1024**3,
        ge=64 * 1024**2,
        description="Envoy's heap budget for the overload manager: at 95% it stops HTTP keep-alive and resets "
        "its largest streams, at 98% it answers new requests 503.",
    )
    edge_request_headers_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Time a client has to send a request's headers (HTTP 408 past it)."
    )
    edge_idle_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A connection with no request in flight, or a request with no bytes moving either way, is "
        "closed after this long (whole-clip `POST /api/classify?sync=true` waits up to ten times longer).",
    )
    max_string_length: int = Field(default=1024, gt=0, description="Longest free-text field accepted in a request.")
    luna_autorestart_check_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often the streams process puts failed LUNA streams whose autorestart delay has passed "
        "back in the processing queue.",
    )
    luna_logs_clear_interval_seconds: float = Field(
        default=0.0,
        ge=0,
        description="LUNA's LUNA_STREAMS_LOGS_CLEAR_INTERVAL: stream log records older than this many seconds are "
        "deleted automatically (each stream keeps its last record); 0 turns automatic clearing off.",
    )
    luna_housekeeping_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often the streams process clears old LUNA stream logs and removes the preview frames "
        "of deleted streams.",
    )
    luna_preview_max_bytes: int = Field(
        default=8 * 1024**2, gt=0, description="Largest LUNA preview frame (JPEG) a worker may report, in bytes."
    )
    luna_preview_fetch_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long fetching a worker's http(s) last-frame preview URL may take."
    )
    luna_live_keepalive_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A LUNA live preview with no new frame repeats the last one this often, keeping viewers and "
        "the edge's idle timeout alive.",
    )
    upload_max_bytes: int = Field(
        default=64 * 1024**3,
        gt=0,
        description="Largest video an upload may announce (Lenz total_size) or send (FindFace source file), in bytes.",
    )
    upload_max_chunk_bytes: int = Field(
        default=1024**3, gt=0, description="Largest single chunk of a Lenz chunked upload, in bytes."
    )
    upload_min_free_bytes: int = Field(
        default=512 * 1024**2,
        ge=0,
        description="Storage an upload must leave free under `<data_dir>/uploads`; an upload that would leave "
        "less is refused as storage full before any byte is written.",
    )
    upload_idle_seconds: float = Field(
        default=300.0, gt=0, description="An upload session with no chunk for this long is reported `paused`."
    )
    upload_session_ttl_seconds: float = Field(
        default=7 * 24 * 3600.0,
        gt=0,
        description="A paused upload session idle for this long is cancelled and its partial data deleted.",
    )
    service_restarts: int = Field(
        default=5,
        ge=0,
        description="How often within a minute the supervisor restarts a gRPC service that died; "
        "past that (or with 0) a dead service stops the platform.",
    )
    classify_max_bytes: int = Field(
        default=64 * 1024**2,
        gt=0,
        description="Largest `POST /api/classify` body (the video file and the form fields), in bytes; a larger "
        "one is refused with HTTP 413.",
    )
    classify_max_seconds: float = Field(
        default=120.0, gt=0, description="Longest video `POST /api/classify` accepts, in seconds (HTTP 422 past it)."
    )
    classify_sample_fps: float = Field(
        default=3.0,
        gt=0,
        description="How many frames per second of the video are analysed; a video with fewer has all its "
        "frames analysed.",
    )
    classify_frame_height: int = Field(
        default=320,
        ge=32,
        description="Height the analysed frames are resampled to, keeping the aspect ratio (width rounded down "
        "to an even number); a smaller video keeps its size.",
    )
    classify_batch_size: int = Field(
        default=8, ge=1, description="Frames per request to the object detector (at most its max_batch_size)."
    )
    classify_text_frames: int = Field(
        default=3,
        ge=0,
        description="How many of the analysed frames (spread over the video) also go through the text detector; "
        "0 turns text detection off and leaves `text` out of the scores.",
    )
    classify_low_threshold: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Risk rule: an intrusion score below this is `safe`; from it up to the high threshold, `danger`.",
    )
    classify_high_threshold: float = Field(
        default=0.8, ge=0, le=1, description="Risk rule: an intrusion score at or above this is `intrusion`."
    )
    classify_label_threshold: float = Field(
        default=0.5, ge=0, le=1, description="A label is listed in `labels` when its score is at least this."
    )
    classify_workers: int = Field(
        default=2, ge=1, description="How many classifications run at the same time; the rest wait in the queue."
    )
    classify_queue_size: int = Field(
        default=64,
        ge=1,
        description="How many accepted classifications may wait; past that `POST /api/classify` answers HTTP 429.",
    )
    classify_max_attempts: int = Field(
        default=2,
        ge=1,
        description="How often a classification is started; one that was interrupted this often (the service died "
        "while it ran) is marked failed when the service starts again.",
    )
    classify_inference_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a classification waits for the inference service to answer before it fails.",
    )

    # Set by `vigil run` for the processes it starts, not by operators; left
    # out of the settings the platform shows (`masked`, `GET /config`).
    supervisor_pid: int = Field(
        default=0,
        exclude=True,
        description="Process id of the `vigil run` supervisor that started this process (0: none); the System "
        "service's restart asks it to restart the services.",
    )
    prometheus_multiproc_dir: str = Field(
        default="",
        exclude=True,
        validation_alias="PROMETHEUS_MULTIPROC_DIR",
        description="prometheus_client's folder of every process's counters, set by `vigil run`; when set, "
        "`/metrics` adds up the counters of all processes.",
    )

    @model_validator(mode="after")
    def _check_classify(self) -> Settings:
        if self.classify_low_threshold > self.classify_high_threshold:
            raise ValueError(
                f"VIGIL_CLASSIFY_LOW_THRESHOLD={self.classify_low_threshold} is above "
                f"VIGIL_CLASSIFY_HIGH_THRESHOLD={self.classify_high_threshold}"
            )
        return self

    @model_validator(mode="after")
    def _check_ports(self) -> Settings:
        ports = {name: getattr(self, f"{name}_port") for name in SERVICE_NAMES}
        ports |= {
            "http": self.http_port,
            "visionaire": self.visionaire_port,
            "luna": self.luna_port,
            "envoy_admin": self.envoy_admin_port,
            "inference": self.inference_port,
            "inference_http": self.inference_http_port,
            "inference_metrics": self.inference_metrics_port,
        }
        seen: dict[int, str] = {}
        for name, port in ports.items():
            if not 0 < port < 65536:
                raise ValueError(f"VIGIL_{name.upper()}_PORT={port} is not a TCP port")
            if port in seen:
                raise ValueError(f"VIGIL_{name.upper()}_PORT and VIGIL_{seen[port].upper()}_PORT are both {port}")
            seen[port] = name
        if self.model_control_mode not in {"explicit", "none", "poll"}:
            raise ValueError(f"VIGIL_MODEL_CONTROL_MODE={self.model_control_mode} is not explicit, none or poll")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"VIGIL_LOG_LEVEL={self.log_level} is not debug, info, warning or error")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'vigil.db').resolve()}"

    def grpc_target(self, service: str) -> str:
        """host:port of one gRPC service."""
        return f"{self.grpc_host}:{getattr(self, f'{service}_port')}"

    def masked(self) -> dict[str, dict[str, object]]:
        """The effective settings by section, secrets replaced by `********`."""
        values: dict[str, object] = {}
        for name, value in self.model_dump(mode="json").items():
            if name in {"database_url"} and value:
                value = _mask_url(str(value))
            values[name.upper()] = value
        values["DATABASE_URL"] = _mask_url(self.sqlalchemy_url)
        return {"VIGIL": values}


def _mask_url(url: str) -> str:
    """Hide the password of a URL such as `postgresql+psycopg://u:secret@h/db`."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}"
