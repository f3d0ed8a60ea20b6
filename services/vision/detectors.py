"""The served models as the analytics use them: pictures in, findings out.

Each function pre-processes with the plain functions of `vision`, calls the
inference service (one request per picture, so the service's dynamic batcher
can batch across callers) and decodes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from services.inference_client import InferenceClient
from services.vision import ocr, sface, yolox, yunet
from services.vision.image import letterbox, to_rgb
from services.vision.models import PPOCR_DET, PPOCR_REC, SFACE, YOLOX_NANO, YOLOX_NANO_U8, YUNET

#: The object detector used by default: YOLOX-Nano with a uint8 input.
OBJECT_MODEL = YOLOX_NANO_U8.name


async def detect_objects(
    client: InferenceClient, image: np.ndarray, *, score_threshold: float = 0.3, model: str = OBJECT_MODEL
) -> list[yolox.Detection]:
    """COCO objects in one RGB picture. A YOLOX model with a UINT8 input gets
    the letterboxed frame (HWC RGB); one with an FP32 input the float BGR CHW
    tensor."""
    image = to_rgb(image)
    meta = await client.cached_metadata(model)
    if meta.inputs and meta.inputs[0].datatype == "UINT8":
        boxed = letterbox(image, yolox.INPUT_SIZE, yolox.INPUT_SIZE, pad=yolox.PAD)
        x, scale = boxed.image, boxed.scale
    else:
        x, scale = yolox.preprocess(image)
    out = await client.infer(model, {YOLOX_NANO.input: x[None]})
    return yolox.decode(out[YOLOX_NANO.output][0], scale, score_threshold=score_threshold, shape=image.shape[:2])


async def detect_faces(
    client: InferenceClient, image: np.ndarray, *, score_threshold: float = 0.6, model: str = YUNET.name
) -> list[yunet.Face]:
    """Faces (with landmarks) in one RGB picture."""
    image = to_rgb(image)
    x, scale = yunet.preprocess(image)
    out = await client.infer(model, {YUNET.input: x[None]}, YUNET.outputs)
    return yunet.decode({k: v[0] for k, v in out.items()}, scale, score_threshold=score_threshold)


async def embed_faces(
    client: InferenceClient, image: np.ndarray, faces: Sequence[yunet.Face], *, model: str = SFACE.name
) -> list[np.ndarray]:
    """One normalised 128-float embedding per face."""
    image = to_rgb(image)

    async def one(face: yunet.Face) -> np.ndarray:
        x = sface.preprocess(sface.align(image, face.landmarks))
        out = await client.infer(model, {SFACE.input: x[None]})
        return sface.normalise(out[SFACE.output][0])

    return list(await asyncio.gather(*(one(f) for f in faces)))


async def embed_aligned(client: InferenceClient, aligned: np.ndarray, *, model: str = SFACE.name) -> np.ndarray:
    """The normalised 128-float embedding of one face already aligned
    (`sface.align`: 112x112 RGB)."""
    out = await client.infer(model, {SFACE.input: sface.preprocess(aligned)[None]})
    return sface.normalise(out[SFACE.output][0])


async def read_text(
    client: InferenceClient,
    image: np.ndarray,
    characters: list[str],
    *,
    det_model: str = PPOCR_DET.name,
    rec_model: str = PPOCR_REC.name,
) -> list[tuple[ocr.TextBox, ocr.TextLine]]:
    """Text lines in one RGB picture, top to bottom."""
    image = to_rgb(image)
    x, sx, sy = ocr.det_preprocess(image)
    prob = (await client.infer(det_model, {PPOCR_DET.input: x[None]}))[PPOCR_DET.output][0, 0]
    boxes = ocr.det_decode(prob, sx, sy, image.shape[:2])

    async def one(box: ocr.TextBox) -> ocr.TextLine:
        line = ocr.rec_preprocess(ocr.crop(image, box))
        scores = (await client.infer(rec_model, {PPOCR_REC.input: line[None]}))[PPOCR_REC.output][0]
        return ocr.ctc_decode(scores, characters)

    lines = await asyncio.gather(*(one(b) for b in boxes))
    return list(zip(boxes, lines, strict=True))


class ServedTextModels:
    """PP-OCRv4 detection and recognition through the inference service (the
    `TextModels` a plate reader takes): one request per picture or line."""

    def __init__(self, client: InferenceClient, *, det_model: str = PPOCR_DET.name, rec_model: str = PPOCR_REC.name):
        self._client = client
        self._det = det_model
        self._rec = rec_model

    async def detect(self, x: np.ndarray) -> np.ndarray:
        """3xHxW float32 -> HxW text probabilities."""
        return np.asarray((await self._client.infer(self._det, {PPOCR_DET.input: x[None]}))[PPOCR_DET.output][0, 0])

    async def recognise(self, x: np.ndarray) -> np.ndarray:
        """3x48xW float32 -> T x classes scores."""
        return np.asarray((await self._client.infer(self._rec, {PPOCR_REC.input: x[None]}))[PPOCR_REC.output][0])
