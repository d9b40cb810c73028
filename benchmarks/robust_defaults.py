"""Robust losses at each booster's default parameters: noisy sinc, one-sided impulses.

The study of ``benchmarks/robust_sinc.py`` sets 20 rows a leaf on both boosters; a user who
sets nothing gets LightGBM's ``min_data_in_leaf = 20`` but XGBoost's ``min_child_weight =
1``, counted in hessian. This script trains the robust losses with only the study's depth
(3), rounds (500) and learning rate (0.05) set, on 1,000 rows with 10% one-sided impulses,
and prints each loss's RMSE against the clean sinc (mean over the seeds, and the ×1000
target's), XGBoost / LightGBM. Leaf renewal on XGBoost sets ``min_child_weight = 20`` where
it is not set and honours the L2 penalty (``lambda = 1``); ``--xgboost-param
min_child_weight=1`` shows what XGBoost's own default gave.

    python benchmarks/robust_defaults.py                 # 5 seeds
    python benchmarks/robust_defaults.py --xgboost-param min_child_weight=1
"""

from __future__ import annotations

import argparse

import lightgbm as lgb
import numpy as np
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj.cli.robust_study import LEARNING_RATE, ROUNDS, make_data, sinc

LOSSES = ["huber", "fair", "absolute_error", "cauchy", "pseudo_huber", "log_cosh"]


def rmse(prediction, clean):
    return float(np.sqrt(np.mean((prediction - clean) ** 2)))


def run(seeds, rounds, losses, xgboost_params):
    """{(booster, loss, scale): [RMSE per seed]}."""
    results = {}
    for seed in range(seeds):
        X, y, grid, _ = make_data(seed, "one-sided")
        clean = sinc(grid[:, 0])
        for loss in losses:
            for scale in (1.0, 1000.0):
                params = {"eta": LEARNING_RATE, "max_depth": 3, "nthread": 2, **xgboost_params}
                model = bx.train(loss, params, xgb.DMatrix(X, y * scale), rounds)
                prediction = model.predict(xgb.DMatrix(grid)) / scale
                results.setdefault(("xgboost", loss, scale), []).append(rmse(prediction, clean))
            params = {"learning_rate": LEARNING_RATE, "max_depth": 3, "num_leaves": 8,
                      "verbose": -1, "num_threads": 2}
            model = bl.train(loss, params, lgb.Dataset(X, y), rounds)
            results.setdefault(("lightgbm", loss, 1.0), []).append(
                rmse(model.predict(grid), clean))
    return results


def table(results, losses):
    lines = ["| loss | XGBoost | XGBoost ×1000 | LightGBM | XGBoost / LightGBM |",
             "|---|---|---|---|---|"]
    for loss in losses:
        ours = np.mean(results["xgboost", loss, 1.0])
        scaled = np.mean(results["xgboost", loss, 1000.0])
        theirs = np.mean(results["lightgbm", loss, 1.0])
        lines.append(f"| `{loss}` | {ours:.4f} | {scaled:.4f} | {theirs:.4f} | "
                     f"{ours / theirs:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--losses", nargs="+", default=LOSSES)
    parser.add_argument("--xgboost-param", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    xgboost_params = {key: float(value) for key, value in
                      (item.split("=", 1) for item in args.xgboost_param)}
    results = run(args.seeds, args.rounds, args.losses, xgboost_params)
    print(f"noisy sinc, one-sided impulses, {args.seeds} seeds, depth 3, {args.rounds} rounds "
          f"at {LEARNING_RATE}; XGBoost parameters set: {xgboost_params or 'none'}")
    print(table(results, args.losses))
    return results


if __name__ == "__main__":
    main()
