"""Times each reader in its own process (wall time measured inside the
process, peak RSS from wait4) and prints ratios against recsys-train."""
import argparse, os, re, statistics, subprocess, sys, time

FILES = ["events.csv", "item_properties_part1.csv", "item_properties_part2.csv", "category_tree.csv"]

PANDAS = """
import sys, time, pandas as pd
t = time.perf_counter()
frames = [pd.read_csv(f"{sys.argv[1]}/{n}") for n in %r]
print("SECONDS", time.perf_counter() - t, sum(len(f) for f in frames))
""" % FILES

POLARS = """
import sys, time, polars as pl
t = time.perf_counter()
frames = [pl.read_csv(f"{sys.argv[1]}/{n}") for n in %r]
print("SECONDS", time.perf_counter() - t, sum(f.height for f in frames))
""" % FILES


def measure(cmd):
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        out_fd = os.open("/tmp/bench_ingest_out.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.execvp(cmd[0], cmd)
    start = time.perf_counter()
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    text = open("/tmp/bench_ingest_out.txt").read()
    if status != 0:
        sys.exit(f"{cmd} failed:\n{text[-2000:]}")
    return text, wall, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    size_mb = sum(os.path.getsize(os.path.join(a.data, f)) for f in FILES) / 1e6
    tools = {
        "recsys-train": [a.binary, "stats", "--data", a.data],
        "pandas.read_csv": [sys.executable, "-c", PANDAS, a.data],
        "polars.read_csv": [sys.executable, "-c", POLARS, a.data],
    }
    results = {}
    for name, cmd in tools.items():
        secs, rss = [], []
        for _ in range(a.runs):
            text, wall, peak = measure(cmd)
            if name == "recsys-train":
                m = re.search(r"read \d+ events, \d+ items in ([0-9.]+) s", text)
                secs.append(float(m.group(1)))
            else:
                secs.append(float(re.search(r"SECONDS ([0-9.]+)", text).group(1)))
            rss.append(peak)
        results[name] = (statistics.median(secs), max(rss))
        print(f"[bench] {name}: runs {', '.join(f'{s:.2f}' for s in secs)} s", file=sys.stderr)
    ours = results["recsys-train"][0]
    print(f"command: scripts/bench_ingest.sh {a.runs}   (data: {a.data}, {size_mb:.0f} MB in 4 files, {os.cpu_count()} cores)")
    print(f"{'reader':<18} {'seconds':>8} {'MB/s':>8} {'peak RSS MB':>12} {'time / recsys':>14}")
    for name, (s, r) in results.items():
        print(f"{name:<18} {s:8.2f} {size_mb / s:8.0f} {r:12.0f} {s / ours:14.2f}")
    print(f"pandas/recsys = {results['pandas.read_csv'][0] / ours:.1f}x, polars/recsys = {results['polars.read_csv'][0] / ours:.1f}x (median of {a.runs} runs)")


if __name__ == "__main__":
    main()
