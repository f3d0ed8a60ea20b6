#!/usr/bin/env bash
# Install what the tests need and run every test: lint and generated-code
# checks, unit and integration tests, end-to-end tests through the real Envoy,
# on SQLite and on PostgreSQL (started here; skipped loudly if impossible).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
export PATH="$PWD/.tools/node_modules/.bin:$PWD/.venv/bin:$PATH"
scripts/rtsp_server_deps.sh
scripts/ffmpeg_deps.sh
PG=$(scripts/postgres.sh || true)
if [ -n "$PG" ]; then
  export VIGIL_TEST_POSTGRES_URL=${PG%% *}
  trap 'scripts/postgres.sh stop "${PG##* }"' EXIT
else
  echo "!!! PostgreSQL could not be started: the PostgreSQL test variants will be SKIPPED !!!" >&2
fi
# The slowest cases are listed at the end, to keep the suite lean.
.venv/bin/python -m pytest -p no:cacheprovider --durations=25 "$@"
