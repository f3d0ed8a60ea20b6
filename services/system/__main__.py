"""`python -m services.system`: the System process, wired in
services/system/wiring.py."""

from services.common.server import run
from services.system.wiring import build

if __name__ == "__main__":
    run("system", build)
