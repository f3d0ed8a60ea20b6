"""Video with PyAV, for every service: the one opener (`container`), what a
stored file is (`probe`), decoding and sampling for analysis (`sampling`),
JPEG encoding (`jpeg`) and the hand-over of decoded frames from a decoding
thread to the event loop (`handoff`)."""
