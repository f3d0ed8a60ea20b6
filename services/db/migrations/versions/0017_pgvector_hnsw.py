"""pgvector on PostgreSQL: `event_embeddings.embedding` (a `vector`) beside
the float32 bytes, filled by a trigger from those bytes whatever writes the
row (the events store, the index's `add`, another process), and an HNSW
index (cosine) per indexed kind, partial on kind and dimension
(`services/search/vectors.py` HNSW_KINDS: faces, SFace's 128 values).

Only where the `vector` extension is available and may be created: Debian's
PostgreSQL ships none, and SQLite has no such thing; there the migration
does nothing and the exact backend stays in use (`open_index` checks for the
column).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

#: (kind, dimension) pairs with an HNSW index; the same list as
#: services/search/vectors.py HNSW_KINDS at the time of this migration.
HNSW_KINDS = (("face", 128),)

# A little-endian float32 word per value, decoded exactly into float8
# (sign, exponent, mantissa), then cast to a vector. Embeddings are finite
# (the events store checks), so the exponent is never 255.
F32LE_TO_VECTOR = """
CREATE OR REPLACE FUNCTION vigil_f32le_to_vector(b bytea) RETURNS vector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_agg(
      CASE WHEN (w >> 31) & 1 = 1 THEN -1.0::float8 ELSE 1.0::float8 END
    * CASE WHEN (w >> 23) & 255 = 0
        THEN (w & 8388607)::float8 * power(2::float8, -149)
        ELSE ((w & 8388607) + 8388608)::float8 * power(2::float8, ((w >> 23) & 255) - 150)
      END
    ORDER BY i)::vector
  FROM (
    SELECT i, get_byte(b, 4 * i)::bigint
            | (get_byte(b, 4 * i + 1)::bigint << 8)
            | (get_byte(b, 4 * i + 2)::bigint << 16)
            | (get_byte(b, 4 * i + 3)::bigint << 24) AS w
    FROM generate_series(0, length(b) / 4 - 1) AS i
  ) AS words
$$
"""

FILL = """
CREATE OR REPLACE FUNCTION vigil_event_embedding_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.embedding IS NULL THEN
    NEW.embedding := vigil_f32le_to_vector(NEW.vector);
  END IF;
  RETURN NEW;
END
$$
"""


def hnsw_index_name(kind: str, dim: int) -> str:
    return f"ix_event_embeddings_hnsw_{kind}_{dim}"


def _vector_available(bind: sa.engine.Connection) -> bool:
    """Whether the `vector` extension is (or can be) installed here."""
    if bind.dialect.name != "postgresql":
        return False
    if bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first() is None:
        log.info("0011: no pgvector on this PostgreSQL; the exact vector index stays in use")
        return False
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
    except sa.exc.DBAPIError as exc:  # not allowed to create it (not a superuser, not trusted)
        log.warning("0011: CREATE EXTENSION vector failed (%s); the exact vector index stays in use", exc.orig)
        return False
    return True


def upgrade() -> None:
    bind = op.get_bind()
    if not _vector_available(bind):
        return
    # No dimension on the column: kinds differ in length; each HNSW index
    # casts to its own dimension.
    op.execute("ALTER TABLE event_embeddings ADD COLUMN embedding vector")
    op.execute(F32LE_TO_VECTOR)
    op.execute(FILL)
    op.execute(
        "CREATE TRIGGER event_embeddings_fill BEFORE INSERT ON event_embeddings "
        "FOR EACH ROW EXECUTE FUNCTION vigil_event_embedding_fill()"
    )
    op.execute("UPDATE event_embeddings SET embedding = vigil_f32le_to_vector(vector) WHERE embedding IS NULL")
    for kind, dim in HNSW_KINDS:
        op.execute(
            f"CREATE INDEX {hnsw_index_name(kind, dim)} ON event_embeddings "
            f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) "
            f"WHERE kind = '{kind}' AND dim = {dim}"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for kind, dim in HNSW_KINDS:
        op.execute(f"DROP INDEX IF EXISTS {hnsw_index_name(kind, dim)}")
    op.execute("DROP TRIGGER IF EXISTS event_embeddings_fill ON event_embeddings")
    op.execute("DROP FUNCTION IF EXISTS vigil_event_embedding_fill()")
    op.execute("DROP FUNCTION IF EXISTS vigil_f32le_to_vector(bytea)")
    op.execute("ALTER TABLE event_embeddings DROP COLUMN IF EXISTS embedding")
