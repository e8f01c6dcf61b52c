#!/usr/bin/env python3
"""sha256 of an evaluation.json without its wall-clock fields (`seconds`,
`milliseconds_per_user`), so two runs can be checked for identical answers.

Keys are normalised to snake_case first (reports written before the CLI's
JSON became snake_case used camelCase), and the fields added since
(`warnings`, `bootstrap`, `ndcg_interval`, `recall_interval`,
`two_stage_vs_best_single`, `all_history_share`) are dropped, so
an old and a new report of the same answers digest the same."""
import hashlib, json, re, sys

DROPPED = {"seconds", "milliseconds_per_user", "warnings", "bootstrap", "ndcg_interval", "recall_interval",
           "two_stage_vs_best_single", "all_history_share"}

def snake(key):
    # As Swift's JSONEncoder.KeyEncodingStrategy.convertToSnakeCase: "userKNNCandidates" -> "user_knn_candidates".
    key = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", key)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()

def strip(v):
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            k = snake(k)
            if k not in DROPPED:
                out[k] = strip(x)
        return out
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v

for path in sys.argv[1:]:
    text = json.dumps(strip(json.load(open(path))), sort_keys=True)
    print(hashlib.sha256(text.encode()).hexdigest(), path)
