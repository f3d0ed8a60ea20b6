"""The KServe v2 HTTP/REST front through NVIDIA's `tritonclient.http`
(unchanged) and plain HTTP: health, metadata, configuration, inference with
JSON tensors and with the binary-tensor extension (compared bit for bit with
the gRPC front's answer), shared memory, repository control, statistics,
trace and log settings, 429 on a full queue, Triton-style errors on malformed
requests.

tritonclient.http holds no protobuf messages, so it runs in the test process;
the gRPC side of the comparison runs in the bridge process as elsewhere."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import requests
import tritonclient.http as httpclient
import tritonclient.utils.shared_memory as shm
from tritonclient.utils import InferenceServerException

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
from tests.integration.test_inference_protocol import pair_model
from tests.triton_bridge import TritonBridge, TritonError

TINY_QUEUE = """platform: "onnxruntime_onnx"
max_batch_size: 1
dynamic_batching { max_queue_delay_microseconds: 0 default_queue_policy { max_queue_size: 1 } }
instance_group [ { count: 1 kind: KIND_CPU } ]
"""
IMAGE_BYTES = 3 * 416 * 416 * 4
OUTPUT_BYTES = 3549 * 85 * 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    tmp = tmp_path_factory.mktemp("http")
    repo = fresh_repository(tmp)
    source = model_repository()
    (repo / "yolox_nano").symlink_to(source / "yolox_nano")
    copy_model(repo, "yolox_nano", "yolox_unbatched", UNBATCHED)
    copy_model(repo, "yolox_nano", "yolox_tiny_queue", TINY_QUEUE)
    pair_model(repo / "pair" / "1" / "model.onnx")
    with inference_server(repo, tmp, load="*") as running:
        yield running


@pytest.fixture(scope="module")
def client(server: InferenceServer) -> Iterator[httpclient.InferenceServerClient]:
    c = httpclient.InferenceServerClient(server.http_url)
    yield c
    c.close()


@pytest.fixture(scope="module")
def grpc_triton(server: InferenceServer) -> Iterator[TritonBridge]:
    with TritonBridge(server.target) as bridge:
        yield bridge


@pytest.fixture(scope="module")
def http(server: InferenceServer) -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def image(name: str = "chelsea.png") -> np.ndarray:
    return yolox.preprocess(picture(name))[0][None]


def tensor(name: str, array: np.ndarray, *, binary: bool = True) -> httpclient.InferInput:
    t = httpclient.InferInput(name, list(array.shape), "FP32" if array.dtype == np.float32 else "UINT8")
    t.set_data_from_numpy(array, binary_data=binary)
    return t


def test_health_and_metadata(client: httpclient.InferenceServerClient) -> None:
    assert client.is_server_live() is True
    assert client.is_server_ready() is True
    meta = client.get_server_metadata()
    assert meta["name"] == "vigil-inference"
    assert {"model_repository", "statistics", "system_shared_memory", "logging"} <= set(meta["extensions"])
    model = client.get_model_metadata("yolox_nano")
    assert model["versions"] == ["1"] and model["platform"] == "onnxruntime_onnx"
    assert model["inputs"] == [{"name": "images", "datatype": "FP32", "shape": [-1, 3, 416, 416]}]
    assert client.get_model_metadata("yolox_nano", "1") == model
    assert client.is_model_ready("yolox_nano") is True
    assert client.is_model_ready("yolox_nano", "2") is False
    assert client.is_model_ready("no_such_model") is False


def test_config_prints_numbers_as_triton_does(client: httpclient.InferenceServerClient) -> None:
    config = client.get_model_config("yolox_nano")
    assert config["name"] == "yolox_nano"
    assert config["max_batch_size"] == 8
    assert config["dynamic_batching"]["default_queue_policy"]["max_queue_size"] == 64
    assert config["input"][0]["dims"] == [3, 416, 416]
    assert config["instance_group"][0]["kind"] == "KIND_CPU"


def test_binary_tensors_match_the_grpc_answer_bit_for_bit(
    client: httpclient.InferenceServerClient, grpc_triton: TritonBridge
) -> None:
    x = image()
    result = client.infer("yolox_unbatched", [tensor("images", x)], request_id="cat-1")
    assert result.get_response()["id"] == "cat-1"
    assert result.get_response()["model_version"] == "1"
    got = result.as_numpy("output")
    want = grpc_triton.infer("yolox_unbatched", {"images": x})["output"]
    assert got.shape == (1, 3549, 85) and got.dtype == np.float32
    assert got.tobytes() == want.tobytes()
    for algorithm in ("gzip", "deflate"):  # compressed requests and responses
        again = client.infer(
            "yolox_unbatched",
            [tensor("images", x)],
            request_compression_algorithm=algorithm,
            response_compression_algorithm=algorithm,
        )
        assert again.as_numpy("output").tobytes() == want.tobytes()
    scale = yolox.preprocess(picture("chelsea.png"))[1]
    assert "cat" in {d.label for d in yolox.decode(got[0], scale, score_threshold=0.6)}


def test_json_tensors_match_the_grpc_answer_bit_for_bit(
    client: httpclient.InferenceServerClient, grpc_triton: TritonBridge
) -> None:
    x = image("astronaut.png")
    outputs = [httpclient.InferRequestedOutput("output", binary_data=False)]
    got = client.infer("yolox_unbatched", [tensor("images", x)], outputs=outputs).as_numpy("output")
    want = grpc_triton.infer("yolox_unbatched", {"images": x})["output"]
    assert got.astype(np.float32).tobytes() == want.tobytes()
    a = np.arange(8, dtype=np.float32).reshape(2, 4) / 3
    b = np.full((2, 4), 0.25, dtype=np.float32)
    result = client.infer(
        "pair",
        [tensor("A", a, binary=False), tensor("B", b)],
        outputs=[
            httpclient.InferRequestedOutput("SUM", binary_data=False),
            httpclient.InferRequestedOutput("DIFF", binary_data=True),
        ],
    )
    assert result.as_numpy("SUM").astype(np.float32).tobytes() == (a + b).tobytes()
    assert result.as_numpy("DIFF").tobytes() == (a - b).tobytes()
    plain = grpc_triton.infer("pair", {"A": a, "B": b})
    assert result.as_numpy("DIFF").tobytes() == plain["DIFF"].tobytes()


def test_shared_memory_over_http(client: httpclient.InferenceServerClient) -> None:
    name = f"vigil-http-{uuid.uuid4().hex[:8]}"
    handle = shm.create_shared_memory_region(name, f"/{name}", IMAGE_BYTES + OUTPUT_BYTES)
    try:
        x = image("camera.png")
        shm.set_shared_memory_region(handle, [x])
        client.register_system_shared_memory(name, f"/{name}", IMAGE_BYTES + OUTPUT_BYTES)
        assert client.get_system_shared_memory_status(name) == [
            {"name": name, "key": f"/{name}", "offset": 0, "byte_size": IMAGE_BYTES + OUTPUT_BYTES}
        ]
        images = httpclient.InferInput("images", [1, 3, 416, 416], "FP32")
        images.set_shared_memory(name, IMAGE_BYTES)
        output = httpclient.InferRequestedOutput("output")
        output.set_shared_memory(name, OUTPUT_BYTES, offset=IMAGE_BYTES)
        result = client.infer("yolox_unbatched", [images], outputs=[output])
        placed = result.get_output("output")  # in the region, not in the body
        assert "data" not in placed and placed["parameters"]["shared_memory_region"] == name
        through = shm.get_contents_as_numpy(handle, np.float32, [1, 3549, 85], offset=IMAGE_BYTES)
        plain = client.infer("yolox_unbatched", [tensor("images", x)]).as_numpy("output")
        assert through.tobytes() == plain.tobytes()
        output.set_shared_memory(name, 16, offset=IMAGE_BYTES)
        with pytest.raises(InferenceServerException) as err:
            client.infer("yolox_unbatched", [images], outputs=[output])
        assert err.value.status() == "400" and "at least" in err.value.message()
        client.unregister_system_shared_memory(name)
        assert client.get_system_shared_memory_status() == []
        with pytest.raises(InferenceServerException) as err:
            client.infer("yolox_unbatched", [images])
        assert err.value.status() == "400" and "Unable to find shared memory region" in err.value.message()
        assert client.get_cuda_shared_memory_status() == []
    finally:
        client.unregister_system_shared_memory()
        shm.destroy_shared_memory_region(handle)


def test_repository_statistics_trace_and_log_settings(client: httpclient.InferenceServerClient) -> None:
    index = {m["name"]: m for m in client.get_model_repository_index()}
    assert index["pair"]["state"] == "READY"
    client.unload_model("pair")
    assert client.is_model_ready("pair") is False
    with pytest.raises(InferenceServerException) as err:
        client.get_model_metadata("pair")
    assert err.value.status() == "404"
    client.load_model("pair")
    assert client.is_model_ready("pair") is True
    with pytest.raises(InferenceServerException) as err:
        client.load_model("not_in_repository")
    assert err.value.status() == "404"
    client.infer("pair", [tensor("A", np.ones((1, 4), np.float32)), tensor("B", np.ones((1, 4), np.float32))])
    stats = client.get_inference_statistics("pair")["model_stats"][0]
    assert stats["name"] == "pair" and stats["inference_stats"]["success"]["count"] >= 1
    assert {s["name"] for s in client.get_inference_statistics()["model_stats"]} >= {"pair", "yolox_nano"}
    assert client.update_trace_settings(settings={"trace_rate": "10"})["trace_rate"] == "10"
    assert client.get_trace_settings(model_name="pair")["trace_level"] == ["OFF"]
    assert client.update_log_settings({"log_verbose_level": 1})["log_verbose_level"] == 1
    assert client.update_log_settings({"log_verbose_level": 0})["log_verbose_level"] == 0
    with pytest.raises(InferenceServerException) as err:
        client.update_log_settings({"log_file": "/tmp/elsewhere.log"})
    assert err.value.status() == "400"


def test_full_queue_answers_429(server: InferenceServer) -> None:
    x = image()

    def one(_: int) -> str:
        c = httpclient.InferenceServerClient(server.http_url)
        try:
            c.infer("yolox_tiny_queue", [tensor("images", x)])
            return "ok"
        except InferenceServerException as exc:
            return f"{exc.status()} {exc.message()}"
        finally:
            c.close()

    with ThreadPoolExecutor(24) as pool:
        results = list(pool.map(one, range(24)))
    rejected = [r for r in results if r != "ok"]
    assert rejected and len(rejected) < len(results)
    assert all(r.startswith("429 ") and "queue" in r for r in rejected), rejected


def _post(http: requests.Session, server: InferenceServer, path: str, body: bytes, **headers: str) -> requests.Response:
    return http.post(f"http://{server.http_url}{path}", data=body, headers=headers, timeout=30)


def _pair_body(**extra: object) -> dict:
    return {
        "inputs": [
            {"name": "A", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]},
            {"name": "B", "datatype": "FP32", "shape": [1, 4], "data": [[0.5, 0.5, 0.5, 0.5]]},
        ],
        **extra,
    }


@pytest.mark.parametrize(
    ("body", "headers", "status", "fragment"),
    [
        (b"{not json", {}, 400, "parse"),
        (b"[1, 2]", {}, 400, "JSON object"),
        (json.dumps({"inputs": "A"}).encode(), {}, 400, "inputs"),
        (
            json.dumps({"inputs": [{"name": "A", "datatype": "FP32", "shape": [1, 4], "data": [1, 2]}]}).encode(),
            {},
            400,
            "elements",
        ),
        (
            json.dumps({"inputs": [{"name": "A", "datatype": "FP32", "shape": [1, 4], "data": ["x"] * 4}]}).encode(),
            {},
            400,
            "numbers",
        ),
        (
            json.dumps({"inputs": [{"name": "A", "datatype": "FP99", "shape": [1, 4], "data": [1] * 4}]}).encode(),
            {},
            400,
            "data type",
        ),
        (json.dumps(_pair_body()).encode(), {"Inference-Header-Content-Length": "100000"}, 400, "length"),
        (json.dumps(_pair_body()).encode() + b"\0" * 8, {"Inference-Header-Content-Length": "-"}, 400, "length"),
    ],
)
def test_malformed_requests_are_triton_style_400(
    http: requests.Session, server: InferenceServer, body: bytes, headers: dict, status: int, fragment: str
) -> None:
    reply = _post(http, server, "/v2/models/pair/infer", body, **headers)
    assert reply.status_code == status
    assert fragment in reply.json()["error"]


def test_binary_sizes_must_account_for_every_byte(http: requests.Session, server: InferenceServer) -> None:
    header = {
        "inputs": [
            {"name": "A", "datatype": "FP32", "shape": [1, 4], "parameters": {"binary_data_size": 16}},
            {"name": "B", "datatype": "FP32", "shape": [1, 4], "parameters": {"binary_data_size": 16}},
        ],
        "outputs": [{"name": "SUM", "parameters": {"binary_data": True}}, {"name": "DIFF"}],
    }
    head = json.dumps(header).encode()
    a, b = np.arange(4, dtype=np.float32), np.ones(4, dtype=np.float32)
    length = {"Inference-Header-Content-Length": str(len(head))}
    ok = _post(http, server, "/v2/models/pair/infer", head + a.tobytes() + b.tobytes(), **length)
    assert ok.status_code == 200, ok.text
    assert ok.headers["Content-Encoding"] in {"gzip", "deflate"}  # requests accepts both
    size = int(ok.headers["Inference-Header-Content-Length"])
    reply = json.loads(ok.content[:size])
    assert reply["outputs"][0]["parameters"]["binary_data_size"] == 16
    assert np.frombuffer(ok.content[size:], np.float32).tolist() == (a + b).tolist()
    assert reply["outputs"][1]["data"] == (a - b).tolist()
    short = _post(http, server, "/v2/models/pair/infer", head + a.tobytes(), **length)
    assert short.status_code == 400 and "binary data size" in short.json()["error"]
    extra = _post(http, server, "/v2/models/pair/infer", head + a.tobytes() * 3, **length)
    assert extra.status_code == 400 and "additional input data" in extra.json()["error"]


def test_sequence_requests_are_refused_as_triton_does_for_a_model_without_sequence_batching(
    client: httpclient.InferenceServerClient, grpc_triton: TritonBridge
) -> None:
    ones = np.ones((1, 4), np.float32)
    with pytest.raises(InferenceServerException) as err:
        client.infer("pair", [tensor("A", ones), tensor("B", ones)], sequence_id=7, sequence_start=True)
    assert err.value.status() == "400" and "sequence" in err.value.message()
    with pytest.raises(TritonError) as grpc_err:
        grpc_triton.infer("pair", {"A": ones, "B": ones}, sequence_id=7)
    assert grpc_err.value.status == "StatusCode.INVALID_ARGUMENT" and "sequence" in grpc_err.value.message


def test_unknown_models_and_routes(http: requests.Session, server: InferenceServer) -> None:
    reply = _post(http, server, "/v2/models/nope/infer", json.dumps(_pair_body()).encode())
    assert reply.status_code == 404 and "unknown model" in reply.json()["error"]
    reply = http.get(f"http://{server.http_url}/v2/nothing/here", timeout=30)
    assert reply.status_code == 404 and "error" in reply.json()
    reply = http.delete(f"http://{server.http_url}/v2/models/pair/infer", timeout=30)
    assert reply.status_code == 405 and "error" in reply.json()
    reply = _post(http, server, "/v2/models/pair/infer", json.dumps(_pair_body(outputs=[{"name": "NOPE"}])).encode())
    assert reply.status_code == 400 and "NOPE" in reply.json()["error"]
