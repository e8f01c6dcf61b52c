"""Fits scikit-learn and implicit on the inputs recsys-train exported and
prints the figures next to ours from the same run."""
import json, os, sys, time
import numpy as np
import scipy.sparse as sp

out = sys.argv[1]
ours = json.load(open(f"{out}/ours.json"))
proc = json.load(open(f"{out}/train_process.json"))
cols = ours["columns"]


def load_rows(prefix):
    indptr = np.fromfile(f"{prefix}_indptr.bin", dtype=np.int64)
    indices = np.fromfile(f"{prefix}_indices.bin", dtype=np.int32)
    data = np.fromfile(f"{prefix}_data.bin", dtype=np.float64)
    y = np.fromfile(f"{prefix}_labels.bin", dtype=np.uint8)
    return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, cols)), y


from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

Xt, yt = load_rows(f"{out}/train")
Xv, yv = load_rows(f"{out}/valid")
C = 1.0 / ours["l2"] if ours["l2"] > 0 else 1e12
model = LogisticRegression(C=C, class_weight="balanced", max_iter=1000)
t = time.perf_counter()
model.fit(Xt, yt)
sk_seconds = time.perf_counter() - t
sk_auc = roc_auc_score(yv, model.decision_function(Xv))

import implicit
from implicit.nearest_neighbours import CosineRecommender

indptr = np.fromfile(f"{out}/cf_indptr.bin", dtype=np.int64)
indices = np.fromfile(f"{out}/cf_indices.bin", dtype=np.int32)
data = np.fromfile(f"{out}/cf_data.bin", dtype=np.float32)
user_items = sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, ours["items"]))
cos = CosineRecommender(K=ours["neighbours"])
t = time.perf_counter()
cos.fit(user_items, show_progress=False)
implicit_seconds = time.perf_counter() - t

print("command: scripts/bench_train.sh")
print(f"full train end to end: {proc['wall']:.1f} s wall, peak RSS {proc['peak_rss_mb']:.0f} MB (targets: < 60 s, < 4096 MB)")
print(f"ranker fit on {Xt.shape[0]} pairs x {cols} features ({int(yt.sum())} positive):")
print(f"  recsys Newton      {ours['fit_seconds']:.2f} s, {ours['fit_iterations']} iterations, validation AUC {ours['validation_auc']:.4f}")
print(f"  scikit-learn lbfgs {sk_seconds:.2f} s, validation AUC {sk_auc:.4f}")
print(f"  time sklearn / recsys = {sk_seconds / ours['fit_seconds']:.2f}x, AUC difference {ours['validation_auc'] - sk_auc:+.4f}")
print(f"item-CF neighbours on {user_items.shape[0]} baskets x {user_items.shape[1]} items, K={ours['neighbours']}:")
print(f"  recsys  {ours['cf_seconds']:.2f} s (basket build included)")
print(f"  implicit {implicit.__version__} CosineRecommender.fit {implicit_seconds:.2f} s")
print(f"  time implicit / recsys = {implicit_seconds / ours['cf_seconds']:.2f}x")
