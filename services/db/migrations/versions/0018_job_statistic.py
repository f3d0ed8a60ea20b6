"""An uploaded video's processing statistic: what the offline worker that
runs its job last measured (frames decoded and analysed, speed, frame size,
...), written with every heartbeat; FindFace archives show it as
`health_status.statistic` (services/uploads/findface_jobs.py).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.add_column(sa.Column("job_statistic", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("job_statistic")
