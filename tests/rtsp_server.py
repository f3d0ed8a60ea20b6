"""A real RTSP server for tests: GStreamer's gst-rtsp-server from Debian
(`gir1.2-gst-rtsp-server-1.0`, `python3-gi`, plugins good/bad/ugly), run
under the system `/usr/bin/python3` (the venv has no GObject bindings).

    /usr/bin/python3 tests/rtsp_server.py --port 8554 \\
        --live /live --file /clip=/tmp/clip.mp4

`--live PATH` serves a live test pattern (`--live-udp PATH` the same,
offering only RTP over UDP) (`videotestsrc is-live=true`,
H.264 via x264enc tune=zerolatency) at WIDTHxHEIGHT@FPS (`--size`,
`--fps`); `--file PATH=FILE` serves an H.264 MP4 made by the test (played
once per client, then the session ends, as a camera that hangs up). Prints
`READY <port>` once it listens; stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--live", action="append", default=[])
    parser.add_argument("--live-udp", action="append", default=[], help="a live mount that only offers RTP over UDP")
    parser.add_argument("--file", action="append", default=[])
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--fps", type=int, default=25)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for path, udp_only in [(p, False) for p in args.live] + [(p, True) for p in args.live_udp]:
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},"
            f"framerate={args.fps}/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps} "
            "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
        )
        factory.set_shared(True)
        if udp_only:
            factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
        mounts.add_factory(path, factory)
    for spec in args.file:
        path, _, name = spec.partition("=")
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            f'( filesrc location="{name}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )'
        )
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        print("cannot listen", flush=True)
        return 1
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print(f"READY {args.port}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
