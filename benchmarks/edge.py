"""REST through Envoy vs direct gRPC, same server, same call, one run.

Starts the platform (SQLite in a temporary folder), creates one stream, then
times two small unary calls both ways, one after the other with persistent
connections: `GET /` (SystemService.GetSystemInfo: no database) and
`GET /streams/0/{id}` (StreamsService.GetStream: one row read). Prints p50, p95
and QPS for each, and the REST ÷ gRPC ratios. Goal: REST p50 ÷ gRPC p50 ≤ 1.3.

    python -m benchmarks.edge [--calls 2000] [--warmup 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import grpc

from services.platform.launcher import start_platform
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        platform = start_platform(f"sqlite:///{Path(tmp) / 'vigil.db'}", Path(tmp), free_port)
        try:
            run(platform, args.calls, args.warmup)
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


if __name__ == "__main__":
    main()
