"""Every served model Vigil calls, by name, with its tensor names: the one
place they are written (models/README.md says where each model comes from;
models/repository/<name>/config.pbtxt is what the inference service serves).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.vision import yunet


@dataclass(frozen=True)
class ServedModel:
    """A model of the repository as callers see it: its name, its input
    tensor and the outputs callers read."""

    name: str
    input: str
    outputs: tuple[str, ...]

    @property
    def output(self) -> str:
        """The first (for most models, the only) output."""
        return self.outputs[0]


#: YOLOX-Nano, COCO objects: a 3x416x416 FP32 BGR letterboxed frame in.
YOLOX_NANO = ServedModel("yolox_nano", "images", ("output",))
#: The same network with a uint8 RGB HWC input: the letterboxed frame goes as
#: it is (0.5 MB instead of 2 MB); the cast, layout and channel order happen
#: in the graph (models/README.md, `uint8_image_input`); same outputs.
YOLOX_NANO_U8 = ServedModel("yolox_nano_u8", "images", ("output",))
#: YuNet face detection: per stride, class, objectness, box and landmarks.
YUNET = ServedModel(
    "yunet", "input", tuple(f"{kind}_{s}" for kind in ("cls", "obj", "bbox", "kps") for s in yunet.STRIDES)
)
#: SFace face embedding: an aligned 112x112 face in, 128 floats out.
SFACE = ServedModel("sface", "data", ("fc1",))
#: PP-OCRv4 text detection: a probability map of text.
PPOCR_DET = ServedModel("ppocr_det", "x", ("sigmoid_0.tmp_0",))
#: PP-OCRv4 text recognition: per time step scores over the dictionary.
PPOCR_REC = ServedModel("ppocr_rec", "x", ("softmax_11.tmp_0",))
