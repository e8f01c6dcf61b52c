#!/usr/bin/env bash
# Browser check of GET /dashboard and GET /docs: builds recsys-serve (debug),
# serves the bundled model on a free port, sends a little traffic, loads both
# pages in headless Chromium and checks the rendered DOM: non-empty model and
# metric tables, the feature-weight bars and the traffic chart, every route on
# /docs, and no script error (the pages write window.onerror into #js-errors).
# Writes the dashboard's screenshot to docs/dashboard.png (SCREENSHOT=... to change).
#
#   scripts/dashboard_browser.sh
#
# Installs Chromium from the Debian packages when missing (needs root or sudo).
# SWIFT_BUILD_FLAGS adds `swift build` flags (CI: --sanitize=address).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODEL="${MODEL:-models/model.rrm}"
SCREENSHOT="${SCREENSHOT:-docs/dashboard.png}"
log() { echo "[browser] $*" >&2; }

CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$CHROMIUM" ]; then
    log "installing chromium"
    sudo=""
    [ "$(id -u)" = "0" ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium >&2
    CHROMIUM="$(command -v chromium)"
fi

# SWIFT_BUILD_FLAGS: extra `swift build` flags, e.g. CI's --sanitize=address, to reuse its test build.
read -r -a FLAGS <<<"${SWIFT_BUILD_FLAGS:-}"
log "swift build --product recsys-serve ${FLAGS[*]}"
swift build --product recsys-serve "${FLAGS[@]}" >&2
SERVE="$(swift build "${FLAGS[@]}" --show-bin-path)/recsys-serve"

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$SERVE" --model "$MODEL" --host 127.0.0.1 --port "$PORT" --state-dir "$WORK/state" --events-store memory \
    --watch-seconds 0 --log-level error >"$WORK/serve.log" 2>&1 &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 1 300); do
    curl -fsS "$BASE/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.log" >&2; log "the server exited"; exit 1; }
    sleep 0.2
done
curl -fsS "$BASE/ready" >/dev/null || { log "the server never became ready"; exit 1; }

log "traffic on $BASE"
for id in $(seq 1 40); do
    curl -fsS "$BASE/recommend/$id?n=5" >/dev/null
done
curl -fsS -X POST -H 'Content-Type: application/json' -d '{"visitor_ids": [1, 2, 3], "n": 3}' \
    "$BASE/api/v1/recs/batch" >/dev/null
curl -sS "$BASE/recommend/not-a-number" >/dev/null

browse() {
    "$CHROMIUM" --headless --disable-gpu --no-sandbox --no-first-run --disable-dev-shm-usage \
        --virtual-time-budget=5000 "$@" 2>>"$WORK/chromium.log"
}

log "loading $BASE/dashboard"
browse --dump-dom "$BASE/dashboard" >"$WORK/dashboard.html"
mkdir -p "$(dirname "$SCREENSHOT")"
browse --hide-scrollbars --screenshot="$SCREENSHOT" --window-size=1280,1600 "$BASE/dashboard" >/dev/null
log "loading $BASE/docs"
browse --dump-dom "$BASE/docs" >"$WORK/docs.html"
curl -fsS "$BASE/openapi.json" >"$WORK/openapi.json"

python3 scripts/check_pages.py "$WORK/dashboard.html" "$WORK/docs.html" "$WORK/openapi.json" "$SCREENSHOT"
