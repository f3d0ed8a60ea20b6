"""The video library: one store of uploaded videos behind two faces (Lenz
videos and FindFace video archives). A finished upload is probed with PyAV,
put in place under a generated name, and published as an internal stream
(`offline_mode`) on its media server's node, where analytics are assigned."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import hashlib
import logging
import math
import re
import secrets
import unicodedata
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.auth.tenant import current_owner, visible
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.common.settings import UploadsSettings
from services.db.models import Stream, UploadSession, Video, as_utc, utcnow
from services.media import probe
from services.media.jpeg import screenshot
from services.uploads.findface_jobs import NOT_PROCESSED, ArchiveJobs, ArchiveView
from services.uploads.jobs import VideoJobs
from services.uploads.repository import ArchiveFilter, Keyset, Page, UploadsRepository
from services.uploads.restream import Restreamer
from services.uploads.store import ChunkStore, Sink, StorageFull, TooLarge

log = logging.getLogger(__name__)

#: The detector defaults of the documented create answer (document 003).
_DETECTOR_BASE: dict[str, Any] = {
    "filter_max_size": 8192,
    "filter_min_quality": 0.45,
    "filter_min_size": 60,
    "fullframe_crop_rot": False,
    "fullframe_use_png": False,
    "jpeg_quality": 95,
    "overall_only": True,
    "post_best_track_frame": True,
    "post_best_track_normalize": True,
    "post_first_track_frame": False,
    "post_last_track_frame": False,
    "realtime_post_every_interval": False,
    "realtime_post_first_immediately": False,
    "realtime_post_interval": 1,
    "roi": "",
    "track_interpolate_bboxes": True,
    "track_max_duration_frames": 0,
    "track_miss_interval": 1,
    "track_overlap_threshold": 0.25,
    "track_send_history": False,
    "tracker_type": "simple_iou",
    "track_deep_sort_matching_threshold": 0.65,
    "track_deep_sort_filter_unconfirmed_tracks": True,
}
DETECTOR_DEFAULTS: dict[str, dict[str, Any]] = {
    "face": dict(_DETECTOR_BASE),
    "body": _DETECTOR_BASE | {"filter_min_quality": 0.6, "filter_min_size": 70},
    "car": _DETECTOR_BASE | {"filter_min_quality": 0.73, "filter_min_size": 100},
}
#: The other stream_settings defaults, as the documented list answer shows them.
STREAM_SETTINGS_DEFAULTS: dict[str, Any] = {
    "disable_drops": True,
    "ffmpeg_format": "",
    "ffmpeg_params": [],
    "imotion_threshold": 0,
    "play_speed": -1,
    "rot": "",
    "router_timeout_ms": 15000,
    "router_verify_ssl": True,
    "start_stream_timestamp": 0,
    "stream_data_filter": "",
    "use_stream_timestamp": False,
    "video_transform": "",
    "enable_recorder": False,
    "enable_liveness": False,
}

LENZ_SORT_KEYS = ("original_filename", "file_size", "duration", "started_at", "created_at")
ARCHIVE_ORDERINGS = ("id", "created_date", "name")
MAX_NAME_LENGTH = 256
MAX_URL_LENGTH = 2048
MAX_FILENAME_LENGTH = 255
#: Content types of raw FindFace uploads and the extension their file gets.
_EXTENSIONS = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-matroska": "mkv",
    "video/webm": "webm",
    "video/x-msvideo": "avi",
    "video/mp2t": "ts",
    "video/mpeg": "mpg",
    "video/x-flv": "flv",
}
_SAFE_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


class _Unset:
    """A field that a request did not send."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def new_video_id() -> str:
    """A Lenz video id such as "abc123def456"."""
    return secrets.token_hex(6)


def clean_filename(raw: str) -> str:
    """The display name of an uploaded file: its last path component, without
    control characters, at most 255 characters. Never used as a path."""
    name = re.split(r"[/\\]", raw)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    name = name.lstrip(".") or name
    return name[:MAX_FILENAME_LENGTH]


def extension_of(filename: str, content_type: str = "") -> str:
    """A safe extension for the stored file: from the content type or the file
    name when it is short and alphanumeric, else "bin"."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in _EXTENSIONS:
        return _EXTENSIONS[kind]
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix if _SAFE_EXTENSION.match(suffix) else "bin"


def stem_of(filename: str) -> str:
    """The device name: the file name without its extension."""
    stem = Path(filename).stem if "." in filename else filename
    return (stem or "video")[:128]


def rfc3339(value: datetime | None) -> str:
    """`2026-01-15T08:00:00Z`; "" for None."""
    if value is None:
        return ""
    return as_utc(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(value: datetime | None) -> str | None:
    """`2023-01-12T08:57:36.811305Z` (FindFace dates); None for None."""
    if value is None:
        return None
    return as_utc(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class DeviceState:
    """The media-server device that would stream a video."""

    name: str
    url: str
    scheme: str
    status: str
    publish_url: str
    created_at: datetime | None
    updated_at: datetime | None
    error_count: int
    restart_count: int
    uptime_ms: float


@dataclass(frozen=True)
class ArchiveChanges:
    """What a FindFace create, PUT or PATCH body sets; UNSET means not sent."""

    camera_group: Any = UNSET
    name: Any = UNSET
    url: Any = UNSET
    camera: Any = UNSET
    case: Any = UNSET
    # Present stream_settings keys; detectors as {"face": dict | None, ...}.
    stream_settings: dict[str, Any] | None = None


@dataclass(frozen=True)
class ArchivePage:
    """A FindFace page and the cursors around it (None at either end)."""

    rows: list[Video]
    next_cursor: Keyset | None
    prev_cursor: Keyset | None


class VideoLibrary:
    """Lists, changes and deletes uploaded videos; takes finished files in."""

    def __init__(
        self,
        repo: UploadsRepository,
        store: ChunkStore,
        settings: UploadsSettings,
        restreamer: Restreamer,
        jobs: VideoJobs | None = None,
        archives: ArchiveJobs | None = None,
    ) -> None:
        self._repo = repo
        self._store = store
        self._settings = settings
        #: The videos' offline analysis jobs (None: a library without them, in tests).
        self.jobs = jobs
        #: FindFace archives' processing (None: a library without it, in tests).
        self.archives = archives
        self.restreamer = restreamer

    # -- re-streaming ---------------------------------------------------------------

    def republish(self) -> None:
        """Write the RTSP server's mounts from the database (blocking)."""
        self.restreamer.publish(self._repo.auto_stream_videos())

    async def keep_published(self, every: float = 5.0) -> None:
        """Republish now and every few seconds (videos changed by another
        process, files that went missing)."""
        while True:
            try:
                await asyncio.to_thread(self.republish)
            except Exception:  # a database hiccup must not end the loop
                log.exception("cannot write the RTSP mounts")
            await asyncio.sleep(every)

    def check_auto_stream(self) -> None:
        """InvalidArgument when `auto_stream=true` cannot be honoured."""
        if not self.restreamer.running:
            raise InvalidArgument(
                "auto_stream=true is not available: this node runs no RTSP server (GStreamer's RTSP server is "
                "not installed, or VIGIL_RTSP_ENABLED=false); upload with auto_stream=false"
            )

    async def set_auto_stream(self, node: int, video_id: str, on: bool) -> tuple[Video, Stream | None]:
        """Publish a video over RTSP (on) or end its publication (off)."""
        if on:
            self.check_auto_stream()
        video, stream = await self.get_video(node, video_id)
        if on and not video.file_path:
            raise FailedPrecondition("the video has no file to stream")
        if video.auto_stream != on:
            video.auto_stream, video.updated_at = on, utcnow()
            if video.status in ("streaming", "ready"):
                video.status = "streaming" if on else "ready"
            video = await asyncio.to_thread(self._repo.save_video, video)
        await asyncio.to_thread(self.republish)
        return video, stream

    # -- shared -----------------------------------------------------------------

    async def require_node(self, node: int) -> None:
        if not await asyncio.to_thread(self._repo.node_exists, node):
            raise NotFound(f"media server {node} not found")

    def check_room(self, size: int) -> None:
        """StorageFull when storing `size` more bytes would leave less than
        the configured reserve free."""
        if self._store.free_bytes() - size < self._settings.min_free_bytes:
            raise StorageFull(
                f"the media server's storage is full: {size} bytes do not fit "
                f"(free space must stay above {self._settings.min_free_bytes} bytes)"
            )

    async def _inspect(self, path: Path, digest: Any = None, hashed: int = 0) -> tuple[probe.VideoInfo, str, int]:
        """Probe and hash a file in a thread: (info, sha256, size). `digest`
        (a hashlib sha256) has already been fed the first `hashed` bytes."""

        def work() -> tuple[probe.VideoInfo, str, int]:
            info = probe.probe(str(path))
            sha = probe.sha256_of(str(path), digest if hashed else None, hashed)
            return info, sha, path.stat().st_size

        return await asyncio.to_thread(work)

    @staticmethod
    def _apply_info(video: Video, info: probe.VideoInfo, sha256: str, size: int, uploaded: datetime) -> None:
        video.file_size = size
        video.sha256 = sha256
        video.duration = info.duration
        if info.creation_time is not None:
            video.started_at, video.started_at_src = info.creation_time, "metadata"
        else:
            # Whole seconds, as Lenz prints it: event times are this plus the frame's time.
            video.started_at, video.started_at_src = uploaded.replace(microsecond=0), "upload"
        video.ended_at = video.started_at + timedelta(seconds=info.duration)

    @staticmethod
    def _internal_stream(video: Video, path: Path) -> Stream:
        now = utcnow()
        return Stream(
            stream_id=str(uuid.uuid4()),
            node_num=video.nvr_server_id,
            name=stem_of(video.original_filename or video.name or video.video_id),
            reference=path.resolve().as_uri(),
            custom_data={"video_id": video.video_id, "offline_mode": True},
            offline_mode=True,
            create_time=now,
            last_update_time=now,
        )

    async def complete_upload(
        self, upload: UploadSession, data_path: Path, digest: Any = None, hashed: int = 0
    ) -> Video:
        """Turn a session's finished data file into a video: probe it (raises
        probe.NotAVideo), move it to its place, and record the video, its
        internal stream and the completed session in one transaction.
        `digest` has already hashed the first `hashed` bytes."""
        info, sha256, size = await self._inspect(data_path, digest, hashed)
        if size != upload.total_size:
            raise probe.NotAVideo(f"the file has {size} bytes, not the announced {upload.total_size}")
        target = self._store.video_path(upload.video_id, extension_of(upload.original_filename))
        await asyncio.to_thread(self._store.place, data_path, target)
        now = utcnow()
        video = Video(
            video_id=upload.video_id,
            nvr_server_id=upload.nvr_server_id,
            original_filename=upload.original_filename,
            name=upload.original_filename,
            file_path=str(target.resolve()),
            status="streaming" if upload.auto_stream and self.restreamer.running else "ready",
            auto_stream=upload.auto_stream,
            stream_settings=self.default_stream_settings(),
            created_at=now,
            updated_at=now,
            owner=upload.owner,
        )
        self._apply_info(video, info, sha256, size, upload.created_at)
        stream = self._internal_stream(video, target)
        video.stream_id = stream.stream_id
        upload.status, upload.updated_at, upload.error = "completed", now, ""
        try:
            saved = await asyncio.to_thread(self._repo.complete_session, upload, video, stream)
        except BaseException:
            await asyncio.to_thread(self._store.place, target, data_path)  # back, so completion can retry
            raise
        log.info("upload %s complete: video %s, %d bytes, sha256 %s", upload.session_id, video.video_id, size, sha256)
        if saved.auto_stream:
            await asyncio.to_thread(self.republish)
        return saved

    def video_file_of(self, upload: UploadSession) -> Path:
        """Where a session's video goes once it is complete."""
        return self._store.video_path(upload.video_id, extension_of(upload.original_filename))

    def device_of(self, video: Video, stream: Stream | None) -> DeviceState:
        """The device block: what the RTSP server says of the video's mount
        (`running`, `error`, `pending` until the server has mounted it);
        `stopped` when the video is not marked `auto_stream`; `unavailable`
        when it is but no RTSP server runs."""
        published = self.restreamer.publication(video) if video.auto_stream else None
        if published is not None:
            status = published.status
        elif video.auto_stream and not self.restreamer.running:
            status = "unavailable"
        elif video.auto_stream:  # not mounted (yet): its file is missing, or the mounts are being written
            status = "pending" if video.file_path and Path(video.file_path).is_file() else "error"
        else:
            status = "stopped"
        return DeviceState(
            name=stem_of(video.original_filename or video.name or video.video_id),
            url=stream.reference if stream else "",
            scheme=stream.reference.split(":", 1)[0] if stream else "",
            status=status,
            publish_url=published.url if published else "",
            created_at=stream.create_time if stream else None,
            updated_at=stream.last_update_time if stream else None,
            error_count=published.error_count if published else 0,
            restart_count=published.restart_count if published else 0,
            uptime_ms=published.uptime_ms if published else 0.0,
        )

    # -- Lenz ----------------------------------------------------------------------

    async def list_videos(
        self, node: int, search: str, sort_by: str, sort_order: str, page: int | None, limit: int | None
    ) -> tuple[list[Video], int, int, int]:
        """(videos, total, page, per_page) of a Lenz list."""
        await self.require_node(node)
        sort_by = sort_by or "created_at"
        sort_order = sort_order or "desc"
        if sort_by not in LENZ_SORT_KEYS:
            raise InvalidArgument(f"sort_by must be one of {', '.join(LENZ_SORT_KEYS)}")
        if sort_order not in ("asc", "desc"):
            raise InvalidArgument("sort_order must be asc or desc")
        page = 1 if page is None else page
        limit = 10 if limit is None else limit
        if page < 1:
            raise InvalidArgument("page must be at least 1")
        if limit < 0:
            raise InvalidArgument("limit must be at least 0")
        offset = 0 if limit == 0 else (page - 1) * limit
        rows, total = await asyncio.to_thread(
            self._repo.list_videos, node, search, sort_by, sort_order == "desc", offset, limit or None, current_owner()
        )
        return rows, total, page if limit else 1, limit or total

    async def get_video(self, node: int, video_id: str) -> tuple[Video, Stream | None]:
        await self.require_node(node)
        video = await asyncio.to_thread(self._repo.video_by_video_id, video_id)
        if video is None or video.nvr_server_id != node or not visible(video.owner):
            raise NotFound("video not found")
        stream = await asyncio.to_thread(self._repo.stream, video.stream_id) if video.stream_id else None
        return video, stream

    async def find_video(self, video_id: str) -> Video:
        """A video by its Lenz id on any node (the `/vigil/v1/videos/...` routes)."""
        video = await asyncio.to_thread(self._repo.video_by_video_id, video_id)
        if video is None or not visible(video.owner):
            raise NotFound("video not found")
        return video

    async def delete_video(self, node: int, video_id: str) -> Video:
        video, _ = await self.get_video(node, video_id)
        return await self._delete(video)

    async def _delete(self, video: Video) -> Video:
        assert video.id is not None
        deleted = await asyncio.to_thread(self._repo.delete_video, video.id)
        if deleted is None:
            raise NotFound("video not found")
        if deleted.auto_stream:
            await asyncio.to_thread(self.republish)  # before the file goes
        # Its job went with its stream's work rows (a worker running it stops
        # at its next heartbeat); its events go now.
        if self.jobs is not None:
            await asyncio.to_thread(self.jobs.forget, deleted)
        if video.file_path:
            await asyncio.to_thread(self._store.remove_file, Path(video.file_path))
        await asyncio.to_thread(self._store.remove_file, self._store.screenshot_path(video.video_id))
        return deleted

    # -- FindFace ------------------------------------------------------------------

    @staticmethod
    def default_stream_settings() -> dict[str, Any]:
        return {"detectors": copy.deepcopy(DETECTOR_DEFAULTS), **copy.deepcopy(STREAM_SETTINGS_DEFAULTS)}

    @staticmethod
    def merge_stream_settings(base: dict[str, Any], given: dict[str, Any] | None) -> dict[str, Any]:
        """`given` (only the keys sent) over `base`; a detector sent as an
        object changes only its keys that are sent, one sent as null is off."""
        merged = copy.deepcopy(base)
        merged.setdefault("detectors", copy.deepcopy(DETECTOR_DEFAULTS))
        for key, value in (given or {}).items():
            if key != "detectors":
                merged[key] = copy.deepcopy(value)
                continue
            for kind, detector in value.items():
                if detector is None:
                    merged["detectors"][kind] = None
                else:
                    current = merged["detectors"].get(kind) or DETECTOR_DEFAULTS[kind]
                    merged["detectors"][kind] = {**current, **detector}
        return merged

    @staticmethod
    def _validate_settings(settings: dict[str, Any]) -> None:
        params = settings.get("ffmpeg_params", [])
        if not isinstance(params, list) or any(not isinstance(p, str) or not p for p in params):
            raise InvalidArgument("stream_settings.ffmpeg_params must be a list of non-empty strings")
        for kind, detector in settings["detectors"].items():
            if detector is None:
                continue
            quality = detector["filter_min_quality"]
            if not 0 <= quality <= 1:
                raise InvalidArgument(f"stream_settings.detectors.{kind}.filter_min_quality must be between 0 and 1")
            if not 0 <= detector["jpeg_quality"] <= 100:
                raise InvalidArgument(f"stream_settings.detectors.{kind}.jpeg_quality must be between 0 and 100")
            if detector["filter_min_size"] < 0 or detector["filter_max_size"] < 0:
                raise InvalidArgument(f"stream_settings.detectors.{kind} sizes must not be negative")
            if detector["track_miss_interval"] < 0 or detector["track_max_duration_frames"] < 0:
                raise InvalidArgument(
                    f"stream_settings.detectors.{kind}: track_miss_interval and track_max_duration_frames "
                    "must not be negative"
                )
        if settings.get("router_timeout_ms", 0) < 0:
            raise InvalidArgument("stream_settings.router_timeout_ms must not be negative")

    @staticmethod
    def _apply_changes(video: Video, changes: ArchiveChanges) -> None:
        if changes.camera_group is not UNSET:
            if changes.camera_group is None or changes.camera_group < 0:
                raise InvalidArgument("camera_group must be a non-negative integer")
            video.camera_group = changes.camera_group
        if changes.name is not UNSET:
            if changes.name is not None and (
                not isinstance(changes.name, str) or not 1 <= len(changes.name) <= MAX_NAME_LENGTH
            ):
                raise InvalidArgument(f"name must be a string of 1 to {MAX_NAME_LENGTH} characters, or null")
            video.name = changes.name
        if changes.url is not UNSET:
            if changes.url is not None and (
                not isinstance(changes.url, str) or not 1 <= len(changes.url) <= MAX_URL_LENGTH
            ):
                raise InvalidArgument(f"url must be a string of 1 to {MAX_URL_LENGTH} characters, or null")
            video.url = changes.url
        for label, attr in (("camera", "camera"), ("case", "case_id")):
            value = getattr(changes, label)
            if value is UNSET:
                continue
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise InvalidArgument(f"{label} must be an integer or null")
            if value is not None and (value != int(value) or value < 0):
                raise InvalidArgument(f"{label} must be a non-negative integer or null")
            setattr(video, attr, None if value is None else int(value))

    async def create_archive(self, changes: ArchiveChanges) -> Video:
        if changes.camera_group is UNSET:
            raise InvalidArgument("camera_group: this field is required")
        if changes.name is UNSET:
            raise InvalidArgument("name: this field is required")
        now = utcnow()
        video = Video(
            video_id=new_video_id(),
            nvr_server_id=0,
            status="pending",
            created_at=now,
            updated_at=now,
            owner=current_owner(),
        )
        self._apply_changes(video, changes)
        video.original_filename = video.name or ""
        video.stream_settings = self.merge_stream_settings(self.default_stream_settings(), changes.stream_settings)
        self._validate_settings(video.stream_settings)
        return await asyncio.to_thread(self._repo.add_video, video)

    async def get_archive(self, archive_id: int) -> Video:
        video = await asyncio.to_thread(self._repo.video_by_id, archive_id)
        if video is None or not visible(video.owner):
            raise NotFound("video archive not found")
        return video

    async def update_archive(self, archive_id: int, changes: ArchiveChanges, *, partial: bool) -> Video:
        video = await self.get_archive(archive_id)
        if not partial:
            if changes.camera_group is UNSET:
                raise InvalidArgument("camera_group: this field is required")
            if changes.name is UNSET:
                raise InvalidArgument("name: this field is required")
        self._apply_changes(video, changes)
        if partial:
            if changes.stream_settings is not None:
                video.stream_settings = self.merge_stream_settings(video.stream_settings, changes.stream_settings)
        else:
            video.stream_settings = self.merge_stream_settings(self.default_stream_settings(), changes.stream_settings)
        self._validate_settings(video.stream_settings)
        video.updated_at = utcnow()
        return await asyncio.to_thread(self._repo.save_video, video)

    async def delete_archive(self, archive_id: int) -> Video:
        return await self._delete(await self.get_archive(archive_id))

    async def upload_source(self, archive_id: int, content_type: str, pieces: AsyncIterator[bytes]) -> Video:
        """Store the raw body as the archive's source file, probe it, and
        publish it as the archive's internal stream."""
        video = await self.get_archive(archive_id)
        if (await self.archive_views([video]))[archive_id].active:
            raise FailedPrecondition("the video archive is being processed: stop it first")
        await asyncio.to_thread(self.check_room, 0)
        spool = Sink.spool(self._store.new_tmp_path(), self._settings.max_bytes)
        spool.digest = hashlib.sha256()  # hashed as it is written, in the writing thread
        assert spool.path is not None
        try:
            try:
                async for piece in pieces:
                    await spool.write(memoryview(piece))
            except TooLarge:
                raise TooLarge(
                    f"the source file is larger than the limit of {self._settings.max_bytes} bytes"
                ) from None
            size = await spool.finish()
            if size == 0:
                raise InvalidArgument("the request body is empty: send the video file as the body")
            try:
                info, sha256, size = await self._inspect(spool.path, spool.digest, size)
            except probe.NotAVideo as exc:
                video.error = f"the uploaded source file is not a video that can be decoded: {exc}"
                video.updated_at = utcnow()
                await asyncio.to_thread(self._repo.save_video, video)
                raise InvalidArgument(video.error) from None
            target = self._store.video_path(video.video_id, extension_of(video.name or "", content_type))
            await asyncio.to_thread(self._store.place, spool.path, target)
        finally:
            await spool.abort()
        old = Path(video.file_path) if video.file_path else None
        now = utcnow()
        video.file_path, video.status, video.error, video.updated_at = str(target.resolve()), "ready", "", now
        video.finished = False
        self._apply_info(video, info, sha256, size, now)
        stream = None
        existing = await asyncio.to_thread(self._repo.stream, video.stream_id) if video.stream_id else None
        if existing is None:
            stream = self._internal_stream(video, target)
            video.stream_id = stream.stream_id
        else:
            existing.reference, existing.last_update_time = target.resolve().as_uri(), now
            stream = existing
        saved = await asyncio.to_thread(self._repo.save_video, video, stream)
        if self.archives is not None:  # the last processing was of the old file
            await asyncio.to_thread(self.archives.reset, saved)
        if saved.auto_stream:
            await asyncio.to_thread(self.republish)  # the new file, before the old one goes
        if old is not None and old != target.resolve():
            await asyncio.to_thread(self._store.remove_file, old)
        await asyncio.to_thread(self._store.remove_file, self._store.screenshot_path(video.video_id))
        return saved

    async def archive_views(self, videos: list[Video]) -> dict[int, ArchiveView]:
        """What each archive reports of its processing (by archive id)."""
        if self.archives is None:
            return {v.id: NOT_PROCESSED for v in videos if v.id is not None}
        return await asyncio.to_thread(self.archives.views, videos)

    async def process_archive(self, archive_id: int) -> Video:
        """Queue the archive for processing with its stream_settings: the
        engine's offline workers take it (services/engine/findface.py). An
        archive already queued or running is left as it is."""
        video = await self.get_archive(archive_id)
        if not video.file_path:
            if video.url:
                raise FailedPrecondition(
                    "processing an archive from its url is not built: upload its source file "
                    "(PUT /videos/{id}/upload/source_file/)"
                )
            raise FailedPrecondition("the video archive has neither a source file nor a url")
        if self.archives is None or not video.stream_id:
            raise FailedPrecondition("the video archive cannot be processed on this node (no processing queue)")
        if await asyncio.to_thread(self.archives.queue, video):
            now = utcnow()
            video.active, video.queued, video.finished = True, True, False
            video.processing_start_date, video.updated_at, video.error = now, now, ""
            video = await asyncio.to_thread(self._repo.save_video, video)
        return video

    async def stop_archive(self, archive_id: int) -> Video:
        video = await self.get_archive(archive_id)
        if self.archives is not None:
            await asyncio.to_thread(self.archives.stop, video)
        if video.active or video.queued:
            video.active, video.queued, video.updated_at = False, False, utcnow()
            video = await asyncio.to_thread(self._repo.save_video, video)
        return video

    async def screenshot(self, archive_id: int, at_seconds: float | None, *, retake: bool) -> bytes:
        """The archive's screenshot JPEG: the stored one, or a frame decoded now
        (always when `retake`), which then becomes the stored one."""
        video = await self.get_archive(archive_id)
        cached = self._store.screenshot_path(video.video_id)
        if not retake:
            try:
                return await asyncio.to_thread(cached.read_bytes)
            except FileNotFoundError:
                pass
        source = video.file_path or video.url
        if not source:
            raise FailedPrecondition("the video archive has no source to take a screenshot from")
        if at_seconds is not None and (not math.isfinite(at_seconds) or at_seconds < 0):
            raise InvalidArgument("timestamp must be a non-negative number of seconds")
        try:
            jpeg = await asyncio.to_thread(screenshot, source, at_seconds)
        except probe.NotAVideo as exc:
            raise FailedPrecondition(f"the video archive's source cannot be decoded: {exc}") from None
        tmp = self._store.new_tmp_path()
        await asyncio.to_thread(tmp.write_bytes, jpeg)
        await asyncio.to_thread(self._store.place, tmp, cached)
        return jpeg

    async def list_archives(
        self, filt: ArchiveFilter, ordering: str, cursor: tuple[Keyset, bool] | None, limit: int
    ) -> ArchivePage:
        field_name = ordering.lstrip("-")
        descending = ordering.startswith("-")
        start, backward = cursor if cursor else (None, False)
        filt = dataclasses.replace(filt, owner=current_owner())
        page: Page = await asyncio.to_thread(
            self._repo.list_archives, filt, field_name, descending, start, backward, limit
        )
        rows = page.rows
        next_cursor = self._repo.keyset(rows[-1], field_name) if rows and page.has_after else None
        prev_cursor = self._repo.keyset(rows[0], field_name) if rows and page.has_before else None
        return ArchivePage(rows, next_cursor, prev_cursor)

    async def count_archives(self, filt: ArchiveFilter) -> int:
        return await asyncio.to_thread(self._repo.count_archives, dataclasses.replace(filt, owner=current_owner()))
