"""onnxruntime sessions: which execution provider, how many threads.

The CUDA execution provider is asked for only when a GPU is usable here,
checked first (the driver answers, a device is present, the CUDA libraries the
provider needs load), so a CPU machine logs no CUDA errors. Every instance of
every model gets its own session; its intra-op threads are the usable cores
divided between the model's instances and thread spinning is off, so several
models and instances, and the gRPC threads beside them, share a small machine
instead of spinning on its cores (measured on 2 cores: with spinning on,
YOLOX-Nano at 8 concurrent clients fell to half the throughput).
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from services.inference_client.tensors import ONNX

log = logging.getLogger(__name__)

_CUDA_LIBRARIES = ("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcudnn.so.9")


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _libraries_load(names: tuple[str, ...]) -> bool:
    for name in names:
        try:
            ctypes.CDLL(name)
        except OSError:
            return False
    return True


@cache
def cuda_usable() -> bool:
    """True when onnxruntime's CUDA provider can run here; decided without
    asking onnxruntime for CUDA (which logs errors where it cannot)."""
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        return False
    try:
        driver = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    if driver.cuInit(0) != 0 or driver.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value < 1:
        return False
    if _libraries_load(_CUDA_LIBRARIES):
        return True
    # The CUDA libraries may come from the nvidia-* wheels; onnxruntime knows where.
    preload = getattr(ort, "preload_dlls", None)
    if preload is not None:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(Exception):
            preload()
    return _libraries_load(_CUDA_LIBRARIES)


@dataclass(frozen=True)
class TensorInfo:
    """A graph input or output: name, protocol data type, shape (-1 = any)."""

    name: str
    datatype: str
    shape: tuple[int, ...]


def _shape(dims: list[Any]) -> tuple[int, ...]:
    return tuple(d if isinstance(d, int) and d >= 0 else -1 for d in dims)


class OnnxSession:
    """One model instance: an onnxruntime session on one device."""

    def __init__(self, path: str, *, gpu: int | None, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only; graph warnings are the exporter's
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if gpu is None:
            providers: list[Any] = ["CPUExecutionProvider"]
        else:
            providers = [("CUDAExecutionProvider", {"device_id": gpu}), "CPUExecutionProvider"]
        self.device = "CPU" if gpu is None else f"GPU {gpu}"
        self._session = ort.InferenceSession(path, options, providers=providers)
        self.inputs = [
            TensorInfo(i.name, ONNX.get(i.type, i.type), _shape(i.shape)) for i in self._session.get_inputs()
        ]
        self.outputs = [
            TensorInfo(o.name, ONNX.get(o.type, o.type), _shape(o.shape)) for o in self._session.get_outputs()
        ]

    def run(self, outputs: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Run the graph (blocking; call it from a worker thread)."""
        return list(self._session.run(outputs, feeds))
