"""A small typed async client of the inference service (KServe v2 / Triton gRPC).

Analytics call models through it: numpy arrays in, numpy arrays out. Works
against Vigil's inference service and against NVIDIA Triton alike. Errors
come back as `InferenceError` with the gRPC status code.

When the server is on this host (a loopback or `unix:` target) tensors travel
by reference through Triton's system shared-memory extension: the client
keeps a few POSIX shared-memory objects (one per request in flight),
registers each once, copies the inputs into one and asks for the outputs in
the same one; only the request's description crosses the socket. When
registering fails (a server on another host or in another container, one
without the extension) the client logs it once and sends plain raw tensors
from then on, as it does for remote targets.

Deadlines and outages. Every call has a deadline: the one it names, else
the client's `timeout` (30 s), capped by `call_deadline(seconds)` for the
calls made inside it (the engine's live analysis: a frame not answered
within a few frame intervals is worth nothing). Calls never wait for a
ready channel (`wait_for_ready=False`, gRPC's default, said explicitly):
while the service is down (connection refused, the channel in
TRANSIENT_FAILURE) they fail at once with UNAVAILABLE. gRPC still queues a
call while the channel is IDLE or CONNECTING, until that connection
attempt ends: after the server's process died the channel is IDLE, and
the next call waits on the new attempt, which hangs when a port accepts
connections but does not answer (a restarted server bound but not yet
serving, a stopped or starved process); only the deadline ends that wait.
Reconnection backs off 1 s, x1.6 per failure, capped at
`MAX_RECONNECT_BACKOFF_MS` (gRPC's own cap is 120 s: a service back after
a long outage would be found only minutes later).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import mmap
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import grpc
import numpy as np
from inference import grpc_service_pb2 as pb
from inference import grpc_service_pb2_grpc

from services.inference_client import tensors

log = logging.getLogger(__name__)

#: Large enough for a batch of full-HD float frames.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
#: Shared-memory objects one client keeps at most (requests in flight that
#: use shared memory); a request beyond them is sent as plain tensors.
MAX_REGIONS = 32
_ALIGN = 64
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "ip6-localhost"}
_SHM_DIR = "/dev/shm"
#: Failures that say the server is down or busy, not that it cannot use
#: shared memory (a restarting server must not turn it off for good).
_TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
_counter = itertools.count()
#: The longest wait between two attempts to reconnect (gRPC backs off 1 s,
#: x1.6 per failed attempt; its default cap, 120 s, would leave a service
#: that came back after a long outage unused for up to two minutes).
MAX_RECONNECT_BACKOFF_MS = 5000
#: A cap on the deadline of the calls made in this context (call_deadline).
_CAP: contextvars.ContextVar[float | None] = contextvars.ContextVar("inference_call_deadline", default=None)


@contextlib.contextmanager
def call_deadline(seconds: float | None) -> Iterator[None]:
    """Calls made inside (by this task, and by tasks it starts meanwhile)
    fail with DEADLINE_EXCEEDED after at most `seconds`, whatever deadline
    they name; None leaves their deadlines as they are."""
    token = _CAP.set(seconds)
    try:
        yield
    finally:
        _CAP.reset(token)


def is_local(target: str) -> bool:
    """Whether a gRPC target names this host (loopback or a unix socket)."""
    if target.startswith(("unix:", "unix-abstract:")):
        return True
    host = target.removeprefix("dns:///").removeprefix("ipv4:").removeprefix("ipv6:")
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    return host in _LOCAL_HOSTS or host.startswith("127.")


def _aligned(size: int) -> int:
    return (size + _ALIGN - 1) // _ALIGN * _ALIGN


@dataclass(eq=False)
class _Region:
    """One POSIX shared-memory object of this client, mapped here."""

    name: str
    size: int
    buffer: mmap.mmap
    registered: bool = False

    @classmethod
    def create(cls, size: int) -> _Region:
        name = f"vigil-client-{os.getpid()}-{next(_counter)}"
        path = os.path.join(_SHM_DIR, name)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, size)
            buffer = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        return cls(name, size, buffer)

    @property
    def key(self) -> str:
        return "/" + self.name

    def view(self, offset: int, nbytes: int) -> np.ndarray:
        return np.frombuffer(self.buffer, dtype=np.uint8, count=nbytes, offset=offset)

    def destroy(self) -> None:
        self.buffer.close()
        try:
            os.unlink(os.path.join(_SHM_DIR, self.name))
        except FileNotFoundError:
            pass


@dataclass
class _Placement:
    """Where one request's tensors go in a region."""

    inputs: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> offset, bytes
    outputs: dict[str, tuple[int, int]] = field(default_factory=dict)
    wanted: list[str] = field(default_factory=list)  # every output asked for
    size: int = 0


class InferenceError(Exception):
    """A call to the inference service failed."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TensorMeta:
    """A model input or output: name, protocol data type, shape (-1 = any)."""

    name: str
    datatype: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class ModelMeta:
    """What ModelMetadata says of a model."""

    name: str
    versions: tuple[str, ...]
    platform: str
    inputs: tuple[TensorMeta, ...]
    outputs: tuple[TensorMeta, ...]


class InferenceClient:
    """Async client of one inference server; use as an async context manager."""

    def __init__(self, target: str, *, timeout: float | None = 30.0, shared_memory: bool | None = None) -> None:
        """`shared_memory`: None uses it when the target is on this host;
        True asks for it anyway (still falling back when the server cannot
        open the regions); False never uses it."""
        self._target = target
        # Opened on the first call, so a client can be made before the event
        # loop that uses it runs (a service's wiring builds it).
        self._channel: grpc.aio.Channel | None = None
        self._stub_: grpc_service_pb2_grpc.GRPCInferenceServiceStub | None = None
        self._timeout = timeout
        self._shm = is_local(target) if shared_memory is None else shared_memory
        self._free: list[_Region] = []
        self._regions: list[_Region] = []
        self._outputs: dict[tuple[str, str], dict[str, TensorMeta]] = {}
        self._metadata: dict[tuple[str, str], ModelMeta] = {}

    def _stub(self) -> grpc_service_pb2_grpc.GRPCInferenceServiceStub:
        if self._stub_ is None:
            self._channel = grpc.aio.insecure_channel(
                self._target,
                options=[
                    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                    ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
                ],
            )
            self._stub_ = grpc_service_pb2_grpc.GRPCInferenceServiceStub(self._channel)
        return self._stub_

    @property
    def uses_shared_memory(self) -> bool:
        """Whether requests go through shared memory (False once it failed)."""
        return self._shm

    async def __aenter__(self) -> InferenceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        for region in self._regions:
            if region.registered:
                try:
                    await self._call(
                        "SystemSharedMemoryUnregister", pb.SystemSharedMemoryUnregisterRequest(name=region.name), 5
                    )
                except InferenceError:
                    pass  # the server is gone; its registrations went with it
            region.destroy()
        self._regions.clear()
        self._free.clear()
        if self._channel is not None:
            await self._channel.close()
            self._channel = self._stub_ = None

    def deadline(self, named: float | None = None) -> float | None:
        """The deadline of a call that names `named` (None: the client's),
        capped by `call_deadline`."""
        seconds = named or self._timeout
        cap = _CAP.get()
        if cap is None:
            return seconds
        return cap if seconds is None else min(seconds, cap)

    async def _call(self, method: str, request: object, deadline: float | None = None) -> object:
        try:
            # Fail fast: never queued for a ready channel (see the module's doc).
            return await getattr(self._stub(), method)(request, timeout=self.deadline(deadline), wait_for_ready=False)
        except grpc.aio.AioRpcError as err:
            raise InferenceError(err.code(), err.details() or "") from None

    async def server_ready(self) -> bool:
        reply = await self._call("ServerReady", pb.ServerReadyRequest())
        assert isinstance(reply, pb.ServerReadyResponse)
        return bool(reply.ready)

    async def model_ready(self, model: str, version: str = "") -> bool:
        reply = await self._call("ModelReady", pb.ModelReadyRequest(name=model, version=version))
        assert isinstance(reply, pb.ModelReadyResponse)
        return bool(reply.ready)

    async def model_metadata(self, model: str, version: str = "") -> ModelMeta:
        reply = await self._call("ModelMetadata", pb.ModelMetadataRequest(name=model, version=version))
        assert isinstance(reply, pb.ModelMetadataResponse)

        def meta(t: pb.ModelMetadataResponse.TensorMetadata) -> TensorMeta:
            return TensorMeta(t.name, t.datatype, tuple(int(d) for d in t.shape))

        return ModelMeta(
            reply.name,
            tuple(reply.versions),
            reply.platform,
            tuple(meta(t) for t in reply.inputs),
            tuple(meta(t) for t in reply.outputs),
        )

    async def cached_metadata(self, model: str, version: str = "") -> ModelMeta:
        """The model's metadata, asked once per client (a reloaded model with
        other tensors needs a new client)."""
        key = (model, version)
        if key not in self._metadata:
            self._metadata[key] = await self.model_metadata(model, version)
        return self._metadata[key]

    async def infer(
        self,
        model: str,
        inputs: Mapping[str, np.ndarray],
        outputs: Sequence[str] = (),
        *,
        version: str = "",
        request_id: str = "",
        timeout: float | None = None,  # noqa: ASYNC109 - the gRPC deadline of the call
    ) -> dict[str, np.ndarray]:
        """Run one inference; returns the outputs by name."""
        arrays = {name: np.ascontiguousarray(array) for name, array in inputs.items()}
        if self._shm and all(a.dtype != np.object_ for a in arrays.values()):
            found = await self._region_for(model, version, arrays, outputs)
            if found is not None:
                region, place = found
                try:
                    return await self._infer_shared(model, version, request_id, arrays, timeout, region, place)
                finally:
                    if region in self._regions:
                        self._free.append(region)
        request = pb.ModelInferRequest(model_name=model, model_version=version, id=request_id)
        for name, array in arrays.items():
            request.inputs.add(name=name, datatype=tensors.protocol_type_of(array), shape=list(array.shape))
            request.raw_input_contents.append(tensors.to_raw(array))
        for name in outputs:
            request.outputs.add(name=name)
        reply = await self._call("ModelInfer", request, timeout)
        assert isinstance(reply, pb.ModelInferResponse)
        return self._decode(reply, None, {})

    @staticmethod
    def _decode(
        reply: pb.ModelInferResponse, region: _Region | None, placed: dict[str, tuple[int, int]]
    ) -> dict[str, np.ndarray]:
        result: dict[str, np.ndarray] = {}
        for index, tensor in enumerate(reply.outputs):
            shape = [int(d) for d in tensor.shape]
            if region is not None and tensor.name in placed and "shared_memory_region" in tensor.parameters:
                offset, _ = placed[tensor.name]
                dtype = tensors.NUMPY[tensor.datatype]
                count = tensors.element_count(shape)
                data = np.frombuffer(region.buffer, dtype=dtype.newbyteorder("<"), count=count, offset=offset)
                result[tensor.name] = data.reshape(shape).copy()  # the region is reused by the next request
            elif index < len(reply.raw_output_contents) and reply.raw_output_contents[index]:
                result[tensor.name] = tensors.from_raw(
                    tensor.name, tensor.datatype, shape, reply.raw_output_contents[index]
                )
            else:
                result[tensor.name] = tensors.from_contents(tensor.name, tensor.datatype, shape, tensor.contents)
        return result

    # -- shared memory ------------------------------------------------------

    async def _output_meta(self, model: str, version: str) -> dict[str, TensorMeta]:
        key = (model, version)
        if key not in self._outputs:
            meta = await self.model_metadata(model, version)
            self._outputs[key] = {t.name: t for t in meta.outputs}
        return self._outputs[key]

    def _placement(
        self, arrays: Mapping[str, np.ndarray], outputs: Sequence[str], meta: dict[str, TensorMeta]
    ) -> _Placement:
        """Inputs first, then every output whose size is known from the
        model's metadata (the batch dimension taken from the inputs)."""
        place = _Placement()
        offset = 0
        for name, array in arrays.items():
            place.inputs[name] = (offset, array.nbytes)
            offset += _aligned(array.nbytes)
        batch = next(iter(arrays.values())).shape[0] if arrays and next(iter(arrays.values())).ndim else 1
        place.wanted = list(outputs or meta)
        for name in place.wanted:
            tensor = meta.get(name)
            if tensor is None or tensor.datatype not in tensors.NUMPY or tensor.datatype == "BYTES":
                continue
            dims = list(tensor.shape)
            if dims and dims[0] == -1:
                dims[0] = batch
            if any(d < 0 for d in dims):
                continue  # size known only after the run: returned as raw contents
            nbytes = tensors.element_count(dims) * tensors.NUMPY[tensor.datatype].itemsize
            place.outputs[name] = (offset, nbytes)
            offset += _aligned(nbytes)
        place.size = max(offset, _ALIGN)
        return place

    async def _region_for(
        self, model: str, version: str, arrays: Mapping[str, np.ndarray], outputs: Sequence[str]
    ) -> tuple[_Region, _Placement] | None:
        """A registered region large enough for this request, or None to send
        plain tensors (too many in flight, or shared memory unusable)."""
        try:
            meta = await self._output_meta(model, version)
        except InferenceError:
            return None  # ModelInfer will report the error
        place = self._placement(arrays, outputs, meta)
        fitting = [r for r in self._free if r.size >= place.size]
        if fitting:
            region = fitting[0]
            self._free.remove(region)
        elif self._free:  # grow the smallest free one
            region = min(self._free, key=lambda r: r.size)
            self._free.remove(region)
            await self._drop(region)
            region = _Region.create(_aligned(place.size * 5 // 4))
            self._regions.append(region)
        elif len(self._regions) < MAX_REGIONS:
            region = _Region.create(_aligned(place.size * 5 // 4))
            self._regions.append(region)
        else:
            return None
        if not region.registered:
            request = pb.SystemSharedMemoryRegisterRequest(
                name=region.name, key=region.key, offset=0, byte_size=region.size
            )
            try:
                await self._call("SystemSharedMemoryRegister", request)
            except InferenceError as err:
                self._regions.remove(region)
                region.destroy()
                if err.code in _TRANSIENT:
                    return None  # the server is down or busy now: this request inline, shared memory again later
                log.warning("shared memory unusable with this server (%s); sending tensors inline", err)
                self._shm = False
                return None
            region.registered = True
        return region, place

    async def _drop(self, region: _Region) -> None:
        self._regions.remove(region)
        if region.registered:
            try:
                await self._call(
                    "SystemSharedMemoryUnregister", pb.SystemSharedMemoryUnregisterRequest(name=region.name), 5
                )
            except InferenceError:
                pass
        region.destroy()

    async def _infer_shared(
        self,
        model: str,
        version: str,
        request_id: str,
        arrays: Mapping[str, np.ndarray],
        deadline: float | None,
        region: _Region,
        place: _Placement,
    ) -> dict[str, np.ndarray]:
        request = pb.ModelInferRequest(model_name=model, model_version=version, id=request_id)
        for name, array in arrays.items():
            offset, nbytes = place.inputs[name]
            region.view(offset, nbytes)[:] = array.reshape(-1).view(np.uint8)
            tensor = request.inputs.add(name=name, datatype=tensors.protocol_type_of(array), shape=list(array.shape))
            tensor.parameters["shared_memory_region"].string_param = region.name
            tensor.parameters["shared_memory_byte_size"].int64_param = nbytes
            tensor.parameters["shared_memory_offset"].int64_param = offset
        for name in place.wanted:
            out = request.outputs.add(name=name)
            if name in place.outputs:
                offset, nbytes = place.outputs[name]
                out.parameters["shared_memory_region"].string_param = region.name
                out.parameters["shared_memory_byte_size"].int64_param = nbytes
                out.parameters["shared_memory_offset"].int64_param = offset
        try:
            reply = await self._call("ModelInfer", request, deadline)
        except InferenceError as err:
            if "shared memory region" not in err.message or "Unable to find" not in err.message:
                raise
            # The server restarted and forgot the registration: register again, once.
            region.registered = False
            register = pb.SystemSharedMemoryRegisterRequest(
                name=region.name, key=region.key, offset=0, byte_size=region.size
            )
            await self._call("SystemSharedMemoryRegister", register)
            region.registered = True
            reply = await self._call("ModelInfer", request, deadline)
        assert isinstance(reply, pb.ModelInferResponse)
        return self._decode(reply, region, place.outputs)
