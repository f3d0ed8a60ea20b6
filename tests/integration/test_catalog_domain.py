"""The catalog domain on SQLite and PostgreSQL: assignments racing for the
last seat, concurrent config changes, and an inference service that does
not answer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator

import pytest
from sqlalchemy.engine import Engine

from services.catalog.domain import CatalogDomain
from services.catalog.readiness import ModelReadiness
from services.catalog.repository import CatalogRepository
from services.common.errors import FailedPrecondition, Unavailable, VigilError
from services.db.engine import make_engine
from tests.conftest import free_port, register_local_node
from tests.integration.test_catalog_work import add_stream


class AllReady:
    """Readiness of an inference service with every model loaded."""

    async def ready(self, models: Iterable[str]) -> dict[str, bool]:
        return dict.fromkeys(models, True)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    register_local_node(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def domain(engine: Engine, seats: dict[str, int] | None = None) -> CatalogDomain:
    return CatalogDomain(CatalogRepository(engine), AllReady(), seats=seats or {}, default_seats=8)


def test_racing_assignments_share_out_the_seats(engine: Engine) -> None:
    catalog = domain(engine, {"NFV4-MPA": 3})
    for n in range(8):
        add_stream(engine, f"s{n}")
    outcomes: dict[str, str] = {}

    def assign(stream_id: str) -> None:
        try:
            row = asyncio.run(catalog.assign("0", stream_id, "NFV4-MPA", {}))
            outcomes[stream_id] = row.serial_number
        except VigilError as err:
            outcomes[stream_id] = type(err).__name__ + ": " + err.message

    threads = [threading.Thread(target=assign, args=(f"s{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    serials = sorted(v for v in outcomes.values() if v.startswith("NFV4-MPA-N0-"))
    assert serials == ["NFV4-MPA-N0-0001", "NFV4-MPA-N0-0002", "NFV4-MPA-N0-0003"]
    refused = [v for v in outcomes.values() if not v.startswith("NFV4-MPA-N0-")]
    assert len(refused) == 5 and all("no free seat" in v for v in refused), refused


def test_concurrent_config_changes_each_count(engine: Engine) -> None:
    catalog = domain(engine)
    add_stream(engine, "s1")
    asyncio.run(catalog.assign("node-0", "s1", "NFV4-MPA", {}))

    def change(fps: int) -> None:
        asyncio.run(catalog.update("0", "s1", "NFV4-MPA", {"sample_fps": fps}))

    threads = [threading.Thread(target=change, args=(n + 1,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    _, row = asyncio.run(catalog.get_pipeline("0", "s1", "NFV4-MPA"))
    assert row.config_version == 7 and row.config["sample_fps"] in range(1, 7)


def test_a_seat_setting_naming_no_analytic_fails_at_start(engine: Engine) -> None:
    with pytest.raises(ValueError, match="NFV4-NOPE"):
        domain(engine, {"NFV4-NOPE": 2})


def test_an_inference_service_that_does_not_answer(engine: Engine) -> None:
    async def run() -> None:
        readiness = ModelReadiness(f"127.0.0.1:{free_port()}", timeout_seconds=2)
        catalog = CatalogDomain(CatalogRepository(engine), readiness, seats={}, default_seats=1)
        try:
            with pytest.raises(Unavailable, match="inference service does not answer"):
                await catalog.offers()
        finally:
            await readiness.close()

    asyncio.run(run())


def test_an_analytic_with_a_missing_model_is_refused(engine: Engine) -> None:
    class NoFaces(AllReady):
        async def ready(self, models: Iterable[str]) -> dict[str, bool]:
            return {m: m != "sface" for m in models}

    catalog = CatalogDomain(CatalogRepository(engine), NoFaces(), seats={}, default_seats=1)
    add_stream(engine, "s1")
    offered = {o.analytic.id for o in asyncio.run(catalog.offers())}
    assert offered == {"NFV4-LPR3", "NFV4-MPA", "NFV4-MVA"}
    with pytest.raises(FailedPrecondition, match="has not loaded sface"):
        asyncio.run(catalog.assign("0", "s1", "NFDSS-FR", {}))
