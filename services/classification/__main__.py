"""`python -m services.classification`: the Classification process (Gaard
`/api/classify`, `/api/result`), wired in services/classification/wiring.py."""

from __future__ import annotations

import asyncio

from services.classification.wiring import wire
from services.common.server import configure_logging, serve
from services.common.settings import Settings
from services.inference_client import InferenceClient


def main() -> None:
    settings = Settings()
    configure_logging(settings)

    async def run() -> None:
        async with InferenceClient(settings.grpc_target("inference")) as client:
            registration, domain = wire(settings, client)
            await domain.recover()
            await serve(settings, "classification", [registration], background=[domain.run])

    asyncio.run(run())


if __name__ == "__main__":
    main()
