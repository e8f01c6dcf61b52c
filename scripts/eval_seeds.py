#!/usr/bin/env python3
"""Writes docs/evaluation/seeds.md and seeds.json from the evaluation.json of
each seed's world (scripts/eval_seeds.sh runs it; standard library only).

Usage: eval_seeds.py --command CMD --scale S --commit C --seconds N --md OUT.md --json OUT.json
                     SEED=PATH/evaluation.json=GENERATE_SECONDS=EVALUATE_SECONDS ...

Per seed: two-stage NDCG@10 with its bootstrap interval, the best single
method (highest NDCG@10 among the methods of kind "single") with its interval,
their ratio, the difference with its paired bootstrap interval, candidate
recall per generator and for the union at the mean candidate count, item
coverage@10 of the two-stage answers and the share of all-history answers;
the mean over seeds; and the targets of issue 18, met or not on every seed."""
import argparse, datetime, json, os, re, statistics

RATIO_TARGET = 1.10
RECALL_TARGET = 0.55
CANDIDATES_LIMIT = 300


def snake(key):
    key = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", key)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()


def normalise(v):
    if isinstance(v, dict):
        return {snake(k): normalise(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    return v


def at(method, k):
    return next((m for m in method["metrics"] if m["k"] == k), None)


def seed_row(seed, path, gen_seconds, eval_seconds):
    r = normalise(json.load(open(path)))
    k = (r.get("bootstrap") or {}).get("k", 10)
    c = r.get("two_stage_vs_best_single")
    if c is None:
        raise SystemExit(f"{path}: no two_stage_vs_best_single (written by an older recsys-train?)")
    methods = {m["name"]: m for m in r["methods"]}
    two, single = at(methods[c["two_stage"]], k), at(methods[c["best_single"]], k)
    singles = sorted(
        ((m["name"], at(m, k)["ndcg"]) for m in r["methods"] if m["kind"] == "single"), key=lambda x: -x[1])
    recall = r["candidate_recall"]
    return {
        "seed": seed,
        "k": k,
        "test_users": r["test_users"],
        "relevant_items": r["relevant_items"],
        "two_stage_ndcg": two["ndcg"],
        "two_stage_ndcg_interval": two.get("ndcg_interval"),
        "best_single": c["best_single"],
        "best_single_ndcg": single["ndcg"],
        "best_single_ndcg_interval": single.get("ndcg_interval"),
        "ratio": c["ratio"],
        "difference": c["difference"],
        "difference_interval": c["difference_interval"],
        "single_methods_ndcg": dict(singles),
        "union_recall": recall["union"],
        "mean_candidates": r["mean_candidates"],
        "candidate_recall": recall,
        "two_stage_coverage": two["coverage"],
        "all_history_share": r.get("all_history_share"),
        "rare_item_recall": r.get("rare_item_recall"),
        "additions_ndcg": {m["name"]: at(m, k)["ndcg"] for m in r["methods"] if m["kind"] == "addition"},
        "generate_seconds": gen_seconds,
        "evaluate_seconds": eval_seconds,
    }


def f4(x):
    return "–" if x is None else f"{x:.4f}"


def row_with_mean(label, values):
    """A table row: each seed's value, then the mean of those present."""
    known = [v for v in values if v is not None]
    return f"| {label} | " + " | ".join(f4(v) for v in values) + f" | {f4(statistics.fmean(known) if known else None)} |"


def iv(i, signed=False):
    if not i:
        return ""
    fmt = "{:+.4f}" if signed else "{:.4f}"
    return f"[{fmt.format(i['low'])}, {fmt.format(i['high'])}]"


def main():
    p = argparse.ArgumentParser()
    for name in ("command", "scale", "commit", "seconds", "md", "json"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--eval-args", default="")
    p.add_argument("--world", default="retailrocket", help="the generator's world (generate --world)")
    p.add_argument("--baseline", default="", help="an earlier seeds.json to compare the two-stage NDCG with")
    p.add_argument("runs", nargs="+")
    a = p.parse_args()
    rows = []
    for run in a.runs:
        seed, path, gen, ev = run.split("=")
        rows.append(seed_row(int(seed), path, float(gen), float(ev)))
    k = rows[0]["k"]

    def mean(key):
        values = [r[key] for r in rows if r[key] is not None]
        return statistics.fmean(values) if values else None

    means = {key: mean(key) for key in (
        "two_stage_ndcg", "best_single_ndcg", "ratio", "difference", "union_recall", "mean_candidates",
        "two_stage_coverage", "all_history_share")}
    targets = []
    for r in rows:
        targets.append({
            "seed": r["seed"],
            "ratio": r["ratio"],
            "ratio_met": r["ratio"] >= RATIO_TARGET,
            "union_recall": r["union_recall"],
            "mean_candidates": r["mean_candidates"],
            "recall_met": r["union_recall"] >= RECALL_TARGET and r["mean_candidates"] <= CANDIDATES_LIMIT,
            "difference_excludes_zero": r["difference_interval"]["low"] > 0,
        })
    summary = {
        "command": a.command,
        "scale": float(a.scale),
        "world": a.world,
        "evaluate_args": "--no-ablations " + a.eval_args if a.eval_args else "--no-ablations",
        "commit": a.commit,
        "date": datetime.date.today().isoformat(),
        "cores": os.cpu_count(),
        "seconds": int(a.seconds),
        "k": k,
        "seeds": rows,
        "mean": means,
        "targets": {
            "ratio_at_least": RATIO_TARGET,
            "union_recall_at_least": RECALL_TARGET,
            "mean_candidates_at_most": CANDIDATES_LIMIT,
            "per_seed": targets,
            "ratio_met_on_every_seed": all(t["ratio_met"] for t in targets),
            "recall_met_on_every_seed": all(t["recall_met"] for t in targets),
        },
    }
    with open(a.json, "w") as fh:
        json.dump(summary, fh, indent=2)
        fh.write("\n")

    seeds = ", ".join(str(r["seed"]) for r in rows)
    world = "" if a.world == "retailrocket" else f", the {a.world} world"
    out = [f"# Offline evaluation over several worlds (seeds {seeds}{world})", ""]
    out += ["Produced by:", "", "```sh", a.command, "```", ""]
    out.append(
        f"Each seed is a world of `recsys-train generate --scale {a.scale} --seed N --world {a.world}`, evaluated with "
        f"`recsys-train evaluate {summary['evaluate_args']}` (every generator alone, the default two-stage "
        f"pipeline, the default set plus each optional generator). Commit {a.commit}, {summary['date']}, "
        f"{os.cpu_count()} cores (shared machine); the whole run took {int(a.seconds)} s "
        f"(build check, generation and evaluation; per seed below). Every number is in "
        f"[seeds.json](seeds.json).")
    out.append("")
    out.append(
        f"Intervals are percentile bootstrap 95 % intervals over the test users of that world (1000 "
        f"resamples, seeded). The difference interval is paired: each resample draws the same users for "
        f"the two-stage pipeline and for the best single method. The best single method is the method of "
        f"kind \"single\" (a generator alone, ranked by its own score, or global popularity) with the "
        f"highest NDCG@{k} on that seed. A change is kept only if it helps on every seed.")
    out.append("")
    out += [f"## Two-stage against the best single method (NDCG@{k})", ""]
    out.append(
        f"| seed | test users | two-stage NDCG@{k} | best single | its NDCG@{k} | ratio | difference (paired 95 % CI) "
        f"| union recall | mean candidates | coverage@{k} | all-history answers |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        share = "–" if r["all_history_share"] is None else f"{100 * r['all_history_share']:.1f} %"
        out.append(
            f"| {r['seed']} | {r['test_users']} | {f4(r['two_stage_ndcg'])} {iv(r['two_stage_ndcg_interval'])} "
            f"| {r['best_single']} | {f4(r['best_single_ndcg'])} {iv(r['best_single_ndcg_interval'])} "
            f"| {r['ratio']:.3f} | {r['difference']:+.4f} {iv(r['difference_interval'], signed=True)} "
            f"| {f4(r['union_recall'])} | {r['mean_candidates']:.1f} | {f4(r['two_stage_coverage'])} | {share} |")
    m = means
    share = "–" if m["all_history_share"] is None else f"{100 * m['all_history_share']:.1f} %"
    out.append(
        f"| **mean** | | {f4(m['two_stage_ndcg'])} | | {f4(m['best_single_ndcg'])} | {m['ratio']:.3f} "
        f"| {m['difference']:+.4f} | {f4(m['union_recall'])} | {m['mean_candidates']:.1f} "
        f"| {f4(m['two_stage_coverage'])} | {share} |")
    out.append("")
    out.append(
        "Coverage: distinct items in the two-stage top 10 over all test users / items with an event before "
        "the cutoff. All-history answers: test users whose two-stage top 10 holds only items they had an "
        "event on before the cutoff (an empty answer does not count). Union recall: share of relevant "
        "(visitor, item) pairs found by the default generators' union, at the mean candidate count shown.")
    out.append("")

    out += ["## Targets (issue 18)", ""]
    out.append(f"| seed | two-stage / best single ≥ {RATIO_TARGET:.2f} | union recall ≥ {RECALL_TARGET:.2f} at ≤ "
               f"{CANDIDATES_LIMIT} candidates | difference interval excludes 0 |")
    out.append("|---|---|---|---|")
    word = {True: "met", False: "**not met**"}
    for t in targets:
        out.append(
            f"| {t['seed']} | {word[t['ratio_met']]} ({t['ratio']:.3f}) "
            f"| {word[t['recall_met']]} ({t['union_recall']:.4f} at {t['mean_candidates']:.1f}) "
            f"| {'yes' if t['difference_excludes_zero'] else 'no'} |")
    out.append("")
    out.append(
        f"On every seed: ratio target {word[summary['targets']['ratio_met_on_every_seed']]}, "
        f"candidate recall target {word[summary['targets']['recall_met_on_every_seed']]}.")
    out.append("")

    out += [f"## NDCG@{k} per method (single methods by NDCG on the first seed, then the two-stage variants)", ""]
    names = list(rows[0]["single_methods_ndcg"])
    out.append("| method | " + " | ".join(f"seed {r['seed']}" for r in rows) + " | mean |")
    out.append("|---|" + "---|" * (len(rows) + 1))
    for name in names:
        out.append(row_with_mean(name, [r["single_methods_ndcg"].get(name) for r in rows]))
    additions = list(rows[0]["additions_ndcg"])
    for name in ["two-stage"] + additions:
        values = [r["two_stage_ndcg"] if name == "two-stage" else r["additions_ndcg"].get(name) for r in rows]
        out.append(row_with_mean(name, values))
    out.append("")

    out += ["## Candidate recall per generator and for the union", ""]
    keys = sorted(rows[0]["candidate_recall"], key=lambda x: (x.startswith("union"), x))
    out.append("| generator | " + " | ".join(f"seed {r['seed']}" for r in rows) + " | mean |")
    out.append("|---|" + "---|" * (len(rows) + 1))
    for key in keys:
        out.append(row_with_mean(key, [r["candidate_recall"].get(key) for r in rows]))
    out.append("| mean candidates (union) | " + " | ".join(f"{r['mean_candidates']:.1f}" for r in rows)
               + f" | {m['mean_candidates']:.1f} |")
    out.append("")
    rare = [r.get("rare_item_recall") for r in rows]
    if all(rare):
        out += [f"Visitors whose last item had fewer than {rare[0]['threshold']} training events (where "
                "collaborative signals are thin; reports from before the segment have none):", ""]
        out.append("| | " + " | ".join(f"seed {r['seed']}" for r in rows) + " | mean |")
        out.append("|---|" + "---|" * (len(rows) + 1))
        out.append("| test users | " + " | ".join(str(x["test_users"]) for x in rare) + " | |")
        for key in sorted(rare[0]["recall"]):
            out.append(row_with_mean(f"candidate recall, {key}", [x["recall"].get(key) for x in rare]))
        out.append("")
    if a.baseline:
        base = {r["seed"]: r for r in json.load(open(a.baseline))["seeds"]}
        out += [f"## Against the baseline {a.baseline}", ""]
        out.append(f"| seed | two-stage NDCG@{k} baseline | now | change |")
        out.append("|---|---|---|---|")
        changes = []
        for r in rows:
            b = base.get(r["seed"])
            if b is None:
                out.append(f"| {r['seed']} | – | {f4(r['two_stage_ndcg'])} | no baseline |")
                changes.append(None)
                continue
            change = r["two_stage_ndcg"] - b["two_stage_ndcg"]
            changes.append(change)
            out.append(f"| {r['seed']} | {f4(b['two_stage_ndcg'])} | {f4(r['two_stage_ndcg'])} | {change:+.4f} |")
        helps = all(c is not None and c > 0 for c in changes)
        summary["baseline"] = {"path": a.baseline, "two_stage_ndcg_change": changes, "helps_on_every_seed": helps}
        out.append("")
        out.append(
            f"Helps on every seed: {'yes' if helps else '**no**'} (a change is kept only if it does; these are "
            f"two runs, not a paired interval).")
        out.append("")
        with open(a.json, "w") as fh:
            json.dump(summary, fh, indent=2)
            fh.write("\n")
    out += ["## Run time per seed", "", "| seed | generate (s) | evaluate (s) |", "|---|---|---|"]
    for r in rows:
        gen = "reused" if r["generate_seconds"] == 0 else f"{r['generate_seconds']:.1f}"
        out.append(f"| {r['seed']} | {gen} | {r['evaluate_seconds']:.1f} |")
    out.append("")
    with open(a.md, "w") as fh:
        fh.write("\n".join(out))


if __name__ == "__main__":
    main()
