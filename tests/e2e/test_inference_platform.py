"""The one-command platform starts the inference service (gRPC on 8001, HTTP
on 8000 by default) with the fetched model repository, and it serves real
detections."""

from __future__ import annotations

import asyncio
import json
import urllib.request

from services.analytics import detectors
from services.analytics.inference_client import InferenceClient
from tests.inference_support import model_repository, picture


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return str(reply.read().decode())


async def test_platform_serves_the_models(platform) -> None:
    model_repository()
    async with InferenceClient(platform.grpc_target("inference")) as client:
        assert await client.server_ready()
        for model in ("yolox_nano", "yolox_nano_u8", "yunet", "sface", "ppocr_det", "ppocr_rec", "ppocr_cls"):
            assert await client.model_ready(model), model
        found = await detectors.detect_objects(client, picture("chelsea.png"), score_threshold=0.6)
    assert [d.label for d in found] == ["cat"]
    url = f"http://127.0.0.1:{platform.env['VIGIL_INFERENCE_METRICS_PORT']}/metrics"
    text = await asyncio.to_thread(_get, url)
    assert 'nv_inference_request_success{model="yolox_nano_u8",version="1"} 1' in text
    http = f"http://127.0.0.1:{platform.env['VIGIL_INFERENCE_HTTP_PORT']}"
    meta = json.loads(await asyncio.to_thread(_get, f"{http}/v2/models/yolox_nano"))
    assert meta["inputs"] == [{"name": "images", "datatype": "FP32", "shape": [-1, 3, 416, 416]}]
    assert await asyncio.to_thread(_get, f"{http}/v2/health/ready") == ""
