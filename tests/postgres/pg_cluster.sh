#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests (ctest fixture `postgres`):
#   pg_cluster.sh start <dir>   initdb + pg_ctl start in <dir>/data on a free loopback port;
#                               writes the connection string to <dir>/conninfo
#   pg_cluster.sh stop <dir>    stops it (immediate) and removes <dir>
# PostgreSQL refuses to run as root, and CI runs as root: the server then runs as the
# unprivileged user `nobody`. Any failure exits non-zero with the server's log: the tests
# that need the cluster then fail (ctest reports them as not run), they are never skipped.
set -euo pipefail

cmd=${1:?usage: pg_cluster.sh start|stop <dir>}
dir=${2:?usage: pg_cluster.sh start|stop <dir>}
bindir=${FENGQIAO_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start)
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
      echo "pg_cluster: no PostgreSQL server binaries (looked in /usr/lib/postgresql/*/bin; set FENGQIAO_PG_BINDIR)." >&2
      echo "pg_cluster: install Debian's postgresql package (./dev does)." >&2
      exit 1
    fi
    stop  # a cluster left by an interrupted run
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown nobody "$dir"
    as_server "$bindir/initdb" -D "$dir/data" -U fengqiao -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; echo "pg_cluster: initdb failed" >&2; exit 1; }
    # A free port: ask the kernel for one, then hand it to the server (a race with another
    # process taking it in between is possible; the start is then retried on another).
    for attempt in 1 2 3 4 5; do
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      # fsync off: the cluster is thrown away, and the tests must not wait for the disk.
      # FENGQIAO_PG_DURABLE=1 keeps PostgreSQL's defaults (fsync, synchronous_commit,
      # full_page_writes on): for benchmarks that should pay for durability.
      speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
      [ "${FENGQIAO_PG_DURABLE:-0}" = 1 ] && speed=""
      if as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
           -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' $speed \
               -c max_connections=200" start >/dev/null; then
        echo "host=127.0.0.1 port=$port user=fengqiao dbname=postgres connect_timeout=10" >"$dir/conninfo"
        echo "pg_cluster: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir/data"
        exit 0
      fi
      grep -q "could not bind\|already in use" "$dir/server.log" 2>/dev/null || break
    done
    cat "$dir/server.log" >&2 || true
    echo "pg_cluster: the server did not start" >&2
    exit 1
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: pg_cluster.sh start|stop <dir>" >&2
    exit 2
    ;;
esac
