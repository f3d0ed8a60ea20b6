"""NVIDIA's tritonclient (unchanged, from PyPI) against Vigil's inference
service: metadata, inference on real pictures, statistics, repository control,
dynamic batching under concurrent clients, queue limits, deadlines and bad
input. The server and the Triton client each run in their own process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

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

# A copy of YOLOX-Nano whose batcher waits long enough for 8 concurrent
# clients to meet in one batch, a tiny queue, and one whose queue times out.
BATCHING = """platform: "onnxruntime_onnx"
max_batch_size: 8
dynamic_batching { preferred_batch_size: [ 8 ] max_queue_delay_microseconds: 2000000 }
instance_group [ { count: 1 kind: KIND_CPU } ]
"""
TINY_QUEUE = """platform: "onnxruntime_onnx"
max_batch_size: 1
dynamic_batching { max_queue_delay_microseconds: 0 default_queue_policy { max_queue_size: 1 } }
instance_group [ { count: 1 kind: KIND_CPU } ]
"""
SLOW_QUEUE = """platform: "onnxruntime_onnx"
max_batch_size: 8
dynamic_batching {
  preferred_batch_size: [ 8 ]
  max_queue_delay_microseconds: 3000000
  default_queue_policy { timeout_action: REJECT default_timeout_microseconds: 200000 }
}
"""
LONG_WAIT = """platform: "onnxruntime_onnx"
max_batch_size: 8
dynamic_batching { preferred_batch_size: [ 8 ] max_queue_delay_microseconds: 3000000 }
"""
OCR_BATCHING = """platform: "onnxruntime_onnx"
max_batch_size: 4
dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 2000000 }
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    tmp = tmp_path_factory.mktemp("inference")
    repo = fresh_repository(tmp)
    source = model_repository()
    for name in ("yolox_nano", "ppocr_det"):
        (repo / name).symlink_to(source / name)
    copy_model(repo, "yolox_nano", "yolox_batching", BATCHING)
    copy_model(repo, "yolox_nano", "yolox_unbatched", UNBATCHED)
    copy_model(repo, "yolox_nano", "yolox_tiny_queue", TINY_QUEUE)
    copy_model(repo, "yolox_nano", "yolox_slow_queue", SLOW_QUEUE)
    copy_model(repo, "yolox_nano", "yolox_long_wait", LONG_WAIT)
    copy_model(repo, "ppocr_det", "ppocr_det_batching", OCR_BATCHING)
    (repo / "broken").mkdir()
    (repo / "broken" / "config.pbtxt").write_text('name: "broken"\nmax_batch_size: 4\n')
    load = ",".join(n for n in sorted(p.name for p in repo.iterdir()) if n != "broken")
    with inference_server(repo, tmp, load=load) as running:
        yield running


@pytest.fixture(scope="module")
def triton(server: InferenceServer) -> Iterator[TritonBridge]:
    with TritonBridge(server.target) as bridge:
        yield bridge


def frames(*names: str) -> np.ndarray:
    return np.stack([yolox.preprocess(picture(n))[0] for n in names])


def labels(output: np.ndarray, scale: float) -> set[str]:
    return {d.label for d in yolox.decode(output, scale, score_threshold=0.6)}


def stats(triton: TritonBridge, model: str) -> dict:
    return triton.call("get_inference_statistics", model, as_json=True)["model_stats"][0]


def test_server_metadata_and_health(triton: TritonBridge) -> None:
    assert triton.call("is_server_live") is True
    meta = triton.call("get_server_metadata", as_json=True)
    assert meta["name"] == "vigil-inference"
    assert {"model_repository", "statistics", "model_configuration"} <= set(meta["extensions"])


def test_model_metadata_and_config(triton: TritonBridge) -> None:
    meta = triton.call("get_model_metadata", "yolox_nano", as_json=True)
    assert meta["platform"] == "onnxruntime_onnx"
    assert meta["versions"] == ["1"]
    assert meta["inputs"] == [{"name": "images", "datatype": "FP32", "shape": ["-1", "3", "416", "416"]}]
    assert meta["outputs"] == [{"name": "output", "datatype": "FP32", "shape": ["-1", "3549", "85"]}]
    config = triton.call("get_model_config", "yolox_nano", as_json=True)["config"]
    assert config["max_batch_size"] == 8
    assert config["dynamic_batching"]["default_queue_policy"]["max_queue_size"] == 64
    assert config["instance_group"][0]["kind"] == "KIND_CPU"
    assert triton.call("is_model_ready", "yolox_nano") is True
    assert triton.call("is_model_ready", "yolox_nano", "2") is False
    assert triton.call("is_model_ready", "no_such_model") is False


def test_infer_finds_what_is_in_the_pictures(triton: TritonBridge) -> None:
    names = ("astronaut.png", "chelsea.png", "motorcycle_left.png")
    batch = frames(*names)
    out = triton.infer("yolox_nano", {"images": batch})["output"]
    assert out.shape == (3, 3549, 85)
    scales = [yolox.preprocess(picture(n))[1] for n in names]
    assert "person" in labels(out[0], scales[0])
    assert "cat" in labels(out[1], scales[1])
    assert "motorcycle" in labels(out[2], scales[2])
    assert "cat" not in labels(out[0], scales[0]) | labels(out[2], scales[2])


def test_statistics_count_requests_and_executions(triton: TritonBridge) -> None:
    before = stats(triton, "yolox_unbatched")
    triton.infer("yolox_unbatched", {"images": frames("camera.png", "chelsea.png")})
    after = stats(triton, "yolox_unbatched")
    assert int(after.get("inference_count", 0)) - int(before.get("inference_count", 0)) == 2
    assert int(after.get("execution_count", 0)) - int(before.get("execution_count", 0)) == 1
    success = after["inference_stats"]["success"]
    assert int(success["count"]) >= 1 and int(success["ns"]) > 0
    assert any(b["batch_size"] == "2" for b in after["batch_stats"])


def test_repository_index_load_and_unload(triton: TritonBridge) -> None:
    index = {m["name"]: m for m in triton.call("get_model_repository_index", as_json=True)["models"]}
    assert index["yolox_nano"]["state"] == "READY"
    assert "state" not in index["broken"]  # in the repository, never loaded
    triton.call("unload_model", "ppocr_det")
    index = {m["name"]: m for m in triton.call("get_model_repository_index", as_json=True)["models"]}
    assert index["ppocr_det"]["state"] == "UNAVAILABLE"
    assert triton.call("is_model_ready", "ppocr_det") is False
    with pytest.raises(TritonError) as err:
        triton.infer("ppocr_det", {"x": np.zeros((1, 3, 64, 64), np.float32)})
    assert err.value.status == "StatusCode.NOT_FOUND"
    triton.call("load_model", "ppocr_det")
    assert triton.call("is_model_ready", "ppocr_det") is True
    with pytest.raises(TritonError) as err:
        triton.call("load_model", "broken")
    assert err.value.status == "StatusCode.INVALID_ARGUMENT"
    assert "version" in err.value.message
    with pytest.raises(TritonError) as err:
        triton.call("load_model", "not_in_repository")
    assert err.value.status == "StatusCode.NOT_FOUND"
    ready = triton.call("get_model_repository_index", as_json=True)["models"]
    assert "broken" not in {m["name"] for m in ready if m.get("state") == "READY"}


def test_concurrent_clients_are_batched_and_get_their_own_results(triton: TritonBridge) -> None:
    names = ["astronaut.png", "camera.png", "chelsea.png", "motorcycle_left.png"] * 2
    images = [frames(n) for n in names]
    alone = [triton.infer("yolox_unbatched", {"images": x})["output"] for x in images]
    before = stats(triton, "yolox_batching")
    results = triton.infer_concurrent([{"model": "yolox_batching", "inputs": {"images": x}} for x in images], 8)
    after = stats(triton, "yolox_batching")
    executions = int(after.get("execution_count", 0)) - int(before.get("execution_count", 0))
    assert int(after["inference_count"]) - int(before.get("inference_count", 0)) == 8
    assert executions < 8, "8 concurrent requests ran without batching"
    assert max(int(b["batch_size"]) for b in after["batch_stats"]) > 1
    for got, want in zip(results, alone, strict=True):
        assert not isinstance(got, TritonError), got
        np.testing.assert_allclose(got["output"], want, rtol=1e-4, atol=1e-4)


def test_full_queue_rejects_with_resource_exhausted(triton: TritonBridge, server: InferenceServer) -> None:
    x = frames("chelsea.png")
    results = triton.infer_concurrent([{"model": "yolox_tiny_queue", "inputs": {"images": x}}] * 24, 24)
    rejected = [r for r in results if isinstance(r, TritonError)]
    served = [r for r in results if not isinstance(r, TritonError)]
    assert rejected and served
    assert {r.status for r in rejected} == {"StatusCode.RESOURCE_EXHAUSTED"}
    assert "queue" in rejected[0].message
    assert server.metric("nv_inference_request_failure", model="yolox_tiny_queue", reason="REJECTED") == len(rejected)


def test_request_past_its_deadline_is_dropped(triton: TritonBridge, server: InferenceServer) -> None:
    with pytest.raises(TritonError) as err:
        triton.infer("yolox_long_wait", {"images": frames("camera.png")}, client_timeout=0.3)
    assert err.value.status == "StatusCode.DEADLINE_EXCEEDED"
    time.sleep(3.5)  # past the batcher's delay: the request would have run by now
    after = stats(triton, "yolox_long_wait")
    assert int(after.get("execution_count", 0)) == 0
    assert int(after["inference_stats"]["fail"]["count"]) == 1
    assert server.metric("nv_inference_request_failure", model="yolox_long_wait", reason="CANCELED") == 1


def test_queue_timeout_rejects(triton: TritonBridge) -> None:
    start = time.monotonic()
    with pytest.raises(TritonError) as err:
        triton.infer("yolox_slow_queue", {"images": frames("camera.png")})
    assert err.value.status == "StatusCode.UNAVAILABLE"
    assert "timeout" in err.value.message
    assert time.monotonic() - start < 2.5  # rejected at its timeout, not after the 3 s delay


def test_a_failing_batch_fails_every_caller_in_it(triton: TritonBridge) -> None:
    # The DB detector's feature pyramid needs sides that are multiples of 32:
    # on 40x40 onnxruntime fails the whole batch (an Add of mismatched shapes).
    tiny = np.zeros((1, 3, 40, 40), np.float32)
    results = triton.infer_concurrent([{"model": "ppocr_det_batching", "inputs": {"x": tiny}}] * 4, 4)
    assert all(isinstance(r, TritonError) for r in results)
    assert {r.status for r in results if isinstance(r, TritonError)} == {"StatusCode.INTERNAL"}
    stat = stats(triton, "ppocr_det_batching")
    assert int(stat.get("execution_count", 0)) == 0
    assert int(stat["inference_stats"]["fail"]["count"]) == 4
    # the model still serves good requests
    ok = triton.infer("ppocr_det_batching", {"x": np.zeros((1, 3, 64, 64), np.float32)})
    assert ok["sigmoid_0.tmp_0"].shape == (1, 1, 64, 64)


@pytest.mark.parametrize(
    ("model", "inputs", "outputs", "status", "words"),
    [
        ("yolox_nano", {"images": np.zeros((1, 3, 400, 416), np.float32)}, None, "INVALID_ARGUMENT", "shape"),
        ("yolox_nano", {"images": np.zeros((1, 3, 416, 416), np.float64)}, None, "INVALID_ARGUMENT", "FP64"),
        ("no_such_model", {"images": np.zeros((1, 3, 416, 416), np.float32)}, None, "NOT_FOUND", "unknown model"),
        ("yolox_nano", {"pictures": np.zeros((1, 3, 416, 416), np.float32)}, None, "INVALID_ARGUMENT", "pictures"),
        ("yolox_nano", {}, None, "INVALID_ARGUMENT", "missing"),
        ("yolox_nano", {"images": np.zeros((9, 3, 416, 416), np.float32)}, None, "INVALID_ARGUMENT", "<= 8"),
        ("yolox_nano", {"images": np.zeros((1, 3, 416, 416), np.float32)}, ["boxes"], "INVALID_ARGUMENT", "boxes"),
        ("yolox_nano", {"images": np.zeros((3, 416, 416), np.float32)}, None, "INVALID_ARGUMENT", "shape"),
    ],
    ids=["shape", "dtype", "unknown-model", "unknown-input", "missing-input", "oversize-batch", "bad-output", "rank"],
)
def test_bad_input_gets_a_clear_error(
    triton: TritonBridge, model: str, inputs: dict, outputs: list[str] | None, status: str, words: str
) -> None:
    with pytest.raises(TritonError) as err:
        triton.infer(model, inputs, outputs)
    assert err.value.status == f"StatusCode.{status}"
    assert words in err.value.message
    assert triton.call("is_server_live") is True


def test_metrics_use_triton_names(triton: TritonBridge, server: InferenceServer) -> None:
    triton.infer("yolox_nano", {"images": frames("camera.png")})
    text = server.metrics()
    for name in (
        "nv_inference_request_success",
        "nv_inference_request_failure",
        "nv_inference_count",
        "nv_inference_exec_count",
        "nv_inference_request_duration_us",
        "nv_inference_queue_duration_us",
        "nv_inference_compute_infer_duration_us",
        "vigil_inference_batch_size_bucket",
    ):
        assert f"\n{name}{{" in text, name
    assert server.metric("nv_inference_request_success", model="yolox_nano", version="1") >= 1
    assert server.metric("vigil_inference_batch_size_count", model="yolox_nano") >= 1


def test_the_contract_matches_tritonclients(tmp_path: Path) -> None:
    """Every message and field of our proto has tritonclient's name, number and type."""
    import json
    import subprocess
    import sys

    from google.protobuf import descriptor_pb2
    from inference import grpc_service_pb2, model_config_pb2

    dump = (
        "import json,sys\n"
        "from google.protobuf import descriptor_pb2, json_format\n"
        "from tritonclient.grpc import service_pb2, model_config_pb2\n"
        "out = {}\n"
        "for m in (service_pb2, model_config_pb2):\n"
        "    fd = descriptor_pb2.FileDescriptorProto(); m.DESCRIPTOR.CopyToProto(fd)\n"
        "    out[fd.name] = json_format.MessageToDict(fd)\n"
        "print(json.dumps(out))\n"
    )
    theirs = json.loads(subprocess.run([sys.executable, "-c", dump], capture_output=True, check=True).stdout)

    def fields(file: dict) -> dict[str, tuple]:
        found: dict[str, tuple] = {}

        def walk(messages: list, prefix: str) -> None:
            for m in messages:
                for f in m.get("field", []):
                    found[f"{prefix}{m['name']}.{f['name']}"] = (f["number"], f["type"], f.get("typeName", ""))
                walk(m.get("nestedType", []), f"{prefix}{m['name']}.")

        walk(file.get("messageType", []), "")
        return found

    from google.protobuf import json_format

    ours: dict[str, tuple] = {}
    for module in (grpc_service_pb2, model_config_pb2):
        fd = descriptor_pb2.FileDescriptorProto()
        module.DESCRIPTOR.CopyToProto(fd)
        ours |= fields(json_format.MessageToDict(fd))
    reference: dict[str, tuple] = {}
    for file in theirs.values():
        reference |= fields(file)
    assert len(ours) > 100
    for name, spec in ours.items():
        assert reference.get(name) == spec, name
    service = grpc_service_pb2.DESCRIPTOR.services_by_name["GRPCInferenceService"]
    assert service.full_name == "inference.GRPCInferenceService"
    their_methods = theirs["grpc_service.proto"]["service"][0]["method"]
    wanted = {m["name"]: (m["inputType"], m["outputType"]) for m in their_methods}
    for method in service.methods:
        assert wanted[method.name] == (f".{method.input_type.full_name}", f".{method.output_type.full_name}")
