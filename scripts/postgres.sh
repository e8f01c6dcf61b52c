# A throwaway PostgreSQL cluster on loopback for tests and benchmarks (source this file after lib.sh).
#   pg_start      installs PostgreSQL from Debian packages if missing, creates a cluster in a temp folder on a
#                 free port, starts it and exports RECSYS_TEST_POSTGRES_URL (user recsys, trust auth, loopback);
#   pg_stop       stops it (fast shutdown) and removes the folder;
#   pg_kill       stops it immediately (the outage in the failover test), pg_resume starts it again.
# Nothing listens beyond 127.0.0.1; the cluster lives only as long as the calling script.

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$dir" ]; then
        log "installing postgresql"
        local sudo=""
        [ "$(id -u)" = "0" ] || sudo="sudo"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q postgresql >&2
        dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    echo "$dir"
}

# Runs a PostgreSQL binary as an unprivileged user: the server refuses to run as root.
pg_as_owner() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
    PG_BIN=$(pg_bin)
    PG_DIR=$(mktemp -d /tmp/recsys-pg.XXXXXX)
    PG_PORT=$(pg_free_port)
    [ "$(id -u)" = "0" ] && chown postgres "$PG_DIR"
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U recsys -A trust --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
        { cat "$PG_DIR/initdb.log" >&2; return 1; }
    pg_resume
    export RECSYS_TEST_POSTGRES_URL="postgres://recsys@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
    log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

pg_resume() {
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
}

pg_kill() {
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
}

pg_stop() {
    [ -n "${PG_DIR:-}" ] || return 0
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}
