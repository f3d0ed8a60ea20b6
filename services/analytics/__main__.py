"""`python -m services.analytics`: the stream-engine process (live sources,
stream stats, live views; the analytics registry and smart search answer
UNIMPLEMENTED until their issues land), wired in services/engine/wiring.py."""

from __future__ import annotations

import asyncio

from services.common.server import configure_logging, serve
from services.common.settings import Settings
from services.engine.wiring import build


def main() -> None:
    settings = Settings()
    configure_logging(settings)
    process = build(settings)
    asyncio.run(
        serve(settings, "analytics", process.registrations, background=process.background, on_stop=process.engine.close)
    )


if __name__ == "__main__":
    main()
