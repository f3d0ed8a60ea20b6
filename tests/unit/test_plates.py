"""The plate reader and the per-track vote (services/analysis/plates.py) on
plates rendered with a TrueType font onto scikit-image's motorcycle, read by
the real PP-OCRv4 models (in-process) and tracked from real YOLOX-Nano
detections."""

from __future__ import annotations

import re

import numpy as np
import pytest

from services.analysis import plates
from services.analysis.plates import PlateAnalyser, PlateReader, PlateSettingsError, PlateVote
from services.vision import yolox
from tests.plates_support import MOTORCYCLE, LocalTextModels, characters, plated_motorcycle
from tests.unit.test_vision import session

INDONESIA = re.compile(plates.REGIONS["ID"])


def detect(image: np.ndarray) -> list[yolox.Detection]:
    x, scale = yolox.preprocess(image)
    out = session("yolox_nano").run(None, {"images": x[None]})[0][0]
    return yolox.decode(out, scale, score_threshold=0.1, shape=image.shape[:2])


def reader() -> PlateReader:
    return PlateReader(LocalTextModels(), characters())


def zone(image: np.ndarray, box: tuple[float, float, float, float] = MOTORCYCLE) -> np.ndarray:
    x1, y1, x2, y2 = plates.plate_zone(box, image.shape[:2])
    return image[y1:y2, x1:x2]


@pytest.mark.parametrize(("text", "size"), [("B1234XYZ", 26), ("AD 77 KL", 30), ("D 5 A", 22)])
async def test_a_plate_on_a_motorcycle_is_read(text: str, size: int) -> None:
    image = plated_motorcycle(text, size=size)
    read = await reader().read(zone(image), INDONESIA)
    assert read is not None
    assert read.text == text.replace(" ", "")
    assert read.confidence > 0.8
    # The motorcycle's own badge ("MAXIM", on the engine) is text too, but not this one.
    x1, y1, x2, y2 = read.box
    assert (x2 - x1) / (y2 - y1) > 2


async def test_without_a_plate_nothing_reads_as_one() -> None:
    image = plated_motorcycle("")[..., :3] * 0 + 128  # a flat grey picture
    assert await reader().read(zone(image.astype(np.uint8)), INDONESIA) is None


async def test_a_text_that_does_not_match_the_pattern_is_no_plate() -> None:
    image = plated_motorcycle("3477")  # digits only, none like a letter: no Indonesian area code
    assert await reader().read(zone(image), INDONESIA) is None
    generic = await reader().read(zone(image), re.compile(plates.REGIONS["generic"]))
    assert generic is not None and generic.text == "3477"


def test_normalise_cleans_and_checks_the_pattern() -> None:
    assert plates.normalise(" b 1234-xyz. ", INDONESIA) == "B1234XYZ"
    assert plates.normalise("\uff42\uff11\uff12\uff13", INDONESIA) == "B123"  # full-width forms fold (NFKC)
    assert plates.normalise("34789", INDONESIA) is None
    # Look-alikes swapped where the pattern wants the other kind, fewest first.
    assert plates.normalise("81234XY2", INDONESIA) == "B1234XYZ"
    assert plates.normalise("B12O4", INDONESIA) == "B1204"
    assert plates.normalise("8I2O4", INDONESIA) == "BI204"  # two swaps
    assert plates.normalise("347X", INDONESIA) is None  # no look-alike to swap
    generic = re.compile(plates.REGIONS["generic"])
    assert plates.normalise("81234XY2", generic) == "81234XY2"  # it matches as read: nothing swapped
    assert plates.normalise("", INDONESIA) is None


def test_settings_check_the_region_and_the_pattern() -> None:
    assert plates.PlateSettings.from_config({}).pattern.pattern == plates.REGIONS["generic"]
    assert plates.PlateSettings.from_config({"plate_region": "ID"}).pattern is not None
    custom = plates.PlateSettings.from_config({"plate_region": "ID", "plate_pattern": "^[0-9]{3}$"})
    assert custom.pattern.pattern == "^[0-9]{3}$"
    with pytest.raises(PlateSettingsError, match="not a valid regular expression"):
        plates.PlateSettings.from_config({"plate_pattern": "^[A-Z"})
    with pytest.raises(PlateSettingsError, match="plate_region"):
        plates.PlateSettings.from_config({"plate_region": "XX"})


def test_the_vote_mends_single_misreads_character_by_character() -> None:
    vote = PlateVote(INDONESIA)
    for text, conf in [("B1234XYZ", 0.9), ("B1284XYZ", 0.95), ("B1234XY2", 0.7), ("B1234XYZ", 0.6)]:
        vote.add(text, conf)
    result = vote.result()
    assert result is not None and result[0] == "B1234XYZ"
    assert 0.5 < result[1] < 1.0
    # Strings of other lengths lose to the length most confidence backs.
    vote.add("B1234X", 0.99)
    assert vote.result() is not None and vote.result()[0] == "B1234XYZ"  # type: ignore[index]
    assert PlateVote(INDONESIA).result() is None


async def test_one_vehicle_gives_one_plate_over_its_track() -> None:
    image = plated_motorcycle("B1234XYZ")
    detections = detect(image)
    assert any(d.label == "motorcycle" for d in detections)
    analyser = PlateAnalyser({"plate_region": "ID", "reads_per_track": 3, "text_confidence_threshold": 0.6})
    height, width = image.shape[:2]
    results = []
    read_frames = 0
    for frame in range(6):
        time = frame * 0.2
        for vehicle in analyser.vehicles(detections, (width, height), time):
            box = (vehicle.box[0] * width, vehicle.box[1] * height, vehicle.box[2] * width, vehicle.box[3] * height)
            read = await reader().read(zone(image, box), analyser.settings.pattern)
            read_frames += 1
            analyser.add(vehicle.track_id, read, image, zone(image, box))
        results += analyser.finished(time)
    # Read until three reads agreed, then no more; one result.
    assert read_frames == 3
    assert [(r.text, r.label, r.reads) for r in results] == [("B1234XYZ", "motorcycle", 3)]
    assert results[0].confidence > 0.8
    assert results[0].plate.shape[0] <= plates.PLATE_CROP_HEIGHT
    assert max(results[0].vehicle.shape[:2]) <= plates.VEHICLE_CROP_SIDE
    # The vehicle leaves: its track ends without a second result.
    assert analyser.vehicles([], (width, height), 5.0) == []
    assert analyser.finished(5.0) == []


async def test_a_track_that_ends_early_gives_its_plate() -> None:
    image = plated_motorcycle("AB12C")
    detections = detect(image)
    analyser = PlateAnalyser({"plate_region": "ID", "reads_per_track": 10})
    height, width = image.shape[:2]
    for time in (0.0, 0.2):  # ByteTrack confirms a track on its second frame
        for vehicle in analyser.vehicles(detections, (width, height), time):
            box = (vehicle.box[0] * width, vehicle.box[1] * height, vehicle.box[2] * width, vehicle.box[3] * height)
            read = await reader().read(zone(image, box), analyser.settings.pattern)
            assert analyser.add(vehicle.track_id, read, image, image)
        assert analyser.finished(time) == []
    results = analyser.reset()  # the source restarted: the track ends
    assert [r.text for r in results] == ["AB12C"]
