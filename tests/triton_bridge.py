"""NVIDIA's `tritonclient[grpc]` in a child process, driven over JSON lines.

tritonclient registers its own `inference.*` protobuf messages in the default
descriptor pool, and so do Vigil's generated modules; one process cannot hold
both. The tests therefore talk to `TritonBridge`, which runs this module as
`python -m tests.triton_bridge <url>` and sends it commands; the child calls
tritonclient unchanged and answers with JSON (arrays as base64 .npy).
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def pack(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode()


def unpack(text: str) -> np.ndarray:
    return np.asarray(np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False))


class TritonError(Exception):
    """An error tritonclient raised: its gRPC status and message."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class TritonBridge:
    """The parent side: one child process with one tritonclient client."""

    def __init__(self, url: str) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", "tests.triton_bridge", url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def close(self) -> None:
        if self._child.stdin:
            self._child.stdin.close()
        self._child.wait(30)

    def __enter__(self) -> TritonBridge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, command: dict[str, Any]) -> Any:
        assert self._child.stdin is not None and self._child.stdout is not None
        self._child.stdin.write(json.dumps(command) + "\n")
        self._child.stdin.flush()
        line = self._child.stdout.readline()
        if not line:
            raise RuntimeError("the tritonclient bridge died")
        return json.loads(line)

    @staticmethod
    def _result(answer: dict[str, Any]) -> Any:
        if not answer["ok"]:
            raise TritonError(answer["status"], answer["message"])
        return answer["result"]

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Any InferenceServerClient method with JSON-able arguments."""
        return self._result(self._send({"op": "call", "method": method, "args": args, "kwargs": kwargs}))

    def infer(
        self,
        model: str,
        inputs: dict[str, tuple[np.ndarray, str]] | dict[str, np.ndarray],
        outputs: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """client.infer; inputs by name (array, or (array, datatype))."""
        answer = self._result(self._send(_infer_command(model, inputs, outputs, kwargs)))
        return {name: unpack(data) for name, data in answer.items()}

    def infer_concurrent(
        self, requests: list[dict[str, Any]], concurrency: int
    ) -> list[dict[str, np.ndarray] | TritonError]:
        """Many client.infer calls at once from `concurrency` threads (one
        client each); each request is a dict of infer()'s arguments."""
        commands = [_infer_command(r["model"], r["inputs"], r.get("outputs"), r.get("kwargs", {})) for r in requests]
        answers = self._result(self._send({"op": "concurrent", "requests": commands, "concurrency": concurrency}))
        out: list[dict[str, np.ndarray] | TritonError] = []
        for a in answers:
            if a["ok"]:
                out.append({name: unpack(data) for name, data in a["result"].items()})
            else:
                out.append(TritonError(a["status"], a["message"]))
        return out


def _infer_command(model: str, inputs: Any, outputs: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    packed = []
    for name, value in inputs.items():
        array, datatype = value if isinstance(value, tuple) else (value, "")
        packed.append({"name": name, "data": pack(np.asarray(array)), "datatype": datatype})
    return {"op": "infer", "model": model, "inputs": packed, "outputs": outputs, "kwargs": kwargs}


# -- the child ----------------------------------------------------------------


def _child(url: str) -> None:  # pragma: no cover - runs in the subprocess
    import tritonclient.grpc as tc
    from tritonclient.utils import InferenceServerException, np_to_triton_dtype

    client = tc.InferenceServerClient(url)

    def error(exc: InferenceServerException) -> dict[str, Any]:
        return {"ok": False, "status": str(exc.status()), "message": exc.message()}

    def infer(c: Any, command: dict[str, Any]) -> dict[str, Any]:
        inputs = []
        for spec in command["inputs"]:
            array = unpack(spec["data"])
            datatype = spec["datatype"] or np_to_triton_dtype(array.dtype)
            tensor = tc.InferInput(spec["name"], list(array.shape), datatype)
            if spec["datatype"] and spec["datatype"] != np_to_triton_dtype(array.dtype):
                tensor._raw_content = array.tobytes()  # a deliberately mismatched payload
            else:
                tensor.set_data_from_numpy(array)
            inputs.append(tensor)
        outputs = [tc.InferRequestedOutput(n) for n in command["outputs"]] if command["outputs"] else None
        try:
            result = c.infer(command["model"], inputs, outputs=outputs, **command["kwargs"])
        except InferenceServerException as exc:
            return error(exc)
        names = [o.name for o in result.get_response().outputs]
        return {"ok": True, "result": {n: pack(result.as_numpy(n)) for n in names}}

    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["op"] == "call":
                try:
                    value = getattr(client, command["method"])(*command["args"], **command["kwargs"])
                    answer = {"ok": True, "result": value}
                except InferenceServerException as exc:
                    answer = error(exc)
            elif command["op"] == "infer":
                answer = infer(client, command)
            else:
                clients = [tc.InferenceServerClient(url) for _ in range(command["concurrency"])]

                def run(item: tuple[int, dict[str, Any]], pool: list[Any] = clients) -> dict[str, Any]:
                    index, request = item
                    return infer(pool[index % len(pool)], request)

                with ThreadPoolExecutor(command["concurrency"]) as pool:
                    results = list(pool.map(run, enumerate(command["requests"])))
                answer = {"ok": True, "result": results}
        except Exception as exc:  # report, keep serving
            answer = {"ok": False, "status": "BRIDGE", "message": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _child(sys.argv[1])
