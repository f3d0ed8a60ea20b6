"""The catalog: the analytics Vigil runs, under the ids the documents use
(Visionaire4 `NFV4-FR`; the Lenz catalog's `NFDSS-FR` for the same one), the
models each needs from the inference service's repository, its version, its
configuration schema (services/catalog/schemas.py), the event rules it
supports and its named presets.

Which analytic runs on which models is the engine's business (the stream
engine issue builds the stages); the names here are the models those stages
call, and the catalog offers an analytic only while the inference service
says every one of them is ready.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.catalog.schemas import (
    DRAFT,
    MAX_POINTS,
    ConfigSpec,
    SubAnalyticSpec,
    area_list,
    line_list,
    sample_fps,
    threshold,
)
from services.vision import models

#: What an analytic id looks like; anything else (path characters) is unknown.
ANALYTIC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")

#: The object detector of people and vehicle analytics (YOLOX-Nano, uint8 input).
OBJECT_DETECTOR = models.YOLOX_NANO_U8.name
FACE_DETECTOR = models.YUNET.name
FACE_EMBEDDER = models.SFACE.name
TEXT_DETECTOR = models.PPOCR_DET.name
TEXT_RECOGNISER = models.PPOCR_REC.name


@dataclass(frozen=True)
class Analytic:
    """One analytic of the catalog."""

    id: str
    name: str
    description: str
    visionaire_type: str
    lenz_type: str
    models: tuple[str, ...]
    major_version: int
    minor_version: int
    config: ConfigSpec
    rules: dict[str, Any] = field(default_factory=dict)
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)
    lenz_id: str = ""
    publisher: str = "Vigil"

    @property
    def catalog_id(self) -> str:
        """The id the Lenz catalog lists."""
        return self.lenz_id or self.id


def _rules(*rules: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema of a list of event rules, one `oneOf` branch per kind."""
    return {
        "$schema": DRAFT,
        "type": "object",
        "properties": {"rules": {"type": "array", "maxItems": 64, "items": {"oneOf": list(rules)}}},
        "additionalProperties": False,
    }


_CLOCK = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "description": "HH:MM, 24-hour clock."}
#: When a rule applies (every rule may have it; without it, always).
_ACTIVE_HOURS = {
    "type": "object",
    "title": "Active hours",
    "description": "The rule fires only for events from `from` to `to` (HH:MM; past midnight when `to` is earlier) "
    "in `timezone` (an IANA name, UTC by default).",
    "properties": {
        "from": _CLOCK,
        "to": _CLOCK,
        "timezone": {"type": "string", "minLength": 1, "maxLength": 64, "default": "UTC"},
    },
    "required": ["from", "to"],
    "additionalProperties": False,
}


def _rule(kind: str, description: str, *, optional: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "title": kind,
        "description": description,
        "properties": {"type": {"const": kind}, **properties, "active_hours": _ACTIVE_HOURS},
        "required": ["type", *(name for name in properties if name not in optional)],
        "additionalProperties": False,
    }


def _rules_setting(*rules: dict[str, Any]) -> dict[str, Any]:
    """The `rules` setting of a pipeline config: the items of the analytic's
    `/rules/pipeline` list, each checked against its own kind's branch (so an
    error names the setting, not "matches none of the kinds")."""
    kinds = [rule["title"] for rule in rules]
    return {
        "type": "array",
        "title": "Event rules",
        "description": "The event rules this pipeline applies (GET /rules/pipeline/{analytic_id} describes them); "
        "each raises events of its own type.",
        "maxItems": 64,
        "items": {
            "type": "object",
            "properties": {"type": {"enum": kinds}},
            "required": ["type"],
            "allOf": [{"if": {"properties": {"type": {"const": rule["title"]}}}, "then": rule} for rule in rules],
        },
    }


_AREA_NAME = {"type": "string", "minLength": 1, "maxLength": 128, "description": "The `name` of an area."}
_LINE_NAME = {"type": "string", "minLength": 1, "maxLength": 128, "description": "The `name` of a counting line."}
_WATCHLIST = {"type": "string", "minLength": 1, "maxLength": 128, "description": "The watch list to match."}

COUNTING = SubAnalyticSpec(
    "counting",
    "Counting",
    "Counts objects crossing lines, by direction.",
    {
        "areas": line_list(),
        "object_confidence_threshold": threshold("Confidence Threshold", "Lowest detection score counted.", 0.5),
    },
)
AREA = SubAnalyticSpec(
    "area",
    "Area occupancy and dwell",
    "Counts objects inside areas and measures how long each stays.",
    {
        "areas": area_list(limits=True),
        "object_confidence_threshold": threshold("Confidence Threshold", "Lowest detection score counted.", 0.5),
    },
)

_OBJECT_RULES = (
    _rule(
        "area_occupancy_over",
        "More objects in an area than `limit` at once.",
        area=_AREA_NAME,
        limit={"type": "integer", "minimum": 1},
    ),
    _rule(
        "dwell_over",
        "An object stays in an area longer than `seconds`.",
        area=_AREA_NAME,
        seconds={"type": "number", "exclusiveMinimum": 0},
    ),
    _rule(
        "line_count_over",
        "More than `limit` crossings of a line within `window_seconds`.",
        line=_LINE_NAME,
        limit={"type": "integer", "minimum": 1},
        window_seconds={"type": "number", "exclusiveMinimum": 0},
    ),
)

_FACE_RULES = (
    _rule(
        "watchlist_match",
        "A face's best shot matches a person of the watch list (its name or id) with at least `min_similarity`.",
        watchlist=_WATCHLIST,
        min_similarity={"type": "number", "minimum": 0, "maximum": 1},
    ),
    _rule(
        "unknown_face",
        "A face matches no watch-list entry (below `similarity_threshold`) and its best shot lies in `area` "
        "(the `name` of one of the config's `areas`).",
        area=_AREA_NAME,
    ),
)
_PLATE_RULES = (
    _rule(
        "plate_match",
        "A vehicle's voted plate is on the list `plates` (compared without spaces or dashes, any case) or "
        "matches the regular expression `pattern` in full; at least one of the two.",
        optional=("plates", "pattern"),
        plates={"type": "array", "items": {"type": "string", "maxLength": 16}, "maxItems": 10000},
        pattern={"type": "string", "minLength": 1, "maxLength": 128, "format": "regex"},
    ),
)


def _names(entries: Any) -> set[str]:
    return {str(e.get("name")) for e in entries or [] if isinstance(e, dict)}


def _sub_names(config: dict[str, Any], sub: str, key: str = "areas") -> set[str]:
    """The names of the areas (or lines) of an active sub-analytic."""
    out: set[str] = set()
    for entry in config.get("sub_analytics", []) or []:
        if isinstance(entry, dict) and entry.get("name") == sub and entry.get("is_active", True):
            out |= _names(entry.get(key))
    return out


def rule_errors(config: dict[str, Any]) -> list[str]:
    """What the schema cannot say of a config's `rules`: each rule must name
    an area or line the config has (one naming nothing would never fire),
    and a `plate_match` needs plates or a pattern."""
    errors = []
    for i, rule in enumerate(config.get("rules", []) or []):
        kind = rule.get("type")
        where = f"rules[{i}]"
        if kind in ("area_occupancy_over", "dwell_over") and rule["area"] not in _sub_names(config, "area"):
            errors.append(f"{where}.area {rule['area']} is not an area of the active area sub-analytic")
        elif kind == "line_count_over" and rule["line"] not in _sub_names(config, "counting"):
            errors.append(f"{where}.line {rule['line']} is not a line of the active counting sub-analytic")
        elif kind == "unknown_face" and rule["area"] not in _names(config.get("areas")):
            errors.append(f"{where}.area {rule['area']} is not one of the config's areas")
        elif kind == "plate_match":
            plates = [p for p in rule.get("plates", []) if normalised_plate(p)]
            if not plates and not rule.get("pattern"):
                errors.append(f"{where} needs plates (at least one with a letter or digit) or a pattern")
        hours = rule.get("active_hours")
        if hours is not None:
            if hours["from"] == hours["to"]:
                errors.append(f"{where}.active_hours is empty (from and to are both {hours['from']})")
            if _zone(hours.get("timezone", "UTC")) is None:
                errors.append(f"{where}.active_hours.timezone {hours['timezone']} is not a known time zone")
    return errors


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def rule_active(rule: Mapping[str, Any], when: datetime) -> bool:
    """Whether a rule applies to an event at `when` (timezone-aware): always
    without `active_hours`, else when the local time in its zone lies from
    `from` (included) to `to` (excluded), past midnight when `to` is
    earlier. The one test of a rule's hours: the engine's rule events
    (services/engine/analysers.py `in_hours`, the plate stage through
    `PlateRule.fires`) and the plate overlay's match colour use it."""
    return hours_active(rule.get("active_hours"), when)


def hours_active(hours: Mapping[str, Any] | None, when: datetime) -> bool:
    """`rule_active` of a rule whose `active_hours` is `hours` (None: always)."""
    if not hours:
        return True
    zone = _zone(str(hours.get("timezone", "UTC")))
    if zone is None:
        return False  # refused when stored; a zone gone since matches nothing
    local = when.astimezone(zone)
    now = local.hour * 60 + local.minute
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in (hours["from"], hours["to"]))
    return start <= now < end if start < end else (now >= start or now < end)


def normalised_plate(text: str) -> str:
    """A plate as compared: uppercase letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


_LINE = [{"x": 0.1, "y": 0.5}, {"x": 0.9, "y": 0.5}]
_FRAME = [{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 0.0}, {"x": 1.0, "y": 1.0}, {"x": 0.0, "y": 1.0}]


def _object_config(classes: str) -> ConfigSpec:
    return ConfigSpec(
        {
            "object_confidence_threshold": threshold(
                "Confidence Threshold", f"Lowest {classes} detection score (0.0 to 1.0).", 0.5
            ),
            "sample_fps": sample_fps(5),
            "areas": area_list(limits=False),
            "motion_gate": {
                "type": "boolean",
                "title": "Motion gate",
                "description": (
                    "Skip the detector on frames without motion (tracked objects are re-checked every second, "
                    "an empty scene every 10 seconds); off: detect on every sampled frame."
                ),
                "default": True,
            },
            "rules": _rules_setting(*_OBJECT_RULES),
        },
        (COUNTING, AREA),
        check=rule_errors,
    )


CATALOG: tuple[Analytic, ...] = (
    Analytic(
        id="NFV4-FR",
        lenz_id="NFDSS-FR",
        name="Face Recognition",
        description="Realtime face detection and face recognition against watch lists",
        visionaire_type="recognition",
        lenz_type="fr",
        models=(FACE_DETECTOR, FACE_EMBEDDER),
        major_version=1,
        minor_version=0,
        config=ConfigSpec(
            {
                "object_confidence_threshold": threshold(
                    "Confidence Threshold", "Lowest face detection score (0.0 to 1.0).", 0.5
                ),
                "similarity_threshold": threshold(
                    "Similarity Threshold", "Lowest similarity for a face to match a watch-list entry.", 0.6
                ),
                "min_face_size": {
                    "type": "integer",
                    "title": "Minimum face size (px)",
                    "description": "Faces smaller than this many pixels high are ignored.",
                    "minimum": 8,
                    "maximum": 1024,
                    "default": 32,
                },
                "sample_fps": sample_fps(5),
                "areas": area_list(limits=False),
                "rules": _rules_setting(*_FACE_RULES),
            },
            check=rule_errors,
        ),
        rules=_rules(*_FACE_RULES),
        presets={
            "access_control": {"object_confidence_threshold": 0.6, "similarity_threshold": 0.7, "sample_fps": 5},
            "crowd_watchlist": {"object_confidence_threshold": 0.5, "similarity_threshold": 0.6, "sample_fps": 2},
        },
    ),
    Analytic(
        id="NFV4-LPR3",
        lenz_id="NFDSS-LPR",
        name="License Plate Recognition",
        description="Vehicle detection and licence plate reading",
        visionaire_type="recognition",
        lenz_type="lpr",
        models=(OBJECT_DETECTOR, TEXT_DETECTOR, TEXT_RECOGNISER),
        major_version=1,
        minor_version=0,
        config=ConfigSpec(
            {
                "object_confidence_threshold": threshold(
                    "Confidence Threshold", "Lowest vehicle detection score (0.0 to 1.0).", 0.5
                ),
                "text_confidence_threshold": threshold(
                    "Plate Text Threshold", "Lowest plate reading score kept (0.0 to 1.0).", 0.6
                ),
                "plate_region": {
                    "type": "string",
                    "title": "Plate Region",
                    "description": "Whose plates are read: `ID` (Indonesia: 1-2 letters, 1-4 digits, 0-3 letters) "
                    "or `generic` (2 to 10 letters and digits).",
                    "enum": ["generic", "ID"],
                    "default": "generic",
                },
                "plate_pattern": {
                    "type": "string",
                    "title": "Plate Pattern",
                    "description": "A regular expression a plate (uppercase letters and digits, no spaces) must "
                    "match in full; it replaces the region's pattern. Empty: the region's.",
                    "maxLength": 128,
                    "format": "regex",
                    "default": "",
                },
                "reads_per_track": {
                    "type": "integer",
                    "title": "Reads per vehicle",
                    "description": "Plate reads voted on before a vehicle's plate event (earlier when it leaves).",
                    "minimum": 1,
                    "maximum": 50,
                    "default": 5,
                },
                "sample_fps": sample_fps(5),
                "areas": area_list(limits=False),
                "rules": _rules_setting(*_PLATE_RULES),
            },
            check=rule_errors,
        ),
        rules=_rules(*_PLATE_RULES),
        presets={
            "gate": {
                "object_confidence_threshold": 0.5,
                "text_confidence_threshold": 0.7,
                "sample_fps": 10,
                "areas": [
                    {
                        "name": "Gate",
                        "points": [
                            {"x": 0.2, "y": 0.3},
                            {"x": 0.8, "y": 0.3},
                            {"x": 0.8, "y": 1.0},
                            {"x": 0.2, "y": 1.0},
                        ],
                    }
                ],
            }
        },
    ),
    Analytic(
        id="NFV4-MPA",
        name="People Analytics",
        description="People detection with line counting, area occupancy and dwell time",
        visionaire_type="analytics",
        lenz_type="mpa",
        models=(OBJECT_DETECTOR,),
        major_version=1,
        minor_version=0,
        config=_object_config("person"),
        rules=_rules(*_OBJECT_RULES),
        presets={
            "entrance_counter": {
                "sample_fps": 10,
                "sub_analytics": [
                    {
                        "name": "counting",
                        "is_active": True,
                        "areas": [{"name": "Entrance", "points": _LINE, "direction": "both"}],
                        "object_confidence_threshold": 0.5,
                    }
                ],
            },
            "occupancy_monitor": {
                "sub_analytics": [
                    {
                        "name": "area",
                        "is_active": True,
                        "areas": [{"name": "Room", "points": _FRAME, "max_occupancy": 10}],
                        "object_confidence_threshold": 0.5,
                    }
                ]
            },
            "loitering": {
                "sub_analytics": [
                    {
                        "name": "area",
                        "is_active": True,
                        "areas": [{"name": "Zone", "points": _FRAME, "max_dwell_seconds": 60}],
                        "object_confidence_threshold": 0.5,
                    }
                ]
            },
        },
    ),
    Analytic(
        id="NFV4-MVA",
        name="Vehicle Analytics",
        description="Vehicle detection (car, truck, bus, motorcycle, bicycle) with line counting and areas",
        visionaire_type="analytics",
        lenz_type="mva",
        models=(OBJECT_DETECTOR,),
        major_version=1,
        minor_version=0,
        config=_object_config("vehicle"),
        rules=_rules(*_OBJECT_RULES),
        presets={
            "road_counter": {
                "sample_fps": 10,
                "sub_analytics": [
                    {
                        "name": "counting",
                        "is_active": True,
                        "areas": [{"name": "Lane", "points": _LINE, "direction": "both"}],
                        "object_confidence_threshold": 0.5,
                    }
                ],
            },
            "parking_occupancy": {
                "sample_fps": 1,
                "sub_analytics": [
                    {
                        "name": "area",
                        "is_active": True,
                        "areas": [{"name": "Parking", "points": _FRAME, "max_occupancy": 50}],
                        "object_confidence_threshold": 0.4,
                    }
                ],
            },
        },
    ),
    Analytic(
        id="NFV4-SS",
        name="Smart Search",
        description="Indexes people, vehicles and faces for visual and text similarity search",
        visionaire_type="search",
        lenz_type="ss",
        models=(OBJECT_DETECTOR, FACE_DETECTOR, FACE_EMBEDDER),
        major_version=1,
        minor_version=0,
        config=ConfigSpec(
            {
                "object_confidence_threshold": threshold(
                    "Confidence Threshold", "Lowest detection score indexed (0.0 to 1.0).", 0.5
                ),
                "sample_fps": sample_fps(1),
                "index_faces": {"type": "boolean", "title": "Index faces", "default": True},
                "index_objects": {"type": "boolean", "title": "Index people and vehicles", "default": True},
                "areas": area_list(limits=False),
            }
        ),
        presets={"archive_index": {"sample_fps": 0.5, "index_faces": True, "index_objects": True}},
    ),
)

assert all(len(a.id) <= 32 for a in CATALOG) and MAX_POINTS >= 2


class Catalog:
    """Looks analytics up by either document's id."""

    def __init__(self, analytics: tuple[Analytic, ...] = CATALOG) -> None:
        self.analytics = analytics
        self._by_id: dict[str, Analytic] = {}
        for analytic in analytics:
            self._by_id[analytic.id.upper()] = analytic
            if analytic.lenz_id:
                self._by_id[analytic.lenz_id.upper()] = analytic

    def find(self, analytic_id: str) -> Analytic | None:
        """The analytic with this id (`NFV4-FR` or `NFDSS-FR`, any case);
        None for an unknown id or one that is not an id at all."""
        if not ANALYTIC_ID.match(analytic_id or ""):
            return None
        return self._by_id.get(analytic_id.upper())

    def get(self, analytic_id: str) -> Analytic:
        """Like find, raising KeyError."""
        found = self.find(analytic_id)
        if found is None:
            raise KeyError(analytic_id)
        return found
