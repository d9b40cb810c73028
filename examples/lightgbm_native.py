"""A boostobj loss as the custom objective of plain ``lgb.train``, by hand and in one call.

Tweedie regression (power 1.5, log link) of diamond prices. By hand, the pieces are
``params["objective"] = bl.objective(loss)``, ``feval=bl.metric(loss)`` and the start
``loss.init_score(y)`` as the Datasets' ``init_score``; LightGBM then predicts raw scores
without that start, so add it back and apply ``loss.predict``. ``bl.train`` does all of
that and writes the start and the link into the model, so ``booster.predict`` (and the
saved model) give prices. Both give the model of LightGBM's built-in ``tweedie``.

    python examples/lightgbm_native.py [--rows N] [--rounds N]
"""

import argparse

import lightgbm as lgb
import numpy as np

import boostobj
import boostobj.lightgbm as bl
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
    params = {"num_leaves": 63, "learning_rate": 0.1, "verbose": -1, "num_threads": 2}
    loss = boostobj.get_loss("tweedie:power=1.5")
    results = {}

    # By hand: objective, metric and start are yours to wire up.
    start = loss.init_score(y_train)
    train_set = lgb.Dataset(X_train, y_train, init_score=np.full(y_train.size, start))
    test_set = lgb.Dataset(X_test, y_test, init_score=np.full(y_test.size, start),
                           reference=train_set)
    booster = lgb.train({**params, "objective": bl.objective(loss), "metric": "None"},
                        train_set, args.rounds, valid_sets=[test_set], feval=bl.metric(loss))
    results["lgb.train + bl.objective"] = loss.predict(booster.predict(X_test) + start)

    # One call: the start, the metric and the link are handled, and stored in the model.
    booster = bl.train(loss, params, lgb.Dataset(X_train, y_train), args.rounds)
    results["bl.train"] = booster.predict(X_test)

    # The built-in twin, for reference.
    booster = lgb.train({**params, "objective": "tweedie", "tweedie_variance_power": 1.5},
                        lgb.Dataset(X_train, y_train), args.rounds)
    results["built-in tweedie"] = booster.predict(X_test)

    for name, prediction in results.items():
        raw = np.log(prediction)
        print(f"{name:<26} test tweedie loss {loss.metric(y_test, raw):10.4f}   "
              f"MAE {np.mean(np.abs(y_test - prediction)):8.1f} USD")
    return results


if __name__ == "__main__":
    main()
