"""Face recognition with the real inference service (yunet, sface) and a
real database, on SQLite and PostgreSQL: watch lists enrol a photo with
exactly one face and refuse the others; the engine's `NFV4-FR` stage, fed an
H.264 clip of the enrolled astronaut through a real frame ring, raises one
`face_seen` (thumbnail, embedding) and one `person_recognised` with her name,
or `stranger` when only the cameraman is enrolled; smart search by image
finds that event from her photo and refuses a picture with no face."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from sqlalchemy.engine import Engine

from services.catalog import work
from services.common.errors import InvalidArgument, NotFound
from services.db.engine import make_engine
from services.engine.faces import FaceAnalysis, FaceModels, FaceSearch, GalleryCache
from services.engine.sources import OpenStream
from services.events.store import EventQuery, EventStore
from services.inference_client import InferenceClient
from services.search.smart import SearchQuery
from services.search.vectors import ExactIndex, VectorFilter
from services.watchlists.domain import WatchlistsDomain
from services.watchlists.repository import WatchlistRepository
from tests.engine_support import Ring, work_item
from tests.faces_support import H, W, astronaut, clip_frames, decoded, jpeg_of, make_clip, two_people
from tests.inference_support import InferenceServer, inference_server, model_repository, picture

STREAM = "cam-faces"
CONFIG = {"object_confidence_threshold": 0.5, "similarity_threshold": 0.5, "min_face_size": 32}


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    with inference_server(model_repository(), tmp_path_factory.mktemp("inference"), load="yunet,sface") as server:
        yield server


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[np.ndarray, float]]:
    """The astronaut sliding across the frame for 3 s, sampled at 5 fps."""
    clip = make_clip(tmp_path_factory.mktemp("clips") / "astronaut.mp4", clip_frames())
    return decoded(clip)


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def item() -> work.WorkItem:
    return work_item("NFV4-FR", STREAM, CONFIG, work_id=11)


def b64(rgb: np.ndarray) -> str:
    return base64.b64encode(jpeg_of(rgb)).decode()


async def enrol(domain: WatchlistsDomain, name: str, photo: np.ndarray, note: str = "") -> int:
    listed = await domain.lists()
    watchlist = listed[0] if listed else await domain.create_list("staff", "people of the site")
    person = await domain.create_person(watchlist.id, name, note)
    await domain.add_photo(person.id, b64(photo))
    return person.id


async def play(store: EventStore, repo: WatchlistRepository, models: FaceModels, frames: Any) -> None:
    analysis = FaceAnalysis(models, store, GalleryCache(repo.enrolled, seconds=0))
    ring = Ring(W, H)
    try:
        for pixels, time in frames:
            await analysis.analyse(item(), CONFIG, cast(OpenStream, ring), ring.put(pixels, time))
        # The file loops: the undecided track is decided with the next frame.
        await analysis.analyse(item(), CONFIG, cast(OpenStream, ring), ring.put(frames[0][0], 0.0))
    finally:
        analysis.forget(11)
        ring.ring.close()


async def test_enrolment_takes_one_face_and_refuses_the_rest(inference: InferenceServer, database: Engine) -> None:
    repo = WatchlistRepository(database)
    async with InferenceClient(inference.target) as client:
        domain = WatchlistsDomain(repo, FaceModels(client))
        staff = await domain.create_list("staff", "")
        person = await domain.create_person(staff.id, "Eileen Collins", "astronaut")
        photo = await domain.add_photo(person.id, b64(astronaut()))
        assert photo.face["warning"] == "" and photo.face["score"] > 0.8
        x1, y1, x2, y2 = photo.face["box"]
        assert 150 < x1 < x2 < 300 and 40 < y1 < y2 < 200
        for image, message in [
            (b64(picture("chelsea.png")), "no face found"),  # a cat
            (b64(two_people()), "more than one face (2 found): enrol a photo of one person"),
            ("bm90IGEganBlZw==", "image is not a base64 JPEG"),
            (base64.b64encode(b"\xff\xd8\xff\xe0broken").decode(), None),
            ("", "image is required (a base64 JPEG)"),
        ]:
            with pytest.raises(InvalidArgument) as caught:
                await domain.add_photo(person.id, image)
            if message:
                assert caught.value.message == message
        with pytest.raises(NotFound, match="person not found"):
            await domain.add_photo(person.id + 100, b64(astronaut()))
        mirrored = await domain.add_photo(person.id, b64(np.ascontiguousarray(astronaut()[:, ::-1])))
        got = await domain.get_person(person.id)
        assert [p.id for p in got.photos] == [photo.id, mirrored.id]
        await domain.delete_photo(person.id, mirrored.id)
        with pytest.raises(NotFound, match="photo not found"):
            await domain.delete_photo(person.id, mirrored.id)
        got = await domain.get_person(person.id)
        assert [p.id for p in got.photos] == [photo.id]
        other = await domain.create_person(staff.id, "Nobody", "")
        await domain.delete_person(other.id)
        assert [p.name for p in await domain.persons(staff.id)] == ["Eileen Collins"]
        assert (await domain.get_list(staff.id)).person_count == 1
        assert len(repo.enrolled()) == 1
        await domain.delete_list(staff.id)
        assert repo.enrolled() == []
        with pytest.raises(NotFound, match="person not found"):
            await domain.get_person(person.id)


async def test_the_enrolled_astronaut_is_recognised_and_found_by_her_photo(
    inference: InferenceServer, database: Engine, frames: list[tuple[np.ndarray, float]], tmp_path: Path
) -> None:
    store = EventStore(database, tmp_path)
    repo = WatchlistRepository(database)
    async with InferenceClient(inference.target) as client:
        models = FaceModels(client)
        domain = WatchlistsDomain(repo, models)
        await enrol(domain, "Eileen Collins", astronaut(), note="STS-93 commander")
        await play(store, repo, models, frames)
        events = sorted(store.newest(EventQuery(stream_id=STREAM), 100), key=lambda e: e.id)
        assert [e.event_type for e in events] == ["face_seen", "person_recognised"]
        seen, recognised = events
        assert seen.track_id == recognised.track_id and seen.has_thumbnail
        assert recognised.primary_text == "Eileen Collins" and recognised.secondary_text == "STS-93 commander"
        assert recognised.attributes["similarity"] > 0.8 and recognised.attributes["watchlist"] == "staff"
        assert seen.primary_text == "Eileen Collins"
        shot = store.thumbnail(seen.id)
        assert shot is not None and shot.startswith(b"\xff\xd8")

        search = FaceSearch(models, ExactIndex(database))
        query = SearchQuery(limit=5, where=VectorFilter(stream_id=STREAM))
        hits = await search(jpeg_of(astronaut()), query)
        assert [h.event_id for h in hits] == [seen.id] and hits[0].similarity > 0.8
        assert await search(jpeg_of(astronaut()), SearchQuery(limit=5, where=VectorFilter(stream_id="other"))) == []
        with pytest.raises(InvalidArgument, match="no face found in query image"):
            await search(jpeg_of(picture("chelsea.png")), query)


async def test_a_face_not_enrolled_is_a_stranger(
    inference: InferenceServer, database: Engine, frames: list[tuple[np.ndarray, float]], tmp_path: Path
) -> None:
    store = EventStore(database, tmp_path)
    repo = WatchlistRepository(database)
    async with InferenceClient(inference.target) as client:
        models = FaceModels(client)
        await enrol(WatchlistsDomain(repo, models), "Cameraman", picture("camera.png"))
        await play(store, repo, models, frames)
    events = sorted(store.newest(EventQuery(stream_id=STREAM), 100), key=lambda e: e.id)
    assert [e.event_type for e in events] == ["face_seen", "stranger"]
    assert events[1].primary_text == "" and events[1].attributes["nearest_similarity"] < 0.363
