"""Hostile media never gets in (services/media/container.py): a corpus made
here — playlists and session descriptions that would make FFmpeg open what
they name (a local file, another scheme), a header announcing 30 000 x
30 000 frames, a truncated MP4, a text file — is refused by the one opener
every service uses, with a clear reason and before anything is decoded;
the stream engine's `file://` sources refuse the same playlists; a sparse
file (a 10 GiB hole) is refused unread; a raw H.264 head followed by a
long run of zeros written in full (not a hole) is refused in bounded
memory, at the open or part way through a decode."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.media.container import (
    MAX_HOLE_BYTES,
    MAX_RUN_BYTES,
    READ_BUFFER_BYTES,
    HostileMedia,
    NotAVideo,
    StartCodeReader,
    hole_bytes,
    open_video,
)
from services.media.live_source import SourceError, SourceOptions, opening
from services.media.probe import probe
from tests.media import append_zeros, make_h264, make_raw_h264


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("clips") / "ok.mp4", seconds=1, fps=10, width=64, height=48)


def playlists(clip: Path) -> dict[str, bytes]:
    """Files that name other files or sources (each would be read)."""
    return {
        "hls_local.m3u8": f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{clip}\n#EXT-X-ENDLIST\n".encode(),
        "hls_passwd.m3u8": b"#EXTM3U\n#EXTINF:1,\n/etc/passwd\n",
        "hls_http.ts": b"\xef\xbb\xbf  \n#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/x.ts\n",
        "concat.mp4": f"ffconcat version 1.0\nfile '{clip}'\n".encode(),
        "session.sdp": b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nm=video 5004 RTP/AVP 96\r\n",
        "dash.mpd": b'<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"></MPD>\n',
    }


def test_playlists_are_refused_before_ffmpeg_reads_them(tmp_path: Path, clip: Path) -> None:
    for name, data in playlists(clip).items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(HostileMedia, match="not a video: playlists are not opened"):
            open_video(str(path))
        with pytest.raises(HostileMedia):
            open_video(f"file://{path}")
        # The engine's file:// sources too.
        with pytest.raises(SourceError, match="playlists are not opened"):
            opening(f"file://{path}", SourceOptions(file_root=tmp_path))


def y4m(path: Path, side: int) -> Path:
    """A raw-video header announcing `side` x `side` frames, then a few bytes."""
    path.write_bytes(f"YUV4MPEG2 W{side} H{side} F25:1 Ip A1:1 C420jpeg\nFRAME\n".encode() + b"\x00" * 4096)
    return path


def test_a_header_announcing_huge_frames_is_refused_before_decoding(tmp_path: Path) -> None:
    # 30 000 x 30 000: FFmpeg's own size check refuses it at the open.
    with pytest.raises(NotAVideo):
        open_video(str(y4m(tmp_path / "huge.y4m", 30000)))
    # 16 000 x 16 000 passes FFmpeg's check (a 384 MB frame): Vigil's limit
    # (8K UHD) refuses it from the header.
    with pytest.raises(HostileMedia, match="16000x16000 frames, over the limit"):
        open_video(str(y4m(tmp_path / "big.y4m", 16000)))


def test_truncated_and_text_files_are_not_videos(tmp_path: Path, clip: Path) -> None:
    data = clip.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 3])
    text = tmp_path / "notes.mp4"
    text.write_bytes(b"just some text, no video here\n" * 50)
    for path in (truncated, text):
        with pytest.raises(NotAVideo):
            container = open_video(str(path))
            try:
                for _ in container.decode(video=0):
                    pass
            finally:
                container.close()
            raise NotAVideo("decoded to its end")  # a truncated file may decode its first part: bounded, then refused


def test_a_real_video_still_opens(clip: Path) -> None:
    container = open_video(str(clip))
    try:
        assert container.streams.video[0].codec_context.width == 64
    finally:
        container.close()


def test_sparse_files_are_refused_unread(tmp_path: Path, clip: Path) -> None:
    """A file that claims 10 GiB but stores a few KB (a `truncate`d hole,
    alone or after a real video's bytes) is refused from its extents,
    before FFmpeg reads it: no scan of the zeros, no memory for them."""
    hole = tmp_path / "hole.mp4"
    hole.touch()
    os.truncate(hole, 10 << 30)
    after = tmp_path / "after.mp4"
    shutil.copyfile(clip, after)
    os.truncate(after, 10 << 30)
    for path in (hole, after):
        assert hole_bytes(str(path)) >= (10 << 30) - clip.stat().st_size - 4096
        start = time.monotonic()
        with pytest.raises(HostileMedia, match=r"the file is sparse: \d+ of its 10737418240 bytes are holes"):
            probe(str(path))  # what an upload's completion runs
        assert time.monotonic() - start < 1.0
    # A written file has no holes, and a small hole is let through.
    assert hole_bytes(str(clip)) == 0
    small = tmp_path / "small.mp4"
    shutil.copyfile(clip, small)
    os.truncate(small, clip.stat().st_size + MAX_HOLE_BYTES // 2)
    open_video(str(small)).close()


#: Run in a fresh interpreter: probe the file, print the reason and how much
#: the process's peak resident memory grew (KiB, Linux's ru_maxrss).
MEASURE = """
import resource, sys
from services.media.container import NotAVideo, open_video
from services.media.probe import probe
open_video(sys.argv[2]).close()  # PyAV and FFmpeg loaded before the baseline
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    probe(sys.argv[1])
    reason = "accepted"
except NotAVideo as exc:
    reason = f"{type(exc).__name__}: {exc}"
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
print(reason)
"""


def test_a_zero_run_after_a_raw_h264_head_is_refused_in_bounded_memory(tmp_path: Path, clip: Path) -> None:
    """A raw H.264 (Annex B) head then 200 MiB of zeros written in full:
    FFmpeg's h264 parser would gather the run into one packet (the probe
    held 412 MiB for it and accepted the file before the check); the one
    opener reads a raw stream through a reader that refuses a run of
    MAX_RUN_BYTES with no start code, so the probe stops with the reason and
    the process's memory grows by far less than the run."""
    raw = make_raw_h264(tmp_path / "ok.h264", clip)
    bad = tmp_path / "zeros.h264"
    shutil.copyfile(raw, bad)
    append_zeros(bad, 200 << 20)
    assert hole_bytes(str(bad)) < MAX_HOLE_BYTES  # written: the sparse check does not see it
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(bad), str(clip)], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    grown_kib, reason = done.stdout.strip().splitlines()
    found = re.fullmatch(
        r"HostileMedia: the file has 16 MiB with no video start code at offset (\d+) "
        r"\(a raw h264 stream's frames begin with start codes; a run over 16 MiB is not a frame\)",
        reason,
    )
    assert found and 0 < int(found[1]) < raw.stat().st_size, reason  # the run starts after the head's last frame
    assert int(grown_kib) < 100 * 1024, grown_kib  # the run is 200 MiB; MAX_RUN_BYTES is 16
    assert MAX_RUN_BYTES == 16 << 20


def test_a_raw_h264_file_still_opens_and_a_run_part_way_stops_its_decode(tmp_path: Path, clip: Path) -> None:
    raw = make_raw_h264(tmp_path / "ok.h264", clip)
    info = probe(str(raw))
    assert (info.codec, info.width, info.height) == ("h264", 64, 48)
    container = open_video(str(raw))
    try:
        assert container.format.name == "h264"
        assert sum(1 for _ in container.decode(video=0)) == 10
    finally:
        container.close()
    # 4 s of frames, a run of zeros, frames: the open passes (FFmpeg's probe
    # has what it needs from the head); the decode stops at the run.
    head = make_raw_h264(tmp_path / "head.h264", make_h264(tmp_path / "four.mp4", seconds=4, fps=25))
    middle = tmp_path / "middle.h264"
    shutil.copyfile(head, middle)
    append_zeros(middle, MAX_RUN_BYTES + (1 << 20))
    with middle.open("ab") as out:
        out.write(raw.read_bytes())
    container = open_video(str(middle))
    try:
        decoded = 0
        with pytest.raises(HostileMedia, match=r"the file has 16 MiB with no video start code at offset \d+ "):
            for _ in container.decode(video=0):
                decoded += 1
        assert decoded > 50  # the head's frames came first
    finally:
        container.close()


def test_the_reader_finds_a_start_code_across_two_reads_and_after_a_size_query(tmp_path: Path) -> None:
    """00 00 | 01 split over two reads still ends the run; PyAV's seek to
    the end and back (to learn the size) does not restart it; a read
    elsewhere does."""
    block = READ_BUFFER_BYTES
    path = tmp_path / "runs.bin"
    path.write_bytes(b"\x01" * (block - 2) + b"\x00\x00" + b"\x01" + b"\x02" * (2 * block))
    reader = StartCodeReader(path.as_posix(), run_limit=block + block // 2, format="h264")
    try:
        assert len(reader.read(block)) == block
        assert len(reader.read(block)) == block  # the start code straddled: the run began at block + 1
        where = reader.tell()
        reader.seek(0, os.SEEK_END)
        reader.seek(where)
        with pytest.raises(
            HostileMedia, match=rf"the file has \d+ MiB with no video start code at offset {block + 1} "
        ):
            reader.read(block)
        reader.seek(block)  # a read elsewhere: a new run from there
        assert len(reader.read(block)) == block
    finally:
        reader.close()
