# Shared helpers for the benchmark scripts (source this file).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH_DATA="${BENCH_DATA:-data/bench}"
VENV="${VENV:-.venv}"

log() { echo "[bench] $*" >&2; }

build_release() {
    log "swift build -c release"
    swift build -c release >&2
    BIN="$ROOT/.build/release"
}

# Full-scale RetailRocket-format data, generated once into a git-ignored folder (by $BIN/recsys-train, or
# the recsys-train binary given).
ensure_full_data() {
    if [ ! -f "$BENCH_DATA/events.csv" ]; then
        log "generating full-scale data into $BENCH_DATA"
        "${1:-$BIN/recsys-train}" generate --out "$BENCH_DATA" --scale 1 --seed 42 >&2
    fi
}

# A local venv with the given pip packages.
ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating $VENV"
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check "$@" >&2
    PY="$ROOT/$VENV/bin/python"
}

# apt-get install when a command is missing.
ensure_apt() {
    local cmd="$1" pkg="$2"
    if ! command -v "$cmd" >/dev/null 2>&1; then
        log "installing $pkg"
        local sudo=""
        [ "$(id -u)" = "0" ] || sudo="sudo"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$pkg" >&2
    fi
}

# Requests a server log (one JSON line per request) shows answered 5xx, not counting
# a 503 from /ready: that is the readiness contract while the server replays its
# event log or drains, and the start-up loops poll it.
count_5xx() {
    cat "$@" | grep '"status":"5' | grep -vc '"route":"/ready","status":"503"' || true
}
