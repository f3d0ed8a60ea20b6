"""Which part of a `POST /api/classify` form is the video, and `metadata`
sent as a file part, as `curl -F video=@clip.mp4 -F tenant=t -F
metadata=@metadata.json` sends them."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.classification import errors
from services.classification.intake import Intake, Spool, Submission
from services.common.errors import VigilError

VIDEO = bytes(range(256)) * 64  # the intake does not decode: any bytes
META = {"camera_id": 134188, "no_trans": "20818"}


def form(*parts: tuple[str, str | None, str, bytes]) -> tuple[bytes, str]:
    """(body, Content-Type) of parts given as (name, filename, content type, data)."""
    boundary = f"----curl{uuid.uuid4().hex}"
    out = bytearray()
    for name, filename, ctype, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


async def pieces(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


async def read(tmp: Path, body: bytes, ctype: str) -> Submission:
    return await Intake(Spool(tmp / "spool"), 1 << 20, 1024).read(ctype, pieces(body))


async def refused(tmp: Path, body: bytes, ctype: str) -> tuple[int, int, str]:
    with pytest.raises(VigilError) as caught:
        await read(tmp, body, ctype)
    assert list((tmp / "spool").iterdir()) == []  # nothing left behind
    return caught.value.error_code, caught.value.http_status, caught.value.message


TENANT = ("tenant", None, "", b"acme")
METADATA_FILE = ("metadata", "metadata.json", "application/json", json.dumps(META).encode())


async def test_curl_form_with_metadata_as_a_json_file(tmp_path: Path) -> None:
    body, ctype = form(("video", "clip.mp4", "application/octet-stream", VIDEO), TENANT, METADATA_FILE)
    sub = await read(tmp_path, body, ctype)
    assert (sub.tenant, sub.videoname, sub.filesize, sub.metadata) == ("acme", "clip.mp4", len(VIDEO), META)
    assert sub.path == Spool(tmp_path / "spool").part_path(sub.id) and sub.path.read_bytes() == VIDEO
    assert sub.camera_id == "134188"
    assert sorted(p.name for p in (tmp_path / "spool").iterdir()) == [sub.path.name]


async def test_metadata_file_part_first_and_tenant_as_a_file(tmp_path: Path) -> None:
    body, ctype = form(METADATA_FILE, ("tenant", "t.txt", "text/plain", b"acme"), ("file", "a.mkv", "", VIDEO))
    sub = await read(tmp_path, body, ctype)
    assert (sub.tenant, sub.videoname, sub.metadata) == ("acme", "a.mkv", META)


@pytest.mark.parametrize(
    ("name", "filename", "ctype"),
    [("clip", "alarm.MP4", "application/octet-stream"), ("upload", "alarm.bin", "video/mp4")],
)
async def test_an_unnamed_video_is_found_by_its_type_or_extension(tmp_path: Path, name, filename, ctype) -> None:
    body, ctype = form(TENANT, ("thumbnail_meta", None, "", b"x"), METADATA_FILE, (name, filename, ctype, VIDEO))
    sub = await read(tmp_path, body, ctype)
    assert (sub.videoname, sub.path.read_bytes()) == (filename, VIDEO)
    assert sub.metadata == {**META, "thumbnail_meta": "x"}


async def test_the_only_file_part_is_the_video_whatever_its_type(tmp_path: Path) -> None:
    body, ctype = form(TENANT, ("clip", "recording", "application/octet-stream", VIDEO))
    assert (await read(tmp_path, body, ctype)).videoname == "recording"


@pytest.mark.parametrize("metadata", [b"[1, 2]", b'"text"', b"42", b"{not json", b"\xff\xfe"])
async def test_metadata_that_is_not_a_json_object_is_a_400(tmp_path: Path, metadata: bytes) -> None:
    for part in (("metadata", "m.json", "application/json", metadata), ("metadata", None, "", metadata)):
        body, ctype = form(("video", "clip.mp4", "video/mp4", VIDEO), TENANT, part)
        code, status, message = await refused(tmp_path, body, ctype)
        assert (code, status) == (errors.BAD_REQUEST, 400) and "metadata" in message


async def test_which_video_is_ambiguous(tmp_path: Path) -> None:
    two_named = form(TENANT, ("video", "a.mp4", "video/mp4", VIDEO), ("file", "b.mp4", "video/mp4", VIDEO))
    two_typed = form(TENANT, ("a", "a.mp4", "", VIDEO), ("b", "b.avi", "", VIDEO))
    named_and_typed = form(TENANT, ("video", "a.bin", "", VIDEO), ("b", "b.avi", "", VIDEO))
    for body, ctype in (two_named, two_typed, named_and_typed):
        assert (await refused(tmp_path, body, ctype))[2] == "the form has more than one video file"
    body, ctype = form(TENANT, ("a", "a.bin", "", VIDEO), ("b", "b.bin", "", VIDEO))
    assert "name the video part 'video'" in (await refused(tmp_path, body, ctype))[2]
    body, ctype = form(TENANT, ("video", "a.mp4", "video/mp4", VIDEO), ("notes", "n.txt", "text/plain", b"hi"))
    assert (await refused(tmp_path, body, ctype)) == (
        errors.BAD_REQUEST,
        400,
        "the file part 'notes' is neither the video nor 'metadata'",
    )


async def test_only_metadata_and_no_video(tmp_path: Path) -> None:
    body, ctype = form(TENANT, METADATA_FILE)
    assert (await refused(tmp_path, body, ctype))[:2] == (errors.VIDEO_REQUIRED, 400)
