"""Offline video jobs: the work row's schedule, checkpoint and cancel marks;
an idempotency key per event (unique), so a resumed job never stores an
event twice.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work") as batch:
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("checkpoint_seconds", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(128), nullable=True))
    op.create_index("ux_events_idempotency_key", "events", ["idempotency_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_events_idempotency_key", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("work") as batch:
        batch.drop_column("cancelled_at")
        batch.drop_column("checkpoint_seconds")
        batch.drop_column("not_before")
