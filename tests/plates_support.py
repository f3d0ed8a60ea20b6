"""Plates rendered onto a real vehicle picture (scikit-image's motorcycle),
with a real TrueType font, for the plate reader's and the plate stage's
tests; and PP-OCRv4 run in-process by onnxruntime as `TextModels`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageDraw, ImageFont

from services.vision import ocr
from tests.inference_support import model_repository, picture

#: The motorcycle's box as YOLOX-Nano finds it in motorcycle_left.png (741x500).
MOTORCYCLE = (110, 64, 710, 446)


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans Bold (shipped with matplotlib), else Pillow's own scalable font."""
    try:
        import matplotlib

        path = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    except ImportError:
        pass
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


def draw_plate(image: np.ndarray, text: str, centre: tuple[int, int], *, size: int = 26) -> np.ndarray:
    """`image` with a white plate, a black border and `text` in black, centred at `centre`."""
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font(size))
    w, h = right - left + size, bottom - top + size // 2
    cx, cy = centre
    draw.rectangle([cx - w // 2, cy - h // 2, cx + w // 2, cy + h // 2], fill="white", outline="black", width=2)
    draw.text((cx, cy), text, font=font(size), fill="black", anchor="mm")
    return np.asarray(canvas).copy()


def plated_motorcycle(text: str, *, size: int = 26) -> np.ndarray:
    """The motorcycle with a plate below its engine, at 3/4 of its box's height."""
    x1, y1, x2, y2 = MOTORCYCLE
    return draw_plate(picture("motorcycle_left.png"), text, ((x1 + x2) // 2, y1 + (y2 - y1) * 3 // 4), size=size)


@cache
def _session(model: str) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    path = model_repository() / model / "1" / "model.onnx"
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class LocalTextModels:
    """PP-OCRv4 of the model repository, run in-process."""

    async def detect(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(_session("ppocr_det").run(None, {"x": x[None]})[0][0, 0])

    async def recognise(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(_session("ppocr_rec").run(None, {"x": x[None]})[0][0])


def characters() -> list[str]:
    return ocr.load_dictionary(model_repository() / "ppocr_rec" / "ppocr_keys.txt")


def make_plate_clip(path: Path, text: str, *, fps: int = 10, seconds_in: float = 2.0, seconds_out: float = 3.0) -> Path:
    """An H.264 clip (740x500): the plated motorcycle for `seconds_in`, then
    an empty grey scene (it has left) for `seconds_out`."""
    import av

    scene = np.ascontiguousarray(plated_motorcycle(text)[:500, :740])
    empty = np.full_like(scene, 90)
    frames = [scene] * round(fps * seconds_in) + [empty] * round(fps * seconds_out)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 740, 500, "yuv420p"
        stream.options = {"crf": "18"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
