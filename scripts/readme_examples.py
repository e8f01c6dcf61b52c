#!/usr/bin/env python3
"""Writes the example answers in README.md from the bundled model, so they
cannot drift from what the server answers.

Each example is a marker comment naming the request (a POST carries its body
after the path), a block with the `curl` line and the answer, and a closing
marker:

    <!-- example: GET /recommend/8283?n=3&at=1442534400000 -->
    ```console
    $ curl 'localhost:8080/recommend/8283?n=3&at=1442534400000'
    …the answer, written by this script…
    ```
    <!-- /example -->

The script builds and starts `recsys-serve` (debug) on a free port with
models/model.rrm and `--events-store memory`, sends the examples in README
order to that one server (a posted event is seen by the requests after it),
and rewrites the blocks. Volatile fields of `GET /model` (`loaded_at`,
`load_seconds`) are shown as "…". ServeTests/ReadmeExamplesTests sends the
same requests in-process and fails while an answer differs from its block.

    python3 scripts/readme_examples.py          # rewrite README.md
    python3 scripts/readme_examples.py --check  # exit 1 with a diff when README.md is stale
    python3 scripts/readme_examples.py --no-build --binary PATH  # a recsys-serve already built

Standard library only.
"""
import argparse
import difflib
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MODEL = "models/model.rrm"
OPEN = re.compile(r"^(?P<indent>[ \t]*)<!-- example: (?P<method>[A-Z]+) (?P<path>\S+)(?: (?P<body>.*?))? -->$")
CLOSE = re.compile(r"^[ \t]*<!-- /example -->$")
# Fields that change with every start of the server: shown as a placeholder.
VOLATILE = {"loaded_at", "load_seconds"}
PLACEHOLDER = "…"
WIDTH = 110


def parse(text):
    """The README's lines, with (open line index, close line index, match) per example."""
    lines = text.split("\n")
    examples = []
    i = 0
    while i < len(lines):
        m = OPEN.match(lines[i])
        if m:
            j = i + 1
            while j < len(lines) and not CLOSE.match(lines[j]):
                if OPEN.match(lines[j]):
                    sys.exit(f"README.md:{j + 1}: an example opens before the one at line {i + 1} closes")
                j += 1
            if j == len(lines):
                sys.exit(f"README.md:{i + 1}: the example has no <!-- /example -->")
            examples.append((i, j, m))
            i = j
        i += 1
    return lines, examples


def normalise(value):
    if isinstance(value, dict):
        return {k: PLACEHOLDER if k in VOLATILE else normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def render(value, indent=0, lead=0):
    """Pretty JSON, keys in the server's order; a value that fits on its line
    (`lead` characters already on it) stays on one line."""
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if indent + lead + len(flat) <= WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            key = json.dumps(k, ensure_ascii=False) + ": "
            parts.append(pad + key + render(v, indent + 2, len(key)))
    elif all(not isinstance(v, (dict, list)) for v in value):
        # Scalars fill their lines, as many to a line as fit.
        parts = [pad]
        for v in value:
            word = json.dumps(v, ensure_ascii=False)
            if parts[-1] != pad and len(parts[-1]) + len(word) + 2 > WIDTH:
                parts.append(pad)
            parts[-1] += (", " if parts[-1] != pad else "") + word
        return "[\n" + ",\n".join(parts) + "\n" + " " * indent + "]"
    else:
        parts = [pad + render(v, indent + 2) for v in value]
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + ",\n".join(parts) + "\n" + " " * indent + closing


def curl(method, path, body):
    """The command a reader types for the example (ServeTests rebuilds the same line)."""
    if body is not None:
        return f"curl localhost:8080{path} -d '{body}'"
    if method != "GET":
        return f"curl -X {method} 'localhost:8080{path}'"
    return f"curl 'localhost:8080{path}'"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body):
    data = body.encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start(binary, state):
    port = free_port()
    # The examples show an open server: no admin token or API key from this shell.
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECSYS_")}
    args = [binary, "--model", MODEL, "--port", str(port), "--events-store", "memory", "--state-dir", state]
    args += ["--watch-seconds", "0", "--log-level", "error"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"recsys-serve exited with status {proc.returncode}")
        try:
            if request(port, "GET", "/ready", None)[0] == 200:
                return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("recsys-serve was not ready within 120 s")


def generate(text, port):
    lines, examples = parse(text)
    out, last = [], 0
    for open_at, close_at, m in examples:
        status, raw = request(port, m["method"], m["path"], m["body"])
        try:
            value = json.loads(raw)
        except ValueError:
            sys.exit(f"README.md:{open_at + 1}: {m['method']} {m['path']} answered {status} without JSON: {raw[:200]!r}")
        pad = m["indent"]
        block = ["```console", "$ " + curl(m["method"], m["path"], m["body"])]
        block += render(normalise(value)).split("\n") + ["```"]
        out += lines[last : open_at + 1] + [pad + b for b in block] + [lines[close_at]]
        last = close_at + 1
    out += lines[last:]
    return "\n".join(out), len(examples)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="exit 1 with a diff when README.md is stale")
    p.add_argument("--no-build", action="store_true", help="skip `swift build --product recsys-serve`")
    p.add_argument("--binary", default=str(ROOT / ".build" / "debug" / "recsys-serve"))
    a = p.parse_args()
    if not a.no_build:
        subprocess.run(["swift", "build", "--product", "recsys-serve"], cwd=ROOT, check=True)
    text = README.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="readme-examples-") as state:
        proc, port = start(a.binary, state)
        try:
            new, count = generate(text, port)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    if new == text:
        print(f"README.md: {count} examples up to date")
        return
    if a.check:
        sys.stdout.writelines(
            difflib.unified_diff(
                text.splitlines(keepends=True), new.splitlines(keepends=True), "README.md", "README.md (server)"
            )
        )
        sys.stdout.flush()
        print("README.md differs from the server's answers; run python3 scripts/readme_examples.py", file=sys.stderr)
        sys.exit(1)
    README.write_text(new, encoding="utf-8")
    print(f"README.md: {count} examples rewritten")


if __name__ == "__main__":
    main()
