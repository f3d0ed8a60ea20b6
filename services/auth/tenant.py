"""The tenant a call works for, set by the auth interceptor
(services/auth/interceptor.py) before the method runs: a FindFace token's
owner, or the tenant claim of a Lenz Bearer token that Envoy verified. None
for a call on a gRPC port without credentials (those listen on loopback
only): such a caller sees every tenant's objects.

One tenant never reads, lists, changes or deletes another's object: what is
not its own is a 404, as an unknown id is."""

from __future__ import annotations

import contextvars

_owner: contextvars.ContextVar[str | None] = contextvars.ContextVar("vigil_owner", default=None)


def current_owner() -> str | None:
    """The tenant of the call being served, or None (trusted local caller)."""
    return _owner.get()


def set_owner(owner: str | None) -> None:
    _owner.set(owner)


def visible(owner: str | None) -> bool:
    """Whether an object owned by `owner` belongs to the current caller."""
    caller = _owner.get()
    return caller is None or caller == owner
