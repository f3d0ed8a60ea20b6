"""One loaded model version: its configuration, instances and scheduler, and
the checks every request passes before it is queued."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from inference import model_config_pb2 as mc

from services.common.errors import InvalidArgument
from services.inference.scheduler import Policy, Scheduler
from services.inference.shm import ShmRef
from services.inference.stats import ModelStats
from services.inference_client.tensors import protocol_type


@dataclass(frozen=True)
class TensorSpec:
    """An input or output as the configuration declares it."""

    name: str
    datatype: str
    dims: tuple[int, ...]  # without the batch dimension when the model batches
    optional: bool = False


@dataclass
class InferInput:
    """One input tensor of a request, decoded."""

    name: str
    datatype: str
    shape: list[int]
    data: np.ndarray


@dataclass
class InferCall:
    """One inference request, decoded."""

    model: str
    version: str
    id: str
    inputs: list[InferInput]
    outputs: list[str] = field(default_factory=list)
    timeout_us: int = 0
    deadline_ns: int | None = None
    placed: dict[str, ShmRef] = field(default_factory=dict)  # outputs asked for in shared memory


@dataclass
class InferOutcome:
    """The answer to one inference request."""

    model: str
    version: str
    id: str
    outputs: list[tuple[str, str, np.ndarray]]


def policy_of(config: mc.ModelConfig, default_max_queue_size: int = 0) -> Policy:
    """The scheduling policy a configuration asks for. A model whose
    configuration sets no `max_queue_size` (no dynamic batching, or a queue
    policy without one) gets `default_max_queue_size` (0: unbounded, as in
    Triton)."""
    if not config.HasField("dynamic_batching"):
        return Policy(max_batch_size=config.max_batch_size, batching=False, max_queue_size=default_max_queue_size)
    db = config.dynamic_batching
    queue = db.default_queue_policy
    return Policy(
        max_batch_size=config.max_batch_size,
        batching=config.max_batch_size > 0,
        preferred=tuple(sorted(int(s) for s in db.preferred_batch_size)),
        max_delay_s=db.max_queue_delay_microseconds / 1e6,
        max_queue_size=int(queue.max_queue_size) or default_max_queue_size,
        timeout_s=queue.default_timeout_microseconds / 1e6,
        reject_on_timeout=queue.timeout_action == mc.ModelQueuePolicy.REJECT,
        allow_timeout_override=queue.allow_timeout_override,
    )


def _specs(entries: Sequence[mc.ModelInput] | Sequence[mc.ModelOutput]) -> list[TensorSpec]:
    return [
        TensorSpec(
            e.name,
            protocol_type(mc.DataType.Name(e.data_type)),
            tuple(int(d) for d in e.dims),
            bool(getattr(e, "optional", False)),
        )
        for e in entries
    ]


def _fmt(shape: Sequence[int]) -> str:
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


class LoadedModel:
    """A model version that is ready: requests are checked, then scheduled."""

    def __init__(self, config: mc.ModelConfig, version: int, scheduler: Scheduler, stats: ModelStats) -> None:
        self.config = config
        self.name = config.name
        self.version = version
        self.scheduler = scheduler
        self.stats = stats
        self.inputs = _specs(config.input)
        self.outputs = _specs(config.output)
        self.max_batch_size = int(config.max_batch_size)

    def full_shape(self, spec: TensorSpec) -> list[int]:
        """The shape clients see, batch dimension (-1) included."""
        return ([-1] if self.max_batch_size > 0 else []) + list(spec.dims)

    def check(self, call: InferCall) -> tuple[dict[str, np.ndarray], list[str], int]:
        """Validate a request: the feeds, the outputs to return, its batch size."""
        name = self.name
        known = {s.name: s for s in self.inputs}
        given = {i.name: i for i in call.inputs}
        if len(given) != len(call.inputs):
            raise InvalidArgument(f"model '{name}': an input is given more than once")
        for i in call.inputs:
            if i.name not in known:
                raise InvalidArgument(
                    f"unexpected inference input '{i.name}' for model '{name}'; it takes {sorted(known)}"
                )
        missing = [s.name for s in self.inputs if s.name not in given and not s.optional]
        if missing:
            raise InvalidArgument(
                f"expected {len(self.inputs)} inputs but got {len(call.inputs)} inputs for model '{name}': "
                f"missing required input(s) {missing}"
            )
        batch: int | None = None
        feeds: dict[str, np.ndarray] = {}
        for spec in self.inputs:
            item = given.get(spec.name)
            if item is None:
                continue
            if item.datatype != spec.datatype:
                raise InvalidArgument(
                    f"inference input '{spec.name}' data-type is '{item.datatype}', "
                    f"but model '{name}' expects '{spec.datatype}'"
                )
            shape = list(item.shape)
            dims = shape
            if self.max_batch_size > 0:
                if not shape:
                    raise InvalidArgument(f"inference input '{spec.name}' of model '{name}' needs a batch dimension")
                if shape[0] < 1:
                    raise InvalidArgument(f"inference input '{spec.name}': batch size must be at least 1")
                if shape[0] > self.max_batch_size:
                    raise InvalidArgument(
                        f"inference request batch-size must be <= {self.max_batch_size} for '{name}' (got {shape[0]})"
                    )
                if batch is not None and shape[0] != batch:
                    raise InvalidArgument(f"model '{name}': every input must have the same batch size")
                batch = shape[0]
                dims = shape[1:]
            if len(dims) != len(spec.dims) or any(d != -1 and d != s for s, d in zip(dims, spec.dims, strict=False)):
                raise InvalidArgument(
                    f"unexpected shape for input '{spec.name}' for model '{name}'. "
                    f"Expected {_fmt(self.full_shape(spec))}, got {_fmt(shape)}"
                )
            if any(d < 0 for d in shape):
                raise InvalidArgument(f"inference input '{spec.name}': negative dimension in {_fmt(shape)}")
            feeds[spec.name] = item.data
        wanted = list(dict.fromkeys(call.outputs)) or [s.name for s in self.outputs]
        outputs = {s.name for s in self.outputs}
        for out in wanted:
            if out not in outputs:
                raise InvalidArgument(
                    f"unexpected inference output '{out}' for model '{name}'; it has {sorted(outputs)}"
                )
        return feeds, wanted, batch or 1

    async def infer(self, call: InferCall) -> InferOutcome:
        """Check, queue and wait for one request."""
        feeds, wanted, batch = self.check(call)
        results = await self.scheduler.submit(
            feeds, wanted, batch, deadline_ns=call.deadline_ns, timeout_us=call.timeout_us
        )
        types = {s.name: s.datatype for s in self.outputs}
        return InferOutcome(
            self.name, str(self.version), call.id, [(n, types[n], results[n]) for n in wanted if n in results]
        )
