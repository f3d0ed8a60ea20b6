"""Library: what the analytics make of detections, frame after frame:
tracking, line crossings, area occupancy and dwell (`objects`), on plain
geometry (`geometry`). No I/O: the engine feeds it one sampled frame's
detections at a time and stores the events it returns."""
