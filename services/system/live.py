"""The platform settings that act while the platform runs: `enable_cors`
turns the REST edge's CORS policy on or off through Envoy's admin runtime
(`vigil.cors.enabled`, the policy's `filter_enabled` runtime key, see
services/platform/envoy_config.py), and `log_level` is published to every
service (services/common/server.py follows it). Nothing needs a restart."""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from services.common.server import write_log_level
from services.platform.envoy_config import CORS_RUNTIME_KEY

log = logging.getLogger(__name__)


class LiveConfig:
    """Applies the stored platform configuration to the running platform."""

    def __init__(self, data_dir: Path, envoy_admin_port: int) -> None:
        self._data_dir = data_dir
        self._envoy_admin_port = envoy_admin_port
        self._cors_pushed: bool | None = None

    async def apply(self, config: dict[str, Any]) -> None:
        """Make `config` act now. Envoy may not be up yet (it starts after
        the services): the caller applies again until `cors_applied`."""
        await asyncio.to_thread(write_log_level, self._data_dir, str(config["log_level"]))
        enabled = bool(config["enable_cors"])
        if self._cors_pushed is not enabled:
            if await asyncio.to_thread(self._set_cors, enabled):
                self._cors_pushed = enabled

    def _set_cors(self, enabled: bool) -> bool:
        query = urllib.parse.urlencode({CORS_RUNTIME_KEY: "100" if enabled else "0"})
        url = f"http://127.0.0.1:{self._envoy_admin_port}/runtime_modify?{query}"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=2) as reply:
                ok = reply.status == 200
        except (OSError, urllib.error.URLError) as exc:
            log.debug("Envoy admin not reachable for CORS (%s); will retry", exc)
            return False
        if ok:
            log.info("CORS %s at the REST edge", "enabled" if enabled else "disabled")
        return ok
