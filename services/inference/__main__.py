"""`python -m services.inference`: the inference process, wired in
services/inference/wiring.py."""

from services.common.server import run
from services.inference.wiring import build

if __name__ == "__main__":
    run("inference", build)
