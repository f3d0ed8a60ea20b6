"""`python -m services.classification`: the Classification process (Gaard
`/api/classify`, `/api/result`), wired in services/classification/wiring.py."""

from services.classification.wiring import build
from services.common.server import run

if __name__ == "__main__":
    run("classification", build)
