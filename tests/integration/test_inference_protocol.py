"""The rest of Triton's protocol through tritonclient (unchanged, in its own
process): system shared memory (inputs and outputs by region, bit-for-bit
against plain tensors, every malformed region), the CUDA shared-memory RPCs
on a server without a GPU, streaming inference, trace and log settings."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from services.vision import yolox
from tests.inference_support import (
    UNBATCHED,
    InferenceServer,
    copy_model,
    fresh_repository,
    inference_server,
    model_repository,
    picture,
)
from tests.triton_bridge import TritonBridge, TritonError

BATCHING = """platform: "onnxruntime_onnx"
max_batch_size: 8
dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 500000 }
instance_group [ { count: 1 kind: KIND_CPU } ]
"""

IMAGE_BYTES = 3 * 416 * 416 * 4
OUTPUT_BYTES = 3549 * 85 * 4


def pair_model(path: Path) -> None:
    """SUM = A + B and DIFF = A - B over FP32 [batch, 4]."""
    a = helper.make_tensor_value_info("A", TensorProto.FLOAT, ["batch", 4])
    b = helper.make_tensor_value_info("B", TensorProto.FLOAT, ["batch", 4])
    total = helper.make_tensor_value_info("SUM", TensorProto.FLOAT, ["batch", 4])
    diff = helper.make_tensor_value_info("DIFF", TensorProto.FLOAT, ["batch", 4])
    graph = helper.make_graph(
        [helper.make_node("Add", ["A", "B"], ["SUM"]), helper.make_node("Sub", ["A", "B"], ["DIFF"])],
        "pair",
        [a, b],
        [total, diff],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    tmp = tmp_path_factory.mktemp("protocol")
    repo = fresh_repository(tmp)
    model_repository()
    copy_model(repo, "yolox_nano", "yolox_unbatched", UNBATCHED)
    copy_model(repo, "yolox_nano", "yolox_batching", BATCHING)
    pair_model(repo / "pair" / "1" / "model.onnx")
    with inference_server(repo, tmp, load="*") as running:
        yield running


@pytest.fixture(scope="module")
def triton(server: InferenceServer) -> Iterator[TritonBridge]:
    with TritonBridge(server.target) as bridge:
        yield bridge


@pytest.fixture
def region(triton: TritonBridge) -> Iterator[str]:
    """A fresh shared-memory object of 4 MiB (key '/<name>'), destroyed after."""
    name = f"vigil-test-{uuid.uuid4().hex[:8]}"
    triton.shm("create", name, key=f"/{name}", byte_size=4 << 20)
    yield name
    triton.call("unregister_system_shared_memory", name)
    triton.shm("destroy", name)


def image(name: str = "chelsea.png") -> np.ndarray:
    return yolox.preprocess(picture(name))[0][None]


def test_metadata_lists_the_extensions(triton: TritonBridge) -> None:
    extensions = set(triton.call("get_server_metadata", as_json=True)["extensions"])
    assert {"system_shared_memory", "cuda_shared_memory", "trace", "logging"} <= extensions


def test_shared_memory_inputs_and_outputs_match_plain_tensors_bit_for_bit(triton: TritonBridge, region: str) -> None:
    x = image()
    triton.call("register_system_shared_memory", region, f"/{region}", IMAGE_BYTES + OUTPUT_BYTES)
    status = triton.call("get_system_shared_memory_status", as_json=True)["regions"]
    assert status[region] == {"name": region, "key": f"/{region}", "byte_size": str(IMAGE_BYTES + OUTPUT_BYTES)}
    triton.shm("set", region, array=x)
    got = triton.infer(
        "yolox_unbatched",
        {"images": {"shm": [region, IMAGE_BYTES, 0], "shape": [1, 3, 416, 416], "datatype": "FP32"}},
        outputs=[{"name": "output", "shm": [region, OUTPUT_BYTES, IMAGE_BYTES]}],
    )
    assert "output" not in got  # the bytes are in the region, not in the response
    assert list(got["output@shm"]) == [1, 3549, 85]
    assert got["output@region"].tobytes().decode() == region
    through_shm = triton.shm("get", region, datatype="FP32", shape=[1, 3549, 85], offset=IMAGE_BYTES)
    plain = triton.infer("yolox_unbatched", {"images": x})["output"]
    assert through_shm.tobytes() == plain.tobytes()
    triton.call("unregister_system_shared_memory", region)
    assert region not in triton.call("get_system_shared_memory_status", as_json=True).get("regions", {})


def test_region_at_an_offset_and_mixed_with_raw_tensors(triton: TritonBridge, region: str) -> None:
    a = np.arange(8, dtype=np.float32).reshape(2, 4)
    b = np.full((2, 4), 0.5, dtype=np.float32)
    triton.call("register_system_shared_memory", region, f"/{region}", 256, offset=1024)
    triton.shm("set", region, array=a, offset=1024 + 32)
    got = triton.infer(
        "pair",
        {"A": {"shm": [region, 32, 32], "shape": [2, 4], "datatype": "FP32"}, "B": b},
        outputs=[{"name": "SUM", "shm": [region, 32, 128]}, "DIFF"],
    )
    np.testing.assert_array_equal(got["DIFF"], a - b)
    np.testing.assert_array_equal(triton.shm("get", region, datatype="FP32", shape=[2, 4], offset=1024 + 128), a + b)


def _shm_input(region: str, byte_size: int, offset: int = 0) -> dict:
    return {
        "A": {"shm": [region, byte_size, offset], "shape": [2, 4], "datatype": "FP32"},
        "B": np.zeros((2, 4), np.float32),
    }


def test_malformed_regions_and_offsets_are_invalid_argument(triton: TritonBridge, region: str) -> None:
    triton.call("register_system_shared_memory", region, f"/{region}", 64)
    cases = {
        "unregistered": _shm_input("no-such-region", 32),
        "too small for the tensor": _shm_input(region, 16),
        "offset outside the region": _shm_input(region, 32, 64),
        "offset + size past the end": _shm_input(region, 32, 48),
        "negative offset": _shm_input(region, 32, -8),
    }
    for what, inputs in cases.items():
        with pytest.raises(TritonError) as err:
            triton.infer("pair", inputs)
        assert err.value.status == "StatusCode.INVALID_ARGUMENT", what
    with pytest.raises(TritonError) as err:  # output region smaller than the result
        triton.infer(
            "pair",
            {"A": np.zeros((2, 4), np.float32), "B": np.zeros((2, 4), np.float32)},
            outputs=[{"name": "SUM", "shm": [region, 16, 0]}],
        )
    assert err.value.status == "StatusCode.INVALID_ARGUMENT"
    assert "should be at least 32 bytes" in err.value.message
    # The server is unharmed: a good request still works.
    a = np.ones((2, 4), np.float32)
    assert triton.infer("pair", {"A": a, "B": a})["SUM"].tolist() == (a + a).tolist()


def test_bad_registrations(triton: TritonBridge, region: str) -> None:
    with pytest.raises(TritonError) as err:  # window larger than the object
        triton.call("register_system_shared_memory", "too-big", f"/{region}", 4 << 20, offset=1)
    assert err.value.status == "StatusCode.INVALID_ARGUMENT"
    assert "invalid args" in err.value.message
    with pytest.raises(TritonError) as err:
        triton.call("register_system_shared_memory", "missing", "/vigil-no-such-object", 64)
    assert err.value.status == "StatusCode.INTERNAL"
    assert "Unable to open shared memory region" in err.value.message
    with pytest.raises(TritonError) as err:  # not a shared-memory object name
        triton.call("register_system_shared_memory", "escape", "/../../etc/passwd", 64)
    assert "Unable to open shared memory region" in err.value.message
    triton.call("register_system_shared_memory", region, f"/{region}", 64)
    with pytest.raises(TritonError) as err:
        triton.call("register_system_shared_memory", region, f"/{region}", 64)
    assert err.value.status == "StatusCode.ALREADY_EXISTS"
    with pytest.raises(TritonError) as err:
        triton.call("get_system_shared_memory_status", "not-registered")
    assert err.value.status == "StatusCode.NOT_FOUND"
    triton.call("unregister_system_shared_memory", "not-registered")  # not an error, as in Triton


def test_cuda_shared_memory_answers_as_triton_without_a_gpu(triton: TritonBridge) -> None:
    assert triton.call("get_cuda_shared_memory_status", as_json=True) == {}
    with pytest.raises(TritonError) as err:
        triton.call("register_cuda_shared_memory", "gpu", base64.b64encode(b"\0" * 64).decode(), 0, 64)
    assert err.value.status == "StatusCode.INVALID_ARGUMENT"
    assert "GPUs not supported" in err.value.message
    triton.call("unregister_cuda_shared_memory", "gpu")
    with pytest.raises(TritonError) as err:
        triton.call("get_cuda_shared_memory_status", "gpu")
    assert err.value.status == "StatusCode.NOT_FOUND"


def test_streaming_infer_answers_every_request_with_its_id(triton: TritonBridge, server: InferenceServer) -> None:
    names = ["astronaut.png", "camera.png", "chelsea.png", "motorcycle_left.png"]
    want = {n: triton.infer("yolox_unbatched", {"images": image(n)})["output"] for n in names}
    answers = triton.stream("yolox_batching", [{"id": n, "inputs": {"images": image(n)}} for n in names])
    assert sorted(a["id"] for a in answers) == sorted(names)
    for a in answers:
        np.testing.assert_allclose(a["outputs"]["output"], want[a["id"]], rtol=1e-4, atol=1e-4)
    stats = triton.call("get_inference_statistics", "yolox_batching", as_json=True)["model_stats"][0]
    assert int(stats["execution_count"]) < len(names)  # the stream's requests shared batches
    bad = triton.stream("pair", [{"id": "wrong", "inputs": {"A": np.zeros((1, 4), np.float32)}}])
    assert "error" in bad[0] and "missing" in bad[0]["error"]


def test_trace_settings_are_stored_globally_and_per_model(triton: TritonBridge) -> None:
    settings = triton.call("get_trace_settings", as_json=True)["settings"]
    assert settings["trace_level"]["value"] == ["OFF"]
    updated = triton.call(
        "update_trace_settings", settings={"trace_rate": "7", "trace_level": ["TIMESTAMPS"]}, as_json=True
    )
    assert updated["settings"]["trace_rate"]["value"] == ["7"]
    model = triton.call("update_trace_settings", "pair", settings={"trace_count": "3"}, as_json=True)["settings"]
    assert model["trace_count"]["value"] == ["3"] and model["trace_rate"]["value"] == ["7"]
    assert triton.call("get_trace_settings", as_json=True)["settings"]["trace_count"]["value"] == ["-1"]
    cleared = triton.call("update_trace_settings", "pair", settings={"trace_count": None}, as_json=True)["settings"]
    assert cleared["trace_count"]["value"] == ["-1"]
    for bad in ({"trace_level": ["LOUD"]}, {"trace_rate": "fast"}, {"no_such": "1"}, {"trace_file": "/tmp/x"}):
        with pytest.raises(TritonError) as err:
            triton.call("update_trace_settings", settings=bad)
        assert err.value.status == "StatusCode.INVALID_ARGUMENT", bad
    with pytest.raises(TritonError) as err:
        triton.call("update_trace_settings", "not_loaded", settings={"trace_rate": "1"})
    assert err.value.status == "StatusCode.NOT_FOUND"
    triton.call("update_trace_settings", settings={"trace_rate": None, "trace_level": None})


def test_log_settings_apply_to_the_service_log(triton: TritonBridge, server: InferenceServer) -> None:
    settings = triton.call("get_log_settings", as_json=True)["settings"]
    assert settings["log_info"]["bool_param"] is True
    # Turn info off: a model load (logged at INFO) no longer reaches the log.
    triton.call("update_log_settings", {"log_info": False})
    size = server.log.stat().st_size
    triton.call("load_model", "pair")
    assert "model 'pair' loaded" not in server.log.read_text()[size:]
    triton.call("update_log_settings", {"log_info": True, "log_format": "ISO8601"})
    size = server.log.stat().st_size
    triton.call("load_model", "pair")
    tail = server.log.read_text()[size:]
    assert "model 'pair' loaded" in tail
    assert "T" in tail.split(" ", 1)[0]  # ISO 8601 timestamp: date and time joined by T
    with pytest.raises(TritonError) as err:
        triton.call("update_log_settings", {"log_file": "/tmp/elsewhere.log"})
    assert err.value.status == "StatusCode.INVALID_ARGUMENT"
    with pytest.raises(TritonError) as err:
        triton.call("update_log_settings", {"log_format": "fancy"})
    assert err.value.status == "StatusCode.INVALID_ARGUMENT"
    triton.call("update_log_settings", {"log_format": "default"})
