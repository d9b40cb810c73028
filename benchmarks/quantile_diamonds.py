"""boostobj's quantile loss against the built-in quantile objectives on the diamonds data.

Same data, splits, trees and rounds for every model; test pinball loss (and coverage) of the
α = 0.05 and 0.95 models, and ours divided by LightGBM's built-in ``quantile``, which re-fits
its leaves the way boostobj's leaf renewal does.

    python benchmarks/quantile_diamonds.py                # 5 random 80/20 splits, 400 rounds
    python benchmarks/quantile_diamonds.py --splits 2 --rounds 100
"""

from __future__ import annotations

import argparse
import time

import lightgbm as lgb
import numpy as np
import xgboost as xgb

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import datasets

ALPHAS = (0.05, 0.95)
LEARNING_RATE, NUM_LEAVES, DEPTH, MIN_ROWS = 0.05, 31, 6, 20


def models(alpha, rounds, threads):
    """name -> function(X_train, y_train, X_test) returning test predictions."""
    lgb_params = {"learning_rate": LEARNING_RATE, "num_leaves": NUM_LEAVES,
                  "min_data_in_leaf": MIN_ROWS, "verbose": -1, "num_threads": threads,
                  "deterministic": True}
    xgb_params = {"eta": LEARNING_RATE, "max_depth": DEPTH, "min_child_weight": MIN_ROWS,
                  "tree_method": "hist", "nthread": threads}
    spec = f"quantile:alpha={alpha}"

    def lgb_builtin(X, y, X_test):
        params = {**lgb_params, "objective": "quantile", "alpha": alpha}
        return lgb.train(params, lgb.Dataset(X, y), rounds).predict(X_test)

    def lgb_ours(X, y, X_test):
        return bl.train(spec, lgb_params, lgb.Dataset(X, y), rounds).predict(X_test)

    def xgb_builtin(X, y, X_test):
        params = {**xgb_params, "objective": "reg:quantileerror", "quantile_alpha": alpha}
        return xgb.train(params, xgb.DMatrix(X, y), rounds).predict(xgb.DMatrix(X_test))

    def xgb_ours(X, y, X_test):
        return bx.train(spec, xgb_params, xgb.DMatrix(X, y), rounds).predict(xgb.DMatrix(X_test))

    return {"LightGBM built-in quantile": lgb_builtin, "boostobj quantile on LightGBM": lgb_ours,
            "XGBoost built-in reg:quantileerror": xgb_builtin,
            "boostobj quantile on XGBoost": xgb_ours}


def run(splits=5, rounds=400, threads=2, n_rows=None):
    data = datasets.load("diamonds")
    X, y = data.X, data.y
    if n_rows:
        X, y = X[:n_rows], y[:n_rows]
    results = {}
    for alpha in ALPHAS:
        loss = boostobj.get_loss(f"quantile:alpha={alpha}")
        for name, function in models(alpha, rounds, threads).items():
            scores = []
            for split in range(splits):
                order = np.random.default_rng(split).permutation(len(y))
                train, test = order[: int(0.8 * len(y))], order[int(0.8 * len(y)):]
                start = time.perf_counter()
                prediction = function(X[train], y[train], X[test])
                seconds = time.perf_counter() - start
                scores.append((loss.metric(y[test], prediction),
                               float(np.mean(y[test] <= prediction)), seconds))
            results[(alpha, name)] = np.mean(scores, axis=0)
    return results


def table(results):
    lines = ["| α | model | test pinball | ÷ LightGBM built-in | coverage | fit seconds |",
             "|---|---|---|---|---|---|"]
    for (alpha, name), (pinball, coverage, seconds) in results.items():
        reference = results[(alpha, "LightGBM built-in quantile")][0]
        lines.append(f"| {alpha} | {name} | {pinball:.2f} | {pinball / reference:.4f} | "
                     f"{coverage:.4f} | {seconds:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    results = run(args.splits, args.rounds, args.threads)
    print(table(results))
    return results


if __name__ == "__main__":
    main()
