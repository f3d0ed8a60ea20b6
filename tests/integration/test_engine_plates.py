"""The engine's plate stage (services/engine/plates.py) with the real
inference service (yolox_nano_u8, ppocr_det, ppocr_rec) and a real events
store on SQLite and PostgreSQL: scikit-image's motorcycle with a plate
rendered on it (a TrueType font) stands in front of the camera, then leaves;
it gives one `plate_read` event with the plate as primary text, the vehicle
as thumbnail and the plate crop as an attribute. A plate pattern that is
not a regular expression is refused by name."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import pytest
from sqlalchemy.engine import Engine

from services.catalog import work
from services.db.engine import make_engine
from services.engine.plates import PlateAnalysis
from services.engine.sources import OpenStream
from services.events.store import EventQuery, EventStore
from services.inference_client import InferenceClient
from tests.engine_support import Ring, work_item
from tests.inference_support import InferenceServer, inference_server, model_repository
from tests.plates_support import plated_motorcycle

STREAM = "cam-plates"
DICTIONARY = model_repository() / "ppocr_rec" / "ppocr_keys.txt"


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    load = "yolox_nano_u8,ppocr_det,ppocr_rec"
    with inference_server(model_repository(), tmp_path_factory.mktemp("inference"), load=load) as server:
        yield server


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def i420(rgb: np.ndarray) -> np.ndarray:
    rgb = np.ascontiguousarray(rgb[: rgb.shape[0] & ~1, : rgb.shape[1] & ~1])
    return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p").to_ndarray()


def item(config: dict[str, Any]) -> work.WorkItem:
    return work_item("NFV4-LPR3", STREAM, config, work_id=11)


async def test_a_vehicle_gives_one_plate_read(inference: InferenceServer, database: Engine, tmp_path: Path) -> None:
    store = EventStore(database, tmp_path)
    scene = i420(plated_motorcycle("B1234XYZ"))
    empty = i420(np.full((500, 740, 3), 90, np.uint8))  # the motorcycle has gone
    ring = Ring(740, 500)
    config = {"plate_region": "ID", "reads_per_track": 10, "text_confidence_threshold": 0.6}
    async with InferenceClient(inference.target) as client:
        analysis = PlateAnalysis(client, store, DICTIONARY)
        assert analysis.refuse(item(config)) is None
        # Four frames with the motorcycle (three reads: its track starts on
        # the second), then empty frames until it counts as gone.
        frames = [scene] * 4 + [empty] * 13
        for index, pixels in enumerate(frames):
            await analysis.analyse(item(config), config, cast(OpenStream, ring), ring.put(pixels, index * 0.2))
        analysis.forget(11)
    events = store.newest(EventQuery(stream_id=STREAM), 10)
    assert len(events) == 1
    event = events[0]
    assert (event.event_type, event.primary_text, event.secondary_text) == ("plate_read", "B1234XYZ", "motorcycle")
    assert event.label == "motorcycle" and event.score > 0.8 and event.attributes["reads"] == 3
    assert event.has_thumbnail and (store.thumbnail(event.id) or b"").startswith(b"\xff\xd8")
    plate = base64.b64decode(event.attributes["plate_jpeg"])
    assert plate.startswith(b"\xff\xd8") and len(plate) < 16_000
    ring.ring.close()


def test_a_plate_pattern_that_is_not_a_regular_expression_is_refused(database: Engine, tmp_path: Path) -> None:
    analysis = PlateAnalysis(cast(InferenceClient, None), EventStore(database, tmp_path), DICTIONARY)
    assert analysis.refuse(item({"plate_pattern": "([A-Z"})) == (
        "plate_pattern is not a valid regular expression: unterminated character set at position 1"
    )
    missing = PlateAnalysis(cast(InferenceClient, None), EventStore(database, tmp_path), tmp_path / "none.txt")
    assert "dictionary cannot be read" in (missing.refuse(item({})) or "")
