"""The gRPC face of the inference service: protocol messages in, domain calls,
protocol messages out.

The shared ErrorInterceptor only knows the `vigil.*` contracts, so this face
turns domain errors into statuses itself, in one place (`_errors`): a
VigilError becomes its code and message; anything else is logged with its
traceback and becomes INTERNAL with a generic message.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf import json_format
from inference import grpc_service_pb2 as pb
from inference import grpc_service_pb2_grpc
from inference import model_config_pb2 as mc

from services.common.errors import InvalidArgument, VigilError
from services.inference import tensors
from services.inference.domain import InferenceDomain
from services.inference.model import InferCall, InferInput, InferOutcome
from services.inference.stats import Duration, ModelStats

log = logging.getLogger(__name__)

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


def decode_request(request: pb.ModelInferRequest, deadline_ns: int | None) -> InferCall:
    """A ModelInferRequest as a domain call, tensors decoded."""
    raw = list(request.raw_input_contents)
    if raw and len(raw) != len(request.inputs):
        raise InvalidArgument(
            f"expected {len(request.inputs)} raw_input_contents entries (one per input), got {len(raw)}"
        )
    inputs: list[InferInput] = []
    for index, tensor in enumerate(request.inputs):
        datatype = tensor.datatype
        if datatype not in tensors.NUMPY:
            raise InvalidArgument(f"inference input '{tensor.name}': unsupported data type '{datatype}'")
        shape = [int(d) for d in tensor.shape]
        if any(d < 0 for d in shape):
            raise InvalidArgument(f"inference input '{tensor.name}': negative dimension in shape {shape}")
        if raw:
            if tensor.HasField("contents"):
                raise InvalidArgument(f"inference input '{tensor.name}': both contents and raw_input_contents given")
            data = tensors.from_raw(tensor.name, datatype, shape, raw[index])
        else:
            data = tensors.from_contents(tensor.name, datatype, shape, tensor.contents)
        inputs.append(InferInput(tensor.name, datatype, shape, data))
    timeout = request.parameters.get("timeout")
    timeout_us = 0
    if timeout is not None:
        choice = timeout.WhichOneof("parameter_choice")
        if choice in {"int64_param", "uint64_param"}:
            timeout_us = int(getattr(timeout, choice))
    return InferCall(
        model=request.model_name,
        version=request.model_version,
        id=request.id,
        inputs=inputs,
        outputs=[o.name for o in request.outputs],
        timeout_us=timeout_us,
        deadline_ns=deadline_ns,
    )


def encode_response(outcome: InferOutcome) -> pb.ModelInferResponse:
    reply = pb.ModelInferResponse(model_name=outcome.model, model_version=outcome.version, id=outcome.id)
    for name, datatype, array in outcome.outputs:
        reply.outputs.add(name=name, datatype=datatype, shape=[int(d) for d in array.shape])
        reply.raw_output_contents.append(tensors.to_raw(array))
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
        outcome = await self._domain.infer(decode_request(request, _deadline(context)))
        return encode_response(outcome)

    async def ModelStreamInfer(
        self, request_iterator: AsyncIterator[pb.ModelInferRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ModelStreamInferResponse]:
        async for request in request_iterator:
            try:
                outcome = await self._domain.infer(decode_request(request, None))
                yield pb.ModelStreamInferResponse(infer_response=encode_response(outcome))
            except VigilError as err:
                yield pb.ModelStreamInferResponse(
                    error_message=err.message,
                    infer_response=pb.ModelInferResponse(id=request.id, model_name=request.model_name),
                )
            except Exception:
                log.exception("unexpected error in ModelStreamInfer")
                yield pb.ModelStreamInferResponse(error_message="internal server error")

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
