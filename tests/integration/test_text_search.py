"""Smart search by text (services/search/text.py) over a real events store
on SQLite and PostgreSQL: exact, partial and approximate plate matches,
names and labels, ranked by similarity, within the stream and time filters;
and the scoring rules on their own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from services.db.engine import make_engine
from services.events.store import EventStore, NewEvent
from services.search import text
from services.search.text import Query, TextSearch, similarity
from services.search.vectors import VectorFilter

BASE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def plate(stream: str, primary: str, minutes: int = 0, label: str = "car") -> NewEvent:
    return NewEvent(
        stream_id=stream,
        analytic_id="NFV4-LPR3",
        event_type="plate_read",
        occurred_at=BASE + timedelta(minutes=minutes),
        label=label,
        primary_text=primary,
        secondary_text=label,
    )


def face(stream: str, name: str, note: str) -> NewEvent:
    return NewEvent(
        stream_id=stream,
        analytic_id="NFV4-FR",
        event_type="watchlist_match",
        occurred_at=BASE,
        label="face",
        primary_text=name,
        secondary_text=note,
    )


def test_similarity_rules() -> None:
    q = Query.of("b 1234-xyz")
    assert similarity(q, "B1234XYZ") == 1.0
    assert similarity(Query.of("1234"), "B1234XYZ") == pytest.approx(0.6 + 0.3 * 4 / 8)
    assert similarity(q, "B1284XYZ") == pytest.approx(0.85 * (1 - 1 / 8))  # one misread
    assert similarity(q, "B1284XY2") == pytest.approx(0.85 * (1 - 2 / 8))  # two, allowed from 8 characters
    assert similarity(q, "81284XY2") == 0.0  # three: no match
    assert similarity(Query.of("AD77K"), "AD77L") == pytest.approx(0.85 * (1 - 1 / 5))
    assert similarity(Query.of("AD77"), "AD78") == 0.0  # under 5 characters: no approximate match
    assert similarity(Query.of("jon smith"), "John Smith") > 0.7
    assert similarity(Query.of("SMITH"), "John Smith") == pytest.approx(0.6 + 0.3 * 5 / 9, abs=1e-6)  # in JOHNSMITH
    assert similarity(Query.of("vip"), "Someone", "VIP") == 0.5
    assert similarity(Query.of("truck"), "B1234XYZ", "truck", "truck") == 0.5
    assert similarity(Query.of("%"), "B1234XYZ") == 0.0
    assert text.edit_budget("ABCD") == 0 and text.edit_budget("ABCDE") == 1 and text.edit_budget("ABCDEFGH") == 2


def test_search_ranks_and_filters(database: Engine, tmp_path: Path) -> None:
    store = EventStore(database, tmp_path)
    exact, misread, partial, other_len, truck = store.append(
        [
            plate("cam-a", "B1234XYZ", 1),
            plate("cam-a", "B1284XYZ", 2),
            plate("cam-a", "AB1234", 3),
            plate("cam-a", "Z99Q", 4),
            plate("cam-a", "D5A", 5, label="truck"),
        ]
    )
    elsewhere, late = store.append([plate("cam-b", "B1234XYZ", 1), plate("cam-a", "B1234XYZ", 90)])
    (person,) = store.append([face("cam-a", "Siti Rahayu", "VIP list")])
    search = TextSearch(database)

    hits = search.search("b 1234 xyz", VectorFilter(stream_id="cam-a", until=BASE + timedelta(hours=1)), 10)
    assert [h.event_id for h in hits] == [exact, misread]
    assert hits[0].similarity == 1.0 and 0.7 < hits[1].similarity < 0.8

    partial_hits = search.search("1234", VectorFilter(), 10)
    assert [h.event_id for h in partial_hits][:1] == [partial]  # the shorter text holds more of the query
    assert {h.event_id for h in partial_hits} == {partial, exact, elsewhere, late}

    assert [h.event_id for h in search.search("B1234XYZ", VectorFilter(since=BASE + timedelta(minutes=30)), 10)] == [
        late
    ]
    assert [h.event_id for h in search.search("siti rahayu", VectorFilter(), 10)] == [person]
    assert [h.event_id for h in search.search("rahayu", VectorFilter(), 10)] == [person]
    assert [h.event_id for h in search.search("vip list", VectorFilter(), 10)] == [person]
    assert [h.event_id for h in search.search("truck", VectorFilter(), 10)] == [truck]
    assert search.search("100%", VectorFilter(), 10) == []  # LIKE's wildcards are plain characters
    assert len(search.search("B1234XYZ", VectorFilter(), 2)) == 2
    assert other_len not in {h.event_id for h in search.search("B1234XYZ", VectorFilter(), 10)}
