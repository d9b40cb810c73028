"""Multiclass: softmax, softmax_focal and label smoothing (soft_label) on scikit-learn's digits.

Ten classes, 1,797 8×8 images; a stratified 60/40 split. Prints held-out accuracy and log
loss beside each booster's built-in multiclass objective, through the native APIs (soft
labels: XGBoost takes the (n, K) matrix as its label, LightGBM a ``soft_label_dataset``) and
through ``LGBMClassifier`` / ``XGBClassifier``.

    python examples/multiclass_digits.py [--rounds N]
"""

import argparse

import lightgbm as lgb
import numpy as np
import xgboost as xgb
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj.metrics import error_rate, log_loss

XGB_PARAMS = {"max_depth": 4, "eta": 0.1, "nthread": 2, "seed": 0}
LGB_PARAMS = {"num_leaves": 15, "learning_rate": 0.1, "verbose": -1, "num_threads": 2, "seed": 0}


def smoothed(y, n_classes, epsilon=0.1):
    """Label smoothing: 1 - ε on the true class, ε spread evenly over all K."""
    return (1.0 - epsilon) * np.eye(n_classes)[y] + epsilon / n_classes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    rounds = args.rounds

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, stratify=y,
                                                        random_state=0)
    n_classes = 10
    probabilities = {}

    dtrain = xgb.DMatrix(X_train, label=y_train)
    dtest = xgb.DMatrix(X_test)
    probabilities["xgboost built-in multi:softprob"] = xgb.train(
        {**XGB_PARAMS, "objective": "multi:softprob", "num_class": n_classes}, dtrain,
        rounds).predict(dtest)
    for spec in ("softmax", "softmax:hessian=doubled", "softmax_focal:gamma=1"):
        probabilities[f"xgboost {spec}"] = bx.train(spec, XGB_PARAMS, dtrain, rounds).predict(dtest)
    soft = xgb.DMatrix(X_train, label=smoothed(y_train, n_classes))
    probabilities["xgboost soft_label (ε = 0.1)"] = bx.train(
        "soft_label", XGB_PARAMS, soft, rounds).predict(dtest)

    probabilities["lightgbm built-in multiclass"] = lgb.train(
        {**LGB_PARAMS, "objective": "multiclass", "num_class": n_classes},
        lgb.Dataset(X_train, y_train), rounds).predict(X_test)
    for spec in ("softmax", "softmax_focal:gamma=1"):
        probabilities[f"lightgbm {spec}"] = bl.train(
            spec, LGB_PARAMS, lgb.Dataset(X_train, y_train), rounds).predict(X_test)
    probabilities["lightgbm soft_label (ε = 0.1)"] = bl.train(
        "soft_label", LGB_PARAMS, bl.soft_label_dataset(X_train, smoothed(y_train, n_classes)),
        rounds).predict(X_test)

    # The drop-in scikit-learn classifiers: fit() starts them, predict_proba gives probabilities.
    classifier = bl.LGBMClassifier(loss="softmax", n_estimators=rounds, num_leaves=15,
                                   learning_rate=0.1, verbose=-1, n_jobs=2)
    probabilities["LGBMClassifier softmax"] = classifier.fit(X_train, y_train).predict_proba(X_test)
    classifier = bx.XGBClassifier(loss="softmax", n_estimators=rounds, max_depth=4,
                                  learning_rate=0.1, n_jobs=2)
    probabilities["XGBClassifier softmax"] = classifier.fit(X_train, y_train).predict_proba(X_test)

    print(f"digits: {len(y_train)} train / {len(y_test)} test rows, 10 classes, {rounds} rounds")
    print(f"{'model':<36} {'accuracy':>9} {'log loss':>9}")
    results = {}
    for name, probability in probabilities.items():
        accuracy = 1.0 - error_rate(y_test, probability)
        value = log_loss(y_test, probability)
        results[name] = {"accuracy": accuracy, "log_loss": value}
        print(f"{name:<36} {accuracy:>9.4f} {value:>9.4f}")
    return results


if __name__ == "__main__":
    main()
