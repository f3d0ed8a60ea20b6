"""The events store's costs, side by side in one run (services/events).

1. Append: `--events` events appended one per call, then in batches of
   `--batch` (as an engine appends a frame's events together), then by 4
   threads in batches; events per second each way and the ratios.
2. Follow latency: an `EventFeed` (the System process's poller, default
   0.25 s) follows while events are appended one at a time at random
   moments; p50 / p95 / max of append-return -> delivery. The goal is
   under 1 s.
3. Listing a page of 50 (newest first, one stream) and `stats()` with the
   table full.

On SQLite, and on PostgreSQL when `--postgres-url` names a server (a fresh
database is made in it).

    python -m benchmarks.events [--events 2000] [--batch 50] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from services.db.engine import make_engine, migrate
from services.db.models import utcnow
from services.events.follow import EventFeed
from services.events.store import EventQuery, EventStore, NewEvent


def one(stream: str) -> NewEvent:
    return NewEvent(
        stream_id=stream,
        analytic_id="NFV4-MPA",
        event_type="line_in",
        occurred_at=utcnow(),
        track_id=random.randint(1, 10_000),
        label="person",
        score=0.8,
        box=(0.1, 0.2, 0.3, 0.4),
        attributes={"line": "gate", "direction": "in"},
    )


def rate(n: int, run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return n / (time.perf_counter() - start)


def appends(store: EventStore, n: int, batch: int) -> dict[str, float]:
    single = rate(n, lambda: [store.append([one("s-single")]) for _ in range(n)])
    batched = rate(n, lambda: [store.append([one("s-batch")] * batch) for _ in range(n // batch)])

    def threads() -> None:
        def work(k: int) -> None:
            for _ in range(n // batch // 4):
                store.append([one(f"s-thread-{k}")] * batch)

        pool = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()

    four = rate(n, threads)
    return {"single": single, "batched": batched, "four_threads": four}


async def follow_latency(store: EventStore, samples: int) -> list[float]:
    feed = EventFeed(store)
    delays: list[float] = []
    async with feed.subscribe(EventQuery(stream_id="s-follow")) as live:
        for _ in range(samples):
            await asyncio.sleep(random.uniform(0.05, 0.3))
            await asyncio.to_thread(store.append, [one("s-follow")])
            appended = time.perf_counter()
            await asyncio.wait_for(anext(live), 5)
            delays.append(time.perf_counter() - appended)
    return delays


def measure(name: str, url: str, data_dir: Path, n: int, batch: int, samples: int) -> None:
    migrate(url)
    engine = make_engine(url)
    store = EventStore(engine, data_dir)
    rates = appends(store, n, batch)
    delays = sorted(asyncio.run(follow_latency(store, samples)))
    p95 = delays[int(0.95 * (len(delays) - 1))]
    start = time.perf_counter()
    for _ in range(20):
        store.newest(EventQuery(stream_id="s-batch"), 50)
    page_ms = (time.perf_counter() - start) / 20 * 1000
    start = time.perf_counter()
    count, _ = store.stats()
    stats_ms = (time.perf_counter() - start) * 1000
    print(
        f"| {name} | {rates['single']:.0f} | {rates['batched']:.0f} | {rates['batched'] / rates['single']:.1f} | "
        f"{rates['four_threads']:.0f} | {statistics.median(delays) * 1000:.0f} / {p95 * 1000:.0f} / "
        f"{delays[-1] * 1000:.0f} ms | {page_ms:.1f} ms | {stats_ms:.1f} ms ({count} rows) |"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--postgres-url", default="")
    args = parser.parse_args()
    print(
        "| database | 1 per append ev/s | batched ev/s | batched ÷ 1 | 4 threads batched ev/s | "
        "follow p50 / p95 / max | page of 50 | stats |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite (WAL)", f"sqlite:///{tmp}/bench.db", Path(tmp), args.events, args.batch, args.samples)
        if args.postgres_url:
            name = f"vigil_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            try:
                url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
                measure("PostgreSQL", url, Path(tmp), args.events, args.batch, args.samples)
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
