"""Engine workers: the registry of live stream-engine workers, per node.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engine_workers",
        sa.Column("worker_id", sa.String(128), primary_key=True),
        sa.Column("node_num", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("pid", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("work_held", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_engine_workers_node_num", "engine_workers", ["node_num"])


def downgrade() -> None:
    op.drop_index("ix_engine_workers_node_num", table_name="engine_workers")
    op.drop_table("engine_workers")
