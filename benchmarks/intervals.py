"""90% prediction intervals: QuantileIntervalRegressor against the built-in quantile models.

On diamonds (53,940 rows), mcycle (133 rows) and a synthetic heteroscedastic set (5,000
rows), 5 random 60/20/20 splits (train / calibration / test). Every model has 400 trees at
learning rate 0.05 and trains on the same 60%; the calibrated ones also get the 20%:

- boostobj on LightGBM / XGBoost, ``calibration="conformal"``: ``fit`` gets train +
  calibration rows and holds out 25% of them itself (the same 60/20 sizes);
- boostobj ``calibration=None``, LightGBM's built-in ``quantile``, scikit-learn's
  HistGradientBoostingRegressor and GradientBoostingRegressor (``loss="quantile"``): the
  60% only, uncalibrated;
- CQR on LightGBM's built-in quantile: those models, widened by split CQR on the 20%
  (Romano et al. 2019: one common widening, the ⌈0.9(n+1)⌉-th of max(l - y, y - u));
- boostobj ``calibration="cv+"`` (5 folds) on the 80%: mcycle only (it fits 10 models).

Printed per dataset, means over the splits: test coverage, mean width ÷ sd(y), interval
score ÷ sd(y) (Winkler, α = 0.1), the share of rows with lower > upper, fit seconds.

    python benchmarks/intervals.py                      # everything (GradientBoosting is slow)
    python benchmarks/intervals.py --datasets mcycle --splits 2
    python benchmarks/intervals.py --skip-gbr           # without GradientBoostingRegressor
"""

from __future__ import annotations

import argparse
import time

import lightgbm as lgb
import numpy as np
from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor

from boostobj import QuantileIntervalRegressor, datasets
from boostobj._numerics import conformal_quantile
from boostobj.metrics import coverage, interval_score, mean_width

LEVELS = (0.05, 0.95)
TREES, LEARNING_RATE = 400, 0.05


def synthetic(n=5000, seed=12345):
    """Friedman-style mean, noise sd from 0.5 to 2.5 along one feature."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 5))
    mean = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
    return X, mean + (0.5 + 2.0 * X[:, 3]) * rng.standard_normal(n)


def load(name):
    if name == "synthetic":
        return synthetic()
    data = datasets.load(name)
    return data.X, data.y


def methods(threads, dataset, skip_gbr):
    """name -> function(X_train, y_train, X_cal, y_cal, X_test) -> (lower, upper)."""

    def ours(booster, calibration):
        def run(X_train, y_train, X_cal, y_cal, X_test):
            model = QuantileIntervalRegressor(LEVELS, booster=booster, n_estimators=TREES,
                                              learning_rate=LEARNING_RATE, n_jobs=threads,
                                              calibration=calibration, random_state=0)
            if calibration is None:
                model.fit(X_train, y_train)
            else:
                model.fit(np.vstack([X_train, X_cal]), np.concatenate([y_train, y_cal]))
            interval = model.predict_interval(X_test)
            return interval[:, 0], interval[:, 1]
        return run

    def lightgbm_models(X_train, y_train):
        return [lgb.LGBMRegressor(objective="quantile", alpha=level, n_estimators=TREES,
                                  learning_rate=LEARNING_RATE, n_jobs=threads, verbose=-1,
                                  random_state=0).fit(X_train, y_train) for level in LEVELS]

    def builtin(X_train, y_train, X_cal, y_cal, X_test):
        lower, upper = lightgbm_models(X_train, y_train)
        return lower.predict(X_test), upper.predict(X_test)

    def cqr(X_train, y_train, X_cal, y_cal, X_test):
        lower, upper = lightgbm_models(X_train, y_train)
        scores = np.maximum(lower.predict(X_cal) - y_cal, y_cal - upper.predict(X_cal))
        width = conformal_quantile(scores, None, LEVELS[1] - LEVELS[0])  # ⌈0.9(n+1)⌉-th
        return lower.predict(X_test) - width, upper.predict(X_test) + width

    def sklearn(estimator):
        def run(X_train, y_train, X_cal, y_cal, X_test):
            return tuple(estimator(level).fit(X_train, y_train).predict(X_test)
                         for level in LEVELS)
        return run

    table = {
        "boostobj LightGBM, conformal": ours("lightgbm", "conformal"),
        "boostobj XGBoost, conformal": ours("xgboost", "conformal"),
        "boostobj LightGBM, uncalibrated": ours("lightgbm", None),
        "boostobj XGBoost, uncalibrated": ours("xgboost", None),
        "LightGBM built-in quantile": builtin,
        "CQR on LightGBM built-in": cqr,
        "HistGradientBoosting quantile": sklearn(lambda level: HistGradientBoostingRegressor(
            loss="quantile", quantile=level, max_iter=TREES, learning_rate=LEARNING_RATE,
            early_stopping=False, random_state=0)),
    }
    if not skip_gbr:
        table["GradientBoosting quantile"] = sklearn(lambda level: GradientBoostingRegressor(
            loss="quantile", alpha=level, n_estimators=TREES, learning_rate=LEARNING_RATE,
            random_state=0))
    if dataset == "mcycle":
        table["boostobj LightGBM, cv+"] = ours("lightgbm", "cv+")
    return table


def run(names=("diamonds", "mcycle", "synthetic"), splits=5, threads=2, skip_gbr=False):
    """{dataset: {method: [coverage, width/sd, interval score/sd, crossing, seconds]}}."""
    results = {}
    for name in names:
        X, y = load(name)
        sd = float(np.std(y))
        rows = {}
        for split in range(splits):
            order = np.random.default_rng(split).permutation(len(y))
            a, b = int(0.6 * len(y)), int(0.8 * len(y))
            train, cal, test = order[:a], order[a:b], order[b:]
            for method, function in methods(threads, name, skip_gbr).items():
                start = time.perf_counter()
                lower, upper = function(X[train], y[train], X[cal], y[cal], X[test])
                seconds = time.perf_counter() - start
                interval = np.column_stack([lower, upper])
                rows.setdefault(method, []).append([
                    coverage(y[test], interval), mean_width(y[test], interval) / sd,
                    interval_score(y[test], interval, LEVELS) / sd,
                    float(np.mean(lower > upper)), seconds])
        results[name] = {method: np.mean(values, axis=0) for method, values in rows.items()}
    return results


def table(results):
    lines = []
    for name, rows in results.items():
        lines += [f"**{name}**", "",
                  "| model | coverage | width ÷ sd(y) | interval score ÷ sd(y) | crossing "
                  "| fit seconds |", "|---|---|---|---|---|---|"]
        for method, (cover, width, score, crossing, seconds) in rows.items():
            lines.append(f"| {method} | {cover:.3f} | {width:.3f} | {score:.3f} | "
                         f"{crossing:.4f} | {seconds:.2f} |")
        lines.append("")
    return "\n".join(lines)


def summary(results):
    """The issue's targets, checked."""
    lines = []
    for name, rows in results.items():
        ours = rows["boostobj LightGBM, conformal"]
        cqr = rows["CQR on LightGBM built-in"][2]
        uncalibrated = min(rows[m][2] for m in rows
                           if m in ("LightGBM built-in quantile", "HistGradientBoosting quantile",
                                    "GradientBoosting quantile"))
        lines.append(f"{name}: coverage {ours[0]:.3f}; interval score {ours[2]:.3f} = "
                     f"{ours[2] / cqr:.3f} x CQR on built-in, {ours[2] / uncalibrated:.3f} x "
                     "best uncalibrated built-in")
        if name == "diamonds":
            two_fits = rows["LightGBM built-in quantile"][4]
            lines.append(f"diamonds fit time: {ours[4] / two_fits:.2f} x two LightGBM "
                         "built-in quantile fits")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["diamonds", "mcycle", "synthetic"])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-gbr", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.datasets, args.splits, args.threads, args.skip_gbr)
    print(table(results))
    print(summary(results))
    return results


if __name__ == "__main__":
    main()
