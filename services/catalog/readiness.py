"""Which models the inference service has ready: the catalog offers an
analytic only while every model it needs is loaded, and asks the service
(KServe v2 `ModelReady`, through the inference client) instead of assuming."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

import grpc

from services.common.errors import Unavailable
from services.inference_client import InferenceClient, InferenceError


class Readiness(Protocol):
    """Tells which of some models are ready."""

    async def ready(self, models: Iterable[str]) -> dict[str, bool]: ...


class ModelReadiness:
    """Asks the inference service, every time (a model loaded or unloaded
    through the repository API shows at once)."""

    def __init__(self, target: str, *, timeout_seconds: float) -> None:
        self._target = target
        self._timeout = timeout_seconds
        self._client: InferenceClient | None = None

    def _connected(self) -> InferenceClient:
        """The client, made on first use, inside the server's event loop."""
        if self._client is None:
            self._client = InferenceClient(self._target, timeout=self._timeout, shared_memory=False)
        return self._client

    async def _one(self, model: str) -> bool:
        try:
            return await self._connected().model_ready(model)
        except InferenceError as err:
            if err.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return False
            raise Unavailable(f"the inference service does not answer ({err.code.name})") from None

    async def ready(self, models: Iterable[str]) -> dict[str, bool]:
        names = sorted(set(models))
        answers = await asyncio.gather(*(self._one(name) for name in names))
        return dict(zip(names, answers, strict=True))

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
