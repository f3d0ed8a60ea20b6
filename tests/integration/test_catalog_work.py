"""The work model (services/catalog/work.py) on SQLite and PostgreSQL: what
a worker claims, heartbeats, releases and takes over, and how config
changes reach it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.catalog import work
from services.catalog.repository import CatalogRepository
from services.db.engine import make_engine
from services.db.models import Stream, Work, utcnow

LEASE = 30.0


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def add_stream(engine: Engine, stream_id: str, *, offline: bool = False) -> None:
    now = utcnow()
    with Session(engine) as session:
        session.add(
            Stream(
                stream_id=stream_id,
                reference="rtsp://10.0.0.1/a",
                offline_mode=offline,
                create_time=now,
                last_update_time=now,
            )
        )
        session.commit()


def assign(engine: Engine, stream_id: str, analytic: str = "NFV4-MPA", seats: int = 100) -> Work:
    return CatalogRepository(engine).assign(
        stream_id, 0, analytic, {"sample_fps": 5}, seats, lambda n: f"{analytic}-N0-{n:04d}", utcnow()
    )


def test_claim_heartbeat_release(engine: Engine) -> None:
    add_stream(engine, "live-1")
    add_stream(engine, "video-1", offline=True)
    live = assign(engine, "live-1")
    offline = assign(engine, "video-1")
    assert live.state == work.PENDING and offline.state == work.IDLE

    taken = work.claim(engine, "worker-a", lease_seconds=LEASE, kinds=(work.LIVE, work.OFFLINE), limit=10)
    assert [item.id for item in taken] == [live.id]  # idle offline work is not claimed
    item = taken[0]
    assert (item.state, item.owner, item.attempts, item.config) == ("running", "worker-a", 1, {"sample_fps": 5})
    assert work.claim(engine, "worker-b", lease_seconds=LEASE) == []

    assert work.heartbeat(engine, item.id, "worker-a", progress=0.25) == 1
    assert work.heartbeat(engine, item.id, "worker-b") is None  # not its owner
    assert work.heartbeat_all(engine, "worker-a") == {item.id: 1}

    assert work.release(engine, item.id, "worker-a", state=work.FAILED, error="decoder gave up")
    assert not work.release(engine, item.id, "worker-a", state=work.FAILED)  # repeated: no change
    assert work.heartbeat(engine, item.id, "worker-a") is None
    (row,) = work.of_stream(engine, "live-1")
    assert (row.state, row.owner, row.error, row.progress) == ("failed", None, "decoder gave up", 0.25)
    with pytest.raises(ValueError):
        work.release(engine, item.id, "worker-a", state=work.RUNNING)


def test_config_change_reaches_the_worker(engine: Engine) -> None:
    add_stream(engine, "live-1")
    assign(engine, "live-1")
    (item,) = work.claim(engine, "worker-a", lease_seconds=LEASE)
    repo = CatalogRepository(engine)
    repo.update_config("live-1", "NFV4-MPA", {"sample_fps": 2}, utcnow())
    version = work.heartbeat(engine, item.id, "worker-a")
    assert version == 2 > item.config_version
    assert work.read_config(engine, item.id) == ({"sample_fps": 2}, 2)
    # Removing the assignment: the worker loses it at its next heartbeat.
    assert repo.remove("live-1", "NFV4-MPA")
    assert work.heartbeat(engine, item.id, "worker-a") is None
    assert work.heartbeat_all(engine, "worker-a") == {}
    assert work.read_config(engine, item.id) is None


def test_expired_work_is_taken_over(engine: Engine) -> None:
    add_stream(engine, "live-1")
    add_stream(engine, "live-2")
    assign(engine, "live-1")
    assign(engine, "live-2")
    now = utcnow()
    first = work.claim(engine, "worker-a", lease_seconds=LEASE, limit=2, now=now)
    assert len(first) == 2
    later = now + timedelta(seconds=LEASE + 1)
    # worker-a renews one of the two in time; the other expires.
    assert work.heartbeat(engine, first[0].id, "worker-a", now=now + timedelta(seconds=LEASE - 1)) == 1
    taken = work.claim(engine, "worker-b", lease_seconds=LEASE, limit=5, now=later)
    assert [t.id for t in taken] == [first[1].id]
    assert taken[0].attempts == 2 and taken[0].owner == "worker-b"
    assert work.heartbeat(engine, first[1].id, "worker-a", now=later) is None  # lost to worker-b
    assert not work.release(engine, first[1].id, "worker-a")
    # A supervisor that only watches puts expired work back in the queue.
    much_later = later + timedelta(seconds=2 * LEASE)
    assert work.take_over_expired(engine, lease_seconds=LEASE, now=much_later) == 2
    assert {row.state for s in ("live-1", "live-2") for row in work.of_stream(engine, s)} == {"pending"}


def test_concurrent_claims_never_share_work(engine: Engine) -> None:
    for n in range(24):
        add_stream(engine, f"live-{n}")
        assign(engine, f"live-{n}")
    got: dict[str, list[int]] = {}

    def take(worker: str) -> None:
        mine: list[int] = []
        while batch := work.claim(engine, worker, lease_seconds=LEASE, limit=3):
            mine += [item.id for item in batch]
        got[worker] = mine

    threads = [threading.Thread(target=take, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ids = [i for mine in got.values() for i in mine]
    assert len(ids) == 24 and len(set(ids)) == 24


def test_offline_schedule_and_cancel(engine: Engine) -> None:
    add_stream(engine, "video-1", offline=True)
    assign(engine, "video-1", "NFV4-MPA")
    assign(engine, "video-1", "NFV4-MVA")
    assert work.claim(engine, "jobs", lease_seconds=LEASE, kinds=(work.OFFLINE,)) == []
    assert work.schedule_stream(engine, "video-1") == 2
    (item,) = work.claim(engine, "jobs", lease_seconds=LEASE, kinds=(work.OFFLINE,))
    assert work.unschedule_stream(engine, "video-1") == 1  # the one not taken yet
    assert work.release(engine, item.id, "jobs", state=work.DONE, progress=1.0)
    states = {row.analytic_id: (row.state, row.progress) for row in work.of_stream(engine, "video-1")}
    assert states == {"NFV4-MPA": ("done", 1.0), "NFV4-MVA": ("idle", 0.0)}


def test_a_config_change_re_arms_an_ended_offline_job_not_a_running_one(engine: Engine) -> None:
    """A PUT after the job ended arms it as an assignment does (the schedule
    delay, progress and checkpoint 0); a PUT while it runs keeps the run."""
    add_stream(engine, "video-1", offline=True)
    repo = CatalogRepository(engine, offline_schedule_delay_seconds=10.0)
    assign(engine, "video-1")
    assert work.schedule_job(engine, "video-1") == 1
    (item,) = work.claim_job(engine, "jobs", lease_seconds=LEASE)
    assert work.jobs_of(engine, ["video-1"])["video-1"].state == work.JOB_RUNNING
    repo.update_config("video-1", "NFV4-MPA", {"sample_fps": 2}, utcnow())
    (row,) = work.of_stream(engine, "video-1")
    assert (row.state, row.owner, row.config) == (work.RUNNING, "jobs", {"sample_fps": 2})  # the run goes on
    assert work.release(engine, item.id, "jobs", state=work.DONE, progress=1.0)
    assert work.jobs_of(engine, ["video-1"])["video-1"].state == work.JOB_DONE
    now = utcnow()
    repo.update_config("video-1", "NFV4-MPA", {"sample_fps": 3}, now)
    job = work.jobs_of(engine, ["video-1"])["video-1"]
    assert job.state == work.JOB_IDLE and job.progress == 0.0 and job.scheduled_for is not None, job
    assert abs((job.scheduled_for - now).total_seconds() - 10.0) < 1.0, job
    (row,) = work.of_stream(engine, "video-1")
    assert (row.state, row.config, row.config_version) == (work.IDLE, {"sample_fps": 3}, 3)
    # Due after the delay: a worker takes the whole job again.
    later = now + timedelta(seconds=11)
    assert work.jobs_of(engine, ["video-1"], later)["video-1"].state == work.JOB_SCHEDULED


def test_work_goes_with_its_stream(engine: Engine) -> None:
    add_stream(engine, "live-1")
    assign(engine, "live-1")
    with Session(engine) as session:
        session.delete(session.get(Stream, "live-1"))
        session.commit()
        assert session.exec(select(Work)).all() == []


def test_seats_are_numbered_and_run_out(engine: Engine) -> None:
    for n in range(3):
        add_stream(engine, f"live-{n}")
    assert assign(engine, "live-0", seats=2).seat == 1
    assert assign(engine, "live-1", seats=2).seat == 2
    with pytest.raises(Exception, match="no free seat"):
        assign(engine, "live-2", seats=2)
    assert CatalogRepository(engine).remove("live-0", "NFV4-MPA")
    reused = assign(engine, "live-2", seats=2)
    assert (reused.seat, reused.serial_number) == (1, "NFV4-MPA-N0-0001")
