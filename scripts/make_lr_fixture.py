"""Fits scikit-learn's balanced LogisticRegression on a small fixed dataset and
stores the data and coefficients as the fixture for RankerTests.

Run once: .venv/bin/python scripts/make_lr_fixture.py
"""
import json
import numpy as np
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261122)
n, d = 400, 6
X = rng.normal(size=(n, d))
X[:, 4] = (rng.random(n) < 0.2).astype(float)  # a sparse binary column
X[:, 5] = 0.0
X[rng.random(n) < 0.1, 5] = 1.0
true_w = np.array([1.2, -0.7, 0.3, 0.0, 1.5, -2.0])
logits = X @ true_w - 2.2
y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(int)

model = LogisticRegression(C=1.0, class_weight="balanced", tol=1e-12, max_iter=100000)
model.fit(X, y)
fixture = {
    "X": X.tolist(),
    "y": y.tolist(),
    "C": 1.0,
    "coef": model.coef_[0].tolist(),
    "intercept": float(model.intercept_[0]),
    "sklearn": __import__("sklearn").__version__,
}
with open("Tests/RankerTests/Fixtures/sklearn_balanced_lr.json", "w") as f:
    json.dump(fixture, f)
print("positives", int(y.sum()), "of", n, "coef", model.coef_[0], "intercept", model.intercept_[0])
