"""Helpers of the inference tests: the model repository (fetched and cached),
the real pictures of scikit-image's wheel, short videos made from them, and
the inference server as a subprocess.

The server runs in its own process because tritonclient registers its own
copy of the `inference.*` protobuf messages: the Triton client side of the
tests runs in yet another process (tests/triton_bridge.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

import av
import numpy as np

from services.common.health import serving

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = ROOT / "models" / "repository"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@cache
def model_repository() -> Path:
    """The project's model repository, built (or found cached) by the fetch."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch_models.py")], check=True)
    return REPOSITORY


@cache
def fetch_module() -> ModuleType:
    """scripts/fetch_models.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("fetch_models", ROOT / "scripts" / "fetch_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# YOLOX-Nano without dynamic batching (Triton's default scheduler, no queue
# policy), on one CPU instance: the configuration several tests copy.
UNBATCHED = """platform: "onnxruntime_onnx"
max_batch_size: 8
instance_group [ { count: 1 kind: KIND_CPU } ]
"""


def copy_model(repository: Path, source: str, name: str, config: str) -> None:
    """Add model `name` to `repository`: `source`'s version 1 with `config`."""
    folder = repository / name
    (folder / "1").mkdir(parents=True, exist_ok=True)
    target = folder / "1" / "model.onnx"
    if not target.exists():
        target.symlink_to(model_repository() / source / "1" / "model.onnx")
    (folder / "config.pbtxt").write_text(f'name: "{name}"\n{config}')


@cache
def picture(name: str) -> np.ndarray:
    """A picture of scikit-image's data folder as HxWx3 RGB uint8."""
    import skimage
    from skimage import io

    image = io.imread(Path(skimage.__file__).parent / "data" / name)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3]).astype(np.uint8)


def make_video(path: Path, scenes: Sequence[tuple[np.ndarray, int]], *, fps: int = 10, size: int = 416) -> Path:
    """An H.264 file of `frames` frames of each picture, each letterboxed on a
    grey size x size canvas (even sides for yuv420p)."""
    from services.vision.image import letterbox

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for image, frames in scenes:
            canvas = letterbox(image, size, size, pad=128).image
            for _ in range(frames):
                for packet in stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decode_video(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@dataclass
class InferenceServer:
    """`python -m services.inference` in a subprocess."""

    process: subprocess.Popen[bytes]
    port: int
    metrics_port: int
    log: Path
    http_port: int = 0

    @property
    def http_url(self) -> str:
        """host:port of the HTTP/REST front (tritonclient.http's url)."""
        return f"127.0.0.1:{self.http_port}"

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def metrics(self) -> str:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as reply:
            return str(reply.read().decode())

    def metric(self, name: str, **labels: str) -> float:
        """The value of one sample of the Prometheus text."""
        for line in self.metrics().splitlines():
            if not line.startswith(name + "{"):
                continue
            inner = line[len(name) + 1 : line.index("}")]
            pairs = dict(p.split("=", 1) for p in inner.split(","))
            if all(pairs.get(k) == f'"{v}"' for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        raise KeyError(f"{name}{labels} not in the metrics")


def _serving(target: str) -> bool:
    return asyncio.run(serving(target, wait=1))


@contextlib.contextmanager
def inference_server(
    repository: Path, tmp: Path, *, load: str = "*", env: dict[str, str] | None = None
) -> Iterator[InferenceServer]:
    """Start the inference service on free ports; stop it (cleanly) after."""
    port, metrics_port, http_port = free_port(), free_port(), free_port()
    environ = {
        **os.environ,
        "VIGIL_INFERENCE_PORT": str(port),
        "VIGIL_INFERENCE_METRICS_PORT": str(metrics_port),
        "VIGIL_INFERENCE_HTTP_PORT": str(http_port),
        "VIGIL_MODEL_REPOSITORY": str(repository),
        "VIGIL_LOAD_MODELS": load,
        "VIGIL_GRACE_SECONDS": "1",
        "VIGIL_ENV_FILE": str(tmp / "none.env"),
        **(env or {}),
    }
    log = tmp / f"inference-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.inference"], cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT
        )
    server = InferenceServer(process, port, metrics_port, log, http_port)
    try:
        deadline = time.monotonic() + 60
        while not _serving(server.target):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the inference server did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        assert process.returncode == 0, log.read_text()[-4000:]


def fresh_repository(tmp: Path) -> Path:
    """An empty model repository folder under `tmp`."""
    path = tmp / "repository"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path
