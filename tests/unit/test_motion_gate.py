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


def test_a_pipeline_measuring_ahead_decides_as_detect_does() -> None:
    """The offline pipeline measures frame N+1's motion (and guesses with
    `likely`, to send its detection early) before it decides frame N: its
    decisions are `detect`'s, frame for frame, whatever the guesses were."""
    rng = np.random.default_rng(11)
    base = scene()
    frames: list[tuple[np.ndarray, float, bool]] = []
    for i in range(60):  # still, a walker for a while, still again; tracking while the walker is there
        frame = base.copy()
        walking = 20 <= i < 35
        if walking:
            x = 100 + 30 * (i - 20)
            frame[300:480, x : x + 60] = 255 - frame[300:480, x : x + 60]
        frames.append((noisy(frame, rng), i * 0.2, walking))
    plain = GatePolicy()
    # `tracking` is what the frame before showed, as the engine passes it.
    expected = [plain.detect(luma, time, n > 0 and frames[n - 1][2]) for n, (luma, time, _) in enumerate(frames)]
    ahead = GatePolicy()
    measured = [ahead.measure(frames[0][0])]
    decided, guesses = [], []
    for n, (_, time, _) in enumerate(frames):
        if n + 1 < len(frames):  # frame N+1 begun before N is decided
            measured.append(ahead.measure(frames[n + 1][0]))
            guesses.append(ahead.likely(measured[n + 1], frames[n + 1][1], n > 0 and frames[n - 1][2]))
        decided.append(ahead.decide(measured[n], time, n > 0 and frames[n - 1][2]))
    assert decided == expected
    assert any(expected) and not all(expected)  # the gate both let frames through and held some
    assert sum(guesses) >= sum(expected[1:]) - 2  # the guesses send nearly every frame that will pass early
