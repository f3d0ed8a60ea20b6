"""The engine-worker registry (services/engine/registry.py) and how the
system routes judge it (services/system/domain.py), on SQLite and
PostgreSQL: a worker's beats update only its own row, a clean stop removes
it, a silent worker turns `offline` after the lease and is forgotten by its
node's next live worker after ten leases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from services.common.settings import Settings
from services.db.engine import make_engine
from services.db.models import utcnow
from services.engine import registry
from services.system.domain import SystemDomain
from services.system.repository import SystemRepository


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


async def test_beats_stops_offline_and_forgotten(database: Engine, tmp_path) -> None:
    domain = SystemDomain(Settings().system, SystemRepository(database), data_dir=tmp_path, worker_lease_seconds=30)
    await domain.register_local_node()
    start = utcnow()
    for row in registry.workers(database):
        registry.remove(database, row.worker_id)
    registry.report(database, "a", 0, 2, start, forget_seconds=300, now=start)
    registry.report(database, "b", 0, 1, start, forget_seconds=300, now=start - timedelta(seconds=60))
    registry.report(database, "c", 3, 0, start, forget_seconds=300, now=start)
    registry.report(database, "a", 0, 3, start, forget_seconds=300, now=start)  # the next beat updates
    (node,) = await domain.nodes()
    status = {w.worker_id: (w.status, w.work_held) for w in node.workers}
    assert status == {"a": ("online", 3), "b": ("offline", 1)}  # c belongs to node 3
    (resources,) = await domain.resources()
    assert dict(resources.services) == {"vigil::engine_worker": 1, "vigil::analytics_work": 3}
    # b stays silent: a's beat ten leases later forgets it (its node only).
    later = start + timedelta(seconds=301)
    registry.report(database, "a", 0, 0, start, forget_seconds=300, now=later + timedelta(seconds=61))
    assert {w.worker_id for w in registry.workers(database)} == {"a", "c"}
    registry.remove(database, "a")
    registry.remove(database, "c")
    assert registry.workers(database) == []
