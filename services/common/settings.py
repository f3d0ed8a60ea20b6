"""Platform settings: environment variables with the `VIGIL_` prefix.

Every field can also come from a dotenv-style file named by `VIGIL_ENV_FILE`
(default `vigil.env` in the working directory, read when it exists), chosen
when the settings load, not when this module is imported.

The settings are nested: platform-wide values (data, database, ports, log
levels) sit on `Settings`, and each service that has settings of its own
gets a small section (`settings.uploads`, `settings.classification`, ...)
that its wiring hands to its domain classes. The variables stay flat, as
they always were: a section's field `max_bytes` with the prefix `upload_` is
`VIGIL_UPLOAD_MAX_BYTES`, and `GET /config` prints the same flat names.

A `VIGIL_` variable that names no setting is an error at start, naming it
(the variables of the tools around the platform, `VIGIL_ENV_FILE`,
`VIGIL_CACHE_DIR` and `VIGIL_TEST_*`, excepted). Cross-field rules (distinct
ports, the reserved inference port, the risk thresholds) are checked when the
settings load, not on the first request.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from pathlib import Path
from typing import Any, ClassVar

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

#: The platform's processes (`python -m services.<name>`, built by
#: `services/<name>/wiring.py::build`), in start order, and the gRPC services
#: each serves: the one list of services. Each process has a `<name>_port`;
#: the supervisor, the Envoy routes and the health probes follow this list.
SERVICES: dict[str, tuple[str, ...]] = {
    "system": ("vigil.system.v1.SystemService", "vigil.events.v1.EventsService"),
    "streams": (
        "vigil.streams.v1.StreamsService",
        "vigil.streams.v1.LunaStreamsService",
        "vigil.streams.v1.LunaGroupsService",
    ),
    "catalog": ("vigil.analytics.v1.AnalyticsService", "vigil.pipelines.v1.PipelinesService"),
    "uploads": ("vigil.uploads.v1.UploadsService", "vigil.uploads.v1.ArchivesService"),
    "engine": (
        "vigil.streams.v1.VisualizationService",
        "vigil.analytics.v1.SearchService",
        "vigil.watchlists.v1.WatchlistsService",
    ),
    "classification": ("vigil.classification.v1.ClassificationService",),
    "inference": ("inference.GRPCInferenceService",),
}
SERVICE_NAMES = tuple(SERVICES)

PREFIX = "VIGIL_"
#: `VIGIL_` variables that belong to the tools around the platform, not to it.
TOOL_VARIABLES = frozenset({"VIGIL_ENV_FILE", "VIGIL_CACHE_DIR"})
TOOL_PREFIXES = ("VIGIL_TEST_",)
#: Former names that still work: the variable on the left sets the one on the right.
RENAMED = {"pipelines_port": "catalog_port", "analytics_port": "engine_port"}
#: Stands for "the file `VIGIL_ENV_FILE` names", resolved when settings load.
FROM_VIGIL_ENV_FILE = Path("<VIGIL_ENV_FILE>")


class Section(BaseModel):
    """The settings of one service. `prefix` joins a field's name to make its
    flat variable name (`VIGIL_<PREFIX><FIELD>`), unless the field's alias
    gives the flat name itself."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    prefix: ClassVar[str] = ""

    @classmethod
    def flat_names(cls) -> dict[str, str]:
        """Flat name (lower case, without `vigil_`) -> field name."""
        return {_flat(cls.prefix, name, info): name for name, info in cls.model_fields.items()}


def _flat(prefix: str, name: str, info: FieldInfo) -> str:
    return info.alias or f"{prefix}{name}"


class SystemSettings(Section):
    """The System service: what `GET /` and the node registry report."""

    deployment_key: str = Field(default="vigil-local", description="Deployment key reported by `GET /`.")
    node_ip: str = Field(default="", description="IP address reported for node 0; empty means detect it.")
    heartbeat_seconds: float = Field(default=5.0, gt=0, description="How often node 0 refreshes its registry row.")


class StreamsSettings(Section):
    """The Streams service's LUNA background jobs and previews."""

    prefix: ClassVar[str] = "luna_"

    autorestart_check_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often the streams process puts failed LUNA streams whose autorestart delay has passed "
        "back in the processing queue.",
    )
    worker_silence_seconds: float = Field(
        default=60.0,
        ge=0,
        description="A LUNA stream being processed with no worker feedback for this long goes back in the queue "
        "(its worker died; another takes it over); 0: never.",
    )
    logs_clear_interval_seconds: float = Field(
        default=0.0,
        ge=0,
        description="LUNA's LUNA_STREAMS_LOGS_CLEAR_INTERVAL: stream log records older than this many seconds are "
        "deleted automatically (each stream keeps its last record); 0 turns automatic clearing off.",
    )
    housekeeping_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often the streams process clears old LUNA stream logs and removes the preview frames "
        "of deleted streams.",
    )
    preview_max_bytes: int = Field(
        default=8 * 1024**2, gt=0, description="Largest LUNA preview frame (JPEG) a worker may report, in bytes."
    )
    preview_fetch_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long fetching a worker's http(s) last-frame preview URL may take."
    )
    live_keepalive_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A LUNA live preview with no new frame repeats the last one this often, keeping viewers and "
        "the edge's idle timeout alive.",
    )
    preview_fetch: str = Field(
        default="loopback",
        description="Where the streams service may fetch a worker's http(s) preview URL from: `off`, `loopback` "
        "(127.0.0.0/8 and ::1), or comma-separated networks in CIDR notation (`10.0.0.0/8,192.168.1.7/32`).",
    )

    @model_validator(mode="after")
    def _check_preview_fetch(self) -> StreamsSettings:
        preview_networks(self.preview_fetch)
        return self


class EngineSettings(Section):
    """The stream engine: how it opens and keeps sources, and how often it
    reports what it measures."""

    prefix: ClassVar[str] = "engine_"

    open_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long the engine waits for a source to open."
    )
    read_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long the engine waits for data from an open source."
    )
    backoff_seconds: float = Field(
        default=1.0, gt=0, description="First wait before a failed or ended source is opened again; it doubles."
    )
    max_backoff_seconds: float = Field(
        default=30.0, gt=0, description="Longest wait between attempts to open a failing source."
    )
    max_frame_pixels: int = Field(
        default=7680 * 4320, gt=0, description="Largest frame (width x height) a source may have; larger is an error."
    )
    file_root: Path | None = Field(
        default=None, description="Folder file:// stream addresses must be inside; empty means the data folder."
    )
    report_seconds: float = Field(
        default=1.0, gt=0, description="How often the engine writes the stats of its open streams."
    )
    linger_seconds: float = Field(
        default=5.0, ge=0, description="How long a stream stays open after its last viewer (or other demand) leaves."
    )
    node_num: int = Field(default=0, ge=0, description="The node whose live work this engine's workers take.")
    workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Work-taking workers in this engine process (0: the engine only serves views).",
    )
    lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a worker's claim on a work row lasts without a heartbeat; then another takes it.",
    )
    heartbeat_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often a worker renews its rows, picks up config changes and claims new work.",
    )
    claim_limit: int = Field(default=8, ge=1, description="Most work rows one worker claims in one round.")
    inference_deadline_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Deadline of each inference call of live analysis (a few sampled-frame intervals): a frame "
        "not answered by then is skipped, counted and said on the stream, never waited for (offline jobs keep "
        "30 s and try the frame again).",
    )
    offline_workers: int = Field(
        default=1,
        ge=0,
        le=64,
        alias="offline_workers",
        description="Offline job workers in this engine process: each analyses one uploaded video at a time, as fast "
        "as the machine allows (0: this engine runs no offline jobs).",
    )
    offline_max_attempts: int = Field(
        default=5,
        ge=1,
        alias="offline_max_attempts",
        description="An offline job taken over this many times (its worker died each time) fails instead of "
        "being taken again.",
    )
    luna_worker: bool = Field(
        default=True,
        description="Vigil's own LUNA worker takes queued LUNA streams and processes them (off: only outside "
        "LUNA workers do).",
    )
    luna_max_streams: int = Field(
        default=16, ge=1, description="Most LUNA streams Vigil's LUNA worker processes at once in this engine."
    )
    luna_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often Vigil's LUNA worker looks at the LUNA processing queue."
    )
    luna_feedback_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often Vigil's LUNA worker reports a stream (status, video_info, last frame preview).",
    )

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> EngineSettings:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("engine heartbeat_seconds must be shorter than lease_seconds")
        return self


class UploadsSettings(Section):
    """The Uploads service's limits and session timers."""

    prefix: ClassVar[str] = "upload_"

    max_bytes: int = Field(
        default=64 * 1024**3,
        gt=0,
        description="Largest video an upload may announce (Lenz total_size) or send (FindFace source file), in bytes.",
    )
    max_chunk_bytes: int = Field(
        default=1024**3, gt=0, description="Largest single chunk of a Lenz chunked upload, in bytes."
    )
    min_free_bytes: int = Field(
        default=512 * 1024**2,
        ge=0,
        description="Storage an upload must leave free under `<data_dir>/uploads`; an upload that would leave "
        "less is refused as storage full before any byte is written.",
    )
    idle_seconds: float = Field(
        default=300.0, gt=0, description="An upload session with no chunk for this long is reported `paused`."
    )
    session_ttl_seconds: float = Field(
        default=7 * 24 * 3600.0,
        gt=0,
        description="A paused upload session idle for this long is cancelled and its partial data deleted.",
    )
    findface_sample_fps: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Frames per second of video that FindFace archive processing analyses (face, body and car "
        "detection and tracking); the decode reads every frame.",
    )


class RestreamSettings(Section):
    """Re-streaming uploaded videos (`auto_stream`) over RTSP: the GStreamer
    RTSP server that `vigil run` supervises (its port is `rtsp_port`)."""

    prefix: ClassVar[str] = "rtsp_"

    enabled: bool = Field(
        default=True,
        description="Run the RTSP server when the system Python has GStreamer's RTSP server; false never runs it "
        "(`auto_stream=true` is then refused).",
    )
    host: str = Field(default="0.0.0.0", description="Address the RTSP server listens on.")
    public_host: str = Field(
        default="",
        description="Host in each video's `device.publish_url`; empty means node 0's IP (`VIGIL_NODE_IP`, else "
        "detected, else 127.0.0.1).",
    )


class ClassificationSettings(Section):
    """The Classification service: limits, sampling, batching, risk rules, workers."""

    prefix: ClassVar[str] = "classify_"

    max_bytes: int = Field(
        default=64 * 1024**2,
        gt=0,
        description="Largest `POST /api/classify` body (the video file and the form fields), in bytes; a larger "
        "one is refused with HTTP 413.",
    )
    max_seconds: float = Field(
        default=120.0, gt=0, description="Longest video `POST /api/classify` accepts, in seconds (HTTP 422 past it)."
    )
    sample_fps: float = Field(
        default=3.0,
        gt=0,
        description="How many frames per second of the video are analysed; a video with fewer has all its "
        "frames analysed.",
    )
    frame_height: int = Field(
        default=320,
        ge=32,
        description="Height the analysed frames are resampled to, keeping the aspect ratio (width rounded down "
        "to an even number); a smaller video keeps its size.",
    )
    batch_size: int = Field(
        default=8, ge=1, description="Frames per request to the object detector (at most its max_batch_size)."
    )
    text_frames: int = Field(
        default=3,
        ge=0,
        description="How many of the analysed frames (spread over the video) also go through the text detector; "
        "0 turns text detection off and leaves `text` out of the scores.",
    )
    low_threshold: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Risk rule: an intrusion score below this is `safe`; from it up to the high threshold, `danger`.",
    )
    high_threshold: float = Field(
        default=0.8, ge=0, le=1, description="Risk rule: an intrusion score at or above this is `intrusion`."
    )
    label_threshold: float = Field(
        default=0.5, ge=0, le=1, description="A label is listed in `labels` when its score is at least this."
    )
    workers: int = Field(
        default=2, ge=1, description="How many classifications run at the same time; the rest wait in the queue."
    )
    queue_size: int = Field(
        default=64,
        ge=1,
        description="How many accepted classifications may wait; past that `POST /api/classify` answers HTTP 429.",
    )
    max_attempts: int = Field(
        default=2,
        ge=1,
        description="How often a classification is started; one that was interrupted this often (the service died "
        "while it ran) is marked failed when the service starts again.",
    )
    inference_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a classification waits for the inference service to answer before it fails.",
    )

    @model_validator(mode="after")
    def _check_thresholds(self) -> ClassificationSettings:
        if self.low_threshold > self.high_threshold:
            raise ValueError(
                f"VIGIL_CLASSIFY_LOW_THRESHOLD={self.low_threshold} is above "
                f"VIGIL_CLASSIFY_HIGH_THRESHOLD={self.high_threshold}"
            )
        return self


class CatalogSettings(Section):
    """The catalog: seats (concurrent streams per analytic per node) and how
    long it waits for the inference service's readiness answers."""

    prefix: ClassVar[str] = "analytic_"

    seats: str = Field(
        default="NFV4-MPA=8,NFV4-MVA=8",
        description="Seats per analytic: how many streams of one node may run it at once, as `ID=N` pairs "
        "separated by commas (`NFV4-MPA=8,NFV4-FR=2`). An analytic not named gets `VIGIL_ANALYTIC_DEFAULT_SEATS`; "
        "a name that is not an analytic of the catalog fails at start-up. The default gives people and vehicle "
        "counting the 8 live 1080p25 streams a 2-core node sustained (benchmarks/engine_analysis.py, README).",
    )
    default_seats: int = Field(
        default=4,
        ge=0,
        description="Seats of an analytic that `VIGIL_ANALYTIC_SEATS` does not name (concurrent streams per node): "
        "face recognition, plates and smart-search indexing cost more per frame than people counting (README: "
        "Benchmarks) and keep 4.",
    )
    offline_schedule_delay_seconds: float = Field(
        default=10.0,
        ge=0,
        alias="offline_schedule_delay_seconds",
        description="An assignment to an uploaded video's stream schedules its analysis job this many seconds after "
        "the last assignment change, so several analytics can be assigned first (README: Offline video jobs).",
    )
    inference_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        alias="catalog_inference_timeout_seconds",
        description="How long the catalog waits for the inference service to say which models are ready.",
    )

    @field_validator("seats")
    @classmethod
    def _check_seats(cls, value: str) -> str:
        cls.seat_counts_of(value)
        return value

    @staticmethod
    def seat_counts_of(text: str) -> dict[str, int]:
        """`NFV4-MPA=8,NFV4-FR=2` as {"NFV4-MPA": 8, "NFV4-FR": 2}; ValueError
        naming the bad pair."""
        counts: dict[str, int] = {}
        for pair in filter(None, (part.strip() for part in text.split(","))):
            name, sep, number = pair.partition("=")
            if not sep or not name.strip() or not number.strip().isdigit():
                raise ValueError(f"VIGIL_ANALYTIC_SEATS: {pair!r} is not ID=N (N a whole number, 0 or more)")
            counts[name.strip()] = int(number)
        return counts

    @property
    def seat_counts(self) -> dict[str, int]:
        """The seats setting as a mapping."""
        return self.seat_counts_of(self.seats)


class EventsSettings(Section):
    """The events store as the System process serves it: retention
    housekeeping and live following (services/events)."""

    prefix: ClassVar[str] = "events_"

    housekeeping_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often the System process deletes events past `retention_days` (and the platform's "
        "`event_retention_days`) and beyond `max_events_per_stream` (`PUT /config/database`).",
    )
    follow_poll_seconds: float = Field(
        default=0.25,
        gt=0,
        le=1,
        description="How often live followers (`/vigil/v1/events/live`, WatchEvents) read the events table for new "
        "rows: the most a followed event waits before it is sent.",
    )
    follow_keepalive_seconds: float = Field(
        default=15.0,
        gt=0,
        description="A live follow with no event sends a keepalive this often, keeping viewers and the edge's idle "
        "timeout alive.",
    )


class InferenceSettings(Section):
    """The inference service: its model repository, model control and limits
    (its three ports are platform settings, checked with the others)."""

    prefix: ClassVar[str] = "inference_"

    model_repository: Path = Field(
        default=Path(__file__).resolve().parents[2] / "models" / "repository",
        alias="model_repository",
        description="Model repository in Triton's layout (`<model>/config.pbtxt`, `<model>/<version>/model.onnx`); "
        "`scripts/fetch_models.py` fills the default one.",
    )
    model_control_mode: str = Field(
        default="explicit",
        alias="model_control_mode",
        description="Triton's model control: `explicit` (load/unload over gRPC or HTTP), `none` (no load/unload) "
        "or `poll` (every model of the repository is loaded, and models or versions added to or removed from it "
        "are loaded or unloaded without a restart; load/unload requests are refused).",
    )
    repository_poll_seconds: float = Field(
        default=15.0,
        gt=0,
        alias="repository_poll_seconds",
        description="In `poll` model control, how often the model repository is scanned for changes "
        "(Triton's `--repository-poll-secs`).",
    )
    load_models: str = Field(
        default="*",
        alias="load_models",
        description="Comma-separated models loaded at start-up; `*` loads every model of the repository.",
    )
    max_queue_size: int = Field(
        default=128,
        ge=0,
        description="Requests a model version queues, at most, when its configuration sets no `max_queue_size` "
        "(no dynamic batching, or a queue policy without one); past it a request is rejected at once with "
        "RESOURCE_EXHAUSTED (HTTP 429). 0 leaves such queues unbounded, as Triton does.",
    )
    threads: int = Field(
        default=0,
        ge=0,
        description="onnxruntime intra-op threads per model instance; 0 divides the usable cores between "
        "a model's instances (at least 1 each).",
    )

    @model_validator(mode="after")
    def _check_mode(self) -> InferenceSettings:
        if self.model_control_mode not in {"explicit", "none", "poll"}:
            raise ValueError(f"VIGIL_MODEL_CONTROL_MODE={self.model_control_mode} is not explicit, none or poll")
        return self


class EdgeSettings(Section):
    """The REST edge (Envoy) as an internet-facing proxy
    (services/platform/envoy_config.py, envoy/vigil.lua)."""

    prefix: ClassVar[str] = "edge_"

    public_base_url: str = Field(
        default="",
        alias="public_base_url",
        description="Scheme, host and port (and any path prefix) clients reach the platform at, such as "
        "`https://vigil.example.com`; absolute URLs in answers (FindFace `next_page`, `screenshot`) start with it. "
        "Empty means the address of the listener the request came in on; the client's `Host` header is never used.",
    )
    max_json_bytes: int = Field(
        default=1024**2,
        ge=1024,
        le=16 * 1024**2,
        description="Largest request body of a JSON route, in bytes (HTTP 413 in the family's shape past it); "
        "the LUNA feedback routes also allow one preview frame of `VIGIL_LUNA_PREVIEW_MAX_BYTES`; upload routes "
        "stream and have only the uploads and classification services' own limits.",
    )
    max_connections: int = Field(
        default=10000,
        ge=1,
        description="Open downstream connections Envoy accepts over all listeners; past it new ones are closed.",
    )
    max_heap_bytes: int = Field(
        default=1024**3,
        ge=64 * 1024**2,
        description="Envoy's heap budget for the overload manager: at 95% it stops HTTP keep-alive and resets "
        "its largest streams, at 98% it answers new requests 503.",
    )
    request_headers_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Time a client has to send a request's headers (HTTP 408 past it)."
    )
    idle_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A connection with no request in flight, or a request with no bytes moving either way, is "
        "closed after this long (whole-clip `POST /api/classify?sync=true` waits up to ten times longer).",
    )


# --- auth: authentication and tenancy (issue 11) ---------------------------


class AuthSettings(Section):
    """Credentials at the edge: Lenz (and optionally Visionaire4) Bearer JWTs
    that Envoy's jwt_authn verifies, and where a token's tenant comes from."""

    prefix: ClassVar[str] = "auth_"

    jwks_file: Path | None = Field(
        default=None,
        description="An operator's JWKS file (an identity provider's public keys) for Lenz Bearer tokens; unset, "
        "Vigil makes its own ES256 key pair under `<data_dir>/auth/` on first start and `vigil jwt` signs tokens.",
    )
    issuer: str = Field(default="vigil-local", description="The `iss` every Bearer token must carry.")
    audiences: str = Field(
        default="vigil", description="Comma-separated audiences; a Bearer token's `aud` must name one of them."
    )
    clock_skew_seconds: int = Field(
        default=30, ge=0, le=300, description="Clock skew allowed when checking a Bearer token's `exp` and `nbf`."
    )
    tenant_claim: str = Field(
        default="sub",
        description="The Bearer token claim naming the caller's tenant: a Lenz user's videos belong to it.",
    )
    visionaire: bool = Field(
        default=False,
        description="Require the same Bearer token on every Visionaire4 route (the document's `bearerAuth`); "
        "off by default, as the document says.",
    )

    @model_validator(mode="after")
    def _check(self) -> AuthSettings:
        if not self.audience_list():
            raise ValueError("VIGIL_AUTH_AUDIENCES names no audience")
        if not self.issuer.strip():
            raise ValueError("VIGIL_AUTH_ISSUER is empty")
        return self

    def audience_list(self) -> list[str]:
        """The accepted `aud` values."""
        return [a.strip() for a in self.audiences.split(",") if a.strip()]


def is_loopback(host: str) -> bool:
    """True for a loopback address (127.0.0.0/8, ::1) or `localhost`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def preview_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks `VIGIL_LUNA_PREVIEW_FETCH` allows (none for `off`)."""
    value = value.strip().lower()
    if value == "off":
        return []
    if value == "loopback":
        return [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
    networks = []
    for part in value.split(","):
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"VIGIL_LUNA_PREVIEW_FETCH: {part.strip()!r} is not off, loopback or a network in CIDR notation"
            ) from None
    return networks


# --- end of auth ---------------------------------------------------------------


class _FlatVariables(PydanticBaseSettingsSource):
    """The `VIGIL_*` variables of the environment and of the env file (the
    environment wins), by flat name; an unknown one is an error that names it."""

    def __init__(self, settings_cls: type[BaseSettings], env_file: Any) -> None:
        super().__init__(settings_cls)
        self._env_file = env_file

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ reads every variable at once

    def _file(self) -> Path | None:
        chosen = self._env_file
        if chosen == FROM_VIGIL_ENV_FILE:
            chosen = os.environ.get("VIGIL_ENV_FILE", "vigil.env")
        return Path(chosen) if chosen else None

    def __call__(self) -> dict[str, Any]:
        variables: dict[str, str] = {}
        path = self._file()
        if path is not None and path.is_file():
            variables.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        variables.update(os.environ)
        known = Settings.flat_names()
        values: dict[str, Any] = {}
        former: dict[str, Any] = {}
        unknown: list[str] = []
        for key, value in variables.items():
            upper = key.upper()
            if upper == "PROMETHEUS_MULTIPROC_DIR":
                values["prometheus_multiproc_dir"] = value
                continue
            if not upper.startswith(PREFIX) or upper in TOOL_VARIABLES or upper.startswith(TOOL_PREFIXES):
                continue
            name = upper.removeprefix(PREFIX).lower()
            if name in RENAMED:
                former[RENAMED[name]] = value
            elif name in known:
                values[name] = value
            else:
                unknown.append(upper)
        if unknown:
            raise ValueError("; ".join(_unknown(name, known) for name in sorted(unknown)))
        return former | values  # the current name wins over the former one


def _unknown(variable: str, known: dict[str, Any]) -> str:
    names = [f"{PREFIX}{name.upper()}" for name in known]
    close = difflib.get_close_matches(variable, names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{variable} is not a Vigil setting{hint}"


class Settings(BaseSettings):
    """Everything a Vigil process reads from its environment."""

    model_config = SettingsConfigDict(env_file=FROM_VIGIL_ENV_FILE, extra="forbid")

    #: The sections, by attribute name.
    SECTIONS: ClassVar[dict[str, type[Section]]] = {
        "system": SystemSettings,
        "streams": StreamsSettings,
        "engine": EngineSettings,
        "uploads": UploadsSettings,
        "restream": RestreamSettings,
        "classification": ClassificationSettings,
        "inference": InferenceSettings,
        "edge": EdgeSettings,
        "catalog": CatalogSettings,
        "events": EventsSettings,
        "auth": AuthSettings,
    }

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
    catalog_port: int = Field(
        default=50053,
        description="gRPC port of the catalog process (Analytics and Pipelines services); "
        "`VIGIL_PIPELINES_PORT`, its name before, still works.",
    )
    uploads_port: int = Field(default=50054, description="gRPC port of the Uploads and Archives services.")
    engine_port: int = Field(
        default=50055,
        description="gRPC port of the stream engine process (and the Search service); "
        "`VIGIL_ANALYTICS_PORT`, its name before, still works.",
    )
    classification_port: int = Field(default=50056, description="gRPC port of the Classification service.")
    inference_port: int = Field(default=8001, description="gRPC port of the inference service (Triton's gRPC port).")
    inference_http_port: int = Field(
        default=8000, description="HTTP/REST port of the inference service (KServe v2, Triton's HTTP port)."
    )
    inference_metrics_port: int = Field(
        default=8002, description="HTTP port of the inference service's Prometheus `/metrics` (Triton's metrics port)."
    )
    rtsp_port: int = Field(default=8554, description="Port of the RTSP server that re-streams uploaded videos.")
    grace_seconds: float = Field(default=5.0, ge=0, description="Graceful stop time for in-flight RPCs on SIGTERM.")
    start_timeout_seconds: float = Field(default=60.0, gt=0, description="How long start-up waits for health.")
    log_level: str = Field(default="info", description="Python log level of every service.")
    envoy_log_level: str = Field(default="warning", description="Envoy's log level.")
    max_string_length: int = Field(default=1024, gt=0, description="Longest free-text field accepted in a request.")
    service_restarts: int = Field(
        default=5,
        ge=0,
        description="How often within a minute the supervisor restarts a gRPC service that died; "
        "past that (or with 0) a dead service stops the platform.",
    )

    system: SystemSettings = Field(default_factory=SystemSettings)
    streams: StreamsSettings = Field(default_factory=StreamsSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    uploads: UploadsSettings = Field(default_factory=UploadsSettings)
    restream: RestreamSettings = Field(default_factory=RestreamSettings)
    classification: ClassificationSettings = Field(default_factory=ClassificationSettings)
    inference: InferenceSettings = Field(default_factory=InferenceSettings)
    edge: EdgeSettings = Field(default_factory=EdgeSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    events: EventsSettings = Field(default_factory=EventsSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    # Set by `vigil run` for the processes it starts, not by operators; left
    # out of the settings the platform shows (`masked`, `GET /config`).
    supervisor_pid: int = Field(
        default=0,
        exclude=True,
        description="Process id of the `vigil run` supervisor that started this process (0: none); the System "
        "service's restart asks it to restart the services.",
    )
    rtsp_running: bool = Field(
        default=False,
        exclude=True,
        description="Set by `vigil run` when it runs the RTSP server: the uploads service then publishes videos "
        "marked `auto_stream`, else it refuses `auto_stream=true`.",
    )
    prometheus_multiproc_dir: str = Field(
        default="",
        exclude=True,
        description="prometheus_client's folder of every process's counters, set by `vigil run` "
        "(`PROMETHEUS_MULTIPROC_DIR`); when set, `/metrics` adds up the counters of all processes.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments first, then the flat `VIGIL_*` variables of the
        environment and the env file (`_env_file=None` reads no file)."""
        return init_settings, _FlatVariables(settings_cls, getattr(dotenv_settings, "env_file", None))

    @classmethod
    def flat_names(cls) -> dict[str, tuple[str | None, str]]:
        """Every setting's flat name (`upload_max_bytes`) -> (section or None, field)."""
        names: dict[str, tuple[str | None, str]] = {
            name: (None, name) for name in cls.model_fields if name not in cls.SECTIONS
        }
        for section, model in cls.SECTIONS.items():
            names |= {flat: (section, field) for flat, field in model.flat_names().items()}
        return names

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        """Flat names (`upload_max_bytes=...`, as variables and keyword
        arguments give them) into their sections (`uploads.max_bytes`)."""
        if not isinstance(data, dict):
            return data
        known = cls.flat_names()
        nested: dict[str, Any] = {}
        sections: dict[str, dict[str, Any]] = {}
        for key, value in data.items():
            section, field = known.get(key, (None, key))
            if section is None:
                nested[key] = value
            else:
                sections.setdefault(section, {})[field] = value
        for section, values in sections.items():
            given = nested.get(section)
            base = given.model_dump() if isinstance(given, BaseModel) else dict(given or {})
            nested[section] = {**base, **values}
        return nested

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
            "rtsp": self.rtsp_port,
        }
        seen: dict[int, str] = {}
        for name, port in ports.items():
            if not 0 < port < 65536:
                raise ValueError(f"VIGIL_{name.upper()}_PORT={port} is not a TCP port")
            if port in seen:
                raise ValueError(f"VIGIL_{name.upper()}_PORT and VIGIL_{seen[port].upper()}_PORT are both {port}")
            seen[port] = name
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"VIGIL_LOG_LEVEL={self.log_level} is not debug, info, warning or error")
        if not is_loopback(self.grpc_host):
            # Issue 11 item 4: the gRPC ports carry no JWT checks of their own
            # (the edge checks them), so they never listen beyond loopback;
            # mutual TLS between Envoy and the services is not built.
            raise ValueError(
                f"VIGIL_GRPC_HOST={self.grpc_host} is not a loopback address: the gRPC ports trust their callers "
                "(credentials are checked at the REST edge) and listen on loopback only"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'vigil.db').resolve()}"

    def grpc_target(self, service: str) -> str:
        """host:port of one gRPC service."""
        return f"{self.grpc_host}:{getattr(self, f'{service}_port')}"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed, by flat name
        (`upload_idle_seconds=...`), checked as at load; no variable or env
        file is read again."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self).model_validate({**values, **changes})

    def flat(self) -> dict[str, Any]:
        """Every shown setting by its flat name, upper case (`UPLOAD_MAX_BYTES`),
        as JSON values."""
        dumped = self.model_dump(mode="json")
        values: dict[str, Any] = {}
        for flat, (section, field) in self.flat_names().items():
            source = dumped[section] if section else dumped
            if field in source:  # not an excluded field
                values[flat.upper()] = source[field]
        return values

    def masked(self) -> dict[str, dict[str, object]]:
        """The effective settings by section, secrets replaced by `********`."""
        values: dict[str, object] = self.flat()
        values["DATABASE_URL"] = _mask_url(self.sqlalchemy_url)
        return {"VIGIL": values}


def load_settings(who: str) -> Settings:
    """The settings of a starting process; a bad or unknown `VIGIL_*`
    variable stops it with one line per problem, naming the variable
    (`VIGIL_UPLOAD_MAX_BYTES: Input should be greater than 0`)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SystemExit(f"{who}: bad settings: " + "; ".join(_describe(e) for e in exc.errors())) from None
    except ValueError as exc:
        raise SystemExit(f"{who}: bad settings: {exc}") from None


def _describe(error: Any) -> str:
    """One pydantic error, located by the flat variable it came from."""
    loc = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if len(loc) == 2 and loc[0] in Settings.SECTIONS:
        section = Settings.SECTIONS[loc[0]]
        flat = {field: name for name, field in section.flat_names().items()}.get(loc[1], loc[1])
        return f"{PREFIX}{flat.upper()}: {message}"
    if len(loc) == 1 and loc[0] in Settings.model_fields and loc[0] not in Settings.SECTIONS:
        return f"{PREFIX}{loc[0].upper()}: {message}"
    return message


def _mask_url(url: str) -> str:
    """Hide the password of a URL such as `postgresql+psycopg://u:secret@h/db`."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}"
