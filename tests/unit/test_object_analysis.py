"""The people and vehicle analyser (services/analysis/objects.py) on
synthetic detections: the real ByteTrack, exact counts each way, `in`,
`out` and `both`, a box wobbling on a line, dwell from frame times,
occupancy, region of interest, thresholds and labels, and a config change
taken live."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from services.analysis import geometry
from services.analysis.objects import (
    AREA_ENTER,
    AREA_EXIT,
    DWELL_OVER,
    LINE_IN,
    LINE_OUT,
    LOST_SECONDS,
    OCCUPANCY_OVER,
    Event,
    ObjectAnalyser,
)
from services.vision.yolox import COCO_CLASSES, Detection

W, H = 640, 480
#: A person box: 0.08 of the frame wide, 0.3 high.
BOX_W, BOX_H = 0.08, 0.3
LINE = [{"x": 0.1, "y": 0.5}, {"x": 0.9, "y": 0.5}]
SQUARE = [{"x": 0.2, "y": 0.2}, {"x": 0.6, "y": 0.2}, {"x": 0.6, "y": 0.8}, {"x": 0.2, "y": 0.8}]


def person(cx: float, bottom: float, score: float = 0.9, label: str = "person") -> Detection:
    """A detection whose bottom centre is at (cx, bottom), normalised."""
    box = ((cx - BOX_W / 2) * W, (bottom - BOX_H) * H, (cx + BOX_W / 2) * W, bottom * H)
    return Detection(label, COCO_CLASSES.index(label), score, box)


def counting(direction: str = "both", roi: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """A config with one counting line, `Door` (extra: the sub-analytic's settings)."""
    return {
        "object_confidence_threshold": 0.5,
        "sample_fps": 5,
        "areas": roi or [],
        "sub_analytics": [
            {"name": "counting", "areas": [{"name": "Door", "points": LINE, "direction": direction}], **extra}
        ],
    }


def area_config(**limits: Any) -> dict[str, Any]:
    return {"sub_analytics": [{"name": "area", "areas": [{"name": "Room", "points": SQUARE, **limits}]}]}


def walk(start: float, end: float, step: float = 0.02) -> list[float]:
    n = round(abs(end - start) / step)
    return [start + (end - start) * i / n for i in range(n + 1)]


def run(analyser: ObjectAnalyser, frames: list[list[Detection]], t0: float = 0.0, dt: float = 0.2) -> list[Event]:
    events: list[Event] = []
    for i, detections in enumerate(frames):
        events += analyser.analyse(detections, (W, H), t0 + i * dt).events
    return events


def there_and_back() -> list[list[Detection]]:
    """One person crossing the line down, up, and down again."""
    path = walk(0.3, 0.7) + walk(0.7, 0.3)[1:] + walk(0.3, 0.7)[1:]
    return [[person(0.5, y)] for y in path]


def test_geometry_crossing_sign_and_polygon() -> None:
    line = [(0.1, 0.5), (0.9, 0.5)]
    assert geometry.crossing(line, (0.5, 0.4), (0.5, 0.6)) == 1  # downwards across a left-to-right line: in
    assert geometry.crossing(line, (0.5, 0.6), (0.5, 0.4)) == -1
    assert geometry.crossing(line, (0.95, 0.4), (0.95, 0.6)) == 0  # beside the line's end
    assert geometry.crossing(line[::-1], (0.5, 0.4), (0.5, 0.6)) == -1  # drawn right to left: the other way
    bent = [(0.1, 0.5), (0.5, 0.5), (0.5, 0.9)]
    assert geometry.crossing(bent, (0.7, 0.7), (0.3, 0.7)) == 1
    square = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.8), (0.2, 0.8)]
    assert geometry.inside(square, (0.4, 0.5)) and not geometry.inside(square, (0.7, 0.5))


def test_exact_counts_each_way_with_both() -> None:
    analyser = ObjectAnalyser("NFV4-MPA", counting("both"))
    events = run(analyser, there_and_back())
    assert [e.type for e in events] == [LINE_IN, LINE_OUT, LINE_IN]
    assert len({e.track_id for e in events}) == 1  # one person, one track all along
    (count,) = analyser.lines()
    assert (count.in_count, count.out_count) == (2, 1)
    first = events[0]
    assert first.sub_analytic == "counting" and first.label == "person" and first.score == pytest.approx(0.9)
    assert first.attributes == {"line": "Door", "direction": "in", "in_count": 1, "out_count": 0}
    x1, y1, x2, y2 = first.box
    assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1 and 0.5 < y2 < 0.6  # normalised, just past the line


@pytest.mark.parametrize(
    ("direction", "types", "counts"), [("in", [LINE_IN, LINE_IN], (2, 0)), ("out", [LINE_OUT], (0, 1))]
)
def test_one_direction_counts_only_that_way(direction: str, types: list[str], counts: tuple[int, int]) -> None:
    analyser = ObjectAnalyser("NFV4-MPA", counting(direction))
    assert [e.type for e in run(analyser, there_and_back())] == types
    (count,) = analyser.lines()
    assert (count.in_count, count.out_count) == counts


def test_a_box_wobbling_on_the_line_is_counted_once() -> None:
    path = walk(0.3, 0.49) + [0.51, 0.49, 0.505, 0.495, 0.51, 0.49, 0.51, 0.5] * 3 + walk(0.5, 0.7)
    analyser = ObjectAnalyser("NFV4-MPA", counting("both"))
    events = run(analyser, [[person(0.5, y)] for y in path])
    assert [e.type for e in events] == [LINE_IN]
    (count,) = analyser.lines()
    assert (count.in_count, count.out_count) == (1, 0)


def test_two_people_crossing_opposite_ways_at_once() -> None:
    down, up = walk(0.3, 0.7), walk(0.7, 0.3)
    analyser = ObjectAnalyser("NFV4-MPA", counting("both"))
    events = run(analyser, [[person(0.3, a), person(0.7, b)] for a, b in zip(down, up, strict=True)])
    assert sorted(e.type for e in events) == [LINE_IN, LINE_OUT]
    assert len({e.track_id for e in events}) == 2


def test_walking_beside_the_line_is_not_a_crossing() -> None:
    analyser = ObjectAnalyser("NFV4-MPA", counting("both"))
    assert run(analyser, [[person(0.95, y)] for y in walk(0.3, 0.7)]) == []


def test_dwell_is_timed_from_frame_times_and_reported_once() -> None:
    analyser = ObjectAnalyser("NFV4-MPA", area_config(max_dwell_seconds=3))
    times = [0.0, 0.2, 0.4, 1.5, 2.9, 3.3, 3.6, 5.0, 6.5]  # irregular, as a sampled live stream
    events: list[Event] = []
    for t in times:
        events += analyser.analyse([person(0.4, 0.6)], (W, H), t).events
    kinds = [(e.type, e.time) for e in events]
    # The track is confirmed on its second frame (0.2 s): dwell is past 3 s at 3.3 s (3.1 s), not at 2.9 s.
    assert kinds == [(AREA_ENTER, 0.2), (DWELL_OVER, 3.3)]
    assert events[1].attributes["dwell_seconds"] == pytest.approx(3.1)
    assert events[1].attributes["limit"] == 3
    events = run(analyser, [[person(x, 0.6)] for x in walk(0.42, 0.7)], t0=6.7)  # walks out to the right
    assert [e.type for e in events] == [AREA_EXIT]
    assert events[0].attributes["dwell_seconds"] == pytest.approx(events[0].time - 0.2)
    assert (events[0].box[0] + events[0].box[2]) / 2 > 0.59  # at the edge of the area or past it
    (count,) = analyser.areas()
    assert (count.occupancy, count.entries, count.exits) == (0, 1, 1)


def test_occupancy_over_the_limit_is_raised_once_per_rise() -> None:
    analyser = ObjectAnalyser("NFV4-MPA", area_config(max_occupancy=2))
    three = [person(0.25, 0.5), person(0.4, 0.5), person(0.55, 0.5)]
    events = run(analyser, [three] * 5)
    assert [e.type for e in events].count(AREA_ENTER) == 3
    over = [e for e in events if e.type == OCCUPANCY_OVER]
    assert len(over) == 1 and over[0].attributes == {"area": "Room", "occupancy": 3, "limit": 2}
    assert analyser.areas()[0].occupancy == 3


def test_a_lost_track_leaves_its_area_after_lost_seconds() -> None:
    analyser = ObjectAnalyser("NFV4-MPA", area_config())
    run(analyser, [[person(0.4, 0.6)]] * 3)
    assert analyser.areas()[0].occupancy == 1
    assert analyser.analyse([], (W, H), 0.4 + LOST_SECONDS / 2).events == []  # briefly unseen: still inside
    events = analyser.analyse([], (W, H), 0.4 + LOST_SECONDS + 0.1).events
    assert [e.type for e in events] == [AREA_EXIT]
    assert events[0].attributes["dwell_seconds"] == pytest.approx(0.2)  # from entry to last seen


def test_region_of_interest_and_threshold_and_labels() -> None:
    roi = [
        {"name": "Left half", "points": [{"x": 0, "y": 0}, {"x": 0.5, "y": 0}, {"x": 0.5, "y": 1}, {"x": 0, "y": 1}]}
    ]
    frames = [[person(0.3, y), person(0.7, y)] for y in walk(0.3, 0.7)]
    analyser = ObjectAnalyser("NFV4-MPA", counting("both", roi=roi))
    assert [e.type for e in run(analyser, frames)] == [LINE_IN]  # the right-hand person is outside the ROI
    assert analyser.lines()[0].in_count == 1

    low = [[person(0.5, y, score=0.4)] for y in walk(0.3, 0.7)]
    analyser = ObjectAnalyser("NFV4-MPA", counting("both"))
    assert run(analyser, low) == []  # under object_confidence_threshold 0.5: never tracked
    analyser = ObjectAnalyser("NFV4-MPA", {**counting("both"), "object_confidence_threshold": 0.3})
    assert [e.type for e in run(analyser, low)] == [LINE_IN]
    # The counting sub-analytic's own threshold is stricter: the track is followed but not counted.
    config = counting("both", object_confidence_threshold=0.6)
    config["object_confidence_threshold"] = 0.3
    analyser = ObjectAnalyser("NFV4-MPA", config)
    assert run(analyser, low) == []

    cars = [[person(0.5, y, label="car")] for y in walk(0.3, 0.7)]
    assert run(ObjectAnalyser("NFV4-MPA", counting("both")), cars) == []
    events = run(ObjectAnalyser("NFV4-MVA", counting("both")), cars)
    assert [(e.type, e.label) for e in events] == [(LINE_IN, "car")]


def test_inactive_sub_analytic_counts_nothing() -> None:
    config = counting("both", is_active=False)
    analyser = ObjectAnalyser("NFV4-MPA", config)
    assert run(analyser, there_and_back()) == [] and analyser.lines() == []


def test_a_config_change_keeps_tracks_and_unchanged_counts() -> None:
    analyser = ObjectAnalyser("NFV4-MPA", counting("both"))
    first = run(analyser, [[person(0.5, y)] for y in walk(0.3, 0.7)])
    assert [e.type for e in first] == [LINE_IN]
    config = counting("both")
    config["sub_analytics"][0]["areas"].append(
        {"name": "Upper", "points": [{"x": 0.1, "y": 0.4}, {"x": 0.9, "y": 0.4}], "direction": "out"}
    )
    analyser.configure(config)
    second = run(
        analyser, [[person(0.5, y)] for y in walk(0.7, 0.3)[1:]], t0=4.2
    )  # after the 21 frames of the first walk
    assert [(e.type, e.attributes["line"]) for e in second] == [(LINE_OUT, "Door"), (LINE_OUT, "Upper")]
    assert {e.track_id for e in first + second} == {first[0].track_id}  # the same track across the change
    door, upper = analyser.lines()
    assert (door.in_count, door.out_count) == (1, 1) and (upper.in_count, upper.out_count) == (0, 1)
    analyser.configure(counting("in"))  # the direction changed: a new line, counted afresh
    assert [(c.in_count, c.out_count) for c in analyser.lines()] == [(0, 0)]


def test_frames_out_of_order_are_ignored() -> None:
    analyser = ObjectAnalyser("NFV4-MPA", area_config())
    run(analyser, [[person(0.4, 0.6)]] * 3)
    assert analyser.analyse([person(0.8, 0.6)], (W, H), 0.1).events == []
    assert analyser.areas()[0].occupancy == 1


def test_reset_ends_tracks_and_keeps_counts() -> None:
    config = counting("both")
    config["sub_analytics"] += area_config()["sub_analytics"]
    analyser = ObjectAnalyser("NFV4-MPA", config)
    run(analyser, [[person(0.4, y)] for y in walk(0.3, 0.7)])
    assert analyser.areas()[0].occupancy == 1
    events = analyser.reset()
    assert [(e.type, e.time) for e in events] == [(AREA_EXIT, pytest.approx(4.0))]  # as last seen
    assert analyser.areas()[0].occupancy == 0 and analyser.lines()[0].in_count == 1
    # The restarted source's times begin again at 0: taken, with a new track.
    again = run(analyser, [[person(0.4, y)] for y in walk(0.3, 0.7)])
    assert [e.type for e in again] == [LINE_IN, AREA_ENTER] or [e.type for e in again] == [AREA_ENTER, LINE_IN]
    assert again[0].track_id != events[0].track_id
    assert analyser.lines()[0].in_count == 2


def test_not_an_object_analytic_or_no_frame() -> None:
    with pytest.raises(ValueError, match="frame size"):
        ObjectAnalyser("NFV4-MPA", {}).analyse([], (0, 480), 0.0)
    with pytest.raises(ValueError, match="NFV4-FR"):
        ObjectAnalyser("NFV4-FR", {})


def test_overlay_draws_boxes_lines_and_areas_on_a_copy() -> None:
    from services.analysis import overlay

    config = counting("both")
    config["sub_analytics"] += area_config(max_occupancy=1)["sub_analytics"]
    analyser = ObjectAnalyser("NFV4-MPA", config)
    frames = [[person(0.4, y), person(0.3, y)] for y in walk(0.3, 0.7)]
    for i, detections in enumerate(frames):
        result = analyser.analyse(detections, (W, H), i * 0.2)
    assert len(result.objects) == 2 and result.areas[0].occupancy == 2
    frame = np.full((H, W, 3), 128, np.uint8)
    before = frame.copy()
    drawn = overlay.draw(frame, result)
    assert np.array_equal(frame, before)  # the engine's frame is not written
    assert drawn.shape == frame.shape and drawn.dtype == np.uint8

    def rgb(x: float, y: float) -> tuple[int, ...]:
        return tuple(int(v) for v in drawn[round(y * H), round(x * W)])

    assert rgb(0.8, 0.5) == overlay.LINE.as_rgb()  # on the counting line, clear of boxes and texts
    assert rgb(0.6, 0.7) == overlay.OVER.as_rgb()  # the area's right edge: 2 people, limit 1
    box = result.objects[0].box
    assert rgb(box[0], (box[1] + box[3]) / 2) == overlay.BOX.as_rgb()  # the box's left edge
    assert rgb(0.95, 0.1) == (128, 128, 128)  # nothing drawn where nothing is
    # The counts are written: the text beside the line's end is not grey.
    label = drawn[round(0.5 * H) - 30 : round(0.5 * H) + 30, round(0.9 * W) - 5 : W]
    assert (label != 128).any()


def test_event_rules_of_rules_pipeline() -> None:
    """`line_count_over` (crossings within a window), `area_occupancy_over`
    and `dwell_over`, as `/rules/pipeline` describes them."""
    config = counting("both")
    config["sub_analytics"] += area_config()["sub_analytics"]
    rules = {
        "rules": [
            {"type": "line_count_over", "line": "Door", "limit": 2, "window_seconds": 10},
            {"type": "line_count_over", "line": "Door", "limit": 2, "window_seconds": 5},
        ]
    }
    analyser = ObjectAnalyser("NFV4-MPA", config, rules)
    events = run(analyser, there_and_back())
    crossings = [e.time for e in events if e.sub_analytic == "counting"]
    assert len(crossings) == 3 and 5 < crossings[2] - crossings[0] < 10  # all three within 10 s, never within 5 s
    fired = [e for e in events if e.sub_analytic == "rules"]
    assert [(e.type, e.attributes["rule"], e.attributes["count"], e.time) for e in fired] == [
        ("line_count_over", 0, 3, crossings[2])
    ]

    analyser = ObjectAnalyser(
        "NFV4-MPA",
        area_config(),
        {
            "rules": [
                {"type": "area_occupancy_over", "area": "Room", "limit": 2},
                {"type": "dwell_over", "area": "Room", "seconds": 1},
            ]
        },
    )
    three = [person(0.25, 0.5), person(0.4, 0.5), person(0.55, 0.5)]
    events = [e for e in run(analyser, [three] * 10) if e.sub_analytic == "rules"]
    assert [e.type for e in events] == ["area_occupancy_over"] + ["dwell_over"] * 3
    assert events[0].attributes == {"rule": 0, "area": "Room", "limit": 2, "occupancy": 3}
    assert len({e.track_id for e in events[1:]}) == 3 and all(e.attributes["dwell_seconds"] >= 1 for e in events[1:])
    analyser.reset()  # a restarted source: the rules see the new clock only
    events = [e for e in run(analyser, [three] * 10) if e.sub_analytic == "rules"]
    assert [e.type for e in events] == ["area_occupancy_over"] + ["dwell_over"] * 3
    analyser.configure(area_config(), None)  # rules taken away: none raised any more
    assert [e for e in run(analyser, [three] * 10, t0=2.0) if e.sub_analytic == "rules"] == []
