"""The analytics side through the inference service: Vigil's async client,
the detectors on real pictures, and short videos (made with PyAV from the
pictures) decoded frame by frame and run through the detector: what is on
screen in each scene is found there, and not elsewhere."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from inference import grpc_service_pb2 as pb

from services.inference_client import InferenceClient, InferenceError
from services.vision import detectors, ocr, sface
from tests.inference_support import (
    InferenceServer,
    decode_video,
    inference_server,
    make_video,
    model_repository,
    picture,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InferenceServer]:
    with inference_server(model_repository(), tmp_path_factory.mktemp("inference")) as running:
        yield running


async def test_metadata_and_readiness(server: InferenceServer) -> None:
    async with InferenceClient(server.target) as client:
        assert await client.server_ready()
        meta = await client.model_metadata("sface")
        assert meta.inputs[0].shape == (-1, 3, 112, 112)
        assert meta.outputs[0].name == "fc1"
        assert not await client.model_ready("nope")
        with pytest.raises(InferenceError) as err:
            await client.model_metadata("nope")
        assert err.value.code == grpc.StatusCode.NOT_FOUND


async def test_objects_faces_and_identities(server: InferenceServer) -> None:
    async with InferenceClient(server.target) as client:
        found = await detectors.detect_objects(client, picture("motorcycle_left.png"), score_threshold=0.6)
        assert "motorcycle" in {d.label for d in found}
        # The default uint8-input model finds exactly what the FP32 one does.
        fp32 = await detectors.detect_objects(
            client, picture("motorcycle_left.png"), score_threshold=0.6, model="yolox_nano"
        )
        assert found == fp32
        astronaut = picture("astronaut.png")
        faces = await detectors.detect_faces(client, astronaut)
        assert len(faces) == 1
        assert await detectors.detect_faces(client, picture("chelsea.png")) == []
        camera = picture("camera.png")
        other = await detectors.detect_faces(client, camera)
        flipped = np.ascontiguousarray(astronaut[:, ::-1])
        again = await detectors.detect_faces(client, flipped)
        (a,) = await detectors.embed_faces(client, astronaut, faces)
        (b,) = await detectors.embed_faces(client, flipped, again)
        (c,) = await detectors.embed_faces(client, camera, other)
        assert sface.cosine(a, b) > sface.SAME_PERSON
        assert sface.cosine(a, c) < sface.SAME_PERSON


async def test_reads_text(server: InferenceServer) -> None:
    chars = ocr.load_dictionary(model_repository() / "ppocr_rec" / "ppocr_keys.txt")
    async with InferenceClient(server.target) as client:
        lines = await detectors.read_text(client, picture("page.png"), chars)
    texts = [line.text for _, line in lines]
    assert texts[0] == "Region-based segmentation"
    assert any("background" in t for t in texts)


async def test_bad_request_is_an_error_not_a_crash(server: InferenceServer) -> None:
    async with InferenceClient(server.target) as client:
        with pytest.raises(InferenceError) as err:
            await client.infer("yolox_nano", {"images": np.zeros((1, 3, 32, 32), np.float32)})
        assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert await client.server_ready()


async def test_video_scenes_are_found_in_their_frames(server: InferenceServer, tmp_path: Path) -> None:
    """A 3-scene clip (cat, motorcycle, astronaut); every frame goes through
    the service concurrently (so the batcher batches), and each scene's
    subject is found in its own frames only."""
    scenes = [("chelsea.png", "cat"), ("motorcycle_left.png", "motorcycle"), ("astronaut.png", "person")]
    clip = make_video(tmp_path / "clip.mp4", [(picture(name), 6) for name, _ in scenes])
    frames = decode_video(clip)
    assert len(frames) == 18
    async with InferenceClient(server.target) as client:
        found = await asyncio.gather(*(detectors.detect_objects(client, f, score_threshold=0.5) for f in frames))
    for index, detections in enumerate(found):
        labels = {d.label for d in detections}
        subject = scenes[index // 6][1]
        assert subject in labels, (index, labels)
        others = {s for _, s in scenes} - {subject, "person"}
        assert not labels & others, (index, labels)


async def test_local_client_sends_tensors_through_shared_memory(server: InferenceServer) -> None:
    """On a loopback target the client registers its own regions and gets
    the same bytes back as a client sending plain tensors."""
    from services.vision import yolox

    batch = np.stack([yolox.preprocess(picture(n))[0] for n in ("chelsea.png", "camera.png")])
    async with InferenceClient(server.target, shared_memory=False) as plain:
        want = await plain.infer("yolox_nano", {"images": batch})
        regions = await plain._call("SystemSharedMemoryStatus", pb.SystemSharedMemoryStatusRequest())
        assert not plain.uses_shared_memory and len(regions.regions) == 0  # type: ignore[attr-defined]
    async with InferenceClient(server.target) as client:
        got = await asyncio.gather(*(client.infer("yolox_nano", {"images": batch}) for _ in range(3)))
        assert client.uses_shared_memory
        status = await client._call("SystemSharedMemoryStatus", pb.SystemSharedMemoryStatusRequest())
        names = list(status.regions)  # type: ignore[attr-defined]
        assert names and all(n.startswith("vigil-client-") for n in names)
        ocr = await client.infer("ppocr_det", {"x": np.zeros((1, 3, 64, 96), np.float32)})  # output size unknown ahead
        assert ocr["sigmoid_0.tmp_0"].shape == (1, 1, 64, 96)
    for result in got:
        assert result["output"].tobytes() == want["output"].tobytes()
    async with InferenceClient(server.target, shared_memory=False) as after:
        status = await after._call("SystemSharedMemoryStatus", pb.SystemSharedMemoryStatusRequest())
        assert len(status.regions) == 0  # type: ignore[attr-defined]  # unregistered on close
    leftovers = [n for n in os.listdir("/dev/shm") if n.startswith(f"vigil-client-{os.getpid()}-")]
    assert leftovers == []
