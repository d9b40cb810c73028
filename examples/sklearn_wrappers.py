"""boostobj losses in the scikit-learn estimators: XGBRegressor / LGBMRegressor and the classifiers.

``boostobj.xgboost.XGBRegressor(loss=...)`` and ``boostobj.lightgbm.LGBMRegressor(loss=...)``
are the boosters' own estimators with one more parameter: ``fit`` starts from the loss's
init score (and renews the leaves for losses that need it, here ``huber``), ``predict`` is
on the response scale, and the classifiers' ``predict_proba`` gives probabilities. They
clone, pickle, and go into ``Pipeline`` and ``GridSearchCV`` like their parents.

    python examples/sklearn_wrappers.py [--rows N] [--trees N]
"""

import argparse

import numpy as np
from sklearn.metrics import log_loss, mean_absolute_error

from boostobj.datasets import load
from boostobj.lightgbm import LGBMClassifier, LGBMRegressor
from boostobj.xgboost import XGBClassifier, XGBRegressor


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
    regressors = {
        "XGBRegressor": XGBRegressor(loss="huber", n_estimators=args.trees, learning_rate=0.1,
                                     max_depth=6, n_jobs=2),
        "LGBMRegressor": LGBMRegressor(loss="huber", n_estimators=args.trees,
                                       learning_rate=0.1, num_leaves=63, n_jobs=2, verbose=-1),
    }
    for name, model in regressors.items():
        prediction = model.fit(X_train, y_train).predict(X_test)
        results[name] = mean_absolute_error(y_test, prediction)
        print(f"{name:<14} + huber   test MAE {results[name]:8.1f} USD")

    # Classification: focal loss on the Pima diabetes data (a third positive).
    pima = load("pima")
    train, test = pima.split == "train", pima.split == "test"
    focal = "focal:alpha=0.25,gamma=2"
    classifiers = {
        "XGBClassifier": XGBClassifier(loss=focal, n_estimators=args.trees, learning_rate=0.05,
                                       max_depth=2, n_jobs=2),
        "LGBMClassifier": LGBMClassifier(loss=focal, n_estimators=args.trees,
                                         learning_rate=0.05, num_leaves=4, n_jobs=2,
                                         verbose=-1),
    }
    for name, model in classifiers.items():
        model.fit(pima.X[train], pima.y[train])
        probability = model.predict_proba(pima.X[test])[:, 1]
        accuracy = float(np.mean(model.predict(pima.X[test]) == pima.y[test]))
        results[name] = (log_loss(pima.y[test], probability), accuracy)
        print(f"{name:<14} + focal   test log loss {results[name][0]:.3f}, "
              f"accuracy {accuracy:.3f}")
    return results


if __name__ == "__main__":
    main()
