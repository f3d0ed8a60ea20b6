"""`python -m services.catalog`: the catalog process (analytics catalog and
pipeline assignment), wired in services/catalog/wiring.py."""

from services.catalog.wiring import build
from services.common.server import run

if __name__ == "__main__":
    run("catalog", build)
