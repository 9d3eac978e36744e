#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on a local socket, runs the given command with
# NEGOTIATION_TEST_DATABASE_URL pointing at it, then stops and removes the server.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=$(mktemp -d /tmp/negotiation-pg.XXXXXX)
port=${PG_TEST_PORT:-55432}
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  run_as=(runuser -u postgres --)
fi
"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -o "-k $dir -p $port -c listen_addresses='' -c fsync=off" -l "$dir/log" -w start >/dev/null
cleanup() { "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${run_as[@]}" "$bindir/createdb" -h "$dir" -p "$port" -U postgres negotiation_test
export NEGOTIATION_TEST_DATABASE_URL="postgresql+psycopg://postgres@/negotiation_test?host=$dir&port=$port"
"$@"
