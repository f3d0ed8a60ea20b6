"""The catalog's schemas (services/catalog/schemas.py, analytics.py): valid
draft 2020-12 schemas, presets that pass them, defaults, the Lenz form, and
errors in words."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from services.catalog.analytics import CATALOG, Catalog
from services.catalog.domain import parse_node, serial_number
from services.catalog.schemas import MAX_POINTS, describe, form_fields, sub_forms
from services.common.errors import NotFound

MPA = Catalog().get("NFV4-MPA").config
FR = Catalog().get("NFDSS-FR").config


def line(points: int, **extra: object) -> dict:
    return {
        "sub_analytics": [
            {"name": "counting", "areas": [{"name": "L", "points": [{"x": 0.5, "y": 0.5}] * points, **extra}]}
        ]
    }


@pytest.mark.parametrize("analytic", CATALOG, ids=lambda a: a.id)
def test_every_schema_is_valid_and_every_preset_passes_it(analytic) -> None:
    for v2 in (False, True):
        Draft202012Validator.check_schema(analytic.config.schema(v2=v2))
    if analytic.rules:
        Draft202012Validator.check_schema(analytic.rules)
    for name, preset in analytic.presets.items():
        assert analytic.config.errors(preset) == [], name
    assert analytic.config.errors(analytic.config.defaults()) == []


def test_ids_of_both_documents_and_nothing_else() -> None:
    catalog = Catalog()
    assert catalog.get("NFDSS-FR") is catalog.get("nfv4-fr")
    assert catalog.get("NFDSS-LPR").id == "NFV4-LPR3"
    for bad in ("", "../NFV4-FR", "NFV4-FR/..", "NFV4 FR", "x" * 40, "NFV4-FR%2F"):
        assert catalog.find(bad) is None, bad


def test_errors_in_words() -> None:
    assert FR.errors({"object_confidence_threshold": 7, "areas": []}) == [
        "object_confidence_threshold must be between 0 and 1"
    ]
    assert MPA.errors(line(1)) == ["sub_analytics[0].areas[0].points needs at least 2 points"]
    assert MPA.errors(line(10_000)) == [f"sub_analytics[0].areas[0].points has more than {MAX_POINTS} points"]
    assert MPA.errors(line(2, direction="up")) == ["sub_analytics[0].areas[0].direction must be one of in, out, both"]
    assert MPA.errors({"sample_fps": 0}) == ["sample_fps must be greater than 0"]
    assert MPA.errors({"sample_fps": "fast"}) == ["sample_fps must be a number"]
    assert MPA.errors({"colour": "red"}) == ["unknown setting colour"]
    assert MPA.errors({"sub_analytics": [{"name": "counting"}, {"name": "counting"}]}) == [
        "sub_analytics lists counting more than once"
    ]
    assert MPA.errors({"sub_analytics": [{"name": "dance"}]}) == ["sub_analytics[0].name must be one of counting, area"]
    area = {"name": "area", "areas": [{"name": "A", "points": [{"x": 0, "y": 0}] * 3, "max_occupancy": 0}]}
    assert MPA.errors({"sub_analytics": [area]}) == [
        "sub_analytics[0].areas[0].max_occupancy must be between 1 and 10000"
    ]
    assert FR.errors([]) == ["the configuration must be an object"]
    assert FR.errors({"args": {"model": "x" * 2000}}) == ["args.model is longer than 1024 characters"]
    assert FR.errors({"env": {"DEBUG": [1]}}) == ["env.DEBUG must be a text or a number or true or false"]
    assert FR.errors({"sub_analytics": [{"name": "counting"}]}) == [
        "sub_analytics must be empty: this analytic has no sub-analytics"
    ]


def test_defaults_fill_every_level() -> None:
    filled = MPA.with_defaults(line(2))
    assert (filled["args"], filled["env"], filled["object_confidence_threshold"], filled["sample_fps"]) == (
        {},
        {},
        0.5,
        5,
    )
    counting = filled["sub_analytics"][0]
    assert counting["is_active"] is True and counting["object_confidence_threshold"] == 0.5
    assert counting["areas"][0]["direction"] == "both"


def test_form_fields() -> None:
    fields = {f["name"]: f for f in form_fields(FR.schema(v2=False))}
    assert set(fields) == {
        "object_confidence_threshold",
        "similarity_threshold",
        "min_face_size",
        "sample_fps",
        "areas",
    }
    assert fields["min_face_size"] | {"description": ""} == {
        "name": "min_face_size",
        "type": "integer",
        "label": "Minimum face size (px)",
        "description": "",
        "value": 32,
        "required": False,
        "min": 8.0,
        "max": 1024.0,
        "step": 1.0,
    }
    assert [s["name"] for s in sub_forms(MPA)] == ["counting", "area"]
    assert sub_forms(FR) == []


def test_node_ids_and_serials() -> None:
    assert [parse_node(n) for n in ("node-001", "1", "0", "node-0", "NODE-12")] == [1, 1, 0, 0, 12]
    for bad in ("node-x", "", "-1", "1/..", "node-1234567"):
        with pytest.raises(NotFound):
            parse_node(bad)
    assert serial_number("NFV4-FR", 0, 3) == serial_number("NFV4-FR", 0, 3) == "NFV4-FR-N0-0003"


def test_rule_errors_in_words() -> None:
    rules = Draft202012Validator(Catalog().get("NFV4-MPA").rules)

    def errors(logic: dict) -> list[str]:
        return [describe(e) for e in rules.iter_errors(logic)]

    assert errors({"rules": [{"type": "dwell_over", "area": "Zone", "seconds": 30}]}) == []
    assert errors({"rules": [{"type": "dwell_over", "area": "Zone", "seconds": -1}]}) == [
        "rules[0].seconds must be greater than 0"
    ]
    assert errors({"rules": [{"type": "speeding"}]}) == [
        "rules[0].type must be one of area_occupancy_over, dwell_over, line_count_over"
    ]


def test_the_seat_setting() -> None:
    from services.common.settings import CatalogSettings

    assert CatalogSettings(seats=" NFV4-MPA=8, NFDSS-FR=0 ,").seat_counts == {"NFV4-MPA": 8, "NFDSS-FR": 0}
    assert CatalogSettings().seat_counts == {"NFV4-MPA": 8, "NFV4-MVA": 8}  # measured (benchmarks/engine_analysis.py)
    assert CatalogSettings(seats="").seat_counts == {}
    for bad in ("NFV4-MPA", "NFV4-MPA=-1", "=3", "NFV4-MPA=two"):
        with pytest.raises(ValueError, match="VIGIL_ANALYTIC_SEATS"):
            CatalogSettings(seats=bad)


def test_a_plate_pattern_must_be_a_regular_expression() -> None:
    lpr = Catalog().get("NFV4-LPR3").config
    assert lpr.errors({"plate_pattern": "^[A-Z"}) == ["plate_pattern is not a valid regular expression"]
    assert lpr.errors({"plate_region": "ID", "plate_pattern": "^[A-Z]{1,2}[0-9]+$", "reads_per_track": 3}) == []
    assert lpr.errors({"plate_region": "XX"}) == ["plate_region must be one of generic, ID"]
