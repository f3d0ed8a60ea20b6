"""Model configurations: read `config.pbtxt`, complete it from the model, check it.

As in Triton, a configuration may leave out what the model itself says:
inputs and outputs are filled from the ONNX graph, the platform and backend
from the file type, instance groups and the version policy from their
defaults; a folder with no `config.pbtxt` at all is served with a
configuration made entirely from its model. What the configuration does say
must agree with the graph, or the model does not load.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from google.protobuf import text_format
from google.protobuf.message import DecodeError
from inference import model_config_pb2 as mc

from services.common.errors import InvalidArgument
from services.inference.backend import TensorInfo
from services.inference_client.tensors import config_type, protocol_type

log = logging.getLogger(__name__)

PLATFORM = "onnxruntime_onnx"
BACKEND = "onnxruntime"
DEFAULT_FILENAME = "model.onnx"
#: Triton's onnxruntime backend gives an auto-completed batching model this.
AUTO_MAX_BATCH_SIZE = 4


def read_config(folder: Path) -> mc.ModelConfig:
    """The folder's `config.pbtxt`, or an empty configuration to complete."""
    path = folder / "config.pbtxt"
    config = mc.ModelConfig()
    if path.exists():
        try:
            text_format.Parse(path.read_text(), config, allow_unknown_field=True)
        except (text_format.ParseError, DecodeError, UnicodeDecodeError) as exc:
            raise InvalidArgument(f"{path}: {exc}") from None
    return config


def _dims(shape: Sequence[int]) -> list[int]:
    return [int(d) for d in shape]


def _batched(tensors: Sequence[TensorInfo]) -> bool:
    return all(len(t.shape) > 0 and t.shape[0] == -1 for t in tensors)


def complete(config: mc.ModelConfig, name: str, inputs: Sequence[TensorInfo], outputs: Sequence[TensorInfo]) -> None:
    """Fill what the configuration leaves out, from the graph (in place)."""
    if not config.name:
        config.name = name
    if not config.platform:
        config.platform = PLATFORM
    if not config.backend:
        config.backend = BACKEND
    if not config.default_model_filename:
        config.default_model_filename = DEFAULT_FILENAME
    if not config.HasField("version_policy"):
        config.version_policy.latest.num_versions = 1
    if not config.input and not config.output and config.max_batch_size == 0:
        # Nothing said: batch when the graph's leading dimensions all are free.
        if _batched([*inputs, *outputs]):
            config.max_batch_size = AUTO_MAX_BATCH_SIZE
            if not config.HasField("dynamic_batching"):
                config.dynamic_batching.SetInParent()
    skip = 1 if config.max_batch_size > 0 else 0
    for kind, declared, graph in (("input", config.input, inputs), ("output", config.output, outputs)):
        if len(declared) == 0:
            for t in graph:
                entry = declared.add()
                entry.name = t.name
                entry.data_type = mc.DataType.Value(config_type(t.datatype))
                entry.dims.extend(_dims(t.shape[skip:]))
        del kind
    if not config.instance_group:
        config.instance_group.add().count = 1
    for index, group in enumerate(config.instance_group):
        if not group.name:
            group.name = f"{config.name}_{index}"
        if group.count < 1:
            group.count = 1


def check(config: mc.ModelConfig, name: str, inputs: Sequence[TensorInfo], outputs: Sequence[TensorInfo]) -> None:
    """Raise InvalidArgument where the configuration and the graph disagree."""
    if config.name != name:
        raise InvalidArgument(f"configuration name '{config.name}' does not match the model folder '{name}'")
    if config.platform not in {PLATFORM, ""} or config.backend not in {BACKEND, ""}:
        raise InvalidArgument(f"model '{name}': only onnxruntime_onnx models are served here")
    if config.max_batch_size < 0:
        raise InvalidArgument(f"model '{name}': max_batch_size must be >= 0")
    batching = config.max_batch_size > 0
    if config.HasField("dynamic_batching"):
        for size in config.dynamic_batching.preferred_batch_size:
            if size < 1 or size > max(config.max_batch_size, 1):
                raise InvalidArgument(
                    f"model '{name}': preferred batch size {size} must be in 1..max_batch_size "
                    f"({config.max_batch_size})"
                )
    for kind, declared, graph in (("input", config.input, inputs), ("output", config.output, outputs)):
        by_name = {t.name: t for t in graph}
        for entry in declared:
            t = by_name.get(entry.name)
            if t is None:
                raise InvalidArgument(
                    f"model '{name}': configuration {kind} '{entry.name}' is not in the model "
                    f"(the model has {sorted(by_name)})"
                )
            want = protocol_type(mc.DataType.Name(entry.data_type))
            if want != t.datatype:
                raise InvalidArgument(
                    f"model '{name}': {kind} '{entry.name}' is {t.datatype} in the model, "
                    f"{mc.DataType.Name(entry.data_type)} in the configuration"
                )
            graph_dims = list(t.shape)
            if batching:
                if not graph_dims or graph_dims[0] != -1:
                    raise InvalidArgument(
                        f"model '{name}': {kind} '{entry.name}' has a fixed batch dimension "
                        f"{graph_dims[:1]}; set max_batch_size: 0 and give the full shape"
                    )
                graph_dims = graph_dims[1:]
            dims = list(entry.reshape.shape) if entry.HasField("reshape") else list(entry.dims)
            if len(dims) != len(graph_dims) or any(g != -1 and d != g for d, g in zip(dims, graph_dims, strict=False)):
                raise InvalidArgument(
                    f"model '{name}': {kind} '{entry.name}' has dims {dims} in the configuration, "
                    f"{graph_dims} in the model"
                )
    missing = [t.name for t in inputs if t.name not in {e.name for e in config.input}]
    if missing:
        raise InvalidArgument(f"model '{name}': model inputs {missing} are not in the configuration")
    for group in config.instance_group:
        if group.kind == mc.ModelInstanceGroup.KIND_MODEL:
            raise InvalidArgument(f"model '{name}': instance group kind KIND_MODEL is not supported")


def select_versions(config: mc.ModelConfig, available: Sequence[int]) -> list[int]:
    """The versions the version policy serves, highest first."""
    ordered = sorted(available, reverse=True)
    policy = config.version_policy
    choice = policy.WhichOneof("policy_choice")
    if choice == "all":
        return ordered
    if choice == "specific":
        wanted = set(policy.specific.versions)
        return [v for v in ordered if v in wanted]
    count = max(policy.latest.num_versions, 1) if choice == "latest" else 1
    return ordered[:count]
