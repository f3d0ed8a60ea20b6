"""`python -m services.engine`: the stream engine process, wired in
services/engine/wiring.py."""

from services.common.server import run
from services.engine.wiring import build

if __name__ == "__main__":
    run("engine", build)
