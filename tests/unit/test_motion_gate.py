"""The motion gate (services/analysis/motion.py) on real pictures: sensor
noise on a still scene is not motion, a person-sized thing moving is, a
scene that changes whole (lights) is motion once and then still again; the
policy re-checks tracked objects every second and an empty scene rarely."""

from __future__ import annotations

import numpy as np
from skimage import data

from services.analysis.motion import GatePolicy, MotionDetector

H, W = 540, 960


def scene() -> np.ndarray:
    """A 540p luma plane: scikit-image's camera picture, scaled."""
    camera = data.camera()
    rows = np.linspace(0, camera.shape[0] - 1, H).astype(int)
    cols = np.linspace(0, camera.shape[1] - 1, W).astype(int)
    return np.ascontiguousarray(camera[rows][:, cols])


def noisy(luma: np.ndarray, rng: np.random.Generator, sigma: float = 4.0) -> np.ndarray:
    return np.clip(luma + rng.normal(0, sigma, luma.shape), 0, 255).astype(np.uint8)


def test_noise_is_still_a_moving_person_is_motion_and_lights_recalibrate() -> None:
    rng = np.random.default_rng(7)
    base = scene()
    detector = MotionDetector()
    assert detector.moved(noisy(base, rng))  # the first frame: nothing to compare with
    assert not any(detector.moved(noisy(base, rng)) for _ in range(20))
    for x in range(100, 700, 75):  # a 60 x 180 shape (the scene inverted) walking across
        frame = base.copy()
        frame[300:480, x : x + 60] = 255 - frame[300:480, x : x + 60]
        assert detector.moved(noisy(frame, rng)), x
    still = [detector.moved(noisy(base, rng)) for _ in range(30)]
    assert not any(still[15:])  # the average forgot the walker
    brighter = np.clip(base.astype(int) + 80, 0, 255).astype(np.uint8)
    assert detector.moved(noisy(brighter, rng))  # the lights: motion once...
    assert not any(detector.moved(noisy(brighter, rng)) for _ in range(5))  # ...then the new scene is still


def test_the_policy_rechecks_tracks_every_second_and_an_empty_scene_rarely() -> None:
    rng = np.random.default_rng(8)
    base = scene()
    policy = GatePolicy(recheck_seconds=1.0, idle_recheck_seconds=10.0)
    times = [i / 5 for i in range(101)]  # 20 s at 5 fps
    tracked = [t for t in times if policy.detect(noisy(base, rng), t, tracking=True)]
    assert tracked == [float(second) for second in range(21)]
    policy = GatePolicy(recheck_seconds=1.0, idle_recheck_seconds=10.0)
    idle = [t for t in times if policy.detect(noisy(base, rng), t, tracking=False)]
    assert idle == [0.0, 10.0, 20.0]
    # Frame times that start again (a file looping, a reconnect) detect at once.
    assert policy.detect(noisy(base, rng), 0.2, tracking=False)
