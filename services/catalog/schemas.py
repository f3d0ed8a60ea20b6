"""Each analytic's configuration as one JSON Schema (draft 2020-12), and
what is made from it: the v1 schema (without sub-analytics), the Lenz form
fields, the defaults filled into a stored config, and validation with the
`jsonschema` library, its errors said in words a person understands
(`object_confidence_threshold must be between 0 and 1`).

Points are normalised to the frame, `{"x": 0.2, "y": 0.5}` with both in
0..1. A counting line has 2 to `MAX_POINTS` points and a `direction`
(`in`, `out` or `both`; which side is "in" follows the sign of the cross
product of the line and the crossing, as DeepStream's nvdsanalytics). An
area (region of interest) is a polygon of 3 to `MAX_POINTS` points.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Most points a line or an area may have.
MAX_POINTS = 64
#: Most lines or areas one sub-analytic (or the top level) may have.
MAX_AREAS = 32
#: Most errors one validation reports.
MAX_ERRORS = 20
NAME = {"type": "string", "minLength": 1, "maxLength": 128, "title": "Name"}

POINT: dict[str, Any] = {
    "type": "object",
    "title": "Point",
    "description": "A point normalised to the frame: x from the left edge, y from the top, both 0..1.",
    "properties": {
        "x": {"type": "number", "minimum": 0, "maximum": 1},
        "y": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["x", "y"],
    "additionalProperties": False,
}


def threshold(title: str, description: str, default: float) -> dict[str, Any]:
    """A confidence threshold, 0..1."""
    return {
        "type": "number",
        "title": title,
        "description": description,
        "minimum": 0,
        "maximum": 1,
        "default": default,
        "x-step": 0.01,
    }


def sample_fps(default: float) -> dict[str, Any]:
    """How many frames a second the analytic looks at."""
    return {
        "type": "number",
        "title": "Sampling FPS",
        "description": "Frames per second the analytic analyses (the stream is decoded at its own rate).",
        "exclusiveMinimum": 0,
        "maximum": 30,
        "default": default,
        "x-step": 0.5,
    }


def line_list() -> dict[str, Any]:
    """Counting lines: each 2..MAX_POINTS points and a direction."""
    return {
        "type": "array",
        "title": "Counting lines",
        "description": "Lines whose crossings are counted, each with the crossing direction that counts.",
        "maxItems": MAX_AREAS,
        "default": [],
        "items": {
            "type": "object",
            "properties": {
                "name": NAME,
                "points": {"type": "array", "items": POINT, "minItems": 2, "maxItems": MAX_POINTS},
                "direction": {"enum": ["in", "out", "both"], "default": "both", "title": "Direction"},
            },
            "required": ["name", "points"],
            "additionalProperties": False,
        },
    }


def area_list(*, limits: bool) -> dict[str, Any]:
    """Polygons of 3..MAX_POINTS points; with `limits`, occupancy and dwell limits."""
    properties: dict[str, Any] = {
        "name": NAME,
        "points": {"type": "array", "items": POINT, "minItems": 3, "maxItems": MAX_POINTS},
    }
    if limits:
        properties["max_occupancy"] = {
            "type": "integer",
            "title": "Occupancy limit",
            "description": "Objects allowed in the area at once; more raises the occupancy rule.",
            "minimum": 1,
            "maximum": 10000,
        }
        properties["max_dwell_seconds"] = {
            "type": "number",
            "title": "Dwell limit (s)",
            "description": "Seconds one object may stay in the area; longer raises the dwell rule.",
            "exclusiveMinimum": 0,
            "maximum": 86400,
        }
    return {
        "type": "array",
        "title": "Areas" if limits else "Regions of interest",
        "description": "Polygons watched by the analytic; empty means the whole frame.",
        "maxItems": MAX_AREAS,
        "default": [],
        "items": {
            "type": "object",
            "properties": properties,
            "required": ["name", "points"],
            "additionalProperties": False,
        },
    }


FREE_FORM = {
    "type": "object",
    "maxProperties": 64,
    "propertyNames": {"maxLength": 128},
    "additionalProperties": {"type": ["string", "number", "boolean"], "maxLength": 1024},
    "default": {},
}


@dataclass(frozen=True)
class SubAnalyticSpec:
    """A sub-analytic (`counting`, `area`) and the schema of its settings
    besides `name`."""

    name: str
    display_name: str
    description: str
    properties: dict[str, Any]
    required: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": self.display_name,
            "description": self.description,
            "properties": {
                "name": {"const": self.name},
                "is_active": {"type": "boolean", "title": "Active", "default": True},
                **self.properties,
            },
            "required": ["name", *self.required],
            "additionalProperties": False,
        }


@dataclass(frozen=True)
class ConfigSpec:
    """The settings of one analytic: top-level properties and sub-analytics."""

    properties: dict[str, Any]
    sub_analytics: tuple[SubAnalyticSpec, ...] = ()
    required: tuple[str, ...] = ()
    #: Checks past the schema (a valid config in, sentences out): what one
    #: setting says of another, e.g. a rule naming an area.
    check: Callable[[dict[str, Any]], list[str]] | None = field(default=None, compare=False, repr=False)
    _validators: dict[bool, Draft202012Validator] = field(default_factory=dict, compare=False, repr=False)

    def schema(self, *, v2: bool = True, title: str = "") -> dict[str, Any]:
        """The JSON Schema; `v2` adds `sub_analytics` (Visionaire4's v2 route)."""
        properties: dict[str, Any] = {
            "args": {**FREE_FORM, "title": "Module arguments"},
            "env": {**FREE_FORM, "title": "Module environment"},
            **copy.deepcopy(self.properties),
        }
        if v2:
            names = [sub.name for sub in self.sub_analytics]
            listing: dict[str, Any] = {
                "type": "array",
                "title": "Sub-analytics",
                "description": "Settings of each sub-analytic, at most one entry per name.",
                "maxItems": len(names),
                "default": [],
            }
            if names:
                listing["items"] = {
                    "type": "object",
                    "properties": {"name": {"enum": names}},
                    "required": ["name"],
                    "allOf": [
                        {"if": {"properties": {"name": {"const": sub.name}}}, "then": sub.schema()}
                        for sub in self.sub_analytics
                    ],
                }
            properties["sub_analytics"] = listing
        out: dict[str, Any] = {"$schema": DRAFT, "type": "object"}
        if title:
            out["title"] = title
        out |= {"properties": properties, "additionalProperties": False}
        if self.required:
            out["required"] = list(self.required)
        return out

    def validator(self) -> Draft202012Validator:
        if True not in self._validators:
            schema = self.schema(v2=True)
            Draft202012Validator.check_schema(schema)
            # Formats are checked (`regex`: a plate pattern must compile).
            self._validators[True] = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        return self._validators[True]

    def errors(self, config: Any) -> list[str]:
        """Why `config` does not match the schema, one sentence each; `[]`
        when it does."""
        errors = itertools.islice(self.validator().iter_errors(config), MAX_ERRORS * 5)
        messages = sorted({describe(error) for error in errors}, key=lambda m: (m.count("."), m))
        if not messages and isinstance(config, dict):
            messages = duplicate_sub_analytics(config)
        if not messages and isinstance(config, dict) and self.check is not None:
            messages = self.check(config)
        return messages[:MAX_ERRORS]

    def with_defaults(self, config: dict[str, Any]) -> dict[str, Any]:
        """`config` (valid) with every default of the schema filled in: top
        level, each sub-analytic and each line."""
        out = copy.deepcopy(config)
        fill_defaults(out, self.schema(v2=True))
        subs = {sub.name: sub.schema() for sub in self.sub_analytics}
        for entry in out.get("sub_analytics", []):
            fill_defaults(entry, subs[entry["name"]])
        return out

    def defaults(self) -> dict[str, Any]:
        """The default config: every top-level default, no sub-analytic."""
        return self.with_defaults({})


def fill_defaults(value: dict[str, Any], schema: dict[str, Any]) -> None:
    """Set each missing property that has a `default`, recursing into
    objects and arrays of objects."""
    for name, prop in schema.get("properties", {}).items():
        if name not in value and "default" in prop:
            value[name] = copy.deepcopy(prop["default"])
        child = value.get(name)
        items = prop.get("items", {})
        if isinstance(child, list) and isinstance(items, dict) and "properties" in items:
            for item in child:
                if isinstance(item, dict):
                    fill_defaults(item, items)


def duplicate_sub_analytics(config: dict[str, Any]) -> list[str]:
    """A sub-analytic listed twice (which of the two would count?)."""
    names = [str(entry.get("name")) for entry in config.get("sub_analytics", []) if isinstance(entry, dict)]
    return [f"sub_analytics lists {name} more than once" for name in sorted({n for n in names if names.count(n) > 1})]


def where(error: ValidationError) -> str:
    """The setting an error is about: `sub_analytics[0].areas[1].points`."""
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the configuration"


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


_TYPE_WORDS = {
    "number": "a number",
    "integer": "a whole number",
    "string": "a text",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
}


def describe(error: ValidationError) -> str:
    """One sentence for one schema error."""
    path = where(error)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    value = error.validator_value
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is not None and high is not None and "exclusiveMinimum" not in schema:
            return f"{path} must be between {_number(low)} and {_number(high)}"
        if kind == "exclusiveMinimum":
            return f"{path} must be greater than {_number(value)}"
        if kind == "minimum":
            return f"{path} must be at least {_number(value)}"
        return f"{path} must be at most {_number(value)}"
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        return f"{path} must be " + " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted)
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "a setting"
        return f"{path}.{missing} is required" if error.absolute_path else f"{missing} is required"
    if kind == "additionalProperties":
        extra = (
            sorted(set(error.instance) - set(schema.get("properties", {}))) if isinstance(error.instance, dict) else []
        )
        names = ", ".join(extra) or "a setting"
        where_ = f" in {path}" if error.absolute_path else ""
        return f"unknown setting {names}{where_}"
    if kind == "enum":
        return f"{path} must be one of " + ", ".join(str(v) for v in value)
    if kind == "const":
        return f"{path} must be {value}"
    if kind == "oneOf" and error.context:
        return _one_of(error, path)
    noun = "points" if path.endswith("points") else "entries"
    if kind == "minItems":
        return f"{path} needs at least {value} {noun}"
    if kind == "maxItems" and value == 0:
        return f"{path} must be empty: this analytic has no sub-analytics"
    if kind == "maxItems":
        return f"{path} has more than {value} {noun}"
    if kind == "minLength":
        return f"{path} must not be empty" if value == 1 else f"{path} needs at least {value} characters"
    if kind == "maxLength":
        return f"{path} is longer than {value} characters"
    if kind == "format":
        return f"{path} is not a valid " + ("regular expression" if value == "regex" else str(value))
    if kind == "maxProperties":
        return f"{path} has more than {value} entries"
    return f"{path}: {error.message[:200]}"


def _one_of(error: ValidationError, path: str) -> str:
    """A value that matches none of several kinds (an event rule): the
    errors of the kind its `type` names, or which types there are."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.schema_path[0]), []).append(sub)
    for found in branches.values():
        if not any(list(e.relative_path) == ["type"] for e in found):
            return "; ".join(sorted({describe(e) for e in found}))
    kinds = [
        str(option.get("properties", {}).get("type", {}).get("const"))
        for option in (error.validator_value if isinstance(error.validator_value, list) else [])
    ]
    return f"{path}.type must be one of {', '.join(kinds)}"


def form_fields(schema: dict[str, Any], values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The Lenz form fields of a schema's properties (objects such as `args`
    and the `sub_analytics` list are not form inputs): name, type, label,
    description, value (default, or `values`), required, min, max, step."""
    fields = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        if name in ("args", "env", "sub_analytics", "rules", "name") or "const" in prop:
            continue
        kind = prop.get("type", "string")
        if "enum" in prop:
            kind = "string"
        entry: dict[str, Any] = {
            "name": name,
            "type": kind,
            "label": prop.get("title", name),
            "description": prop.get("description", ""),
            "value": copy.deepcopy((values or {}).get(name, prop.get("default"))),
            "required": name in required,
            "min": 0.0,
            "max": 0.0,
            "step": 0.0,
        }
        if kind in ("number", "integer"):
            entry["min"] = float(prop.get("minimum", prop.get("exclusiveMinimum", 0)))
            entry["max"] = float(prop.get("maximum", 0))
            entry["step"] = float(prop.get("x-step", 1 if kind == "integer" else 0.01))
        fields.append(entry)
    return fields


def sub_forms(spec: ConfigSpec, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The Lenz form of each sub-analytic (all, or those named)."""
    wanted = None if names is None else set(names)
    return [
        {"name": sub.name, "display_name": sub.display_name, "configs": form_fields(sub.schema())}
        for sub in spec.sub_analytics
        if wanted is None or sub.name in wanted
    ]
