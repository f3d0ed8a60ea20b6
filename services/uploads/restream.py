"""Re-streaming uploaded videos over RTSP (`auto_stream`), the uploads side.

The platform's RTSP server (`services/platform/rtsp_server.py`, run by
`vigil run`) follows one JSON mounts file and writes one JSON state file,
both under `<data_dir>/restream/`. This module writes the mounts file from
the database (every video marked `auto_stream` whose file is complete, at
`/live/<name>`) and reads the state file back into each video's `device`
block.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.db.models import Video
from services.media import probe

log = logging.getLogger(__name__)

MOUNT_PREFIX = "/live/"
#: A state file older than this means the RTSP server has stopped writing it.
STALE_SECONDS = 5.0
#: Containers whose H.264 the server passes through (`qtdemux`); others are re-encoded.
_QT_EXTENSIONS = (".mp4", ".mov", ".m4v", ".3gp")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def mounts_file(data_dir: Path) -> Path:
    return data_dir / "restream" / "mounts.json"


def state_file(data_dir: Path) -> Path:
    return data_dir / "restream" / "state.json"


def mount_name(video: Video) -> str:
    """`/live/<name>`: the file name without its extension, in characters
    safe in a URL path, else the video id."""
    raw = video.original_filename or video.name or ""
    stem = Path(raw).stem if "." in raw else raw
    name = _UNSAFE.sub("-", stem).strip("-.")[:128]
    return MOUNT_PREFIX + (name or video.video_id)


@dataclass(frozen=True)
class Publication:
    """What the RTSP server says about one video's mount."""

    url: str  # rtsp://host:port/live/name
    status: str  # running, error, pending (mounted, not yet in the state file)
    uptime_ms: float
    error_count: int
    restart_count: int
    last_error: str


class Restreamer:
    """Writes the mounts file; reads the state file. `running` says whether
    `vigil run` runs the RTSP server (else nothing is published)."""

    def __init__(self, data_dir: Path, *, running: bool, public_host: str, port: int) -> None:
        self.running = running
        self._mounts = mounts_file(data_dir)
        self._state = state_file(data_dir)
        host = f"[{public_host}]" if ":" in public_host and not public_host.startswith("[") else public_host
        self._base = f"rtsp://{host}:{port}"
        self._published: dict[str, str] = {}  # video_id -> mount path
        self._lock = threading.Lock()  # publish runs in threads: requests and the periodic job
        self._codecs: dict[tuple[str, int, int], bool] = {}
        self._state_cache: tuple[tuple[int, int], dict[str, Any]] | None = None

    def publish(self, videos: list[Video]) -> None:
        """Write the mounts file for exactly `videos` (those marked
        `auto_stream`, in id order; a name taken by an earlier video gets the
        video id appended)."""
        with self._lock:
            self._publish(videos)

    def _publish(self, videos: list[Video]) -> None:
        mounts: dict[str, dict[str, Any]] = {}
        published: dict[str, str] = {}
        for video in sorted(videos, key=lambda v: v.id or 0):
            if not video.auto_stream or not video.file_path or not os.path.isfile(video.file_path):
                continue
            path = mount_name(video)
            if path in mounts:
                path = f"{path}-{video.video_id}"
            mounts[path] = {"path": video.file_path, "h264": self._h264(video.file_path), "video_id": video.video_id}
            published[video.video_id] = path
        text = json.dumps({"mounts": mounts}, indent=1, sort_keys=True)
        self._mounts.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self._mounts.read_text() == text:
                self._published = published
                return
        except FileNotFoundError:
            pass
        tmp = self._mounts.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(self._mounts)
        if published != self._published:
            log.info("re-streaming %d video(s): %s", len(published), ", ".join(sorted(published.values())) or "none")
        self._published = published

    def _h264(self, path: str) -> bool:
        """Whether the server can pass the file's video through: H.264 in an
        MP4/QuickTime container (probed once per file version)."""
        stat = os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in self._codecs:
            try:
                codec = probe.probe(path).codec
            except probe.NotAVideo:
                codec = ""
            self._codecs[key] = codec == "h264" and path.lower().endswith(_QT_EXTENSIONS)
        return self._codecs[key]

    def _read_state(self) -> dict[str, Any]:
        try:
            stat = self._state.stat()
            key = (stat.st_mtime_ns, stat.st_size)
            if self._state_cache is None or self._state_cache[0] != key:
                self._state_cache = (key, json.loads(self._state.read_text()))
            return self._state_cache[1]
        except (OSError, ValueError):
            return {}

    def publication(self, video: Video) -> Publication | None:
        """The state of a published video; None when it is not published."""
        path = self._published.get(video.video_id)
        if not self.running or path is None:
            return None
        state = self._read_state()
        url = self._base + path
        if time.time() - float(state.get("updated", 0)) > STALE_SECONDS:
            return Publication(url, "error", 0.0, 0, 0, "the RTSP server is not running")
        mount = state.get("mounts", {}).get(path)
        if mount is None or mount.get("path") != video.file_path:
            return Publication(url, "pending", 0.0, 0, 0, "")
        status = "running" if mount["status"] == "streaming" else "error"
        uptime = max(0.0, time.time() - float(mount["since"])) * 1000 if status == "running" else 0.0
        return Publication(
            url, status, round(uptime, 3), int(mount["error_count"]), int(mount["restart_count"]), mount["last_error"]
        )
