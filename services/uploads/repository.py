"""SQL for upload sessions, the uploaded videos (Lenz videos and FindFace
archives, one table) and the internal streams that play them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.models import Node, Stream, UploadSession, Video


@dataclass(frozen=True)
class ArchiveFilter:
    """FindFace list and count filters; None or empty means no filter."""

    created_gt: datetime | None = None
    created_gte: datetime | None = None
    created_lt: datetime | None = None
    created_lte: datetime | None = None
    case_in: tuple[int, ...] | None = None
    name: str | None = None
    save_to: str | None = None
    weekdays_only: bool = False
    # The tenant whose archives these are (None: every tenant's).
    owner: str | None = None


@dataclass(frozen=True)
class Keyset:
    """A position in an ordered list: the sort value and id of a row."""

    value: Any
    id: int


@dataclass
class Page:
    """One page of a keyset-paginated list."""

    rows: list[Video] = field(default_factory=list)
    has_before: bool = False
    has_after: bool = False


_LENZ_SORT: dict[str, Any] = {
    "original_filename": Video.original_filename,
    "file_size": Video.file_size,
    "duration": Video.duration,
    "started_at": Video.started_at,
    "created_at": Video.created_at,
}


def _archive_sort(name: str) -> Any:
    if name == "id":
        return col(Video.id)
    if name == "created_date":
        return col(Video.created_at)
    return func.coalesce(Video.name, "")


class UploadsRepository:
    """Reads and writes upload sessions, videos and their internal streams."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def node_exists(self, node_num: int) -> bool:
        with Session(self._engine) as session:
            return session.get(Node, node_num) is not None

    # -- upload sessions -------------------------------------------------------

    def add_session(self, upload: UploadSession) -> UploadSession:
        with Session(self._engine) as session:
            session.add(upload)
            session.commit()
            session.refresh(upload)
            return upload

    def get_session(self, session_id: str) -> UploadSession | None:
        with Session(self._engine) as session:
            return session.get(UploadSession, session_id)

    def save_session(self, upload: UploadSession) -> UploadSession:
        with Session(self._engine) as session:
            merged = session.merge(upload)
            session.commit()
            session.refresh(merged)
            return merged

    def sessions_with_status(self, statuses: Sequence[str]) -> list[UploadSession]:
        with Session(self._engine) as session:
            query = select(UploadSession).where(col(UploadSession.status).in_(list(statuses)))
            return list(session.exec(query))

    def session_ids(self, session_ids: Sequence[str]) -> dict[str, str]:
        """{session_id: status} of those of `session_ids` that exist."""
        with Session(self._engine) as session:
            query = select(UploadSession.session_id, UploadSession.status).where(
                col(UploadSession.session_id).in_(list(session_ids))
            )
            return {sid: status for sid, status in session.exec(query)}

    def complete_session(self, upload: UploadSession, video: Video, stream: Stream) -> Video:
        """In one transaction: the video, its internal stream, the session
        marked completed."""
        with Session(self._engine) as session:
            session.add(stream)
            session.add(video)
            session.merge(upload)
            session.commit()
            session.refresh(video)
            return video

    # -- videos ------------------------------------------------------------------

    def add_video(self, video: Video) -> Video:
        with Session(self._engine) as session:
            session.add(video)
            session.commit()
            session.refresh(video)
            return video

    def save_video(self, video: Video, stream: Stream | None = None) -> Video:
        """Save a video, and in the same transaction its (new) stream."""
        with Session(self._engine) as session:
            if stream is not None:
                session.merge(stream)
            merged = session.merge(video)
            session.commit()
            session.refresh(merged)
            return merged

    def video_by_id(self, video_id: int) -> Video | None:
        with Session(self._engine) as session:
            return session.get(Video, video_id)

    def video_by_video_id(self, video_id: str) -> Video | None:
        with Session(self._engine) as session:
            return session.exec(select(Video).where(Video.video_id == video_id)).first()

    def auto_stream_videos(self) -> list[Video]:
        """Every video marked `auto_stream` that has a file, in id order."""
        with Session(self._engine) as session:
            query = select(Video).where(col(Video.auto_stream).is_(True), Video.file_path != "").order_by(col(Video.id))
            return list(session.exec(query))

    def stream(self, stream_id: str) -> Stream | None:
        with Session(self._engine) as session:
            return session.get(Stream, stream_id)

    def delete_video(self, video_id: int) -> Video | None:
        """Delete a video row and its internal stream in one transaction."""
        with Session(self._engine) as session:
            video = session.get(Video, video_id)
            if video is None:
                return None
            if video.stream_id:
                stream = session.get(Stream, video.stream_id)
                if stream is not None:
                    session.delete(stream)
            session.delete(video)
            session.commit()
            return video

    def list_videos(
        self,
        node: int,
        search: str,
        sort_by: str,
        descending: bool,
        offset: int,
        limit: int | None,
        owner: str | None = None,
    ) -> tuple[list[Video], int]:
        """A Lenz page: the videos of one media server (of one tenant, unless
        `owner` is None), and how many match."""
        with Session(self._engine) as session:
            where: list[Any] = [col(Video.nvr_server_id) == node]
            if owner is not None:
                where.append(col(Video.owner) == owner)
            if search:
                needle = search.lower()
                where.append(
                    or_(
                        func.lower(Video.video_id).contains(needle, autoescape=True),
                        func.lower(Video.original_filename).contains(needle, autoescape=True),
                    )
                )
            total = int(session.exec(select(func.count()).select_from(Video).where(*where)).one())
            key, tie = col(_LENZ_SORT[sort_by]), col(Video.id)
            order: list[Any] = [key.desc(), tie.desc()] if descending else [key.asc(), tie.asc()]
            query = select(Video).where(*where).order_by(*order).offset(offset)
            if limit is not None:
                query = query.limit(limit)
            return list(session.exec(query)), total

    def _archive_where(self, filt: ArchiveFilter) -> list[Any]:
        where: list[Any] = []
        created = col(Video.created_at)
        for value, op in (
            (filt.created_gt, created.__gt__),
            (filt.created_gte, created.__ge__),
            (filt.created_lt, created.__lt__),
            (filt.created_lte, created.__le__),
        ):
            if value is not None:
                where.append(op(value))
        if filt.case_in is not None:
            where.append(col(Video.case_id).in_(list(filt.case_in)))
        if filt.name is not None:
            where.append(Video.name == filt.name)
        if filt.save_to is not None:
            where.append(false())  # no archive here has a save_to target
        if filt.owner is not None:
            where.append(col(Video.owner) == filt.owner)
        return where

    def _weekday_ok(self, video: Video, filt: ArchiveFilter) -> bool:
        return not filt.weekdays_only or video.created_at.weekday() < 5

    def list_archives(
        self, filt: ArchiveFilter, ordering: str, descending: bool, start: Keyset | None, backward: bool, limit: int
    ) -> Page:
        """A FindFace page in `ordering`, after `start` (before it when
        `backward`), and whether rows exist before and after the page."""
        with Session(self._engine) as session:
            where = self._archive_where(filt)
            key = _archive_sort(ordering)
            ascending = descending == backward  # walking backward flips the direction

            def beyond(pos: Keyset, up: bool) -> Any:
                if up:
                    return or_(key > pos.value, and_(key == pos.value, col(Video.id) > pos.id))
                return or_(key < pos.value, and_(key == pos.value, col(Video.id) < pos.id))

            def fetch(extra: list[Any], up: bool, count: int | None) -> list[Video]:
                order = [key.asc(), col(Video.id).asc()] if up else [key.desc(), col(Video.id).desc()]
                query = select(Video).where(*where, *extra).order_by(*order)
                if count is not None and not filt.weekdays_only:
                    query = query.limit(count)
                rows = [v for v in session.exec(query) if self._weekday_ok(v, filt)]
                return rows if count is None else rows[:count]

            rows = fetch([beyond(start, ascending)] if start else [], ascending, limit)
            if backward:
                rows.reverse()
            page = Page(rows=rows)
            if rows:
                first, last = rows[0], rows[-1]
                page.has_before = bool(fetch([beyond(self.keyset(first, ordering), descending)], not descending, 1))
                page.has_after = bool(fetch([beyond(self.keyset(last, ordering), not descending)], descending, 1))
            return page

    @staticmethod
    def keyset(video: Video, ordering: str) -> Keyset:
        """The position of a row in `ordering`."""
        assert video.id is not None
        if ordering == "id":
            return Keyset(video.id, video.id)
        if ordering == "created_date":
            return Keyset(video.created_at, video.id)
        return Keyset(video.name or "", video.id)

    def count_archives(self, filt: ArchiveFilter) -> int:
        with Session(self._engine) as session:
            where = self._archive_where(filt)
            if not filt.weekdays_only:
                return int(session.exec(select(func.count()).select_from(Video).where(*where)).one())
            return sum(1 for v in session.exec(select(Video).where(*where)) if self._weekday_ok(v, filt))
