"""Watch lists in SQL (tables `watchlists`, `watchlist_persons`,
`watchlist_photos`; migration 0012). Deleting a list deletes its people and
their photos, deleting a person their photos (foreign keys with ON DELETE
CASCADE on both databases, and explicit deletes besides).

All methods block (database I/O): call them from a worker thread.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.analysis.faces import Enrolled
from services.common.errors import AlreadyExists, NotFound
from services.db.models import Watchlist, WatchlistPerson, WatchlistPhoto, as_utc, utcnow


@dataclass(frozen=True)
class ListRow:
    id: int
    name: str
    description: str
    person_count: int
    created_at: datetime


@dataclass(frozen=True)
class PhotoRow:
    id: int
    person_id: int
    face: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class PersonRow:
    id: int
    watchlist_id: int
    name: str
    note: str
    created_at: datetime
    photos: list[PhotoRow] = field(default_factory=list)


def _vector_bytes(vector: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(vector)}f", *vector)


class WatchlistRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- lists -----------------------------------------------------------------

    def create_list(self, name: str, description: str) -> ListRow:
        with Session(self._engine) as session:
            row = Watchlist(name=name, description=description, created_at=utcnow())
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise AlreadyExists(f"a watch list named {name!r} exists") from None
            session.refresh(row)
            assert row.id is not None
            return ListRow(row.id, row.name, row.description, 0, as_utc(row.created_at))

    def lists(self, watchlist_id: int | None = None) -> list[ListRow]:
        with Session(self._engine) as session:
            counts = (
                select(WatchlistPerson.watchlist_id, func.count().label("n"))
                .group_by(col(WatchlistPerson.watchlist_id))
                .subquery()
            )
            stmt = (
                select(Watchlist, counts.c.n)
                .outerjoin(counts, counts.c.watchlist_id == Watchlist.id)
                .order_by(col(Watchlist.id))
            )
            if watchlist_id is not None:
                stmt = stmt.where(Watchlist.id == watchlist_id)
            return [
                ListRow(w.id or 0, w.name, w.description, int(n or 0), as_utc(w.created_at))
                for w, n in session.exec(stmt).all()
            ]

    def get_list(self, watchlist_id: int) -> ListRow:
        found = self.lists(watchlist_id)
        if not found:
            raise NotFound("watch list not found")
        return found[0]

    def delete_list(self, watchlist_id: int) -> None:
        with Session(self._engine) as session:
            if session.get(Watchlist, watchlist_id) is None:
                raise NotFound("watch list not found")
            people = select(WatchlistPerson.id).where(WatchlistPerson.watchlist_id == watchlist_id)
            session.execute(delete(WatchlistPhoto).where(col(WatchlistPhoto.person_id).in_(people)))
            session.execute(delete(WatchlistPerson).where(col(WatchlistPerson.watchlist_id) == watchlist_id))
            session.execute(delete(Watchlist).where(col(Watchlist.id) == watchlist_id))
            session.commit()

    # -- people ----------------------------------------------------------------

    def create_person(self, watchlist_id: int, name: str, note: str) -> PersonRow:
        with Session(self._engine) as session:
            if session.get(Watchlist, watchlist_id) is None:
                raise NotFound("watch list not found")
            row = WatchlistPerson(watchlist_id=watchlist_id, name=name, note=note, created_at=utcnow())
            session.add(row)
            session.commit()
            session.refresh(row)
            assert row.id is not None
            return PersonRow(row.id, row.watchlist_id, row.name, row.note, as_utc(row.created_at))

    def persons(self, *, watchlist_id: int | None = None, person_id: int | None = None) -> list[PersonRow]:
        with Session(self._engine) as session:
            stmt = select(WatchlistPerson).order_by(col(WatchlistPerson.id))
            if watchlist_id is not None:
                stmt = stmt.where(WatchlistPerson.watchlist_id == watchlist_id)
            if person_id is not None:
                stmt = stmt.where(WatchlistPerson.id == person_id)
            people = session.exec(stmt).all()
            ids = [p.id for p in people]
            photos: dict[int, list[PhotoRow]] = {}
            if ids:
                for ph in session.exec(
                    select(WatchlistPhoto)
                    .where(col(WatchlistPhoto.person_id).in_(ids))
                    .order_by(col(WatchlistPhoto.id))
                ).all():
                    photos.setdefault(ph.person_id, []).append(
                        PhotoRow(ph.id or 0, ph.person_id, dict(ph.face), as_utc(ph.created_at))
                    )
            return [
                PersonRow(p.id or 0, p.watchlist_id, p.name, p.note, as_utc(p.created_at), photos.get(p.id or 0, []))
                for p in people
            ]

    def get_person(self, person_id: int) -> PersonRow:
        found = self.persons(person_id=person_id)
        if not found:
            raise NotFound("person not found")
        return found[0]

    def delete_person(self, person_id: int) -> None:
        with Session(self._engine) as session:
            if session.get(WatchlistPerson, person_id) is None:
                raise NotFound("person not found")
            session.execute(delete(WatchlistPhoto).where(col(WatchlistPhoto.person_id) == person_id))
            session.execute(delete(WatchlistPerson).where(col(WatchlistPerson.id) == person_id))
            session.commit()

    # -- photos ----------------------------------------------------------------

    def add_photo(self, person_id: int, vector: Sequence[float], face: dict[str, Any]) -> PhotoRow:
        with Session(self._engine) as session:
            if session.get(WatchlistPerson, person_id) is None:
                raise NotFound("person not found")
            row = WatchlistPhoto(
                person_id=person_id, dim=len(vector), vector=_vector_bytes(vector), face=face, created_at=utcnow()
            )
            session.add(row)
            session.commit()
            session.refresh(row)
            assert row.id is not None
            return PhotoRow(row.id, row.person_id, dict(row.face), as_utc(row.created_at))

    def delete_photo(self, person_id: int, photo_id: int) -> None:
        with Session(self._engine) as session:
            row = session.get(WatchlistPhoto, photo_id)
            if row is None or row.person_id != person_id:
                raise NotFound("photo not found")
            session.delete(row)
            session.commit()

    def enrolled(self) -> list[Enrolled]:
        """Every photo's embedding with its person and list (the gallery
        face recognition matches against)."""
        with Session(self._engine) as session:
            stmt = (
                select(WatchlistPhoto, WatchlistPerson, Watchlist)
                .join(WatchlistPerson, col(WatchlistPerson.id) == WatchlistPhoto.person_id)
                .join(Watchlist, col(Watchlist.id) == WatchlistPerson.watchlist_id)
                .order_by(col(WatchlistPhoto.id))
            )
            return [
                Enrolled(
                    person.id or 0,
                    person.name,
                    person.note,
                    wl.id or 0,
                    wl.name,
                    np.frombuffer(photo.vector, dtype="<f4").copy(),
                )
                for photo, person, wl in session.exec(stmt).all()
            ]
