"""The data plane: one implementation of the KServe v2 / Triton protocol's
logic that both fronts call (MLServer's `handlers/dataplane.py`).

The gRPC servicer and the HTTP/REST handler only turn their wire format into
the protocol-neutral requests below and the answers back into their format;
everything else (which model, tensors read from raw bytes or shared memory,
checks, inference, outputs placed in shared memory, metadata, configuration,
repository control, statistics, shared-memory regions, trace and log
settings) happens here, once, with the same errors for both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from google.protobuf import json_format
from inference import model_config_pb2 as mc

from services.common.errors import InvalidArgument, NotFound
from services.inference.control import LogValue
from services.inference.domain import IndexEntry, InferenceDomain
from services.inference.model import InferCall, InferInput
from services.inference.shm import Region, ShmRef
from services.inference.stats import ModelStats
from services.inference_client import tensors


@dataclass
class RequestInput:
    """One input as a front received it: raw little-endian bytes (BYTES:
    length-prefixed elements), an array a front already decoded (typed or JSON
    contents), or a shared-memory reference."""

    name: str
    datatype: str
    shape: list[int]
    raw: bytes | memoryview | None = None
    array: np.ndarray | None = None
    shm: ShmRef | None = None


@dataclass
class RequestOutput:
    """One requested output, optionally to be written to shared memory."""

    name: str
    shm: ShmRef | None = None


@dataclass
class InferRequest:
    """One inference request in protocol-neutral form."""

    model: str
    version: str = ""
    id: str = ""
    inputs: list[RequestInput] = field(default_factory=list)
    outputs: list[RequestOutput] = field(default_factory=list)
    timeout_us: int = 0
    deadline_ns: int | None = None
    sequence: bool = False  # a sequence id, start or end was given


@dataclass
class ResponseOutput:
    """One output: its array, or where in shared memory it was written."""

    name: str
    datatype: str
    shape: list[int]
    array: np.ndarray | None
    shm: ShmRef | None = None


@dataclass
class InferResponse:
    model: str
    version: str
    id: str
    outputs: list[ResponseOutput]


@dataclass(frozen=True)
class TensorMetadata:
    name: str
    datatype: str
    shape: list[int]


@dataclass(frozen=True)
class ModelMetadata:
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]


class DataPlane:
    """Every protocol operation, over one inference domain."""

    def __init__(self, domain: InferenceDomain) -> None:
        self.domain = domain

    # -- health and metadata --------------------------------------------------

    def live(self) -> bool:
        return True

    def ready(self) -> bool:
        return self.domain.server_ready()

    def model_ready(self, name: str, version: str = "") -> bool:
        return self.domain.model_ready(name, version)

    def server_metadata(self) -> tuple[str, str, tuple[str, ...]]:
        return self.domain.server_metadata()

    def model_metadata(self, name: str, version: str = "") -> ModelMetadata:
        model = self.domain.model(name, version)
        return ModelMetadata(
            name=model.name,
            versions=self.domain.versions(model.name),
            platform=model.config.platform,
            inputs=[TensorMetadata(s.name, s.datatype, model.full_shape(s)) for s in model.inputs],
            outputs=[TensorMetadata(s.name, s.datatype, model.full_shape(s)) for s in model.outputs],
        )

    def check_model(self, name: str, version: str = "") -> None:
        """NOT_FOUND unless a version of the model is ready."""
        self.domain.model(name, version)

    def model_config(self, name: str, version: str = "") -> mc.ModelConfig:
        return self.domain.model(name, version).config

    # -- inference ----------------------------------------------------------

    def _input(self, given: RequestInput) -> InferInput:
        name, datatype, shape = given.name, given.datatype, given.shape
        if datatype not in tensors.NUMPY:
            raise InvalidArgument(f"inference input '{name}': unsupported data type '{datatype}'")
        if any(d < 0 for d in shape):
            raise InvalidArgument(f"inference input '{name}': negative dimension in shape {shape}")
        regions = self.domain.regions
        if given.shm is not None:
            ref = given.shm
            if given.raw is not None or given.array is not None:
                raise InvalidArgument(f"inference input '{name}': both contents and a shared memory region given")
            if datatype == "BYTES":
                data = tensors.from_raw(
                    name, datatype, shape, regions.read(ref.region, ref.offset, ref.byte_size).tobytes()
                )
            else:
                expected = tensors.element_count(shape) * tensors.NUMPY[datatype].itemsize
                if ref.byte_size != expected:
                    raise InvalidArgument(
                        f"unexpected shared memory byte size {ref.byte_size} for input '{name}', "
                        f"expecting {expected} bytes ({datatype} of shape {shape})"
                    )
                data = tensors.from_buffer(datatype, shape, regions.read(ref.region, ref.offset, ref.byte_size))
        elif given.raw is not None:
            data = tensors.from_raw(name, datatype, shape, given.raw)
        elif given.array is not None:
            data = given.array
        else:
            raise InvalidArgument(f"inference input '{name}': no data given")
        return InferInput(name, datatype, shape, data)

    async def infer(self, request: InferRequest) -> InferResponse:
        """Decode the inputs, run the request, place the outputs."""
        self.domain.model(request.model, request.version)  # NOT_FOUND before decoding
        if request.sequence:
            raise InvalidArgument(
                f"inference request to model '{request.model}' must not specify a sequence ID, start or end: "
                "the model has no sequence batching (the sequence extension is not supported)"
            )
        inputs = [self._input(i) for i in request.inputs]
        regions = self.domain.regions
        placed: dict[str, ShmRef] = {}
        for out in request.outputs:
            if out.shm is not None:
                regions.check(out.shm.region, out.shm.offset, out.shm.byte_size)
                placed[out.name] = out.shm
        call = InferCall(
            model=request.model,
            version=request.version,
            id=request.id,
            inputs=inputs,
            outputs=[o.name for o in request.outputs],
            timeout_us=request.timeout_us,
            deadline_ns=request.deadline_ns,
            placed=placed,
        )
        outcome = await self.domain.infer(call)
        outputs: list[ResponseOutput] = []
        for name, datatype, array in outcome.outputs:
            shape = [int(d) for d in array.shape]
            ref = placed.get(name)
            if ref is None:
                outputs.append(ResponseOutput(name, datatype, shape, array))
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
            outputs.append(ResponseOutput(name, datatype, shape, None, ShmRef(ref.region, ref.offset, data.nbytes)))
        return InferResponse(outcome.model, outcome.version, outcome.id, outputs)

    # -- statistics and repository ------------------------------------------------

    def statistics(self, name: str = "", version: str = "") -> list[ModelStats]:
        return self.domain.statistics(name, version)

    def _check_repository(self, name: str) -> None:
        if name and name != self.domain.repository.name:
            raise InvalidArgument(f"unknown repository '{name}'; this server serves '{self.domain.repository.name}'")

    def index(self, ready_only: bool = False, repository: str = "") -> list[IndexEntry]:
        self._check_repository(repository)
        return self.domain.index(ready_only)

    async def load(self, name: str, parameters: Mapping[str, object], repository: str = "") -> None:
        """Load (or reload) a model; a `config` parameter (JSON text) overrides
        its configuration; model files sent with the request are refused."""
        self._check_repository(repository)
        override = None
        for key, value in parameters.items():
            if key == "config":
                if not isinstance(value, str):
                    raise InvalidArgument("parameter 'config' must be a string holding JSON")
                override = mc.ModelConfig()
                try:
                    json_format.Parse(value, override)
                except (json_format.ParseError, json.JSONDecodeError) as exc:
                    raise InvalidArgument(f"parameter 'config' is not a model configuration: {exc}") from None
            elif key.startswith("file:"):
                raise InvalidArgument("loading model files sent with the request is not supported")
        await self.domain.load(name, override)

    async def unload(self, name: str, repository: str = "") -> None:
        self._check_repository(repository)
        await self.domain.unload(name)

    # -- shared memory ------------------------------------------------------

    def shm_status(self, name: str = "") -> list[Region]:
        return self.domain.regions.status(name)

    def shm_register(self, name: str, key: str, offset: int, byte_size: int) -> None:
        self.domain.regions.register(name, key, offset, byte_size)

    def shm_unregister(self, name: str = "") -> None:
        self.domain.regions.unregister(name)

    @staticmethod
    def cuda_shm_status(name: str = "") -> list[Region]:
        """No GPU regions are ever registered here."""
        if name:
            raise NotFound(f"Unable to find cuda shared memory region: '{name}'")
        return []

    @staticmethod
    def cuda_shm_register(name: str) -> None:
        raise InvalidArgument(f"failed to register CUDA shared memory region: '{name}', GPUs not supported")

    # -- trace and log settings ----------------------------------------------

    def trace_settings(self, changes: Mapping[str, list[str]], model: str = "") -> dict[str, list[str]]:
        if model:
            self.domain.model(model)  # NOT_FOUND for a model that is not loaded
        return self.domain.trace.update(changes, model)

    def log_settings(self, changes: Mapping[str, LogValue | None]) -> dict[str, LogValue]:
        self.domain.log_settings.update(changes)
        return self.domain.log_settings.as_dict()
