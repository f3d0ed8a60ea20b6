"""An incremental `multipart/form-data` parser (RFC 7578).

The body arrives as a stream of pieces (one per gRPC message, as Envoy reads
them); `MultipartParser.feed` takes each piece and returns the events it
completes, so a file part goes to disk as it arrives and nothing holds more
than one piece plus a boundary's length of bytes. Part data comes out as
memoryviews of the piece fed in: valid until the next `feed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

#: Longest header block of one part; more is a malformed body.
MAX_HEADER_BYTES = 16 * 1024
#: Most parts in one body.
MAX_PARTS = 64

_TOKEN = re.compile(r'\s*([^\s=;]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;]*))?\s*(?:;|$)')
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$")


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True)
class PartStart:
    """A part begins: its form field name, file name (None for a plain
    field) and Content-Type ("" when absent)."""

    name: str
    filename: str | None
    content_type: str


@dataclass(frozen=True)
class PartData:
    """The next bytes of the current part."""

    data: memoryview


@dataclass(frozen=True)
class PartEnd:
    """The current part is complete."""


Event = PartStart | PartData | PartEnd


def parse_params(value: str) -> tuple[str, dict[str, str]]:
    """`form-data; name="file"; filename="a.mp4"` -> ("form-data", {...}).

    Quoted strings may contain `;` and backslash escapes; `filename*` (RFC
    5987, `UTF-8''name`) wins over `filename`.
    """
    head, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _TOKEN.finditer(rest):
        key, raw = match.group(1).lower(), match.group(2)
        if not key:
            continue
        raw = (raw or "").strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[key] = raw
    if "filename*" in params:
        charset, _, encoded = params["filename*"].partition("''")
        try:
            params["filename"] = unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            raise MultipartError("undecodable filename*") from None
    return head.strip().lower(), params


def boundary_of(content_type: str) -> bytes:
    """The boundary of a `multipart/form-data` Content-Type."""
    kind, params = parse_params(content_type)
    if kind != "multipart/form-data":
        raise MultipartError(f"the body must be multipart/form-data, not {kind or 'empty'}")
    boundary = params.get("boundary", "")
    if not _BOUNDARY.match(boundary) or boundary.endswith(" "):
        raise MultipartError("the multipart boundary is missing or invalid")
    return boundary.encode("ascii")


class MultipartParser:
    """Feed pieces of a body; get PartStart / PartData / PartEnd events."""

    _PREAMBLE, _HEADERS, _BODY, _AFTER, _DONE = range(5)

    def __init__(self, boundary: bytes) -> None:
        self._delimiter = b"\r\n--" + boundary
        self._buf = b"\r\n"  # so a boundary on the first line matches too
        self._state = self._PREAMBLE
        self._parts = 0

    @property
    def done(self) -> bool:
        """True once the closing boundary has been read."""
        return self._state == self._DONE

    def feed(self, data: bytes) -> list[Event]:
        """Parse the next piece of the body."""
        if self._state == self._DONE:
            return []  # the epilogue is ignored (RFC 2046)
        events: list[Event] = []
        tail = self._buf
        if tail and self._state == self._BODY and len(data) >= len(self._delimiter):
            # The hot path, inside a file part: when no delimiter starts in the
            # bytes held back from the last piece, they are part data, and the
            # new piece is searched where it is, without copying it.
            if (tail + data[: len(self._delimiter) - 1]).find(self._delimiter) < 0:
                events.append(PartData(memoryview(tail)))
                tail = b""
        buf = tail + data if tail else data
        view = memoryview(buf)
        pos = 0
        delim = self._delimiter
        while True:
            if self._state == self._PREAMBLE:
                i = buf.find(delim, pos)
                if i < 0:
                    pos = max(pos, len(buf) - len(delim) + 1)
                    break
                pos = i + len(delim)
                self._state = self._AFTER
            elif self._state == self._AFTER:
                # After a boundary: `--` ends the body, else optional
                # whitespace and CRLF start the next part's headers.
                if len(buf) - pos < 2:
                    break
                if buf[pos : pos + 2] == b"--":
                    self._state = self._DONE
                    pos = len(buf)
                    break
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    if len(buf) - pos > 256:
                        raise MultipartError("garbage after a boundary")
                    break
                if buf[pos:eol].strip(b" \t"):
                    raise MultipartError("garbage after a boundary")
                pos = eol + 2
                self._state = self._HEADERS
            elif self._state == self._HEADERS:
                if buf.startswith(b"\r\n", pos):
                    end = pos - 2  # a part with no headers at all
                else:
                    end = buf.find(b"\r\n\r\n", pos)
                if end < 0:
                    if len(buf) - pos > MAX_HEADER_BYTES:
                        raise MultipartError("a part's headers are too long")
                    break
                events.append(self._part_start(buf[pos:end] if end > pos else b""))
                pos = end + 4
                self._state = self._BODY
            else:  # _BODY
                i = buf.find(delim, pos)
                if i < 0:
                    keep = max(pos, len(buf) - len(delim) + 1)
                    if keep > pos:
                        events.append(PartData(view[pos:keep]))
                    pos = keep
                    break
                if i > pos:
                    events.append(PartData(view[pos:i]))
                events.append(PartEnd())
                pos = i + len(delim)
                self._state = self._AFTER
        self._buf = bytes(buf[pos:]) if pos < len(buf) else b""
        return events

    def close(self) -> None:
        """The body ended: it must have ended with the closing boundary."""
        if self._state != self._DONE:
            raise MultipartError("the multipart body ends before its closing boundary")

    def _part_start(self, block: bytes) -> PartStart:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise MultipartError(f"more than {MAX_PARTS} parts")
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            raise MultipartError("a part's headers are not UTF-8") from None
        headers: dict[str, str] = {}
        for line in text.split("\r\n"):
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise MultipartError(f"malformed part header {line[:80]!r}")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise MultipartError("a part has no Content-Disposition")
        kind, params = parse_params(disposition)
        if kind != "form-data" or "name" not in params:
            raise MultipartError("a part's Content-Disposition is not form-data with a name")
        return PartStart(params["name"], params.get("filename"), headers.get("content-type", ""))
