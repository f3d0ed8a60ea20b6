"""The one-command platform starts the inference service (gRPC on 8001, HTTP
on 8000 by default) with the fetched model repository, and it serves real
detections."""

from __future__ import annotations

import httpx

from services.inference_client import InferenceClient
from services.vision import detectors
from tests.inference_support import model_repository, picture


async def test_platform_serves_the_models(platform) -> None:
    model_repository()
    async with InferenceClient(platform.grpc_target("inference")) as client:
        assert await client.server_ready()
        for model in ("yolox_nano", "yolox_nano_u8", "yunet", "sface", "ppocr_det", "ppocr_rec", "ppocr_cls"):
            assert await client.model_ready(model), model
        found = await detectors.detect_objects(client, picture("chelsea.png"), score_threshold=0.6)
    assert [d.label for d in found] == ["cat"]
    url = f"http://127.0.0.1:{platform.env['VIGIL_INFERENCE_METRICS_PORT']}/metrics"
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.get(url)
        assert reply.status_code == 200
        assert 'nv_inference_request_success{model="yolox_nano_u8",version="1"} 1' in reply.text
        http = f"http://127.0.0.1:{platform.env['VIGIL_INFERENCE_HTTP_PORT']}"
        meta = (await client.get(f"{http}/v2/models/yolox_nano")).json()
        assert meta["inputs"] == [{"name": "images", "datatype": "FP32", "shape": [-1, 3, 416, 416]}]
        ready = await client.get(f"{http}/v2/health/ready")
        assert (ready.status_code, ready.text) == (200, "")
