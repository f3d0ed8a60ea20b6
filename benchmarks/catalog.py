"""The catalog's costs, side by side in one run.

1. The work queue (services/catalog/work.py): `--rows` live work rows, taken
   one claim at a time by 1 worker, then (the same rows put back) by 4
   workers in threads; claims per second each way and the ratio, and a check
   that no row was handed out twice. Then `heartbeat_all` of one worker that
   holds every row (one statement). On SQLite, and on PostgreSQL when
   `--postgres-url` names a server (a fresh database is made in it).
2. Through the edge (the platform on SQLite): `GET /` (no database, no
   inference), `GET /v2/config/pipeline/NFV4-MPA` (the schema, no I/O) and
   `GET /api/visionaire/analytic_list` (the database and one ModelReady call
   per model to the inference service): p50 and the ratios to `GET /`.

    python -m benchmarks.catalog [--rows 2000] [--calls 300] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import Session

from services.catalog import work
from services.db.engine import make_engine, migrate
from services.db.models import Stream, Work, utcnow
from tests.conftest import free_port
from tests.platform_launcher import start_platform


def fill(url: str, rows: int) -> None:
    """`rows` streams, each with one pending live work row."""
    engine = make_engine(url)
    now = utcnow()
    with Session(engine) as session:
        for n in range(rows):
            stream_id = str(uuid.uuid4())
            session.add(Stream(stream_id=stream_id, reference=f"rtsp://cam/{n}", create_time=now, last_update_time=now))
            session.add(
                Work(
                    stream_id=stream_id,
                    analytic_id="NFV4-MPA",
                    seat=n + 1,
                    serial_number=f"NFV4-MPA-N0-{n + 1:04d}",
                    kind=work.LIVE,
                    config={},
                    created_at=now,
                    updated_at=now,
                )
            )
        session.commit()
    engine.dispose()


def drain(url: str, workers: int) -> tuple[float, int, int]:
    """Claim every pending row, one per claim, with `workers` threads:
    (claims per second, rows claimed, distinct rows)."""
    engine = make_engine(url)
    taken: list[int] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        mine = []
        while batch := work.claim(engine, name, lease_seconds=60):
            mine += [item.id for item in batch]
        with lock:
            taken.extend(mine)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    with Session(engine) as session:
        session.execute(update(Work).values(state=work.PENDING, owner=None, heartbeat_at=None))
        session.commit()
    engine.dispose()
    return len(taken) / elapsed, len(taken), len(set(taken))


def heartbeat_ms(url: str, rows: int) -> float:
    """p50 of one `heartbeat_all` of a worker holding every row."""
    engine = make_engine(url)
    work.claim(engine, "holder", lease_seconds=60, limit=rows)
    samples = []
    for _ in range(20):
        t0 = time.perf_counter()
        held = work.heartbeat_all(engine, "holder")
        samples.append(time.perf_counter() - t0)
        assert len(held) == rows
    engine.dispose()
    return statistics.median(samples) * 1e3


def queue_case(label: str, url: str, rows: int) -> None:
    migrate(url)
    fill(url, rows)
    one = drain(url, 1)
    four = drain(url, 4)
    for name, (rate, claimed, distinct) in (("1 worker ", one), ("4 workers", four)):
        assert claimed == distinct == rows, (name, claimed, distinct)
        print(f"{label:10} {name} {rate:10.0f} claims/s  ({claimed} rows, none twice)")
    print(f"{label:10} 4 ÷ 1 workers: {four[0] / one[0]:.2f}")
    print(f"{label:10} heartbeat_all of {rows} rows: p50 {heartbeat_ms(url, rows):.1f} ms\n")


def measure(call: Callable[[], None], calls: int) -> float:
    for _ in range(max(calls // 10, 5)):
        call()
    samples = []
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e3


def edge_case(calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        platform = start_platform(f"sqlite:///{Path(tmp) / 'vigil.db'}", Path(tmp), free_port)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", int(platform.env["VIGIL_HTTP_PORT"]))

            def get(path: str) -> Callable[[], None]:
                def call() -> None:
                    conn.request("GET", path)
                    reply = conn.getresponse()
                    body = reply.read()
                    if reply.status != 200:
                        raise RuntimeError(f"{path}: {reply.status} {body!r}")

                return call

            base = measure(get("/"), calls)
            print(f"{calls} sequential calls each, one keep-alive connection, platform on SQLite")
            print(f"{'GET /':44} p50 {base:7.2f} ms")
            for path in ("/v2/config/pipeline/NFV4-MPA", "/api/visionaire/analytic_list"):
                p50 = measure(get(path), calls)
                print(f"{'GET ' + path:44} p50 {p50:7.2f} ms   ÷ GET / {p50 / base:5.2f}")
        finally:
            platform.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--postgres-url", default="", help="a PostgreSQL server URL (a database is made in it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        queue_case("SQLite", f"sqlite:///{Path(tmp) / 'work.db'}", args.rows)
    if args.postgres_url:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            queue_case("PostgreSQL", args.postgres_url.rsplit("/", 1)[0] + f"/{name}", args.rows)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    edge_case(args.calls)


if __name__ == "__main__":
    main()
