#!/usr/bin/env python3
"""Writes docs/evaluation/worlds/README.md and worlds.json from each world's reports
(scripts/eval_worlds.sh runs it; standard library only).

Usage: eval_worlds.py --command CMD --seed S --commit C --seconds N --md OUT.md --json OUT.json WORLD=DIR ...

Each DIR holds seeds.json (scripts/eval_seeds.sh), online.json (`evaluate --online`), stats.json
(`stats --json`) and ceiling.json (`ceiling --json`) of one world."""
import argparse, datetime, json, os


def load(path):
    with open(path) as fh:
        return json.load(fh)


def world_row(name, folder):
    seeds = load(os.path.join(folder, "seeds.json"))["seeds"][0]
    online = load(os.path.join(folder, "online.json"))
    stats = load(os.path.join(folder, "stats.json"))
    ceiling = load(os.path.join(folder, "ceiling.json"))
    ratios = {(r["task"], r["segment"]): r["value"] for r in online["ratios"]}
    interval = seeds["difference_interval"]
    return {
        "world": name,
        "repeat_view_share": stats["repeat_view_share"],
        "repeat_cart_lift": stats["repeat_cart_lift"],
        "test_users": seeds["test_users"],
        "best_single": seeds["best_single"],
        "best_single_ndcg": seeds["best_single_ndcg"],
        "two_stage_ndcg": seeds["two_stage_ndcg"],
        "ratio": seeds["ratio"],
        "difference": seeds["difference"],
        "difference_interval": interval,
        "union_recall": seeds["union_recall"],
        "mean_candidates": seeds["mean_candidates"],
        "history_ndcg_in_ceiling": ceiling["history_ndcg"],
        "ceiling_estimated_ratio": ceiling["estimated_ratio"],
        "ceiling_hidden_state_ratio": ceiling["hidden_state_ratio"],
        "online_cart_ratio": {s: ratios.get(("cart", s)) for s in ("all", "known", "new")},
        "online_discover_ratio": {s: ratios.get(("discover", s)) for s in ("all", "known", "new")},
    }


def main():
    p = argparse.ArgumentParser()
    for name in ("command", "seed", "commit", "seconds", "md", "json"):
        p.add_argument("--" + name, required=True)
    p.add_argument("worlds", nargs="+")
    a = p.parse_args()
    rows = [world_row(*w.split("=", 1)) for w in a.worlds]
    summary = {
        "command": a.command,
        "seed": int(a.seed),
        "commit": a.commit,
        "date": datetime.date.today().isoformat(),
        "cores": os.cpu_count(),
        "seconds": int(a.seconds),
        "worlds": rows,
        "two_stage_beats_best_single_on_every_world": all(r["difference_interval"]["low"] > 0 for r in rows),
    }
    with open(a.json, "w") as fh:
        json.dump(summary, fh, indent=2)
        fh.write("\n")

    def f(x, digits=3):
        return "–" if x is None else f"{x:.{digits}f}"

    out = ["# Quality on several worlds", "", "Produced by:", "", "```sh", a.command, "```", ""]
    out.append(
        f"One full-scale world per generator world (`recsys-train generate --scale 1 --seed {a.seed} --world W`), "
        f"each evaluated offline (`scripts/eval_seeds.sh`, report in W/seeds.md), replayed online "
        f"(`evaluate --online`, W/online.md), read by `stats` (W/stats.json) and scored by `ceiling` "
        f"(W/ceiling.json). Commit {a.commit}, {summary['date']}, {summary['cores']} cores (shared machine), "
        f"{summary['seconds']} s. The worlds' rules: docs/evaluation/README.md, \"Worlds\".")
    out += ["", "## Offline: two-stage against the best single method (NDCG@10)", ""]
    out.append("| world | views returning to a viewed item | cart lift of a repeated view | best single method "
               "| its NDCG@10 | two-stage NDCG@10 | ratio | paired difference (95 % CI) "
               "| union recall @ mean candidates | ceiling × history: estimated / hidden state |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        i = r["difference_interval"]
        out.append(
            f"| {r['world']} | {100 * r['repeat_view_share']:.1f} % | {r['repeat_cart_lift']:.1f} × "
            f"| {r['best_single']} | {r['best_single_ndcg']:.4f} | {r['two_stage_ndcg']:.4f} | {r['ratio']:.3f} "
            f"| {r['difference']:+.4f} [{i['low']:+.4f}, {i['high']:+.4f}] "
            f"| {r['union_recall']:.3f} @ {r['mean_candidates']:.0f} "
            f"| {r['ceiling_estimated_ratio']:.3f} / {r['ceiling_hidden_state_ratio']:.3f} |")
    verdict = "on every world" if summary["two_stage_beats_best_single_on_every_world"] else "**not** on every world"
    out += ["", f"The paired interval of two-stage − best single lies above zero {verdict}.", ""]
    out += ["## Online replay: ratios to the peers (targets: cart ≥ 1.05, discover ≥ 1.15)", ""]
    out.append("| world | cart MRR@10 / weighted history: all / known / new | discover MRR@20 / co-visitation: all / known / new |")
    out.append("|---|---|---|")
    for r in rows:
        c, d = r["online_cart_ratio"], r["online_discover_ratio"]
        out.append(f"| {r['world']} | {f(c['all'])} / {f(c['known'])} / {f(c['new'])} "
                   f"| {f(d['all'])} / {f(d['known'])} / {f(d['new'])} |")
    with open(a.md, "w") as fh:
        fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
