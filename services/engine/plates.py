"""The licence plate stage of the engine (`NFV4-LPR3`): per sampled frame,
YOLOX-Nano finds vehicles through the inference service, one
`PlateAnalyser` per work row tracks them and asks for the plates still
wanted, `PlateReader` reads each (PP-OCRv4 detection and recognition
through the inference service, on the lower part of the vehicle's box),
and every vehicle whose reads were voted on gives one `plate_read` event
(and one `plate_match` event per `plate_match` rule of the config that fires
on its plate, `PlateRule.fires`: listed or matching the rule's pattern, at a
time within the rule's `active_hours`; with the same fields, `sub_analytic`
`rules[i]` and the rule's index in `attributes`):

- `primary_text`: the plate (normalised, e.g. `B1234XYZ`);
- `secondary_text`: the vehicle's label (`car`, `truck`, `bus`, `motorcycle`);
- `score`: the vote's confidence; `track_id`, `label`, `box` the vehicle's;
- the thumbnail: the vehicle (its box with a margin, as read at the best
  read of the plate), at most `VEHICLE_CROP_SIDE` pixels;
- `attributes`: `plate_jpeg` (the plate crop, base64 JPEG, at most
  `PLATE_CROP_HEIGHT` pixels high: a few kilobytes), `reads` (how many reads
  voted), `plate_region`, `frame_time`, and `sighting` (one key shared by the
  vehicle's `plate_read` and `plate_match` events; smart search by text
  returns them as one result).

The overlay draws a vehicle's plate in the match colour when a `plate_match`
rule fires on the plate voted so far at the frame's time (the same
`PlateRule.fires`), so outside a rule's `active_hours` it is drawn as any
other plate.

The recogniser's dictionary (`ppocr_keys.txt`) is read from the model
repository when the first plate row starts; without it the row is refused.
A frame the inference service cannot answer for is skipped and counted, as
in the object stage.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import av
import grpc
import numpy as np

from services.analysis import overlay
from services.analysis.objects import LOW_SCORE, TrackedObject
from services.analysis.plates import (
    PLATE_MATCH,
    PlateAnalyser,
    PlateReader,
    PlateResult,
    PlateSettings,
    PlateSettingsError,
    plate_zone,
)
from services.catalog import work
from services.engine.analysers import (
    EVENTS_APPENDED,
    MARGIN,
    THUMBNAIL_QUALITY,
    analysed,
    frame_rgb,
    skip_frame,
)
from services.engine.overlays import Overlays
from services.engine.sources import OpenStream
from services.engine.workers import Recording
from services.events.store import EventStore, NewEvent
from services.events.vocabulary import SIGHTING, new_sighting
from services.inference_client import InferenceClient
from services.inference_client.client import InferenceError
from services.media.frame_ring import FrameRef
from services.media.jpeg import encode_jpeg
from services.vision import ocr
from services.vision.detectors import OBJECT_MODEL, ServedTextModels, detect_objects
from services.vision.image import normalised_box

log = logging.getLogger(__name__)

ANALYTIC_ID = "NFV4-LPR3"
EVENT_TYPE = "plate_read"


def jpeg(rgb: np.ndarray) -> bytes:
    """An RGB picture as JPEG (even sides, as yuv420p wants)."""
    h, w = rgb.shape[:2]
    if h < 2 or w < 2:
        rgb = np.pad(rgb, ((0, max(0, 2 - h)), (0, max(0, 2 - w)), (0, 0)))
    rgb = np.ascontiguousarray(rgb[: rgb.shape[0] & ~1, : rgb.shape[1] & ~1])
    return encode_jpeg(av.VideoFrame.from_ndarray(rgb, format="rgb24"), quality=THUMBNAIL_QUALITY)


def vehicle_crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The vehicle's box (pixels) with a margin."""
    height, width = rgb.shape[:2]
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * MARGIN, (y2 - y1) * MARGIN
    left, top = max(0, int(x1 - mx)), max(0, int(y1 - my))
    right, bottom = min(width, int(x2 + mx + 1)), min(height, int(y2 + my + 1))
    return rgb[top:bottom, left:right]


@dataclass
class _Row:
    analyser: PlateAnalyser
    config: dict[str, Any]
    time: float | None = None
    #: (stream id, analytic id): where its overlay is published.
    key: tuple[str, str] = ("", "")


class PlateAnalysis:
    """The analysis stage of `NFV4-LPR3` (one per engine process, shared by
    its workers; one `PlateAnalyser` per work row)."""

    def __init__(
        self,
        client: InferenceClient,
        store: EventStore,
        dictionary: Path,
        *,
        model: str = OBJECT_MODEL,
        overlays: Overlays | None = None,
    ) -> None:
        self._client = client
        self._overlays = overlays
        self._store = store
        self._dictionary = dictionary
        self._model = model
        self._reader: PlateReader | None = None
        self._rows: dict[int, _Row] = {}

    def _plate_reader(self) -> PlateReader:
        if self._reader is None:
            self._reader = PlateReader(ServedTextModels(self._client), ocr.load_dictionary(self._dictionary))
        return self._reader

    def refuse(self, item: work.WorkItem) -> str | None:
        if item.analytic_id != ANALYTIC_ID:
            return f"analytic {item.analytic_id} is not a plate analytic"
        try:
            self._plate_reader()
        except OSError as error:
            return f"the plate recogniser's dictionary cannot be read ({error.strerror}: {self._dictionary})"
        try:
            PlateSettings.from_config(item.config)
        except PlateSettingsError as error:
            return str(error)
        return None

    def forget(self, work_id: int) -> None:
        row = self._rows.pop(work_id, None)
        if row is not None and self._overlays is not None:
            self._overlays.clear(*row.key)

    async def analyse(self, item: work.WorkItem, config: dict[str, Any], stream: OpenStream, ref: FrameRef) -> None:
        if item.analytic_id != ANALYTIC_ID:
            raise ValueError(f"analytic {item.analytic_id} is not a plate analytic")
        pixels = stream.read(ref)
        if pixels is None:
            return
        row = self._rows.get(item.id)
        if row is None:
            row = self._rows[item.id] = _Row(PlateAnalyser(config), config, key=(item.stream_id, item.analytic_id))
        elif config != row.config:
            row.analyser.configure(config)
            row.config = config
        rgb = await frame_rgb(pixels, ref)  # type: ignore[arg-type]
        recording: Recording | None = getattr(stream, "recording", None)
        try:
            when = recording.occurred_at(ref.time) if recording is not None else datetime.now(UTC)
            results = await self._frame(row, rgb, ref, when)
        except (InferenceError, grpc.RpcError) as error:
            skip_frame(stream, item, error)
            return
        analysed(stream, item)
        if results:
            await asyncio.to_thread(self._append, item, row.analyser.settings, results, recording, ref.time)

    async def flush(self, item: work.WorkItem, stream: OpenStream, time: float) -> None:
        """The recording ended: each vehicle still tracked gives its plate."""
        row = self._rows.get(item.id)
        if row is None:
            return
        results = row.analyser.reset()
        if results:
            recording: Recording | None = getattr(stream, "recording", None)
            await asyncio.to_thread(self._append, item, row.analyser.settings, results, recording, time)

    async def _frame(self, row: _Row, rgb: np.ndarray, ref: FrameRef, when: datetime) -> list[PlateResult]:
        """One frame's vehicles tracked and read; the overlay's `plate_match`
        colour is judged at `when`, the time this frame's events would take."""
        detections = await detect_objects(self._client, rgb, score_threshold=LOW_SCORE, model=self._model)
        ended: list[PlateResult] = []
        if row.time is not None and ref.time <= row.time:
            ended = row.analyser.reset()  # the source started again
        row.time = ref.time
        analyser = row.analyser
        reader = self._plate_reader()
        width, height = ref.width, ref.height

        async def read(vehicle: TrackedObject) -> None:
            box = (vehicle.box[0] * width, vehicle.box[1] * height, vehicle.box[2] * width, vehicle.box[3] * height)
            x1, y1, x2, y2 = plate_zone(box, rgb.shape[:2])
            zone = rgb[y1:y2, x1:x2]
            found = await reader.read(zone, analyser.settings.pattern)
            if found is not None:
                px1, py1, px2, py2 = found.box
                where = normalised_box((x1 + px1, y1 + py1, x1 + px2, y1 + py2), width, height)
                analyser.add(vehicle.track_id, found, vehicle_crop(rgb, box), zone[py1:py2, px1:px2], where)

        # The vehicles of a frame are read at once (the inference service batches them).
        await asyncio.gather(*(read(v) for v in analyser.vehicles(detections, (width, height), ref.time)))
        if self._overlays is not None:
            marks = analyser.marks(ref.time, when)
            self._overlays.publish(*row.key, partial(overlay.draw_plates, vehicles=marks))
        return ended + analyser.finished(ref.time)

    def _append(
        self,
        item: work.WorkItem,
        settings: PlateSettings,
        results: list[PlateResult],
        recording: Recording | None = None,
        frame_time: float = 0.0,
    ) -> None:
        """The vehicles' events (`plate_events`) in one batch; an offline
        job's at the recording's time, keyed and stored with the row's
        checkpoint (workers.Recording)."""
        now = datetime.now(UTC)
        batch: list[NewEvent] = []
        times: list[float] = []
        for r in results:
            events = plate_events(item, settings, r, now, recording.occurred_at(r.time) if recording else now)
            batch += events
            times += [r.time] * len(events)
        fence = None
        if recording is not None:
            batch = recording.stamp(item.id, batch, times)
            fence = recording.fence(item.id, frame_time)
        ids = self._store.append(batch, fence=fence)
        EVENTS_APPENDED.labels(item.stream_id, item.analytic_id).inc(len(ids))


def plate_events(
    item: work.WorkItem, settings: PlateSettings, result: PlateResult, now: datetime, when: datetime
) -> list[NewEvent]:
    """A vehicle's events (at `now`): `plate_read`, and one `plate_match` per
    rule that fires on its plate at `when`, the event's time (`PlateRule.fires`:
    listed and within `active_hours`, as the overlay judges it); all with the
    same fields and one new `sighting` key, which smart search's text branch
    groups by."""
    r = result
    vehicle = jpeg(r.vehicle)
    attributes = {
        SIGHTING: new_sighting(),
        "plate": r.text,
        "plate_jpeg": base64.b64encode(jpeg(r.plate)).decode(),
        "reads": r.reads,
        "plate_region": settings.region,
        "frame_time": round(r.time, 3),
    }
    kinds = [(EVENT_TYPE, "", attributes)] + [
        (PLATE_MATCH, f"rules[{rule.index}]", {**attributes, **rule.describe()})
        for rule in settings.rules
        if rule.fires(r.text, when)
    ]
    return [
        NewEvent(
            stream_id=item.stream_id,
            analytic_id=item.analytic_id,
            event_type=kind,
            occurred_at=now,
            node_num=item.node_num,
            sub_analytic=sub_analytic,
            track_id=r.track_id,
            label=r.label,
            score=float(r.confidence),
            box=r.box,
            thumbnail=vehicle,
            attributes=attrs,
            primary_text=r.text,
            secondary_text=r.label,
        )
        for kind, sub_analytic, attrs in kinds
    ]
