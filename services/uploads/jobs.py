"""The offline analysis job of each uploaded video, as the Lenz face shows
it (extra `job` keys in the video list and detail) and changes it (the Vigil
extension routes `POST /vigil/v1/videos/{video_id}/cancel` and
`.../schedule`). The job is the work rows of the analytics assigned to the
video's internal `offline_mode` stream (services/catalog/work.py: the work
table's contract, shared with the catalog and the engine); its event count
comes from the events store. Everything here blocks: call it in a thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from services.catalog import work
from services.common.errors import FailedPrecondition
from services.db.models import Video
from services.events.store import EventStore


@dataclass(frozen=True)
class JobView:
    """A video's job as the Lenz answers print it."""

    state: str
    progress_percent: float
    processed_duration: float
    event_count: int
    error: str
    scheduled_for: datetime | None


class VideoJobs:
    """Reads, cancels and schedules the jobs of uploaded videos."""

    def __init__(self, database: Engine, events: EventStore) -> None:
        self._db = database
        self._events = events

    def views(self, videos: Sequence[Video]) -> dict[str, JobView]:
        """Each video's job (by video_id)."""
        streams = {v.video_id: v.stream_id for v in videos if v.stream_id}
        jobs = work.jobs_of(self._db, streams.values())
        counts = self._events.counts(list(streams.values()))
        found: dict[str, JobView] = {}
        for video in videos:
            stream_id = streams.get(video.video_id)
            job = jobs.get(stream_id, work.Job(work.JOB_IDLE)) if stream_id else work.Job(work.JOB_IDLE)
            found[video.video_id] = JobView(
                state=job.state,
                progress_percent=round(100.0 * job.progress, 2),
                processed_duration=round(job.processed_seconds, 3),
                event_count=counts.get(stream_id, 0) if stream_id else 0,
                error=job.error,
                scheduled_for=job.scheduled_for,
            )
        return found

    def cancel(self, video: Video) -> JobView:
        """Cancel a scheduled or running job (FailedPrecondition otherwise)."""
        job = self.views([video])[video.video_id]
        if job.state not in (work.JOB_SCHEDULED, work.JOB_RUNNING) and job.scheduled_for is None:
            raise FailedPrecondition(
                f"the analysis job of video {video.video_id} is {job.state}, not scheduled or running: "
                "nothing to cancel"
            )
        if not video.stream_id or not work.cancel_stream(self._db, video.stream_id):
            raise FailedPrecondition(f"the analysis job of video {video.video_id} ended meanwhile: nothing to cancel")
        return self.views([video])[video.video_id]

    def schedule(self, video: Video) -> JobView:
        """Schedule the job to run now with the assigned analytics."""
        if not video.stream_id or not work.schedule_job(self._db, video.stream_id):
            job = self.views([video])[video.video_id]
            why = (
                f"it is already {job.state}"
                if job.state in (work.JOB_SCHEDULED, work.JOB_RUNNING)
                else "no analytic is assigned to its stream (assign one first)"
            )
            raise FailedPrecondition(f"cannot schedule the analysis job of video {video.video_id}: {why}")
        return self.views([video])[video.video_id]

    def forget(self, video: Video) -> int:
        """Delete the events of a deleted video (its rows went with its stream)."""
        return self._events.delete_stream(video.stream_id) if video.stream_id else 0
