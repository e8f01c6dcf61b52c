#!/usr/bin/env bash
# Train time of two recsys-train builds on the same data, alternating so both
# see the same machine: ROUNDS rounds at 1x, then one at 10x when the 10x data
# exists. Prints wall seconds and peak RSS (KB) per run, then the medians.
#
# Usage: scripts/ab_train.sh OLD_BINARY NEW_BINARY [DATA_1X] [DATA_10X]
#   defaults: data/bench (as scripts/bench_train.sh) and bench-out/data-10x
#   (as scripts/bench_scale.sh); ROUNDS=3.
set -euo pipefail
old=${1:?old recsys-train binary}
new=${2:?new recsys-train binary}
one=${3:-data/bench}
ten=${4:-bench-out/data-10x}
rounds=${ROUNDS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() { # binary data -> "wall_s peak_kb"
    { /usr/bin/time -f "%e %M" "$1" train --data "$2" --out "$out/m.rrm" --quiet >/dev/null; } 2>&1 | tail -1
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "command: scripts/ab_train.sh $old $new $one $ten   (ROUNDS=$rounds)"
declare -A walls
for r in $(seq "$rounds"); do
    for v in old new; do
        bin=$old; [ "$v" = new ] && bin=$new
        read -r wall peak <<<"$(run "$bin" "$one")"
        echo "1x round $r $v: ${wall} s, peak ${peak} KB"
        walls[$v]="${walls[$v]:-} $wall"
    done
done
m_old=$(tr ' ' '\n' <<<"${walls[old]}" | grep . | median)
m_new=$(tr ' ' '\n' <<<"${walls[new]}" | grep . | median)
echo "1x median: old ${m_old} s, new ${m_new} s, old/new $(awk -v a="$m_old" -v b="$m_new" 'BEGIN {printf "%.2f", a / b}')"
if [ -d "$ten" ]; then
    read -r w_old p_old <<<"$(run "$old" "$ten")"
    read -r w_new p_new <<<"$(run "$new" "$ten")"
    echo "10x old: ${w_old} s, peak ${p_old} KB; 10x new: ${w_new} s, peak ${p_new} KB; old/new $(awk -v a="$w_old" -v b="$w_new" 'BEGIN {printf "%.2f", a / b}')"
    echo "10x/1x: old $(awk -v a="$w_old" -v b="$m_old" 'BEGIN {printf "%.2f", a / b}'), new $(awk -v a="$w_new" -v b="$m_new" 'BEGIN {printf "%.2f", a / b}')"
fi
