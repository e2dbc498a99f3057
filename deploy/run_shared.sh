#!/usr/bin/env bash
# The shared deployment of deploy/docker-compose.yml on this machine, without docker: one
# PostgreSQL cluster, one Chroma server, the documents of data/ indexed into them, and two chat
# servers (8501, 8502) over the same store. Ctrl-C stops everything it started.
#
#   deploy/run_shared.sh [STORE]        (or `make run-shared`; STORE defaults as for `make run`)
#
# Settings by environment: PG_PORT (5433: beside a system PostgreSQL on 5432), CHROMA_PORT (8000),
# APP_PORTS ("8501 8502"), ADDRESS (127.0.0.1). The cluster lives in STORE-pg and the Chroma data
# in STORE/chroma-server, so a second run starts where the first stopped; logs go beside them.
set -euo pipefail
cd "$(dirname "$0")/.."

STORE=$(realpath -m "${1:-${BUDGETQA_STORE:-budgetqa_store}}")
PG_DIR=${PG_DIR:-$STORE-pg}
PG_PORT=${PG_PORT:-5433}
CHROMA_PORT=${CHROMA_PORT:-8000}
read -r -a APP_PORTS <<< "${APP_PORTS:-8501 8502}"
ADDRESS=${ADDRESS:-127.0.0.1}
BIN=$PWD/.venv/bin
PG_USER=budgetqa
PG_DB=budgetqa

log() { printf '[run-shared] %s\n' "$*"; }
die() { log "error: $*" >&2; exit 1; }

# ---- PostgreSQL binaries: Debian's newest /usr/lib/postgresql/N/bin, else PATH ----------------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ] && command -v initdb >/dev/null; then
    PG_BIN=$(dirname "$(readlink -f "$(command -v initdb)")")
fi
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL is not installed: run \`make postgres\`"

# PostgreSQL refuses to run as root (as CI and the developers' machines run): there the cluster
# belongs to Debian's postgres system user
if [ "$(id -u)" = 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

# ---- stop what we started (servers, then the cluster), however the script ends ----------------
PIDS=()        # chroma and the apps, started here
PG_STARTED=""  # set once the cluster runs
cleanup() {
    trap - EXIT INT TERM
    set +e
    log "stopping"
    # the servers run in sessions of their own (setsid below), so Ctrl-C reaches them only here
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    if [ -n "$PG_STARTED" ]; then
        (cd "$PG_DIR" && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null)
    fi
    log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # exit runs the EXIT trap once

port_free() {
    ! "$BIN/python" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
        "$1" 2>/dev/null
}

# ---- PostgreSQL ----------------------------------------------------------------------------------
mkdir -p "$STORE" "$PG_DIR"
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    as_pg test -w "$PG_DIR" || die "the postgres user cannot reach $PG_DIR (a parent folder closed to \
other users?): set PG_DIR to a folder under /var/tmp or /tmp"
fi
cd "$PG_DIR"  # the postgres user may not be allowed into the caller's folder
if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    log "creating a PostgreSQL cluster in $PG_DIR/data"
    # trust on 127.0.0.1 only: the cluster is this machine's, like the store folder
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=trust -U "$PG_USER" --encoding=UTF8 --locale=C.UTF-8 \
        >"$PG_DIR/initdb.log" 2>&1 \
    || { rm -rf "$PG_DIR/data"
         as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=trust -U "$PG_USER" --encoding=UTF8 --locale=C \
             >"$PG_DIR/initdb.log" 2>&1; } \
    || die "initdb failed: see $PG_DIR/initdb.log"
fi
if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    log "PostgreSQL in $PG_DIR was still running (an earlier run?): using it"
else
    port_free "$PG_PORT" || die "port $PG_PORT is taken: set PG_PORT"
    # durable settings (no fsync=off as in the tests): this cluster keeps the facts between runs
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR" start \
        >/dev/null || die "PostgreSQL did not start: see $PG_DIR/postgres.log"
fi
PG_STARTED=1
cd - >/dev/null
# the port the cluster really listens on (a cluster left running may have another)
PG_PORT=$(head -n 4 "$PG_DIR/data/postmaster.pid" | tail -n 1)
PSQL=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qtA)
if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    "${PSQL[@]}" -c "CREATE DATABASE $PG_DB TEMPLATE template0 ENCODING 'UTF8'"
fi
log "PostgreSQL: 127.0.0.1:$PG_PORT/$PG_DB (log $PG_DIR/postgres.log)"

# ---- Chroma --------------------------------------------------------------------------------------
port_free "$CHROMA_PORT" || die "port $CHROMA_PORT is taken: set CHROMA_PORT"
CHROMA_LOG=$STORE/chroma-server.log
# setsid: a Ctrl-C at the terminal is for this script, which then stops the servers in order
# (streamlit would take it itself and end before the script knew it was asked to stop)
ANONYMIZED_TELEMETRY=False NO_COLOR=1 setsid "$BIN/chroma" run --path "$STORE/chroma-server" \
    --host 127.0.0.1 --port "$CHROMA_PORT" >"$CHROMA_LOG" 2>&1 &
CHROMA_PID=$!
PIDS+=("$CHROMA_PID")
# up to 60 s; chroma exits 0 when its port is taken, so watch the process while waiting
"$BIN/python" - "$CHROMA_PID" "$CHROMA_PORT" <<'PY' || die "Chroma did not start: see $CHROMA_LOG"
import os, sys, time, urllib.request

pid, port = int(sys.argv[1]), sys.argv[2]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: never a proxy
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(1)
    try:
        opener.open(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
log "Chroma: 127.0.0.1:$CHROMA_PORT (log $CHROMA_LOG)"

# ---- the settings every budgetqa process below reads ---------------------------------------------
export BUDGETQA_DATABASE_URL="postgresql+psycopg://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
export BUDGETQA_CHROMA_HOST=127.0.0.1
export BUDGETQA_CHROMA_PORT=$CHROMA_PORT
export BUDGETQA_STORE=$STORE
export ANONYMIZED_TELEMETRY=False

# ---- index, then serve ---------------------------------------------------------------------------
log "indexing data/ (unchanged files are a no-op)"
"$BIN/budgetqa" index data

for port in "${APP_PORTS[@]}"; do
    port_free "$port" || die "port $port is taken: set APP_PORTS"
    setsid "$BIN/streamlit" run chat.py --server.headless true --server.address "$ADDRESS" \
        --server.port "$port" --browser.gatherUsageStats false >"$STORE/app-$port.log" 2>&1 &
    PIDS+=("$!")
done
for port in "${APP_PORTS[@]}"; do
    log "chat: http://$ADDRESS:$port (log $STORE/app-$port.log)"
done
log "Ctrl-C stops all"

# until Ctrl-C, or until one of them ends by itself (then the EXIT trap stops the rest)
set +e
wait -n "${PIDS[@]}"
status=$?
log "a server ended by itself (exit $status): see the logs above"
exit "$status"
