"""Edits of ONNX graphs made when the model repository is built.

A model exported with a fixed batch of 1 can often take any batch once the
batch dimension of its inputs and outputs is symbolic and the Reshape nodes
that hard-code the leading 1 copy it from their input instead (a 0 in an ONNX
Reshape shape means "this dimension as in the input"). Whether that is right
for a given graph is checked numerically (`batch_equivalent`), never assumed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import numpy_helper

BATCH_DIM = "batch"


def _constant_shapes(model: onnx.ModelProto) -> dict[str, tuple[onnx.TensorProto, onnx.NodeProto | None]]:
    """Tensors by name that are constants: initializers and Constant nodes."""
    found: dict[str, tuple[onnx.TensorProto, onnx.NodeProto | None]] = {
        init.name: (init, None) for init in model.graph.initializer
    }
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    found[node.output[0]] = (attr.t, node)
    return found


def _dequantize(q: np.ndarray, scale: np.ndarray, zero: np.ndarray | None, axis: int, block: int) -> np.ndarray:
    """ONNX DequantizeLinear in numpy: per-tensor, per-axis or blocked."""
    x = q.astype(np.float32)
    z = np.zeros_like(scale, dtype=np.float32) if zero is None else zero.astype(np.float32)
    s = scale.astype(np.float32)
    axis = axis % max(q.ndim, 1)
    if s.size == 1:
        return ((x - z.reshape(())) * s.reshape(())).astype(np.float32)
    if block > 0:  # blocked: scale has q's rank, ceil(d / block) along axis
        s = np.repeat(s, block, axis=axis).take(np.arange(q.shape[axis]), axis=axis)
        z = np.repeat(z, block, axis=axis).take(np.arange(q.shape[axis]), axis=axis)
        return ((x - z) * s).astype(np.float32)
    shape = [1] * q.ndim
    shape[axis] = q.shape[axis]
    return ((x - z.reshape(shape)) * s.reshape(shape)).astype(np.float32)


def fold_weight_dequantization(model: onnx.ModelProto) -> int:
    """Replace DequantizeLinear nodes (and Reshapes after them) whose inputs are
    all constants by the float weights they compute.

    OpenCV Zoo's block-quantized (`int8bq`) models store weights as int8
    blocks; the arithmetic is float. onnxruntime rejects some of those
    DequantizeLinear forms (a 1-D blocked bias), so the weights are
    dequantized once, exactly as the node would, when the repository is built.
    Returns how many nodes were folded.
    """
    inits = {init.name: init for init in model.graph.initializer}
    values: dict[str, np.ndarray] = {}

    def value(name: str) -> np.ndarray | None:
        if name in values:
            return values[name]
        if name in inits:
            return numpy_helper.to_array(inits[name])
        return None

    keep: list[onnx.NodeProto] = []
    folded = 0
    for node in model.graph.node:
        args = [value(name) if name else None for name in node.input]
        if node.op_type == "DequantizeLinear" and all(a is not None for a in args[:2]):
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            q, scale = args[0], args[1]
            zero = args[2] if len(args) > 2 else None
            assert q is not None and scale is not None
            values[node.output[0]] = _dequantize(
                q, scale, zero, int(attrs.get("axis", 1)), int(attrs.get("block_size", 0))
            )
            folded += 1
            continue
        if node.op_type == "Reshape" and len(args) == 2 and args[0] is not None and args[1] is not None:
            if node.input[0] in values:
                data, shape = args[0], [int(d) for d in args[1]]
                shape = [data.shape[i] if d == 0 else d for i, d in enumerate(shape)]
                values[node.output[0]] = data.reshape(shape)
                folded += 1
                continue
        keep.append(node)
    del model.graph.node[:]
    model.graph.node.extend(keep)
    model.graph.initializer.extend(numpy_helper.from_array(v, name) for name, v in values.items())
    _drop_unused(model)
    return folded


def _drop_unused(model: onnx.ModelProto) -> None:
    """Remove initializers and graph inputs that no node or output uses."""
    used = {name for node in model.graph.node for name in node.input}
    used |= {out.name for out in model.graph.output}
    inits = [init for init in model.graph.initializer if init.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(inits)
    inputs = [inp for inp in model.graph.input if inp.name in used]
    del model.graph.input[:]
    model.graph.input.extend(inputs)


def strip_initializer_inputs(model: onnx.ModelProto) -> int:
    """Remove weights listed as graph inputs (old exporters did that); they
    stay initializers. Returns how many were removed."""
    _drop_unused(model)
    weights = {init.name for init in model.graph.initializer}
    keep = [inp for inp in model.graph.input if inp.name not in weights]
    removed = len(model.graph.input) - len(keep)
    del model.graph.input[:]
    model.graph.input.extend(keep)
    return removed


def make_batch_dynamic(model: onnx.ModelProto) -> int:
    """Make the leading dimension of every graph input and output symbolic and
    turn a hard-coded leading 1 of every constant Reshape shape into 0.

    Returns how many Reshape nodes were changed. Intermediate shape
    annotations (value_info) are dropped: they carried the fixed batch.
    """
    constants = _constant_shapes(model)
    changed = 0
    for node in model.graph.node:
        if node.op_type != "Reshape" or len(node.input) < 2 or node.input[1] not in constants:
            continue
        tensor, _ = constants[node.input[1]]
        shape = numpy_helper.to_array(tensor).copy()
        if shape.ndim == 1 and shape.size > 0 and shape[0] == 1:
            shape[0] = 0
            tensor.CopyFrom(numpy_helper.from_array(shape.astype(np.int64), tensor.name))
            changed += 1
    for value in [*model.graph.input, *model.graph.output]:
        dims = value.type.tensor_type.shape.dim
        if len(dims) > 0:
            dims[0].Clear()
            dims[0].dim_param = BATCH_DIM
    del model.graph.value_info[:]
    return changed


def batch_equivalent(
    original: bytes, variant: bytes, feeds: dict[str, np.ndarray], *, atol: float = 0.0
) -> tuple[bool, float]:
    """Run `variant` on the batch `feeds` and `original` on each item alone;
    True when every output agrees within `atol`. Returns (agrees, max diff)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    cpu = ["CPUExecutionProvider"]
    single = ort.InferenceSession(original, options, providers=cpu)
    batched = ort.InferenceSession(variant, options, providers=cpu)
    names = [o.name for o in batched.get_outputs()]
    together = batched.run(names, feeds)
    batch = next(iter(feeds.values())).shape[0]
    worst = 0.0
    for i in range(batch):
        alone = single.run(names, {k: v[i : i + 1] for k, v in feeds.items()})
        for a, b in zip(alone, together, strict=True):
            if a.shape[1:] != b.shape[1:]:
                return False, float("inf")
            worst = max(worst, float(np.max(np.abs(a - b[i : i + 1]))) if a.size else 0.0)
    return worst <= atol, worst


def input_names(model: onnx.ModelProto) -> Sequence[str]:
    """The graph's real inputs (weights excluded)."""
    weights = {init.name for init in model.graph.initializer}
    return [inp.name for inp in model.graph.input if inp.name not in weights]


def uint8_image_input(model: onnx.ModelProto, *, reverse_channels: bool) -> str:
    """Give an image model that takes float NCHW 0-255 input a uint8 HxWx3
    input of the same name; the graph itself casts to float, moves channels
    first and (with `reverse_channels`) turns RGB into BGR.

    A camera frame letterboxed in RGB can then go to the model as it is
    (a quarter of the bytes of float32, no conversion in the client);
    Cast, Transpose and Gather run inside onnxruntime. Returns the input's
    name. Whether outputs stay the same is checked by `image_input_equivalent`.
    """
    (name,) = input_names(model)
    graph_input = next(i for i in model.graph.input if i.name == name)
    dims = list(graph_input.type.tensor_type.shape.dim)
    if len(dims) != 4:
        raise ValueError(f"input '{name}' is not NCHW")
    internal = f"{name}__float_nchw"
    for node in model.graph.node:
        for index, source in enumerate(node.input):
            if source == name:
                node.input[index] = internal
    as_float, channels_first = f"{name}__float", f"{name}__nchw"
    nodes = [
        onnx.helper.make_node("Cast", [name], [as_float], to=onnx.TensorProto.FLOAT),
        onnx.helper.make_node(
            "Transpose", [as_float], [channels_first if reverse_channels else internal], perm=[0, 3, 1, 2]
        ),
    ]
    if reverse_channels:
        order = f"{name}__bgr_order"
        model.graph.initializer.append(numpy_helper.from_array(np.array([2, 1, 0], dtype=np.int64), order))
        nodes.append(onnx.helper.make_node("Gather", [channels_first, order], [internal], axis=1))
    existing = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend([*nodes, *existing])
    batch, channels, height, width = dims
    shape = []
    for dim in (batch, height, width, channels):
        shape.append(dim.dim_param if dim.HasField("dim_param") else dim.dim_value)
    replacement = onnx.helper.make_tensor_value_info(name, onnx.TensorProto.UINT8, shape)
    graph_input.CopyFrom(replacement)
    return name


def image_input_equivalent(
    original: bytes, variant: bytes, images: np.ndarray, *, reverse_channels: bool, atol: float = 0.0
) -> tuple[bool, float]:
    """Run `variant` on uint8 NHWC `images` and `original` on the float NCHW
    tensor a client would have made of them; True when the outputs agree
    within `atol`. Returns (agrees, max diff)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    cpu = ["CPUExecutionProvider"]
    reference = ort.InferenceSession(original, options, providers=cpu)
    edited = ort.InferenceSession(variant, options, providers=cpu)
    channels = images[..., ::-1] if reverse_channels else images
    as_float = np.ascontiguousarray(channels.transpose(0, 3, 1, 2)).astype(np.float32)
    names = [o.name for o in edited.get_outputs()]
    want = reference.run(names, {reference.get_inputs()[0].name: as_float})
    got = edited.run(names, {edited.get_inputs()[0].name: images})
    worst = max((float(np.max(np.abs(a - b))) if a.size else 0.0) for a, b in zip(want, got, strict=True))
    return worst <= atol, worst
