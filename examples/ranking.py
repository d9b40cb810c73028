"""Learning to rank with boostobj: the guide's ranking snippet (docs/guide/ranking.md), runnable.

LightGBM's learning-to-rank example (graded relevance 0-4, 201 + 50 queries) through the
four APIs: native ``train`` on each booster with groups in the dataset, and the drop-in
``LGBMRanker`` / ``XGBRanker``; then a retrieval re-ranker (one positive among 20
candidates) where the listwise softmax is InfoNCE.

    python examples/ranking.py [--rounds N]
"""

import argparse
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import datasets, metrics


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args(argv)

    data = datasets.load("lambdarank")
    train = data.split == "train"
    n_train_groups = int(np.searchsorted(np.cumsum(data.group), train.sum()) + 1)
    X, y, group = data.X[train], data.y[train], data.group[:n_train_groups]
    X_test, y_test, group_test = data.X[~train], data.y[~train], data.group[n_train_groups:]
    results = {}

    # Native APIs: the groups travel in the booster's own dataset.
    booster = bl.train("listwise_softmax", {"verbose": -1}, lgb.Dataset(X, y, group=group),
                       args.rounds)
    results["bl.train listwise_softmax"] = booster.predict(X_test)
    booster = bx.train("pairwise_logistic", {"max_depth": 6, "eta": 0.1},
                       xgb.DMatrix(X, y, group=group), args.rounds)
    results["bx.train pairwise_logistic"] = booster.predict(xgb.DMatrix(X_test))

    # Drop-in rankers: fit(X, y, group=...) as LightGBM's and XGBoost's own.
    ranker = bl.LGBMRanker(loss="pairwise_hinge", n_estimators=args.rounds, verbose=-1)
    results["LGBMRanker pairwise_hinge"] = ranker.fit(X, y, group=group).predict(X_test)
    ranker = bx.XGBRanker(loss="listwise_softmax:temperature=0.5", n_estimators=args.rounds,
                          max_depth=6, learning_rate=0.1)
    results["XGBRanker listwise_softmax τ=0.5"] = ranker.fit(X, y, group=group).predict(X_test)
    builtin = lgb.LGBMRanker(n_estimators=args.rounds, verbose=-1)
    results["LightGBM lambdarank (built-in)"] = builtin.fit(X, y, group=group).predict(X_test)

    print(f"rank.test, {args.rounds} rounds:")
    table = {}
    for name, score in results.items():
        table[name] = [metrics.ndcg(y_test, score, group_test, k) for k in (1, 3, 5)]
        print(f"  {name:34} NDCG@1 {table[name][0]:.4f}  @3 {table[name][1]:.4f}  "
              f"@5 {table[name][2]:.4f}")

    # A retrieval re-ranker: InfoNCE over each query's 20 candidates.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from contrastive import retrieval_data

    X, y, group = retrieval_data(1000)
    X_test, y_test, group_test = retrieval_data(500, seed=1)
    print("retrieval, 1 positive in 20 candidates:")
    for loss in ("listwise_softmax:temperature=2", "pairwise_logistic"):
        ranker = bx.XGBRanker(loss=loss, n_estimators=args.rounds, max_depth=4)
        score = ranker.fit(X, y, group=group).predict(X_test)
        table[loss] = [metrics.reciprocal_rank(y_test, score, group_test),
                       metrics.recall(y_test, score, group_test, 1)]
        print(f"  XGBRanker {loss:32} MRR {table[loss][0]:.4f}  recall@1 {table[loss][1]:.4f}")
    return table


if __name__ == "__main__":
    main()
