"""The classification pipeline: a video file in, its specs and verdict out.

Decoding runs in a thread (`video.decode`) and hands each analysed frame over
as soon as it is made; the event loop gathers them into batches of
`batch_size` (the detector's max_batch_size; the last batch of a video may
be smaller) and sends each to the inference service while the thread
decodes on, with at most two batches in flight. So decoding and inference
overlap, the inference service sees full batches (as many requests and as
large as when the frames are all decoded first), and a slow model holds the
decoder back (the hand-over queue is bounded) instead of frames piling up. Frames chosen for text detection go to
PP-OCR's detector in the same step. Decoding the models' outputs (YOLOX
grids and NMS, the DB text map) runs in a thread too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np

from services.classification import errors, video
from services.classification.analysis import FrameFindings, Thresholds, Verdict, verdict
from services.classification.errors import gaard_error
from services.classification.video import SampledFrame, SamplingPlan, Specs
from services.inference_client import InferenceClient, InferenceError
from services.media.handoff import Handoff
from services.vision import ocr, yolox
from services.vision.models import PPOCR_DET, YOLOX_NANO

log = logging.getLogger(__name__)

DETECTOR = YOLOX_NANO.name
TEXT_DETECTOR = PPOCR_DET.name
#: Detections below this score are not evidence of anything.
DETECTION_THRESHOLD = 0.1
#: Batches sent to the inference service and not answered yet, per video.
IN_FLIGHT = 2


@dataclass(frozen=True)
class ClassifierConfig:
    """How videos are sampled, batched and judged."""

    plan: SamplingPlan
    batch_size: int
    thresholds: Thresholds
    inference_wait_seconds: float


@dataclass(frozen=True)
class Outcome:
    """A classified video: what it is, what was found, which models found it."""

    specs: Specs
    verdict: Verdict
    model: str
    version: str


class VideoClassifier:
    """Classifies video files through the inference service."""

    def __init__(self, client: InferenceClient, config: ClassifierConfig) -> None:
        self._client = client
        self._config = config
        self._models: tuple[str, str] | None = None

    @property
    def config(self) -> ClassifierConfig:
        return self._config

    def _model_names(self) -> list[str]:
        return [DETECTOR, TEXT_DETECTOR] if self._config.plan.text_frames > 0 else [DETECTOR]

    async def models(self) -> tuple[str, str]:
        """(`model`, `version`) of a result: the models used, joined by `+`,
        and the versions the inference service serves, in the same order.
        Waits up to `inference_wait_seconds` for the service to be ready."""
        if self._models is not None:
            return self._models
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._config.inference_wait_seconds
        while True:
            try:
                versions = []
                for name in self._model_names():
                    if not await self._client.model_ready(name):
                        raise InferenceError(grpc.StatusCode.UNAVAILABLE, f"model {name} is not ready")
                    meta = await self._client.model_metadata(name)
                    versions.append(max(meta.versions, key=lambda v: (len(v), v)) if meta.versions else "")
                self._models = ("+".join(self._model_names()), "+".join(versions))
                return self._models
            except InferenceError as exc:
                if loop.time() >= deadline:
                    raise gaard_error(errors.INFERENCE_FAILED, f"the inference service is not ready ({exc})") from None
                await asyncio.sleep(0.5)

    async def classify(self, path: Path) -> Outcome:
        """Decode, sample and analyse one video file. Raises the Gaard errors
        of `video.decode`, and INFERENCE_FAILED."""
        model, version = await self.models()
        handoff: Handoff[SampledFrame] = Handoff(maxsize=2 * self._config.batch_size)
        decoding = asyncio.ensure_future(asyncio.to_thread(video.decode, str(path), self._config.plan, handoff.put))

        async def batches() -> AsyncIterator[list[SampledFrame]]:
            while batch := await handoff.batch(self._config.batch_size, decoding):
                yield batch

        try:
            findings = await self._consume(batches())
            specs = await decoding
        except BaseException:
            handoff.stop()
            await asyncio.gather(decoding, return_exceptions=True)
            raise
        return Outcome(specs, self.judge(findings), model, version)

    def judge(self, findings: Sequence[FrameFindings]) -> Verdict:
        """The verdict on a clip's frames, in order."""
        return verdict(findings, self._config.thresholds, text_judged=self._config.plan.text_frames > 0)

    async def analyse(self, frames: Sequence[SampledFrame]) -> list[FrameFindings]:
        """Inference alone: frames already decoded, in batches of
        `batch_size` with the same number in flight as `classify` (the
        benchmark's "inference alone")."""
        size = self._config.batch_size

        async def batches() -> AsyncIterator[list[SampledFrame]]:
            for start in range(0, len(frames), size):
                yield list(frames[start : start + size])

        return await self._consume(batches())

    async def _consume(self, batches: AsyncIterator[list[SampledFrame]]) -> list[FrameFindings]:
        """Send each batch to the models as soon as a slot is free (at most
        IN_FLIGHT at once); the findings in frame order. The next batch is
        taken only when a slot is free, so it holds every frame that arrived
        meanwhile."""
        findings: dict[int, FrameFindings] = {}
        slots = asyncio.Semaphore(IN_FLIGHT)
        tasks: list[asyncio.Task[None]] = []

        async def run(batch: list[SampledFrame]) -> None:
            try:
                for index, found in zip((f.index for f in batch), await self._analyse(batch), strict=True):
                    findings[index] = found
            finally:
                slots.release()

        try:
            while True:
                await slots.acquire()
                try:
                    batch = await anext(batches)
                except StopAsyncIteration:
                    slots.release()
                    break
                tasks.append(asyncio.create_task(run(batch)))
                failed = [t for t in tasks if t.done() and t.exception() is not None]
                if failed:
                    await failed[0]
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [findings[i] for i in sorted(findings)]

    async def _analyse(self, batch: Sequence[SampledFrame]) -> list[FrameFindings]:
        """One batch through the detector (and its text frames through the
        text detector, at the same time)."""
        texts = [f for f in batch if f.text_input is not None]
        detect = self._infer(DETECTOR, {YOLOX_NANO.input: np.stack([f.detector_input for f in batch])})
        if texts:
            outputs, text_outputs = await asyncio.gather(
                detect,
                self._infer(
                    TEXT_DETECTOR, {PPOCR_DET.input: np.stack([f.text_input.x for f in texts if f.text_input])}
                ),
            )
        else:
            outputs, text_outputs = await detect, {}
        return await asyncio.to_thread(_findings, batch, outputs, texts, text_outputs)

    async def _infer(self, model: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        try:
            return await self._client.infer(model, inputs)
        except InferenceError as exc:
            raise gaard_error(errors.INFERENCE_FAILED, f"the inference service failed ({exc})") from None


def _findings(
    batch: Sequence[SampledFrame],
    outputs: dict[str, np.ndarray],
    texts: Sequence[SampledFrame],
    text_outputs: dict[str, np.ndarray],
) -> list[FrameFindings]:
    """Decode a batch's model outputs into per-frame findings."""
    text_scores: dict[int, float] = {}
    for i, frame in enumerate(texts):
        assert frame.text_input is not None
        width, height = frame.size
        prob = text_outputs[PPOCR_DET.output][i, 0]
        boxes = ocr.det_decode(prob, frame.text_input.sx, frame.text_input.sy, (height, width))
        text_scores[frame.index] = max((b.score for b in boxes), default=0.0)
    found = []
    for i, frame in enumerate(batch):
        width, height = frame.size
        detections = yolox.decode(
            outputs[YOLOX_NANO.output][i],
            frame.detector_scale,
            score_threshold=DETECTION_THRESHOLD,
            shape=(height, width),
        )
        found.append(FrameFindings.of(((d.label, d.score) for d in detections), text_scores.get(frame.index)))
    return found
