"""Plane geometry on points normalised to the frame or in pixels: which side
of a line a point is on, whether a move crosses a polyline and which way,
whether a point is inside a polygon."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

Point = tuple[float, float]


def cross(o: Point, a: Point, b: Point) -> float:
    """The z of (a - o) x (b - o): positive when b lies clockwise of a as
    seen on a screen (y grows downwards), i.e. on the right of o -> a."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def crossing(line: Sequence[Point], start: Point, end: Point) -> int:
    """How the move `start` -> `end` crosses the polyline `line`: +1 when it
    goes from the left of the line (walking from its first point to its
    last, on the screen) to its right, -1 the other way, 0 when it does not
    cross or crosses back as often as it crosses over."""
    total = 0
    for a, b in itertools.pairwise(line):
        d1, d2 = cross(a, b, start), cross(a, b, end)
        d3, d4 = cross(start, end, a), cross(start, end, b)
        # A proper crossing: the move's ends on strictly opposite sides of the
        # segment, and the segment's ends on opposite sides of the move (an
        # end of the segment exactly on the move counts, once, on one side).
        if d1 * d2 < 0 and ((d3 > 0) != (d4 > 0)):
            total += 1 if d2 > 0 else -1
    return (total > 0) - (total < 0)


def distance(line: Sequence[Point], p: Point) -> float:
    """The shortest distance from `p` to the polyline `line`."""
    best = float("inf")
    for a, b in itertools.pairwise(line):
        dx, dy = b[0] - a[0], b[1] - a[1]
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
        qx, qy = a[0] + t * dx - p[0], a[1] + t * dy - p[1]
        best = min(best, (qx * qx + qy * qy) ** 0.5)
    return best


def inside(polygon: Sequence[Point], p: Point) -> bool:
    """Whether `p` is inside `polygon` (even-odd rule; a point on the
    boundary may go either way)."""
    x, y = p
    found = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            found = not found
        j = i
    return found
