#!/usr/bin/env python3
"""Where the offline protocol's relevant items sit, for one RetailRocket-format folder.

Test users and relevant items as in the README's protocol (the last 14 days
are the test window; relevant = items a visitor with earlier events carted or
bought in it). Prints the share of relevant (visitor, item) pairs that are in
the visitor's history before the cutoff (and how recent they are there), in a
category the visitor touched, and how deep in that category's popularity
list: the ceilings of the history and category generators at a given depth.

Usage: python3 scripts/relevant_items.py DATA_FOLDER   (needs pandas: pip install pandas)
"""
import sys

import numpy as np
import pandas as pd

folder = sys.argv[1]
ev = pd.read_csv(f"{folder}/events.csv")
props = pd.concat([pd.read_csv(f"{folder}/item_properties_part{i}.csv") for i in (1, 2)])
category = props[props.property == "categoryid"].sort_values("timestamp").groupby("itemid").value.last().astype(int)
ev["cat"] = ev.itemid.map(category).fillna(-1).astype(int)
cutoff = ev.timestamp.max() - 14 * 86_400_000
train, test = ev[ev.timestamp < cutoff], ev[ev.timestamp >= cutoff]
relevant = test[(test.event != "view") & test.visitorid.isin(set(train.visitorid))]
relevant = relevant[["visitorid", "itemid", "cat"]].drop_duplicates(["visitorid", "itemid"])
print(f"test users {relevant.visitorid.nunique()}, relevant pairs {len(relevant)}")

history = set(zip(train.visitorid, train.itemid))
touched = train.groupby("visitorid").cat.apply(set)
relevant["in_history"] = [(u, i) in history for u, i in zip(relevant.visitorid, relevant.itemid)]
relevant["category_touched"] = [c in touched.get(u, set()) for u, c in zip(relevant.visitorid, relevant.cat)]
popularity = pd.DataFrame({"views": train.groupby("itemid").size()})
popularity["cat"] = popularity.index.map(category).fillna(-1).astype(int)
popularity["rank"] = popularity.groupby("cat")["views"].rank(ascending=False, method="first")
relevant["category_rank"] = relevant.itemid.map(popularity["rank"]).fillna(np.inf)

print(f"in the visitor's history before the cutoff: {relevant.in_history.mean():.3f}")
last_touch = train.groupby(["visitorid", "itemid"]).timestamp.max().reset_index()
last_touch["rank"] = last_touch.groupby("visitorid").timestamp.rank(ascending=False, method="first")
recency = dict(zip(zip(last_touch.visitorid, last_touch.itemid), last_touch["rank"]))
ranks = np.array([recency[(u, i)] for u, i in zip(*relevant[relevant.in_history][["visitorid", "itemid"]].values.T)])
for k in (1, 3, 10, 50):
    print(f"  of those, among the visitor's {k} most recent distinct items: {(ranks <= k).mean():.3f}")
new = relevant[~relevant.in_history]
print(f"not in history: {len(new) / len(relevant):.3f}; of those in a category the visitor touched: {new.category_touched.mean():.3f}")
for depth in (20, 60, 100, 200, 400):
    share = (~relevant.in_history & relevant.category_touched & (relevant.category_rank <= depth)).mean()
    print(f"  not in history, touched category, within its top {depth} by views: {share:.3f} of all relevant")
print(f"items with no event before the cutoff: {(relevant.category_rank == np.inf).mean():.3f} of all relevant")
