"""Stream stats: what the stream engine measures of each stream it has open.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_stats",
        sa.Column("stream_id", sa.String(36), sa.ForeignKey("streams.stream_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False, server_default="0"),
        sa.Column("frame_width", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("frame_height", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error_msg", sa.Text(), nullable=False, server_default=""),
        sa.Column("frames", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("reconnects", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reporter", sa.String(64), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stream_stats")
