"""Imbalanced binary classification on the Pima diabetes data: logistic, weighted_logistic, focal.

Trains each loss with both boosters on MASS's own split (Pima.tr, 200 rows, to Pima.te, 332
rows; a third positive) and on random re-splits of the 532 rows of the same sizes, and
prints held-out log loss, PR-AUC (average precision) and recall at precision >= 0.7.

    python examples/imbalanced_classification.py [--splits N] [--rounds N]
"""

import argparse

import lightgbm as lgb
import numpy as np
import xgboost as xgb
from sklearn.metrics import average_precision_score, precision_recall_curve

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj.datasets import load
from boostobj.metrics import log_loss

# pos_weight 2: about the ratio of negatives to positives (355 / 177).
LOSSES = ["logistic", "weighted_logistic:pos_weight=2", "focal:alpha=0.25,gamma=2",
          "focal:alpha=0.5,gamma=1"]
PRECISION = 0.7


def recall_at_precision(y, probability, precision=PRECISION):
    """The highest recall among thresholds whose precision is at least ``precision``."""
    precisions, recalls, _ = precision_recall_curve(y, probability)
    reached = recalls[precisions >= precision]
    return float(reached.max()) if reached.size else 0.0


def fit_predict(spec, booster, X_train, y_train, X_test, rounds):
    """P(diabetes) on the test rows; ``spec`` None is the booster's built-in objective."""
    if booster == "xgboost":
        params = {"max_depth": 2, "eta": 0.05, "subsample": 0.8, "nthread": 2, "seed": 0}
        dtrain = xgb.DMatrix(X_train, label=y_train)
        if spec is None:
            model = xgb.train({**params, "objective": "binary:logistic"}, dtrain, rounds)
        else:
            model = bx.train(spec, params, dtrain, rounds)
        return model.predict(xgb.DMatrix(X_test))  # binary:logistic in the model: σ(f)
    params = {"num_leaves": 4, "learning_rate": 0.05, "min_data_in_leaf": 10,
              "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1, "num_threads": 2,
              "seed": 0}
    dataset = lgb.Dataset(X_train, label=y_train)
    if spec is None:
        model = lgb.train({**params, "objective": "binary"}, dataset, rounds)
    else:
        model = bl.train(spec, params, dataset, rounds)
    return model.predict(X_test)  # "binary sigmoid:1" in the model: σ(f)


def splits(data, n_random):
    """MASS's own split first, then random splits of the same sizes."""
    yield "MASS", np.flatnonzero(data.split == "train"), np.flatnonzero(data.split == "test")
    n_train = int(np.sum(data.split == "train"))
    for seed in range(n_random):
        order = np.random.default_rng(seed).permutation(data.y.size)
        yield f"random {seed}", order[:n_train], order[n_train:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10, help="random re-splits (default 10)")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args(argv)

    data = load("pima")
    scores = {}  # (booster, loss) -> list of (log loss, PR-AUC, recall) per split
    for _, train, test in splits(data, args.splits):
        for booster in ("lightgbm", "xgboost"):
            for spec in [None] + LOSSES:
                probability = fit_predict(spec, booster, data.X[train], data.y[train],
                                          data.X[test], args.rounds)
                y_test = data.y[test]
                scores.setdefault((booster, spec or "built-in binary"), []).append((
                    log_loss(y_test, probability), average_precision_score(y_test, probability),
                    recall_at_precision(y_test, probability)))

    n_splits = 1 + args.splits
    print(f"Pima diabetes, {n_splits} splits (MASS's 200/332, then random ones of the same "
          f"sizes), {args.rounds} rounds; mean ± sd over splits (MASS's split alone in brackets)")
    header = (f"{'booster':<9} {'loss':<32} {'log loss':>20} {'PR-AUC':>20} "
              f"{'recall @ precision ' + str(PRECISION):>24}")
    print(header)
    print("-" * len(header))
    results = {}
    for (booster, name), values in scores.items():
        values = np.asarray(values)
        mean, sd, first = values.mean(axis=0), values.std(axis=0), values[0]
        results[(booster, name)] = {"log_loss": mean[0], "pr_auc": mean[1], "recall": mean[2]}
        cells = [f"{m:.3f} ± {s:.3f} ({f:.3f})" for m, s, f in zip(mean, sd, first, strict=True)]
        print(f"{booster:<9} {name:<32} {cells[0]:>20} {cells[1]:>20} {cells[2]:>24}")
    print("weighted_logistic's probabilities are those of the re-weighted problem (they "
          "over-state diabetes), which its log loss shows.")
    return results


if __name__ == "__main__":
    main()
