"""Plates rendered onto a real vehicle picture (scikit-image's motorcycle),
with a real TrueType font, for the plate reader's and the plate stage's
tests; and PP-OCRv4 run in-process by onnxruntime as `TextModels`."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from services.vision import ocr
from tests.inference_support import model_repository, picture

#: The motorcycle's box as YOLOX-Nano finds it in motorcycle_left.png (741x500).
MOTORCYCLE = (110, 64, 710, 446)


@cache
def font(size: int, name: str = "DejaVuSans-Bold") -> ImageFont.FreeTypeFont:
    """A DejaVu font shipped with matplotlib (`name`), else Pillow's own scalable font."""
    try:
        import matplotlib

        path = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / f"{name}.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    except ImportError:
        pass
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


def draw_plate(
    image: np.ndarray,
    text: str,
    centre: tuple[int, int],
    *,
    size: int = 26,
    font_name: str = "DejaVuSans-Bold",
    angle: float = 0.0,
    blur: float = 0.0,
) -> np.ndarray:
    """`image` with a white plate, a black border and `text` in black, centred
    at `centre`, turned by `angle` degrees (counter-clockwise) and blurred by
    a Gaussian of radius `blur` pixels."""
    face = font(size, font_name)
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=face)
    w, h = int(right - left) + size, int(bottom - top) + size // 2
    plate = Image.new("RGBA", (w + 4, h + 4), (0, 0, 0, 0))
    draw = ImageDraw.Draw(plate)
    draw.rectangle([2, 2, w + 1, h + 1], fill="white", outline="black", width=2)
    draw.text(((w + 4) / 2, (h + 4) / 2), text, font=face, fill="black", anchor="mm")
    if angle:
        plate = plate.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    canvas = Image.fromarray(image).convert("RGBA")
    cx, cy = centre
    canvas.alpha_composite(plate, (cx - plate.width // 2, cy - plate.height // 2))
    out = canvas.convert("RGB")
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(out).copy()


def plated_motorcycle(text: str, *, size: int = 26, **style: Any) -> np.ndarray:
    """The motorcycle with a plate below its engine, at 3/4 of its box's
    height (`style`: `font_name`, `angle`, `blur` of `draw_plate`)."""
    x1, y1, x2, y2 = MOTORCYCLE
    return draw_plate(
        picture("motorcycle_left.png"), text, ((x1 + x2) // 2, y1 + (y2 - y1) * 3 // 4), size=size, **style
    )


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
