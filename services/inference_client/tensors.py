"""Tensor data types and the protocol's tensor encodings.

The protocol names types `FP32`, `UINT8`, `BYTES`...; a model configuration
names them `TYPE_FP32`, `TYPE_UINT8`, `TYPE_STRING`; onnxruntime names them
`tensor(float)`, `tensor(uint8)`, `tensor(string)`. Raw contents are
little-endian element bytes; BYTES elements are each a 4-byte little-endian
length followed by the bytes (Triton's raw encoding).
"""

from __future__ import annotations

import struct

import numpy as np

from services.common.errors import InvalidArgument

#: Protocol data type -> numpy dtype (BYTES holds Python bytes objects).
NUMPY: dict[str, np.dtype] = {
    "BOOL": np.dtype(np.bool_),
    "UINT8": np.dtype(np.uint8),
    "UINT16": np.dtype(np.uint16),
    "UINT32": np.dtype(np.uint32),
    "UINT64": np.dtype(np.uint64),
    "INT8": np.dtype(np.int8),
    "INT16": np.dtype(np.int16),
    "INT32": np.dtype(np.int32),
    "INT64": np.dtype(np.int64),
    "FP16": np.dtype(np.float16),
    "FP32": np.dtype(np.float32),
    "FP64": np.dtype(np.float64),
    "BYTES": np.dtype(np.object_),
}

#: onnxruntime type string -> protocol data type.
ONNX: dict[str, str] = {
    "tensor(bool)": "BOOL",
    "tensor(uint8)": "UINT8",
    "tensor(uint16)": "UINT16",
    "tensor(uint32)": "UINT32",
    "tensor(uint64)": "UINT64",
    "tensor(int8)": "INT8",
    "tensor(int16)": "INT16",
    "tensor(int32)": "INT32",
    "tensor(int64)": "INT64",
    "tensor(float16)": "FP16",
    "tensor(float)": "FP32",
    "tensor(double)": "FP64",
    "tensor(string)": "BYTES",
    "tensor(bfloat16)": "BF16",
}

#: Which typed-contents list of InferTensorContents carries each data type.
CONTENTS_FIELD: dict[str, str] = {
    "BOOL": "bool_contents",
    "UINT8": "uint_contents",
    "UINT16": "uint_contents",
    "UINT32": "uint_contents",
    "UINT64": "uint64_contents",
    "INT8": "int_contents",
    "INT16": "int_contents",
    "INT32": "int_contents",
    "INT64": "int64_contents",
    "FP32": "fp32_contents",
    "FP64": "fp64_contents",
    "BYTES": "bytes_contents",
}


def config_type(datatype: str) -> str:
    """`FP32` -> `TYPE_FP32`, `BYTES` -> `TYPE_STRING`."""
    return "TYPE_STRING" if datatype == "BYTES" else f"TYPE_{datatype}"


def protocol_type(config_name: str) -> str:
    """`TYPE_FP32` -> `FP32`, `TYPE_STRING` -> `BYTES`."""
    return "BYTES" if config_name == "TYPE_STRING" else config_name.removeprefix("TYPE_")


def protocol_type_of(array: np.ndarray) -> str:
    """The protocol data type of a numpy array."""
    if array.dtype == np.object_ or array.dtype.kind in "SU":
        return "BYTES"
    for name, dtype in NUMPY.items():
        if dtype == array.dtype:
            return name
    raise InvalidArgument(f"unsupported tensor element type {array.dtype}")


def element_count(shape: tuple[int, ...] | list[int]) -> int:
    count = 1
    for dim in shape:
        count *= int(dim)
    return count


def from_raw(name: str, datatype: str, shape: list[int], raw: bytes | memoryview) -> np.ndarray:
    """Decode raw contents; the byte size must match the shape exactly."""
    count = element_count(shape)
    if datatype == "BYTES":
        raw = bytes(raw)
        items: list[bytes] = []
        offset = 0
        while offset < len(raw):
            if offset + 4 > len(raw):
                raise InvalidArgument(f"input '{name}': truncated BYTES element length")
            (size,) = struct.unpack_from("<I", raw, offset)
            offset += 4
            if offset + size > len(raw):
                raise InvalidArgument(f"input '{name}': truncated BYTES element")
            items.append(raw[offset : offset + size])
            offset += size
        if len(items) != count:
            raise InvalidArgument(f"input '{name}': {len(items)} BYTES elements, shape {shape} needs {count}")
        return np.array(items, dtype=np.object_).reshape(shape)
    dtype = NUMPY[datatype]
    expected = count * dtype.itemsize
    if len(raw) != expected:
        raise InvalidArgument(
            f"unexpected size {len(raw)} bytes for input '{name}', expecting {expected} bytes "
            f"({datatype} of shape {shape})"
        )
    return np.frombuffer(raw, dtype=dtype.newbyteorder("<")).reshape(shape)


def from_buffer(datatype: str, shape: list[int], buffer: np.ndarray) -> np.ndarray:
    """A fixed-size tensor viewed over a uint8 buffer of exactly its size (no copy)."""
    return buffer.view(NUMPY[datatype].newbyteorder("<")).reshape(shape)


def from_contents(name: str, datatype: str, shape: list[int], contents: object) -> np.ndarray:
    """Decode typed contents (InferTensorContents)."""
    field = CONTENTS_FIELD.get(datatype)
    if field is None:
        raise InvalidArgument(f"input '{name}': data type {datatype} cannot be sent as typed contents")
    values = list(getattr(contents, field))
    count = element_count(shape)
    if len(values) != count:
        raise InvalidArgument(f"input '{name}': {len(values)} elements given, shape {shape} needs {count}")
    if datatype == "BYTES":
        return np.array(values, dtype=np.object_).reshape(shape)
    return np.array(values, dtype=NUMPY[datatype]).reshape(shape)


def to_raw(array: np.ndarray) -> bytes:
    """Encode an output as raw contents."""
    if array.dtype == np.object_ or array.dtype.kind in "SU":
        out = bytearray()
        for item in array.reshape(-1):
            data = item if isinstance(item, bytes) else str(item).encode("utf-8")
            out += struct.pack("<I", len(data)) + data
        return bytes(out)
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
