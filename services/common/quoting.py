"""Bad values in error details: quoted, and cut to a short prefix, so a
10 000-character value is not echoed back whole."""

from __future__ import annotations

from typing import Any

#: The most characters of a bad value an error detail quotes.
MAX_QUOTED_CHARS = 32


def quoted(value: Any, limit: int = MAX_QUOTED_CHARS) -> str:
    """`value` as Python's repr, its first `limit` characters (of a string)
    or repr characters (of anything else), with `...` when cut."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else f"{value[:limit]!r}..."
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."
