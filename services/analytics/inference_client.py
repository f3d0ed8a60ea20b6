"""A small typed async client of the inference service (KServe v2 / Triton gRPC).

Analytics call models through it: numpy arrays in, numpy arrays out, raw
tensor contents on the wire. Works against Vigil's inference service and
against NVIDIA Triton alike. Errors come back as `InferenceError` with the
gRPC status code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc
import numpy as np
from inference import grpc_service_pb2 as pb
from inference import grpc_service_pb2_grpc

from services.inference import tensors

#: Large enough for a batch of full-HD float frames.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


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

    def __init__(self, target: str, *, timeout: float | None = 30.0) -> None:
        self._channel = grpc.aio.insecure_channel(
            target,
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        self._stub = grpc_service_pb2_grpc.GRPCInferenceServiceStub(self._channel)
        self._timeout = timeout

    async def __aenter__(self) -> InferenceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._channel.close()

    async def _call(self, method: str, request: object, deadline: float | None = None) -> object:
        try:
            return await getattr(self._stub, method)(request, timeout=deadline or self._timeout)
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
        request = pb.ModelInferRequest(model_name=model, model_version=version, id=request_id)
        for name, array in inputs.items():
            array = np.asarray(array)
            request.inputs.add(name=name, datatype=tensors.protocol_type_of(array), shape=list(array.shape))
            request.raw_input_contents.append(tensors.to_raw(array))
        for name in outputs:
            request.outputs.add(name=name)
        reply = await self._call("ModelInfer", request, timeout)
        assert isinstance(reply, pb.ModelInferResponse)
        result: dict[str, np.ndarray] = {}
        for index, tensor in enumerate(reply.outputs):
            shape = [int(d) for d in tensor.shape]
            if index < len(reply.raw_output_contents):
                result[tensor.name] = tensors.from_raw(
                    tensor.name, tensor.datatype, shape, reply.raw_output_contents[index]
                )
            else:
                result[tensor.name] = tensors.from_contents(tensor.name, tensor.datatype, shape, tensor.contents)
        return result
