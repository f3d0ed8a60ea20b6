"""From what the models found in each analysed frame to Gaard's scores,
labels and risk. Pure functions: no I/O.

Labels and where they come from:

* `person`: YOLOX-Nano's COCO `person`.
* `vehicule` (Gaard's spelling): COCO `car`, `truck`, `bus`, `motorcycle`,
  `bicycle`, `train`, `boat`.
* `animal`: COCO's birds and mammals (`bird`, `cat`, `dog`, `horse`,
  `sheep`, `cow`, `elephant`, `bear`, `zebra`, `giraffe`).
* `other`: any other of the 80 COCO classes (a chair, a clock, a bag...).
* `text`: PP-OCR's text detector (DB) found a text region.
* `intrusion`: person and vehicle evidence that holds over time (below).
* `NOTHING`: 1 minus the highest of the object and text scores.

A label's score is its best per-frame score: the highest detection score of
its classes in any analysed frame (`text`: the best text region's score).
`intrusion` asks for the evidence to hold in neighbouring frames: a frame's
evidence is its best `person` or `vehicule` score, and `intrusion` is the
best, over the frames, of the mean of a frame's evidence and its better
neighbour's (a clip of one frame: that frame's evidence). A person or vehicle
seen in two consecutive analysed frames scores as high as it was seen; one
seen in a single frame counts half, so a lone false detection reaches
`danger` at most. Gaard's `flag`, `plant`, `web`, `spider`, `rain` and
`wind` are not judged by these models and are never in `scores`.

The risk depends on `intrusion` alone: below the low threshold `safe`, below
the high threshold `danger`, else `intrusion`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.vision.yolox import COCO_CLASSES

PERSON = "person"
VEHICLE = "vehicule"
ANIMAL = "animal"
OTHER = "other"
TEXT = "text"
INTRUSION = "intrusion"
NOTHING = "NOTHING"

#: COCO class -> Gaard label; classes not listed are `other`.
COCO_LABELS: dict[str, str] = {
    "person": PERSON,
    **dict.fromkeys(("car", "truck", "bus", "motorcycle", "bicycle", "train", "boat"), VEHICLE),
    **dict.fromkeys(("bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"), ANIMAL),
}
OBJECT_LABELS = (PERSON, VEHICLE, ANIMAL, OTHER)
#: Gaard's labels that the deployed models cannot judge: never scored.
UNJUDGED = ("flag", "plant", "web", "spider", "rain", "wind")


def label_of(coco_class: str) -> str:
    """The Gaard label of a COCO class name."""
    if coco_class not in COCO_CLASSES:
        raise ValueError(f"not a COCO class: {coco_class}")
    return COCO_LABELS.get(coco_class, OTHER)


@dataclass
class FrameFindings:
    """What the models found in one analysed frame: the best score of each
    object label, and (on frames that went through the text detector) the
    best text region's score."""

    objects: dict[str, float] = field(default_factory=dict)
    text: float | None = None  # None: the frame was not given to the text detector

    @classmethod
    def of(cls, detections: Iterable[tuple[str, float]], text: float | None = None) -> FrameFindings:
        """From (COCO class, score) detections."""
        best: dict[str, float] = {}
        for coco_class, score in detections:
            label = label_of(coco_class)
            best[label] = max(best.get(label, 0.0), float(score))
        return cls(best, text)


@dataclass(frozen=True)
class Thresholds:
    """The risk rule's and the label list's thresholds."""

    low: float = 0.2
    high: float = 0.8
    label: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high <= 1:
            raise ValueError("thresholds must satisfy 0 <= low <= high <= 1")


@dataclass(frozen=True)
class Verdict:
    """A clip's scores, labels (best first) and risk."""

    scores: dict[str, float]
    labels: list[str]
    risk: str


def intrusion_score(frames: Sequence[FrameFindings]) -> float:
    """The best mean of a frame's person/vehicle evidence and its better
    neighbour's."""
    evidence = [max(f.objects.get(PERSON, 0.0), f.objects.get(VEHICLE, 0.0)) for f in frames]
    if not evidence:
        return 0.0
    if len(evidence) == 1:
        return evidence[0]
    best = 0.0
    for i, e in enumerate(evidence):
        neighbours = [evidence[j] for j in (i - 1, i + 1) if 0 <= j < len(evidence)]
        best = max(best, (e + max(neighbours)) / 2)
    return best


def risk_of(intrusion: float, thresholds: Thresholds) -> str:
    """Gaard's risk rule: only the intrusion score decides."""
    if intrusion < thresholds.low:
        return "safe"
    if intrusion < thresholds.high:
        return "danger"
    return "intrusion"


def verdict(frames: Sequence[FrameFindings], thresholds: Thresholds, *, text_judged: bool) -> Verdict:
    """Scores, labels and risk of a clip from its frames' findings. `text`
    is scored only when `text_judged` (the text detector ran)."""
    values: dict[str, float] = {
        label: max((f.objects.get(label, 0.0) for f in frames), default=0.0) for label in OBJECT_LABELS
    }
    if text_judged:
        values[TEXT] = max((f.text for f in frames if f.text is not None), default=0.0)
    values[NOTHING] = 1.0 - max(values.values(), default=0.0)
    values[INTRUSION] = intrusion_score(frames)
    # Ties rank as listed here (the document lists `intrusion` before `person`).
    scores = {k: round(values[k], 4) for k in (INTRUSION, *OBJECT_LABELS, TEXT, NOTHING) if k in values}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    labels = [k for k, v in ranked if v >= thresholds.label]
    return Verdict(scores, labels, risk_of(scores[INTRUSION], thresholds))
