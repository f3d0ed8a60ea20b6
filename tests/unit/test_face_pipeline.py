"""The face pipeline (services/analysis/faces.py) on real faces: the
astronaut (frontal) and the cameraman (in profile) of scikit-image, run
through the real YuNet and SFace of the model repository in-process
(onnxruntime, as tests/unit/test_vision.py): pose and sharpness judge them
as they look, one face sliding across frames is one track with one best
shot, and the watch-list gallery tells the astronaut from the cameraman."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from services.analysis import faces as fp
from services.vision import sface
from tests.faces_support import astronaut, clip_frames, two_people
from tests.inference_support import picture
from tests.unit.test_vision import embed, faces


def aligned(rgb: np.ndarray) -> tuple[fp.Face, np.ndarray]:
    face = faces(rgb)[0]
    return face, sface.align(rgb, face.landmarks)


def test_a_frontal_sharp_face_passes_the_quality_filter() -> None:
    face, crop = aligned(astronaut())
    quality = fp.judge(face, crop, fp.QualityLimits())
    assert quality.ok, quality
    assert abs(quality.yaw) < 12 and abs(quality.pitch) < 12 and abs(quality.roll) < 5
    assert quality.sharpness > 200


def test_a_turned_face_is_refused_by_its_yaw() -> None:
    face, crop = aligned(picture("camera.png"))  # the cameraman looks into his camera, side on
    quality = fp.judge(face, crop, fp.QualityLimits())
    assert quality.yaw > 45
    assert not quality.ok and quality.problem.startswith("yaw")


def test_a_blurred_face_is_refused() -> None:
    blurred = ndimage.gaussian_filter(astronaut(), (3, 3, 0))
    face, crop = aligned(blurred)
    quality = fp.judge(face, crop, fp.QualityLimits())
    assert quality.sharpness < 25
    assert quality.problem.startswith("blurred")


def test_roll_follows_a_rotated_face() -> None:
    """YuNet's landmarks lean towards an upright face (a face turned 30
    degrees gives an eye line of about 10), so roll is judged in that
    measure; its sign and order follow the rotation."""

    def roll(degrees: float) -> float:
        face, _ = aligned(ndimage.rotate(astronaut(), degrees, reshape=False, order=1))
        return fp.pose(face.landmarks)[2]

    upright = roll(0)
    assert roll(30) < upright - 5  # counter-clockwise on screen: the eye line rises to the right
    assert roll(-20) > upright + 5


def test_a_mirrored_face_turns_the_yaw_around() -> None:
    face = faces(astronaut())[0]
    yaw, _, _ = fp.pose(face.landmarks)
    turned = face.landmarks.copy()
    turned[2, 0] += 0.4 * (turned[1, 0] - turned[0, 0])  # the nose tip towards the left eye
    assert fp.pose(turned)[0] > yaw + 20


def test_one_sliding_face_is_one_track_with_one_best_shot() -> None:
    analyser = fp.FaceAnalyser({"object_confidence_threshold": 0.5, "similarity_threshold": 0.5})
    frames = clip_frames()[::2]
    reference = embed(astronaut(), faces(astronaut())[0])
    embedded = 0
    for i, frame in enumerate(frames):
        time = i * 0.2
        for candidate in analyser.observe(faces(frame), frame, time):
            analyser.offer(candidate, embed(frame, candidate.face), frame[:10, :10], time)
            embedded += 1
        assert analyser.due(time) == [] or time >= fp.DECIDE_SECONDS
    assert len(analyser.tracks.live) == 1
    assert 1 <= embedded < len(frames)  # only improvements are embedded
    (track,) = analyser.reset()
    assert track.frames == len(frames) and track.best is not None
    gallery = fp.Gallery([fp.Enrolled(1, "Eileen Collins", "", 1, "staff", reference)])
    decision = analyser.decide(track, gallery)
    assert decision.match is not None and decision.match.name == "Eileen Collins"
    assert decision.match.similarity > 0.8
    assert decision.events == [fp.FACE_SEEN, fp.PERSON_RECOGNISED]


def test_the_gallery_tells_two_people_apart() -> None:
    both = two_people()
    found = sorted(faces(both), key=lambda f: f.box[0])
    assert len(found) == 2
    eileen, cameraman = (embed(both, f) for f in found)
    gallery = fp.Gallery([fp.Enrolled(2, "Cameraman", "", 1, "staff", cameraman)])
    best = gallery.best(eileen)
    assert best is not None and best.similarity < sface.SAME_PERSON
    assert gallery.match(eileen, 0.5) is None
    assert fp.Gallery().best(eileen) is None


@pytest.mark.parametrize(
    ("config", "kept"),
    [
        ({}, 1),
        ({"object_confidence_threshold": 0.99}, 0),
        ({"min_face_size": 200}, 0),
        ({"areas": [{"points": [{"x": 0.6, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}, {"x": 0.6, "y": 1}]}]}, 0),
        ({"areas": [{"points": [{"x": 0, "y": 0}, {"x": 0.6, "y": 0}, {"x": 0.6, "y": 1}, {"x": 0, "y": 1}]}]}, 1),
    ],
)
def test_score_size_and_region_settings(config: dict[str, object], kept: int) -> None:
    rgb = astronaut()  # the face is at x 179..269 of 512
    assert len(fp.FaceAnalyser(config).usable(faces(rgb), (512, 512))) == kept
