"""boostobj losses in the scikit-learn wrappers: XGBRegressor / LGBMRegressor and the classifiers.

``bx.sklearn_objective(loss)`` / ``bl.sklearn_objective(loss)`` give the ``objective=`` the
wrappers take; ``bx.fit`` / ``bl.fit`` fit the estimator from the loss's start (and renew
the leaves for losses that need it, here ``huber``). With a custom objective the regressors'
``predict`` gives raw scores, so ``loss.predict`` turns them into predictions; the
classifiers fitted through ``bx.fit`` / ``bl.fit`` give probabilities from ``predict_proba``.

    python examples/sklearn_wrappers.py [--rows N] [--trees N]
"""

import argparse

import numpy as np
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.metrics import log_loss, mean_absolute_error
from xgboost import XGBClassifier, XGBRegressor

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj.datasets import load


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="diamonds: use a random subset")
    parser.add_argument("--trees", type=int, default=300)
    args = parser.parse_args(argv)
    results = {}

    # Regression: Huber loss (its δ re-estimated from the residuals each round) on prices.
    diamonds = load("diamonds")
    order = np.random.default_rng(0).permutation(diamonds.y.size)[: args.rows]
    cut = int(0.8 * order.size)
    X_train, y_train = diamonds.X[order[:cut]], diamonds.y[order[:cut]]
    X_test, y_test = diamonds.X[order[cut:]], diamonds.y[order[cut:]]
    loss = boostobj.get_loss("huber")
    regressors = {
        "XGBRegressor": (bx, XGBRegressor(n_estimators=args.trees, learning_rate=0.1,
                                          max_depth=6, n_jobs=2,
                                          objective=bx.sklearn_objective(loss))),
        "LGBMRegressor": (bl, LGBMRegressor(n_estimators=args.trees, learning_rate=0.1,
                                            num_leaves=63, n_jobs=2, verbose=-1,
                                            objective=bl.sklearn_objective(loss))),
    }
    for name, (adapter, model) in regressors.items():
        adapter.fit(model, X_train, y_train)
        prediction = loss.predict(model.predict(X_test))
        results[name] = mean_absolute_error(y_test, prediction)
        print(f"{name:<14} + huber   test MAE {results[name]:8.1f} USD")

    # Classification: focal loss on the Pima diabetes data (a third positive).
    pima = load("pima")
    train, test = pima.split == "train", pima.split == "test"
    focal = boostobj.get_loss("focal:alpha=0.25,gamma=2")
    classifiers = {
        "XGBClassifier": (bx, XGBClassifier(n_estimators=args.trees, learning_rate=0.05,
                                            max_depth=2, n_jobs=2,
                                            objective=bx.sklearn_objective(focal))),
        "LGBMClassifier": (bl, LGBMClassifier(n_estimators=args.trees, learning_rate=0.05,
                                              num_leaves=4, n_jobs=2, verbose=-1,
                                              objective=bl.sklearn_objective(focal))),
    }
    for name, (adapter, model) in classifiers.items():
        adapter.fit(model, pima.X[train], pima.y[train])
        probability = model.predict_proba(pima.X[test])[:, 1]
        accuracy = float(np.mean(model.predict(pima.X[test]) == pima.y[test]))
        results[name] = (log_loss(pima.y[test], probability), accuracy)
        print(f"{name:<14} + focal   test log loss {results[name][0]:.3f}, "
              f"accuracy {accuracy:.3f}")
    return results


if __name__ == "__main__":
    main()
