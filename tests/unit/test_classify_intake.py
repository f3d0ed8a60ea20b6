"""Reading `POST /api/classify` bodies: the video to disk whatever the
pieces, the tenant, the metadata (JSON part and plain fields), both
spellings of parentId/cameraId, and a Gaard error (with nothing left on
disk) for every malformed form."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.classification import errors
from services.classification.intake import NO_PARENT, Intake, Spool, Submission
from services.common.errors import VigilError
from tests.classify_support import multipart

VIDEO = bytes(range(256)) * 300  # the intake does not decode: any bytes


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read(tmp: Path, body: bytes, ctype: str, *, size: int = 4096, max_bytes: int = 1 << 20) -> Submission:
    return await Intake(Spool(tmp / "spool"), max_bytes, 1024).read(ctype, pieces(body, size))


async def refused(tmp: Path, body: bytes, ctype: str, **kw: int) -> tuple[int, int, str]:
    with pytest.raises(VigilError) as caught:
        await read(tmp, body, ctype, **kw)
    assert list((tmp / "spool").iterdir()) == []  # nothing left behind
    return caught.value.error_code, caught.value.http_status, caught.value.message


@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
async def test_a_form_in_any_pieces(tmp_path: Path, size: int) -> None:
    body, ctype = multipart(
        [("tenant", "acme"), ("site_id", "S1"), ("client_id", "c-9")],
        ("video.mov", VIDEO, "video/quicktime"),
        metadata={"no_trans": "20818", "parc_origine": "RO", "camera_id": 134188},
    )
    sub = await read(tmp_path, body, ctype, size=size)
    assert re.fullmatch(r"[0-9a-f]{24}", sub.id)
    assert (sub.tenant, sub.videoname, sub.filesize) == ("acme", "video.mov", len(VIDEO))
    assert sub.path.read_bytes() == VIDEO
    assert sub.metadata == {
        "site_id": "S1",
        "client_id": "c-9",
        "no_trans": "20818",
        "parc_origine": "RO",
        "camera_id": 134188,
    }
    assert sub.camera_id == "134188"  # derived from the metadata
    assert sub.parent_id == NO_PARENT


@pytest.mark.parametrize(
    ("fields", "metadata", "parent", "camera"),
    [
        (
            [("parentId", "664371916d24ab9cf81140aa"), ("cameraId", "134188-VI08")],
            None,
            "664371916d24ab9cf81140aa",
            "134188-VI08",
        ),
        ([("parent_id", "664371916d24ab9cf81140bb"), ("camera_id", "7")], None, "664371916d24ab9cf81140bb", "7"),
        (
            [],
            {"parentId": "664371916d24ab9cf81140cc", "camera_id": "134188-VI08"},
            "664371916d24ab9cf81140cc",
            "134188-VI08",
        ),
        ([("camera_id", "from-field")], {"camera_id": "from-json"}, NO_PARENT, "from-json"),
    ],
)
async def test_both_spellings_of_parent_and_camera(tmp_path: Path, fields, metadata, parent, camera) -> None:
    body, ctype = multipart([("tenant", "t"), *fields], ("v.mp4", VIDEO, "video/mp4"), metadata=metadata)
    sub = await read(tmp_path, body, ctype)
    assert (sub.parent_id, sub.camera_id) == (parent, camera)


async def test_a_video_part_without_filename(tmp_path: Path) -> None:
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="tenant"\r\n\r\nt\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="video"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        + VIDEO
        + f"\r\n--{boundary}--\r\n".encode()
    )
    sub = await read(tmp_path, body, f"multipart/form-data; boundary={boundary}")
    assert (sub.videoname, sub.path.read_bytes()) == ("video", VIDEO)


async def test_malformed_forms(tmp_path: Path) -> None:
    video = ("v.mp4", VIDEO, "video/mp4")
    body, ctype = multipart([("site", "x")], video)
    assert (await refused(tmp_path, body, ctype))[:2] == (errors.TENANT_REQUIRED, 400)
    body, ctype = multipart([("tenant", "   ")], video)
    assert (await refused(tmp_path, body, ctype))[:2] == (errors.TENANT_REQUIRED, 400)
    body, ctype = multipart([("tenant", "t")], None)
    assert (await refused(tmp_path, body, ctype))[:2] == (errors.VIDEO_REQUIRED, 400)
    body, ctype = multipart([("tenant", "t")], ("v.mp4", b"", "video/mp4"))
    assert (await refused(tmp_path, body, ctype))[:2] == (errors.VIDEO_REQUIRED, 400)
    body, ctype = multipart([("tenant", "t"), ("metadata", "{not json")], video)
    assert (await refused(tmp_path, body, ctype))[:2] == (errors.BAD_REQUEST, 400)
    body, ctype = multipart([("tenant", "t"), ("metadata", json.dumps([1, 2]))], video)
    assert (await refused(tmp_path, body, ctype))[:2] == (errors.BAD_REQUEST, 400)
    body, ctype = multipart([("tenant", "t" * 2000)], video)
    assert (await refused(tmp_path, body, ctype))[:2] == (errors.BAD_REQUEST, 400)
    body, ctype = multipart([("tenant", "t")], video)
    two = body.replace(b"--\r\n", b"\r\n", 1)
    boundary = ctype.split("boundary=")[1]
    two += (f'Content-Disposition: form-data; name="second"; filename="b.mp4"\r\n\r\nxx\r\n--{boundary}--\r\n').encode()
    assert await refused(tmp_path, two, ctype) == (errors.BAD_REQUEST, 400, "the form has more than one video file")
    assert (await refused(tmp_path, VIDEO, "video/mp4"))[:2] == (errors.BAD_REQUEST, 400)
    assert (await refused(tmp_path, body[: len(body) // 2], ctype))[:2] == (errors.BAD_REQUEST, 400)


async def test_a_body_over_the_limit_is_refused_as_soon_as_it_passes_it(tmp_path: Path) -> None:
    body, ctype = multipart([("tenant", "t")], ("v.mp4", VIDEO, "video/mp4"))
    code, status, message = await refused(tmp_path, body, ctype, max_bytes=len(body) - 1)
    assert (code, status) == (errors.TOO_LARGE, 413)
    assert str(len(body) - 1) in message
    sub = await read(tmp_path, body, ctype, max_bytes=len(body))
    assert sub.filesize == len(VIDEO)


def test_spool_accept_and_sweep(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s")
    part = spool.part_path("a" * 24)
    part.write_bytes(b"x")
    kept = spool.accept(part)
    assert kept == spool.video_path("a" * 24) and kept.read_bytes() == b"x" and not part.exists()
    stray = spool.part_path("b" * 24)
    stray.write_bytes(b"y")
    assert spool.sweep({str(kept)}) == 1
    assert [p.name for p in (tmp_path / "s").iterdir()] == [kept.name]
