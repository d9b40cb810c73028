"""The guide's quick start (docs/guide/objectives.md), runnable: the same specs through all
four APIs on diamonds.

    python examples/quickstart.py [--rows N] [--rounds N]
"""

import argparse

import lightgbm as lgb
import numpy as np
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj.datasets import load


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)

    data = load("diamonds")
    order = np.random.default_rng(0).permutation(data.y.size)[: args.rows]
    X, y = data.X[order], data.y[order]
    n_train, n_valid = int(0.6 * y.size), int(0.2 * y.size)
    X_train, y_train = X[:n_train], y[:n_train]
    X_valid, y_valid = X[n_train:n_train + n_valid], y[n_train:n_train + n_valid]
    X_test, y_test = X[n_train + n_valid:], y[n_train + n_valid:]

    results = {}

    # XGBoost, native API (the guide's specs)
    booster = bx.train("huber:delta=auto", {"max_depth": 6, "eta": 0.1, "nthread": 2},
                       xgb.DMatrix(X_train, y_train), num_boost_round=args.rounds,
                       evals=[(xgb.DMatrix(X_valid, y_valid), "valid")],
                       early_stopping_rounds=20, verbose_eval=False)
    results["xgboost native"] = booster.predict(xgb.DMatrix(X_test))

    # XGBoost, scikit-learn API
    model = bx.XGBRegressor(loss="huber:delta=auto", n_estimators=args.rounds,
                            learning_rate=0.1, max_depth=6, n_jobs=2, early_stopping_rounds=20)
    model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], verbose=False)
    results["xgboost sklearn"] = model.predict(X_test)

    # LightGBM, native API
    train_set = lgb.Dataset(X_train, y_train)
    valid_set = lgb.Dataset(X_valid, y_valid, reference=train_set)
    booster = bl.train("poisson", {"num_leaves": 63, "learning_rate": 0.1, "verbose": -1,
                                   "num_threads": 2},
                       train_set, args.rounds, valid_sets=[valid_set], early_stopping_rounds=20)
    results["lightgbm native"] = booster.predict(X_test)

    # LightGBM, scikit-learn API
    model = bl.LGBMRegressor(loss="huber:delta=auto", n_estimators=args.rounds,
                             learning_rate=0.1, n_jobs=2, verbose=-1)
    model.fit(X_train, y_train, eval_X=(X_valid,), eval_y=(y_valid,),
              callbacks=[lgb.early_stopping(20, verbose=False)])
    results["lightgbm sklearn"] = model.predict(X_test)

    losses = {"xgboost native": "huber", "xgboost sklearn": "huber",
              "lightgbm native": "poisson", "lightgbm sklearn": "huber"}
    print(f"{'API':<18} {'loss':<8} {'test MAE (USD)':>15}")
    print(f"{'median price':<18} {'':<8} {np.mean(np.abs(y_test - np.median(y_train))):>15.1f}")
    for api, prediction in results.items():
        print(f"{api:<18} {losses[api]:<8} {np.mean(np.abs(y_test - prediction)):>15.1f}")
    return results


if __name__ == "__main__":
    main()
