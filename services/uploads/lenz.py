"""The Lenz face of the uploads domain (document 000): chunked upload
sessions and the uploaded videos, protobuf in, domain calls, protobuf out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import struct_pb2

from services.common.errors import InvalidArgument, Unimplemented, VigilError
from services.db.models import Stream, UploadSession, Video
from services.http_body.body import RequestBody
from services.uploads.jobs import JobView, VideoJobs
from services.uploads.library import VideoLibrary, rfc3339
from services.uploads.sessions import ChunkHead, UploadSessions
from vigil.uploads.v1 import upload_pb2, uploads_service_pb2_grpc
from vigil.uploads.v1 import uploads_service_pb2 as pb

NULL = struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)
#: How much of a refused body is still read, so the client gets the answer.
DRAIN_BYTES = 256 * 1024 * 1024


def _progress(upload: UploadSession) -> float:
    return round(100.0 * upload.chunks_received / upload.total_chunks, 2) if upload.total_chunks else 0.0


def job_pb(job: JobView | None) -> upload_pb2.VideoJob:
    """A video's offline job (Vigil's extra `job` key)."""
    if job is None:
        return upload_pb2.VideoJob(state="idle")
    return upload_pb2.VideoJob(
        state=job.state,
        progress=job.progress_percent,
        processed_duration=job.processed_duration,
        event_count=job.event_count,
        error=job.error,
        scheduled_for=rfc3339(job.scheduled_for) if job.scheduled_for else "",
    )


def video_pb(video: Video, device: upload_pb2.Device | None = None, job: JobView | None = None) -> upload_pb2.Video:
    """A row as Lenz prints a video, with Vigil's `job`."""
    out = upload_pb2.Video(
        id=video.video_id,
        original_filename=video.original_filename or video.name or "",
        file_path=video.file_path,
        file_size=float(video.file_size),
        created_at=rfc3339(video.created_at),
        status=video.status,
        duration=float(video.duration or 0.0),
        started_at=rfc3339(video.started_at),
        started_at_src=video.started_at_src,
        ended_at=rfc3339(video.ended_at),
        instance=NULL,
        job=job_pb(job),
    )
    if device is not None:
        out.device.CopyFrom(device)
    return out


class UploadsServicer(uploads_service_pb2_grpc.UploadsServiceServicer):
    """Lenz `/api/visionaire-media/{nvr_server_id}/videos...` routes."""

    def __init__(self, sessions: UploadSessions, library: VideoLibrary) -> None:
        self._sessions = sessions
        self._library = library

    async def UploadChunk(self, request_iterator: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        first, body = await RequestBody.open(request_iterator)
        head = ChunkHead(
            nvr_server_id=first.nvr_server_id,
            auto_stream=first.auto_stream if first.HasField("auto_stream") else True,
            content_type=first.http_body.content_type,
        )
        try:
            if first.HasField("auto_stream") and first.auto_stream:
                self._library.check_auto_stream()
            receipt = await self._sessions.receive_chunk(head, body)
        except VigilError:
            await body.drain(DRAIN_BYTES)
            raise
        upload = receipt.session
        return pb.UploadChunkResponse(
            success=True,
            data=upload_pb2.ChunkReceipt(
                message=receipt.message,
                session_id=upload.session_id,
                video_id=upload.video_id,
                chunk_index=receipt.chunk_index,
                chunks_received=upload.chunks_received,
                total_chunks=upload.total_chunks,
                bytes_written=float(upload.bytes_written),
                total_size=float(upload.total_size),
                progress=_progress(upload),
                status=upload.status,
                seq=upload.seq,
                instance=NULL,
            ),
        )

    async def GetUploadStatus(self, request: pb.GetUploadStatusRequest, context: grpc.aio.ServicerContext) -> Any:
        upload = (await self._sessions.status(request.nvr_server_id, request.session_id)).session
        return pb.GetUploadStatusResponse(
            success=True,
            data=upload_pb2.UploadSession(
                session_id=upload.session_id,
                video_id=upload.video_id,
                original_filename=upload.original_filename,
                status=upload.status,
                bytes_written=float(upload.bytes_written),
                total_size=float(upload.total_size),
                chunks_received=upload.chunks_received,
                total_chunks=upload.total_chunks,
                progress=_progress(upload),
                created_at=rfc3339(upload.created_at),
                updated_at=rfc3339(upload.updated_at),
            ),
        )

    async def ResumeUpload(self, request: pb.ResumeUploadRequest, context: grpc.aio.ServicerContext) -> Any:
        view, can_reuse, message = await self._sessions.resume(
            request.nvr_server_id, request.session_id, request.filename, request.video_id
        )
        upload = view.session
        return pb.ResumeUploadResponse(
            success=True,
            data=upload_pb2.ResumeInfo(
                message=message,
                session_id=upload.session_id,
                video_id=upload.video_id,
                original_filename=upload.original_filename,
                status=upload.status,
                chunks_received=upload.chunks_received,
                total_chunks=upload.total_chunks,
                bytes_written=float(upload.bytes_written),
                total_size=float(upload.total_size),
                progress=_progress(upload),
                missing_chunks=view.missing if can_reuse else [],
                can_reuse_session=can_reuse,
            ),
        )

    async def CancelUpload(self, request: pb.CancelUploadRequest, context: grpc.aio.ServicerContext) -> Any:
        upload = await self._sessions.cancel(request.nvr_server_id, request.session_id)
        return pb.CancelUploadResponse(
            success=True, message="Upload cancelled successfully", session_id=upload.session_id
        )

    async def ListVideos(self, request: pb.ListVideosRequest, context: grpc.aio.ServicerContext) -> Any:
        rows, total, page, per_page = await self._library.list_videos(
            request.nvr_server_id,
            request.search,
            request.sort_by,
            request.sort_order,
            request.page if request.HasField("page") else None,
            request.limit if request.HasField("limit") else None,
        )
        jobs = await self._jobs(rows)
        pages = max(1, -(-total // per_page)) if per_page else 1
        return pb.ListVideosResponse(
            success=True,
            data=pb.ListVideosResponse.Data(
                videos=[video_pb(v, job=jobs.get(v.video_id)) for v in rows],
                count=len(rows),
                pagination=upload_pb2.Pagination(
                    current_page=page, per_page=per_page, total_items=total, total_pages=pages
                ),
            ),
        )

    async def GetVideo(self, request: pb.GetVideoRequest, context: grpc.aio.ServicerContext) -> Any:
        video, stream = await self._library.get_video(request.nvr_server_id, request.video_id)
        job = (await self._jobs([video])).get(video.video_id)
        return pb.GetVideoResponse(
            success=True, data=pb.GetVideoResponse.Data(video=video_pb(video, self._device(video, stream), job))
        )

    async def UpdateVideo(self, request: pb.UpdateVideoRequest, context: grpc.aio.ServicerContext) -> Any:
        if not request.HasField("auto_stream"):
            raise InvalidArgument("auto_stream: this field is required (true or false)")
        video, stream = await self._library.set_auto_stream(
            request.nvr_server_id, request.video_id, request.auto_stream
        )
        job = (await self._jobs([video])).get(video.video_id)
        return pb.UpdateVideoResponse(
            success=True, data=pb.GetVideoResponse.Data(video=video_pb(video, self._device(video, stream), job))
        )

    async def _jobs(self, videos: list[Video]) -> dict[str, JobView]:
        jobs = self._library.jobs
        return await asyncio.to_thread(jobs.views, videos) if jobs is not None and videos else {}

    async def CancelVideoJob(self, request: pb.CancelVideoJobRequest, context: grpc.aio.ServicerContext) -> Any:
        video = await self._library.find_video(request.video_id)
        job = await asyncio.to_thread(self._require_jobs().cancel, video)
        return pb.CancelVideoJobResponse(
            success=True, message="Job cancelled", video_id=video.video_id, job=job_pb(job)
        )

    async def ScheduleVideoJob(self, request: pb.ScheduleVideoJobRequest, context: grpc.aio.ServicerContext) -> Any:
        video = await self._library.find_video(request.video_id)
        job = await asyncio.to_thread(self._require_jobs().schedule, video)
        return pb.ScheduleVideoJobResponse(
            success=True, message="Job scheduled", video_id=video.video_id, job=job_pb(job)
        )

    def _require_jobs(self) -> VideoJobs:
        if self._library.jobs is None:
            raise Unimplemented("offline analysis jobs are not wired in this process")
        return self._library.jobs

    async def DeleteVideo(self, request: pb.DeleteVideoRequest, context: grpc.aio.ServicerContext) -> Any:
        video = await self._library.delete_video(request.nvr_server_id, request.video_id)
        return pb.DeleteVideoResponse(success=True, message="Video deleted successfully", video_id=video.video_id)

    def _device(self, video: Video, stream: Stream | None) -> upload_pb2.Device:
        state = self._library.device_of(video, stream)
        return upload_pb2.Device(
            name=state.name,
            url=state.url,
            scheme=state.scheme,
            channel="live",
            silent_audio=False,
            status=state.status,
            publish_url=state.publish_url,
            created_at=rfc3339(state.created_at),
            updated_at=rfc3339(state.updated_at),
            error_count=state.error_count,
            restart_count=state.restart_count,
            uptime=state.uptime_ms,
        )
