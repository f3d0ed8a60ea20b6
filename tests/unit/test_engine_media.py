"""The stream engine's media pieces without the platform: the shared-memory
frame ring, sampling, the source opener's rules, and live sources on real
files (made here) that play, end and reopen, or fail with a reason."""

from __future__ import annotations

import contextlib
import http.server
import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import av
import numpy as np
import pytest

from services.media.frame_ring import FrameRef, FrameRing
from services.media.jpeg import JpegEncoder, output_size
from services.media.live_source import (
    CONNECTING,
    ERROR,
    RUNNING,
    LiveSource,
    Sampler,
    SourceError,
    SourceOptions,
    opening,
)
from tests.media import make_h264


def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Poll until `condition` holds (a deadline against hangs, not a timing)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_ring_hands_frames_by_reference_and_counts_overwritten_ones() -> None:
    ring = FrameRing(8, 4, slots=2)
    try:
        refs: list[FrameRef] = []
        for value in range(3):
            seq, pixels = ring.slot_view()
            pixels[:] = value
            refs.append(ring.commit(seq, value / 10))
        assert ring.read(refs[0]) is None  # slot 0 was reused by frame 2
        assert ring.dropped == 1
        frame = ring.read(refs[2])
        assert frame is not None and frame.shape == (6, 8) and (frame == 2).all()
        assert (ring.read(refs[1]) == 1).all()  # type: ignore[union-attr]
    finally:
        ring.close()
    assert ring.read(refs[2]) is None


def test_ring_refuses_odd_sizes() -> None:
    with pytest.raises(ValueError):
        FrameRing(7, 4)


def test_sampler_keeps_frames_evenly_at_the_asked_rate() -> None:
    sampler = Sampler(5)
    kept = [i for i in range(50) if sampler.take(i / 25)]
    assert kept == list(range(0, 50, 5))
    assert all(Sampler(0).take(i / 25) for i in range(10))
    sampler = Sampler(5)
    assert sampler.take(10.0) and not sampler.take(10.04)
    assert sampler.take(0.0)  # the source was reopened: its clock starts again


def test_opening_allows_only_the_protocols_of_the_scheme(tmp_path: Path) -> None:
    options = SourceOptions(file_root=tmp_path)
    rtsp = opening("rtsp://10.0.0.1/live", options)
    assert rtsp.options == {"protocol_whitelist": "rtsp,rtp,srtp,udp,tcp", "rtsp_transport": "tcp"}
    assert "file" not in opening("https://cam/x.m3u8", options).options["protocol_whitelist"].split(",")
    inside = opening(f"file://{tmp_path}/a.mp4", options)
    assert inside.url == str(tmp_path / "a.mp4") and inside.options == {"protocol_whitelist": "file"}
    with pytest.raises(SourceError, match="must be inside"):
        opening(f"file://{tmp_path}/../etc/passwd", options)
    with pytest.raises(SourceError, match="not allowed"):
        opening("file:///tmp/a.mp4", SourceOptions())
    with pytest.raises(SourceError, match="unsupported"):
        opening("gopher://x/", options)
    with pytest.raises(SourceError, match="no video device"):
        opening("usb://99", options)


def test_jpeg_encoder_scales_to_the_asked_height() -> None:
    assert output_size(1280, 720, 240) == (426, 240)
    pixels = np.full((720 * 3 // 2, 1280), 128, np.uint8)
    jpeg = JpegEncoder(240, 60).encode(pixels, 1280, 720)
    with av.open(io.BytesIO(jpeg), "r") as image:
        frame = next(image.decode(video=0))
    assert (frame.width, frame.height) == (426, 240)


class Collected:
    def __init__(self) -> None:
        self.refs: list[FrameRef] = []
        self.rings: list[FrameRing] = []

    def __call__(self, ref: FrameRef, ring: FrameRing) -> None:
        self.refs.append(ref)
        self.rings.append(ring)


@pytest.fixture
def fast() -> SourceOptions:
    return SourceOptions(open_timeout_seconds=3, read_timeout_seconds=3, backoff_seconds=0.05, max_backoff_seconds=0.2)


@contextlib.contextmanager
def play(address: str, options: SourceOptions) -> Iterator[tuple[LiveSource, Collected]]:
    got = Collected()
    source = LiveSource(address, options, got)
    source.start()
    try:
        yield source, got
    finally:
        source.stop(10)
        source.close()


def test_a_file_plays_at_its_pace_ends_and_is_opened_again(tmp_path: Path, fast: SourceOptions) -> None:
    clip = make_h264(tmp_path / "clip.mp4", seconds=0.5, fps=20, width=64, height=48)
    options = SourceOptions(**{**fast.__dict__, "file_root": tmp_path})
    with play(f"file://{clip}", options) as (source, got):
        wait_until(lambda: source.stats().reconnects >= 1 and len(got.refs) > 10)
        stats = source.stats()
        assert (stats.width, stats.height) == (64, 48)
        assert stats.state in (RUNNING, CONNECTING)
        first = got.refs[0]
        pixels = got.rings[0].read(got.refs[-1])
        assert pixels is None or pixels.shape == (72, 64)
        assert first.time == pytest.approx(0.0)
        assert max(ref.time for ref in got.refs) <= 0.5


def test_a_source_that_is_not_a_video_is_an_error_with_a_reason(tmp_path: Path, fast: SourceOptions) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 100)
    options = SourceOptions(**{**fast.__dict__, "file_root": tmp_path})
    with play(f"file://{text}", options) as (source, got):
        wait_until(lambda: source.stats().state == ERROR)
        assert source.stats().message.startswith("the source is not a video") and not got.refs


def test_a_frame_over_the_pixel_limit_is_refused_before_decoding(tmp_path: Path, fast: SourceOptions) -> None:
    clip = make_h264(tmp_path / "clip.mp4", seconds=0.5, fps=20, width=64, height=48)
    options = SourceOptions(**{**fast.__dict__, "file_root": tmp_path, "max_frame_pixels": 1000})
    with play(f"file://{clip}", options) as (source, got):
        wait_until(lambda: source.stats().state == ERROR)
        assert source.stats().message == "the frame is 64x48, larger than the limit of 1000 pixels"
        assert not got.refs


def test_an_unreachable_address_is_an_error(fast: SourceOptions) -> None:
    with play("rtsp://127.0.0.1:9/none", fast) as (source, _):
        wait_until(lambda: source.stats().state == ERROR)
        assert "refused" in source.stats().message.lower()


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, server.server_address[1]
    server.shutdown()


def test_an_hls_playlist_naming_a_local_file_is_not_read(
    tmp_path: Path, http_dir: tuple[Path, int], fast: SourceOptions
) -> None:
    root, port = http_dir
    segment = tmp_path / "secret.ts"
    with av.open(str(segment), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    (root / "index.m3u8").write_text(
        f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\nfile://{segment}\n#EXT-X-ENDLIST\n"
    )
    with play(f"http://127.0.0.1:{port}/index.m3u8", fast) as (source, got):
        wait_until(lambda: source.stats().state == ERROR)
        assert not got.refs and source.stats().frames == 0


def test_a_source_that_stalls_is_cut_by_the_timeout(fast: SourceOptions) -> None:
    """A server that accepts and then says nothing (a stalled camera) is an
    error after the timeout, not a hung decoder."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        options = SourceOptions(**{**fast.__dict__, "open_timeout_seconds": 1, "read_timeout_seconds": 1})
        with play(f"rtsp://127.0.0.1:{port}/stalled", options) as (source, got):
            wait_until(lambda: source.stats().state == ERROR)
            assert source.stats().message == "timed out waiting for the source" and not got.refs
