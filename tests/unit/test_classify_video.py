"""Checking, decoding and sampling alarm clips with PyAV: honest specs (the
document's 640x360 -> 568x320 example), the sampling rate, the models'
inputs against the vision module's own preprocessing, and the Gaard errors
for pictures, garbage, truncated MP4s and clips that are too long."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import skimage

from services.classification import errors
from services.classification.video import (
    SampledFrame,
    SamplingPlan,
    Specs,
    analysis_size,
    decode,
    detector_input,
    probe,
    text_input,
)
from services.common.errors import VigilError
from services.vision import ocr, yolox
from tests.classify_support import make_clip, scene

PLAN = SamplingPlan(sample_fps=3.0, frame_height=320, max_seconds=60.0, text_frames=3)


def decode_all(path: Path, plan: SamplingPlan = PLAN) -> tuple[Specs, list[SampledFrame]]:
    frames: list[SampledFrame] = []
    specs = decode(str(path), plan, frames.append)
    return specs, frames


def gaard_code(call: object) -> tuple[int, int]:
    with pytest.raises(VigilError) as caught:
        call()  # type: ignore[operator]
    return caught.value.error_code, caught.value.http_status


def test_specs_of_the_documents_example_size(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", ["astronaut.png"], seconds=3, fps=6)
    info = probe(str(clip), 60)
    assert (info.width, info.height, info.fps, info.duration, info.codec) == (640, 360, 6.0, 3.0, "h264")
    specs, frames = decode_all(clip)
    assert specs.as_map() == {
        "width": 568.0,
        "height": 320.0,
        "fps": 3.0,
        "nframes": 9.0,
        "duration": 3.0,
        "original.width": 640.0,
        "original.height": 360.0,
        "original.fps": 6.0,
        "original.nframes": 18.0,
    }
    assert [f.index for f in frames] == list(range(9))
    assert [round(f.time, 3) for f in frames] == [round(i / 3, 3) for i in range(9)]
    assert all(f.size == (568, 320) and f.detector_input.shape == (3, 416, 416) for f in frames)


def test_a_clip_slower_than_the_sample_rate_keeps_every_frame(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "slow.mp4", ["wall"], seconds=4, fps=2, width=320, height=240)
    specs, frames = decode_all(clip)
    assert len(frames) == 8
    assert (specs.original_nframes, specs.nframes, specs.fps) == (8, 8, 2.0)
    assert (specs.width, specs.height) == (320, 240)  # never upscaled
    assert analysis_size(640, 360, 320) == (568, 320)
    assert analysis_size(1280, 720, 320) == (568, 320)
    assert analysis_size(321, 241, 480) == (320, 240)


def test_text_frames_are_spread_over_the_clip(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "t.mp4", ["text.png"], seconds=3, fps=6)
    _, frames = decode_all(clip)
    texts = [f.time for f in frames if f.text_input is not None]
    assert len(texts) == 3
    assert texts[0] < 1.0 <= texts[1] < 2.0 <= texts[2]
    _, none = decode_all(clip, SamplingPlan(3.0, 320, 60.0, 0))
    assert all(f.text_input is None for f in none)


def test_model_inputs_match_the_vision_modules_preprocessing() -> None:
    """swscale does the scaling; the result is what `yolox.preprocess` and
    `ocr.det_preprocess` make with their numpy resize."""
    for name in ("astronaut.png", "chelsea.png"):
        image = scene(name, 568, 320)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        x, scale = detector_input(frame)
        expected, expected_scale = yolox.preprocess(image)
        assert x.shape == expected.shape and x.dtype == np.float32
        assert scale == pytest.approx(expected_scale)
        assert float(np.abs(x - expected).mean()) < 1.5  # of 0..255
        text = text_input(frame)
        tx, sx, sy = ocr.det_preprocess(image)
        assert text.x.shape == tx.shape
        assert (text.sx, text.sy) == pytest.approx((sx, sy))
        assert float(np.abs(text.x - tx).mean()) < 0.02  # of -1..1


def test_not_a_video(tmp_path: Path) -> None:
    garbage = tmp_path / "g.mp4"
    garbage.write_bytes(b"this is not a video at all" * 100)
    assert gaard_code(lambda: probe(str(garbage), 60)) == (errors.NOT_A_VIDEO, 415)
    png = Path(str(skimage.__file__)).parent / "data" / "astronaut.png"
    assert gaard_code(lambda: probe(str(png), 60)) == (errors.NOT_A_VIDEO, 415)
    assert gaard_code(lambda: decode(str(png), PLAN, lambda f: None)) == (errors.NOT_A_VIDEO, 415)


def test_truncated_mp4s(tmp_path: Path) -> None:
    whole = make_clip(tmp_path / "w.mp4", ["camera.png", "chelsea.png"], seconds=3, fps=5).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])  # the index (moov) is at the end: gone
    assert gaard_code(lambda: probe(str(cut), 60)) == (errors.TRUNCATED, 422)
    fast = make_clip(tmp_path / "f.mp4", ["camera.png", "chelsea.png"], seconds=3, fps=5, faststart=True).read_bytes()
    cut.write_bytes(fast[: len(fast) * 2 // 3])  # index first: it promises frames the file lacks
    probe(str(cut), 60)  # its start looks fine
    assert gaard_code(lambda: decode(str(cut), PLAN, lambda f: None)) == (errors.TRUNCATED, 422)


def test_too_long(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "long.mp4", ["wall"], seconds=5, fps=2, width=64, height=48)
    assert gaard_code(lambda: probe(str(clip), 4)) == (errors.TOO_LONG, 422)
    assert gaard_code(lambda: decode(str(clip), SamplingPlan(3.0, 320, 4.0, 0), lambda f: None)) == (
        errors.TOO_LONG,
        422,
    )


def test_emit_failing_stops_the_decoding(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", ["wall"], seconds=3, fps=5, width=64, height=48)
    seen: list[int] = []

    def emit(frame: SampledFrame) -> None:
        seen.append(frame.index)
        if len(seen) == 2:
            raise RuntimeError("consumer gone")

    with pytest.raises(RuntimeError):
        decode(str(clip), PLAN, emit)
    assert seen == [0, 1]
