"""Overload: far more concurrent requests than a model can hold. A model whose
configuration sets no `max_queue_size` gets the default bound
(`VIGIL_INFERENCE_MAX_QUEUE_SIZE`, 2 here); the requests past it are rejected
at once with RESOURCE_EXHAUSTED on gRPC and 429 on HTTP, the rest are served,
nothing is lost and the queue drains. Counts and statuses only, no timings."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import tritonclient.http as httpclient
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
from tests.triton_bridge import TritonBridge, TritonError

BURST = 32


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    tmp = tmp_path_factory.mktemp("overload")
    repo = fresh_repository(tmp)
    model_repository()
    # No dynamic batching, so no queue policy: the default bound applies.
    copy_model(repo, "yolox_nano", "yolox_plain", UNBATCHED)
    with inference_server(repo, tmp, env={"VIGIL_INFERENCE_MAX_QUEUE_SIZE": "2"}) as running:
        yield running


@pytest.fixture(scope="module")
def triton(server: InferenceServer) -> Iterator[TritonBridge]:
    with TritonBridge(server.target) as bridge:
        yield bridge


def frame() -> np.ndarray:
    return yolox.preprocess(picture("chelsea.png"))[0][None]


def failures(triton: TritonBridge) -> tuple[int, int]:
    """(count, ns) of the model's failed requests."""
    stats = triton.call("get_inference_statistics", "yolox_plain", as_json=True)["model_stats"][0]
    fail = stats["inference_stats"].get("fail", {})
    return int(fail.get("count", 0)), int(fail.get("ns", 0))


def test_grpc_burst_is_bounded_and_the_excess_rejected_at_once(triton: TritonBridge, server: InferenceServer) -> None:
    x = frame()
    results = triton.infer_concurrent([{"model": "yolox_plain", "inputs": {"images": x}}] * BURST, BURST)
    rejected = [r for r in results if isinstance(r, TritonError)]
    served = [r for r in results if not isinstance(r, TritonError)]
    assert rejected and served and len(rejected) + len(served) == BURST
    assert {r.status for r in rejected} == {"StatusCode.RESOURCE_EXHAUSTED"}
    assert all("maximum queue size (2)" in r.message for r in rejected)
    count, ns = failures(triton)
    assert count == len(rejected)
    assert ns == 0  # rejected before queueing: no time spent in the server
    assert server.metric("nv_inference_request_failure", model="yolox_plain", reason="REJECTED") == len(rejected)
    assert server.metric("nv_inference_pending_request_count", model="yolox_plain") == 0
    want = triton.infer("yolox_plain", {"images": x})["output"]
    assert all(r["output"].tobytes() == want.tobytes() for r in served)  # type: ignore[index]


def test_http_burst_gets_429(server: InferenceServer, triton: TritonBridge) -> None:
    x = frame()
    before, _ = failures(triton)

    def one(_: int) -> str:
        client = httpclient.InferenceServerClient(server.http_url)
        try:
            t = httpclient.InferInput("images", list(x.shape), "FP32")
            t.set_data_from_numpy(x)
            client.infer("yolox_plain", [t])
            return "ok"
        except InferenceServerException as exc:
            return str(exc.status())
        finally:
            client.close()

    with ThreadPoolExecutor(BURST) as pool:
        results = list(pool.map(one, range(BURST)))
    rejected = [r for r in results if r != "ok"]
    assert rejected and len(rejected) < BURST
    assert set(rejected) == {"429"}
    after, _ = failures(triton)
    assert after - before == len(rejected)
    assert server.metric("nv_inference_pending_request_count", model="yolox_plain") == 0
