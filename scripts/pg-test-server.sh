#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster for the tests and print its URL on stdout.
#   url=$(scripts/pg-test-server.sh)            # start (data in a new temp dir)
#   scripts/pg-test-server.sh stop              # stop it and delete its data
#   scripts/pg-test-server.sh pause / resume    # stop / start it again keeping its data (tests of
#                                               # a server that goes away and comes back)
# Needs the Debian/Ubuntu `postgresql` package (scripts/system-deps.sh installs it). Run as root,
# the cluster runs as the `postgres` user; otherwise as the current user. Progress goes to stderr.
set -euo pipefail
PORT=${HUIFANG_PG_PORT:-54329}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bindir" ] || { echo "没有找到 PostgreSQL(请安装 postgresql 软件包)。" >&2; exit 1; }
as_owner() {  # run a command as the cluster's owner (from /, which every user can read)
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
if [ "${1:-}" = "stop" ]; then
  dir=$(cat "/tmp/huifang-pg-$PORT.dir" 2>/dev/null || true)
  [ -n "$dir" ] && [ -d "$dir" ] || exit 0
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
  rm -rf "$dir" "/tmp/huifang-pg-$PORT.dir"
  exit 0
fi
start_server() {  # fast and throw-away: no fsync; sockets in the temp dir; TCP on localhost only
  as_owner "$bindir/pg_ctl" -D "$1/data" -l "$1/log" -w \
    -o "-p $PORT -k $1 -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2
}
if [ "${1:-}" = "pause" ] || [ "${1:-}" = "resume" ]; then
  dir=$(cat "/tmp/huifang-pg-$PORT.dir")
  if [ "$1" = "pause" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2; else start_server "$dir"; fi
  exit 0
fi
[ -f "/tmp/huifang-pg-$PORT.dir" ] && "$0" stop  # a server left over from an earlier run
dir=$(mktemp -d /tmp/huifang-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
start_server "$dir"
echo "$dir" > "/tmp/huifang-pg-$PORT.dir"
as_owner "$bindir/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE huifang LOGIN PASSWORD 'huifang' CREATEDB" \
  -c "CREATE DATABASE huifang_test OWNER huifang ENCODING 'UTF8'" >&2
echo "postgresql://huifang:huifang@127.0.0.1:$PORT/huifang_test"
