#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for the tests (and for trying parzen by hand).
#
#   ./scripts/pg-server.sh start [DIR]   starts it (if not running) and prints its URL
#   ./scripts/pg-server.sh url [DIR]     prints the URL of the running cluster
#   ./scripts/pg-server.sh stop [DIR]    stops it and deletes DIR
#   ./scripts/pg-server.sh restart [DIR] restarts the running cluster (same port and data): the
#                                        outage the fault-injection tests give the workers
#   ./scripts/pg-server.sh down [DIR]    stops the server but keeps its data, port and URL
#   ./scripts/pg-server.sh up [DIR]      starts a server stopped by `down` again (same port)
#
# DIR defaults to /tmp/parzen-pg-$UID. The cluster listens on 127.0.0.1 only, on the first free
# port from 55432 (or $PARZEN_PG_PORT), with user "parzen", a random password of its own (in
# DIR/password and the URL; $PARZEN_PG_PASSWORD sets it) and database "parzen_test". As root, the
# server runs as the "postgres" system user. Needs Debian's postgresql package.
# Each cluster reserves its port until `stop` (/tmp/parzen-pg-ports-$UID/PORT names its DIR): a
# cluster that is `down` keeps it, so another `start` (another engineer's, another test's) never
# takes that port while its workers try to reconnect. PARZEN_PG_TAKE_PORT=1 makes `start` use
# exactly $PARZEN_PG_PORT, reserved or not (for tests that put another server at an address).
# fsync is off (fast throwaway tests) unless PARZEN_PG_DURABLE=1 (the server's defaults: fsync
# and synchronous_commit on, as users run it), for benchmarks.
set -euo pipefail
cmd=${1:-start}
dir=${2:-${PARZEN_PG_DIR:-/tmp/parzen-pg-$(id -u)}}
reserved=/tmp/parzen-pg-ports-$(id -u)
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg-server: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Frees the port reservation of the cluster in $dir (if it holds one).
release_port() {
  [ -f "$dir/options" ] || return 0
  local port
  port=$(sed -E 's/^-p ([0-9]+).*/\1/' "$dir/options")
  if [ "$(cat "$reserved/$port" 2>/dev/null)" = "$dir" ]; then rm -f "$reserved/$port"; fi
}

running() { [ -f "$dir/url" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

case "$cmd" in
  start)
    if running; then cat "$dir/url"; exit 0; fi
    release_port
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    password=${PARZEN_PG_PASSWORD:-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')}
    printf '%s\n' "$password" >"$dir/password"
    as_owner "$bin/initdb" -D "$dir/data" -U parzen --pwfile="$dir/password" -A scram-sha-256 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    durability="-c fsync=off"
    [ "${PARZEN_PG_DURABLE:-0}" = 1 ] && durability=""
    # Clusters started at the same time (parallel tests) must not pick the same free port.
    exec 9>"/tmp/parzen-pg-start-$(id -u).lock"
    flock 9
    port=""
    first=${PARZEN_PG_PORT:-55432}
    last=$((first + 99))
    [ "${PARZEN_PG_TAKE_PORT:-0}" = 1 ] && last=$first
    mkdir -p "$reserved"
    for p in $(seq "$first" "$last"); do
      if [ "${PARZEN_PG_TAKE_PORT:-0}" != 1 ] && [ -f "$reserved/$p" ]; then
        owner=$(cat "$reserved/$p")
        # Reserved by a cluster that still exists (running or down): skip it.
        [ "$owner" != "$dir" ] && [ -f "$owner/url" ] && continue
      fi
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
    done
    [ -n "$port" ] || { echo "pg-server: no free port in $first-$last" >&2; exit 1; }
    options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 $durability"
    echo "$options" >"$dir/options"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$options" start >/dev/null 9>&- ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "$dir" >"$reserved/$port"
    flock -u 9
    PGPASSWORD=$password "$bin/createdb" -h 127.0.0.1 -p "$port" -U parzen parzen_test
    echo "postgresql://parzen:$password@127.0.0.1:$port/parzen_test" >"$dir/url"
    cat "$dir/url"
    ;;
  url)
    running || { echo "pg-server: not running (./scripts/pg-server.sh start)" >&2; exit 1; }
    cat "$dir/url"
    ;;
  restart)
    running || { echo "pg-server: not running (./scripts/pg-server.sh start)" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w restart >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    cat "$dir/url"
    ;;
  down)
    running || { echo "pg-server: not running (./scripts/pg-server.sh start)" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  up)
    [ -f "$dir/url" ] && [ -f "$dir/options" ] || { echo "pg-server: no cluster in $dir (./scripts/pg-server.sh start)" >&2; exit 1; }
    running || as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$(cat "$dir/options")" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    cat "$dir/url"
    ;;
  stop)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    release_port
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|url|restart|down|up|stop [DIR]" >&2
    exit 2
    ;;
esac
