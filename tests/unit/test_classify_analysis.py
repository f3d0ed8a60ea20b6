"""Gaard's scores, labels and risk from per-frame findings: the COCO label
map, the temporal intrusion rule, NOTHING, the label threshold and the risk
rule's thresholds."""

from __future__ import annotations

import pytest

from services.classification.analysis import (
    COCO_LABELS,
    UNJUDGED,
    FrameFindings,
    Thresholds,
    intrusion_score,
    label_of,
    risk_of,
    verdict,
)


def frames(*objects: dict[str, float], text: float | None = None) -> list[FrameFindings]:
    return [FrameFindings(dict(o), text) for o in objects]


def test_coco_classes_become_gaard_labels() -> None:
    assert label_of("person") == "person"
    for vehicle in ("car", "truck", "bus", "motorcycle", "bicycle", "train", "boat"):
        assert label_of(vehicle) == "vehicule"
    for animal in ("bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"):
        assert label_of(animal) == "animal"
    for other in ("airplane", "potted plant", "chair", "clock", "kite"):
        assert label_of(other) == "other"
    assert set(COCO_LABELS.values()) == {"person", "vehicule", "animal"}
    with pytest.raises(ValueError):
        label_of("spider")


def test_frame_findings_keep_each_labels_best_score() -> None:
    found = FrameFindings.of([("car", 0.4), ("truck", 0.7), ("cat", 0.3), ("dog", 0.6), ("person", 0.2)])
    assert found.objects == {"vehicule": 0.7, "animal": 0.6, "person": 0.2}


@pytest.mark.parametrize(
    ("score", "risk"),
    [
        (0.0, "safe"),
        (0.1999, "safe"),
        (0.2, "danger"),
        (0.5, "danger"),
        (0.7999, "danger"),
        (0.8, "intrusion"),
        (1.0, "intrusion"),
    ],
)
def test_risk_rule_default_thresholds(score: float, risk: str) -> None:
    assert risk_of(score, Thresholds()) == risk


def test_risk_rule_thresholds_are_settings() -> None:
    strict = Thresholds(low=0.05, high=0.3)
    assert risk_of(0.04, strict) == "safe"
    assert risk_of(0.05, strict) == "danger"
    assert risk_of(0.3, strict) == "intrusion"
    with pytest.raises(ValueError):
        Thresholds(low=0.9, high=0.1)


def test_intrusion_needs_evidence_in_neighbouring_frames() -> None:
    # Seen in two consecutive frames: as high as it was seen.
    assert intrusion_score(frames({}, {"person": 0.9}, {"person": 0.9}, {})) == pytest.approx(0.9)
    # A lone detection counts half: danger at most.
    lone = intrusion_score(frames({}, {"person": 0.9}, {}, {}))
    assert lone == pytest.approx(0.45)
    assert risk_of(lone, Thresholds()) == "danger"
    # Vehicles are evidence too; animals and other objects are not.
    assert intrusion_score(frames({"vehicule": 0.8}, {"vehicule": 0.6})) == pytest.approx(0.7)
    assert intrusion_score(frames({"animal": 0.99}, {"animal": 0.99}, {"other": 0.9})) == 0.0
    # A clip of one frame: that frame's evidence.
    assert intrusion_score(frames({"person": 0.85})) == pytest.approx(0.85)
    assert intrusion_score([]) == 0.0


def test_verdict_of_a_person_clip() -> None:
    result = verdict(frames({"person": 0.93}, {"person": 0.95, "other": 0.2}, text=0.1), Thresholds(), text_judged=True)
    assert result.risk == "intrusion"
    assert result.labels[:2] == ["person", "intrusion"]
    assert result.scores["person"] == 0.95
    assert result.scores["intrusion"] == pytest.approx(0.94)
    assert result.scores["NOTHING"] == pytest.approx(0.05)
    assert result.scores["text"] == 0.1


def test_verdict_of_a_cat_clip_is_safe_with_animal() -> None:
    result = verdict(frames({"animal": 0.77}, {"animal": 0.7}), Thresholds(), text_judged=False)
    assert result.risk == "safe"
    assert result.labels == ["animal"]
    assert "text" not in result.scores  # not judged: left out


def test_verdict_of_an_empty_clip_has_nothing_highest() -> None:
    result = verdict(frames({}, {}, {}, text=0.0), Thresholds(), text_judged=True)
    assert result.risk == "safe"
    assert result.labels == ["NOTHING"]
    assert max(result.scores, key=lambda k: result.scores[k]) == "NOTHING"
    assert result.scores["NOTHING"] == 1.0


def test_labels_follow_the_label_threshold_and_unjudged_labels_never_appear() -> None:
    found = frames({"person": 0.45, "vehicule": 0.55}, {"person": 0.45, "vehicule": 0.55})
    # Best first; ties in the order intrusion, person, vehicule, ..., NOTHING.
    assert verdict(found, Thresholds(label=0.5), text_judged=False).labels == ["intrusion", "vehicule"]
    assert verdict(found, Thresholds(label=0.4), text_judged=False).labels == [
        "intrusion",
        "vehicule",
        "person",
        "NOTHING",
    ]
    scores = verdict(found, Thresholds(), text_judged=True).scores
    assert set(scores) == {"intrusion", "person", "vehicule", "animal", "other", "text", "NOTHING"}
    assert not set(UNJUDGED) & set(scores)


def test_the_risk_thresholds_are_checked_when_the_settings_load() -> None:
    from pydantic import ValidationError

    from services.common.settings import Settings

    settings = Settings(_env_file=None).replace(classify_low_threshold=0.1, classify_high_threshold=0.9)
    assert (settings.classification.low_threshold, settings.classification.high_threshold) == (0.1, 0.9)
    with pytest.raises(ValidationError, match="CLASSIFY_LOW_THRESHOLD"):
        Settings(_env_file=None).replace(classify_low_threshold=0.9, classify_high_threshold=0.5)
