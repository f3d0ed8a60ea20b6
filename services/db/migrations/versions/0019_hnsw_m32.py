"""The faces' HNSW index on PostgreSQL rebuilt denser: m 32 and
ef_construction 128 (pgvector's defaults, 16 and 64, which 0017 used, found
0.77 of the exact top 10 at a million embeddings with ef_search 100; these
settings with the service's ef_search 200 find 0.96, p95 22 ms on two cores:
README "Smart search and the vector index", `benchmarks/search.py`).

Only where 0017 made the index (PostgreSQL with pgvector). The build reads
every face embedding: on a large table it takes long (47 minutes for a
million on two cores with one parallel worker and the graph in
`maintenance_work_mem`); set `maintenance_work_mem` above the index's size
(about 1 GB per million) and `max_parallel_maintenance_workers` for it.
Searches meanwhile are exact (slower, never wrong).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

#: The (kind, dimension) pairs 0017 indexed.
HNSW_KINDS = (("face", 128),)


def _name(kind: str, dim: int) -> str:
    return f"ix_event_embeddings_hnsw_{kind}_{dim}"


def _build(kind: str, dim: int, options: str) -> None:
    op.execute(f"DROP INDEX IF EXISTS {_name(kind, dim)}")
    op.execute(
        f"CREATE INDEX {_name(kind, dim)} ON event_embeddings "
        f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) {options}"
        f"WHERE kind = '{kind}' AND dim = {dim}"
    )


def _indexed(bind: sa.engine.Connection, kind: str, dim: int) -> bool:
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(sa.text("SELECT 1 FROM pg_indexes WHERE indexname = :n"), {"n": _name(kind, dim)})
    return found.first() is not None


def upgrade() -> None:
    bind = op.get_bind()
    for kind, dim in HNSW_KINDS:
        if _indexed(bind, kind, dim):
            _build(kind, dim, "WITH (m = 32, ef_construction = 128) ")


def downgrade() -> None:
    bind = op.get_bind()
    for kind, dim in HNSW_KINDS:
        if _indexed(bind, kind, dim):
            _build(kind, dim, "")
