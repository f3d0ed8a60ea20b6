"""The platform's RTSP server: re-streams uploaded videos (`auto_stream`).

GStreamer's RTSP server from Debian (`gir1.2-gst-rtsp-server-1.0`,
`python3-gi`, the good/bad/ugly/libav plugins), so this file runs under the
system `/usr/bin/python3`, not the venv, and imports nothing of Vigil.
`vigil run` starts it as one of its children:

    /usr/bin/python3 services/platform/rtsp_server.py --port 8554 \\
        --mounts DATA/restream/mounts.json --state DATA/restream/state.json

The mounts file (written by the uploads service) says what to publish:
`{"mounts": {"/live/<name>": {"path": "/file.mp4", "h264": true}}}`. It is
read again whenever it changes; mounts come and go while clients watch
others. Each mount has one shared media (every client sees the same
playback) that loops the file: H.264 in MP4 is passed through
(`qtdemux ! h264parse ! rtph264pay`), anything else is decoded and
re-encoded (`x264enc tune=zerolatency`). At the end of the file a flushing
seek goes back to the start, so RTP timestamps restart with each loop.

Every half second the state file gets, per mount: `since` (when it was
mounted, Unix seconds), `status` (`streaming` or `error`), `last_error`
(the first error of the last media that failed, or why the file cannot be
read), `error_count` (failures, counted once per media) and `restart_count`
(loops, and medias started again after an error).
Prints `READY <port>` once it listens; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

TICK_MS = 500
PASSTHROUGH = '( filesrc location="{path}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )'
REENCODE = (
    '( filesrc location="{path}" ! decodebin ! videoconvert ! video/x-raw,format=I420 '
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! video/x-h264,profile=baseline "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


class Mount:
    """One published file: its factory, the medias playing it, its state."""

    def __init__(self, path: str, spec: dict[str, Any]) -> None:
        self.path = path
        self.spec = spec
        self.since = time.time()
        self.status = "streaming"
        self.last_error = ""
        self.error_count = 0
        self.restart_count = 0
        self.medias: list[Any] = []
        self.failed: set[Any] = set()  # medias whose error is counted
        self.factory = GstRtspServer.RTSPMediaFactory()
        file = str(spec["path"]).replace('"', '\\"')
        self.factory.set_launch((PASSTHROUGH if spec.get("h264") else REENCODE).format(path=file))
        self.factory.set_shared(True)
        self.factory.connect("media-configure", self._configure)
        if not os.access(spec["path"], os.R_OK):
            self.error(f"cannot read {spec['path']}")

    def error(self, message: str) -> None:
        self.status, self.last_error = "error", message
        self.error_count += 1
        print(f"rtsp {self.path}: {message}", file=sys.stderr, flush=True)

    def state(self) -> dict[str, Any]:
        return {
            "path": self.spec["path"],
            "since": self.since,
            "status": self.status,
            "last_error": self.last_error,
            "error_count": self.error_count,
            "restart_count": self.restart_count,
        }

    def _configure(self, _factory: Any, media: Any) -> None:
        """A new shared media: loop it at EOS, count its errors."""
        self.medias.append(media)
        media.connect("unprepared", self._forget)
        pipeline = media.get_element().get_parent()
        pay = media.get_element().get_by_name("pay0")
        pay.get_static_pad("sink").add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, self._on_event, pipeline)
        bus = pipeline.get_bus()
        bus.enable_sync_message_emission()
        bus.connect("sync-message::error", self._on_error, media)
        if self.status == "error" and os.access(self.spec["path"], os.R_OK):  # a new media after an error
            self.restart_count += 1
            self.status = "streaming"

    def _forget(self, media: Any) -> None:
        if media in self.medias:
            self.medias.remove(media)
        self.failed.discard(media)

    def _on_event(self, _pad: Any, info: Any, pipeline: Any) -> Any:
        if info.get_event().type != Gst.EventType.EOS:
            return Gst.PadProbeReturn.OK
        GLib.idle_add(self._rewind, pipeline)  # not from the streaming thread
        return Gst.PadProbeReturn.DROP

    def _rewind(self, pipeline: Any) -> bool:
        if pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0):
            self.restart_count += 1
        else:
            self.error("cannot seek back to the start of the file")
        return False

    def _on_error(self, _bus: Any, message: Any, media: Any) -> None:
        """A media failed (in a streaming thread): note it in the main loop,
        once per media (its first error message is the cause)."""
        err, debug = message.parse_error()
        text = f"{err.message} ({debug.splitlines()[0] if debug else ''})"

        def note() -> bool:
            if media not in self.failed:
                self.failed.add(media)
                self.error(text)
            return False

        GLib.idle_add(note)

    def close(self, server: Any) -> None:
        """End the publication: disconnect the clients watching it and stop
        every media playing it."""
        medias = list(self.medias)
        keep, ref = GstRtspServer.RTSPFilterResult.KEEP, GstRtspServer.RTSPFilterResult.REF

        def watching(_server: Any, client: Any, *_: Any) -> Any:
            found = []

            def by_media(_session: Any, session_media: Any, *_: Any) -> Any:
                found.append(session_media.get_media() in medias)
                return keep

            def by_session(_client: Any, session: Any, *_: Any) -> Any:
                session.filter(by_media)
                return keep

            client.session_filter(by_session)
            return ref if any(found) else keep

        for client in server.client_filter(watching):
            client.close()
        for media in medias:
            media.unprepare()
        self.medias.clear()
        self.failed.clear()


class Restreamer:
    """The server, its mounts, and the two files it follows and writes."""

    def __init__(self, port: int, host: str, mounts_file: Path, state_file: Path) -> None:
        self.mounts_file, self.state_file = mounts_file, state_file
        self.mounts: dict[str, Mount] = {}
        self.seen: tuple[int, int] | None = None
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address(host)
        self.server.set_service(str(port))

    def read_mounts(self) -> None:
        try:
            stat = self.mounts_file.stat()
        except FileNotFoundError:
            wanted: dict[str, Any] = {}
            key = None
        else:
            key = (stat.st_mtime_ns, stat.st_size)
            if key == self.seen:
                return
            try:
                wanted = json.loads(self.mounts_file.read_text())["mounts"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                print(f"rtsp: ignoring {self.mounts_file}: {exc}", file=sys.stderr, flush=True)
                self.seen = key
                return
        self.seen = key
        points = self.server.get_mount_points()
        for path in [p for p, m in self.mounts.items() if wanted.get(p) != m.spec]:
            points.remove_factory(path)
            self.mounts.pop(path).close(self.server)
            print(f"rtsp: unmounted {path}", file=sys.stderr, flush=True)
        for path, spec in wanted.items():
            if path not in self.mounts:
                self.mounts[path] = Mount(path, spec)
                points.add_factory(path, self.mounts[path].factory)
                print(f"rtsp: mounted {path} ({spec.get('path')})", file=sys.stderr, flush=True)

    def write_state(self) -> None:
        state = {"updated": time.time(), "mounts": {p: m.state() for p, m in self.mounts.items()}}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_file)

    def tick(self) -> bool:
        self.read_mounts()
        self.write_state()
        return True

    def stop(self) -> None:
        for mount in self.mounts.values():
            mount.close(self.server)
        self.mounts.clear()
        self.state_file.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="Vigil's RTSP server for uploaded videos.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--mounts", type=Path, required=True, help="the JSON mounts file to follow")
    parser.add_argument("--state", type=Path, required=True, help="the JSON state file to write")
    args = parser.parse_args()
    Gst.init(None)
    restreamer = Restreamer(args.port, args.host, args.mounts, args.state)
    args.state.parent.mkdir(parents=True, exist_ok=True)
    restreamer.tick()
    if restreamer.server.attach(None) == 0:
        print(f"rtsp: cannot listen on {args.host}:{args.port}", file=sys.stderr, flush=True)
        return 1
    loop = GLib.MainLoop()
    GLib.timeout_add(TICK_MS, restreamer.tick)
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print(f"READY {args.port}", flush=True)
    loop.run()
    restreamer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
