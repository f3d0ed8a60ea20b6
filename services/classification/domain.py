"""The classification domain: accepting alarm videos, running their
classifications in the background, keeping their results, and finishing
what a restart interrupted.

A submission is checked (`video.probe`) and stored as a `pending` row with
its video waiting in the spool before it is answered, so an accepted
classification survives a crash. Classifications run on `workers` tasks from
one priority queue: synchronous submissions (a client waiting on the
connection) go before background ones. At start-up, `recover` puts every
classification that is still pending back in the queue, or marks it failed
when its video is gone or it was already interrupted `max_attempts` times; a
classification is never left pending forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from services.classification import errors, video
from services.classification.classifier import VideoClassifier
from services.classification.errors import gaard_error
from services.classification.intake import Spool, Submission
from services.classification.repository import PENDING, ClassificationsRepository
from services.common.errors import VigilError
from services.db.models import Classification, as_utc, utcnow

log = logging.getLogger(__name__)

DONE = "done"
FAILED = "failed"
#: Queue priorities: a waiting client first.
SYNC, BACKGROUND = 0, 1


@dataclass(frozen=True)
class Limits:
    """What the domain accepts and how much runs at once."""

    max_seconds: float
    workers: int
    queue_size: int
    max_attempts: int


class Classifications:
    """Accepts, runs and reports classifications."""

    def __init__(
        self,
        repo: ClassificationsRepository,
        spool: Spool,
        classifier: VideoClassifier,
        limits: Limits,
    ) -> None:
        self._repo = repo
        self._spool = spool
        self._classifier = classifier
        self._limits = limits
        self._queue: asyncio.PriorityQueue[tuple[int, int, str]] = asyncio.PriorityQueue()
        self._order = itertools.count()
        self._waiters: dict[str, asyncio.Future[Classification]] = {}

    # -- submitting and reading -----------------------------------------------

    async def submit(self, submission: Submission, *, sync: bool) -> Classification:
        """Accept a submitted video. Without `sync` the pending row is
        returned at once; with it, the finished row (a failed classification
        raises its Gaard error). Raises QUEUE_FULL and the errors of
        `video.probe`; the video is deleted when it is refused.

        Acceptance runs to its end even when the caller goes away part way
        (a client that hangs up): a stored row is always queued, and a
        queued row always has its video."""
        waiter = asyncio.get_running_loop().create_future() if sync else None
        row = await asyncio.shield(self._accept(submission, waiter))
        if waiter is None:
            return row
        try:
            done: Classification = await waiter
        finally:
            self._waiters.pop(row.id, None)
        if done.status_classify == FAILED:
            raise gaard_error(done.error_code, done.error_msg)
        return done

    async def _accept(self, submission: Submission, waiter: asyncio.Future[Classification] | None) -> Classification:
        """Probe, store and queue a submission (a waiter is told its result)."""
        try:
            if self._queue.qsize() >= self._limits.queue_size:
                raise gaard_error(errors.QUEUE_FULL, "too many classifications are waiting; try again later")
            probe = await asyncio.to_thread(video.probe, str(submission.path), self._limits.max_seconds)
            path = await asyncio.to_thread(self._spool.accept, submission.path)
            submission.path = path
            row = Classification(
                id=submission.id,
                tenant=submission.tenant,
                parent_id=submission.parent_id,
                camera_id=submission.camera_id,
                analyse_id=secrets.randbelow(2**32),
                sync=waiter is not None,
                videoname=submission.videoname,
                filesize=submission.filesize,
                file_path=str(path),
                specs=_probe_specs(probe),
                client_metadata=submission.metadata,
                created_at=utcnow(),
            )
            row = await asyncio.to_thread(self._repo.add, row)
        except BaseException:
            await asyncio.to_thread(self._spool.remove, submission.path)
            raise
        if waiter is not None:
            self._waiters[row.id] = waiter
        self._enqueue(row.id, BACKGROUND if waiter is None else SYNC)
        return row

    async def result(self, classification_id: str, tenant: str = "") -> Classification:
        """One classification. With a `tenant`, only that tenant's (another
        tenant's id is NOT_FOUND, as an unknown id is); without one, any
        tenant's, as the document shows the route (until credentials carry
        the tenant). Raises NOT_FOUND."""
        row = await asyncio.to_thread(self._repo.get, classification_id) if len(classification_id) <= 24 else None
        if row is None or (tenant and row.tenant != tenant):
            where = " for this tenant" if tenant else ""
            raise gaard_error(errors.NOT_FOUND, f"no classification {classification_id[:40]}{where}")
        return row

    # -- running --------------------------------------------------------------

    def _enqueue(self, classification_id: str, priority: int) -> None:
        self._queue.put_nowait((priority, next(self._order), classification_id))

    async def run(self) -> None:
        """Run the workers until cancelled; then clients still waiting get
        INTERRUPTED (their classifications stay pending and run again after
        the restart)."""
        workers = [asyncio.create_task(self._worker()) for _ in range(self._limits.workers)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            for cid, waiter in list(self._waiters.items()):
                if not waiter.done():
                    waiter.set_exception(
                        gaard_error(
                            errors.INTERRUPTED,
                            f"the service is stopping; classification {cid} goes on when it starts again "
                            f"(GET /api/result/{cid})",
                        )
                    )

    async def _worker(self) -> None:
        while True:
            _, _, cid = await self._queue.get()
            try:
                row = await self._process(cid)
            except Exception:  # the database failed: the row stays pending for the next start
                log.exception("classification %s could not be stored", cid)
                row = None
            waiter = self._waiters.pop(cid, None)
            if waiter is not None and not waiter.done():
                if row is not None:
                    waiter.set_result(row)
                else:
                    waiter.set_exception(gaard_error(errors.INTERNAL, f"classification {cid} could not be stored"))

    async def _process(self, cid: str) -> Classification | None:
        """Classify one pending row and store the result or the failure."""
        row = await asyncio.to_thread(self._repo.get, cid)
        if row is None or row.status_classify != PENDING:
            return row
        attempts = row.attempts
        started = time.perf_counter()
        row = await asyncio.to_thread(self._repo.update, cid, attempts=attempts + 1, started_at=utcnow())
        if row is None:
            return None
        try:
            outcome = await self._classifier.classify(Path(row.file_path))
        except asyncio.CancelledError:
            # Stopping: this start does not count; the restart runs it again.
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._repo.update, cid, attempts=attempts, started_at=None)
            raise
        except VigilError as err:
            return await self._fail(row, err.error_code, err.message, started)
        except Exception:
            log.exception("classification %s failed unexpectedly", cid)
            return await self._fail(row, errors.INTERNAL, "the classification failed unexpectedly", started)
        finished = utcnow()
        verdict = outcome.verdict
        done = await asyncio.to_thread(
            self._repo.update,
            cid,
            status_classify=DONE,
            status_video=DONE,
            specs=outcome.specs.as_map(),
            scores=verdict.scores,
            labels=verdict.labels,
            risk=verdict.risk,
            model=outcome.model,
            version=outcome.version,
            duration_ms=_ms_between(row, finished),
            timing_total_ms=round((time.perf_counter() - started) * 1000, 5),
            finished_at=finished,
            file_path="",
        )
        await asyncio.to_thread(self._spool.remove, row.file_path)
        return done

    async def _fail(self, row: Classification, code: int, message: str, started: float | None) -> Classification | None:
        finished = utcnow()
        failed = await asyncio.to_thread(
            self._repo.update,
            row.id,
            status_classify=FAILED,
            status_video=FAILED,
            error_code=code,
            error_msg=message,
            duration_ms=_ms_between(row, finished),
            timing_total_ms=round((time.perf_counter() - started) * 1000, 5) if started is not None else 0.0,
            finished_at=finished,
            file_path="",
        )
        if row.file_path:
            await asyncio.to_thread(self._spool.remove, row.file_path)
        return failed

    async def recover(self) -> None:
        """At start-up: queue the classifications a stop interrupted, fail
        those that cannot run again, delete videos nobody waits for."""
        rows = await asyncio.to_thread(self._repo.unfinished)
        keep: set[str] = set()
        for row in rows:
            if row.attempts >= self._limits.max_attempts:
                await self._fail(
                    row,
                    errors.INTERRUPTED,
                    f"the service stopped {row.attempts} times while it classified this video",
                    None,
                )
            elif not row.file_path or not await asyncio.to_thread(Path(row.file_path).is_file):
                await self._fail(row, errors.INTERRUPTED, "the video was lost when the service stopped", None)
            else:
                keep.add(row.file_path)
                self._enqueue(row.id, SYNC if row.sync else BACKGROUND)
        removed = await asyncio.to_thread(self._spool.sweep, keep)
        if rows or removed:
            log.info(
                "recovered classifications: %d queued again, %d failed, %d stray files deleted",
                len(keep),
                len(rows) - len(keep),
                removed,
            )


def _ms_between(row: Classification, finished: datetime) -> int:
    """Milliseconds from a row's creation to `finished`."""
    return max(int((finished - as_utc(row.created_at)).total_seconds() * 1000), 0)


def _probe_specs(probe: video.Probe) -> dict[str, float]:
    """What is known of a video before it is decoded."""
    specs = {"original.width": float(probe.width), "original.height": float(probe.height)}
    if probe.fps:
        specs["original.fps"] = round(probe.fps, 3)
    if probe.duration:
        specs["duration"] = round(probe.duration, 6)
    return specs
