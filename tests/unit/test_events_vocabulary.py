"""The events library's vocabulary follows the catalog: every analytic of
the catalog may append events, and every rule the catalog offers has an
event type."""

from __future__ import annotations

from services.analysis import objects
from services.catalog.analytics import CATALOG
from services.engine import findface
from services.events.vocabulary import ANALYTIC_IDS, EVENT_TYPES, FINDFACE_ANALYTIC_IDS


def test_analytic_ids_are_the_catalogs_and_findfaces() -> None:
    assert set(ANALYTIC_IDS) == {analytic.id for analytic in CATALOG} | set(FINDFACE_ANALYTIC_IDS)
    assert set(FINDFACE_ANALYTIC_IDS) == set(findface.ANALYTICS)
    assert set(findface.EVENT_TYPES.values()) <= set(EVENT_TYPES)


def test_every_rule_of_the_catalog_is_an_event_type() -> None:
    rules = {
        branch["title"]
        for analytic in CATALOG
        for branch in analytic.rules.get("properties", {}).get("rules", {}).get("items", {}).get("oneOf", [])
    }
    assert rules and rules <= set(EVENT_TYPES)


def test_every_type_the_analysis_raises_is_an_event_type() -> None:
    raised = {
        objects.LINE_IN,
        objects.LINE_OUT,
        objects.AREA_ENTER,
        objects.AREA_EXIT,
        objects.OCCUPANCY_OVER,
        objects.DWELL_OVER,
        "line_count_over",
    }
    assert raised <= set(EVENT_TYPES)
