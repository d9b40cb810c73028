"""90% prediction intervals on the diamonds prices, calibrated to cover 90% of new prices,
in every tenth of the range of predicted prices (Mondrian calibration, the default).

    python examples/prediction_intervals.py [--rows N] [--trees N]
"""

import argparse

import numpy as np
from sklearn.model_selection import train_test_split

from boostobj import QuantileIntervalRegressor
from boostobj.datasets import load
from boostobj.metrics import coverage, coverage_by_bin, interval_score, mean_width


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
    for calibration in ("mondrian", "conformal", None):
        model = QuantileIntervalRegressor(levels=(0.05, 0.95), booster="lightgbm",
                                          n_estimators=args.trees, calibration=calibration,
                                          random_state=0)
        model.fit(X_train, y_train)             # calibrates on 25% of the rows it is given
        interval = model.predict_interval(X_test)  # (n, 2), lower <= upper on every row
        price = model.predict(X_test)           # the median model
        by_tenth = coverage_by_bin(y_test, interval, by=price)  # tenths of the prediction
        results[calibration] = (coverage(y_test, interval), mean_width(interval),
                                interval_score(y_test, interval, model.levels),
                                min(by_tenth), max(by_tenth))
        cover, width, score, low, high = results[calibration]
        print(f"calibration={calibration!s:9}  coverage {cover:.3f} ({low:.3f}-{high:.3f} by "
              f"tenth of the predicted price)  mean width ${width:,.0f}  "
              f"interval score ${score:,.0f}")
    return results


if __name__ == "__main__":
    main()
