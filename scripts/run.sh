#!/usr/bin/env bash
# Install what the platform needs and start it (Envoy and every gRPC service,
# SQLite in ./data, CPU inference). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/vigil run
