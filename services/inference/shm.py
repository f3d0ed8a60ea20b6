"""Triton's system shared-memory extension: named regions of POSIX
shared-memory objects that requests read inputs from and write outputs to.

A client creates an object with `shm_open` (tritonclient's
`tritonclient.utils.shared_memory.create_shared_memory_region`), registers a
window of it (`key`, `offset`, `byte_size`) under a name, then names that
region, an offset in it and a byte size in an input's or a requested output's
parameters (`shared_memory_region`, `shared_memory_offset`,
`shared_memory_byte_size`) instead of sending the bytes.

The object is opened once, at registration (O_NOFOLLOW, a regular file, the
window inside its size), and read and written with `pread`/`pwrite` at
checked positions, never mapped: a client that shrinks its object after
registering gets a clear error instead of a SIGBUS in the server, and no
request reads or writes outside its region. The messages and codes are
Triton's (`src/shared_memory_manager.cc`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

import grpc
import numpy as np

from services.common.errors import AlreadyExists, InvalidArgument, NotFound, VigilError

#: Where Linux keeps POSIX shared-memory objects (what shm_open opens).
SHM_DIR = "/dev/shm"


class SharedMemoryOpenError(VigilError):
    """The shared-memory object cannot be opened (Triton: INTERNAL)."""

    grpc_code = grpc.StatusCode.INTERNAL
    http_status = 400
    desc = "Unable to open shared memory region"


@dataclass
class Region:
    """One registered region: a window of a shared-memory object."""

    name: str
    key: str
    offset: int
    byte_size: int
    fd: int


def shm_path(key: str) -> str | None:
    """The file behind a shm_open key, or None when the key is not a valid
    object name (glibc: leading slashes dropped, no other slash, not . or ..)."""
    name = key.lstrip("/")
    if not name or "/" in name or name in {".", ".."} or "\0" in name:
        return None
    return os.path.join(SHM_DIR, name)


class SharedMemoryRegions:
    """The registered system shared-memory regions of one server."""

    def __init__(self) -> None:
        self._regions: dict[str, Region] = {}

    def register(self, name: str, key: str, offset: int, byte_size: int) -> None:
        if not name:
            raise InvalidArgument("failed to register shared memory region: a name is required")
        if name in self._regions:
            raise AlreadyExists(f"shared memory region '{name}' already in manager")
        path = shm_path(key)
        if path is None:
            raise SharedMemoryOpenError(f"Unable to open shared memory region: '{key}'")
        try:
            fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            raise SharedMemoryOpenError(f"Unable to open shared memory region: '{key}'") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or offset + byte_size > info.st_size:
                raise InvalidArgument(f"failed to register shared memory region '{name}': invalid args")
        except BaseException:
            os.close(fd)
            raise
        self._regions[name] = Region(name, key, offset, byte_size, fd)

    def status(self, name: str = "") -> list[Region]:
        if not name:
            return sorted(self._regions.values(), key=lambda r: r.name)
        region = self._regions.get(name)
        if region is None:
            raise NotFound(f"Unable to find system shared memory region: '{name}'")
        return [region]

    def unregister(self, name: str = "") -> None:
        """Unregister one region (an unknown name is not an error) or all."""
        names = [name] if name else list(self._regions)
        for n in names:
            region = self._regions.pop(n, None)
            if region is not None:
                os.close(region.fd)

    def close(self) -> None:
        self.unregister()

    # -- data -------------------------------------------------------------

    def _window(self, name: str, offset: int, byte_size: int) -> Region:
        """The region, once offset and byte size are inside it (Triton's checks)."""
        region = self._regions.get(name)
        if region is None:
            raise InvalidArgument(f"Unable to find shared memory region: '{name}'")
        if offset < 0 or byte_size < 0:
            raise InvalidArgument(f"Invalid offset for shared memory region: '{name}'")
        if offset >= region.byte_size and not (offset == 0 and byte_size == 0):
            raise InvalidArgument(f"Invalid offset for shared memory region: '{name}'")
        if offset + byte_size > region.byte_size:
            raise InvalidArgument(f"Invalid offset + byte size for shared memory region: '{name}'")
        return region

    def check(self, name: str, offset: int, byte_size: int) -> None:
        """Raise as `read`/`write` would for this window, without touching it."""
        self._window(name, offset, byte_size)

    def read(self, name: str, offset: int, byte_size: int) -> np.ndarray:
        """`byte_size` bytes of the region from `offset`, as a uint8 array."""
        region = self._window(name, offset, byte_size)
        buffer = np.empty(byte_size, dtype=np.uint8)
        done = os.preadv(region.fd, [buffer.data], region.offset + offset) if byte_size else 0
        if done != byte_size:
            raise InvalidArgument(
                f"shared memory region '{name}' is smaller than when it was registered "
                f"(read {done} of {byte_size} bytes)"
            )
        return buffer

    def write(self, name: str, offset: int, data: np.ndarray) -> None:
        """Write an array's bytes into the region at `offset`."""
        flat = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
        region = self._window(name, offset, int(flat.nbytes))
        size = os.fstat(region.fd).st_size
        if region.offset + offset + flat.nbytes > size:
            raise InvalidArgument(f"shared memory region '{name}' is smaller than when it was registered")
        if flat.nbytes:
            os.pwritev(region.fd, [flat.data], region.offset + offset)


@dataclass(frozen=True)
class ShmRef:
    """Where a request's input or output lies: a region, an offset, a size."""

    region: str
    offset: int
    byte_size: int


def _integer(value: object, what: str) -> int:
    choice = value.WhichOneof("parameter_choice")  # type: ignore[attr-defined]
    if choice not in {"int64_param", "uint64_param"}:
        raise InvalidArgument(f"{what} must be an integer parameter")
    return int(getattr(value, choice))


def reference(kind: str, tensor: str, parameters: object) -> ShmRef | None:
    """The shared-memory reference in a tensor's parameters, if any."""
    params = parameters  # a protobuf map<string, InferParameter>
    region = params.get("shared_memory_region")  # type: ignore[attr-defined]
    if region is None:
        for key in ("shared_memory_byte_size", "shared_memory_offset"):
            if key in params:  # type: ignore[operator]
                raise InvalidArgument(f"{kind} '{tensor}': '{key}' given without 'shared_memory_region'")
        return None
    if region.WhichOneof("parameter_choice") != "string_param" or not region.string_param:
        raise InvalidArgument(f"{kind} '{tensor}': 'shared_memory_region' must be a non-empty string")
    size = params.get("shared_memory_byte_size")  # type: ignore[attr-defined]
    if size is None:
        raise InvalidArgument(f"{kind} '{tensor}': 'shared_memory_byte_size' is required with 'shared_memory_region'")
    offset = params.get("shared_memory_offset")  # type: ignore[attr-defined]
    byte_size = _integer(size, f"{kind} '{tensor}': 'shared_memory_byte_size'")
    start = 0 if offset is None else _integer(offset, f"{kind} '{tensor}': 'shared_memory_offset'")
    if byte_size < 0 or start < 0:
        raise InvalidArgument(f"Invalid offset for shared memory region: '{region.string_param}'")
    return ShmRef(region.string_param, start, byte_size)
