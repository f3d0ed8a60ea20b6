"""`python -m services.uploads`: the Uploads process (Lenz chunked uploads
and FindFace video archives, one video store), wired in
services/uploads/wiring.py."""

from __future__ import annotations

import asyncio

from services.common.server import configure_logging, serve
from services.common.settings import Settings
from services.uploads.wiring import UPLOAD_SERVER_OPTIONS, interceptors, wire


def main() -> None:
    settings = Settings()
    configure_logging(settings)
    registered, sessions = wire(settings)
    asyncio.run(
        serve(
            settings,
            "uploads",
            registered,
            background=[sessions.housekeeping],
            options=UPLOAD_SERVER_OPTIONS,
            interceptors=interceptors(settings),
        )
    )


if __name__ == "__main__":
    main()
