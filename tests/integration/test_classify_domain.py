"""The classification domain on SQLite and PostgreSQL with the real inference
service: synchronous results, tenant isolation, failures stored with their
Gaard code, a full queue, and what a stop and a restart do to pending work
(queued again, or failed, never left pending)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.classification import errors
from services.classification.classifier import VideoClassifier
from services.classification.domain import Classifications, Limits
from services.classification.intake import Spool, Submission, new_id
from services.classification.repository import ClassificationsRepository
from services.classification.wiring import classifier_config
from services.common.errors import VigilError
from services.common.settings import Settings
from services.db.engine import make_engine
from services.db.models import Classification
from services.inference_client import InferenceClient
from tests.classify_support import make_clip
from tests.inference_support import InferenceServer, inference_server, model_repository


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    with inference_server(
        model_repository(), tmp_path_factory.mktemp("inference"), load="yolox_nano,ppocr_det"
    ) as server:
        yield server


class World:
    """A domain on a fresh database, its repository and spool."""

    def __init__(self, database_url: str, tmp: Path, client: InferenceClient, **limits: int) -> None:
        self.repo = ClassificationsRepository(make_engine(database_url))
        self.spool = Spool(tmp / "spool")
        self.tmp = tmp
        settings = Settings(_env_file=None)
        self.domain = Classifications(
            self.repo,
            self.spool,
            VideoClassifier(client, classifier_config(settings.classification)),
            Limits(
                max_seconds=60.0,
                workers=limits.get("workers", 2),
                queue_size=limits.get("queue_size", 16),
                max_attempts=2,
            ),
        )

    def submission(self, name: str, scenes: list[str], tenant: str = "acme", **clip: object) -> Submission:
        cid = new_id()
        path = make_clip(self.spool.part_path(cid), scenes, seconds=2, fps=4, **clip)  # type: ignore[arg-type]
        return Submission(cid, tenant, name, path, path.stat().st_size, {"camera_id": 7})


@pytest.fixture
async def client(inference: InferenceServer) -> AsyncIterator[InferenceClient]:
    async with InferenceClient(inference.target) as channel:
        yield channel


async def running(domain: Classifications) -> asyncio.Task[None]:
    task = asyncio.create_task(domain.run())
    await asyncio.sleep(0)
    return task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_sync_result_and_tenant_isolation(database_url: str, tmp_path: Path, client: InferenceClient) -> None:
    world = World(database_url, tmp_path, client)
    task = await running(world.domain)
    try:
        row = await world.domain.submit(world.submission("cam.mp4", ["camera.png"]), sync=True)
    finally:
        await stop(task)
    assert (row.status_classify, row.status_video, row.error_code) == ("done", "done", 0)
    assert row.risk != "safe" and "person" in row.labels
    assert row.model == "yolox_nano+ppocr_det" and row.version == "1+1"
    assert row.specs["original.width"] == 640 and row.specs["width"] == 568
    assert row.file_path == "" and list(world.spool.root.iterdir()) == []
    assert (await world.domain.result(row.id, "acme")).scores == row.scores
    assert (await world.domain.result(row.id)).id == row.id  # no tenant: any tenant's result
    with pytest.raises(VigilError) as caught:
        await world.domain.result(row.id, "someone-else")
    assert caught.value.error_code == errors.NOT_FOUND
    with pytest.raises(VigilError) as caught:
        await world.domain.result("664371916d24ab9cf81140ec", "acme")
    assert (caught.value.error_code, caught.value.http_status) == (errors.NOT_FOUND, 404)


async def test_a_failure_is_raised_and_stored(database_url: str, tmp_path: Path, client: InferenceClient) -> None:
    world = World(database_url, tmp_path, client)
    sub = world.submission("cut.mp4", ["camera.png", "chelsea.png"], faststart=True)
    data = sub.path.read_bytes()
    sub.path.write_bytes(data[: len(data) * 2 // 3])  # passes the probe, fails the decoding
    sub.filesize = sub.path.stat().st_size
    task = await running(world.domain)
    try:
        with pytest.raises(VigilError) as caught:
            await world.domain.submit(sub, sync=True)
    finally:
        await stop(task)
    assert (caught.value.error_code, caught.value.http_status) == (errors.TRUNCATED, 422)
    row = await world.domain.result(sub.id, "acme")
    assert (row.status_classify, row.status_video, row.error_code) == ("failed", "failed", errors.TRUNCATED)
    assert "truncated" in row.error_msg and row.risk == "" and row.labels == []
    assert list(world.spool.root.iterdir()) == []


async def test_a_full_queue_refuses_and_keeps_nothing(
    database_url: str, tmp_path: Path, client: InferenceClient
) -> None:
    world = World(database_url, tmp_path, client, queue_size=1)
    first = await world.domain.submit(world.submission("a.mp4", ["wall"]), sync=False)  # no worker runs yet
    assert first.status_classify == "pending"
    refused = world.submission("b.mp4", ["wall"])
    with pytest.raises(VigilError) as caught:
        await world.domain.submit(refused, sync=False)
    assert (caught.value.error_code, caught.value.http_status) == (errors.QUEUE_FULL, 429)
    assert world.repo.get(refused.id) is None and not refused.path.exists()


async def test_stop_then_restart_finishes_or_fails_every_pending_classification(
    database_url: str, tmp_path: Path, client: InferenceClient
) -> None:
    world = World(database_url, tmp_path, client, workers=1)
    task = await running(world.domain)
    waiting = asyncio.create_task(world.domain.submit(world.submission("p.mp4", ["astronaut.png"]), sync=True))
    queued = await world.domain.submit(world.submission("q.mp4", ["chelsea.png"]), sync=False)
    await asyncio.sleep(0.2)  # the first one is being classified
    await stop(task)  # SIGTERM: the workers stop, the waiting client is told
    with pytest.raises(VigilError) as caught:
        await waiting
    assert (caught.value.error_code, caught.value.http_status) == (errors.INTERRUPTED, 503)
    assert "goes on when it starts again" in caught.value.message
    pending = world.repo.unfinished()
    assert {r.id for r in pending} >= {queued.id} and all(r.attempts == 0 for r in pending)  # a stop is no attempt

    # What a crash leaves: one interrupted too often, one whose video is gone,
    # and a stray upload.
    now = datetime.now(UTC)
    worn = world.submission("w.mp4", ["wall"])
    world.repo.add(
        Classification(
            id=worn.id, tenant="acme", parent_id="0" * 24, analyse_id=1, file_path=str(worn.path), attempts=2,
            created_at=now,
        )
    )  # fmt: skip
    lost = new_id()
    world.repo.add(
        Classification(
            id=lost, tenant="acme", parent_id="0" * 24, analyse_id=2, file_path=str(tmp_path / "gone.video"),
            created_at=now,
        )
    )  # fmt: skip
    stray = world.spool.part_path(new_id())
    stray.write_bytes(b"half an upload")

    restarted = World(database_url, tmp_path, client)
    await restarted.domain.recover()
    task = await running(restarted.domain)
    try:
        for _ in range(300):
            if not restarted.repo.unfinished():
                break
            await asyncio.sleep(0.1)
    finally:
        await stop(task)
    assert restarted.repo.unfinished() == []
    for row in pending:
        done = restarted.repo.get(row.id)
        assert done is not None and (done.status_classify, done.attempts) == ("done", 1)
    cat = restarted.repo.get(queued.id)
    assert cat is not None and cat.risk == "safe" and "animal" in cat.labels
    for cid in (worn.id, lost):
        failed = restarted.repo.get(cid)
        assert failed is not None
        assert (failed.status_classify, failed.error_code) == ("failed", errors.INTERRUPTED)
    assert list(restarted.spool.root.iterdir()) == []
