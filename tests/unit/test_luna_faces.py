"""How a LUNA stream's v1 `policies` set the face pipeline
(services/engine/luna_faces.py): filtering, primary track, the searching
period in seconds or frames, the sampling rate, and what is named as not
applied."""

from __future__ import annotations

import copy
import math

from services.analysis.faces import Settings
from services.engine.luna_faces import face_policy
from tests.e2e.luna_examples import CREATE_V1


def test_the_document_example_policies() -> None:
    policy = face_policy(copy.deepcopy(CREATE_V1["policies"]))
    settings = Settings.from_config(policy.config)
    assert settings.threshold == 0.5187
    assert (settings.limits.max_yaw, settings.limits.max_pitch, settings.limits.max_roll) == (40, 40, 30)
    assert settings.min_face_size == 32  # use_primary_track_policy is false
    assert math.isinf(settings.decide_seconds)  # -1: the best shot of the whole track
    assert policy.sample_fps == 5.0  # real_time_mode_fps 0
    assert policy.not_applied == (
        "mouth_occlusion_threshold (no occlusion model)",
        "min_body_size_threshold (no body detector)",
    )


def test_primary_track_frames_period_liveness_and_several_best_shots() -> None:
    policies = copy.deepcopy(CREATE_V1["policies"])
    policies["primary_track_policy"]["use_primary_track_policy"] = True
    policies["sending"].update(time_period_of_searching=20, type="frames", number_of_bestshots_to_send=3)
    policies["real_time_mode_fps"] = 10
    policies["liveness"]["use_mask_liveness_filtration"] = True
    policies["filtering"].update(mouth_occlusion_threshold=0, min_body_size_threshold=0)
    policy = face_policy(policies)
    settings = Settings.from_config(policy.config)
    assert settings.min_face_size == 70 and settings.decide_seconds == 2.0 and policy.sample_fps == 10
    note = policy.note()
    assert note is not None and "liveness (no liveness model)" in note and "number_of_bestshots_to_send" in note
    assert "mouth_occlusion" not in note
