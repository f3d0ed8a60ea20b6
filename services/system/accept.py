"""Content negotiation for the service routes that answer in more than one
format (`GET /config`, `GET /docs/spec`): the Accept header against what a
route offers, with quality values and wildcards (RFC 9110 §12.5.1)."""

from __future__ import annotations

from collections.abc import Sequence

import grpc


def accept_header(context: grpc.aio.ServicerContext) -> str:
    """The request's Accept header ("" when it has none)."""
    for key, value in context.invocation_metadata() or ():
        if key == "accept":
            return value if isinstance(value, str) else value.decode("latin-1")
    return ""


def _ranges(accept: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for item in accept.split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        if not kind:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        out.append((kind.lower(), quality))
    return out


def negotiate(accept: str, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers; the first offered one for
    an empty Accept header; None when the client accepts none of them.
    A specific range beats `type/*`, which beats `*/*`; among equal
    qualities, the earlier offer wins."""
    ranges = _ranges(accept)
    if not ranges:
        return offered[0] if offered else None
    best: tuple[float, int] | None = None
    chosen = None
    for index, media in enumerate(offered):
        major = media.split("/")[0]
        quality = None
        for pattern in (media, f"{major}/*", "*/*"):
            match = [q for kind, q in ranges if kind == pattern]
            if match:
                quality = max(match)
                break
        if quality is None or quality <= 0:
            continue
        rank = (quality, -index)
        if best is None or rank > best:
            best, chosen = rank, media
    return chosen
