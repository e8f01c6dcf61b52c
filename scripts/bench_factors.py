"""Fits implicit's AlternatingLeastSquares / BayesianPersonalizedRanking on the
exact matrix `recsys-train factorize --export` wrote, with the same
hyper-parameters, and scores both under the same protocol (top-K over the
whole catalogue, NDCG/recall against the held-out carts and purchases).
Prints ratios against our figures from the same run."""
import json, os, sys, time

import numpy as np
import scipy.sparse as sp

folder = sys.argv[1]
models = sys.argv[2:] or ["als", "bpr"]
load = lambda name, dt: np.fromfile(os.path.join(folder, name), dtype=dt)
indptr, indices, data = load("matrix_indptr.bin", np.int64), load("matrix_indices.bin", np.int32), load("matrix_data.bin", np.float32)
ours_any = json.load(open(os.path.join(folder, f"ours_{models[0]}.json")))
users, items = ours_any["users"], ours_any["items"]
weights = sp.csr_matrix((data, indices, indptr), shape=(users, items))
test_users = load("test_users.bin", np.int32)
t_ptr, t_items = load("test_indptr.bin", np.int64), load("test_items.bin", np.int32)
relevant = [set(t_items[t_ptr[k]:t_ptr[k + 1]].tolist()) for k in range(len(test_users))]


def ranking(user_factors, item_factors, bias=None, k=10):
    """NDCG@k and Recall@k exactly as OfflineEvaluation.rankingMetrics."""
    scores = user_factors[test_users] @ item_factors.T
    if bias is not None:
        scores = scores + bias[None, :]
    ndcg = recall = 0.0
    for row, rel in zip(scores, relevant):
        top = np.argpartition(-row, k)[:k]
        # score descending, then item id ascending, as ours
        top = sorted(top.tolist(), key=lambda i: (-row[i], i))
        hits = [i in rel for i in top]
        dcg = sum(1 / np.log2(r + 2) for r, h in enumerate(hits) if h)
        ideal = sum(1 / np.log2(r + 2) for r in range(min(k, len(rel))))
        ndcg += dcg / ideal
        recall += sum(hits) / len(rel)
    return ndcg / len(relevant), recall / len(relevant)


from threadpoolctl import threadpool_limits  # noqa: E402  (installed with implicit's deps)
import implicit  # noqa: E402

results = {}
for name in models:
    ours = json.load(open(os.path.join(folder, f"ours_{name}.json")))
    if name == "als":
        # implicit takes the confidence itself (alpha = 1 here): give it 1 + alpha·w, as ours uses.
        confidence = weights.copy()
        confidence.data = 1 + ours["alpha"] * confidence.data
        model = implicit.cpu.als.AlternatingLeastSquares(
            factors=ours["factors"], regularization=ours["regularization"], alpha=1.0,
            iterations=ours["iterations"], calculate_training_loss=False, use_cg=True, random_state=42,
            num_threads=0)
        with threadpool_limits(1, "blas"):
            start = time.perf_counter()
            model.fit(confidence, show_progress=False)
            seconds = time.perf_counter() - start
        uf, itf, bias = model.user_factors, model.item_factors, None
    else:
        model = implicit.cpu.bpr.BayesianPersonalizedRanking(
            factors=ours["factors"], learning_rate=ours["learning_rate"], regularization=ours["regularization"],
            iterations=ours["iterations"], random_state=42, num_threads=0)
        binary = weights.copy()
        binary.data[:] = 1
        start = time.perf_counter()
        model.fit(binary, show_progress=False)
        seconds = time.perf_counter() - start
        # implicit keeps the item bias as the last factor, the user side holding 1 there.
        uf, itf, bias = model.user_factors, model.item_factors, None
    ndcg, recall = ranking(np.asarray(uf), np.asarray(itf), bias)
    results[name] = {"implicit_seconds": seconds, "implicit_ndcg10": ndcg, "implicit_recall10": recall,
                     "ours_seconds": ours["fit_seconds"], "ours_ndcg10": ours["ndcg10"], "ours_recall10": ours["recall10"]}
    print(f"{name}: {ours['users']} users x {ours['items']} items, {ours['non_zeros']} non-zeros, "
          f"{ours['factors']} factors, {ours['iterations']} iterations")
    print(f"  implicit {implicit.__version__}: fit {seconds:.2f} s, NDCG@10 {ndcg:.4f}, Recall@10 {recall:.4f}")
    print(f"  ours ({ours['threads']} threads):  fit {ours['fit_seconds']:.2f} s, NDCG@10 {ours['ndcg10']:.4f}, Recall@10 {ours['recall10']:.4f}")
    print(f"  implicit/ours fit time {seconds / ours['fit_seconds']:.2f}x; NDCG@10 ours - implicit {ours['ndcg10'] - ndcg:+.4f}")
json.dump(results, open(os.path.join(folder, "comparison.json"), "w"), indent=2, sort_keys=True)
