#!/usr/bin/env python3
"""sha256 of an evaluation.json without its wall-clock fields (`seconds`,
`millisecondsPerUser`), so two runs can be checked for identical answers."""
import hashlib, json, sys

def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ("seconds", "millisecondsPerUser")}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v

for path in sys.argv[1:]:
    text = json.dumps(strip(json.load(open(path))), sort_keys=True)
    print(hashlib.sha256(text.encode()).hexdigest(), path)
