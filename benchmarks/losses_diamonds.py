"""Every regression loss on the diamonds data, with both boosters, beside the built-ins.

An 80/20 split (seed 0), 300 rounds at learning rate 0.1 (XGBoost depth 6, LightGBM 63
leaves); prints test RMSE and MAE (USD), the loss's own metric on the test rows and the
fit seconds. Identical losses must give identical models (squared error, poisson, gamma,
tweedie); the "Every regression loss on diamonds" table of docs/benchmarks.md is its output.

    python benchmarks/losses_diamonds.py [--rounds N] [--rows N] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from boostobj import datasets, get_loss

LOSSES = [
    # (boostobj spec, XGBoost built-in params or None, LightGBM built-in params or None)
    ("squared_error", {"objective": "reg:squarederror"}, {"objective": "regression"}),
    ("huber", None, {"objective": "huber", "alpha": 500.0}),
    ("pseudo_huber:delta=500,hessian=exact",
     {"objective": "reg:pseudohubererror", "huber_slope": 500.0}, None),
    ("fair", None, None),
    ("fair:c=500,hessian=exact", None, {"objective": "fair", "fair_c": 500.0}),
    ("cauchy", None, None),
    ("absolute_error", {"objective": "reg:absoluteerror"}, {"objective": "regression_l1"}),
    ("quantile:alpha=0.9", {"objective": "reg:quantileerror", "quantile_alpha": 0.9},
     {"objective": "quantile", "alpha": 0.9}),
    ("poisson", {"objective": "count:poisson", "max_delta_step": 0.0},
     {"objective": "poisson", "poisson_max_delta_step": 1e-12}),
    ("gamma", {"objective": "reg:gamma"}, {"objective": "gamma"}),
    ("tweedie:power=1.5", {"objective": "reg:tweedie", "tweedie_variance_power": 1.5},
     {"objective": "tweedie", "tweedie_variance_power": 1.5}),
]


def _split(n, seed, test_fraction=0.2):
    order = np.random.default_rng(seed).permutation(n)
    cut = int(n * (1 - test_fraction))
    return order[:cut], order[cut:]


def _fit_xgboost(loss, builtin, X_train, y_train, X_test, rounds, threads):
    import xgboost as xgb

    import boostobj.xgboost as bx

    params = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": threads}
    dtrain, dtest = xgb.DMatrix(X_train, y_train), xgb.DMatrix(X_test)
    start = time.perf_counter()
    if builtin is None:
        booster = bx.train(loss, params, dtrain, rounds)
    else:
        booster = xgb.train({**params, **builtin}, dtrain, rounds)
    seconds = time.perf_counter() - start
    return booster.predict(dtest, output_margin=True), seconds


def _fit_lightgbm(loss, builtin, X_train, y_train, X_test, rounds, threads):
    import lightgbm as lgb

    import boostobj.lightgbm as bl

    params = {"num_leaves": 63, "learning_rate": 0.1, "verbose": -1, "num_threads": threads}
    start = time.perf_counter()
    if builtin is None:
        booster = bl.train(loss, params, lgb.Dataset(X_train, y_train), rounds)
    else:
        booster = lgb.train({**params, **builtin}, lgb.Dataset(X_train, y_train), rounds)
    seconds = time.perf_counter() - start
    return booster.predict(X_test, raw_score=True), seconds


def run(rounds=300, threads=2, seed=0, rows=None, out=None):
    out = out or sys.stdout
    data = datasets.load("diamonds")
    X, y = data.X, data.y
    if rows:
        keep = np.random.default_rng(seed).permutation(y.size)[:rows]
        X, y = X[keep], y[keep]
    train, test = _split(y.size, seed)
    print(f"diamonds: {y.size:,} rows, target price (USD); {train.size:,} train / "
          f"{test.size:,} test; {rounds} rounds, learning rate 0.1", file=out)
    header = (f"{'loss':<38} {'booster':<9} {'objective':<9} {'test RMSE':>10} {'test MAE':>9} "
              f"{'test loss':>12} {'fit s':>6}")
    print(header, file=out)
    print("-" * len(header), file=out)
    rows_out = []
    for spec, xgb_builtin, lgb_builtin in LOSSES:
        loss = get_loss(spec)
        for booster, builtin, fit in (("xgboost", xgb_builtin, _fit_xgboost),
                                      ("lightgbm", lgb_builtin, _fit_lightgbm)):
            for label, params in (("boostobj", None), ("built-in", builtin)):
                if label == "built-in" and params is None:
                    continue
                raw, seconds = fit(loss, params, X[train], y[train], X[test], rounds, threads)
                prediction = loss.predict(raw)
                rmse = float(np.sqrt(np.mean((y[test] - prediction) ** 2)))
                mae = float(np.mean(np.abs(y[test] - prediction)))
                value = loss.metric(y[test], raw)
                rows_out.append((spec, booster, label, rmse, mae, value, seconds))
                print(f"{spec:<38} {booster:<9} {label:<9} {rmse:>10.1f} {mae:>9.1f} "
                      f"{value:>12.5g} {seconds:>6.2f}", file=out, flush=True)
    return rows_out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, default=None, help="subsample this many rows")
    args = parser.parse_args(argv)
    return run(args.rounds, args.threads, args.seed, args.rows)


if __name__ == "__main__":
    main()
