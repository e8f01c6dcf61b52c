#!/usr/bin/env bash
# Contract test: schemathesis (from PyPI, into the venv) generates requests
# from docs/openapi.yaml against a live recsys-serve (the bundled model, a copy
# of it in a scratch folder, events in memory, an admin token and an API key
# so the guarded routes are exercised with the header) and fails on any 5xx
# and on any answer the document does not allow (status code, content type,
# headers, body schema). About two minutes on two shared cores.
# Usage: [BIN=dir-with-binaries] [MAX_EXAMPLES=50] [CHECKS=all] scripts/schemathesis.sh
# (BIN defaults to a debug build made here.)
source "$(dirname "$0")/lib.sh"
MAX_EXAMPLES="${MAX_EXAMPLES:-50}"
PORT="${PORT:-18090}"
TOKEN="schemathesis-token"
if [ -z "${BIN:-}" ]; then
    log "swift build --product recsys-serve"
    swift build --product recsys-serve >&2
    BIN="$ROOT/.build/debug"
fi
ensure_venv "schemathesis==4.32.5"

WORK="$(mktemp -d)"
cleanup() {
    [ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
# A copy: the admin routes reload it, and a retrain (on a data folder that does not exist, so it fails
# at once) must not write over the bundled model.
cp models/model.rrm "$WORK/model.rrm"
RECSYS_ADMIN_TOKEN="$TOKEN" RECSYS_API_KEY="$TOKEN" "$BIN/recsys-serve" --model "$WORK/model.rrm" \
    --port "$PORT" --events-store memory --state-dir "$WORK/state" --train-data "$WORK/no-data" \
    --watch-seconds 0 --log-level warning > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }

log "schemathesis on docs/openapi.yaml, $MAX_EXAMPLES examples per operation"
status=0
# Run from the scratch folder: schemathesis keeps a cache folder in the working directory.
(cd "$WORK" && "$ROOT/$VENV/bin/schemathesis" run "$ROOT/docs/openapi.yaml" --url "http://127.0.0.1:$PORT" \
    --header "Authorization: Bearer $TOKEN" \
    --checks "${CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}" \
    --max-examples "$MAX_EXAMPLES" --seed 20 --generation-database none --no-color --suppress-health-check all \
    --report junit --report-dir "$WORK/report") || status=$?
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "recsys-serve died during the run:" >&2
    tail -20 "$WORK/serve.log" >&2
    exit 1
fi
if grep -q '"level":"error"\|"level":"critical"' "$WORK/serve.log"; then
    echo "recsys-serve logged errors:" >&2
    grep '"level":"error"\|"level":"critical"' "$WORK/serve.log" | head -20 >&2
    status=1
fi
exit "$status"
