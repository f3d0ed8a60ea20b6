"""Face best shots of the LUNA streams Vigil's LUNA worker processes
(services/engine/luna_worker.py), under each stream's own `policies`.

A LUNA stream is processed for faces the way LUNA's video agent does:
faces are detected (YuNet), followed across frames, filtered, and each
track's best shot is sent to the stream's `event_handler`. Here "sent" is a
`face_seen` event in Vigil's events store (analytic `NFV4-FR`, the SFace
embedding with it, so smart search by image finds it), whose
`attributes.luna` names the stream and its `event_handler`.

How the policies act (`face_policy`):

- `filtering.min_score`: the lowest face detection score kept;
- `filtering.detection_yaw_threshold` / `pitch` / `roll`: the largest pose
  (degrees, estimated from the five landmarks) a best shot may have;
- `primary_track_policy.best_shot_min_size` (when
  `use_primary_track_policy`): the smallest face height in pixels (else 32);
- `sending.time_period_of_searching`: a track's best shot is chosen over
  this many seconds (`type: sec`) or frames (`type: frames`, at the
  sampling rate) from its first face, then sent; `-1`: when the track
  ends;
- `real_time_mode_fps`: the frames sampled per second (0: 5).

Accepted but not applied, and said so once in the stream's log (the first
feedback's `error`, so `last_error` shows it too): liveness (no liveness
model), `mouth_occlusion_threshold` (no occlusion model),
`min_body_size_threshold` (no body detector), `yaw_number` /
`yaw_collection_mode`, `number_of_bestshots_to_send` above 1 and
`send_only_full_set` (one best shot per track), `silent_period` and
`delete_track_after_sending` (a track is sent once), the primary track's
`best_shot_proper_size`, and `frame_processing_mode` (frames are sampled by
their timestamps whatever the mode).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.catalog import work

#: The analytic the events of LUNA streams carry.
ANALYTIC_ID = "NFV4-FR"
DEFAULT_FPS = 5.0
DEFAULT_MIN_FACE = 32


@dataclass(frozen=True)
class FacePolicy:
    """What a stream's policies make of the face pipeline."""

    config: dict[str, Any]
    sample_fps: float
    not_applied: tuple[str, ...]

    def note(self) -> str | None:
        """The log line naming what is not applied (None: all is)."""
        if not self.not_applied:
            return None
        return "policies accepted but not applied by Vigil: " + "; ".join(self.not_applied)


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def face_policy(policies: dict[str, Any]) -> FacePolicy:
    """The face pipeline's config of a LUNA stream's v1 `policies`."""
    filtering = policies.get("filtering") or {}
    sending = policies.get("sending") or {}
    primary = policies.get("primary_track_policy") or {}
    liveness = policies.get("liveness") or {}
    fps = _number(policies.get("real_time_mode_fps"), 0.0) or DEFAULT_FPS
    config: dict[str, Any] = {
        "object_confidence_threshold": _number(filtering.get("min_score"), 0.5),
        "max_yaw": _number(filtering.get("detection_yaw_threshold"), 40.0),
        "max_pitch": _number(filtering.get("detection_pitch_threshold"), 40.0),
        "max_roll": _number(filtering.get("detection_roll_threshold"), 30.0),
        "min_face_size": int(
            _number(primary.get("best_shot_min_size"), DEFAULT_MIN_FACE)
            if primary.get("use_primary_track_policy")
            else DEFAULT_MIN_FACE
        ),
        "similarity_threshold": 1.0,
    }
    period = _number(sending.get("time_period_of_searching"), -1.0)
    if period > 0:
        config["decide_seconds"] = period / fps if sending.get("type") == "frames" else period
    else:
        config["decide_seconds"] = float("inf")  # until the track ends
    skipped: list[str] = []
    if any(
        liveness.get(k)
        for k in (
            "use_shoulders_liveness_filtration",
            "use_mask_liveness_filtration",
            "use_flying_faces_liveness_filtration",
        )
    ) or _number(liveness.get("liveness_mode"), 0):
        skipped.append("liveness (no liveness model)")
    if _number(filtering.get("mouth_occlusion_threshold"), 0) > 0:
        skipped.append("mouth_occlusion_threshold (no occlusion model)")
    if _number(filtering.get("min_body_size_threshold"), 0) > 0:
        skipped.append("min_body_size_threshold (no body detector)")
    if _number(filtering.get("yaw_number"), 1) > 1 or filtering.get("yaw_collection_mode"):
        skipped.append("yaw_number/yaw_collection_mode")
    if _number(sending.get("number_of_bestshots_to_send"), 1) > 1:
        skipped.append("number_of_bestshots_to_send above 1 (one best shot per track)")
    if _number(sending.get("silent_period"), 0) > 0:
        skipped.append("silent_period (a track is sent once)")
    if sending.get("delete_track_after_sending"):
        skipped.append("delete_track_after_sending (a track is sent once)")
    if policies.get("frame_processing_mode") not in (None, "", "auto"):
        skipped.append("frame_processing_mode (frames are sampled by time)")
    return FacePolicy(config, fps, tuple(skipped))


def luna_item(stream_id: str, node_num: int) -> work.WorkItem:
    """The work item the face stage keys a LUNA stream's state by (no row
    of the work table: LUNA streams are held through LUNA's queue); its id
    is negative so it never meets a real work row's."""
    return work.WorkItem(
        id=-(zlib.crc32(stream_id.encode()) + 1),
        stream_id=stream_id,
        node_num=node_num,
        analytic_id=ANALYTIC_ID,
        kind="luna",
        config={},
        config_version=1,
        state=work.RUNNING,
        owner="luna",
        heartbeat_at=datetime.now(UTC),
        progress=0.0,
        error="",
        attempts=1,
        seat=0,
        serial_number="",
    )
