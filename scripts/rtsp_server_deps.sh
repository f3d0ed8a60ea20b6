#!/usr/bin/env bash
# Make sure the system Python can run the RTSP servers (the platform's
# services/platform/rtsp_server.py, the tests' tests/rtsp_server.py):
# GStreamer's RTSP server and plugins from Debian, installed when missing and we
# are root, as scripts/postgres.sh installs PostgreSQL. Exits 0 either way; the
# tests that need the server skip loudly when it cannot run.
set -uo pipefail
check() {
  /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer' \
    >/dev/null 2>&1 && gst-inspect-1.0 x264enc >/dev/null 2>&1 && gst-inspect-1.0 rtph264pay >/dev/null 2>&1 \
    && gst-inspect-1.0 avdec_h264 >/dev/null 2>&1
}
if check; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gir1.2-gst-rtsp-server-1.0 \
    python3-gi gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav \
    >/dev/null) >&2 || true
fi
check || echo "!!! GStreamer's RTSP server is not available: the RTSP tests will be SKIPPED !!!" >&2
exit 0
