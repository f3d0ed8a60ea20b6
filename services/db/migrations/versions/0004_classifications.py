"""Classifications: Gaard alarm-video classifications and their results.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classifications",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("tenant", sa.String(1024), nullable=False),
        sa.Column("parent_id", sa.String(1024), nullable=False),
        sa.Column("camera_id", sa.String(1024), nullable=False, server_default=""),
        sa.Column("analyse_id", sa.BigInteger(), nullable=False),
        sa.Column("status_classify", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("status_video", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("sync", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("videoname", sa.String(1024), nullable=False, server_default=""),
        sa.Column("filesize", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("file_path", sa.String(1024), nullable=False, server_default=""),
        sa.Column("specs", sa.JSON(), nullable=False),
        sa.Column("client_metadata", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(128), nullable=False, server_default=""),
        sa.Column("version", sa.String(128), nullable=False, server_default=""),
        sa.Column("risk", sa.String(16), nullable=False, server_default=""),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error_msg", sa.Text(), nullable=False, server_default=""),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("timing_total_ms", sa.Float(), nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_classifications_status_classify", "classifications", ["status_classify"])
    op.create_index("ix_classifications_created_at", "classifications", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_classifications_created_at", table_name="classifications")
    op.drop_index("ix_classifications_status_classify", table_name="classifications")
    op.drop_table("classifications")
