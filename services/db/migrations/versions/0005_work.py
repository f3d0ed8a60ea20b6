"""Work: analytics assigned to streams, the durable work the stream engine
and the offline jobs take (services/catalog/work.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("stream_id", sa.String(36), sa.ForeignKey("streams.stream_id", ondelete="CASCADE"), nullable=False),
        sa.Column("node_num", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("analytic_id", sa.String(32), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("serial_number", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("stream_id", "analytic_id", name="uq_work_stream_analytic"),
        sa.UniqueConstraint("node_num", "analytic_id", "seat", name="uq_work_node_analytic_seat"),
    )
    op.create_index("ix_work_stream_id", "work", ["stream_id"])
    op.create_index("ix_work_analytic_id", "work", ["analytic_id"])
    op.create_index("ix_work_state", "work", ["state"])


def downgrade() -> None:
    op.drop_index("ix_work_state", table_name="work")
    op.drop_index("ix_work_analytic_id", table_name="work")
    op.drop_index("ix_work_stream_id", table_name="work")
    op.drop_table("work")
