"""`python -m services.streams`: the Streams process (Visionaire4 streams and
visualisation, LUNA streams and groups), wired in services/streams/wiring.py."""

from __future__ import annotations

import asyncio

from services.common.server import configure_logging, serve
from services.common.settings import Settings
from services.streams.wiring import build


def main() -> None:
    settings = Settings()
    configure_logging(settings)
    process = build(settings)
    asyncio.run(serve(settings, "streams", process.registrations, background=process.background))


if __name__ == "__main__":
    main()
