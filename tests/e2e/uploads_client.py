"""A small Lenz chunked-upload client for the end-to-end tests and the
benchmark: multipart bodies with the fields before or after the file part,
sent on the caller's persistent `httpx.Client` (the module's `http`)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx


def multipart(fields: list[tuple[str, str]], data: bytes, *, file_first: bool = False) -> tuple[bytes, str]:
    """(body, content type) of a chunk: the form fields and a `file` part."""
    boundary = "vigil" + secrets.token_hex(12)
    parts = [
        (f'Content-Disposition: form-data; name="{name}"\r\n\r\n').encode() + value.encode() for name, value in fields
    ]
    file_part = b'Content-Disposition: form-data; name="file"; filename="blob"\r\n'
    file_part += b"Content-Type: application/octet-stream\r\n\r\n" + data
    parts = [file_part, *parts] if file_first else [*parts, file_part]
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return body + b"--" + boundary.encode() + b"--\r\n", f"multipart/form-data; boundary={boundary}"


def split(data: bytes, n: int) -> list[bytes]:
    """`n` chunks of equal size but the last."""
    size = -(-len(data) // n)
    return [data[i * size : (i + 1) * size] for i in range(n)]


def send_chunk(
    http: httpx.Client,
    index: int,
    piece: bytes,
    *,
    total_chunks: int,
    total_size: int,
    session_id: str | None = None,
    filename: str = "rekaman-2026-01.mp4",
    node: int = 0,
    query: str = "",
    file_first: bool = False,
) -> httpx.Response:
    fields = [
        ("filename", filename),
        ("chunk_index", str(index)),
        ("total_chunks", str(total_chunks)),
        ("total_size", str(total_size)),
    ]
    if session_id:
        fields.append(("session_id", session_id))
    body, content_type = multipart(fields, piece, file_first=file_first)
    return http.post(
        f"/api/visionaire-media/{node}/videos/upload{query}",
        content=body,
        headers={"Content-Type": content_type},
        timeout=120,
    )


def upload_file(
    http: httpx.Client, data: bytes, n: int = 1, filename: str = "rekaman-2026-01.mp4", query: str = ""
) -> dict:
    """Upload `data` in `n` chunks in order; the last receipt's `data`."""
    session_id = None
    receipt: dict = {}
    for index, piece in enumerate(split(data, n)):
        reply = send_chunk(
            http,
            index,
            piece,
            total_chunks=n,
            total_size=len(data),
            session_id=session_id,
            filename=filename,
            query=query,
        )
        assert reply.status_code == 200, reply.text
        receipt = reply.json()["data"]
        session_id = receipt["session_id"]
    return receipt


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def stream_body(head: bytes, size: int, tail: bytes, block: int = 1 << 20) -> Iterator[bytes]:
    """A body of `head`, `size` bytes of a repeating pattern, `tail`, made as
    it is sent (nothing holds the whole body)."""
    pattern = bytes(range(256)) * (block // 256)
    yield head
    left = size
    while left > 0:
        yield pattern[: min(block, left)]
        left -= block
    yield tail
