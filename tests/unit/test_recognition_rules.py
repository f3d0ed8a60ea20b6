"""Event rules stored in a pipeline config's `rules` (the items of
`/rules/pipeline`): checked by the catalog when the config is stored, and
judged by the face pipeline (`watchlist_match`, `unknown_face`, on real
YuNet faces and SFace embeddings of the astronaut and the cameraman) and
the plate stage (`plate_match`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from services.analysis import faces as fp
from services.analysis import overlay, plates
from services.catalog.analytics import CATALOG, rule_active
from services.catalog.work import WorkItem
from services.engine.analysers import in_hours, rules_of
from services.engine.plates import plate_events
from services.events.store import NewEvent
from services.events.vocabulary import SIGHTING
from services.vision import sface
from tests.faces_support import astronaut, two_people
from tests.plates_support import plated_motorcycle
from tests.unit.test_plates import detect, reader, zone
from tests.unit.test_vision import embed, faces

ANALYTICS = {a.id: a for a in CATALOG}
LEFT = [{"x": 0, "y": 0}, {"x": 0.5, "y": 0}, {"x": 0.5, "y": 1}, {"x": 0, "y": 1}]
RIGHT = [{"x": 0.5, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}, {"x": 0.5, "y": 1}]


def errors(analytic_id: str, config: dict[str, Any]) -> list[str]:
    return ANALYTICS[analytic_id].config.errors(config)


# --- the catalog: what a PUT refuses -------------------------------------------


def test_valid_rules_are_stored_with_the_config() -> None:
    fr = {"areas": [{"name": "Door", "points": LEFT}], "rules": [{"type": "unknown_face", "area": "Door"}]}
    assert errors("NFV4-FR", fr) == []
    assert errors("NFV4-LPR3", {"rules": [{"type": "plate_match", "plates": ["B 1234 XYZ"]}]}) == []
    assert errors("NFV4-LPR3", {"rules": [{"type": "plate_match", "pattern": "^B[0-9]+XYZ$"}]}) == []
    mpa = {
        "sub_analytics": [{"name": "area", "areas": [{"name": "Room", "points": LEFT}]}],
        "rules": [{"type": "area_occupancy_over", "area": "Room", "limit": 3}],
    }
    assert errors("NFV4-MPA", mpa) == []
    stored = ANALYTICS["NFV4-FR"].config.with_defaults(fr)
    assert stored["rules"] == fr["rules"]


@pytest.mark.parametrize(
    ("analytic_id", "config", "message"),
    [
        ("NFV4-FR", {"rules": [{"type": "unknown_face", "area": "Door"}]}, "rules[0].area Door is not one of"),
        ("NFV4-FR", {"rules": [{"type": "watchlist_match", "watchlist": "staff"}]}, "min_similarity is required"),
        (
            "NFV4-FR",
            {"rules": [{"type": "watchlist_match", "watchlist": "staff", "min_similarity": 2}]},
            "rules[0].min_similarity must be between 0 and 1",
        ),
        ("NFV4-FR", {"rules": [{"type": "plate_match", "plates": ["B1"]}]}, "rules[0].type must be one of"),
        ("NFV4-LPR3", {"rules": [{"type": "plate_match"}]}, "rules[0] needs plates"),
        ("NFV4-LPR3", {"rules": [{"type": "plate_match", "plates": [" - "]}]}, "rules[0] needs plates"),
        ("NFV4-LPR3", {"rules": [{"type": "plate_match", "pattern": "(["}]}, "rules[0].pattern"),
        (
            "NFV4-MPA",
            {"rules": [{"type": "dwell_over", "area": "Room", "seconds": 5}]},
            "rules[0].area Room is not an area of the active area sub-analytic",
        ),
        (
            "NFV4-MVA",
            {"rules": [{"type": "line_count_over", "line": "Lane", "limit": 5, "window_seconds": 60}]},
            "rules[0].line Lane is not a line of the active counting sub-analytic",
        ),
        ("NFV4-SS", {"rules": []}, "unknown setting rules"),
    ],
)
def test_a_rule_that_could_never_fire_is_refused(analytic_id: str, config: dict[str, Any], message: str) -> None:
    found = errors(analytic_id, config)
    assert any(message in e for e in found), found


def test_the_engine_hands_object_rules_to_the_analyser() -> None:
    rule = {"type": "area_occupancy_over", "area": "Room", "limit": 3}
    assert rules_of({"rules": [rule]}) == {"rules": [rule]}
    assert rules_of({}) == {"rules": []}


# --- faces ----------------------------------------------------------------------


def decided(config: dict[str, Any], gallery: fp.Gallery) -> fp.Decision:
    """The astronaut's photo as one frame of a one-face track, decided."""
    rgb = astronaut()
    analyser = fp.FaceAnalyser(config)
    (candidate,) = analyser.observe(faces(rgb), rgb, 0.0)
    analyser.offer(candidate, embed(rgb, candidate.face), rgb[:10, :10], 0.0)
    (track,) = analyser.reset()
    return analyser.decide(track, gallery)


@pytest.fixture(scope="module")
def people() -> tuple[np.ndarray, np.ndarray]:
    """(the astronaut's embedding, the cameraman's), from the two-people picture."""
    both = two_people()
    eileen, cameraman = (embed(both, f) for f in sorted(faces(both), key=lambda f: f.box[0]))
    return eileen, cameraman


def test_watchlist_match_fires_for_the_rule_s_list_and_similarity(people: tuple[np.ndarray, np.ndarray]) -> None:
    eileen, cameraman = people
    gallery = fp.Gallery(
        [
            fp.Enrolled(1, "Eileen Collins", "STS-93", 7, "vip", eileen),
            fp.Enrolled(2, "Cameraman", "", 8, "crew", cameraman),
        ]
    )
    rules = [
        {"type": "watchlist_match", "watchlist": "vip", "min_similarity": 0.5},  # fires
        {"type": "watchlist_match", "watchlist": "7", "min_similarity": 0.99},  # too strict
        {"type": "watchlist_match", "watchlist": "crew", "min_similarity": 0.5},  # not on it
        {"type": "watchlist_match", "watchlist": "8", "min_similarity": -1},  # anyone on it: fires
        {"type": "watchlist_match", "watchlist": "nobody", "min_similarity": 0},  # no such list
    ]
    decision = decided({"rules": rules, "similarity_threshold": 0.99}, gallery)
    assert decision.match is None  # the config's own threshold says stranger ...
    hits = {hit.index: hit for hit in decision.rule_hits}
    assert sorted(hits) == [0, 3]  # ... while the rule's own threshold is met
    assert hits[0].match is not None and hits[0].match.name == "Eileen Collins" and hits[0].match.similarity > 0.5
    assert hits[3].match is not None and hits[3].match.name == "Cameraman"
    assert hits[3].match.similarity < sface.SAME_PERSON
    assert decision.events == [fp.FACE_SEEN, fp.STRANGER, fp.WATCHLIST_MATCH, fp.WATCHLIST_MATCH]
    assert decided({}, gallery).rule_hits == []  # no rules, no rule events


def test_unknown_face_fires_for_a_stranger_in_the_rule_s_area(people: tuple[np.ndarray, np.ndarray]) -> None:
    _, cameraman = people
    gallery = fp.Gallery([fp.Enrolled(2, "Cameraman", "", 8, "crew", cameraman)])
    areas = [{"name": "Left", "points": LEFT}, {"name": "Right", "points": RIGHT}]
    # The astronaut's face is at x 179..269 of 512: the left half.
    rules = [{"type": "unknown_face", "area": "Left"}, {"type": "unknown_face", "area": "Right"}]
    config = {"areas": areas, "rules": rules}
    decision = decided(config, gallery)
    assert decision.match is None
    assert [(h.index, h.type) for h in decision.rule_hits] == [(0, fp.UNKNOWN_FACE)]
    # Recognised, she is no unknown face.
    eileen = fp.Gallery([fp.Enrolled(1, "Eileen Collins", "", 7, "vip", people[0])])
    assert decided(config, eileen).rule_hits == []


# --- plates ---------------------------------------------------------------------


def test_plate_match_by_list_or_pattern() -> None:
    config = {
        "rules": [
            {"type": "plate_match", "plates": ["b 1234-xyz", "AD77KL"]},
            {"type": "plate_match", "pattern": "^D[0-9]{1,4}A$"},
        ]
    }
    settings = plates.PlateSettings.from_config(config)
    listed, patterned = settings.rules
    assert listed.matches("B1234XYZ") and listed.matches("ad 77 kl")
    assert not listed.matches("B1234XY") and not listed.matches("")
    assert patterned.matches("D5A") and not patterned.matches("XD5A")
    assert listed.describe() == {"rule": 0}
    assert patterned.describe() == {"rule": 1, "rule_pattern": "^D[0-9]{1,4}A$"}
    assert plates.PlateSettings.from_config({}).rules == ()
    with pytest.raises(plates.PlateSettingsError, match=r"rules\[0\]\.pattern"):
        plates.PlateSettings.from_config({"rules": [{"type": "plate_match", "pattern": "(["}]})


# --- overlays -------------------------------------------------------------------


def share(rgb: np.ndarray, colour: Any) -> float:
    """The share of pixels of (nearly) `colour`."""
    return float((np.abs(rgb.astype(int) - np.array(colour.as_rgb())).max(axis=2) < 40).mean())


def test_the_face_overlay_names_recognised_faces_and_marks_unknown_ones(people: tuple[np.ndarray, np.ndarray]) -> None:
    rgb = astronaut()
    analyser = fp.FaceAnalyser({"similarity_threshold": 0.6})
    (candidate,) = analyser.observe(faces(rgb), rgb, 0.0)
    analyser.offer(candidate, embed(rgb, candidate.face), rgb[:10, :10], 0.0)
    eileen, cameraman = people
    (known,) = analyser.marks(0.0, (512, 512), fp.Gallery([fp.Enrolled(1, "Eileen", "", 7, "vip", eileen)]))
    assert known.name == "Eileen" and known.similarity is not None and known.similarity > 0.6
    assert 0.3 < known.box[0] < 0.4 and known.box[2] < 0.6  # the face at x 179..269 of 512
    (stranger,) = analyser.marks(0.0, (512, 512), fp.Gallery([fp.Enrolled(2, "Cameraman", "", 8, "crew", cameraman)]))
    assert stranger.name is None and stranger.similarity is not None and stranger.similarity < sface.SAME_PERSON
    assert analyser.marks(1.0, (512, 512), fp.Gallery()) == []  # not seen in that frame

    before = rgb.copy()
    drawn = overlay.draw_faces(rgb, [known])
    assert np.array_equal(rgb, before)  # drawn on a copy
    assert share(drawn, overlay.RECOGNISED) > 0.003 and share(rgb, overlay.RECOGNISED) < 0.0005
    unknown = overlay.draw_faces(rgb, [stranger])
    assert share(unknown, overlay.UNKNOWN) > 0.003 and share(unknown, overlay.RECOGNISED) < 0.0005


def test_the_plate_overlay_draws_vehicles_and_their_plates() -> None:
    frame = np.full((240, 320, 3), 90, dtype=np.uint8)
    read = plates.VehicleMark(3, "car", (0.1, 0.1, 0.6, 0.8), "B1234XYZ", (0.2, 0.6, 0.4, 0.7), matched=False)
    drawn = overlay.draw_plates(frame, [read])
    assert share(drawn, overlay.PLATE) > 0.01 and share(frame, overlay.PLATE) == 0
    listed = overlay.draw_plates(frame, [plates.VehicleMark(3, "car", read.box, "B1234XYZ", None, matched=True)])
    assert share(listed, overlay.LISTED) > 0.01 and share(listed, overlay.PLATE) < 0.001
    assert np.array_equal(overlay.draw_plates(frame, []), frame)


async def test_a_listed_plate_is_marked_for_the_overlay_as_read() -> None:
    image = plated_motorcycle("B1234XYZ")
    detections = detect(image)
    rules = [{"type": "plate_match", "plates": ["B 1234 XYZ"]}]
    analyser = plates.PlateAnalyser({"plate_region": "ID", "reads_per_track": 10, "rules": rules})
    height, width = image.shape[:2]
    for time in (0.0, 0.2):  # ByteTrack confirms a track on its second frame
        for vehicle in analyser.vehicles(detections, (width, height), time):
            box = (vehicle.box[0] * width, vehicle.box[1] * height, vehicle.box[2] * width, vehicle.box[3] * height)
            read = await reader().read(zone(image, box), analyser.settings.pattern)
            assert analyser.add(vehicle.track_id, read, image, image, (0.4, 0.7, 0.6, 0.8))
    (mark,) = analyser.marks(0.2, datetime.now(UTC))
    assert (mark.label, mark.text, mark.matched, mark.plate_box) == (
        "motorcycle",
        "B1234XYZ",
        True,
        (0.4, 0.7, 0.6, 0.8),
    )
    assert analyser.marks(0.4, datetime.now(UTC)) == []  # not seen in that frame


def hours_without(now: datetime) -> tuple[dict[str, str], datetime]:
    """`active_hours` (UTC) of one whole hour that leaves out `now` (it
    starts one to two hours later), and a time inside them."""
    start = (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    hours = {"from": start.strftime("%H:%M"), "to": (start + timedelta(hours=1)).strftime("%H:%M"), "timezone": "UTC"}
    return hours, start + timedelta(minutes=30)


async def test_a_listed_plate_outside_its_rules_active_hours_is_drawn_as_any_plate() -> None:
    """The overlay's match colour means "a rule fires now": a plate listed by
    a rule whose `active_hours` leave out now is not matched, and the
    stage's events for it have no `plate_match` either (one function,
    `PlateRule.fires`, judges both); inside the hours both say it is."""
    image = plated_motorcycle("B1234XYZ")
    detections = detect(image)
    now = datetime.now(UTC)
    hours, later = hours_without(now)
    rules = [{"type": "plate_match", "plates": ["B1234XYZ"], "active_hours": hours}]
    analyser = plates.PlateAnalyser({"plate_region": "ID", "reads_per_track": 10, "rules": rules})
    height, width = image.shape[:2]
    for time in (0.0, 0.2):
        for vehicle in analyser.vehicles(detections, (width, height), time):
            box = (vehicle.box[0] * width, vehicle.box[1] * height, vehicle.box[2] * width, vehicle.box[3] * height)
            read = await reader().read(zone(image, box), analyser.settings.pattern)
            assert analyser.add(vehicle.track_id, read, image, image)
    (mark,) = analyser.marks(0.2, now)
    assert mark.text == "B1234XYZ" and not mark.matched
    drawn = overlay.draw_plates(image, [mark])
    assert share(drawn, overlay.LISTED) < share(image, overlay.LISTED) + 0.001
    (inside,) = analyser.marks(0.2, later)
    assert inside.matched
    assert share(overlay.draw_plates(image, [inside]), overlay.LISTED) > share(image, overlay.LISTED) + 0.005

    (result,) = analyser.reset()
    item = WorkItem(1, "cam", 0, "NFV4-LPR3", "live", {}, 1, "running", None, None, 0.0, "", 0, 0, "")
    outside = plate_events(item, analyser.settings, result, now, now)
    assert [e.event_type for e in outside] == ["plate_read"]
    fired = plate_events(item, analyser.settings, result, now, later)
    assert [(e.event_type, e.sub_analytic) for e in fired] == [("plate_read", ""), ("plate_match", "rules[0]")]
    # One vehicle, one sighting: both events carry the same new key.
    assert fired[0].attributes[SIGHTING] == fired[1].attributes[SIGHTING] != outside[0].attributes[SIGHTING]


# --- active hours ---------------------------------------------------------------


def test_active_hours_limit_a_rule_to_a_time_of_day() -> None:
    night = {
        "type": "unknown_face",
        "area": "Door",
        "active_hours": {"from": "22:00", "to": "06:00", "timezone": "Asia/Jakarta"},
    }
    day = {**night, "active_hours": {"from": "08:00", "to": "17:30"}}  # UTC
    # 16:00 UTC is 23:00 in Jakarta (UTC+7); 12:00 UTC is 19:00 there.
    assert rule_active(night, datetime(2026, 12, 6, 16, 0, tzinfo=UTC))
    assert not rule_active(night, datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    assert rule_active(day, datetime(2026, 12, 6, 8, 0, tzinfo=UTC)) and not rule_active(
        day, datetime(2026, 12, 6, 17, 30, tzinfo=UTC)
    )
    assert rule_active({"type": "unknown_face", "area": "Door"}, datetime(2026, 12, 6, 3, 0, tzinfo=UTC))

    def event(sub: str, **attributes: Any) -> NewEvent:
        return NewEvent(
            "s", "NFV4-FR", "x", datetime(2026, 12, 6, 12, 0, tzinfo=UTC), sub_analytic=sub, attributes=attributes
        )

    config = {"rules": [night, day]}
    kept = in_hours(
        config, [event("", rule=0), event("rules[0]", rule=0), event("rules[1]", rule=1), event("rules", rule=0)]
    )
    assert [(e.sub_analytic, e.attributes["rule"]) for e in kept] == [("", 0), ("rules[1]", 1)]

    areas = [{"name": "Door", "points": LEFT}]
    bad_zone = {**night, "active_hours": {"from": "22:00", "to": "06:00", "timezone": "Mars/Olympus"}}
    assert errors("NFV4-FR", {"areas": areas, "rules": [night, day]}) == []
    assert errors("NFV4-FR", {"areas": areas, "rules": [bad_zone]}) == [
        "rules[0].active_hours.timezone Mars/Olympus is not a known time zone"
    ]
    empty = {**night, "active_hours": {"from": "06:00", "to": "06:00"}}
    assert errors("NFV4-FR", {"areas": areas, "rules": [empty]}) == [
        "rules[0].active_hours is empty (from and to are both 06:00)"
    ]
    assert any(
        "active_hours.from" in e
        for e in errors(
            "NFV4-FR", {"areas": areas, "rules": [{**night, "active_hours": {"from": "25:00", "to": "06:00"}}]}
        )
    )
