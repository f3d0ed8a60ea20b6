"""The shape of a LUNA stream's settings (document 002): the defaults filled
in for keys a client leaves out, the validation rules, and the two views of
one stream (API v1 with `event_handler` and `policies`, API v2 with
`data.analytics[]`).

Pure functions over plain dicts: the servicer turns protobuf into these
dicts and back; the domain stores them. The document gives the nested
settings by example only, so its create example supplies the defaults, and
the limits below are the ranges those settings can take (thresholds 0..1,
angles 0..180, counts >= 1).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from services.common.errors import BadQueryParameter, InvalidArgument
from services.common.quoting import quoted
from services.streams.addresses import MAX_ADDRESS_LENGTH, address_problem

UUID_PATTERN = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
GROUP_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_\-]{1,128}$")
MAX_NAME_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 512
MAX_PATCH_DESCRIPTION_LENGTH = 128
MAX_GROUP_DESCRIPTION_LENGTH = 256
MAX_REFERENCE_LENGTH = MAX_ADDRESS_LENGTH
MAX_LOCATION_FIELD_LENGTH = 128
MAX_URL_LENGTH = 2048
MAX_FILTER_ITEMS = 1000
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10

#: Every status a LUNA stream can have.
STREAM_STATUSES = ("pending", "in_progress", "done", "pause", "restart", "cancel", "failure", "handler_lost")
#: The statuses a stream may be created or replaced with.
INITIAL_STATUSES = ("pending", "pause")
#: The statuses a user may set with PATCH.
USER_STATUSES = ("pending", "pause", "cancel")
#: The statuses a worker may report in feedback.
WORKER_STATUSES = ("in_progress", "done", "restart", "failure")
#: The statuses of a stream a worker is processing (feedback applies to them).
PROCESSING_STATUSES = ("in_progress", "restart")
#: The source types of LUNA stream data.
DATA_TYPES = ("tcp", "udp", "videofile", "images")
#: The keys a stream log record can show (`targets`).
LOG_TARGETS = ("stream_id", "status", "error", "video_info", "log_time", "version", "preview")
#: The LUNA PLATFORM API version an event handler talks to by default.
DEFAULT_LUNA_API_VERSION = 6

_REGION = {"x": 0, "y": 0, "width": 0, "height": 0, "mode": "abs"}
_PRIMARY_TRACK = {"use_primary_track_policy": False, "best_shot_min_size": 70, "best_shot_proper_size": 140}
_HEALTHCHECK = {"max_error_count": 10, "period": 3600.0, "retry_delay": 5.0, "timeout": 2147483647}

#: v1 `data` without `reference`.
DATA_V1: dict[str, Any] = {
    "type": "tcp",
    "roi": _REGION,
    "droi": _REGION,
    "rotation": 0,
    "preferred_program_stream_frame_width": 800,
    "endless": True,
}
#: v1 `policies`.
POLICIES_V1: dict[str, Any] = {
    "sending": {
        "time_period_of_searching": -1.0,
        "silent_period": 0.0,
        "type": "sec",
        "number_of_bestshots_to_send": 1,
        "send_only_full_set": True,
        "delete_track_after_sending": False,
    },
    "primary_track_policy": _PRIMARY_TRACK,
    "liveness": {
        "use_shoulders_liveness_filtration": False,
        "use_mask_liveness_filtration": False,
        "use_flying_faces_liveness_filtration": False,
        "liveness_mode": 0,
        "number_of_liveness_checks": 10,
        "liveness_threshold": 0.6,
        "livenesses_weights": [0.05, 0.45, 0.5],
        "mask_backgrounds_count": 300,
    },
    "filtering": {
        "min_score": 0.5187,
        "detection_yaw_threshold": 40,
        "detection_pitch_threshold": 40,
        "detection_roll_threshold": 30,
        "yaw_number": 1,
        "yaw_collection_mode": False,
        "mouth_occlusion_threshold": 0.1,
        "min_body_size_threshold": 0.1,
    },
    "frame_processing_mode": "auto",
    "real_time_mode_fps": 0,
    "ffmpeg_threads_number": 0,
    "healthcheck": _HEALTHCHECK,
}
#: v1 `event_handler` keys that are not handlers.
EVENT_HANDLER_V1: dict[str, Any] = {"api_version": DEFAULT_LUNA_API_VERSION}
#: v2 `data` without `reference` and `analytics`.
DATA_V2: dict[str, Any] = {
    "type": "tcp",
    "frame_processing_mode": "auto",
    "real_time_mode_fps": 0,
    "ffmpeg_threads_number": 0,
    "roi": _REGION,
    "rotation": 0,
    "preferred_program_stream_frame_width": 800,
    "endless": True,
}
#: One v2 `data.analytics[]` entry without `event_handler.handler_id`.
ANALYTICS_V2: dict[str, Any] = {
    "mode": 1,
    "enabled": True,
    "droi": _REGION,
    "filtering": {
        "min_score_face": 0.5187,
        "min_score_body": 0.5,
        "detection_yaw_threshold": 40,
        "detection_pitch_threshold": 40,
        "detection_roll_threshold": 30,
        "yaw_number": 1,
        "yaw_collection_mode": False,
        "mouth_occlusion_threshold": 0.1,
        "min_body_size_threshold": 0.1,
    },
    "liveness": {
        "liveness_mode": 0,
        "liveness_threshold": 0.6,
        "livenesses_weights": [0.45, 0.5],
        "mask_backgrounds_count": 300,
        "number_of_liveness_checks": 10,
        "use_flying_faces_liveness_filtration": False,
        "use_mask_liveness_filtration": False,
    },
    "primary_track_policy": _PRIMARY_TRACK,
    "sending": {
        "body": {"send_only_full_set": True, "delete_track_after_sending": False},
        "silent_period": 0.0,
        "time_period_of_searching": -1.0,
        "full_frame_settings": 1,
        "type": "sec",
        "bestshot_settings": {"type": 1, "face_bestshots_to_send": 1, "body_bestshots_to_send": 1},
    },
    "event_handler": {"type": "luna_handler"},
    "healthcheck": _HEALTHCHECK,
}
#: `autorestart` settings.
AUTORESTART: dict[str, Any] = {"restart": 0, "attempt_count": 10, "delay": 60}
#: `location` without `geo_position`.
LOCATION_KEYS = ("city", "area", "district", "street", "house_number")


# --- small helpers -----------------------------------------------------------


def merged(defaults: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """`given` over a deep copy of `defaults`: objects merge key by key, every
    other value (lists included) replaces the default."""
    out = copy.deepcopy(dict(defaults))
    for key, value in (given or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def bad_json(path: str, message: str) -> InvalidArgument:
    """LUNA's 12022 detail for a body that fails validation."""
    return InvalidArgument(f"Failed to validate input json. Path: '{path}', message: '{message}'")


def is_uuid(value: str) -> bool:
    return bool(UUID_PATTERN.match(value))


def format_time(value: datetime | None) -> str | None:
    """`2018-08-11T09:11:41.674Z`, as the document prints times."""
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: str) -> datetime | None:
    """An RFC 3339 time (naive means UTC), or None when it does not parse."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def query_time(name: str, value: str) -> datetime | None:
    """A time query parameter: None when empty, 12012 when malformed."""
    if not value:
        return None
    parsed = parse_time(value)
    if parsed is None:
        raise BadQueryParameter(f"Bad query parameters '{name}'")
    return parsed


def query_list(name: str, value: str | Iterable[str], check: Callable[[str], bool] | None = None) -> list[str]:
    """A comma-separated (or repeated) query list; 12012 when an item fails
    `check` or there are more than 1000."""
    raw = [value] if isinstance(value, str) else list(value)
    items = [item.strip() for chunk in raw for item in chunk.split(",") if item.strip()]
    if len(items) > MAX_FILTER_ITEMS or (check is not None and not all(check(item) for item in items)):
        raise BadQueryParameter(f"Bad query parameters '{name}'")
    return list(dict.fromkeys(items))


def query_uuid(name: str, value: str) -> str | None:
    if not value:
        return None
    if not is_uuid(value):
        raise BadQueryParameter(f"Bad query parameters '{name}'")
    return value


def page_window(page: int | None, page_size: int | None) -> tuple[int, int]:
    """(offset, limit) of a page; 12012 for page < 1 or page_size outside
    1..1000."""
    page = 1 if page is None else page
    size = DEFAULT_PAGE_SIZE if page_size is None else page_size
    if page < 1:
        raise BadQueryParameter("Bad query parameters 'page'")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadQueryParameter("Bad query parameters 'page_size'")
    return (page - 1) * size, size


def data_type_of(reference: str) -> str:
    """The LUNA source type of a Visionaire4 address: a file is a
    "videofile", anything else a network ("tcp") source."""
    scheme = urlsplit(reference).scheme.lower() if "://" in reference else ""
    return "videofile" if scheme == "file" else "tcp"


# --- validation --------------------------------------------------------------

Check = Callable[[Any], str | None]


def _one_of(*values: Any) -> Check:
    def check(value: Any) -> str | None:
        return None if value in values else f"{quoted(value)} is not one of {list(values)!r}"

    return check


def _between(low: float, high: float = math.inf) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{quoted(value)} is not a number"
        if value < low:
            return f"{quoted(value)} is less than the minimum of {low:g}"
        if value > high:
            return f"{quoted(value)} is greater than the maximum of {high:g}"
        return None

    return check


def _uuid(value: Any) -> str | None:
    return None if isinstance(value, str) and is_uuid(value) else f"{quoted(value)} is not a valid uuid"


def _text(max_length: int, *, required: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"{quoted(value)} is not of type 'string'"
        if required and not value:
            return "'' is too short"
        if len(value) > max_length:
            return f"{quoted(value)} is too long"
        return None

    return check


def _weights(count: int) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or len(value) != count:
            return f"{quoted(value)} must have {count} items"
        for item in value:
            problem = _between(0, 1)(item)
            if problem:
                return problem
        return None

    return check


_UNIT = _between(0, 1)
_ANGLE = _between(0, 180)
_REGION_RULES: dict[str, Check] = {
    "x": _between(0),
    "y": _between(0),
    "width": _between(0),
    "height": _between(0),
    "mode": _one_of("abs", "percent"),
}
_ROTATION = _one_of(0, 90, 180, 270)
_PRIMARY_TRACK_RULES: dict[str, Check] = {"best_shot_min_size": _between(0), "best_shot_proper_size": _between(0)}
_HEALTHCHECK_RULES: dict[str, Check] = {
    "max_error_count": _between(0),
    "period": _between(0),
    "retry_delay": _between(0),
    "timeout": _between(1),
}
_FRAME_MODE = _one_of("auto", "full", "scale")
_FILTERING_COMMON: dict[str, Check] = {
    "detection_yaw_threshold": _ANGLE,
    "detection_pitch_threshold": _ANGLE,
    "detection_roll_threshold": _ANGLE,
    "yaw_number": _between(1),
    "mouth_occlusion_threshold": _UNIT,
    "min_body_size_threshold": _between(0),
}
_LIVENESS_COMMON: dict[str, Check] = {
    "liveness_mode": _between(0),
    "number_of_liveness_checks": _between(1),
    "liveness_threshold": _UNIT,
    "mask_backgrounds_count": _between(0),
}


def _apply(rules: Mapping[str, Check], values: Mapping[str, Any], path: str) -> None:
    for key, check in rules.items():
        if key in values:
            problem = check(values[key])
            if problem:
                raise bad_json(f"{path}.{key}" if path else key, problem)


def _check_region(region: Mapping[str, Any], path: str) -> None:
    _apply(_REGION_RULES, region, path)
    if region.get("mode") == "percent":
        _apply({k: _between(0, 100) for k in ("x", "y", "width", "height")}, region, path)


def _check_handler_ref(handler: Mapping[str, Any] | None, path: str, *, required: bool) -> None:
    if handler is None:
        if required:
            raise bad_json(path, "'handler_id' is a required property")
        return
    if not handler.get("handler_id"):
        raise bad_json(path, "'handler_id' is a required property")
    _apply({"handler_id": _uuid}, handler, path)


def _check_authorization(auth: Mapping[str, Any] | None, path: str) -> None:
    if auth is not None:
        _apply({"token": _text(4096, required=True)}, auth, path)


def check_data_v1(data: Mapping[str, Any], reference: str) -> None:
    """A merged v1 `data` (without `reference`) and its reference."""
    _check_source(data, reference)
    _check_region(data["roi"], "data.roi")
    _check_region(data["droi"], "data.droi")


def _check_source(data: Mapping[str, Any], reference: str) -> None:
    if not data.get("type"):
        raise bad_json("data", "'type' is a required property")
    _apply({"type": _one_of(*DATA_TYPES)}, data, "data")
    # The document's replace examples leave `reference` out, so it is
    # optional; one given is a stream address by the rule every face uses.
    if reference:
        problem = address_problem(reference)
        if problem:
            raise bad_json("data.reference", f"{quoted(reference)} {problem}")
    _apply(
        {
            "rotation": _ROTATION,
            "preferred_program_stream_frame_width": _between(0),
        },
        data,
        "data",
    )


def check_event_handler_v1(handler: Mapping[str, Any]) -> None:
    """A merged v1 `event_handler`."""
    _apply({"api_version": _between(1)}, handler, "event_handler")
    _check_handler_ref(handler.get("bestshot_handler"), "event_handler.bestshot_handler", required=True)
    _check_handler_ref(handler.get("detection_handler"), "event_handler.detection_handler", required=False)
    _check_authorization(handler.get("authorization"), "event_handler.authorization")


def check_policies_v1(policies: Mapping[str, Any]) -> None:
    """Merged v1 `policies`."""
    _apply(
        {
            "time_period_of_searching": _between(-1),
            "silent_period": _between(-1),
            "type": _one_of("sec", "frames"),
            "number_of_bestshots_to_send": _between(1),
        },
        policies["sending"],
        "policies.sending",
    )
    _apply(_PRIMARY_TRACK_RULES, policies["primary_track_policy"], "policies.primary_track_policy")
    _apply({**_LIVENESS_COMMON, "livenesses_weights": _weights(3)}, policies["liveness"], "policies.liveness")
    _apply({**_FILTERING_COMMON, "min_score": _UNIT}, policies["filtering"], "policies.filtering")
    _apply(
        {
            "frame_processing_mode": _FRAME_MODE,
            "real_time_mode_fps": _between(0),
            "ffmpeg_threads_number": _between(0),
        },
        policies,
        "policies",
    )
    _apply(_HEALTHCHECK_RULES, policies["healthcheck"], "policies.healthcheck")


def check_data_v2(data: Mapping[str, Any], reference: str) -> None:
    """A merged v2 `data` (without `reference`, analytics merged one by one)."""
    _check_source(data, reference)
    _check_region(data["roi"], "data.roi")
    _apply(
        {
            "frame_processing_mode": _FRAME_MODE,
            "real_time_mode_fps": _between(0),
            "ffmpeg_threads_number": _between(0),
        },
        data,
        "data",
    )
    analytics = data.get("analytics") or []
    if not analytics:
        raise bad_json("data.analytics", "[] is too short")
    for i, entry in enumerate(analytics):
        path = f"data.analytics.{i}"
        _apply({"mode": _between(0)}, entry, path)
        _check_region(entry["droi"], f"{path}.droi")
        _apply(
            {**_FILTERING_COMMON, "min_score_face": _UNIT, "min_score_body": _UNIT},
            entry["filtering"],
            f"{path}.filtering",
        )
        _apply({**_LIVENESS_COMMON, "livenesses_weights": _weights(2)}, entry["liveness"], f"{path}.liveness")
        _apply(_PRIMARY_TRACK_RULES, entry["primary_track_policy"], f"{path}.primary_track_policy")
        sending = entry["sending"]
        _apply(
            {
                "time_period_of_searching": _between(-1),
                "silent_period": _between(-1),
                "type": _one_of("sec", "frames"),
                "full_frame_settings": _between(0),
            },
            sending,
            f"{path}.sending",
        )
        _apply(
            {"type": _between(0), "face_bestshots_to_send": _between(0), "body_bestshots_to_send": _between(0)},
            sending["bestshot_settings"],
            f"{path}.sending.bestshot_settings",
        )
        handler = entry["event_handler"]
        _apply({"type": _text(64, required=True)}, handler, f"{path}.event_handler")
        _check_handler_ref(handler, f"{path}.event_handler", required=True)
        _check_authorization(handler.get("authorization"), f"{path}.event_handler.authorization")
        _apply(_HEALTHCHECK_RULES, entry["healthcheck"], f"{path}.healthcheck")


def check_autorestart(settings: Mapping[str, Any]) -> None:
    """Merged `autorestart` settings."""
    _apply(
        {"restart": _one_of(0, 1), "attempt_count": _between(1), "delay": _between(0)},
        settings,
        "autorestart",
    )


def check_location(location: Mapping[str, Any]) -> None:
    """`location` as given: short strings and a complete, valid geo position."""
    _apply({key: _text(MAX_LOCATION_FIELD_LENGTH) for key in LOCATION_KEYS}, location, "location")
    geo = location.get("geo_position")
    if geo is not None:
        for key in ("longitude", "latitude"):
            if key not in geo:
                raise bad_json("location.geo_position", f"'{key}' is a required property")
        _apply({"longitude": _between(-180, 180), "latitude": _between(-90, 90)}, geo, "location.geo_position")


def check_stream_fields(account_id: str, name: str, description: str, status: str, group_name: str) -> None:
    """The top-level keys of a create or replace body."""
    if not account_id:
        raise bad_json("", "'account_id' is a required property")
    _apply(
        {
            "account_id": _uuid,
            "name": _text(MAX_NAME_LENGTH),
            "description": _text(MAX_DESCRIPTION_LENGTH),
            "status": _one_of(*INITIAL_STATUSES),
        },
        {"account_id": account_id, "name": name, "description": description, "status": status or "pending"},
        "",
    )
    if group_name and not GROUP_NAME_PATTERN.match(group_name):
        raise bad_json("group_name", f"{quoted(group_name)} does not match '^[a-zA-Z0-9_\\\\-]{{1,128}}$'")


# --- the two views -----------------------------------------------------------


def _first_analytics(data: Mapping[str, Any]) -> dict[str, Any]:
    entries = [merged(ANALYTICS_V2, entry) for entry in data.get("analytics") or []]
    enabled = [entry for entry in entries if entry.get("enabled")]
    return (enabled or entries or [merged(ANALYTICS_V2, {})])[0]


def v1_settings(
    api_version: int | None,
    reference: str,
    luna_data: Mapping[str, Any] | None,
    event_handler: Mapping[str, Any] | None,
    policies: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(`data`, `event_handler`, `policies`) of a stream as API v1 shows it.

    A v2 stream shows its first enabled analytics entry: that entry's
    detection region, handler and policies, and the frame settings of its
    data. A Visionaire4 stream shows the defaults, its source type derived
    from its address, and an event handler with no handlers.
    """
    if api_version == 2:
        stored = merged(DATA_V2, luna_data)
        entry = _first_analytics(luna_data or {})
        data = {key: stored[key] for key in ("type", "roi", "rotation", "preferred_program_stream_frame_width")}
        data |= {"endless": stored["endless"], "droi": entry["droi"], "reference": reference}
        handler: dict[str, Any] = {"api_version": DEFAULT_LUNA_API_VERSION}
        source = entry["event_handler"]
        if source.get("handler_id"):
            handler["bestshot_handler"] = {"handler_id": source["handler_id"]}
        if source.get("authorization"):
            handler["authorization"] = copy.deepcopy(source["authorization"])
        sending, liveness, filtering = entry["sending"], entry["liveness"], entry["filtering"]
        weights = list(liveness["livenesses_weights"])
        pol = {
            "sending": {
                "time_period_of_searching": sending["time_period_of_searching"],
                "silent_period": sending["silent_period"],
                "type": sending["type"],
                "number_of_bestshots_to_send": sending["bestshot_settings"]["face_bestshots_to_send"],
                "send_only_full_set": sending["body"]["send_only_full_set"],
                "delete_track_after_sending": sending["body"]["delete_track_after_sending"],
            },
            "primary_track_policy": entry["primary_track_policy"],
            "liveness": {
                "use_shoulders_liveness_filtration": False,
                "use_mask_liveness_filtration": liveness["use_mask_liveness_filtration"],
                "use_flying_faces_liveness_filtration": liveness["use_flying_faces_liveness_filtration"],
                "liveness_mode": liveness["liveness_mode"],
                "number_of_liveness_checks": liveness["number_of_liveness_checks"],
                "liveness_threshold": liveness["liveness_threshold"],
                "livenesses_weights": [0.0, *weights] if len(weights) == 2 else weights,
                "mask_backgrounds_count": liveness["mask_backgrounds_count"],
            },
            "filtering": {
                "min_score": filtering["min_score_face"],
                **{k: filtering[k] for k in _FILTERING_COMMON},
                "yaw_collection_mode": filtering["yaw_collection_mode"],
            },
            "frame_processing_mode": stored["frame_processing_mode"],
            "real_time_mode_fps": stored["real_time_mode_fps"],
            "ffmpeg_threads_number": stored["ffmpeg_threads_number"],
            "healthcheck": entry["healthcheck"],
        }
        return data, handler, merged(POLICIES_V1, pol)
    if api_version == 1:
        data = merged(DATA_V1, luna_data) | {"reference": reference}
        return data, merged(EVENT_HANDLER_V1, event_handler), merged(POLICIES_V1, policies)
    data = merged(DATA_V1, {"type": data_type_of(reference)}) | {"reference": reference}
    return data, dict(EVENT_HANDLER_V1), merged(POLICIES_V1, {})


def v2_data(
    api_version: int | None,
    reference: str,
    luna_data: Mapping[str, Any] | None,
    event_handler: Mapping[str, Any] | None,
    policies: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """`data` of a stream as API v2 shows it.

    A v1 stream shows one analytics entry (mode 1, faces) made of its event
    handler's best shot handler and its policies. A Visionaire4 stream shows
    the defaults with no analytics.
    """
    if api_version == 2:
        stored = merged(DATA_V2, luna_data)
        stored["analytics"] = [merged(ANALYTICS_V2, entry) for entry in (luna_data or {}).get("analytics") or []]
        return stored | {"reference": reference}
    if api_version == 1:
        data = merged(DATA_V1, luna_data)
        handler = merged(EVENT_HANDLER_V1, event_handler)
        pol = merged(POLICIES_V1, policies)
        sending, liveness, filtering = pol["sending"], pol["liveness"], pol["filtering"]
        weights = list(liveness["livenesses_weights"])
        target: dict[str, Any] = {"type": "luna_handler"}
        if (handler.get("bestshot_handler") or {}).get("handler_id"):
            target["handler_id"] = handler["bestshot_handler"]["handler_id"]
        if handler.get("authorization"):
            target["authorization"] = copy.deepcopy(handler["authorization"])
        entry = {
            "mode": 1,
            "enabled": True,
            "droi": data["droi"],
            "filtering": {
                "min_score_face": filtering["min_score"],
                **{k: filtering[k] for k in _FILTERING_COMMON},
                "yaw_collection_mode": filtering["yaw_collection_mode"],
            },
            "liveness": {
                "liveness_mode": liveness["liveness_mode"],
                "liveness_threshold": liveness["liveness_threshold"],
                "livenesses_weights": weights[-2:] if len(weights) == 3 else weights,
                "mask_backgrounds_count": liveness["mask_backgrounds_count"],
                "number_of_liveness_checks": liveness["number_of_liveness_checks"],
                "use_flying_faces_liveness_filtration": liveness["use_flying_faces_liveness_filtration"],
                "use_mask_liveness_filtration": liveness["use_mask_liveness_filtration"],
            },
            "primary_track_policy": pol["primary_track_policy"],
            "sending": {
                "body": {
                    "send_only_full_set": sending["send_only_full_set"],
                    "delete_track_after_sending": sending["delete_track_after_sending"],
                },
                "silent_period": sending["silent_period"],
                "time_period_of_searching": sending["time_period_of_searching"],
                "type": sending["type"],
                "bestshot_settings": {"face_bestshots_to_send": sending["number_of_bestshots_to_send"]},
            },
            "event_handler": target,
            "healthcheck": pol["healthcheck"],
        }
        out = {key: data[key] for key in ("type", "roi", "rotation", "preferred_program_stream_frame_width")}
        out |= {"endless": data["endless"]}
        out |= {key: pol[key] for key in ("frame_processing_mode", "real_time_mode_fps", "ffmpeg_threads_number")}
        return out | {"analytics": [merged(ANALYTICS_V2, entry)], "reference": reference}
    out = merged(DATA_V2, {"type": data_type_of(reference)})
    return out | {"analytics": [], "reference": reference}
