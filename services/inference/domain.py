"""The inference domain: which models are loaded, in which state, and the
entry points the gRPC face calls (Triton's model control, metadata, inference,
statistics)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from inference import model_config_pb2 as mc

from services.common.errors import InvalidArgument, NotFound, Unavailable, VigilError
from services.inference import config as configs
from services.inference.backend import OnnxSession, cuda_usable, usable_cores
from services.inference.control import LogSettings, TraceSettings
from services.inference.model import InferCall, InferOutcome, LoadedModel, policy_of
from services.inference.repository import ModelRepository
from services.inference.scheduler import Instances, Scheduler
from services.inference.shm import SharedMemoryRegions
from services.inference.stats import ModelStats

log = logging.getLogger(__name__)

SERVER_NAME = "vigil-inference"
#: The protocol extensions this server implements (Triton's names).
EXTENSIONS = (
    "model_configuration",
    "model_repository",
    "schedule_policy",
    "statistics",
    "system_shared_memory",
    "cuda_shared_memory",
    "trace",
    "logging",
)

READY, UNAVAILABLE, LOADING, UNLOADING = "READY", "UNAVAILABLE", "LOADING", "UNLOADING"

SessionFactory = Callable[[str, "int | None", int], OnnxSession]


def default_sessions(path: str, gpu: int | None, threads: int) -> OnnxSession:
    return OnnxSession(path, gpu=gpu, threads=threads)


@dataclass
class VersionState:
    """One version of a model as the index reports it."""

    state: str
    reason: str = ""
    model: LoadedModel | None = None


@dataclass
class ModelEntry:
    """What the server knows of one model of the repository."""

    versions: dict[int, VersionState] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    wanted: bool = False  # loaded at start-up or by request, not unloaded since


@dataclass(frozen=True)
class IndexEntry:
    """One row of the repository index."""

    name: str
    version: str
    state: str
    reason: str


class InferenceDomain:
    """Model control and inference over one model repository."""

    def __init__(
        self,
        repository: ModelRepository,
        *,
        control_mode: str = "explicit",
        poll_seconds: float = 15.0,
        threads: int = 0,
        default_max_queue_size: int = 0,
        sessions: SessionFactory = default_sessions,
        gpu_available: Callable[[], bool] = cuda_usable,
    ) -> None:
        self.repository = repository
        self.control_mode = control_mode
        self._poll_seconds = poll_seconds
        self._poller: asyncio.Task[None] | None = None
        #: What each model's folder looked like when it was last (re)loaded (poll mode).
        self._seen: dict[str, tuple[object, ...]] = {}
        self._threads = threads
        self._default_max_queue_size = default_max_queue_size
        self._sessions = sessions
        self._gpu_available = gpu_available
        self._models: dict[str, ModelEntry] = {}
        self._started = False
        #: Registered system shared-memory regions (Triton's extension).
        self.regions = SharedMemoryRegions()
        #: Trace settings (stored, reported) and log settings (applied).
        self.trace = TraceSettings()
        self.log_settings = LogSettings.from_logging()

    # -- server ---------------------------------------------------------------

    @staticmethod
    def server_metadata() -> tuple[str, str, tuple[str, ...]]:
        try:
            version = metadata.version("vigil")
        except metadata.PackageNotFoundError:
            version = "0.0.0"
        return SERVER_NAME, version, EXTENSIONS

    def server_ready(self) -> bool:
        """Ready once started, when every model it should serve has a ready version."""
        if not self._started:
            return False
        return all(
            any(v.state == READY for v in entry.versions.values()) for entry in self._models.values() if entry.wanted
        )

    async def start(self, load: Sequence[str]) -> None:
        """Load the start-up models (`*` = every model of the repository; in
        poll mode every model, as Triton does), then start polling in poll mode."""
        if self.control_mode == "poll":
            await self.poll()
            self._poller = asyncio.create_task(self._poll_forever(), name="repository-poll")
        else:
            names = self.repository.names() if "*" in load else [n for n in load if n]
            for name in names:
                try:
                    await self.load(name, _internal=True)
                except VigilError as err:
                    log.error("model '%s' failed to load: %s", name, err.message)
        self._started = True

    async def poll(self) -> None:
        """One pass of Triton's `poll` model control: load the models that
        appeared in the repository, reload those whose folder changed (a
        version added or removed, a new configuration or model file), unload
        those that disappeared. A model that fails to load is logged and left
        unavailable until its folder changes again."""
        present = set(self.repository.names())
        for name in sorted(present):
            fingerprint = self.repository.fingerprint(name)
            if self._seen.get(name) == fingerprint:
                continue
            self._seen[name] = fingerprint
            try:
                await self.load(name, _internal=True)
            except VigilError as err:
                log.error("model '%s' failed to load: %s", name, err.message)
        for name in sorted(set(self._seen) - present):
            del self._seen[name]
            await self.unload(name, _internal=True)

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self.poll()
            except Exception:  # a repository on a flaky disk: try again next time
                log.exception("polling the model repository failed")

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        self.regions.close()
        for name in list(self._models):
            entry = self._models[name]
            for state in entry.versions.values():
                if state.model is not None:
                    await state.model.scheduler.close()

    # -- model control ----------------------------------------------------------

    def _entry(self, name: str) -> ModelEntry:
        return self._models.setdefault(name, ModelEntry())

    async def load(self, name: str, config: mc.ModelConfig | None = None, *, _internal: bool = False) -> None:
        """Load (or reload) a model's versions; in-flight requests of a previous
        load finish on it."""
        if not _internal and self.control_mode != "explicit":
            raise Unavailable("explicit model load / unload is not allowed if polling is enabled or mode is none")
        folder = self.repository.folder(name)
        entry = self._entry(name)
        async with entry.lock:
            entry.wanted = True
            for state in entry.versions.values():
                if state.model is None:
                    state.state, state.reason = LOADING, ""
            try:
                loaded = await asyncio.to_thread(self._build, name, folder, config)
            except VigilError as err:
                for state in entry.versions.values():
                    if state.model is None:
                        state.state, state.reason = UNAVAILABLE, err.message
                if not entry.versions:
                    entry.versions[0] = VersionState(UNAVAILABLE, err.message)
                raise
            except Exception as exc:  # onnxruntime could not open the model
                log.exception("model '%s' failed to load", name)
                message = f"failed to load '{name}': {str(exc)[:500]}"
                entry.versions = entry.versions or {0: VersionState(UNAVAILABLE, message)}
                for state in entry.versions.values():
                    if state.model is None:
                        state.state, state.reason = UNAVAILABLE, message
                raise InvalidArgument(message) from None
            old = [s.model for s in entry.versions.values() if s.model is not None]
            versions: dict[int, VersionState] = {}
            for model in loaded:
                model.scheduler.start()
                versions[model.version] = VersionState(READY, "", model)
            for number in entry.versions:
                if number not in versions and number != 0:
                    versions[number] = VersionState(UNAVAILABLE, "unloaded")
            entry.versions = versions
        for model in old:
            await model.scheduler.close()
        log.info("model '%s' loaded: versions %s", name, sorted(v.version for v in loaded))

    def _build(self, name: str, folder: Path, override: mc.ModelConfig | None) -> list[LoadedModel]:
        """Read, complete and check the configuration; open every selected version."""
        config = mc.ModelConfig()
        config.CopyFrom(override if override is not None else configs.read_config(folder))
        filename = config.default_model_filename or configs.DEFAULT_FILENAME
        available = self.repository.versions(name, filename)
        if not available:
            raise InvalidArgument(f"failed to load '{name}', no version is available")
        selected = configs.select_versions(config, list(available))
        if not selected:
            raise InvalidArgument(f"failed to load '{name}': the version policy selects none of {sorted(available)}")
        built: list[LoadedModel] = []
        for version in selected:
            version_config = mc.ModelConfig()
            version_config.CopyFrom(config)
            built.append(self._open(name, version, str(available[version]), version_config))
        return built

    def _open(self, name: str, version: int, path: str, config: mc.ModelConfig) -> LoadedModel:
        groups = list(config.instance_group) or [mc.ModelInstanceGroup(count=1)]
        total = sum(max(g.count, 1) for g in groups)
        threads = self._threads or max(1, usable_cores() // total)
        placements: list[int | None] = []
        for group in groups:
            kind = group.kind
            if kind == mc.ModelInstanceGroup.KIND_GPU and not self._gpu_available():
                raise InvalidArgument(f"failed to load '{name}': instance group kind KIND_GPU but no GPU is usable")
            gpu = kind != mc.ModelInstanceGroup.KIND_CPU and self._gpu_available()
            devices: list[int | None] = list(group.gpus) if gpu and group.gpus else [0] if gpu else [None]
            for device in devices:
                placements += [device] * max(group.count, 1)
        sessions = [self._sessions(path, device, threads) for device in placements]
        configs.complete(config, name, sessions[0].inputs, sessions[0].outputs)
        configs.check(config, name, sessions[0].inputs, sessions[0].outputs)
        for group in config.instance_group:
            if group.kind == mc.ModelInstanceGroup.KIND_AUTO:
                gpu = self._gpu_available()
                group.kind = mc.ModelInstanceGroup.KIND_GPU if gpu else mc.ModelInstanceGroup.KIND_CPU
        stats = ModelStats(name, str(version))
        scheduler = Scheduler(name, policy_of(config, self._default_max_queue_size), Instances(sessions, name), stats)
        log.info(
            "model '%s' version %d: %d instance(s) on %s, %d thread(s) each",
            name,
            version,
            len(sessions),
            ", ".join(sorted({s.device for s in sessions})),
            threads,
        )
        return LoadedModel(config, version, scheduler, stats)

    async def unload(self, name: str, *, _internal: bool = False) -> None:
        """Unload every version; queued requests finish first."""
        if not _internal and self.control_mode != "explicit":
            raise Unavailable("explicit model load / unload is not allowed if polling is enabled or mode is none")
        entry = self._models.get(name)
        if entry is None:
            if name not in self.repository.names():
                raise NotFound(f"failed to unload '{name}': no model '{name}' in the repository")
            return
        async with entry.lock:
            entry.wanted = False
            models = []
            for state in entry.versions.values():
                if state.model is not None:
                    state.state = UNLOADING
                    models.append(state.model)
            for model in models:
                await model.scheduler.close()
            for state in entry.versions.values():
                state.state, state.reason, state.model = UNAVAILABLE, "unloaded", None
        log.info("model '%s' unloaded", name)

    # -- lookups --------------------------------------------------------------

    def index(self, ready_only: bool = False) -> list[IndexEntry]:
        """Every model of the repository (and every loaded one), with states."""
        rows: list[IndexEntry] = []
        for name in sorted(set(self.repository.names()) | set(self._models)):
            entry = self._models.get(name)
            if entry is None or not entry.versions:
                if not ready_only:
                    rows.append(IndexEntry(name, "", "", ""))
                continue
            for number, state in sorted(entry.versions.items()):
                if ready_only and state.state != READY:
                    continue
                rows.append(IndexEntry(name, str(number) if number else "", state.state, state.reason))
        return rows

    def model(self, name: str, version: str = "") -> LoadedModel:
        """A ready model version (the highest when none is named)."""
        entry = self._models.get(name)
        ready = {n: s.model for n, s in (entry.versions.items() if entry else []) if s.model is not None}
        if not ready:
            raise NotFound(f"Request for unknown model: '{name}' is not found")
        if not version:
            return ready[max(ready)]
        if not version.isdigit() or int(version) not in ready:
            raise NotFound(f"Request for unknown model: '{name}' version {version} is not found")
        model = ready[int(version)]
        assert model is not None
        return model

    def model_ready(self, name: str, version: str = "") -> bool:
        try:
            self.model(name, version)
        except NotFound:
            return False
        return True

    def versions(self, name: str) -> list[str]:
        entry = self._models.get(name)
        return [str(n) for n, s in sorted(entry.versions.items()) if s.model is not None] if entry else []

    def statistics(self, name: str = "", version: str = "") -> list[ModelStats]:
        """Statistics of one model (version), or of every ready model."""
        if name:
            if version:
                return [self.model(name, version).stats]
            self.model(name)  # NOT_FOUND when none is ready
            entry = self._models[name]
            return [s.model.stats for _, s in sorted(entry.versions.items()) if s.model is not None]
        return [
            s.model.stats
            for _, entry in sorted(self._models.items())
            for _, s in sorted(entry.versions.items())
            if s.model is not None
        ]

    def all_stats(self) -> list[ModelStats]:
        return self.statistics()

    # -- inference ------------------------------------------------------------

    async def infer(self, call: InferCall) -> InferOutcome:
        model = self.model(call.model, call.version)
        started = time.monotonic_ns()
        try:
            return await model.infer(call)
        except InvalidArgument:
            model.stats.failed(time.monotonic_ns() - started, "OTHER")
            raise
