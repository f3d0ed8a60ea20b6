"""REST through Envoy vs direct gRPC, same server, same call, one run.

Starts the platform (SQLite in a temporary folder), creates one stream, then
times two small unary calls both ways, one after the other with persistent
connections: `GET /` (SystemService.GetSystemInfo: no database) and
`GET /streams/0/{id}` (StreamsService.GetStream: one row read). Prints p50, p95
and QPS for each, and the REST ÷ gRPC ratios. Goal: REST p50 ÷ gRPC p50 ≤ 1.3.

Then the stream list, `GET /streams` (StreamsService.ListStreams, every
stream of every node in one answer), REST and gRPC, with 1 000 and then
10 000 streams in the table (added straight to the database, each with a
small `stream_custom_data`). Goal: REST p95 at 1 000 streams < 100 ms.

    python -m benchmarks.edge [--calls 2000] [--warmup 200] [--list-calls 100]
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import grpc
from sqlmodel import Session, select

from services.db.engine import make_engine
from services.db.models import Stream, utcnow
from services.streams.visionaire_repository import StreamRepository
from tests.platform_launcher import start_platform
from vigil.streams.v1 import streams_service_pb2, streams_service_pb2_grpc
from vigil.system.v1 import system_service_pb2, system_service_pb2_grpc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(call: Callable[[], None], calls: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        call()
    samples = []
    start = time.perf_counter()
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    samples.sort()
    return {
        "p50_ms": statistics.median(samples) * 1e3,
        "p95_ms": samples[int(0.95 * (len(samples) - 1))] * 1e3,
        "qps": calls / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--list-calls", type=int, default=100, help="GET /streams calls per table size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        platform = start_platform(f"sqlite:///{Path(tmp) / 'vigil.db'}", Path(tmp), free_port)
        try:
            run(platform, args.calls, args.warmup)
            run_list(platform, args.list_calls)
        finally:
            platform.stop()


def run(platform, calls: int, warmup: int) -> None:  # type: ignore[no-untyped-def]
    http_port = int(platform.env["VIGIL_HTTP_PORT"])
    conn = http.client.HTTPConnection("127.0.0.1", http_port)

    def rest(method: str, path: str, body: bytes | None = None) -> bytes:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        reply = conn.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"{method} {path}: {reply.status} {data!r}")
        return data

    stream_id = json.loads(rest("POST", "/streams/0", json.dumps({"stream_address": "rtsp://cam/1"}).encode()))[
        "stream_id"
    ]
    system = system_service_pb2_grpc.SystemServiceStub(grpc.insecure_channel(platform.grpc_target("system")))
    streams = streams_service_pb2_grpc.StreamsServiceStub(grpc.insecure_channel(platform.grpc_target("streams")))
    cases = [
        (
            "GetSystemInfo  GET /",
            lambda: rest("GET", "/"),
            lambda: system.GetSystemInfo(system_service_pb2.GetSystemInfoRequest()),
        ),
        (
            "GetStream      GET /streams/0/{id}",
            lambda: rest("GET", f"/streams/0/{stream_id}"),
            lambda: streams.GetStream(streams_service_pb2.GetStreamRequest(node_num=0, stream_id=stream_id)),
        ),
    ]
    print(f"{calls} sequential calls each after {warmup} warm-up calls; persistent connections\n")
    header = f"{'call':38} {'path':5} {'p50 ms':>8} {'p95 ms':>8} {'QPS':>8}"
    print(header)
    print("-" * len(header))
    ratios = []
    for name, rest_call, grpc_call in cases:
        r = measure(rest_call, calls, warmup)  # type: ignore[arg-type]
        g = measure(grpc_call, calls, warmup)  # type: ignore[arg-type]
        for label, m in (("REST", r), ("gRPC", g)):
            print(f"{name:38} {label:5} {m['p50_ms']:8.3f} {m['p95_ms']:8.3f} {m['qps']:8.0f}")
        ratios.append((name, r["p50_ms"] / g["p50_ms"], r["p95_ms"] / g["p95_ms"], r["qps"] / g["qps"]))
    print(f"\n{'call':38} {'p50 REST/gRPC':>14} {'p95 REST/gRPC':>14} {'QPS REST/gRPC':>14}")
    for name, p50, p95, qps in ratios:
        print(f"{name:38} {p50:14.2f} {p95:14.2f} {qps:14.2f}")


def add_streams(database_url: str, count: int) -> None:
    """Insert `count` streams on node 0, as a Visionaire4 create makes them."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        for i in range(count):
            now = utcnow()
            session.add(
                Stream(
                    stream_id=str(uuid.uuid4()),
                    node_num=0,
                    name=f"Camera {i}",
                    reference=f"rtsp://10.7.{i // 250}.{i % 250}:554/live",
                    latitude=-6.26 + i * 1e-5,
                    longitude=106.82 + i * 1e-5,
                    custom_data={"site": f"site-{i % 17}", "floor": i % 9},
                    create_time=now,
                    last_update_time=now,
                )
            )
        session.commit()
    engine.dispose()


def run_list(platform, calls: int) -> None:  # type: ignore[no-untyped-def]
    """`GET /streams` with 1 000 and 10 000 streams, REST and gRPC."""
    conn = http.client.HTTPConnection("127.0.0.1", int(platform.env["VIGIL_HTTP_PORT"]))
    streams = streams_service_pb2_grpc.StreamsServiceStub(
        grpc.insecure_channel(platform.grpc_target("streams"), options=[("grpc.max_receive_message_length", -1)])
    )

    def rest() -> int:
        conn.request("GET", "/streams")
        reply = conn.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"GET /streams: {reply.status} {data[:200]!r}")
        return len(data)

    print(f"\nGET /streams (ListStreams), {calls} sequential calls per size after 5 warm-up calls\n")
    header = f"{'streams':>8} {'path':5} {'p50 ms':>8} {'p95 ms':>8} {'QPS':>8} {'body KiB':>9}"
    print(header)
    print("-" * len(header))
    present = streams.ListStreams(streams_service_pb2.ListStreamsRequest()).stream_number
    reads: list[tuple[int, float, float]] = []
    for target in (1000, 10000):
        add_streams(platform.env["VIGIL_DATABASE_URL"], target - present)
        present = target
        size = rest()
        count = streams.ListStreams(streams_service_pb2.ListStreamsRequest()).stream_number
        assert count == target, count
        r = measure(rest, calls, 5)  # type: ignore[arg-type]
        g = measure(lambda: streams.ListStreams(streams_service_pb2.ListStreamsRequest()), calls, 5)
        for label, m in (("REST", r), ("gRPC", g)):
            print(f"{target:8} {label:5} {m['p50_ms']:8.2f} {m['p95_ms']:8.2f} {m['qps']:8.1f} {size / 1024:9.0f}")
        reads.append((target, *compare_reads(platform.env["VIGIL_DATABASE_URL"], max(3, calls // 10))))
    print("\nWhy the list was slow: reading the table in-process, p50 ms (same database, same run)\n")
    print(f"{'streams':>8} {'ORM rows (old list)':>20} {'listed columns (now)':>21} {'ratio':>6}")
    for target, orm, columns in reads:
        print(f"{target:8} {orm:20.1f} {columns:21.1f} {orm / columns:6.1f}")


def compare_reads(database_url: str, calls: int) -> tuple[float, float]:
    """p50 ms of loading every stream as a full ORM object (what `GET
    /streams` did) and of the repository's column read (what it does)."""
    engine = make_engine(database_url)
    repo = StreamRepository(engine)

    def orm() -> None:
        with Session(engine) as session:
            list(session.exec(select(Stream)))

    def columns() -> None:
        repo.list()

    result = measure(orm, calls, 1)["p50_ms"], measure(columns, calls, 1)["p50_ms"]
    engine.dispose()
    return result


if __name__ == "__main__":
    main()
