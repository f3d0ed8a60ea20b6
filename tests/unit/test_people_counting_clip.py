"""The issue's real test of people counting: an H.264 clip made here (PyAV)
in which a person picture (scikit-image's astronaut) walks across a counting
line a known number of times each way, decoded with PyAV, sampled at 5 fps,
run through the real YOLOX-Nano the analytics use (`yolox_nano_u8` of the
model repository, in-process onnxruntime, as tests/unit/test_vision.py) and
the analyser: exactly those counts, events and area entries come out."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import av
import numpy as np
import onnxruntime as ort
import pytest

from services.analysis.objects import AREA_ENTER, AREA_EXIT, LINE_IN, LINE_OUT, ObjectAnalyser
from services.vision import image as img
from services.vision import yolox
from services.vision.detectors import OBJECT_MODEL
from tests.inference_support import model_repository, picture

W, H = 640, 480
FPS = 10
SIZE = 200  # the picture's width in pixels: YOLOX-Nano scores the person 0.78..0.82, the motorcycle 0.78..0.81
STEP = 16  # pixels a frame
LEFT, RIGHT = 20, W - SIZE - 20
#: Walks: left to right, back, and so on; the line is the frame's vertical middle.
PASSES = 3


@cache
def session() -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    path = model_repository() / OBJECT_MODEL / "1" / "model.onnx"
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def make_clip(path: Path, name: str) -> None:
    """The picture `name` moving left and right on a grey floor, `PASSES`
    times, standing still half a second at each end."""
    source = picture(name)
    height = round(source.shape[0] * SIZE / source.shape[1])
    thing = img.resize(source, SIZE, height)
    walk = list(range(LEFT, RIGHT + 1, STEP))
    xs: list[int] = []
    for n in range(PASSES):
        xs += [xs[-1] if xs else LEFT] * (FPS // 2) + (walk if n % 2 == 0 else walk[::-1])
    xs += [xs[-1]] * (FPS // 2)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for x in xs:
            canvas = np.full((H, W, 3), 128, np.uint8)
            canvas[H - height - 40 : H - 40, x : x + SIZE] = thing
            for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def detect(frame: np.ndarray) -> list[yolox.Detection]:
    """As `detectors.detect_objects` calls the served model: the letterboxed
    RGB frame as it is (uint8 HWC)."""
    boxed = img.letterbox(frame, yolox.INPUT_SIZE, yolox.INPUT_SIZE, pad=yolox.PAD)
    out = session().run(None, {"images": boxed.image[None]})[0][0]
    return yolox.decode(out, boxed.scale, score_threshold=0.1, shape=frame.shape[:2])


@pytest.mark.parametrize(
    ("name", "analytic", "label"),
    [
        ("astronaut.png", "NFV4-MPA", "person"),
        pytest.param("motorcycle_left.png", "NFV4-MVA", "motorcycle", marks=pytest.mark.slow),
    ],
)
def test_a_person_crossing_a_line_is_counted_exactly_each_way(
    tmp_path: Path, name: str, analytic: str, label: str
) -> None:
    """(And a motorcycle for vehicle analytics, among the slow cases.)"""
    clip = tmp_path / "walks.mp4"
    make_clip(clip, name)
    config = {
        "object_confidence_threshold": 0.5,
        "sample_fps": 5,
        "sub_analytics": [
            {
                "name": "counting",
                # Drawn upwards: a walk from left to right crosses it `in`.
                "areas": [{"name": "Middle", "points": [{"x": 0.5, "y": 0.98}, {"x": 0.5, "y": 0.02}]}],
            },
            {
                "name": "area",
                "areas": [
                    {
                        "name": "Right",
                        "points": [{"x": 0.7, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}, {"x": 0.7, "y": 1}],
                    }
                ],
            },
        ],
    }
    analyser = ObjectAnalyser(analytic, config)
    events = []
    analysed = 0
    with av.open(str(clip)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % (FPS // 5):
                continue  # sampled at 5 fps
            analysed += 1
            rgb = frame.to_ndarray(format="rgb24")
            assert frame.time is not None
            result = analyser.analyse(detect(rgb), (W, H), frame.time)
            assert [o.label for o in result.objects] in ([], [label])
            events += result.events
    assert analysed > 40
    crossings = [e for e in events if e.sub_analytic == "counting"]
    assert [e.type for e in crossings] == [LINE_IN, LINE_OUT, LINE_IN]
    (line,) = analyser.lines()
    assert (line.in_count, line.out_count) == (2, 1)
    assert len({e.track_id for e in events}) == 1  # one object, one track throughout
    assert all(e.label == label and e.score >= 0.5 for e in crossings)
    # The event's box is where the person is: its bottom centre just past the middle.
    for e in crossings:
        centre = (e.box[0] + e.box[2]) / 2
        assert (0.5 < centre < 0.65) if e.type == LINE_IN else (0.35 < centre < 0.5)
    areas = [e.type for e in events if e.sub_analytic == "area"]
    assert areas == [AREA_ENTER, AREA_EXIT, AREA_ENTER]
    (area,) = analyser.areas()
    assert (area.occupancy, area.entries, area.exits) == (1, 2, 1)
