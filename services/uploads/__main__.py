"""`python -m services.uploads`: the Uploads process (Lenz chunked uploads
and FindFace video archives, one video store), wired in
services/uploads/wiring.py."""

from services.common.server import run
from services.uploads.wiring import build

if __name__ == "__main__":
    run("uploads", build)
