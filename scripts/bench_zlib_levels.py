#!/usr/bin/env python3
"""Which zlib level should model files use? Reads a model file, inflates
every section, and deflates them all again at levels 1, 2, 3, 4 and 6 with
the same C zlib the project links, printing time and size per level as
ratios to level 6 (measured in the same run: the machine is shared).
    python3 scripts/bench_zlib_levels.py MODEL.rrm
Layout of the file: docs/model-format.md. Standard library only.
"""
import struct
import sys
import time
import zlib


def sections(path):
    b = open(path, "rb").read()
    if b[:8] != b"RRECSYS\0":
        sys.exit(f"{path}: not a model file")
    off = 8
    _version, count = struct.unpack_from("<II", b, off)
    off += 16  # version, count, created-at
    out = []
    for _ in range(count):
        tag = b[off:off + 4].decode()
        _raw, packed = struct.unpack_from("<QQ", b, off + 4)
        off += 4 + 16 + 4
        out.append((tag, zlib.decompress(b[off:off + packed])))
        off += packed
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    secs = sections(sys.argv[1])
    raw = sum(len(s) for _, s in secs)
    rows = []
    for level in [1, 2, 3, 4, 6]:
        t = time.perf_counter()
        packed = [zlib.compress(s, level) for _, s in secs]
        deflate = time.perf_counter() - t
        t = time.perf_counter()
        for p in packed:
            zlib.decompress(p)
        inflate = time.perf_counter() - t
        rows.append((level, deflate, inflate, sum(len(p) for p in packed)))
    ref = rows[-1]
    print(f"model {sys.argv[1]}: {len(secs)} sections, {raw / 1e6:.1f} MB raw")
    print(f"{'level':>5} {'deflate s':>10} {'vs 6':>6} {'inflate s':>10} {'vs 6':>6} {'MB':>8} {'vs 6':>6}")
    for level, d, i, size in rows:
        print(f"{level:>5} {d:>10.2f} {d / ref[1]:>6.2f} {i:>10.2f} {i / ref[2]:>6.2f} {size / 1e6:>8.1f} {size / ref[3]:>6.3f}")


if __name__ == "__main__":
    main()
