#!/usr/bin/env bash
# Start a throw-away PostgreSQL for the tests and print its SQLAlchemy URL.
# Installs Debian's postgresql when it is missing and we are root. Prints
# nothing (and exits 0) when no server can be had; the tests then skip their
# PostgreSQL variant loudly. `scripts/postgres.sh stop DIR` stops it.
set -uo pipefail
if [ "${1:-}" = "stop" ]; then
  [ -d "${2:-}" ] && su postgres -s /bin/sh -c "pg_ctl -D '$2/data' -m fast stop" >/dev/null 2>&1
  rm -rf "${2:-/nonexistent}"
  exit 0
fi
find_bin() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}
BIN=$(find_bin)
if [ -z "$BIN" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2 || true
  BIN=$(find_bin)
fi
if [ -z "$BIN" ] || ! id postgres >/dev/null 2>&1; then
  exit 0
fi
DIR=$(mktemp -d /tmp/vigil-pg.XXXXXX)
chown postgres "$DIR"
PORT=${VIGIL_TEST_PG_PORT:-55432}
run() { su postgres -s /bin/sh -c "PATH=$BIN:\$PATH $*"; }
run "initdb -D '$DIR/data' -U vigil --auth=trust -E UTF8" >/dev/null 2>&1 || exit 0
run "pg_ctl -D '$DIR/data' -o \"-p $PORT -k '$DIR' -c listen_addresses=127.0.0.1 -c fsync=off\" -l '$DIR/log' -w start" >/dev/null 2>&1 || exit 0
run "createdb -h 127.0.0.1 -p $PORT -U vigil vigil" >/dev/null 2>&1 || exit 0
echo "postgresql+psycopg://vigil@127.0.0.1:$PORT/vigil $DIR"
