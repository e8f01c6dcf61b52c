#!/usr/bin/env bash
# Full ingest of the four RetailRocket files: recsys-train against
# pandas.read_csv and polars.read_csv on the same bytes, in the same run.
# Usage: scripts/bench_ingest.sh [runs]
source "$(dirname "$0")/lib.sh"
RUNS="${1:-3}"
build_release
ensure_full_data
ensure_venv pandas polars
"$PY" scripts/bench_ingest.py --data "$BENCH_DATA" --binary "$BIN/recsys-train" --runs "$RUNS"
