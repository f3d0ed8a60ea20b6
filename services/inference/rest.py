"""The HTTP/REST face of the inference service: KServe v2's HTTP protocol with
Triton's extensions, on `VIGIL_INFERENCE_HTTP_PORT` (Triton's 8000).

JSON (and the binary-tensor extension) in, data-plane calls
(services/inference/dataplane.py, shared with the gRPC face), JSON out. The
routes and bodies are Triton's (`src/http_server.cc`, the KServe v2 REST
document, Triton's `binary_data`, `shared_memory`, `model_repository`,
`statistics`, `trace` and `logging` extension documents):

- health `GET /v2/health/live|ready`, metadata `GET /v2`,
  `GET /v2/models/{m}[/versions/{v}]`, `.../ready`, `.../config`;
- `POST /v2/models/{m}[/versions/{v}]/infer`: tensors as JSON `data`, or as
  binary after a JSON header whose length the `Inference-Header-Content-Length`
  header gives (an input's `binary_data_size` parameter says how many bytes
  are its own); outputs come back binary when the request asks for it
  (`binary_data` per output, `binary_data_output` for all), or in shared
  memory;
- `GET /v2/models[/{m}[/versions/{v}]]/stats`; `POST /v2/repository/index`,
  `POST /v2/repository/models/{m}/load|unload`;
- `/v2/systemsharedmemory/...` and `/v2/cudasharedmemory/...` status,
  register, unregister; `/v2/trace/setting`, `/v2/models/{m}/trace/setting`
  and `/v2/logging` (GET reads, POST changes).

Errors are `{"error": "<message>"}` with the domain error's HTTP status
(INVALID_ARGUMENT 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429, UNAVAILABLE
503); anything unexpected is logged and answered 500 with a generic message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
from aiohttp import web
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from services.common.errors import InvalidArgument, Unimplemented, VigilError
from services.inference.control import LogValue
from services.inference.dataplane import (
    DataPlane,
    InferRequest,
    InferResponse,
    RequestInput,
    RequestOutput,
)
from services.inference.shm import ShmRef
from services.inference.stats import Duration, ModelStats
from services.inference_client import tensors

log = logging.getLogger(__name__)

#: The largest request body accepted (Triton's `--http-max-input-size` default, 64 MiB).
MAX_BODY_BYTES = 64 << 20
#: Bodies larger than this are parsed and printed in a worker thread, off the event loop.
THREAD_JSON_BYTES = 256 << 10
HEADER_LENGTH = "Inference-Header-Content-Length"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as Triton's `{"error": ...}` body, in one place."""
    try:
        return await handler(request)
    except VigilError as err:
        return _error(err.http_status, err.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(exc.status, exc.reason)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error(500, "internal server error")


# -- JSON helpers -------------------------------------------------------------


async def _loads(data: bytes | memoryview) -> Any:
    def parse() -> Any:
        try:
            return json.loads(bytes(data))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidArgument(f"failed to parse the request JSON buffer: {exc}") from None

    return await asyncio.to_thread(parse) if len(data) > THREAD_JSON_BYTES else parse()


async def _body(request: web.Request) -> dict[str, Any]:
    """A request's JSON object body; an empty body is an empty object."""
    data = await request.read()
    if not data.strip():
        return {}
    body = await _loads(data)
    if not isinstance(body, dict):
        raise InvalidArgument("the request body must be a JSON object")
    return body


_INT64 = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64,
}


def _fix_int64(descriptor: Descriptor, value: dict[str, Any]) -> None:
    """Protobuf's JSON prints 64-bit integers as strings; Triton prints numbers."""
    for f in descriptor.fields:
        if f.name not in value:
            continue
        item = value[f.name]
        if f.message_type is not None:
            if f.message_type.GetOptions().map_entry:
                inner = f.message_type.fields_by_name["value"]
                for key, v in item.items():
                    if inner.message_type is not None:
                        _fix_int64(inner.message_type, v)
                    elif inner.type in _INT64:
                        item[key] = int(v)
            elif f.label == FieldDescriptor.LABEL_REPEATED:
                for v in item:
                    _fix_int64(f.message_type, v)
            else:
                _fix_int64(f.message_type, item)
        elif f.type in _INT64:
            value[f.name] = [int(v) for v in item] if isinstance(item, list) else int(item)


def message_json(message: Message) -> dict[str, Any]:
    """A protobuf message as Triton's HTTP front prints it (proto field names,
    every field, 64-bit integers as numbers)."""
    value = json_format.MessageToDict(
        message, always_print_fields_with_no_presence=True, preserving_proto_field_name=True
    )
    _fix_int64(message.DESCRIPTOR, value)
    return value


def _duration(d: Duration) -> dict[str, int]:
    return {"count": d.count, "ns": d.ns}


def stats_json(s: ModelStats) -> dict[str, Any]:
    return {
        "name": s.model,
        "version": s.version,
        "last_inference": s.last_inference_ms,
        "inference_count": s.inference_count,
        "execution_count": s.execution_count,
        "inference_stats": {
            "success": _duration(s.success),
            "fail": _duration(s.fail),
            "queue": _duration(s.queue),
            "compute_input": _duration(s.compute_input),
            "compute_infer": _duration(s.compute_infer),
            "compute_output": _duration(s.compute_output),
            "cache_hit": {"count": 0, "ns": 0},
            "cache_miss": {"count": 0, "ns": 0},
        },
        "batch_stats": [
            {
                "batch_size": size,
                "compute_input": _duration(b.compute_input),
                "compute_infer": _duration(b.compute_infer),
                "compute_output": _duration(b.compute_output),
            }
            for size, b in sorted(s.batches.items())
        ],
    }


# -- inference requests --------------------------------------------------------


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{what} must be an integer")
    return value


def _shm_reference(kind: str, name: str, parameters: dict[str, Any]) -> ShmRef | None:
    region = parameters.get("shared_memory_region")
    if region is None:
        for key in ("shared_memory_byte_size", "shared_memory_offset"):
            if key in parameters:
                raise InvalidArgument(f"{kind} '{name}': '{key}' given without 'shared_memory_region'")
        return None
    if not isinstance(region, str) or not region:
        raise InvalidArgument(f"{kind} '{name}': 'shared_memory_region' must be a non-empty string")
    if "shared_memory_byte_size" not in parameters:
        raise InvalidArgument(f"{kind} '{name}': 'shared_memory_byte_size' is required with 'shared_memory_region'")
    size = _integer(parameters["shared_memory_byte_size"], f"{kind} '{name}': 'shared_memory_byte_size'")
    offset = _integer(parameters.get("shared_memory_offset", 0), f"{kind} '{name}': 'shared_memory_offset'")
    if size < 0 or offset < 0:
        raise InvalidArgument(f"Invalid offset for shared memory region: '{region}'")
    return ShmRef(region, offset, size)


def _flatten(data: Any) -> list[Any]:
    if not isinstance(data, list):
        return [data]
    out: list[Any] = []
    for item in data:
        out.extend(_flatten(item)) if isinstance(item, list) else out.append(item)
    return out


def _from_json(name: str, datatype: str, shape: list[int], data: Any) -> np.ndarray:
    """JSON `data` (nested or flat, row-major) as an array of the shape."""
    values = _flatten(data)
    count = tensors.element_count(shape)
    if len(values) != count:
        raise InvalidArgument(f"input '{name}': {len(values)} elements given, shape {shape} needs {count}")
    if datatype == "BYTES":
        if not all(isinstance(v, str) for v in values):
            raise InvalidArgument(f"input '{name}': BYTES elements must be JSON strings")
        return np.array([v.encode() for v in values], dtype=np.object_).reshape(shape)
    if datatype == "BOOL":
        if not all(isinstance(v, bool) for v in values):
            raise InvalidArgument(f"input '{name}': BOOL elements must be JSON booleans")
    elif not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise InvalidArgument(f"input '{name}': {datatype} elements must be JSON numbers")
    elif datatype not in {"FP16", "FP32", "FP64"} and not all(isinstance(v, int) for v in values):
        raise InvalidArgument(f"input '{name}': {datatype} elements must be JSON integers")
    try:
        return np.array(values, dtype=tensors.NUMPY[datatype]).reshape(shape)
    except (OverflowError, ValueError) as exc:
        raise InvalidArgument(f"input '{name}': {exc}") from None


def decode_infer(body: dict[str, Any], binary: memoryview, model: str, version: str) -> InferRequest:
    """A JSON inference request (and its binary tensors) in the data plane's terms."""
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise InvalidArgument("request 'parameters' must be a JSON object")
    given = body.get("inputs")
    if not isinstance(given, list):
        raise InvalidArgument("the request must have an 'inputs' array")
    inputs: list[RequestInput] = []
    offset = 0
    for spec in given:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise InvalidArgument("each input must be an object with a 'name'")
        name = spec["name"]
        datatype, shape = spec.get("datatype"), spec.get("shape")
        if not isinstance(datatype, str):
            raise InvalidArgument(f"input '{name}': 'datatype' must be a string")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
            raise InvalidArgument(f"input '{name}': 'shape' must be an array of integers")
        if datatype not in tensors.NUMPY:
            raise InvalidArgument(f"inference input '{name}': unsupported data type '{datatype}'")
        if any(d < 0 for d in shape):
            raise InvalidArgument(f"inference input '{name}': negative dimension in shape {shape}")
        params = spec.get("parameters") or {}
        if not isinstance(params, dict):
            raise InvalidArgument(f"input '{name}': 'parameters' must be a JSON object")
        item = RequestInput(name, datatype, list(shape))
        item.shm = _shm_reference("inference input", name, params)
        has_data = "data" in spec
        if "binary_data_size" in params:
            size = _integer(params["binary_data_size"], f"input '{name}': 'binary_data_size'")
            if item.shm is not None or has_data:
                raise InvalidArgument(f"input '{name}': binary data together with 'data' or shared memory")
            if size < 0 or offset + size > len(binary):
                raise InvalidArgument(
                    f"unexpected binary data size for input '{name}': {size} bytes wanted, "
                    f"{max(len(binary) - offset, 0)} left in the request"
                )
            item.raw = binary[offset : offset + size]
            offset += size
        elif has_data:
            if item.shm is not None:
                raise InvalidArgument(f"inference input '{name}': both contents and a shared memory region given")
            item.array = _from_json(name, datatype, item.shape, spec["data"])
        elif item.shm is None:
            raise InvalidArgument(f"input '{name}': no 'data', binary data or shared memory region given")
        inputs.append(item)
    if offset != len(binary):
        raise InvalidArgument(f"unexpected additional input data: {len(binary) - offset} bytes not used by any input")
    outputs: list[RequestOutput] = []
    requested = body.get("outputs") or []
    if not isinstance(requested, list):
        raise InvalidArgument("request 'outputs' must be an array")
    for spec in requested:
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise InvalidArgument("each requested output must be an object with a 'name'")
        params = spec.get("parameters") or {}
        if not isinstance(params, dict):
            raise InvalidArgument(f"output '{spec['name']}': 'parameters' must be a JSON object")
        if params.get("classification"):
            raise Unimplemented("the classification extension is not supported by this server")
        outputs.append(RequestOutput(spec["name"], _shm_reference("inference output", spec["name"], params)))
    timeout = parameters.get("timeout", 0)
    return InferRequest(
        model=model,
        version=version,
        id=str(body.get("id", "")),
        inputs=inputs,
        outputs=outputs,
        timeout_us=_integer(timeout, "request parameter 'timeout'"),
        sequence=any(parameters.get(k) for k in ("sequence_id", "sequence_start", "sequence_end")),
    )


def _binary_wanted(body: dict[str, Any]) -> dict[str, bool]:
    """Output name -> sent as binary; '' holds the default for the others."""
    params = body.get("parameters") or {}
    wanted = {"": bool(params.get("binary_data_output", False))}
    for spec in body.get("outputs") or []:
        value = (spec.get("parameters") or {}).get("binary_data")
        if value is not None:
            wanted[spec["name"]] = bool(value)
    return wanted


def encode_infer(answer: InferResponse, body: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    """The JSON response and the binary outputs that follow it, in order."""
    binary = _binary_wanted(body)
    outputs: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    for out in answer.outputs:
        entry: dict[str, Any] = {"name": out.name, "datatype": out.datatype, "shape": out.shape}
        if out.shm is not None:
            entry["parameters"] = {
                "shared_memory_region": out.shm.region,
                "shared_memory_byte_size": out.shm.byte_size,
            }
            if out.shm.offset:
                entry["parameters"]["shared_memory_offset"] = out.shm.offset
        elif binary.get(out.name, binary[""]):
            assert out.array is not None
            raw = tensors.to_raw(out.array)
            entry["parameters"] = {"binary_data_size": len(raw)}
            chunks.append(raw)
        else:
            assert out.array is not None
            flat = out.array.reshape(-1)
            if out.datatype == "BYTES":
                try:
                    entry["data"] = [v.decode() if isinstance(v, bytes) else str(v) for v in flat]
                except UnicodeDecodeError:
                    raise InvalidArgument(
                        f"output '{out.name}' is not UTF-8 text; ask for it with 'binary_data': true"
                    ) from None
            else:
                entry["data"] = flat.tolist()
        outputs.append(entry)
    reply: dict[str, Any] = {"model_name": answer.model, "model_version": answer.version, "outputs": outputs}
    if answer.id:
        reply["id"] = answer.id
    return reply, chunks


# -- the application ----------------------------------------------------------------


def _trace_json(settings: dict[str, list[str]]) -> dict[str, Any]:
    """Triton prints `trace_level` as an array, the other settings as strings."""
    return {k: (v if k == "trace_level" else (v[0] if len(v) == 1 else v)) for k, v in settings.items()}


class RestFront:
    """The aiohttp application over the data plane, and its listener."""

    def __init__(self, plane: DataPlane, host: str, port: int) -> None:
        self._plane = plane
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.app = web.Application(middlewares=[_errors], client_max_size=MAX_BODY_BYTES)
        self._routes()

    @property
    def port(self) -> int:
        assert self._site is not None and self._site._server is not None
        return int(self._site._server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self._host, self._port)
        await self._site.start()
        log.info("inference HTTP/REST on http://%s:%d/v2", self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()

    def _routes(self) -> None:
        r = self.app.router
        model = "/v2/models/{model}"
        versioned = "/v2/models/{model}/versions/{version}"
        r.add_get("/v2/health/live", self.live)
        r.add_get("/v2/health/ready", self.ready)
        r.add_get("/v2", self.server_metadata)
        r.add_get("/v2/models/stats", self.statistics)
        for base in (model, versioned):
            r.add_get(base, self.model_metadata)
            r.add_get(base + "/ready", self.model_ready)
            r.add_get(base + "/config", self.model_config)
            r.add_get(base + "/stats", self.statistics)
            r.add_post(base + "/infer", self.infer)
        r.add_post("/v2/repository/index", self.index)
        r.add_post("/v2/repository/models/{model}/load", self.load)
        r.add_post("/v2/repository/models/{model}/unload", self.unload)
        for kind in ("system", "cuda"):
            prefix = f"/v2/{kind}sharedmemory"
            r.add_get(prefix + "/status", self.shm_status)
            r.add_get(prefix + "/region/{region}/status", self.shm_status)
            r.add_post(prefix + "/region/{region}/register", self.shm_register)
            r.add_post(prefix + "/unregister", self.shm_unregister)
            r.add_post(prefix + "/region/{region}/unregister", self.shm_unregister)
        for path in ("/v2/trace/setting", model + "/trace/setting"):
            r.add_get(path, self.trace)
            r.add_post(path, self.trace)
        r.add_get("/v2/logging", self.logging)
        r.add_post("/v2/logging", self.logging)

    @staticmethod
    def _model(request: web.Request) -> tuple[str, str]:
        return request.match_info["model"], request.match_info.get("version", "")

    @staticmethod
    def _status(ok: bool) -> web.Response:
        """Health and readiness: 200 when so, 400 otherwise (Triton's answer)."""
        return web.Response(status=200 if ok else 400)

    async def live(self, request: web.Request) -> web.Response:
        return self._status(self._plane.live())

    async def ready(self, request: web.Request) -> web.Response:
        return self._status(self._plane.ready())

    async def model_ready(self, request: web.Request) -> web.Response:
        return self._status(self._plane.model_ready(*self._model(request)))

    async def server_metadata(self, request: web.Request) -> web.Response:
        name, version, extensions = self._plane.server_metadata()
        return web.json_response({"name": name, "version": version, "extensions": list(extensions)})

    async def model_metadata(self, request: web.Request) -> web.Response:
        meta = self._plane.model_metadata(*self._model(request))
        tensor = lambda t: {"name": t.name, "datatype": t.datatype, "shape": t.shape}  # noqa: E731
        return web.json_response(
            {
                "name": meta.name,
                "versions": meta.versions,
                "platform": meta.platform,
                "inputs": [tensor(t) for t in meta.inputs],
                "outputs": [tensor(t) for t in meta.outputs],
            }
        )

    async def model_config(self, request: web.Request) -> web.Response:
        return web.json_response(message_json(self._plane.model_config(*self._model(request))))

    async def infer(self, request: web.Request) -> web.Response:
        name, version = self._model(request)
        self._plane.check_model(name, version)  # NOT_FOUND before decoding
        data = await request.read()
        header = request.headers.get(HEADER_LENGTH)
        length = len(data)
        if header is not None:
            if not header.isdigit() or int(header) > len(data):
                raise InvalidArgument(f"{HEADER_LENGTH} {header!r} is not a length within the {len(data)}-byte body")
            length = int(header)
        body = await _loads(memoryview(data)[:length])
        if not isinstance(body, dict):
            raise InvalidArgument("the inference request must be a JSON object")
        answer = await self._plane.infer(decode_infer(body, memoryview(data)[length:], name, version))
        reply, chunks = encode_infer(answer, body)
        elements = sum(len(o.get("data", ())) for o in reply["outputs"])
        text = await asyncio.to_thread(json.dumps, reply) if elements > 16384 else json.dumps(reply)
        if not chunks:
            response = web.Response(body=text.encode(), content_type="application/json")
        else:
            head = text.encode()
            response = web.Response(
                body=b"".join([head, *chunks]),
                content_type="application/octet-stream",
                headers={HEADER_LENGTH: str(len(head))},
            )
        if {"gzip", "deflate"} & {
            e.split(";")[0].strip() for e in request.headers.get("Accept-Encoding", "").split(",")
        }:
            response.enable_compression()  # the header length counts the uncompressed body, as in Triton
        return response

    async def statistics(self, request: web.Request) -> web.Response:
        name = request.match_info.get("model", "")
        stats = self._plane.statistics(name, request.match_info.get("version", ""))
        return web.json_response({"model_stats": [stats_json(s) for s in stats]})

    async def index(self, request: web.Request) -> web.Response:
        body = await _body(request)
        rows = self._plane.index(bool(body.get("ready", False)))
        fields = ("name", "version", "state", "reason")
        return web.json_response([{k: getattr(e, k) for k in fields if getattr(e, k)} for e in rows])

    async def load(self, request: web.Request) -> web.Response:
        body = await _body(request)
        parameters = body.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise InvalidArgument("'parameters' must be a JSON object")
        await self._plane.load(request.match_info["model"], parameters)
        return web.Response(status=200)

    async def unload(self, request: web.Request) -> web.Response:
        await _body(request)
        await self._plane.unload(request.match_info["model"])
        return web.Response(status=200)

    @staticmethod
    def _cuda(request: web.Request) -> bool:
        return request.path.startswith("/v2/cudasharedmemory")

    async def shm_status(self, request: web.Request) -> web.Response:
        region = request.match_info.get("region", "")
        if self._cuda(request):
            return web.json_response(self._plane.cuda_shm_status(region))
        regions = self._plane.shm_status(region)
        return web.json_response(
            [{"name": r.name, "key": r.key, "offset": r.offset, "byte_size": r.byte_size} for r in regions]
        )

    async def shm_register(self, request: web.Request) -> web.Response:
        name = request.match_info["region"]
        body = await _body(request)
        if self._cuda(request):
            self._plane.cuda_shm_register(name)
        key = body.get("key")
        if not isinstance(key, str):
            raise InvalidArgument("'key' must be a string")
        offset = _integer(body.get("offset", 0), "'offset'")
        byte_size = _integer(body.get("byte_size"), "'byte_size'")
        if offset < 0 or byte_size < 0:
            raise InvalidArgument(f"failed to register shared memory region '{name}': invalid args")
        self._plane.shm_register(name, key, offset, byte_size)
        return web.Response(status=200)

    async def shm_unregister(self, request: web.Request) -> web.Response:
        if not self._cuda(request):
            self._plane.shm_unregister(request.match_info.get("region", ""))
        return web.Response(status=200)

    async def trace(self, request: web.Request) -> web.Response:
        model = request.match_info.get("model", "")
        changes: dict[str, list[str]] = {}
        if request.method == "POST":
            for key, value in (await _body(request)).items():
                if value is None:
                    changes[key] = []
                elif isinstance(value, str):
                    changes[key] = [value]
                elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                    changes[key] = value
                else:
                    raise InvalidArgument(f"trace setting '{key}' takes a string, an array of strings or null")
        return web.json_response(_trace_json(self._plane.trace_settings(changes, model)))

    async def logging(self, request: web.Request) -> web.Response:
        changes: dict[str, LogValue | None] = {}
        if request.method == "POST":
            for key, value in (await _body(request)).items():
                if value is not None and not isinstance(value, bool | int | str):
                    raise InvalidArgument(f"log setting '{key}' takes a boolean, a number or a string")
                changes[key] = value
        return web.json_response(self._plane.log_settings(changes))
