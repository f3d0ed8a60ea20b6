"""The incremental multipart/form-data parser: every split of a body gives
the same parts, and malformed bodies are refused with a reason."""

from __future__ import annotations

import random

import pytest

from services.http_body.multipart import (
    MultipartError,
    MultipartParser,
    PartData,
    PartEnd,
    PartStart,
    boundary_of,
    parse_params,
)

BOUNDARY = b"----vigil7MA4YWxkTrZu0gW"


def body(parts: list[tuple[str, str | None, bytes]], boundary: bytes = BOUNDARY, preamble: bytes = b"") -> bytes:
    out = preamble
    for name, filename, data in parts:
        out += b"--" + boundary + b"\r\n"
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def parse(
    raw: bytes, pieces: list[int] | None = None, boundary: bytes = BOUNDARY
) -> list[tuple[str, str | None, bytes]]:
    parser = MultipartParser(boundary)
    cuts = pieces or [len(raw)]
    parts: list[tuple[str, str | None, bytes]] = []
    name: str = ""
    filename: str | None = None
    data = bytearray()
    pos = 0
    for size in [*cuts, len(raw)]:
        chunk, pos = raw[pos : pos + size], pos + size
        for event in parser.feed(chunk):
            if isinstance(event, PartStart):
                name, filename, data = event.name, event.filename, bytearray()
            elif isinstance(event, PartData):
                data += event.data
            else:
                assert isinstance(event, PartEnd)
                parts.append((name, filename, bytes(data)))
        if pos >= len(raw):
            break
    parser.close()
    return parts


# Data that looks like boundaries and CRLFs, to catch a parser that cuts early.
TRICKY = b"\r\n--" + BOUNDARY[:-1] + b"\r\n\r\n--\r\n" + bytes(range(256)) * 40 + b"\r\n-"
PARTS = [
    ("filename", None, b"rekaman-2026-01.mp4"),
    ("chunk_index", None, b"0"),
    ("file", "blob", TRICKY),
    ("total_size", None, b"104857600"),
]


def test_one_piece() -> None:
    assert parse(body(PARTS)) == PARTS


@pytest.mark.parametrize("seed", range(25))
def test_random_splits_give_the_same_parts(seed: int) -> None:
    raw = body(PARTS, preamble=b"ignored preamble\r\n")
    rng = random.Random(seed)
    cuts = [rng.randint(1, 64) for _ in range(len(raw))]
    assert parse(raw, cuts) == PARTS


def test_byte_by_byte() -> None:
    raw = body(PARTS)
    assert parse(raw, [1] * len(raw)) == PARTS


def test_file_data_is_streamed_not_held() -> None:
    """A big file part comes out as it arrives: at most a boundary's length
    is held back from each piece."""
    parser = MultipartParser(BOUNDARY)
    head = b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
    events = parser.feed(head)
    assert isinstance(events[0], PartStart)
    piece = b"\0" * 1_000_000
    out = parser.feed(piece)
    assert sum(len(e.data) for e in out if isinstance(e, PartData)) >= len(piece) - len(BOUNDARY) - 4


def test_quoted_and_rfc5987_names() -> None:
    kind, params = parse_params('form-data; name="file"; filename="a;b \\"c\\".mp4"')
    assert kind == "form-data" and params["filename"] == 'a;b "c".mp4'
    _, params = parse_params("form-data; name=file; filename*=UTF-8''rekaman%20%C3%A9.mp4")
    assert params["filename"] == "rekaman é.mp4"


def test_epilogue_and_transport_padding_are_ignored() -> None:
    raw = body(PARTS).replace(b"--" + BOUNDARY + b"\r\n", b"--" + BOUNDARY + b"  \r\n", 1) + b"epilogue"
    assert parse(raw) == PARTS


def test_boundary_of() -> None:
    assert boundary_of('multipart/form-data; boundary="abc def"') == b"abc def"
    assert boundary_of("multipart/form-data; charset=utf-8; boundary=xyz") == b"xyz"
    for bad in ("application/json", "multipart/form-data", "multipart/form-data; boundary=", "video/mp4", ""):
        with pytest.raises(MultipartError):
            boundary_of(bad)


@pytest.mark.parametrize(
    "raw",
    [
        body(PARTS)[:-8],  # no closing boundary
        b"no boundary at all",
        body(PARTS).replace(b"Content-Disposition", b"Content-Dispersion", 1),  # no disposition
        body(PARTS).replace(b"form-data; name=", b"attachment; name=", 1),
        body(PARTS).replace(b"Content-Disposition:", b"Content-Disposition", 1),  # header without a colon
        b"--" + BOUNDARY + b"\r\n" + b"X-Long: " + b"a" * 20000,  # endless headers
        b"--" + BOUNDARY + b"garbage\r\n",
    ],
    ids=["unterminated", "no-boundary", "no-disposition", "not-form-data", "bad-header", "long-headers", "garbage"],
)
def test_malformed_bodies_are_refused(raw: bytes) -> None:
    with pytest.raises(MultipartError):
        parse(raw, [7] * len(raw))


def test_too_many_parts() -> None:
    with pytest.raises(MultipartError, match="parts"):
        parse(body([("f", None, b"x")] * 100))


def test_every_split_around_a_part_end() -> None:
    """Two pieces, cut at every byte around where the file part ends (the
    delimiter straddling the pieces in every possible way)."""
    raw = body(PARTS)
    end = raw.index(b"\r\n--" + BOUNDARY, raw.index(TRICKY) + len(TRICKY) - 3)
    for cut in range(end - 80, end + len(BOUNDARY) + 10):
        assert parse(raw, [cut]) == PARTS, cut
