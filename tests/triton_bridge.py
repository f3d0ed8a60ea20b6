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
from collections.abc import Mapping
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
        inputs: Mapping[str, Any],
        outputs: list[Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """client.infer; inputs by name (array, or (array, datatype))."""
        answer = self._result(self._send(_infer_command(model, inputs, outputs, kwargs)))
        return {name: unpack(data) for name, data in answer.items()}

    def shm(self, action: str, handle: str, **kwargs: Any) -> Any:
        """tritonclient.utils.shared_memory in the child: `create` (key,
        byte_size), `set` (array, offset), `get` (datatype, shape, offset),
        `destroy`; handles are named by the test."""
        if "array" in kwargs:
            kwargs["array"] = pack(np.asarray(kwargs["array"]))
        result = self._result(self._send({"op": "shm", "action": action, "handle": handle, "kwargs": kwargs}))
        return unpack(result) if action == "get" else result

    def stream(self, model: str, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """tritonclient's streaming API: start_stream, async_stream_infer for
        each request (inputs, id), stop_stream; every callback's result as
        {"id", "outputs"} or {"id", "error"}, in arrival order."""
        commands = [_infer_command(model, r["inputs"], None, {"request_id": r["id"]}) for r in requests]
        answers = self._result(self._send({"op": "stream", "requests": commands}))
        for a in answers:
            if "outputs" in a:
                a["outputs"] = {n: unpack(d) for n, d in a["outputs"].items()}
        return list(answers)

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
    """Inputs are arrays, (array, datatype), or {"shm": [region, byte_size,
    offset], "shape": [...], "datatype": ...}; outputs are names or
    {"name": ..., "shm": [region, byte_size, offset]}."""
    packed = []
    for name, value in inputs.items():
        if isinstance(value, dict):
            packed.append({"name": name, **value})
            continue
        array, datatype = value if isinstance(value, tuple) else (value, "")
        packed.append({"name": name, "data": pack(np.asarray(array)), "datatype": datatype})
    return {"op": "infer", "model": model, "inputs": packed, "outputs": outputs, "kwargs": kwargs}


# -- the child ----------------------------------------------------------------


def _child(url: str) -> None:  # pragma: no cover - runs in the subprocess
    import tritonclient.grpc as tc
    import tritonclient.utils.shared_memory as shm
    from tritonclient.utils import InferenceServerException, np_to_triton_dtype, triton_to_np_dtype

    client = tc.InferenceServerClient(url)

    def error(exc: InferenceServerException) -> dict[str, Any]:
        return {"ok": False, "status": str(exc.status()), "message": exc.message()}

    def infer(c: Any, command: dict[str, Any]) -> dict[str, Any]:
        inputs = []
        for spec in command["inputs"]:
            if "shm" in spec:
                tensor = tc.InferInput(spec["name"], spec["shape"], spec["datatype"])
                tensor.set_shared_memory(*spec["shm"])
                inputs.append(tensor)
                continue
            array = unpack(spec["data"])
            datatype = spec["datatype"] or np_to_triton_dtype(array.dtype)
            tensor = tc.InferInput(spec["name"], list(array.shape), datatype)
            if spec["datatype"] and spec["datatype"] != np_to_triton_dtype(array.dtype):
                tensor._raw_content = array.tobytes()  # a deliberately mismatched payload
            else:
                tensor.set_data_from_numpy(array)
            inputs.append(tensor)
        outputs = None
        if command["outputs"]:
            outputs = []
            for out in command["outputs"]:
                if isinstance(out, dict):
                    requested = tc.InferRequestedOutput(out["name"])
                    requested.set_shared_memory(*out["shm"])
                    outputs.append(requested)
                else:
                    outputs.append(tc.InferRequestedOutput(out))
        try:
            result = c.infer(command["model"], inputs, outputs=outputs, **command["kwargs"])
        except InferenceServerException as exc:
            return error(exc)
        found: dict[str, Any] = {}
        for o in result.get_response().outputs:
            if "shared_memory_region" in o.parameters:  # read it from the client's region
                found[o.name + "@shm"] = pack(np.asarray(list(o.shape), dtype=np.int64))
                found[o.name + "@region"] = pack(
                    np.frombuffer(o.parameters["shared_memory_region"].string_param.encode(), np.uint8)
                )
            else:
                found[o.name] = pack(result.as_numpy(o.name))
        return {"ok": True, "result": found}

    handles: dict[str, Any] = {}

    def shm_action(command: dict[str, Any]) -> Any:
        action, name, kw = command["action"], command["handle"], command["kwargs"]
        if action == "create":
            handles[name] = shm.create_shared_memory_region(name, kw["key"], kw["byte_size"])
            return None
        if action == "set":
            shm.set_shared_memory_region(handles[name], [unpack(kw["array"])], offset=kw.get("offset", 0))
            return None
        if action == "get":
            dtype = triton_to_np_dtype(kw["datatype"])
            return pack(shm.get_contents_as_numpy(handles[name], dtype, kw["shape"], offset=kw.get("offset", 0)))
        shm.destroy_shared_memory_region(handles.pop(name))
        return None

    def stream(command: dict[str, Any]) -> list[dict[str, Any]]:
        import queue

        answers: queue.Queue[dict[str, Any]] = queue.Queue()

        def callback(result: Any, error: Any) -> None:
            exc = error
            if exc is not None:
                answers.put({"error": exc.message(), "status": str(exc.status())})
            else:
                response = result.get_response()
                outputs = {o.name: pack(result.as_numpy(o.name)) for o in response.outputs}
                answers.put({"id": response.id, "outputs": outputs})

        client.start_stream(callback=callback)
        try:
            for request in command["requests"]:
                inputs = []
                for spec in request["inputs"]:
                    array = unpack(spec["data"])
                    tensor = tc.InferInput(spec["name"], list(array.shape), np_to_triton_dtype(array.dtype))
                    tensor.set_data_from_numpy(array)
                    inputs.append(tensor)
                client.async_stream_infer(request["model"], inputs, request_id=request["kwargs"]["request_id"])
            got = [answers.get(timeout=60) for _ in command["requests"]]
        finally:
            client.stop_stream()
        return got

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
            elif command["op"] == "shm":
                try:
                    answer = {"ok": True, "result": shm_action(command)}
                except shm.SharedMemoryException as exc:
                    answer = {"ok": False, "status": "SHM", "message": str(exc)}
            elif command["op"] == "stream":
                answer = {"ok": True, "result": stream(command)}
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
