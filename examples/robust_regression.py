"""Robust regression: diamond prices with gross errors in the training targets.

A share of the training prices (10% by default) is replaced by junk, as a bad join or a
unit slip would: 10 to 100 times the true price. The test prices are clean. Squared error
chases the junk; ``huber`` and ``cauchy`` with their "auto" scale (re-estimated from the
residuals every round, so nothing needs tuning to the price scale) and ``absolute_error``
keep to the clean prices. LightGBM's built-in ``huber`` needs its δ in dollars, given here
as 500 by hand.

    python examples/robust_regression.py [--rows N] [--rounds N] [--corrupt SHARE]
"""

import argparse

import lightgbm as lgb
import numpy as np

import boostobj.lightgbm as bl
from boostobj.datasets import load

LOSSES = ["squared_error", "absolute_error", "huber", "cauchy"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000, help="random subset of diamonds")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--corrupt", type=float, default=0.1,
                        help="share of training prices replaced by junk (default 0.1)")
    args = parser.parse_args(argv)

    data = load("diamonds")
    rng = np.random.default_rng(0)
    order = rng.permutation(data.y.size)[: args.rows]
    cut = int(0.8 * order.size)
    X_train, y_train = data.X[order[:cut]], data.y[order[:cut]].copy()
    X_test, y_test = data.X[order[cut:]], data.y[order[cut:]]
    junk = rng.uniform(size=y_train.size) < args.corrupt
    y_train[junk] *= rng.uniform(10, 100, size=int(junk.sum()))
    print(f"{junk.sum():,} of {y_train.size:,} training prices replaced by 10-100x the price; "
          f"{y_test.size:,} clean test prices")

    params = {"num_leaves": 31, "learning_rate": 0.1, "verbose": -1, "num_threads": 2}
    predictions = {}
    for spec in LOSSES:
        booster = bl.train(spec, params, lgb.Dataset(X_train, y_train), args.rounds)
        predictions[spec] = booster.predict(X_test)
    builtin = lgb.train({**params, "objective": "huber", "alpha": 500.0},
                        lgb.Dataset(X_train, y_train), args.rounds)
    predictions["LightGBM built-in huber, δ = 500"] = builtin.predict(X_test)

    results = {}
    for name, prediction in predictions.items():
        error = y_test - prediction
        results[name] = (float(np.sqrt(np.mean(error ** 2))), float(np.mean(np.abs(error))))
        print(f"{name:<34} test RMSE {results[name][0]:9.1f}   MAE {results[name][1]:8.1f} USD")
    return results


if __name__ == "__main__":
    main()
