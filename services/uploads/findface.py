"""The FindFace face of the uploads domain (document 003): video archives,
protobuf in, domain calls, protobuf out."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import grpc
from google.api import httpbody_pb2
from google.protobuf import json_format, struct_pb2

from services.catalog import work as jobs
from services.common.errors import BadQueryParameter, InvalidArgument, VigilError
from services.db.models import Video, as_utc, utcnow
from services.http_body.body import RequestBody
from services.uploads.findface_jobs import ArchiveView
from services.uploads.library import (
    ARCHIVE_ORDERINGS,
    UNSET,
    ArchiveChanges,
    VideoLibrary,
    iso_micro,
)
from services.uploads.repository import ArchiveFilter, Keyset
from vigil.uploads.v1 import archive_pb2, archives_service_pb2_grpc
from vigil.uploads.v1 import archives_service_pb2 as pb

NULL = struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)
DEFAULT_LIMIT = 20
#: Largest page (`limit`); a larger one is a 400, not a silent cap.
MAX_LIMIT = 1000
#: Largest `created_date_last_n_days` (100 years): every stored archive is
#: younger, and `now - N days` stays a date.
MAX_LAST_N_DAYS = 36_525
#: Largest `created_date_nth_*_week` (100 years of weeks).
MAX_NTH_WEEK = 5_218
DRAIN_BYTES = 64 * 1024 * 1024
_DETECTOR_FIELDS = set(archive_pb2.DetectorSettings.DESCRIPTOR.fields_by_name)

#: code -> (English, Russian) description, by Accept-Language.
_CODE_DESC = {
    "gray": ("Video processing is not started", "Обработка видео не запущена"),
    "red": (
        "There is no job in the video manager. Wait for the synchronization.",
        "Отсутствует задача в видео менеджере. Дождитесь синхронизации.",
    ),
    "green": ("Video processing is finished", "Обработка видео завершена"),
    "running": ("Video is being processed", "Идет обработка видео"),
    "failed": ("Video processing failed", "Ошибка обработки видео"),
    "stopped": ("Video processing is stopped", "Обработка видео остановлена"),
}
QUEUED_MSG = "queued: waiting for an engine's offline worker to take the job (`vigil run` starts one)"


def _value(value: Any) -> struct_pb2.Value:
    out = struct_pb2.Value()
    if value is None:
        out.null_value = struct_pb2.NULL_VALUE
    else:
        json_format.ParseDict(value, out)
    return out


def _language(context: grpc.aio.ServicerContext) -> int:
    for key, value in context.invocation_metadata() or ():
        if key == "accept-language" and isinstance(value, str) and value.strip().lower().startswith("ru"):
            return 1
    return 0


def _metadata(context: grpc.aio.ServicerContext, key: str) -> str:
    for k, v in context.invocation_metadata() or ():
        if k == key and isinstance(v, str):
            return v
    return ""


def _origin(context: grpc.aio.ServicerContext) -> str:
    """The base of absolute URLs: what the edge says (`vigil-origin`: the
    configured public base URL, or the address of the listener the request
    came in on; never the client's Host header)."""
    return _metadata(context, "vigil-origin").rstrip("/") or "http://localhost"


def statistic_pb(video: Video, view: ArchiveView) -> archive_pb2.HealthStatistic:
    """The documented statistic of a processing job, from the worker's
    measures and the posted events (README "FindFace video archives")."""
    stat = view.statistic
    objects = {
        name: {"posted": view.counts.get(name, 0), "not_posted": view.not_posted.get(name, 0)}
        for name in view.detectors
    }
    return archive_pb2.HealthStatistic(
        processed_duration=round(view.processed_seconds, 3),
        faces_posted=view.counts.get("face", 0),
        faces_failed=0,  # a posting that fails fails the job
        faces_not_posted=view.not_posted.get("face", 0),
        processing_fps=float(stat.get("processing_fps", 0.0)),
        frames_dropped=0,  # the decode waits for the analysis: nothing is dropped
        frames_processed=int(stat.get("frames_processed", 0)),
        frames_imotion_skipped=0,  # imotion_threshold is not applied
        decoding_soft_errors=0,  # a decode error ends the decoding (msg says where)
        frame_width=int(stat.get("frame_width", 0)),
        frame_height=int(stat.get("frame_height", 0)),
        last_stream_timestamp=float(stat.get("last_stream_timestamp", 0.0)),
        objects=_value(objects or None),
        job_starts=view.job_starts,
    )


def health_pb(video: Video, view: ArchiveView, language: int) -> archive_pb2.HealthStatus:
    """The health status of an archive, from its processing job."""
    state = view.state
    if state == jobs.JOB_DONE:
        enabled, status, code, key, msg = False, "FINISHED", "green", "green", view.error
    elif state == jobs.JOB_RUNNING:
        enabled, status, code, key, msg = True, "INPROGRESS", "green", "running", ""
    elif state == jobs.JOB_SCHEDULED:
        enabled, status, code, key, msg = True, "WAITING_FOR_SYNC", "red", "red", QUEUED_MSG
    elif state == jobs.JOB_FAILED:
        enabled, status, code, key, msg = False, "ERROR", "red", "failed", view.error
    elif state == jobs.JOB_CANCELLED:
        enabled, status, code, key, msg = False, "DISABLED", "gray", "stopped", "stopped by POST /videos/{id}/stop/"
    else:
        enabled, status, code, key, msg = False, "DISABLED", "gray", "gray", video.error
    return archive_pb2.HealthStatus(
        enabled=enabled,
        status=status,
        msg=msg,
        # `{}` until the archive is processed.
        statistic=statistic_pb(video, view) if view.state != "none" else archive_pb2.HealthStatistic(),
        code=code,
        code_desc=_CODE_DESC[key][language],
    )


def archive_pb(video: Video, view: ArchiveView, origin: str, language: int) -> archive_pb2.VideoArchive:
    """A row as FindFace prints a video archive, with its processing."""
    assert video.id is not None
    processed = view.state != "none"
    return archive_pb2.VideoArchive(
        id=video.id,
        camera_group=video.camera_group,
        name=_value(video.name),
        url=_value(video.url),
        camera=_value(video.camera),
        processing_start_date=_value(iso_micro(video.processing_start_date)),
        active=view.active if processed else video.active,
        screenshot=f"{origin}/videos/{video.id}/screenshot/",
        stream_settings=json_format.ParseDict(video.stream_settings, archive_pb2.StreamSettings()),
        source_len=_value(video.duration if video.file_path else None),
        health_status=health_pb(video, view, language),
        finished=view.finished if processed else video.finished,
        queued=view.queued if processed else video.queued,
        face_count=view.counts.get("face", 0),
        file_size=float(video.file_size),
        created_date=iso_micro(video.created_at) or "",
        body_count=view.counts.get("body", 0),
        car_count=view.counts.get("car", 0),
        case=_value(video.case_id),
        face_cluster_count=_value(view.face_clusters),
        # No re-identification model for bodies and cars: null, as the document allows.
        body_cluster_count=NULL,
        car_cluster_count=NULL,
    )


def _stream_settings(message: Any, present: bool) -> dict[str, Any] | None:
    """The stream_settings keys a body sent; detector objects checked against
    DetectorSettings (unknown keys and wrong types are INVALID_ARGUMENT)."""
    if not present:
        return None
    given = json_format.MessageToDict(message, preserving_proto_field_name=True)
    detectors = given.get("detectors")
    if detectors is not None:
        for kind, detector in list(detectors.items()):
            if detector is None:
                continue
            if not isinstance(detector, dict):
                raise InvalidArgument(f"stream_settings.detectors.{kind} must be an object or null")
            try:
                parsed = json_format.ParseDict(detector, archive_pb2.DetectorSettings())
            except json_format.ParseError as exc:
                raise InvalidArgument(f"stream_settings.detectors.{kind}: {str(exc).splitlines()[0][:200]}") from None
            normal = json_format.MessageToDict(
                parsed, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
            )
            detectors[kind] = {key: normal[key] for key in detector}
    return given


def _changes(request: Any) -> ArchiveChanges:
    def value(name: str) -> Any:
        if not request.HasField(name):
            return UNSET
        return json_format.MessageToDict(getattr(request, name))

    return ArchiveChanges(
        camera_group=request.camera_group if request.HasField("camera_group") else UNSET,
        name=value("name"),
        url=value("url"),
        camera=value("camera"),
        case=value("case"),
        stream_settings=_stream_settings(request.stream_settings, request.HasField("stream_settings")),
    )


def _date(name: str, raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadQueryParameter(f"{name}: enter a valid date/time, not {raw[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def archive_filter(request: Any, now: datetime | None = None) -> ArchiveFilter:
    """The list and count filters of a request."""
    now = as_utc(now or utcnow())
    gte = _date("created_date_gte", request.created_date_gte)
    lt = _date("created_date_lt", request.created_date_lt)
    weekdays = False
    if request.HasField("created_date_last_n_days"):
        days = request.created_date_last_n_days
        if not 0 <= days <= MAX_LAST_N_DAYS:
            raise BadQueryParameter(f"created_date_last_n_days must be between 0 and {MAX_LAST_N_DAYS}, not {days}")
        since = now - timedelta(days=days)
        gte = max(gte, since) if gte else since
    for field_name, work in (("created_date_nth_full_week", False), ("created_date_nth_work_week", True)):
        if request.HasField(field_name):
            nth = getattr(request, field_name)
            if not 1 <= nth <= MAX_NTH_WEEK:
                raise BadQueryParameter(f"{field_name} must be between 1 and {MAX_NTH_WEEK}, not {nth}")
            monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
            start = monday - timedelta(weeks=nth - 1)
            end = start + timedelta(days=5 if work else 7)
            gte = max(gte, start) if gte else start
            lt = min(lt, end) if lt else end
            weekdays = weekdays or work
    case_in = None
    if request.case_in:
        try:
            case_in = tuple(int(part) for part in request.case_in.split(",") if part.strip())
        except ValueError:
            raise BadQueryParameter(
                f"case_in must be a comma-separated list of integers, not {request.case_in!r}"
            ) from None
    return ArchiveFilter(
        created_gt=_date("created_date_gt", request.created_date_gt),
        created_gte=gte,
        created_lt=lt,
        created_lte=_date("created_date_lte", request.created_date_lte),
        case_in=case_in,
        name=request.name or None,
        save_to=request.save_to or None,
        weekdays_only=weekdays,
    )


def encode_cursor(position: Keyset, backward: bool) -> str:
    value = position.value.isoformat() if isinstance(position.value, datetime) else position.value
    raw = json.dumps({"v": value, "i": position.id, "r": backward}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: str) -> tuple[Keyset, bool]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value, ident, backward = data["v"], data["i"], data["r"]
        if not isinstance(ident, int) or not isinstance(backward, bool):
            raise ValueError
        field_name = ordering.lstrip("-")
        if field_name == "created_date":
            value = datetime.fromisoformat(value)
        elif field_name == "id" and not isinstance(value, int):
            raise ValueError
        elif field_name == "name" and not isinstance(value, str):
            raise ValueError
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadQueryParameter("Invalid cursor") from None
    return Keyset(value, ident), backward


class ArchivesServicer(archives_service_pb2_grpc.ArchivesServiceServicer):
    """FindFace `/videos/...` routes."""

    def __init__(self, library: VideoLibrary) -> None:
        self._library = library

    async def _archive(self, video: Video, context: grpc.aio.ServicerContext) -> archive_pb2.VideoArchive:
        assert video.id is not None
        views = await self._library.archive_views([video])
        return archive_pb(video, views[video.id], _origin(context), _language(context))

    async def ListArchives(self, request: pb.ListArchivesRequest, context: grpc.aio.ServicerContext) -> Any:
        ordering = request.ordering or "-id"
        if ordering.lstrip("-") not in ARCHIVE_ORDERINGS:
            raise BadQueryParameter(f"ordering: available fields are {', '.join(ARCHIVE_ORDERINGS)}")
        limit = DEFAULT_LIMIT
        if request.limit:
            text = request.limit.strip()
            if not (text.isascii() and text.isdigit() and len(text) <= 9 and 1 <= int(text) <= MAX_LIMIT):
                raise BadQueryParameter(f"limit must be an integer from 1 to {MAX_LIMIT}, not {request.limit[:40]!r}")
            limit = int(text)
        filt = archive_filter(request)
        cursor = decode_cursor(request.page, ordering) if request.page else None
        page = await self._library.list_archives(filt, ordering, cursor, limit)
        origin = _origin(context)
        query = {
            name: getattr(request, name)
            for name in ("case_in", "created_date_gt", "created_date_gte", "created_date_lt", "created_date_lte")
            if getattr(request, name)
        }
        for name in ("created_date_last_n_days", "created_date_nth_full_week", "created_date_nth_work_week"):
            if request.HasField(name):
                query[name] = str(getattr(request, name))
        for name in ("limit", "name", "ordering", "save_to"):
            if getattr(request, name):
                query[name] = getattr(request, name)

        def link(position: Keyset | None, backward: bool) -> struct_pb2.Value:
            if position is None:
                return NULL
            url = f"{origin}/videos/?" + urlencode({**query, "page": encode_cursor(position, backward)})
            return struct_pb2.Value(string_value=url)

        language = _language(context)
        views = await self._library.archive_views(page.rows)
        return pb.ListArchivesResponse(
            next_page=link(page.next_cursor, False),
            prev_page=link(page.prev_cursor, True),
            results=[archive_pb(v, views[v.id], origin, language) for v in page.rows if v.id is not None],
        )

    async def CountArchives(self, request: pb.CountArchivesRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.CountArchivesResponse(count=await self._library.count_archives(archive_filter(request)))

    async def CreateArchive(self, request: pb.CreateArchiveRequest, context: grpc.aio.ServicerContext) -> Any:
        video = await self._library.create_archive(_changes(request))
        await context.send_initial_metadata((("vigil-http-status", "201"),))
        return pb.CreateArchiveResponse.FromString((await self._archive(video, context)).SerializeToString())

    async def GetArchive(self, request: pb.GetArchiveRequest, context: grpc.aio.ServicerContext) -> Any:
        video = await self._library.get_archive(request.id)
        return pb.GetArchiveResponse.FromString((await self._archive(video, context)).SerializeToString())

    async def UpdateArchive(self, request: pb.UpdateArchiveRequest, context: grpc.aio.ServicerContext) -> Any:
        video = await self._library.update_archive(request.id, _changes(request), partial=False)
        return pb.UpdateArchiveResponse.FromString((await self._archive(video, context)).SerializeToString())

    async def PatchArchive(self, request: pb.PatchArchiveRequest, context: grpc.aio.ServicerContext) -> Any:
        video = await self._library.update_archive(request.id, _changes(request), partial=True)
        return pb.PatchArchiveResponse.FromString((await self._archive(video, context)).SerializeToString())

    async def DeleteArchive(self, request: pb.DeleteArchiveRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._library.delete_archive(request.id)
        await context.send_initial_metadata((("vigil-http-status", "204"),))
        return pb.DeleteArchiveResponse()

    async def UploadSourceFile(self, request_iterator: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        first, body = await RequestBody.open(request_iterator)
        try:
            await self._library.upload_source(first.id, first.http_body.content_type, body)
        except VigilError:
            await body.drain(DRAIN_BYTES)
            raise
        await context.send_initial_metadata((("vigil-http-status", "201"),))
        return pb.UploadSourceFileResponse()

    async def ProcessArchive(self, request: pb.ProcessArchiveRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._library.process_archive(request.id)
        return pb.ProcessArchiveResponse()

    async def StopArchive(self, request: pb.StopArchiveRequest, context: grpc.aio.ServicerContext) -> Any:
        await self._library.stop_archive(request.id)
        return pb.StopArchiveResponse()

    async def GetScreenshot(self, request: pb.GetScreenshotRequest, context: grpc.aio.ServicerContext) -> Any:
        jpeg = await self._library.screenshot(request.id, None, retake=False)
        return httpbody_pb2.HttpBody(content_type="image/jpeg", data=jpeg)

    async def TakeScreenshot(self, request: pb.TakeScreenshotRequest, context: grpc.aio.ServicerContext) -> Any:
        at = request.timestamp if request.HasField("timestamp") else None
        jpeg = await self._library.screenshot(request.id, at, retake=True)
        return httpbody_pb2.HttpBody(content_type="image/jpeg", data=jpeg)
