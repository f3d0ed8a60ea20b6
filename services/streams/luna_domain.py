"""The LUNA Streams rules (document 002) over the shared `streams` table:
create, filter, replace and delete streams; the processing queue the
workers take streams from; worker feedback, stream logs and autorestart;
previews.

A stream made through Visionaire4 is a LUNA stream too: it shows LUNA's
defaults (`luna_schema`), and it stays out of the processing queue until a
LUNA client replaces it with LUNA settings (its `api_version` is NULL until
then).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.common.errors import BadQueryParameter, InvalidArgument, NotFound
from services.common.quoting import quoted
from services.db.models import Stream, StreamLog, as_utc, utcnow
from services.streams import luna_schema as schema
from services.streams.luna_repository import (
    LogFilters,
    LunaGroupRepository,
    LunaStreamRepository,
    QueueFilters,
    StreamChange,
    StreamFilters,
)
from services.streams.previews import PreviewStore, decode_data_url, is_data_url
from services.streams.visionaire_domain import node_full_message
from services.streams.visionaire_repository import NodeFull

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamBody:
    """A create or replace body of either API version, as plain values.

    `data` is the body's `data` as given (with `reference`); the optional
    objects are None when the body leaves them out. `event_handler` and
    `policies` exist in API v1 only.
    """

    api_version: int
    account_id: str
    name: str = ""
    description: str = ""
    data: Mapping[str, Any] | None = None
    event_handler: Mapping[str, Any] | None = None
    policies: Mapping[str, Any] | None = None
    location: Mapping[str, Any] | None = None
    autorestart: Mapping[str, Any] | None = None
    status: str = ""
    group_name: str = ""


@dataclass(frozen=True)
class StreamQuery:
    """The filter query parameters of a stream list, count or log list, as
    the client sent them (comma-separated lists, RFC 3339 times)."""

    account_id: str = ""
    stream_ids: str = ""
    stream_id_gte: str = ""
    stream_id_lt: str = ""
    names: str = ""
    reference: str = ""
    statuses: str = ""
    create_time_gte: str = ""
    create_time_lt: str = ""
    group_name: str = ""


@dataclass(frozen=True)
class LunaStreamRecord:
    """A stream with the names of its groups."""

    stream: Stream
    groups: list[str]


@dataclass(frozen=True)
class FeedbackReport:
    """One worker report (`streams[]` of a feedback body)."""

    stream_id: str
    status: str
    version: int
    error: Any = None
    video_info: Mapping[str, Any] | None = None
    preview: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class FeedbackOutcome:
    """What became of one report: applied (`modified`) or not, and the
    stream's status and version afterwards."""

    stream_id: str
    status: str
    version: int
    modified: bool


def not_found(stream_id: str) -> NotFound:
    return NotFound(f"Stream with id '{stream_id}' not found")


def _check_path_id(stream_id: str) -> None:
    if not schema.is_uuid(stream_id):
        raise InvalidArgument(f"stream_id {quoted(stream_id)} is not a valid uuid")


def _in_account(stream: Stream, account_id: str | None) -> bool:
    return account_id is None or stream.account_id == account_id


def _query_account(account_id: str) -> str | None:
    return schema.query_uuid("account_id", account_id)


def autorestart_state(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored autorestart settings and state, with defaults."""
    state = schema.merged(
        {**schema.AUTORESTART, "current_attempt": 0, "last_attempt_time": None, "status": None, "failure_time": None},
        stored,
    )
    if state["status"] is None:
        state["status"] = "enabled" if state["restart"] else "disabled"
    return state


def _fresh_autorestart(settings: Mapping[str, Any]) -> dict[str, Any]:
    return autorestart_state({key: settings[key] for key in ("restart", "attempt_count", "delay")})


def _reset_autorestart(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    state = autorestart_state(stored)
    state |= {"current_attempt": 0, "failure_time": None, "status": "enabled" if state["restart"] else "disabled"}
    return state


def _list_of_uuids(values: Sequence[str], path: str) -> list[str]:
    if len(values) > schema.MAX_FILTER_ITEMS:
        raise schema.bad_json(path, f"is too long (more than {schema.MAX_FILTER_ITEMS} items)")
    for i, value in enumerate(values):
        if not schema.is_uuid(value):
            raise schema.bad_json(f"{path}.{i}", f"{quoted(value)} is not a valid uuid")
    return list(dict.fromkeys(values))


def _list_of_names(values: Sequence[str], path: str, *, group: bool = False) -> list[str]:
    if len(values) > schema.MAX_FILTER_ITEMS:
        raise schema.bad_json(path, f"is too long (more than {schema.MAX_FILTER_ITEMS} items)")
    for i, value in enumerate(values):
        bad = not schema.GROUP_NAME_PATTERN.match(value) if group else len(value) > schema.MAX_NAME_LENGTH
        if bad:
            raise schema.bad_json(f"{path}.{i}", f"{quoted(value)} is not a valid {'group name' if group else 'name'}")
    return list(dict.fromkeys(values))


class LunaStreamsDomain:
    """LUNA streams, the processing queue, feedback, logs and previews."""

    def __init__(
        self,
        repo: LunaStreamRepository,
        groups: LunaGroupRepository,
        previews: PreviewStore,
        *,
        live_keepalive_seconds: float = 10.0,
    ) -> None:
        self._repo = repo
        self._groups = groups
        self._previews = previews
        self._keepalive = live_keepalive_seconds

    # --- reading -----------------------------------------------------------------

    async def _records(self, streams: Sequence[Stream]) -> list[LunaStreamRecord]:
        groups = await asyncio.to_thread(self._repo.groups_of, [s.stream_id for s in streams])
        return [LunaStreamRecord(s, groups[s.stream_id]) for s in streams]

    async def _visible(self, stream_id: str, account_id: str) -> Stream:
        _check_path_id(stream_id)
        account = _query_account(account_id)
        stream = await asyncio.to_thread(self._repo.get, stream_id)
        if stream is None or not _in_account(stream, account):
            raise not_found(stream_id)
        return stream

    async def get(self, stream_id: str, account_id: str = "") -> LunaStreamRecord:
        """One stream; 39001 when it does not exist in the account."""
        return (await self._records([await self._visible(stream_id, account_id)]))[0]

    def filters(self, query: StreamQuery) -> StreamFilters:
        """Parse and check the filter query parameters (12012 when bad)."""
        if len(query.reference) > schema.MAX_REFERENCE_LENGTH:
            raise BadQueryParameter("Bad query parameters 'reference'")
        if query.group_name and not schema.GROUP_NAME_PATTERN.match(query.group_name):
            raise BadQueryParameter("Bad query parameters 'group_name'")
        return StreamFilters(
            account_id=_query_account(query.account_id),
            stream_ids=schema.query_list("stream_ids", query.stream_ids, schema.is_uuid),
            stream_id_gte=schema.query_uuid("stream_id__gte", query.stream_id_gte),
            stream_id_lt=schema.query_uuid("stream_id__lt", query.stream_id_lt),
            names=schema.query_list("names", query.names, lambda n: len(n) <= schema.MAX_NAME_LENGTH),
            reference=query.reference or None,
            statuses=schema.query_list("statuses", query.statuses, lambda s: s in schema.STREAM_STATUSES),
            create_time_gte=schema.query_time("create_time__gte", query.create_time_gte),
            create_time_lt=schema.query_time("create_time__lt", query.create_time_lt),
            group_name=query.group_name or None,
        )

    async def list_streams(
        self, query: StreamQuery, *, order: str = "", page: int | None = None, page_size: int | None = None
    ) -> list[LunaStreamRecord]:
        """One page of streams: in creation order, or by stream ID when a
        stream ID range is given; `order` "desc" reverses it."""
        if order not in ("", "asc", "desc"):
            raise BadQueryParameter("Bad query parameters 'order'")
        filters = self.filters(query)
        offset, limit = schema.page_window(page, page_size)
        by_id = filters.stream_id_gte is not None or filters.stream_id_lt is not None
        streams = await asyncio.to_thread(
            self._repo.page, filters, by_id=by_id, descending=order == "desc", offset=offset, limit=limit
        )
        return await self._records(streams)

    async def count(self, query: StreamQuery) -> int:
        return await asyncio.to_thread(self._repo.count, self.filters(query))

    # --- creating and replacing --------------------------------------------------------

    async def _group_id(self, account_id: str, group_name: str) -> str | None:
        if not group_name:
            return None
        group = await asyncio.to_thread(self._groups.by_name, account_id, group_name)
        if group is None:
            raise NotFound(f"Group with name '{group_name}' not found")
        return group.group_id

    @staticmethod
    def _settings(body: StreamBody, *, creating: bool) -> dict[str, Any]:
        """The columns a valid body sets (the body's `data`, `event_handler`,
        `policies`, `location` and `autorestart`, defaults filled in). A
        create needs `data.reference`; a replace without it keeps the
        stream's address."""
        schema.check_stream_fields(body.account_id, body.name, body.description, body.status, body.group_name)
        if body.data is None:
            raise schema.bad_json("", "'data' is a required property")
        given = dict(body.data)
        reference = str(given.pop("reference", "") or "")
        if creating and not reference:
            raise schema.bad_json("data", "'reference' is a required property")
        values: dict[str, Any] = {"api_version": body.api_version}
        if reference:  # a replace that leaves it out keeps the stream's address
            values["reference"] = reference
        if body.api_version == 1:
            if body.event_handler is None:
                raise schema.bad_json("", "'event_handler' is a required property")
            data = schema.merged(schema.DATA_V1, given)
            schema.check_data_v1(data, reference)
            handler = schema.merged(schema.EVENT_HANDLER_V1, body.event_handler)
            schema.check_event_handler_v1(handler)
            policies = schema.merged(schema.POLICIES_V1, body.policies)
            schema.check_policies_v1(policies)
            values |= {"luna_data": data, "event_handler": handler, "policies": policies}
        else:
            analytics = [schema.merged(schema.ANALYTICS_V2, entry) for entry in given.pop("analytics", None) or []]
            data = schema.merged(schema.DATA_V2, given) | {"analytics": analytics}
            schema.check_data_v2(data, reference)
            values |= {"luna_data": data, "event_handler": None, "policies": None}
        location = dict(body.location or {})
        schema.check_location(location)
        geo = location.pop("geo_position", None) or {}
        values |= {
            "location": {key: location.get(key, "") for key in schema.LOCATION_KEYS},
            "latitude": geo.get("latitude"),
            "longitude": geo.get("longitude"),
        }
        autorestart = schema.merged(schema.AUTORESTART, body.autorestart)
        schema.check_autorestart(autorestart)
        values |= {
            "account_id": body.account_id,
            "name": body.name,
            "description": body.description,
            "status": body.status or "pending",
            "autorestart": _fresh_autorestart(autorestart),
        }
        return values

    async def create(self, body: StreamBody) -> Stream:
        """A new stream (version 1) on node 0, attached to `group_name`;
        12022 when node 0 already has `max_streams_per_node` streams."""
        values = self._settings(body, creating=True)
        group_id = await self._group_id(body.account_id, body.group_name)
        now = utcnow()
        stream = Stream(stream_id=str(uuid.uuid4()), node_num=0, create_time=now, last_update_time=now, **values)
        try:
            return await asyncio.to_thread(self._repo.add, stream, group_id)
        except NodeFull as full:
            raise InvalidArgument(node_full_message(0, full.limit)) from None

    async def replace(self, stream_id: str, body: StreamBody) -> Stream:
        """Replace every setting of a stream; its version grows by one, its
        autorestart state and last error start afresh, and it is attached to
        `group_name` (its other groups stay)."""
        _check_path_id(stream_id)
        values = self._settings(body, creating=False)
        group_id = await self._group_id(body.account_id, body.group_name)

        def decide(stream: Stream) -> StreamChange:
            if stream.account_id is not None and stream.account_id != body.account_id:
                raise not_found(stream_id)
            change = values | {"version": stream.version + 1, "last_error": None, "last_update_time": utcnow()}
            return StreamChange(change, attach_group=group_id)

        stream, _ = await asyncio.to_thread(self._repo.change, stream_id, decide)
        if stream is None:
            raise not_found(stream_id)
        return stream

    async def update(self, stream_id: str, account_id: str, description: str | None, status: str | None) -> None:
        """PATCH: a new description and/or status ("pending", "pause",
        "cancel"). A new status starts the autorestart count afresh."""
        _check_path_id(stream_id)
        account = _query_account(account_id)
        if description is None and status is None:
            raise schema.bad_json("", "at least one field must have a value")
        if description is not None and len(description) > schema.MAX_PATCH_DESCRIPTION_LENGTH:
            raise schema.bad_json("description", f"{quoted(description)} is too long")
        if status is not None and status not in schema.USER_STATUSES:
            raise schema.bad_json("status", f"{quoted(status)} is not one of {list(schema.USER_STATUSES)!r}")

        def decide(stream: Stream) -> StreamChange:
            if not _in_account(stream, account):
                raise not_found(stream_id)
            change: dict[str, Any] = {"last_update_time": utcnow()}
            if description is not None:
                change["description"] = description
            if status is not None:
                change |= {"status": status, "autorestart": _reset_autorestart(stream.autorestart)}
            return StreamChange(change)

        stream, _ = await asyncio.to_thread(self._repo.change, stream_id, decide)
        if stream is None:
            raise not_found(stream_id)

    # --- deleting ------------------------------------------------------------------------

    async def delete(self, stream_id: str, account_id: str = "") -> None:
        _check_path_id(stream_id)
        account = _query_account(account_id)
        deleted = await asyncio.to_thread(self._repo.delete_matching, account, [stream_id], [])
        if not deleted:
            raise not_found(stream_id)
        await self._previews.delete(deleted)

    async def delete_matching(self, account_id: str, stream_ids: Sequence[str], names: Sequence[str]) -> int:
        """Delete the streams with any of the IDs or names (at most 1000
        each); how many were deleted."""
        account = _query_account(account_id)
        ids = _list_of_uuids(stream_ids, "stream_ids")
        wanted = _list_of_names(names, "names")
        deleted = await asyncio.to_thread(self._repo.delete_matching, account, ids, wanted)
        await self._previews.delete(deleted)
        return len(deleted)

    # --- the processing queue ------------------------------------------------------------------

    async def queued(
        self, limit: int, stream_ids: str = "", names: str = "", group_ids: str = "", group_names: str = ""
    ) -> list[LunaStreamRecord]:
        """The queued streams a worker would take, oldest first, not taken."""
        if limit < 1:
            raise BadQueryParameter("Bad query parameters 'limit'")
        filters = QueueFilters(
            stream_ids=schema.query_list("stream_ids", stream_ids, schema.is_uuid),
            names=schema.query_list("names", names, lambda n: len(n) <= schema.MAX_NAME_LENGTH),
            group_ids=schema.query_list("group_ids", group_ids, schema.is_uuid),
            group_names=schema.query_list(
                "group_names", group_names, lambda n: bool(schema.GROUP_NAME_PATTERN.match(n))
            ),
        )
        return await self._records(await asyncio.to_thread(self._repo.queued, filters, limit))

    async def take(
        self,
        limit: int,
        *,
        stream_ids: Sequence[str] = (),
        names: Sequence[str] = (),
        group_ids: Sequence[str] = (),
        group_names: Sequence[str] = (),
    ) -> list[LunaStreamRecord]:
        """A worker takes up to `limit` queued streams: they become
        "in_progress" atomically, so no two workers get the same stream."""
        if limit < 1:
            raise schema.bad_json("limit", f"{limit} is less than the minimum of 1")
        filters = QueueFilters(
            stream_ids=_list_of_uuids(stream_ids, "filters.stream_ids"),
            names=_list_of_names(names, "filters.names"),
            group_ids=_list_of_uuids(group_ids, "filters.group_ids"),
            group_names=_list_of_names(group_names, "filters.group_names", group=True),
        )
        return await self._records(await asyncio.to_thread(self._repo.take, filters, limit, utcnow()))

    # --- feedback ------------------------------------------------------------------------------

    def _check_report(self, report: FeedbackReport, path: str) -> None:
        if not schema.is_uuid(report.stream_id):
            raise schema.bad_json(f"{path}.stream_id", f"{quoted(report.stream_id)} is not a valid uuid")
        if report.status not in schema.WORKER_STATUSES:
            raise schema.bad_json(
                f"{path}.status", f"{quoted(report.status)} is not one of {list(schema.WORKER_STATUSES)!r}"
            )
        if report.version < 1:
            raise schema.bad_json(f"{path}.version", f"{report.version} is less than the minimum of 1")
        if report.error is not None and not isinstance(report.error, str):
            raise schema.bad_json(f"{path}.error", f"{quoted(report.error)} is not of type 'string', 'null'")
        for key, link in (report.preview or {}).items():
            url = str((link or {}).get("url", ""))
            if is_data_url(url):
                if key != "last_frame":
                    raise schema.bad_json(f"{path}.preview.{key}.url", "only last_frame can be a data URL")
                try:
                    decode_data_url(url, self._previews.max_bytes)
                except ValueError as exc:
                    raise schema.bad_json(f"{path}.preview.{key}.url", str(exc)) from None
            elif len(url) > schema.MAX_URL_LENGTH:
                raise schema.bad_json(f"{path}.preview.{key}.url", "is too long")

    @staticmethod
    def _shown_preview(stream_id: str, preview: Mapping[str, Any]) -> dict[str, Any]:
        """The links as the stream shows them: a data URL becomes the
        service's own preview route."""
        shown: dict[str, Any] = {}
        for key, link in preview.items():
            url = str((link or {}).get("url", ""))
            if is_data_url(url):
                url = f"/1/streams/{stream_id}/preview/handler/{key}"
            shown[key] = {"url": url}
        return shown

    async def feedback(self, reports: Sequence[FeedbackReport]) -> list[FeedbackOutcome]:
        """Apply worker reports. A report applies when its stream exists, its
        version is the stream's, and the stream is being processed; it then
        sets the status (and error, video info, preview), is logged, and a
        "failure" schedules an autorestart. Any other report is left alone
        and answered with the stream's current status and version."""
        if not reports:
            raise schema.bad_json("streams", "[] is too short")
        if len(reports) > schema.MAX_FILTER_ITEMS:
            raise schema.bad_json("streams", f"is too long (more than {schema.MAX_FILTER_ITEMS} items)")
        for i, report in enumerate(reports):
            self._check_report(report, f"streams.{i}")
        outcomes = []
        for report in reports:
            outcomes.append(await self._apply(report))
        return outcomes

    async def _apply(self, report: FeedbackReport) -> FeedbackOutcome:
        now = utcnow()
        preview = self._shown_preview(report.stream_id, report.preview) if report.preview is not None else None

        def decide(stream: Stream) -> StreamChange | None:
            if stream.version != report.version or stream.status not in schema.PROCESSING_STATUSES:
                return None
            change: dict[str, Any] = {"status": report.status, "last_update_time": now}
            if report.error is not None:
                change["last_error"] = report.error
            if report.video_info is not None:
                change["video_info"] = dict(report.video_info)
            if preview is not None:
                change["preview"] = schema.merged(stream.preview or {}, preview)
            if report.status == "failure":
                state = autorestart_state(stream.autorestart)
                if state["restart"]:
                    exhausted = state["current_attempt"] >= state["attempt_count"]
                    state |= {"status": "failed" if exhausted else "in_progress", "failure_time": now.isoformat()}
                    change["autorestart"] = state
            record = StreamLog(
                stream_id=stream.stream_id,
                log_time=now,
                status=report.status,
                error=report.error,
                video_info=dict(report.video_info) if report.video_info is not None else None,
                version=report.version,
                preview=preview,
            )
            return StreamChange(change, log=record)

        stream, applied = await asyncio.to_thread(self._repo.change, report.stream_id, decide)
        if stream is None:
            return FeedbackOutcome(report.stream_id, "not_found", report.version, False)
        if applied and report.preview is not None:
            url = str((report.preview.get("last_frame") or {}).get("url", ""))
            if is_data_url(url):
                await self._previews.save(stream.stream_id, decode_data_url(url, self._previews.max_bytes))
            elif url.lower().startswith(("http://", "https://")):
                self._previews.fetch_later(stream.stream_id, url)
        return FeedbackOutcome(stream.stream_id, stream.status, stream.version, applied)

    # --- autorestart ----------------------------------------------------------------------------

    async def restart_due(self) -> int:
        """Put the failed streams whose autorestart delay has passed back in
        the queue ("pending"), counting the attempt; how many."""
        now = utcnow()

        def due(stream: Stream) -> bool:
            state = autorestart_state(stream.autorestart)
            if stream.status != "failure" or not state["restart"] or state["status"] != "in_progress":
                return False
            failed = schema.parse_time(str(state["failure_time"] or ""))
            return failed is None or as_utc(failed) + timedelta(seconds=state["delay"]) <= now

        def decide(stream: Stream) -> StreamChange | None:
            if not due(stream):
                return None
            state = autorestart_state(stream.autorestart)
            state |= {
                "current_attempt": state["current_attempt"] + 1,
                "last_attempt_time": now.isoformat(),
                "status": "enabled",
                "failure_time": None,
            }
            return StreamChange({"status": "pending", "autorestart": state, "last_update_time": now})

        restarted = 0
        for stream in await asyncio.to_thread(self._repo.in_status, "failure"):
            if due(stream):
                _, applied = await asyncio.to_thread(self._repo.change, stream.stream_id, decide)
                restarted += applied
        return restarted

    async def requeue_silent(self, silent_seconds: float, *, now: datetime | None = None) -> int:
        """Put the streams a worker took (`in_progress`, `restart`) but has
        sent no feedback on for `silent_seconds` back in the queue
        (`pending`): their worker died (a `kill -9`, a lost machine), and
        another worker, Vigil's or an outside one, takes them over. How many;
        0 and nothing done when `silent_seconds` is 0."""
        if silent_seconds <= 0:
            return 0
        now = now or utcnow()
        cutoff = now - timedelta(seconds=silent_seconds)

        def silent(stream: Stream) -> bool:
            seen = stream.last_update_time
            return stream.status in schema.PROCESSING_STATUSES and seen is not None and as_utc(seen) <= cutoff

        def decide(stream: Stream) -> StreamChange | None:
            return StreamChange({"status": "pending", "last_update_time": now}) if silent(stream) else None

        requeued = 0
        for status in schema.PROCESSING_STATUSES:
            for stream in await asyncio.to_thread(self._repo.in_status, status):
                if silent(stream):
                    _, applied = await asyncio.to_thread(self._repo.change, stream.stream_id, decide)
                    requeued += applied
        return requeued

    async def autorestart_forever(self, interval_seconds: float, silent_seconds: float = 0.0) -> None:
        """The autorestart timer: `restart_due` every `interval_seconds`, and
        the streams whose worker went silent back in the queue."""
        while True:
            try:
                count = await self.restart_due()
                if count:
                    log.info("autorestart: %d stream(s) back in the queue", count)
                silent = await self.requeue_silent(silent_seconds)
                if silent:
                    log.info("%d stream(s) back in the queue: no feedback for %.0f s", silent, silent_seconds)
            except Exception:
                log.exception("autorestart check failed")
            await asyncio.sleep(interval_seconds)

    # --- logs ---------------------------------------------------------------------------------------

    async def logs(
        self,
        query: StreamQuery,
        *,
        targets: Sequence[str],
        log_time_gte: str,
        log_time_lt: str,
        page: int | None,
        page_size: int | None,
    ) -> tuple[list[StreamLog], list[str]]:
        """One page of log records, newest first, and the keys to show."""
        shown = schema.query_list("targets", targets, lambda t: t in schema.LOG_TARGETS) or list(schema.LOG_TARGETS)
        filters = LogFilters(
            account_id=_query_account(query.account_id),
            stream_ids=schema.query_list("stream_ids", query.stream_ids, schema.is_uuid),
            statuses=schema.query_list("statuses", query.statuses, lambda s: s in schema.STREAM_STATUSES),
            log_time_gte=schema.query_time("log_time__gte", log_time_gte),
            log_time_lt=schema.query_time("log_time__lt", log_time_lt),
        )
        offset, limit = schema.page_window(page, page_size)
        return await asyncio.to_thread(self._repo.logs, filters, offset, limit), shown

    async def delete_logs(self, log_time_lt: str) -> int:
        """Delete the log records older than `log_time_lt` (all when empty),
        keeping the last record of every stream; how many were deleted."""
        before = schema.query_time("log_time__lt", log_time_lt)
        return await asyncio.to_thread(self._repo.delete_logs, before)

    async def housekeeping_forever(self, interval_seconds: float, logs_max_age_seconds: float) -> None:
        """Every `interval_seconds`: delete log records older than
        `logs_max_age_seconds` (when it is not 0), keeping each stream's last,
        and forget the preview frames of streams that no longer exist."""
        while True:
            try:
                if logs_max_age_seconds > 0:
                    cutoff = utcnow() - timedelta(seconds=logs_max_age_seconds)
                    deleted = await asyncio.to_thread(self._repo.delete_logs, cutoff)
                    if deleted:
                        log.info("log clearing: %d stream log record(s) deleted", deleted)
                stored = await self._previews.stored_ids()
                existing = await asyncio.to_thread(self._repo.accounts_of, stored)
                await self._previews.delete(stored - set(existing))
            except Exception:
                log.exception("stream housekeeping failed")
            await asyncio.sleep(interval_seconds)

    # --- previews --------------------------------------------------------------------------------

    async def last_frame(self, stream_id: str, account_id: str = "") -> bytes:
        """The stream's last frame (JPEG); 39001 without a stream or frame."""
        stream = await self._visible(stream_id, account_id)
        frame = await self._previews.load(stream.stream_id)
        if frame is None:
            raise NotFound(f"Stream with id '{stream_id}' has no last frame preview")
        return frame

    async def live(self, stream_id: str, account_id: str = "") -> AsyncIterator[bytes]:
        """The stream's frames as they arrive: the last frame now, then each
        new one; the last one again every keepalive period. Ends when the
        stream is deleted. 39001 without a stream or frame."""
        stream = await self._visible(stream_id, account_id)
        if await self._previews.load(stream.stream_id) is None:
            raise NotFound(f"Stream with id '{stream_id}' has no live preview")
        return self._live(stream.stream_id)

    async def _live(self, stream_id: str) -> AsyncIterator[bytes]:
        last: bytes | None = None
        async for frame in self._previews.frames(stream_id, self._keepalive):
            if frame is None:
                if await asyncio.to_thread(self._repo.get, stream_id) is None:
                    return
                frame = last
            if frame is None:
                continue
            last = frame
            yield frame
