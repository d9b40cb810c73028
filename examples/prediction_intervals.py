"""90% prediction intervals on the diamonds prices, calibrated to cover 90% of new prices.

    python examples/prediction_intervals.py [--rows N] [--trees N]
"""

import argparse

import numpy as np
from sklearn.model_selection import train_test_split

from boostobj import QuantileIntervalRegressor
from boostobj.datasets import load
from boostobj.metrics import coverage, interval_score, mean_width


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="a random subset (default all)")
    parser.add_argument("--trees", type=int, default=400)
    args = parser.parse_args(argv)

    data = load("diamonds")
    X, y = data.X, data.y
    if args.rows:
        keep = np.random.default_rng(0).permutation(y.size)[: args.rows]
        X, y = X[keep], y[keep]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

    results = {}
    for calibration in ("conformal", None):
        model = QuantileIntervalRegressor(levels=(0.05, 0.95), booster="lightgbm",
                                          n_estimators=args.trees, calibration=calibration,
                                          random_state=0)
        model.fit(X_train, y_train)             # calibrates on 25% of the rows it is given
        interval = model.predict_interval(X_test)  # (n, 2), lower <= upper on every row
        results[calibration] = (coverage(y_test, interval), mean_width(interval),
                                interval_score(y_test, interval, model.levels))
        print(f"calibration={calibration!s:9}  coverage {results[calibration][0]:.3f}  "
              f"mean width ${results[calibration][1]:,.0f}  "
              f"interval score ${results[calibration][2]:,.0f}")
    return results


if __name__ == "__main__":
    main()
