"""What the machine has: addresses, GPUs, resource use. Read, never assumed."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from dataclasses import dataclass, field

import psutil

_NVIDIA_QUERY = "index,name,utilization.gpu,temperature.gpu,memory.total,memory.used,memory.free"


@dataclass(frozen=True)
class GpuInfo:
    """One GPU as nvidia-smi reports it (memory in bytes)."""

    index: int
    name: str
    utilization: float
    temperature: float
    memory_total: float
    memory_used: float
    memory_free: float
    processes: list[str] = field(default_factory=list)


def primary_ip() -> str:
    """The first non-loopback IPv4 address of an interface that is up."""
    stats = psutil.net_if_stats()
    for name, addrs in psutil.net_if_addrs().items():
        if name in stats and not stats[name].isup:
            continue
        for addr in addrs:
            if addr.family.name == "AF_INET" and not ipaddress.ip_address(addr.address).is_loopback:
                return str(addr.address)
    return "127.0.0.1"


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def gpus() -> list[GpuInfo]:
    """The GPUs nvidia-smi can see; empty where there is no NVIDIA driver."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, f"--query-gpu={_NVIDIA_QUERY}", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    mib = 1024.0 * 1024.0
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 7:
            continue
        found.append(
            GpuInfo(
                index=int(_float(parts[0])),
                name=parts[1],
                utilization=_float(parts[2]),
                temperature=_float(parts[3]),
                memory_total=_float(parts[4]) * mib,
                memory_used=_float(parts[5]) * mib,
                memory_free=_float(parts[6]) * mib,
            )
        )
    return found


def run_mode() -> str:
    """`GPU` when an NVIDIA GPU is usable here, `CPU` otherwise."""
    return "GPU" if gpus() else "CPU"
