#!/usr/bin/env bash
# Make sure Debian's ffmpeg (ffmpeg, ffprobe) is there for the tests that
# open the platform's outputs with it (tests/e2e/test_restream.py probes the
# re-streaming publish_url with ffprobe) and the decode benchmark: installed
# when missing and we are root, as scripts/rtsp_server_deps.sh installs
# GStreamer. Exits 0 either way; the tests that need it skip loudly.
set -uo pipefail
check() { command -v ffprobe >/dev/null 2>&1 && command -v ffmpeg >/dev/null 2>&1; }
if check; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null) >&2 || true
fi
check || echo "!!! ffmpeg/ffprobe is not available: the ffprobe checks will be SKIPPED !!!" >&2
exit 0
