"""A boostobj loss as the custom objective of plain ``xgb.train``, by hand and in one call.

Tweedie regression (power 1.5, log link) of diamond prices. By hand, the pieces are
``bx.objective(loss)`` (``obj=``), ``bx.metric(loss)`` (``custom_metric=``), the start
``loss.init_score(y)`` as the training rows' ``base_margin`` and ``loss.predict`` on the
raw margins; ``bx.train`` does all of that, and its saved model predicts prices on its own.
Both give the model of XGBoost's built-in ``reg:tweedie``.

    python examples/xgboost_native.py [--rows N] [--rounds N]
"""

import argparse

import numpy as np
import xgboost as xgb

import boostobj
import boostobj.xgboost as bx
from boostobj.datasets import load


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="use a random subset")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args(argv)

    data = load("diamonds")
    order = np.random.default_rng(0).permutation(data.y.size)[: args.rows]
    cut = int(0.8 * order.size)
    X_train, y_train = data.X[order[:cut]], data.y[order[:cut]]
    X_test, y_test = data.X[order[cut:]], data.y[order[cut:]]
    params = {"max_depth": 6, "eta": 0.1, "tree_method": "hist", "nthread": 2}
    loss = boostobj.get_loss("tweedie:power=1.5")
    results = {}

    # By hand: objective, metric and start are yours to wire up.
    dtrain = xgb.DMatrix(X_train, y_train)
    dtrain.set_base_margin(np.full(y_train.size, loss.init_score(y_train)))
    dtest = xgb.DMatrix(X_test, y_test)
    dtest.set_base_margin(np.full(y_test.size, loss.init_score(y_train)))
    booster = xgb.train({**params, "disable_default_eval_metric": 1}, dtrain, args.rounds,
                        obj=bx.objective(loss), custom_metric=bx.metric(loss),
                        evals=[(dtest, "test")], verbose_eval=False)
    results["xgb.train + bx.objective"] = loss.predict(booster.predict(dtest, output_margin=True))

    # One call: the start, the metric and the link are handled, and stored in the model.
    booster = bx.train(loss, params, xgb.DMatrix(X_train, y_train), args.rounds)
    results["bx.train"] = booster.predict(xgb.DMatrix(X_test))

    # The built-in twin, for reference.
    booster = xgb.train({**params, "objective": "reg:tweedie", "tweedie_variance_power": 1.5},
                        xgb.DMatrix(X_train, y_train), args.rounds)
    results["built-in reg:tweedie"] = booster.predict(xgb.DMatrix(X_test))

    for name, prediction in results.items():
        raw = np.log(prediction)
        print(f"{name:<26} test tweedie loss {loss.metric(y_test, raw):10.4f}   "
              f"MAE {np.mean(np.abs(y_test - prediction)):8.1f} USD")
    return results


if __name__ == "__main__":
    main()
