"""FindFace archive processing without the platform: the mapping of
`stream_settings` onto the stages' configs, the `roi` syntax, and the face
clusters on real SFace embeddings of real faces (scikit-image's astronaut,
Eileen Collins, and cameraman)."""

from __future__ import annotations

import numpy as np
import pytest

from services.analysis import faces as fp
from services.common.errors import InvalidArgument
from services.uploads import clusters
from services.uploads.findface_jobs import NEVER, parse_roi, stage_configs
from services.uploads.library import VideoLibrary
from services.vision import image as img
from tests.faces_support import astronaut, two_people
from tests.unit.test_vision import embed, faces


def _embeddings(rgb: np.ndarray) -> list[np.ndarray]:
    found = sorted(faces(rgb), key=lambda f: f.box[0])
    return [embed(rgb, face) for face in found if face.score >= 0.6]


def test_the_documented_defaults_enable_three_stages() -> None:
    configs = stage_configs(VideoLibrary.default_stream_settings())
    assert set(configs) == {"FF-FACE", "FF-BODY", "FF-CAR"}
    face, body, car = configs["FF-FACE"], configs["FF-BODY"], configs["FF-CAR"]
    assert face["object_confidence_threshold"] == 0.45 and face["min_face_size"] == 60
    assert face["max_face_size"] == 8192 and face["jpeg_quality"] == 95 and face["roi_rect"] is None
    assert face["lost_seconds"] == 1.0 and face["track_iou"] == 0.25 and face["decide_seconds"] == NEVER
    assert (body["object_confidence_threshold"], body["min_size"]) == (0.6, 70)
    assert (car["object_confidence_threshold"], car["min_size"]) == (0.73, 100)
    assert {c["play_speed"] for c in configs.values()} == {-1.0}
    assert {c["sample_fps"] for c in configs.values()} == {5.0}


def test_settings_map_onto_the_stages() -> None:
    settings = VideoLibrary.merge_stream_settings(
        VideoLibrary.default_stream_settings(),
        {
            "play_speed": 2,
            "detectors": {
                "face": {"roi": "640x360+100+50", "track_max_duration_frames": 10, "track_miss_interval": 0},
                "body": None,
                "car": None,
            },
        },
    )
    configs = stage_configs(settings, sample_fps=10)
    assert set(configs) == {"FF-FACE"}
    face = configs["FF-FACE"]
    assert face["roi_rect"] == [100, 50, 640, 360]
    assert face["decide_seconds"] == 1.0  # 10 sampled frames at 10 fps
    assert face["lost_seconds"] == pytest.approx(0.15)  # never under 1.5 sampled frames
    assert face["play_speed"] == 2.0


@pytest.mark.parametrize("roi", ["100x100", "a", "0x10+1+1", "10x10+-1+0", "10 x 10+0+0"])
def test_a_bad_roi_is_refused(roi: str) -> None:
    with pytest.raises(InvalidArgument, match="roi must"):
        parse_roi(roi)


def test_roi_syntax() -> None:
    assert parse_roi("") is None and parse_roi("  ") is None
    assert parse_roi("1920x1080+0+0") == (0, 0, 1920, 1080)


def test_two_different_people_are_two_clusters() -> None:
    found = _embeddings(two_people())
    assert len(found) == 2
    assert float(clusters.sface.normalise(found[0]) @ clusters.sface.normalise(found[1])) < clusters.sface.SAME_PERSON
    assert clusters.count_identities(found) == 2


def test_the_same_person_twice_is_one_cluster() -> None:
    face = astronaut()
    other = img.resize(face[::-1, ::-1][::-1], 384, 384)  # mirrored and scaled: another shot of her
    shots = _embeddings(face) + _embeddings(np.ascontiguousarray(other))
    assert len(shots) == 2
    assert clusters.count_identities(shots) == 1
    # With the cameraman beside her twice: two identities.
    assert clusters.count_identities(shots + _embeddings(two_people())) == 2


def test_no_face_is_no_cluster_and_one_face_one() -> None:
    assert clusters.count_identities([]) == 0
    assert clusters.count_identities([np.ones(128)]) == 1


def test_a_fast_face_stays_on_its_track_with_the_shift_allowance() -> None:
    """A 90 px face moving 65 px between analysed frames (a walk at 1080p
    sampled at 5 fps) overlaps its last box by IoU ~0.16: IoU alone starts a
    new track every frame; the shift allowance of archives keeps one."""
    boxes = [(100.0 + 65 * i, 200.0, 190.0 + 65 * i, 300.0) for i in range(6)]
    iou_only, shifted = fp.FaceTracks(0.25), fp.FaceTracks(0.25, max_shift=1.0)
    assert len({iou_only.update([box], i * 0.2)[0].id for i, box in enumerate(boxes)}) == 6
    assert len({shifted.update([box], i * 0.2)[0].id for i, box in enumerate(boxes)}) == 1
    # A face twice the size, or two widths away, is someone else.
    assert shifted.update([(560.0, 150.0, 740.0, 350.0)], 1.4)[0].id != 1
    assert shifted.update([(600.0, 600.0, 690.0, 700.0)], 1.6)[0].id not in (1, 2)
