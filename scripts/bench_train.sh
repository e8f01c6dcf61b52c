#!/usr/bin/env bash
# Full-scale `recsys-train train` end to end (time, peak RSS), then on the
# very same inputs: scikit-learn's balanced LogisticRegression against our
# Newton fit, and implicit's CosineRecommender.fit against our neighbour build.
# Usage: scripts/bench_train.sh
source "$(dirname "$0")/lib.sh"
build_release
ensure_full_data
ensure_venv numpy scipy scikit-learn implicit
OUT=bench-out/train
mkdir -p "$OUT"
"$PY" - "$BIN/recsys-train" "$BENCH_DATA" "$OUT" <<'PY'
import json, os, subprocess, sys, time
binary, data, out = sys.argv[1:4]
pid = os.fork()
if pid == 0:
    fd = os.open(f"{out}/train.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1); os.dup2(fd, 2)
    os.execv(binary, [binary, "train", "--data", data, "--out", f"{out}/model.rrm", "--export-benchmark", out])
start = time.perf_counter()
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
if status != 0:
    sys.exit(open(f"{out}/train.log").read()[-3000:])
json.dump({"wall": wall, "peak_rss_mb": usage.ru_maxrss / 1024}, open(f"{out}/train_process.json", "w"))
PY
"$PY" scripts/bench_train.py "$OUT"
