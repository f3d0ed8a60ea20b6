"""PyAV probing of uploaded files and JPEG screenshots, on small real H.264
files made with PyAV."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import av
import pytest

from services.media.jpeg import screenshot
from services.media.probe import NotAVideo, parse_creation_time, probe, sha256_of
from tests.media import make_h264


def test_probe_reads_duration_size_and_creation_time(tmp_path: Path) -> None:
    path = make_h264(tmp_path / "a.mp4", seconds=3, fps=10, creation_time="2026-01-15T00:00:00.000000Z")
    info = probe(str(path))
    assert info.duration == pytest.approx(3.0, abs=0.11)
    assert info.creation_time == datetime(2026, 1, 15, tzinfo=UTC)
    assert (info.width, info.height, info.codec) == (64, 48, "h264")


def test_no_creation_time(tmp_path: Path) -> None:
    assert probe(str(make_h264(tmp_path / "a.mp4"))).creation_time is None


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("2026-01-15T00:00:00.000000Z", datetime(2026, 1, 15, tzinfo=UTC)),
        ("2026-01-15 07:00:00+07:00", datetime(2026, 1, 15, tzinfo=UTC)),
        ("1970-01-01T00:00:00Z", None),  # what muxers write for "unset"
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_creation_time(raw: str, parsed: datetime | None) -> None:
    assert parse_creation_time(raw) == parsed


def test_a_text_file_named_mp4_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 100)
    with pytest.raises(NotAVideo, match="Invalid data"):
        probe(str(path))


def test_a_truncated_mp4_is_not_a_video(tmp_path: Path) -> None:
    whole = make_h264(tmp_path / "a.mp4", seconds=3).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])  # the index (moov) at the end is gone
    with pytest.raises(NotAVideo):
        probe(str(cut))


def test_a_truncated_faststart_mp4_is_not_a_video(tmp_path: Path) -> None:
    """With the index first, the file opens but its frames stop early."""
    path = tmp_path / "fs.mp4"
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        import numpy as np

        rng = np.random.default_rng(1)
        for _ in range(50):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    assert probe(str(path)).duration == pytest.approx(5.0, abs=0.11)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    with pytest.raises(NotAVideo, match="truncated"):
        probe(str(cut))


def test_an_audio_only_file_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=8000)
        import numpy as np

        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    with pytest.raises(NotAVideo, match="no video stream"):
        probe(str(path))


def _decode_jpeg(jpeg: bytes) -> av.VideoFrame:
    assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
    with av.open(io.BytesIO(jpeg), mode="r", format="image2pipe") as container:
        return next(container.decode(video=0))


def test_screenshots_are_real_frames(tmp_path: Path) -> None:
    path = make_h264(tmp_path / "a.mp4", seconds=2.5, fps=10)
    first = _decode_jpeg(screenshot(str(path)))
    assert (first.width, first.height) == (64, 48)
    # Frame i has grey level 9 * i outside its red corner: 2.0 s is frame 20.
    later = _decode_jpeg(screenshot(str(path), 2.0)).to_ndarray(format="rgb24")
    assert abs(int(later[40, 60].mean()) - 180) < 12
    assert abs(int(_decode_jpeg(screenshot(str(path))).to_ndarray(format="rgb24")[40, 60].mean()) - 0) < 12
    past_end = _decode_jpeg(screenshot(str(path), 999.0)).to_ndarray(format="rgb24")
    assert abs(int(past_end[40, 60].mean()) - 9 * 24) < 12  # the last frame


def test_sha256_of(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"abc")
    assert sha256_of(str(path)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
