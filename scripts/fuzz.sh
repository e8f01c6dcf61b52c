#!/usr/bin/env bash
# libFuzzer over every parser of untrusted bytes (issue 20). Builds the
# `recsys-fuzz` harness (RECSYS_FUZZ=1: first-party code with libFuzzer
# coverage and AddressSanitizer, debug, bounds checks on), then runs each
# target for SECONDS from its seeds in Fuzz/corpus/<target>/ plus the
# git-ignored work corpus .build/fuzz/corpus/<target>/.
# A crash, a trap, a sanitizer report, a timeout or an out-of-memory ends
# that target: its input is copied into Fuzz/corpus/<target>/ as a regression
# seed, the log tail is printed, the other targets still run, and the script
# exits 1. Prints executions, coverage (cov) and features (ft) per target.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 30, every target)
# FUZZ_JOBS=N runs N targets at a time (default 1; CI uses 2, one per core).
# FUZZ_SCRATCH=DIR builds in DIR instead of .build (the work corpus goes to DIR/fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-30}"
shift || true
ALL=(events properties property-tokens event-log category gzip model model-sections query events-body items-body predict-body batch-body)
TARGETS=("$@")
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=("${ALL[@]}")
# Build folder: the default one, where `swift test --sanitize=address` (the README's test command) has
# already built the dependencies with the same flags, so CI compiles them once.
SCRATCH="${FUZZ_SCRATCH:-.build}"
JOBS="${FUZZ_JOBS:-1}"
OUT="$SCRATCH/fuzz"
START=$(date +%s)
trap 'kill $(jobs -rp) 2>/dev/null || true' EXIT

# Only file readers asked for: build without Serve's HTTP stack (RECSYS_FUZZ=readers).
MODE=readers
for t in "${TARGETS[@]}"; do
    case "$t" in query | *-body) MODE=1 ;; esac
done
# Serve is an executable target, which nothing can link: the harness gets its
# sources, less the `@main` file, as the library FuzzServe (Package.swift).
rm -rf Fuzz/ServeLinks
if [ "$MODE" = 1 ]; then
    (cd Sources/Serve && find . -name '*.swift' | sort) | while read -r f; do
        grep -q '^@main' "Sources/Serve/$f" && continue
        mkdir -p "Fuzz/ServeLinks/$(dirname "$f")"
        ln -sr "Sources/Serve/$f" "Fuzz/ServeLinks/$f"
    done
fi

# --sanitize=address: ASan in the dependencies too (first-party code gets it from Package.swift).
BUILD=(swift build -c debug --sanitize=address --scratch-path "$SCRATCH")
echo "[fuzz] RECSYS_FUZZ=$MODE ${BUILD[*]} --product recsys-fuzz" >&2
RECSYS_FUZZ=$MODE "${BUILD[@]}" --product recsys-fuzz >&2
BIN="$(RECSYS_FUZZ=$MODE "${BUILD[@]}" --show-bin-path)/recsys-fuzz"
echo "[fuzz] build done in $(($(date +%s) - START)) s" >&2

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
# One target: its table row in $OUT/$t.row, "failed" in $OUT/$t.failed on a finding.
fuzz_one() {
    local t="$1" LOG="$OUT/$1.log" rc line execs rate cov ft corp result a
    mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t" "Fuzz/corpus/$t"
    rm -f "$OUT/artifacts/$t"/* "$OUT/$t.failed"
    set +e
    FUZZ_TARGET="$t" "$BIN" "$OUT/corpus/$t" "Fuzz/corpus/$t" -max_total_time="$SECS" -timeout=10 \
        -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" >"$LOG" 2>&1
    rc=$?
    set -e
    # The last status line: "#123 DONE cov: 45 ft: 67 corp: 8/1Kb ... exec/s: 89 ...".
    line=$(grep -E '^#[0-9]+' "$LOG" | tail -1 || true)
    execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$LOG" | grep -oE '[0-9]+$' || true)
    rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$LOG" | grep -oE '[0-9]+$' || true)
    cov=$(grep -oE 'cov: [0-9]+' <<<"$line" | grep -oE '[0-9]+' || true)
    ft=$(grep -oE 'ft: [0-9]+' <<<"$line" | grep -oE '[0-9]+' || true)
    corp=$(grep -oE 'corp: [0-9]+' <<<"$line" | grep -oE '[0-9]+' || true)
    result=ok
    if [ "$rc" != 0 ] || compgen -G "$OUT/artifacts/$t/*" >/dev/null; then
        result="FAILED (exit $rc)"
        touch "$OUT/$t.failed"
        for a in "$OUT/artifacts/$t"/*; do
            [ -e "$a" ] || continue
            cp "$a" "Fuzz/corpus/$t/regression-$(basename "$a")"
            result="$result, input kept as Fuzz/corpus/$t/regression-$(basename "$a")"
        done
    fi
    printf '%-15s %6s %10s %8s %7s %7s %7s  %s\n' "$t" "$SECS" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
        "${corp:-?}" "$result" >"$OUT/$t.row"
}

FUZZ_START=$(date +%s)
# FUZZ_JOBS targets at a time (libFuzzer is single-threaded); rows print in the order asked.
for t in "${TARGETS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    fuzz_one "$t" &
done
wait
FAILED=()
printf '%-15s %6s %10s %8s %7s %7s %7s  %s\n' target secs execs exec/s cov ft corpus result
for t in "${TARGETS[@]}"; do
    cat "$OUT/$t.row"
    if [ -e "$OUT/$t.failed" ]; then
        FAILED+=("$t")
        echo "---- $OUT/$t.log (tail)" >&2
        grep -v '^#[0-9]' "$OUT/$t.log" | tail -40 >&2
    fi
done
echo "[fuzz] fuzzing $(($(date +%s) - FUZZ_START)) s with FUZZ_JOBS=$JOBS" >&2
echo "[fuzz] total $(($(date +%s) - START)) s (build included); command: scripts/fuzz.sh $SECS ${*:-}" >&2
if [ "${#FAILED[@]}" -gt 0 ]; then
    echo "[fuzz] findings in: ${FAILED[*]}" >&2
    exit 1
fi
