#!/usr/bin/env bash
# A throw-away PostgreSQL server on 127.0.0.1 from Debian's packages, for tests and CI.
#   eval "$(deploy/local/postgres.sh up var/postgres)"   # exports TEST_DATABASE_URL
#   deploy/local/postgres.sh down var/postgres
set -euo pipefail
cmd=${1:?usage: postgres.sh up|down DIR}
dir=$(realpath -m "${2:-var/postgres}")
port_file="$dir/port"

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "installing PostgreSQL from Debian's packages..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$bin"
}

# PostgreSQL refuses to run as root: run it as the unprivileged 'postgres' user when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  up)
    bin=$(pg_bin)
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system postgres; fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      port=$(cat "$port_file")
    else
      rm -rf "$dir/data"
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
      echo "$port" | as_owner tee "$port_file" >/dev/null
      as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres convenio_test
    fi
    echo "export TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$port/convenio_test"
    ;;
  down)
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$bin" ] && [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
    fi
    ;;
  *) echo "usage: postgres.sh up|down DIR" >&2; exit 2 ;;
esac
