"""Watch lists of face recognition: lists, their people, and each person's
enrolled photos as SFace embeddings (services/watchlists).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("description", sa.String(1024), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "watchlist_persons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("watchlist_id", sa.Integer(), sa.ForeignKey("watchlists.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("note", sa.String(255), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_watchlist_persons_watchlist_id", "watchlist_persons", ["watchlist_id"])
    op.create_table(
        "watchlist_photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("watchlist_persons.id", ondelete="CASCADE"), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("face", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_watchlist_photos_person_id", "watchlist_photos", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_watchlist_photos_person_id", table_name="watchlist_photos")
    op.drop_table("watchlist_photos")
    op.drop_index("ix_watchlist_persons_watchlist_id", table_name="watchlist_persons")
    op.drop_table("watchlist_persons")
    op.drop_table("watchlists")
