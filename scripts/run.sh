#!/usr/bin/env bash
# Install what the platform needs and start it (Envoy and every gRPC service,
# the RTSP server, SQLite in ./data, CPU inference). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# GStreamer's RTSP server re-streams uploaded videos (auto_stream): installed
# from Debian when missing and root; without it auto_stream=true is refused.
scripts/rtsp_server_deps.sh
exec .venv/bin/vigil run
