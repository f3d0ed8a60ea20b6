"""The one-command platform starts the inference service (port 8001 by
default) with the fetched model repository, and it serves real detections."""

from __future__ import annotations

import httpx

from services.analytics import detectors
from services.analytics.inference_client import InferenceClient
from tests.inference_support import model_repository, picture


async def test_platform_serves_the_models(platform) -> None:
    model_repository()
    async with InferenceClient(platform.grpc_target("inference")) as client:
        assert await client.server_ready()
        for model in ("yolox_nano", "yunet", "sface", "ppocr_det", "ppocr_rec", "ppocr_cls"):
            assert await client.model_ready(model), model
        found = await detectors.detect_objects(client, picture("chelsea.png"), score_threshold=0.6)
    assert [d.label for d in found] == ["cat"]
    url = f"http://127.0.0.1:{platform.env['VIGIL_INFERENCE_METRICS_PORT']}/metrics"
    async with httpx.AsyncClient(timeout=30) as metrics:
        reply = await metrics.get(url)
    assert reply.status_code == 200
    text = reply.text
    assert 'nv_inference_request_success{model="yolox_nano",version="1"} 1' in text
