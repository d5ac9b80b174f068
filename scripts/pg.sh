#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for tests and benchmarks (Debian's `postgresql`).
#
#   scripts/pg.sh start DIR   initdb DIR on first use (user `tollgate`, a random password,
#                             SCRAM auth), start it on a free 127.0.0.1 port, print its URL
#   scripts/pg.sh stop DIR    stop it (fast shutdown); `start DIR` again reuses port and data
#   scripts/pg.sh url DIR     print the URL again
#
# When run as root, the server runs as the unprivileged `postgres` user (initdb refuses root).
set -euo pipefail
cmd=${1:?usage: pg.sh start|stop|url DIR}
dir=${2:?usage: pg.sh start|stop|url DIR}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "pg.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() { echo "postgres://tollgate:$(cat "$dir/password")@127.0.0.1:$(cat "$dir/port")/tollgate?sslmode=disable"; }

case "$cmd" in
  start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/password"
      python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$dir/port"
      chmod 644 "$dir/password" "$dir/port"
      if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -r "$dir/password"; then
        echo "pg.sh: the postgres user cannot reach $dir (a parent folder is not world-searchable)" >&2; exit 1
      fi
      as_owner "$bindir/initdb" -D "$dir/data" -U tollgate --pwfile="$dir/password" --auth=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
      fresh=1
    fi
    # The server must not inherit our caller's descriptors: a caller that waits for a pipe's
    # end (or, like Foundation's Process, for its own descriptors to close) would wait forever.
    ( for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && [ "$fd" != 255 ] && eval "exec $fd>&-" 2>/dev/null; done
      as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null ) \
      || { cat "$dir/server.log" >&2; exit 1; }
    if [ -n "${fresh:-}" ]; then
      PGPASSWORD=$(cat "$dir/password") "$bindir/psql" -q -h 127.0.0.1 -p "$(cat "$dir/port")" -U tollgate -d postgres \
        -c "CREATE DATABASE tollgate" >/dev/null
    fi
    url ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    true ;;
  url) url ;;
  *) echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
