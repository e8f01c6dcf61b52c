#!/usr/bin/env python3
"""Helpers for scripts/bench_events.sh and scripts/events_crash.sh (standard library only).

  events_tool.py load   --port P --batches N [--batch 500] [--visitors 50000] [--items MAX]
                        --ref MS [--threads 4] [--seed 1]
      POSTs N deterministic batches to /api/v1/events over keep-alive connections
      and prints one JSON line: events, seconds, events_per_s, non_200.

  events_tool.py crash-client --port P --out acked.jsonl [--threads 3] [--seconds 60] [--timeout 10] --ref MS [--keys]
      Posts small batches in a loop until the server goes away. Every batch is
      written to <out>.sent before it is sent, and to <out> after its 200, one
      JSON line per batch, flushed (so the files survive this process too).
      With --keys each batch carries an Idempotency-Key (kept in the files) and a
      failed post (no answer, 5xx) is retried with the same key until it is
      answered 200 or the server is gone: delivery must then be exactly once.

  events_tool.py retry-unacked --port P --out acked.jsonl
      Posts again, with their keys, the keyed batches of <out>.sent that have no
      200 in <out> (in flight when the server died); a 200 (stored now, or
      "replayed") appends them to <out>. Prints sent, acked and replayed counts.

  events_tool.py verify --port P --acked acked.jsonl [--sent acked.jsonl.sent]
      Reads every acknowledged event back through GET /api/v1/visitors/<id>/events
      (source "live") and compares count and a SHA-256 over the sorted
      (timestamp, visitor, item, kind) tuples. Events the server holds that were
      never sent are reported too. Exit 1 on any loss, on an event stored twice
      (unless --allow-duplicates) and, with --exactly-once, on a sent event stored
      without its 200 having been seen.

  events_tool.py propagation --post-port LB --ports A,B --ref MS [--batches 30]
      POSTs batches of 5 events for fresh visitors through LB, then polls each
      replica's GET /api/v1/visitors/<id>/events until it lists them; prints the
      visibility lag per replica (p50, p99, max in ms). Exit 1 when any replica
      took longer than --max-ms (1000) or never showed a batch.

  events_tool.py scan DIR
      Walks the segment files of an events folder like the server's opener does
      (frame magic, count, sequence, CRC-32) and prints frames, records and the
      bytes of a torn tail of the last segment (JSON).

  events_tool.py tear DIR
      Appends half of a well-formed frame (the next sequence numbers) to the
      last segment: what a write cut short by a crash leaves behind.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import struct
import sys
import threading
import time
import zlib

KINDS = ("view", "addtocart", "transaction")
KIND_CODE = {"view": 0, "addtocart": 1, "transaction": 2}
HEADER = 24
RECORD = 48
MAGIC = 0x464C5645


def conn(port, timeout=30):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def batch_body(rng, n, visitors, items, ref, now, visitor_base=0):
    span = max(1, now - ref)
    parts = []
    for _ in range(n):
        r = rng.random()
        kind = "view" if r < 0.90 else ("addtocart" if r < 0.97 else "transaction")
        tx = ',"transaction_id":%d' % rng.randrange(1 << 30) if kind == "transaction" else ""
        parts.append('{"timestamp":%d,"visitor_id":%d,"event":"%s","item_id":%d%s}' % (
            ref + rng.randrange(span), visitor_base + rng.randrange(visitors), kind, rng.randrange(items), tx))
    return ('{"events":[' + ",".join(parts) + "]}").encode()


def cmd_load(a):
    now = int(time.time() * 1000)
    lock = threading.Lock()
    next_batch = [0]
    stats = {"ok": 0, "bad": 0, "codes": {}}

    def worker(t):
        rng = random.Random(a.seed * 1000 + t)
        c = conn(a.port)
        while True:
            with lock:
                if next_batch[0] >= a.batches:
                    return
                next_batch[0] += 1
            body = batch_body(rng, a.batch, a.visitors, a.items, a.ref, now, a.visitor_base)
            for attempt in range(3):
                try:
                    c.request("POST", "/api/v1/events", body, {"Content-Type": "application/json"})
                    r = c.getresponse()
                    r.read()
                    break
                except (OSError, http.client.HTTPException):
                    c.close()
                    c = conn(a.port)
                    if attempt == 2:
                        raise
            with lock:
                if r.status == 200:
                    stats["ok"] += 1
                else:
                    stats["bad"] += 1
                    stats["codes"][r.status] = stats["codes"].get(r.status, 0) + 1

    start = time.time()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.time() - start
    print(json.dumps({"events": stats["ok"] * a.batch, "batches": stats["ok"], "seconds": round(secs, 3),
                      "events_per_s": round(stats["ok"] * a.batch / secs), "non_200": stats["bad"],
                      "codes": stats["codes"]}))
    return 0 if stats["bad"] == 0 else 1


def cmd_crash_client(a):
    """Small batches (1-20 events) from a few threads; visitor ids are unique to
    this run and each visitor gets at most 120 events (the overlay keeps 200)."""
    now = int(time.time() * 1000)
    acked = open(a.out, "a", buffering=1)
    sent = open(a.out + ".sent", "a", buffering=1)
    lock = threading.Lock()
    counters = {"acked": 0, "failed": 0, "non_200": {}, "replayed": 0, "errors": {}}
    stop = time.time() + a.seconds
    run = time.time_ns() // 1000  # keys unique to this run, so a store shared with earlier runs never conflicts

    def worker(t):
        rng = random.Random(a.seed * 7919 + t)
        base = a.visitor_base + t * 1_000_000
        per_visitor = {}
        visitor = base
        stamp = a.ref + 1000 + t  # strictly increasing per thread, unique across threads
        c = conn(a.port, timeout=a.timeout)
        failures = 0
        batch_number = 0
        while time.time() < stop:
            n = rng.randint(1, 20)
            events = []
            for _ in range(n):
                if per_visitor.get(visitor, 0) >= 120 or rng.random() < 0.05:
                    visitor += 1
                per_visitor[visitor] = per_visitor.get(visitor, 0) + 1
                stamp += a.threads * rng.randint(1, 50)
                if stamp > now:
                    stamp = a.ref + 1000 + t
                kind = KINDS[rng.randrange(3)]
                e = {"timestamp": stamp, "visitor_id": visitor, "event": kind, "item_id": rng.randrange(a.items)}
                if kind == "transaction":
                    e["transaction_id"] = rng.randrange(1 << 30)
                events.append(e)
            body = json.dumps({"events": events})
            headers = {"Content-Type": "application/json"}
            line = body
            if a.keys:
                batch_number += 1
                headers["Idempotency-Key"] = "crash-%d-%d-%d-%d" % (run, a.seed, t, batch_number)
                line = json.dumps({"key": headers["Idempotency-Key"], "events": events})
            with lock:
                sent.write(line + "\n")
            while True:  # one pass without --keys; with keys, until a 200 or the server is gone
                try:
                    c.request("POST", "/api/v1/events", body.encode(), headers)
                    r = c.getresponse()
                    answer = r.read()
                except (OSError, http.client.HTTPException) as error:
                    c.close()
                    failures += 1
                    with lock:
                        counters["failed"] += 1
                        # By kind: a timeout is a server that hung; a closed connection is one that answered
                        # "Connection: close" (after a 503) or was killed.
                        kind = type(error).__name__
                        counters["errors"][kind] = counters["errors"].get(kind, 0) + 1
                    if failures >= 20:
                        return  # the server is gone
                    time.sleep(0.05)
                    c = conn(a.port, timeout=a.timeout)
                    if a.keys:
                        continue
                    break
                failures = 0
                with lock:
                    if r.status == 200:
                        acked.write(line + "\n")
                        counters["acked"] += 1
                        if a.keys and json.loads(answer).get("replayed"):
                            counters["replayed"] += 1
                    else:
                        counters["non_200"][r.status] = counters["non_200"].get(r.status, 0) + 1
                if r.status == 200 or not a.keys or r.status < 500:
                    break
                time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {
        "acked_batches": counters["acked"],
        "failed_posts": counters["failed"],
        "non_200": counters["non_200"],
        "errors": counters["errors"],
    }
    if a.keys:
        out["replayed_batches"] = counters["replayed"]
    print(json.dumps(out))
    return 0


def cmd_retry_unacked(a):
    acked_lines = set()
    if os.path.exists(a.out):
        with open(a.out) as f:
            acked_lines = set(line.strip() for line in f if line.strip())
    pending = []
    with open(a.out + ".sent") as f:
        for line in f:
            line = line.strip()
            try:
                batch = json.loads(line)
            except ValueError:
                continue  # a line cut by the kill: never sent
            if "key" in batch and line not in acked_lines:
                pending.append((line, batch))
    c = conn(a.port)
    counts = {"unacked": len(pending), "acked": 0, "replayed": 0, "non_200": {}}
    with open(a.out, "a") as acked:
        for line, batch in pending:
            c.request("POST", "/api/v1/events", json.dumps({"events": batch["events"]}).encode(),
                      {"Content-Type": "application/json", "Idempotency-Key": batch["key"]})
            r = c.getresponse()
            answer = r.read()
            if r.status == 200:
                acked.write(line + "\n")
                counts["acked"] += 1
                counts["replayed"] += 1 if json.loads(answer).get("replayed") else 0
            else:
                counts["non_200"][r.status] = counts["non_200"].get(r.status, 0) + 1
    print(json.dumps(counts))
    return 0 if counts["acked"] == len(pending) else 1


def key(e):
    return (int(e["timestamp"]), int(e["visitor_id"]), int(e["item_id"]), e["event"])


def digest(keys):
    h = hashlib.sha256()
    for k in sorted(keys):
        h.update(("%d,%d,%d,%s\n" % k).encode())
    return h.hexdigest()


def read_batches(path):
    out = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    out.extend(json.loads(line)["events"])
                except ValueError:
                    pass  # a line cut by the kill (only possible in .sent)
    return out


def cmd_verify(a):
    acked = [key(e) for e in read_batches(a.acked)]
    sent = set(key(e) for e in read_batches(a.sent)) if a.sent else None
    by_visitor = {}
    for k in acked:
        by_visitor.setdefault(k[1], []).append(k)
    visitors = set(by_visitor)
    if sent is not None:
        visitors |= set(k[1] for k in sent)
    c = conn(a.port)
    found = []
    errors = 0
    for v in sorted(visitors):
        c.request("GET", "/api/v1/visitors/%d/events?limit=1000" % v)
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            errors += 1
            continue
        for e in json.loads(body)["events"]:
            if e.get("source") == "live":
                found.append((int(e["timestamp"]), v, int(e["item_id"]), e["event"]))
    found_set = set(found)
    missing = [k for k in acked if k not in found_set]
    present_acked = [k for k in acked if k in found_set]
    phantom = [k for k in found_set if sent is not None and k not in sent]
    unacked_present = len(found_set) - len(set(acked) & found_set) - len(phantom)
    result = {
        "acked_events": len(acked), "acked_visitors": len(by_visitor),
        "acked_sha256": digest(acked)[:16], "found_acked_sha256": digest(present_acked)[:16],
        "found_live_events": len(found), "missing": len(missing), "duplicates": len(found) - len(found_set),
        "sent_not_acked_but_stored": unacked_present, "phantom": len(phantom), "http_errors": errors,
    }
    print(json.dumps(result))
    if missing:
        print("first missing: %s" % (missing[:5],), file=sys.stderr)
    # Without idempotency keys, a batch committed by a replica killed before it answered and retried (by a load
    # balancer on the other replica) is stored twice: --allow-duplicates. With keys (crash-client --keys) every
    # retry is answered from the key, so --exactly-once also wants no stored batch left unacknowledged.
    ok = not missing and errors == 0 and not phantom and acked and (a.allow_duplicates or result["duplicates"] == 0)
    ok = ok and not (a.exactly_once and unacked_present)
    return 0 if ok else 1


def cmd_propagation(a):
    ports = [int(p) for p in a.ports.split(",")]
    post = conn(a.post_port)
    readers = {p: conn(p) for p in ports}
    lags = {p: [] for p in ports}
    failed = 0
    for b in range(a.batches):
        visitor = a.visitor_base + b
        events = [{"timestamp": a.ref + 1000 + k, "visitor_id": visitor, "event": "view", "item_id": k + 1}
                  for k in range(5)]
        post.request("POST", "/api/v1/events", json.dumps({"events": events}).encode(),
                     {"Content-Type": "application/json"})
        r = post.getresponse()
        r.read()
        acked = time.time()
        if r.status != 200:
            failed += 1
            continue
        for p in ports:
            while True:
                readers[p].request("GET", "/api/v1/visitors/%d/events?limit=20" % visitor)
                rr = readers[p].getresponse()
                body = json.loads(rr.read())
                live = [e for e in body.get("events", []) if e.get("source") == "live"]
                waited = time.time() - acked
                if len(live) >= 5:
                    lags[p].append(waited * 1000)
                    break
                if waited > 5:
                    lags[p].append(float("inf"))
                    break
                time.sleep(0.01)
    out = {"batches": a.batches, "post_failures": failed}
    worst = 0.0
    for p in ports:
        xs = sorted(lags[p])
        q = lambda f: xs[min(len(xs) - 1, int(f * len(xs)))] if xs else float("inf")
        out[str(p)] = {"p50_ms": round(q(0.5), 1), "p99_ms": round(q(0.99), 1), "max_ms": round(xs[-1], 1) if xs else None}
        worst = max(worst, xs[-1] if xs else float("inf"))
    print(json.dumps(out))
    return 0 if failed == 0 and worst <= a.max_ms else 1


def segments(d):
    names = sorted(n for n in os.listdir(d) if n.endswith(".evlog"))
    return [os.path.join(d, n) for n in names]


def scan_file(path):
    raw = open(path, "rb").read()
    off, frames, records, last_seq = 0, 0, 0, None
    while off < len(raw):
        if len(raw) - off < HEADER:
            break
        magic, count, first, flags, crc = struct.unpack_from("<IIqII", raw, off)
        key_block = 0
        if flags & 1:  # an idempotency key block: 16 bytes, then the key padded to 8
            if len(raw) - off < HEADER + 16:
                break
            key_len = struct.unpack_from("<I", raw, off + HEADER + 8)[0]
            key_block = 16 + ((key_len + 7) & ~7)
        end = off + HEADER + key_block + count * RECORD
        if magic != MAGIC or count < 1 or end > len(raw):
            break
        if zlib.crc32(raw[off + HEADER:end], zlib.crc32(raw[off:off + 20])) & 0xFFFFFFFF != crc:
            break
        frames += 1
        records += count
        last_seq = first + count - 1
        off = end
    return {"file": os.path.basename(path), "bytes": len(raw), "frames": frames, "records": records,
            "last_seq": last_seq, "torn_bytes": len(raw) - off}


def cmd_scan(a):
    files = [scan_file(p) for p in segments(a.dir)]
    print(json.dumps({"segments": len(files), "records": sum(f["records"] for f in files),
                      "torn_bytes_last": files[-1]["torn_bytes"] if files else 0, "files": files}))
    return 0


def cmd_tear(a):
    last = segments(a.dir)[-1]
    info = scan_file(last)
    seq = (info["last_seq"] or 0) + 1
    count = 8
    body = b"".join(struct.pack("<qqqqqBB6x", seq + i, 1_500_000_000_000, 1, 2, -1, 0, 1) for i in range(count))
    header = struct.pack("<IIqI", MAGIC, count, seq, 0)
    crc = zlib.crc32(body, zlib.crc32(header)) & 0xFFFFFFFF
    frame = header + struct.pack("<I", crc) + body
    cut = frame[:HEADER + count * RECORD // 2 + 5]
    with open(last, "ab") as f:
        f.write(cut)
        f.flush()
        os.fsync(f.fileno())
    print(json.dumps({"file": os.path.basename(last), "appended_bytes": len(cut), "frame_bytes": len(frame)}))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("load")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--batches", type=int, required=True)
    s.add_argument("--batch", type=int, default=500)
    s.add_argument("--visitors", type=int, default=50_000)
    s.add_argument("--visitor-base", type=int, default=0)
    s.add_argument("--items", type=int, default=4634)
    s.add_argument("--ref", type=int, required=True)
    s.add_argument("--threads", type=int, default=4)
    s.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("crash-client")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--threads", type=int, default=3)
    s.add_argument("--seconds", type=float, default=60)
    s.add_argument("--timeout", type=float, default=10, help="seconds to wait for one answer")
    s.add_argument("--ref", type=int, required=True)
    s.add_argument("--items", type=int, default=4634)
    s.add_argument("--visitor-base", type=int, default=3_000_000_000)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--keys", action="store_true")
    s = sub.add_parser("retry-unacked")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--out", required=True)
    s = sub.add_parser("verify")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--acked", required=True)
    s.add_argument("--sent")
    s.add_argument("--allow-duplicates", action="store_true")
    s.add_argument("--exactly-once", action="store_true")
    s = sub.add_parser("propagation")
    s.add_argument("--post-port", type=int, required=True)
    s.add_argument("--ports", required=True)
    s.add_argument("--ref", type=int, required=True)
    s.add_argument("--batches", type=int, default=30)
    s.add_argument("--visitor-base", type=int, default=4_000_000_000)
    s.add_argument("--max-ms", type=float, default=1000)
    s = sub.add_parser("scan")
    s.add_argument("dir")
    s = sub.add_parser("tear")
    s.add_argument("dir")
    a = p.parse_args()
    return {"load": cmd_load, "crash-client": cmd_crash_client, "retry-unacked": cmd_retry_unacked, "verify": cmd_verify, "scan": cmd_scan,
            "propagation": cmd_propagation,
            "tear": cmd_tear}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
