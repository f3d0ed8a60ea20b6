"""Licence plate reading: accuracy and time per vehicle of the plate reader
(services/analysis/plates.py: PP-OCRv4 detection on the lower part of the
vehicle's box, the most plate-like regions recognised, normalised to a
pattern) on plates rendered onto a real vehicle picture (scikit-image's
motorcycle, the only vehicle picture that ships offline) with several
fonts, sizes, blurs and angles. One frame per plate: no vote over a track
(which mends single misreads; see the unit tests).

Plates are random Indonesian ones (1-2 letters, 1-4 digits, 0-3 letters,
seeded), read with the `ID` pattern. Reported per condition: plates read
exactly, character accuracy (1 - edit distance / length, with nothing read
counting as every character wrong), and the median time per read
(onnxruntime in-process on the CPU, models of the repository).

    python -m benchmarks.plates [--plates 12] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import string
import time

from rapidfuzz.distance import Levenshtein

from services.analysis import plates
from tests.plates_support import MOTORCYCLE, LocalTextModels, characters, plated_motorcycle

FONTS = ("DejaVuSans-Bold", "DejaVuSansMono-Bold", "DejaVuSerif-Bold")
SIZES = (18, 26, 34)
BLURS = (0.0, 1.0, 2.0)
ANGLES = (0.0, 5.0, 10.0)


def random_plate(rng: random.Random) -> str:
    letters = string.ascii_uppercase
    return (
        "".join(rng.choices(letters, k=rng.randint(1, 2)))
        + "".join(rng.choices(string.digits, k=rng.randint(1, 4)))
        + "".join(rng.choices(letters, k=rng.randint(0, 3)))
    )


async def run(count: int, seed: int) -> None:
    rng = random.Random(seed)
    texts = [random_plate(rng) for _ in range(count)]
    reader = plates.PlateReader(LocalTextModels(), characters())
    pattern = re.compile(plates.REGIONS["ID"])
    base = {"font_name": FONTS[0], "size": 26, "blur": 0.0, "angle": 0.0}
    conditions = [dict(base)]
    conditions += [{**base, "font_name": f} for f in FONTS[1:]]
    conditions += [{**base, "size": s} for s in SIZES if s != base["size"]]
    conditions += [{**base, "blur": b} for b in BLURS[1:]]
    conditions += [{**base, "angle": a} for a in ANGLES[1:]]
    await reader.read(plated_motorcycle("B1"), pattern)  # warm the sessions up
    print(f"{count} random Indonesian plates per condition, one frame each, on scikit-image's motorcycle")
    print(f"{'condition':<44} {'exact':>7} {'chars':>7} {'median ms':>10}")
    for condition in conditions:
        exact = 0
        chars: list[float] = []
        times: list[float] = []
        for text in texts:
            image = plated_motorcycle(text, **condition)  # type: ignore[arg-type]
            x1, y1, x2, y2 = plates.plate_zone(MOTORCYCLE, image.shape[:2])
            start = time.perf_counter()
            read = await reader.read(image[y1:y2, x1:x2], pattern)
            times.append(time.perf_counter() - start)
            got = read.text if read else ""
            exact += got == text
            chars.append(max(0.0, 1 - Levenshtein.distance(got, text) / len(text)))
        label = f"{condition['font_name']} {condition['size']}px blur {condition['blur']} angle {condition['angle']}"
        print(
            f"{label:<44} {exact / count:>7.0%} {statistics.fmean(chars):>7.1%} "
            f"{statistics.median(times) * 1000:>10.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plates", type=int, default=12, help="plates per condition")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.plates, args.seed))


if __name__ == "__main__":
    main()
