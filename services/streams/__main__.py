"""`python -m services.streams`: the Streams process (Visionaire4 streams and
visualisation, LUNA streams and groups), wired in services/streams/wiring.py."""

from services.common.server import run
from services.streams.wiring import build

if __name__ == "__main__":
    run("streams", build)
