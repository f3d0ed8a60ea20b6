"""Large uploads: through Envoy (REST) and directly to gRPC, each as a ratio
to `dd` writing the same number of bytes to the same disk, with every
process's peak RSS. One run, side by side.

Starts the platform (SQLite in a temporary folder on the disk under test),
then, for a file of `--size-mib` MiB (a real H.264 MP4 padded with an MP4
`free` box, made as it is sent, so the client holds no copy of it either):

* `dd`: `dd if=/dev/zero of=<data dir>/dd.bin bs=1M count=N conv=fsync`;
* Lenz chunked upload through Envoy (`POST .../videos/upload`, chunks of
  `--chunk-mib`, multipart, streamed by the client);
* the same chunks straight to the gRPC server (client-streaming
  `UploadChunk`, 1 MiB messages);
* the FindFace raw source file through Envoy (`PUT .../upload/source_file/`).

The rounds are interleaved (dd, then each path, again and again) and each
path's ratio is taken against the dd of its own round; medians are printed.

Each upload is timed from its first byte to the answer of its last request
(which includes the upload's completion: fsync, SHA-256, PyAV probe), and its
stored file is checked byte for byte (SHA-256). Goal: through Envoy
>= 0.7 x dd.

    python -m benchmarks.upload [--size-mib 1024] [--chunk-mib 64] [--dir /path/on/the/disk]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import psutil
import requests

from tests.media import PaddedVideo, make_h264
from tests.platform_launcher import RunningPlatform, start_platform
from vigil.uploads.v1 import uploads_service_pb2, uploads_service_pb2_grpc

MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PeakRss:
    """Samples the RSS of named processes every 20 ms while it is open, and
    counts their CPU seconds (user + system)."""

    def __init__(self, processes: dict[str, psutil.Process]) -> None:
        self.processes = processes
        self.base = {n: p.memory_info().rss for n, p in processes.items()}
        self.peak = dict(self.base)
        self.cpu: dict[str, float] = {}
        self._cpu0: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.wait(0.02):
            for name, proc in self.processes.items():
                try:
                    self.peak[name] = max(self.peak[name], proc.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass

    def __enter__(self) -> PeakRss:
        self._cpu0 = {n: sum(p.cpu_times()[:2]) for n, p in self.processes.items()}
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.cpu = {n: sum(p.cpu_times()[:2]) - self._cpu0[n] for n, p in self.processes.items()}


def children(platform: RunningPlatform) -> dict[str, psutil.Process]:
    return {"uploads": platform.service_process("uploads"), "envoy": platform.child("envoy")}


def multipart_head(fields: list[tuple[str, str]], boundary: str) -> bytes:
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields
    )
    return head + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n\r\n'.encode()


def chunk_bodies(
    video: PaddedVideo, chunk: int, session: Callable[[], str | None]
) -> Iterator[tuple[int, Iterator[bytes], str]]:
    """(index, body pieces, content type) of every chunk; `session()` gives
    the session id once the first chunk's answer has it."""
    total = -(-video.size // chunk)
    for index in range(total):
        boundary = "vigil" + secrets.token_hex(8)
        fields = [
            ("filename", "benchmark.mp4"),
            ("chunk_index", str(index)),
            ("total_chunks", str(total)),
            ("total_size", str(video.size)),
        ]
        sid = session()
        if sid:
            fields.append(("session_id", sid))
        head = multipart_head(fields, boundary)
        tail = f"\r\n--{boundary}--\r\n".encode()

        def body(index: int = index, head: bytes = head, tail: bytes = tail) -> Iterator[bytes]:
            yield head
            yield from video.read(index * chunk, chunk)
            yield tail

        yield index, body(), f"multipart/form-data; boundary={boundary}"


def via_envoy(platform: RunningPlatform, video: PaddedVideo, chunk: int) -> dict:
    state: dict = {}
    for _, body, ctype in chunk_bodies(video, chunk, lambda: state.get("session_id")):
        reply = requests.post(
            platform.url("/api/visionaire-media/0/videos/upload?auto_stream=false"),
            data=body,
            headers={"Content-Type": ctype, "Authorization": f"Bearer {platform.credentials()['bearer']}"},
            timeout=600,
        )
        reply.raise_for_status()
        state.update(reply.json()["data"])
    return state


def via_grpc(platform: RunningPlatform, video: PaddedVideo, chunk: int) -> dict:
    state: dict = {}
    with grpc.insecure_channel(
        platform.grpc_target("uploads"), options=[("grpc.max_send_message_length", 8 * MIB)]
    ) as channel:
        stub = uploads_service_pb2_grpc.UploadsServiceStub(channel)
        for _, body, ctype in chunk_bodies(video, chunk, lambda: state.get("session_id")):

            def messages(body: Iterator[bytes] = body, ctype: str = ctype) -> Iterator[object]:
                first = True
                for piece in body:
                    msg = uploads_service_pb2.UploadChunkRequest()
                    if first:
                        msg.nvr_server_id, msg.auto_stream = 0, False
                        msg.http_body.content_type = ctype
                        first = False
                    msg.http_body.data = piece
                    yield msg

            reply = stub.UploadChunk(messages(), timeout=600)
            state.update(session_id=reply.data.session_id, video_id=reply.data.video_id, status=reply.data.status)
    return state


def via_findface(platform: RunningPlatform, video: PaddedVideo) -> dict:
    token = {"Authorization": f"Token {platform.credentials()['token']}"}
    archive = requests.post(
        platform.url("/videos/"), json={"camera_group": 1, "name": "benchmark.mp4"}, headers=token
    ).json()
    reply = requests.put(
        platform.url(f"/videos/{archive['id']}/upload/source_file/"),
        data=video.read(0, video.size),
        headers={"Content-Type": "video/mp4", **token},
        timeout=600,
    )
    reply.raise_for_status()
    return {"archive_id": archive["id"]}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(4 * MIB):
            digest.update(block)
    return digest.hexdigest()


def drop_caches() -> None:
    """Write back dirty pages so one run does not pay for the previous one."""
    os.sync()


def run_dd(folder: Path, size_mib: int) -> float:
    target = folder / "dd.bin"
    drop_caches()
    start = time.perf_counter()
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={size_mib}", "conv=fsync"],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    target.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--chunk-mib", type=int, default=64, help="Lenz chunk size in MiB")
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk under test (default: a temp dir)")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (medians are reported)")
    args = parser.parse_args()
    size, chunk = args.size_mib * MIB, args.chunk_mib * MIB

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        video = PaddedVideo(make_h264(folder / "seed.mp4", seconds=3).read_bytes(), size)
        expected = video.sha256()
        platform = start_platform(
            f"sqlite:///{folder / 'vigil.db'}",
            folder,
            free_port,
            {"VIGIL_UPLOAD_MAX_CHUNK_BYTES": str(max(chunk, MIB) * 2), "VIGIL_LOG_LEVEL": "warning"},
        )
        try:
            procs = children(platform)
            procs["client"] = psutil.Process()
            paths: list[tuple[str, Callable[[], object]]] = [
                ("Lenz chunked upload through Envoy", lambda: via_envoy(platform, video, chunk)),
                ("Lenz chunked upload straight to gRPC", lambda: via_grpc(platform, video, chunk)),
                ("FindFace source file through Envoy", lambda: via_findface(platform, video)),
            ]
            dd_times: list[float] = []
            times: dict[str, list[float]] = {label: [] for label, _ in paths}
            ratios: dict[str, list[float]] = {label: [] for label, _ in paths}
            peaks: dict[str, dict[str, tuple[int, int]]] = {label: {} for label, _ in paths}
            cpus: dict[str, dict[str, list[float]]] = {label: {} for label, _ in paths}
            # Interleaved rounds: every path is compared with the dd of its own
            # round, so a machine that gets busier or quieter affects both.
            for _ in range(args.runs):
                dd_times.append(run_dd(folder, args.size_mib))
                for label, work in paths:
                    drop_caches()
                    with PeakRss(procs) as rss:
                        start = time.perf_counter()
                        work()
                        seconds = time.perf_counter() - start
                    stored = sorted((folder / "uploads" / "videos").iterdir(), key=lambda p: p.stat().st_mtime)[-1]
                    if sha256(stored) != expected:
                        raise SystemExit(f"{label}: the stored file differs from the source")
                    stored.unlink()
                    times[label].append(seconds)
                    ratios[label].append(dd_times[-1] / seconds)
                    for name in procs:
                        cpus[label].setdefault(name, []).append(rss.cpu[name])
                        old = peaks[label].get(name, (0, rss.base[name]))
                        peaks[label][name] = (max(old[0], rss.peak[name]), min(old[1], rss.base[name]))
        finally:
            platform.stop()
        shutil.rmtree(folder / "uploads", ignore_errors=True)

    print(f"\n{args.size_mib} MiB, Lenz chunks of {args.chunk_mib} MiB, {args.runs} interleaved rounds (medians);")
    print("every stored file verified by SHA-256; peak RSS over all rounds, growth over the process at start\n")
    print("| path | seconds | MB/s | ÷ dd (same round) | peak RSS (growth): Envoy | uploads service | client |")
    print("|---|---|---|---|---|---|---|")
    dd = statistics.median(dd_times)
    print(f"| dd (bs=1M, conv=fsync) | {dd:.2f} | {size / dd / 1e6:.0f} | 1.00 | | | |")
    cpu_rows = []
    for label, seconds_list in times.items():
        seconds = statistics.median(seconds_list)
        peak = peaks[label]
        cells = [
            f"{peak[n][0] / MIB:.0f} MiB (+{(peak[n][0] - peak[n][1]) / MIB:.0f})"
            for n in ("envoy", "uploads", "client")
        ]
        ratio = statistics.median(ratios[label])
        print(f"| {label} | {seconds:.2f} | {size / seconds / 1e6:.0f} | {ratio:.2f} | " + " | ".join(cells) + " |")
        per_gib = {n: statistics.median(v) / (size / 1024**3) for n, v in cpus[label].items()}
        cpu_rows.append(
            f"| {label} | " + " | ".join(f"{per_gib[n]:.2f}" for n in ("envoy", "uploads", "client")) + " |"
        )
    print("\nCPU seconds (user + system) per GiB, medians:\n")
    print("| path | Envoy | uploads service | client |")
    print("|---|---|---|---|")
    print("\n".join(cpu_rows))


if __name__ == "__main__":
    main()
