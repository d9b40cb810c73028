"""The fixed cost of a drop-in estimator: small fits against the parent's.

Each repeat fits, back to back on the same data, the parent estimator at its default
objective, boostobj's drop-in (without a loss; with the loss that is the parent's default
objective's twin; with a loss the booster does not have) and the parent with a zero-cost
custom objective (precomputed gradients: the booster's custom-objective path alone). The
order rotates between repeats; the table shows medians, and each ratio is to the parent's
median from the same run.

    python benchmarks/drop_in_fits.py                  # 200 rows x 5, 100 rounds, 15 repeats
    python benchmarks/drop_in_fits.py --rows 2000 --repeats 9
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import lightgbm as lgb
import numpy as np
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx

# (estimator, parent class, drop-in class, twin loss of the default objective, another loss)
ESTIMATORS = [
    ("XGBRegressor", xgb.XGBRegressor, bx.XGBRegressor, "squared_error", "huber"),
    ("XGBClassifier", xgb.XGBClassifier, bx.XGBClassifier, "logistic", "focal"),
    ("LGBMRegressor", lgb.LGBMRegressor, bl.LGBMRegressor, "squared_error", "huber"),
    ("LGBMClassifier", lgb.LGBMClassifier, bl.LGBMClassifier, "logistic", "focal"),
]


def _zero_cost_objective(name, y):
    """A custom objective returning the default loss's gradients at the start, as they are."""
    if "Classifier" in name:
        p = np.full(y.size, y.mean())
        gradient, hessian = p - y, p * (1 - p)
    else:
        gradient, hessian = y.mean() - y, np.ones(y.size)
    if name.startswith("XGB"):
        def objective(y_true, y_pred, sample_weight=None):
            return gradient, hessian
    else:
        def objective(y_true, y_pred):
            return gradient, hessian
    return objective


def _fits(name, parent, drop_in, twin, other, X, y, rounds):
    common = {"n_estimators": rounds, "n_jobs": 1}
    if name.startswith("LGBM"):
        common["verbose"] = -1
    return {
        "parent": lambda: parent(**common).fit(X, y),
        "drop-in, loss=None": lambda: drop_in(**common).fit(X, y),
        f"drop-in, loss={twin!r}": lambda: drop_in(loss=twin, **common).fit(X, y),
        f"drop-in, loss={other!r}": lambda: drop_in(loss=other, **common).fit(X, y),
        "parent, zero-cost objective": lambda: parent(
            objective=_zero_cost_objective(name, y), **common).fit(X, y),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, 5))
    signal = X[:, 0] + 0.5 * rng.normal(size=args.rows)
    print(f"{args.rows} rows x 5 features, {args.rounds} rounds, one thread, median of "
          f"{args.repeats} rotated repeats (ms; ratio to the parent)\n")
    print("| estimator | fit | time (ms) | / parent |")
    print("|---|---|---|---|")
    for name, parent, drop_in, twin, other in ESTIMATORS:
        y = (signal > 0).astype(float) if "Classifier" in name else signal
        fits = _fits(name, parent, drop_in, twin, other, X, y, args.rounds)
        times = {label: [] for label in fits}
        labels = list(fits)
        for label in labels:  # warm-up: imports, first-call costs
            fits[label]()
        for repeat in range(args.repeats):
            shift = repeat % len(labels)
            for label in labels[shift:] + labels[:shift]:
                start = time.perf_counter()
                fits[label]()
                times[label].append(time.perf_counter() - start)
        medians = {label: statistics.median(values) for label, values in times.items()}
        for label in labels:
            print(f"| {name} | {label} | {medians[label] * 1e3:.1f} | "
                  f"{medians[label] / medians['parent']:.2f} |")


if __name__ == "__main__":
    main()
