"""Start `vigil run` as a subprocess on free ports and wait until the REST
edge answers: used by the end-to-end tests and the benchmarks (it is no part
of the production package)."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import psutil

from services.common.health import serving
from services.common.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
#: Every port setting (`VIGIL_<NAME>_PORT`), from the one settings model.
PORT_NAMES = tuple(name.removesuffix("_port").upper() for name in Settings.model_fields if name.endswith("_port"))


@dataclass
class RunningPlatform:
    """`vigil run` in a subprocess, with its ports and environment."""

    process: subprocess.Popen[bytes]
    env: dict[str, str]
    data_dir: Path
    log: Path
    _credentials: dict[str, str] = field(default_factory=dict)

    def settings(self) -> Settings:
        """The settings the platform runs with (its environment)."""
        with mock.patch.dict(os.environ, self.env, clear=True):
            return Settings()

    def bearer(self, subject: str = "tester", **claims: object) -> str:
        """A Lenz Bearer token from the platform's local key."""
        from services.auth.keys import issue_token

        return issue_token(self.settings(), subject, 6 * 3600, **claims)

    def findface_token(self, owner: str = "tester") -> str:
        """A FindFace token for `owner`, made as `vigil token create` makes one."""
        from services.auth.tokens import TokenStore
        from services.db.engine import make_engine

        engine = make_engine(self.env["VIGIL_DATABASE_URL"])
        try:
            return TokenStore(engine).create(owner)[1]
        finally:
            engine.dispose()

    def credentials(self) -> dict[str, str]:
        """The default credentials of the test clients (made once)."""
        if not self._credentials:
            self._credentials["token"] = self.findface_token()
            if not self.settings().auth.jwks_file:  # else tokens come from the operator's identity provider
                self._credentials["bearer"] = self.bearer()
        return self._credentials

    def url(self, path: str = "/", listener: str = "HTTP") -> str:
        return f"http://127.0.0.1:{self.env[f'VIGIL_{listener}_PORT']}{path}"

    def grpc_target(self, service: str) -> str:
        return f"127.0.0.1:{self.env[f'VIGIL_{service.upper()}_PORT']}"

    def child(self, needle: str) -> psutil.Process:
        """The child process whose command line contains `needle`
        (`services.uploads`, `envoy`); LookupError when there is none."""
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if needle in " ".join(child.cmdline()):
                    return child
            except psutil.NoSuchProcess:
                continue
        raise LookupError(f"no child process matching {needle!r}")

    def service_process(self, service: str) -> psutil.Process:
        """The running process of one gRPC service (`uploads`, ...)."""
        return self.child(f"services.{service}")

    def serving(self, service: str) -> bool:
        """True when the service answers SERVING on gRPC health."""
        return asyncio.run(serving(self.grpc_target(service), wait=1))

    def wait_restarted(self, service: str, old_pid: int, timeout: float = 60) -> None:
        """Wait until the supervisor has started `service` again after the
        process `old_pid` died, and it is SERVING."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(LookupError):
                if self.service_process(service).pid != old_pid and self.serving(service):
                    return
            time.sleep(0.2)
        raise AssertionError(f"the {service} service did not come back")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def _answers(url: str) -> bool:
    # Until Envoy listens, another program may hold the port for a moment and
    # answer something that is not HTTP/1.1 (http.client.HTTPException).
    with contextlib.suppress(OSError, http.client.HTTPException), urllib.request.urlopen(url, timeout=1) as reply:
        return bool(reply.status == 200)
    return False


def start_platform(
    database_url: str,
    data_dir: Path,
    free_port: Callable[[], int],
    extra_env: dict[str, str] | None = None,
) -> RunningPlatform:
    """Run the platform on `database_url`, every port taken from `free_port`;
    `extra_env` adds or overrides settings (`VIGIL_...`)."""
    names = PORT_NAMES
    env = dict(os.environ)
    ports: list[int] = []
    while len(ports) < len(names):  # the OS may hand the same free port out twice
        port = free_port()
        if port not in ports:
            ports.append(port)
    env.update({f"VIGIL_{name}_PORT": str(port) for name, port in zip(names, ports, strict=True)})
    env.update(
        VIGIL_DATA_DIR=str(data_dir),
        VIGIL_DATABASE_URL=database_url,
        VIGIL_HTTP_HOST="127.0.0.1",
        VIGIL_GRACE_SECONDS="1",
        VIGIL_HEARTBEAT_SECONDS="1",
        VIGIL_ENV_FILE=str(data_dir / "none.env"),
        # The LUNA tests play the outside worker and need a queue nobody else
        # drains; tests/e2e/test_luna_worker.py turns Vigil's own worker on.
        VIGIL_ENGINE_LUNA_WORKER="false",
    )
    env.update(extra_env or {})
    log = data_dir / "platform.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "services.platform.cli", "run"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    platform = RunningPlatform(process, env, data_dir, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vigil run exited early:\n{log.read_text()[-4000:]}")
        if _answers(platform.url("/healthcheck")):
            return platform
        time.sleep(0.3)
    platform.stop()
    raise RuntimeError(f"platform did not come up:\n{log.read_text()[-4000:]}")
