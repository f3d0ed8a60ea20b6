"""FindFace API tokens: made by an operator (`vigil token create --owner X`),
shown once, stored only as their SHA-256 (a token is 160 random bits, so a
plain hash is enough: there is nothing to guess), revoked by id."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.db.locks import lock_row
from services.db.models import ApiToken, as_utc, utcnow

MAX_OWNER = 255


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """A stored token as `vigil token list` shows it (never the token)."""

    id: int
    prefix: str
    owner: str
    created_at: datetime
    revoked_at: datetime | None


def _info(row: ApiToken) -> TokenInfo:
    assert row.id is not None
    return TokenInfo(
        row.id, row.prefix, row.owner, as_utc(row.created_at), as_utc(row.revoked_at) if row.revoked_at else None
    )


class TokenStore:
    """The `api_tokens` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, owner: str) -> tuple[TokenInfo, str]:
        """A new token for `owner`; the token itself is returned only here."""
        owner = owner.strip()
        if not owner or len(owner) > MAX_OWNER:
            raise ValueError(f"the owner must be 1 to {MAX_OWNER} characters")
        token = secrets.token_hex(20)
        row = ApiToken(token_hash=token_hash(token), prefix=token[:8], owner=owner, created_at=utcnow())
        with Session(self._engine) as session:
            session.add(row)
            session.commit()
            session.refresh(row)
            return _info(row), token

    def revoke(self, token_id: int) -> TokenInfo | None:
        """Revoke a token by id (again is a no-op); None when there is none."""
        with Session(self._engine) as session:
            if not lock_row(session, col(ApiToken.id), token_id):
                return None
            row = session.get(ApiToken, token_id)
            assert row is not None  # locked above
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                session.add(row)
                session.commit()
                session.refresh(row)
            return _info(row)

    def list(self) -> list[TokenInfo]:
        with Session(self._engine) as session:
            return [_info(r) for r in session.exec(select(ApiToken).order_by(col(ApiToken.id)))]

    def lookup(self, token: str) -> TokenInfo | None:
        """The stored token `token` is, revoked or not; None when unknown."""
        with Session(self._engine) as session:
            row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
            return _info(row) if row else None
