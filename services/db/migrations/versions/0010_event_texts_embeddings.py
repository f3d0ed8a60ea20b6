"""Events carry a primary and a secondary caption (smart search's
`primary_text`/`secondary_text`: a recognised name, a plate) and an optional
embedding each (`event_embeddings`, the exact vector index of
`services/search/vectors.py`), removed with their events.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("primary_text", sa.String(255), nullable=False, server_default=""))
        batch.add_column(sa.Column("secondary_text", sa.String(255), nullable=False, server_default=""))
    # Text search (plates) filters by caption; a B-tree serves equality and
    # prefix matches on both databases.
    op.create_index("ix_events_primary_text", "events", ["primary_text"])
    op.create_table(
        "event_embeddings",
        # One embedding per event: the event's id is the key.
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        # float32 little-endian, L2-normalised.
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        # Copied from the event so a search filters without a join.
        sa.Column("stream_id", sa.String(36), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_event_embeddings_kind_stream", "event_embeddings", ["kind", "stream_id", "occurred_at"])
    op.create_index("ix_event_embeddings_kind_time", "event_embeddings", ["kind", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_event_embeddings_kind_time", table_name="event_embeddings")
    op.drop_index("ix_event_embeddings_kind_stream", table_name="event_embeddings")
    op.drop_table("event_embeddings")
    op.drop_index("ix_events_primary_text", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("secondary_text")
        batch.drop_column("primary_text")
