"""The gRPC face of the inference service: protocol messages in, domain calls,
protocol messages out.

The shared ErrorInterceptor only knows the `vigil.*` contracts, so this face
turns domain errors into statuses itself, in one place (`_errors`): a
VigilError becomes its code and message; anything else is logged with its
traceback and becomes INTERNAL with a generic message.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
import numpy as np
from google.protobuf import json_format
from inference import grpc_service_pb2 as pb
from inference import grpc_service_pb2_grpc
from inference import model_config_pb2 as mc

from services.common.errors import InvalidArgument, NotFound, VigilError
from services.inference import shm, tensors
from services.inference.control import LogValue
from services.inference.domain import InferenceDomain
from services.inference.model import InferCall, InferInput, InferOutcome
from services.inference.shm import SharedMemoryRegions
from services.inference.stats import Duration, ModelStats

log = logging.getLogger(__name__)

#: Requests of one ModelStreamInfer call that may be in flight at once.
STREAM_IN_FLIGHT = 64

T = TypeVar("T")


def _errors(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> T:
        try:
            return await method(self, request, context)
        except VigilError as err:
            await context.abort(err.grpc_code, err.message)
        except (grpc.aio.AbortError, grpc.RpcError):
            raise
        except Exception:
            log.exception("unexpected error in %s", method.__name__)
            await context.abort(grpc.StatusCode.INTERNAL, "internal server error")
        raise AssertionError("unreachable")  # context.abort raises

    return wrapper


def decode_request(request: pb.ModelInferRequest, deadline_ns: int | None, regions: SharedMemoryRegions) -> InferCall:
    """A ModelInferRequest as a domain call, tensors decoded.

    An input is in shared memory (its parameters name a region), in typed
    `contents`, or in `raw_input_contents`: the raw entries belong, in order,
    to the inputs that are neither (tritonclient sends none for a
    shared-memory input)."""
    raw = list(request.raw_input_contents)
    used = 0
    inputs: list[InferInput] = []
    for tensor in request.inputs:
        datatype = tensor.datatype
        if datatype not in tensors.NUMPY:
            raise InvalidArgument(f"inference input '{tensor.name}': unsupported data type '{datatype}'")
        shape = [int(d) for d in tensor.shape]
        if any(d < 0 for d in shape):
            raise InvalidArgument(f"inference input '{tensor.name}': negative dimension in shape {shape}")
        ref = shm.reference("inference input", tensor.name, tensor.parameters)
        if ref is not None:
            if tensor.HasField("contents"):
                raise InvalidArgument(
                    f"inference input '{tensor.name}': both contents and a shared memory region given"
                )
            if datatype == "BYTES":
                data = tensors.from_raw(
                    tensor.name, datatype, shape, regions.read(ref.region, ref.offset, ref.byte_size).tobytes()
                )
            else:
                expected = tensors.element_count(shape) * tensors.NUMPY[datatype].itemsize
                if ref.byte_size != expected:
                    raise InvalidArgument(
                        f"unexpected shared memory byte size {ref.byte_size} for input '{tensor.name}', "
                        f"expecting {expected} bytes ({datatype} of shape {shape})"
                    )
                data = tensors.from_buffer(datatype, shape, regions.read(ref.region, ref.offset, ref.byte_size))
        elif tensor.HasField("contents"):
            data = tensors.from_contents(tensor.name, datatype, shape, tensor.contents)
        elif used < len(raw):
            data = tensors.from_raw(tensor.name, datatype, shape, raw[used])
            used += 1
        else:
            data = tensors.from_contents(tensor.name, datatype, shape, tensor.contents)
        inputs.append(InferInput(tensor.name, datatype, shape, data))
    if used != len(raw):
        raise InvalidArgument(
            f"expected {used} raw_input_contents entries (one per input not in shared memory or typed "
            f"contents), got {len(raw)}"
        )
    timeout = request.parameters.get("timeout")
    timeout_us = 0
    if timeout is not None:
        choice = timeout.WhichOneof("parameter_choice")
        if choice in {"int64_param", "uint64_param"}:
            timeout_us = int(getattr(timeout, choice))
    outputs: list[str] = []
    placed: dict[str, shm.ShmRef] = {}
    for out in request.outputs:
        outputs.append(out.name)
        ref = shm.reference("inference output", out.name, out.parameters)
        if ref is not None:
            regions.check(ref.region, ref.offset, ref.byte_size)
            placed[out.name] = ref
    return InferCall(
        model=request.model_name,
        version=request.model_version,
        id=request.id,
        inputs=inputs,
        outputs=outputs,
        timeout_us=timeout_us,
        deadline_ns=deadline_ns,
        placed=placed,
    )


def encode_response(
    outcome: InferOutcome, regions: SharedMemoryRegions, placed: dict[str, shm.ShmRef]
) -> pb.ModelInferResponse:
    """The response; outputs asked for in shared memory are written there and
    carry their region in their parameters instead of raw contents (an empty
    raw entry keeps the others at their index, as Triton does)."""
    reply = pb.ModelInferResponse(model_name=outcome.model, model_version=outcome.version, id=outcome.id)
    raw: list[bytes] = []
    for name, datatype, array in outcome.outputs:
        tensor = reply.outputs.add(name=name, datatype=datatype, shape=[int(d) for d in array.shape])
        ref = placed.get(name)
        if ref is None:
            raw.append(tensors.to_raw(array))
            continue
        if array.dtype == np.object_:
            data = np.frombuffer(tensors.to_raw(array), dtype=np.uint8)
        else:
            data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        if data.nbytes > ref.byte_size:
            raise InvalidArgument(
                f"shared memory size specified with the request for output '{name}' ({ref.byte_size} bytes) "
                f"should be at least {data.nbytes} bytes to hold the results"
            )
        regions.write(ref.region, ref.offset, data)
        tensor.parameters["shared_memory_region"].string_param = ref.region
        tensor.parameters["shared_memory_byte_size"].int64_param = int(data.nbytes)
        if ref.offset:
            tensor.parameters["shared_memory_offset"].int64_param = ref.offset
        raw.append(b"")
    if any(raw):
        reply.raw_output_contents.extend(raw)
    return reply


def _duration(d: Duration) -> pb.StatisticDuration:
    return pb.StatisticDuration(count=d.count, ns=d.ns)


def encode_stats(s: ModelStats) -> pb.ModelStatistics:
    return pb.ModelStatistics(
        name=s.model,
        version=s.version,
        last_inference=s.last_inference_ms,
        inference_count=s.inference_count,
        execution_count=s.execution_count,
        inference_stats=pb.InferStatistics(
            success=_duration(s.success),
            fail=_duration(s.fail),
            queue=_duration(s.queue),
            compute_input=_duration(s.compute_input),
            compute_infer=_duration(s.compute_infer),
            compute_output=_duration(s.compute_output),
            cache_hit=pb.StatisticDuration(),
            cache_miss=pb.StatisticDuration(),
        ),
        batch_stats=[
            pb.InferBatchStatistics(
                batch_size=size,
                compute_input=_duration(b.compute_input),
                compute_infer=_duration(b.compute_infer),
                compute_output=_duration(b.compute_output),
            )
            for size, b in sorted(s.batches.items())
        ],
    )


def _deadline(context: grpc.aio.ServicerContext) -> int | None:
    remaining = context.time_remaining()
    if remaining is None:
        return None
    return time.monotonic_ns() + int(remaining * 1e9)


class InferenceServicer(grpc_service_pb2_grpc.GRPCInferenceServiceServicer):
    """inference.GRPCInferenceService over the inference domain."""

    def __init__(self, domain: InferenceDomain) -> None:
        self._domain = domain

    @_errors
    async def ServerLive(self, request: pb.ServerLiveRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.ServerLiveResponse(live=True)

    @_errors
    async def ServerReady(self, request: pb.ServerReadyRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.ServerReadyResponse(ready=self._domain.server_ready())

    @_errors
    async def ModelReady(self, request: pb.ModelReadyRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.ModelReadyResponse(ready=self._domain.model_ready(request.name, request.version))

    @_errors
    async def ServerMetadata(self, request: pb.ServerMetadataRequest, context: grpc.aio.ServicerContext) -> Any:
        name, version, extensions = self._domain.server_metadata()
        return pb.ServerMetadataResponse(name=name, version=version, extensions=list(extensions))

    @_errors
    async def ModelMetadata(self, request: pb.ModelMetadataRequest, context: grpc.aio.ServicerContext) -> Any:
        model = self._domain.model(request.name, request.version)
        tm = pb.ModelMetadataResponse.TensorMetadata
        return pb.ModelMetadataResponse(
            name=model.name,
            versions=self._domain.versions(model.name),
            platform=model.config.platform,
            inputs=[tm(name=s.name, datatype=s.datatype, shape=model.full_shape(s)) for s in model.inputs],
            outputs=[tm(name=s.name, datatype=s.datatype, shape=model.full_shape(s)) for s in model.outputs],
        )

    @_errors
    async def ModelConfig(self, request: pb.ModelConfigRequest, context: grpc.aio.ServicerContext) -> Any:
        model = self._domain.model(request.name, request.version)
        return pb.ModelConfigResponse(config=model.config)

    @_errors
    async def ModelInfer(self, request: pb.ModelInferRequest, context: grpc.aio.ServicerContext) -> Any:
        self._domain.model(request.model_name, request.model_version)  # NOT_FOUND before decoding
        regions = self._domain.regions
        call = decode_request(request, _deadline(context), regions)
        outcome = await self._domain.infer(call)
        return encode_response(outcome, regions, call.placed)

    async def _stream_one(self, request: pb.ModelInferRequest) -> pb.ModelStreamInferResponse:
        regions = self._domain.regions
        try:
            call = decode_request(request, None, regions)
            outcome = await self._domain.infer(call)
            return pb.ModelStreamInferResponse(infer_response=encode_response(outcome, regions, call.placed))
        except VigilError as err:
            return pb.ModelStreamInferResponse(
                error_message=err.message,
                infer_response=pb.ModelInferResponse(id=request.id, model_name=request.model_name),
            )
        except Exception:
            log.exception("unexpected error in ModelStreamInfer")
            return pb.ModelStreamInferResponse(error_message="internal server error")

    async def ModelStreamInfer(
        self, request_iterator: AsyncIterator[pb.ModelInferRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ModelStreamInferResponse]:
        """Requests of one stream run concurrently (so they can share batches),
        at most STREAM_IN_FLIGHT at once; responses come as they complete, each
        with its request's id. Past that limit the stream is not read further
        until a response is sent (gRPC flow control pushes back on the client)."""
        replies: asyncio.Queue[pb.ModelStreamInferResponse | None] = asyncio.Queue()
        slots = asyncio.Semaphore(STREAM_IN_FLIGHT)
        running: set[asyncio.Task[None]] = set()

        async def one(request: pb.ModelInferRequest) -> None:
            try:
                replies.put_nowait(await self._stream_one(request))
            finally:
                slots.release()

        async def read() -> None:
            try:
                async for request in request_iterator:
                    await slots.acquire()
                    task = asyncio.create_task(one(request))
                    running.add(task)
                    task.add_done_callback(running.discard)
                while running:
                    await asyncio.gather(*list(running), return_exceptions=True)
            finally:
                replies.put_nowait(None)

        reader = asyncio.create_task(read())
        try:
            while (reply := await replies.get()) is not None:
                yield reply
        finally:
            reader.cancel()
            for task in list(running):
                task.cancel()

    @_errors
    async def ModelStatistics(self, request: pb.ModelStatisticsRequest, context: grpc.aio.ServicerContext) -> Any:
        stats = self._domain.statistics(request.name, request.version)
        return pb.ModelStatisticsResponse(model_stats=[encode_stats(s) for s in stats])

    @_errors
    async def RepositoryIndex(self, request: pb.RepositoryIndexRequest, context: grpc.aio.ServicerContext) -> Any:
        self._check_repository(request.repository_name)
        index = pb.RepositoryIndexResponse.ModelIndex
        return pb.RepositoryIndexResponse(
            models=[
                index(name=e.name, version=e.version, state=e.state, reason=e.reason)
                for e in self._domain.index(request.ready)
            ]
        )

    @_errors
    async def RepositoryModelLoad(
        self, request: pb.RepositoryModelLoadRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        self._check_repository(request.repository_name)
        override = None
        for key, param in request.parameters.items():
            if key == "config":
                override = mc.ModelConfig()
                try:
                    json_format.Parse(param.string_param, override)
                except (json_format.ParseError, json.JSONDecodeError) as exc:
                    raise InvalidArgument(f"parameter 'config' is not a model configuration: {exc}") from None
            elif key.startswith("file:"):
                raise InvalidArgument("loading model files sent with the request is not supported")
        await self._domain.load(request.model_name, override)
        return pb.RepositoryModelLoadResponse()

    @_errors
    async def RepositoryModelUnload(
        self, request: pb.RepositoryModelUnloadRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        self._check_repository(request.repository_name)
        await self._domain.unload(request.model_name)
        return pb.RepositoryModelUnloadResponse()

    def _check_repository(self, name: str) -> None:
        if name and name != self._domain.repository.name:
            raise InvalidArgument(f"unknown repository '{name}'; this server serves '{self._domain.repository.name}'")

    # -- shared memory ------------------------------------------------------

    @_errors
    async def SystemSharedMemoryStatus(
        self, request: pb.SystemSharedMemoryStatusRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        reply = pb.SystemSharedMemoryStatusResponse()
        for region in self._domain.regions.status(request.name):
            entry = reply.regions[region.name]
            entry.name, entry.key, entry.offset, entry.byte_size = (
                region.name,
                region.key,
                region.offset,
                region.byte_size,
            )
        return reply

    @_errors
    async def SystemSharedMemoryRegister(
        self, request: pb.SystemSharedMemoryRegisterRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        self._domain.regions.register(request.name, request.key, request.offset, request.byte_size)
        return pb.SystemSharedMemoryRegisterResponse()

    @_errors
    async def SystemSharedMemoryUnregister(
        self, request: pb.SystemSharedMemoryUnregisterRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        self._domain.regions.unregister(request.name)
        return pb.SystemSharedMemoryUnregisterResponse()

    @_errors
    async def CudaSharedMemoryStatus(
        self, request: pb.CudaSharedMemoryStatusRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        if request.name:
            raise NotFound(f"Unable to find cuda shared memory region: '{request.name}'")
        return pb.CudaSharedMemoryStatusResponse()

    @_errors
    async def CudaSharedMemoryRegister(
        self, request: pb.CudaSharedMemoryRegisterRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        raise InvalidArgument(f"failed to register CUDA shared memory region: '{request.name}', GPUs not supported")

    @_errors
    async def CudaSharedMemoryUnregister(
        self, request: pb.CudaSharedMemoryUnregisterRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        return pb.CudaSharedMemoryUnregisterResponse()

    # -- trace and log settings ----------------------------------------------

    @_errors
    async def TraceSetting(self, request: pb.TraceSettingRequest, context: grpc.aio.ServicerContext) -> Any:
        if request.model_name:
            self._domain.model(request.model_name)  # NOT_FOUND for a model that is not loaded
        changes = {key: list(value.value) for key, value in request.settings.items()}
        settings = self._domain.trace.update(changes, request.model_name)
        reply = pb.TraceSettingResponse()
        for key, values in settings.items():
            reply.settings[key].value.extend(values)
        return reply

    @_errors
    async def LogSettings(self, request: pb.LogSettingsRequest, context: grpc.aio.ServicerContext) -> Any:
        changes: dict[str, LogValue | None] = {}
        for key, value in request.settings.items():
            choice = value.WhichOneof("parameter_choice")
            changes[key] = None if choice is None else getattr(value, choice)
        self._domain.log_settings.update(changes)
        reply = pb.LogSettingsResponse()
        for key, current in self._domain.log_settings.as_dict().items():
            entry = reply.settings[key]
            if isinstance(current, bool):
                entry.bool_param = current
            elif isinstance(current, int):
                entry.uint32_param = current
            else:
                entry.string_param = current
        return reply
