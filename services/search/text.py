"""Smart search by text (`POST /smart-search` with `type: text`): events
found by plate text, recognised names and labels, ranked by a similarity in
[0, 1].

A query is compared two ways with each candidate event's `primary_text`
(the plate, the recognised person's name): as a plate (`clean`: NFKC,
uppercase, only A-Z and 0-9, so `b 1234-xyz` is `B1234XYZ`) and as words
(case-folded, spaces collapsed). The best of:

- exact (either way): 1.0;
- the query inside the text (a partial plate, a surname):
  0.6 + 0.3 x (query length / text length), so (0.6, 0.9];
- approximate, on the plate forms, for queries of `APPROXIMATE_MIN` (5) or
  more characters: an edit distance (Levenshtein, by rapidfuzz) of at most 1,
  or 2 from `TWO_EDITS_MIN` (8) characters: 0.85 x (1 - distance / longer
  length), so a one-character misread of an 8-character plate is 0.74;
- the event's label or `secondary_text` (the vehicle type, a watch-list
  note) equal to the query: 0.5; containing it: 0.3 + 0.15 x share.

The database does the first cut (`_candidates`): events in the stream and
time filters whose `primary_text` contains the query (either form,
case-insensitive for ASCII), whose length is within the edit budget of the
query's (for approximate matches), or whose label or `secondary_text`
contains it; newest first, at most `MAX_CANDIDATES` rows. Python scores them.

One result per sighting: the events that share a `sighting` attribute (a
vehicle's `plate_read` and its `plate_match` rule events; a face track's
`face_seen`, `person_recognised` and `watchlist_match`/`unknown_face`; the
engine writes one key into all the events of a track) count once, as the
group's best event (`_preferred`): the most similar to the query, then a
rule's event (it says the most: the read's text, thumbnail and confidence
plus the rule), then the reading over `face_seen`, then the newest. Events
without the attribute (stored before it existed) are each their own
sighting. `limit` counts sightings.

Blocking (database I/O): `search` runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from sqlalchemy import and_, func, or_
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from services.db.models import Event
from services.events.vocabulary import SIGHTING
from services.search.smart import SearchQuery
from services.search.vectors import Hit, VectorFilter

#: Shortest query (plate form) matched approximately, and the length from
#: which two edits are allowed.
APPROXIMATE_MIN = 5
TWO_EDITS_MIN = 8
#: Most events the database hands over for scoring per query.
MAX_CANDIDATES = 20_000

EXACT = 1.0
_NOT_PLATE = re.compile(r"[^A-Z0-9]")
_SPACES = re.compile(r"\s+")


def plate_form(text: str) -> str:
    """NFKC, uppercase, only A-Z and 0-9."""
    return _NOT_PLATE.sub("", unicodedata.normalize("NFKC", text).upper())


def word_form(text: str) -> str:
    """NFKC, case-folded, spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def edit_budget(query: str) -> int:
    """Edits allowed for an approximate match of a plate-form query."""
    if len(query) >= TWO_EDITS_MIN:
        return 2
    return 1 if len(query) >= APPROXIMATE_MIN else 0


@dataclass(frozen=True)
class Query:
    """A text query in both forms."""

    plate: str
    words: str

    @classmethod
    def of(cls, text: str) -> Query:
        return cls(plate_form(text), word_form(text))


def _contained(query: str, text: str) -> float:
    return 0.6 + 0.3 * len(query) / len(text) if query and query in text else 0.0


def similarity(query: Query, primary: str, secondary: str = "", label: str = "") -> float:
    """How well an event's texts match the query, in [0, 1] (0: not at all)."""
    best = 0.0
    plate, words = plate_form(primary), word_form(primary)
    if primary:
        if (query.plate and query.plate == plate) or (query.words and query.words == words):
            return EXACT
        best = max(_contained(query.plate, plate), _contained(query.words, words))
        budget = edit_budget(query.plate)
        if budget and plate:
            distance = Levenshtein.distance(query.plate, plate, score_cutoff=budget)
            if distance <= budget:
                best = max(best, 0.85 * (1 - distance / max(len(query.plate), len(plate))))
    for other in (word_form(secondary), word_form(label)):
        if not other or not query.words:
            continue
        if other == query.words:
            best = max(best, 0.5)
        elif query.words in other:
            best = max(best, 0.3 + 0.15 * len(query.words) / len(other))
    return round(best, 6)


@dataclass(frozen=True)
class Candidate:
    """An event the database handed over for scoring."""

    id: int
    primary: str
    secondary: str
    label: str
    sub_analytic: str
    event_type: str
    #: Its `sighting` attribute ("" when it has none).
    sighting: str


def _preferred(event: Candidate) -> int:
    """Which event of a sighting stands for it among equally similar ones:
    a rule's event (`sub_analytic` `rules[i]`), then the reading
    (`plate_read`, `person_recognised`, `stranger`), then `face_seen`."""
    if event.sub_analytic.startswith("rules"):
        return 2
    return 0 if event.event_type == "face_seen" else 1


class TextSearch:
    """The `text` branch of SmartSearch over the events table."""

    def __init__(self, engine: Engine, *, max_candidates: int = MAX_CANDIDATES) -> None:
        self._engine = engine
        self._max = max_candidates

    async def __call__(self, text: str, query: SearchQuery) -> list[Hit]:
        return await asyncio.to_thread(self.search, text, query.where, query.limit)

    def search(self, text: str, where: VectorFilter, limit: int) -> list[Hit]:
        """The best `limit` sightings for `text` (one event each), most
        similar first (then newest)."""
        wanted = Query.of(text)
        best: dict[str | int, tuple[float, int, int]] = {}
        for c in self._candidates(wanted, where):
            score = similarity(wanted, c.primary, c.secondary, c.label)
            if score <= 0:
                continue
            group: str | int = c.sighting or c.id
            ranked = (score, _preferred(c), c.id)
            if group not in best or ranked > best[group]:
                best[group] = ranked
        hits = [Hit(event_id, score) for score, _, event_id in best.values()]
        hits.sort(key=lambda hit: (-hit.similarity, -hit.event_id))
        return hits[:limit]

    def _candidates(self, query: Query, where: VectorFilter) -> list[Candidate]:
        primary = func.upper(col(Event.primary_text))
        matches = []
        if query.plate:
            matches.append(primary.contains(query.plate, autoescape=True))
        if query.words:
            upper = query.words.upper()
            matches += [
                primary.contains(upper, autoescape=True),
                func.upper(col(Event.secondary_text)).contains(upper, autoescape=True),
                func.upper(col(Event.label)).contains(upper, autoescape=True),
            ]
        budget = edit_budget(query.plate)
        if budget:
            length = func.length(col(Event.primary_text))
            low, high = len(query.plate) - budget, len(query.words) + budget
            matches.append(and_(col(Event.primary_text) != "", length >= low, length <= high))
        if not matches:
            return []
        sighting = col(Event.attributes)[SIGHTING].as_string()
        stmt = sql_select(
            col(Event.id),
            col(Event.primary_text),
            col(Event.secondary_text),
            col(Event.label),
            col(Event.sub_analytic),
            col(Event.event_type),
            sighting,
        ).where(or_(*matches))
        if where.stream_id is not None:
            stmt = stmt.where(col(Event.stream_id) == where.stream_id)
        if where.since is not None:
            stmt = stmt.where(col(Event.occurred_at) >= where.since)
        if where.until is not None:
            stmt = stmt.where(col(Event.occurred_at) < where.until)
        stmt = stmt.order_by(col(Event.id).desc()).limit(self._max)
        with Session(self._engine) as session:
            return [
                Candidate(i or 0, p or "", s or "", lb or "", sub or "", kind or "", key or "")
                for i, p, s, lb, sub, kind, key in session.execute(stmt)
            ]
