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

Blocking (database I/O): `search` runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from sqlalchemy import and_, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.models import Event
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


class TextSearch:
    """The `text` branch of SmartSearch over the events table."""

    def __init__(self, engine: Engine, *, max_candidates: int = MAX_CANDIDATES) -> None:
        self._engine = engine
        self._max = max_candidates

    async def __call__(self, text: str, query: SearchQuery) -> list[Hit]:
        return await asyncio.to_thread(self.search, text, query.where, query.limit)

    def search(self, text: str, where: VectorFilter, limit: int) -> list[Hit]:
        """The best `limit` events for `text`, most similar first (then newest)."""
        wanted = Query.of(text)
        hits = [
            Hit(event_id, score)
            for event_id, primary, secondary, label in self._candidates(wanted, where)
            if (score := similarity(wanted, primary, secondary, label)) > 0
        ]
        hits.sort(key=lambda hit: (-hit.similarity, -hit.event_id))
        return hits[:limit]

    def _candidates(self, query: Query, where: VectorFilter) -> list[tuple[int, str, str, str]]:
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
        stmt = select(Event.id, Event.primary_text, Event.secondary_text, Event.label).where(or_(*matches))
        if where.stream_id is not None:
            stmt = stmt.where(Event.stream_id == where.stream_id)
        if where.since is not None:
            stmt = stmt.where(col(Event.occurred_at) >= where.since)
        if where.until is not None:
            stmt = stmt.where(col(Event.occurred_at) < where.until)
        stmt = stmt.order_by(col(Event.id).desc()).limit(self._max)
        with Session(self._engine) as session:
            return [(i or 0, p or "", s or "", lb or "") for i, p, s, lb in session.exec(stmt)]
