#!/usr/bin/env python3
"""Replays a RetailRocket log's test window through a running server's HTTP API, as a shop would send it
(standard library only; scripts/http_replay.sh trains the model and starts the servers).

  http_replay.py split --data DIR --out DIR [--test-days 14]
      Writes OUT/train (events before the cutoff, the property files and the tree linked) and
      OUT/window.csv (the test window's events in replay order: time, then visitor). Prints the cutoff.

  http_replay.py replay --port P --window FILE --train-events FILE --mode at|none|wall [--max-targets N]
      Walks the window in order. Before each first add-to-cart of a (visitor, item) pair (the cart task of
      the online protocol), it POSTs the events not yet sent, then asks GET /recommend/<visitor>?n=10 and
      scores the item's rank (HR@10, MRR@10); before each view of an item new to a visitor with earlier
      events (the discover task) it asks ?n=20&exclude=seen (HR@20, MRR@20). Every event is POSTed; at most
      --max-targets targets per task are scored (every k-th). --mode says what the GET sends as the
      request time: "at" the event's time - 1 (the in-process replay's), "none" no `at` (the server's
      default), "wall" the wall clock (what the default was before the replay clock). Prints one JSON line.
"""
import argparse
import csv
import http.client
import json
import os
import sys
import time


def read_events(path):
    rows = []
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            if len(row) < 4 or not row[0].isdigit():
                continue
            rows.append((int(row[0]), int(row[1]), row[2], int(row[3]), row[4] if len(row) > 4 else ""))
    return rows


def split(a):
    events = read_events(os.path.join(a.data, "events.csv"))
    cutoff = max(e[0] for e in events) + 1 - int(a.test_days * 86_400_000)
    train = os.path.join(a.out, "train")
    os.makedirs(train, exist_ok=True)
    with open(os.path.join(train, "events.csv"), "w") as f:
        f.write("timestamp,visitorid,event,itemid,transactionid\n")
        for e in events:
            if e[0] < cutoff:
                f.write("%d,%d,%s,%d,%s\n" % e)
    for name in os.listdir(a.data):
        if name != "events.csv" and (name.startswith("item_properties") or name.startswith("category_tree")):
            link = os.path.join(train, name)
            if not os.path.exists(link):
                os.symlink(os.path.abspath(os.path.join(a.data, name)), link)
    window = sorted((e for e in events if e[0] >= cutoff), key=lambda e: (e[0], e[1]))
    with open(os.path.join(a.out, "window.csv"), "w") as f:
        f.write("timestamp,visitorid,event,itemid,transactionid\n")
        for e in window:
            f.write("%d,%d,%s,%d,%s\n" % e)
    print(json.dumps({"cutoff": cutoff, "train_events": len(events) - len(window), "window_events": len(window)}))


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise SystemExit("%s %s -> %d %s" % (method, path, r.status, data[:300]))
        return json.loads(data)


def replay(a):
    window = read_events(a.window)
    visitors = {e[1] for e in window}
    touched = {}  # the window's visitors: items touched in training, then so far in the window
    with open(a.train_events, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            v = int(row[1])
            if v in visitors:
                touched.setdefault(v, set()).add(int(row[3]))
    known = set(touched)
    carted = set()
    cart, discover = [], []
    for p, (t, v, kind, item, _) in enumerate(window):
        if kind == "addtocart" and (v, item) not in carted:
            carted.add((v, item))
            cart.append(p)
        seen = touched.setdefault(v, set())
        if kind == "view" and seen and item not in seen:
            discover.append(p)
        seen.add(item)

    def sample(targets):
        stride = max(1, -(-len(targets) // a.max_targets))
        return set(targets[::stride]), stride

    (cart_at, cart_stride), (discover_at, discover_stride) = sample(cart), sample(discover)
    client = Client(a.port)
    pending = []
    # per task and segment: targets, hits, reciprocal ranks
    tally = {task: {"known": [0, 0, 0.0], "new": [0, 0, 0.0]} for task in ("cart", "discover")}
    started = time.time()
    posts = gets = 0

    def flush():
        nonlocal pending, posts
        for k in range(0, len(pending), 5000):
            chunk = pending[k:k + 5000]
            body = json.dumps({"events": [
                dict({"timestamp": t, "visitor_id": v, "event": kind, "item_id": i},
                     **({"transaction_id": int(x)} if x else {}))
                for t, v, kind, i, x in chunk]})
            got = client.call("POST", "/api/v1/events", body)
            assert got["accepted"] == len(chunk), got
            posts += 1
        pending = []

    for p, e in enumerate(window):
        for task, at_positions, n, extra in (("cart", cart_at, 10, ""), ("discover", discover_at, 20, "&exclude=seen")):
            if p not in at_positions:
                continue
            flush()
            t, visitor, _, item, _ = e
            query = {"at": "&at=%d" % (t - 1), "none": "", "wall": "&at=%d" % int(time.time() * 1000)}[a.mode]
            answer = client.call("GET", "/recommend/%d?n=%d%s%s" % (visitor, n, extra, query))
            gets += 1
            items = [x["item_id"] for x in answer["items"]]
            seg = tally[task]["known" if visitor in known else "new"]
            seg[0] += 1
            if item in items:
                seg[1] += 1
                seg[2] += 1.0 / (items.index(item) + 1)
        pending.append(e)
    flush()

    def figures(parts):
        n = sum(x[0] for x in parts)
        return {"targets": n, "hr": round(sum(x[1] for x in parts) / max(n, 1), 4),
                "mrr": round(sum(x[2] for x in parts) / max(n, 1), 4)}

    out = {"mode": a.mode, "window_events": len(window)}
    for task, total, stride in (("cart", cart, cart_stride), ("discover", discover, discover_stride)):
        t = tally[task]
        out[task] = {"targets": len(total), "stride": stride, "all": figures(t.values()),
                     "known": figures([t["known"]]), "new": figures([t["new"]])}
    out.update({"posts": posts, "gets": gets, "seconds": round(time.time() - started, 1)})
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("--data", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--test-days", type=float, default=14)
    r = sub.add_parser("replay")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--window", required=True)
    r.add_argument("--train-events", required=True)
    r.add_argument("--mode", choices=["at", "none", "wall"], required=True)
    r.add_argument("--max-targets", type=int, default=20000)
    a = ap.parse_args()
    {"split": split, "replay": replay}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
