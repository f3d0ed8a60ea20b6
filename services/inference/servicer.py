"""The gRPC face of the inference service: protocol messages in, data-plane
calls (services/inference/dataplane.py, shared with the HTTP/REST face),
protocol messages out.

Domain errors become statuses where they do for every server, in the shared
ErrorInterceptor (services/common/interceptors.py): a VigilError becomes its
code and message; anything else is logged with its traceback and becomes
INTERNAL with a generic message. Only ModelStreamInfer answers errors itself,
inside the stream, as Triton's protocol has it (`error_message`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
from inference import grpc_service_pb2 as pb
from inference import grpc_service_pb2_grpc

from services.common.errors import InvalidArgument, VigilError
from services.inference import shm
from services.inference.control import LogValue
from services.inference.dataplane import DataPlane, InferRequest, InferResponse, RequestInput, RequestOutput
from services.inference.stats import Duration, ModelStats
from services.inference_client import tensors

log = logging.getLogger(__name__)

#: Requests of one ModelStreamInfer call that may be in flight at once.
STREAM_IN_FLIGHT = 64


def decode_request(request: pb.ModelInferRequest, deadline_ns: int | None) -> InferRequest:
    """A ModelInferRequest in the data plane's terms.

    An input is in shared memory (its parameters name a region), in typed
    `contents`, or in `raw_input_contents`: the raw entries belong, in order,
    to the inputs that are neither (tritonclient sends none for a
    shared-memory input)."""
    raw = list(request.raw_input_contents)
    used = 0
    inputs: list[RequestInput] = []
    for tensor in request.inputs:
        given = RequestInput(tensor.name, tensor.datatype, [int(d) for d in tensor.shape])
        given.shm = shm.reference("inference input", tensor.name, tensor.parameters)
        if given.shm is not None:
            if tensor.HasField("contents"):
                raise InvalidArgument(
                    f"inference input '{tensor.name}': both contents and a shared memory region given"
                )
        elif tensor.HasField("contents") or used >= len(raw):
            if tensor.datatype in tensors.NUMPY and all(d >= 0 for d in given.shape):  # else the data plane says why
                given.array = tensors.from_contents(tensor.name, tensor.datatype, given.shape, tensor.contents)
        else:
            given.raw = raw[used]
            used += 1
        inputs.append(given)
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
    outputs = [
        RequestOutput(out.name, shm.reference("inference output", out.name, out.parameters)) for out in request.outputs
    ]
    return InferRequest(
        model=request.model_name,
        version=request.model_version,
        id=request.id,
        inputs=inputs,
        outputs=outputs,
        timeout_us=timeout_us,
        deadline_ns=deadline_ns,
        sequence=_sequence(request.parameters),
    )


def _sequence(parameters: Any) -> bool:
    """Whether a non-zero sequence id, or a sequence start or end, is given."""
    for key in ("sequence_id", "sequence_start", "sequence_end"):
        value = parameters.get(key)
        if (
            value is not None
            and value.WhichOneof("parameter_choice")
            and getattr(value, value.WhichOneof("parameter_choice"))
        ):
            return True
    return False


def encode_response(answer: InferResponse) -> pb.ModelInferResponse:
    """The response; outputs written to shared memory carry their region in
    their parameters instead of raw contents (an empty raw entry keeps the
    others at their index, as Triton does)."""
    reply = pb.ModelInferResponse(model_name=answer.model, model_version=answer.version, id=answer.id)
    raw: list[bytes] = []
    for out in answer.outputs:
        tensor = reply.outputs.add(name=out.name, datatype=out.datatype, shape=out.shape)
        if out.shm is None:
            assert out.array is not None
            raw.append(tensors.to_raw(out.array))
            continue
        tensor.parameters["shared_memory_region"].string_param = out.shm.region
        tensor.parameters["shared_memory_byte_size"].int64_param = out.shm.byte_size
        if out.shm.offset:
            tensor.parameters["shared_memory_offset"].int64_param = out.shm.offset
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
    """inference.GRPCInferenceService over the data plane."""

    def __init__(self, plane: DataPlane) -> None:
        self._plane = plane

    async def ServerLive(self, request: pb.ServerLiveRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.ServerLiveResponse(live=self._plane.live())

    async def ServerReady(self, request: pb.ServerReadyRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.ServerReadyResponse(ready=self._plane.ready())

    async def ModelReady(self, request: pb.ModelReadyRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.ModelReadyResponse(ready=self._plane.model_ready(request.name, request.version))

    async def ServerMetadata(self, request: pb.ServerMetadataRequest, context: grpc.aio.ServicerContext) -> Any:
        name, version, extensions = self._plane.server_metadata()
        return pb.ServerMetadataResponse(name=name, version=version, extensions=list(extensions))

    async def ModelMetadata(self, request: pb.ModelMetadataRequest, context: grpc.aio.ServicerContext) -> Any:
        meta = self._plane.model_metadata(request.name, request.version)
        tm = pb.ModelMetadataResponse.TensorMetadata
        return pb.ModelMetadataResponse(
            name=meta.name,
            versions=meta.versions,
            platform=meta.platform,
            inputs=[tm(name=t.name, datatype=t.datatype, shape=t.shape) for t in meta.inputs],
            outputs=[tm(name=t.name, datatype=t.datatype, shape=t.shape) for t in meta.outputs],
        )

    async def ModelConfig(self, request: pb.ModelConfigRequest, context: grpc.aio.ServicerContext) -> Any:
        return pb.ModelConfigResponse(config=self._plane.model_config(request.name, request.version))

    async def ModelInfer(self, request: pb.ModelInferRequest, context: grpc.aio.ServicerContext) -> Any:
        self._plane.check_model(request.model_name, request.model_version)  # NOT_FOUND before decoding
        answer = await self._plane.infer(decode_request(request, _deadline(context)))
        return encode_response(answer)

    async def _stream_one(self, request: pb.ModelInferRequest) -> pb.ModelStreamInferResponse:
        try:
            answer = await self._plane.infer(decode_request(request, None))
            return pb.ModelStreamInferResponse(infer_response=encode_response(answer))
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

    async def ModelStatistics(self, request: pb.ModelStatisticsRequest, context: grpc.aio.ServicerContext) -> Any:
        stats = self._plane.statistics(request.name, request.version)
        return pb.ModelStatisticsResponse(model_stats=[encode_stats(s) for s in stats])

    async def RepositoryIndex(self, request: pb.RepositoryIndexRequest, context: grpc.aio.ServicerContext) -> Any:
        index = pb.RepositoryIndexResponse.ModelIndex
        return pb.RepositoryIndexResponse(
            models=[
                index(name=e.name, version=e.version, state=e.state, reason=e.reason)
                for e in self._plane.index(request.ready, request.repository_name)
            ]
        )

    async def RepositoryModelLoad(
        self, request: pb.RepositoryModelLoadRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        parameters: dict[str, object] = {}
        for key, param in request.parameters.items():
            choice = param.WhichOneof("parameter_choice")
            parameters[key] = None if choice is None else getattr(param, choice)
        await self._plane.load(request.model_name, parameters, request.repository_name)
        return pb.RepositoryModelLoadResponse()

    async def RepositoryModelUnload(
        self, request: pb.RepositoryModelUnloadRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        await self._plane.unload(request.model_name, request.repository_name)
        return pb.RepositoryModelUnloadResponse()

    # -- shared memory ------------------------------------------------------

    async def SystemSharedMemoryStatus(
        self, request: pb.SystemSharedMemoryStatusRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        reply = pb.SystemSharedMemoryStatusResponse()
        for region in self._plane.shm_status(request.name):
            entry = reply.regions[region.name]
            entry.name, entry.key, entry.offset, entry.byte_size = (
                region.name,
                region.key,
                region.offset,
                region.byte_size,
            )
        return reply

    async def SystemSharedMemoryRegister(
        self, request: pb.SystemSharedMemoryRegisterRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        self._plane.shm_register(request.name, request.key, request.offset, request.byte_size)
        return pb.SystemSharedMemoryRegisterResponse()

    async def SystemSharedMemoryUnregister(
        self, request: pb.SystemSharedMemoryUnregisterRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        self._plane.shm_unregister(request.name)
        return pb.SystemSharedMemoryUnregisterResponse()

    async def CudaSharedMemoryStatus(
        self, request: pb.CudaSharedMemoryStatusRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        self._plane.cuda_shm_status(request.name)
        return pb.CudaSharedMemoryStatusResponse()

    async def CudaSharedMemoryRegister(
        self, request: pb.CudaSharedMemoryRegisterRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        self._plane.cuda_shm_register(request.name)
        return pb.CudaSharedMemoryRegisterResponse()

    async def CudaSharedMemoryUnregister(
        self, request: pb.CudaSharedMemoryUnregisterRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        return pb.CudaSharedMemoryUnregisterResponse()

    # -- trace and log settings ----------------------------------------------

    async def TraceSetting(self, request: pb.TraceSettingRequest, context: grpc.aio.ServicerContext) -> Any:
        changes = {key: list(value.value) for key, value in request.settings.items()}
        settings = self._plane.trace_settings(changes, request.model_name)
        reply = pb.TraceSettingResponse()
        for key, values in settings.items():
            reply.settings[key].value.extend(values)
        return reply

    async def LogSettings(self, request: pb.LogSettingsRequest, context: grpc.aio.ServicerContext) -> Any:
        changes: dict[str, LogValue | None] = {}
        for key, value in request.settings.items():
            choice = value.WhichOneof("parameter_choice")
            changes[key] = None if choice is None else getattr(value, choice)
        reply = pb.LogSettingsResponse()
        for key, current in self._plane.log_settings(changes).items():
            entry = reply.settings[key]
            if isinstance(current, bool):
                entry.bool_param = current
            elif isinstance(current, int):
                entry.uint32_param = current
            else:
                entry.string_param = current
        return reply
