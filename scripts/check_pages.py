#!/usr/bin/env python3
"""Checks the DOM Chromium rendered for /dashboard and /docs (see
scripts/dashboard_browser.sh): exits 1 naming every failed check.

    python3 scripts/check_pages.py DASHBOARD.html DOCS.html OPENAPI.json SCREENSHOT.png
"""
import html.parser
import json
import os
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find(self, tag=None, id=None, cls=None):
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (id is None or n.attrs.get("id") == id)
                and (cls is None or cls in (n.attrs.get("class") or "").split())]

    def by_id(self, id):
        found = self.find(id=id)
        return found[0] if found else None

    def all_text(self):
        return self.text + "".join(c.all_text() for c in self.children)


class Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.text += data


def parse(path):
    b = Builder()
    with open(path, encoding="utf-8") as f:
        b.feed(f.read())
    return b.root


failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def body_rows(root, table_id):
    table = root.by_id(table_id)
    if table is None:
        return []
    rows = [tr for tbody in table.find("tbody") for tr in tbody.find("tr")]
    return [[td.all_text().strip() for td in tr.find("td")] for tr in rows]


def dashboard(path):
    root = parse(path)
    errors = root.by_id("js-errors")
    check(errors is not None and errors.all_text().strip() == "", "dashboard: no script error (#js-errors empty)")
    if errors is not None and errors.all_text().strip():
        print(errors.all_text())
    body = root.find("body")
    updates = int(body[0].attrs.get("data-updates", "0")) if body else 0
    check(updates >= 1, f"dashboard: data.json rendered ({updates} updates)")
    model = body_rows(root, "model-table")
    check(len(model) >= 10 and all(len(r) == 2 and r[1] not in ("", "–") for r in model[:6]),
          f"dashboard: model table filled ({len(model)} rows)")
    check(any(r[0] == "version" and r[1] for r in model), "dashboard: model version shown")
    metrics = body_rows(root, "metrics-table")
    check(len(metrics) >= 10, f"dashboard: metrics table filled ({len(metrics)} rows)")
    requests = [r for r in metrics if r and r[0].startswith("requests (API routes")]
    check(bool(requests) and requests[0][1] not in ("", "–", "0"), "dashboard: the traffic sent is counted")
    p50 = [r for r in metrics if r and r[0].startswith("latency p50")]
    check(bool(p50) and p50[0][1] not in ("", "–"), "dashboard: p50 latency shown")
    training = body_rows(root, "training-table")
    check(len(training) >= 5, f"dashboard: training table filled ({len(training)} rows)")
    chart = root.by_id("weights-chart")
    bars = chart.find("rect", cls="bar") if chart is not None else []
    check(len(bars) >= 5, f"dashboard: feature-weight bar chart ({len(bars)} bars)")
    line = root.by_id("rps-line")
    check(line is not None and line.attrs.get("points", "").strip() != "", "dashboard: traffic chart drawn")
    kpis = root.by_id("kpis")
    check(kpis is not None and len(kpis.find("div", cls="kpi")) == 6, "dashboard: six headline figures")
    routes = body_rows(root, "routes-table")
    check(any(r and r[0] == "/recommend/{user_id}" for r in routes), "dashboard: per-route table lists /recommend")
    note = root.by_id("evaluation-note")
    check(note is not None and note.all_text().strip() != "", "dashboard: evaluation report or 'no evaluation report'")
    tasks_note = root.by_id("tasks-note")
    check(bool(body_rows(root, "tasks-table")) or (tasks_note is not None and tasks_note.all_text().strip()),
          "dashboard: retrain tasks or their note")


def docs(path, spec_path):
    root = parse(path)
    errors = root.by_id("js-errors")
    check(errors is not None and errors.all_text().strip() == "", "docs: no script error (#js-errors empty)")
    if errors is not None and errors.all_text().strip():
        print(errors.all_text())
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    operations = [(m.upper(), p) for p, item in spec["paths"].items() for m in item
                  if m in ("get", "head", "post", "put", "patch", "delete")]
    sections = {s.attrs.get("data-route"): s for s in root.find("section", cls="op")}
    check(len(sections) == len(operations), f"docs: {len(sections)} sections for {len(operations)} operations")
    ids = {n.attrs.get("id") for n in root.walk() if n.attrs.get("id")}
    for method, path_ in operations:
        s = sections.get(f"{method} {path_}")
        if s is None:
            check(False, f"docs: {method} {path_} rendered")
            continue
        pres = {p.attrs.get("class"): p.all_text() for p in s.find("pre")}
        good = bool(pres.get("example-request", "").startswith("curl")) and bool(pres.get("example-response"))
        if method == "GET":
            good = good and bool(s.find("form", cls="try"))
        if not good:
            check(False, f"docs: {method} {path_} has an example request, response and (GET) a try-it form")
    check(not [f for f in failures if f.startswith("docs: GET") or f.startswith("docs: POST")],
          "docs: every operation has examples, and every GET route a try-it form")
    links = [a.attrs["href"][1:] for a in root.by_id("index").find("a") if a.attrs.get("href", "").startswith("#")]
    missing = [l for l in links if l not in ids]
    check(len(links) == len(operations) and not missing, f"docs: index links resolve ({len(links)} links, missing {missing})")


def main():
    dash, doc, spec, shot = sys.argv[1:5]
    dashboard(dash)
    docs(doc, spec)
    check(os.path.exists(shot) and os.path.getsize(shot) > 10_000, f"screenshot {shot} written")
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all page checks passed")


if __name__ == "__main__":
    main()
