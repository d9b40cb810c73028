"""90% prediction intervals: QuantileIntervalRegressor against the built-in quantile models.

On diamonds (53,940 rows), mcycle (133 rows) and a synthetic heteroscedastic set (5,000
rows), 5 random 60/20/20 splits (train / calibration / test). Every model has 400 trees at
learning rate 0.05 and trains on the same 60%; the calibrated ones also get the 20%:

- boostobj on LightGBM / XGBoost, ``calibration="mondrian"`` (the default), ``"conformal"``
  and ``"scaled"``: ``fit`` gets train + calibration rows and holds out 25% of them itself
  (the same 60/20 sizes); its median model (for ``predict``) fits all 80%;
- boostobj ``calibration=None``, LightGBM's built-in ``quantile``, scikit-learn's
  HistGradientBoostingRegressor and GradientBoostingRegressor (``loss="quantile"``): the
  60% only, uncalibrated;
- CQR on LightGBM's built-in quantile: those models, widened by split CQR on the 20%
  (Romano et al. 2019: one common widening, the ⌈0.9(n+1)⌉-th of max(l - y, y - u));
- boostobj ``calibration="cv+"`` (5 folds) on the 80%: mcycle only (it fits 10 models).

Printed per dataset, means over the splits: test coverage, the lowest and highest coverage
over the deciles of the prediction, mean width ÷ sd(y), interval score ÷ sd(y) (Winkler,
α = 0.1), the share of rows with lower > upper, fit seconds. The deciles are those of one
reference prediction for every method: a LightGBM built-in median model (``quantile``,
alpha 0.5, same trees) fit on the 60%; ``--deciles`` prints each decile's coverage.

    python benchmarks/intervals.py                      # everything (GradientBoosting is slow)
    python benchmarks/intervals.py --datasets mcycle --splits 2
    python benchmarks/intervals.py --skip-gbr           # without GradientBoostingRegressor
    python benchmarks/intervals.py --datasets diamonds --deciles
    python benchmarks/intervals.py --skip-gbr --deciles --only XGBoost   # those rows alone
"""

from __future__ import annotations

import argparse
import time

import lightgbm as lgb
import numpy as np
from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor

from boostobj import QuantileIntervalRegressor, datasets
from boostobj._numerics import conformal_quantile
from boostobj.metrics import coverage, coverage_by_bin, interval_score, mean_width

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

    def ours(booster, calibration, median=True):
        def run(X_train, y_train, X_cal, y_cal, X_test):
            model = QuantileIntervalRegressor(LEVELS, booster=booster, n_estimators=TREES,
                                              learning_rate=LEARNING_RATE, n_jobs=threads,
                                              calibration=calibration, median=median,
                                              random_state=0)
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

    def cqr_with_median(X_train, y_train, X_cal, y_cal, X_test):
        # MAPIE's CQR fits a median model beside the two bounds (its point prediction), as
        # the interval estimator does: the same three models, for fit times alike.
        median = lgb.LGBMRegressor(objective="quantile", alpha=0.5, n_estimators=TREES,
                                   learning_rate=LEARNING_RATE, n_jobs=threads, verbose=-1,
                                   random_state=0).fit(X_train, y_train)
        median.predict(X_test)
        return cqr(X_train, y_train, X_cal, y_cal, X_test)

    def sklearn(estimator):
        def run(X_train, y_train, X_cal, y_cal, X_test):
            return tuple(estimator(level).fit(X_train, y_train).predict(X_test)
                         for level in LEVELS)
        return run

    table = {
        "boostobj LightGBM, mondrian": ours("lightgbm", "mondrian"),
        "boostobj LightGBM, mondrian, median=False": ours("lightgbm", "mondrian", False),
        "boostobj LightGBM, conformal": ours("lightgbm", "conformal"),
        "boostobj LightGBM, scaled": ours("lightgbm", "scaled"),
        "boostobj XGBoost, mondrian": ours("xgboost", "mondrian"),
        "boostobj XGBoost, conformal": ours("xgboost", "conformal"),
        "boostobj LightGBM, uncalibrated": ours("lightgbm", None),
        "boostobj XGBoost, uncalibrated": ours("xgboost", None),
        "LightGBM built-in quantile": builtin,
        "CQR on LightGBM built-in": cqr,
        "CQR on LightGBM built-in, with a median model": cqr_with_median,
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


def reference_prediction(X_train, y_train, X_test, threads):
    """The prediction whose deciles every method's coverage is reported in."""
    return lgb.LGBMRegressor(objective="quantile", alpha=0.5, n_estimators=TREES,
                             learning_rate=LEARNING_RATE, n_jobs=threads, verbose=-1,
                             random_state=0).fit(X_train, y_train).predict(X_test)


def run(names=("diamonds", "mcycle", "synthetic"), splits=5, threads=2, skip_gbr=False,
        only=()):
    """{dataset: {method: [coverage, lowest decile coverage, highest decile coverage,
    width/sd, interval score/sd, crossing, seconds, coverage of deciles 1..10]}}."""
    results = {}
    for name in names:
        X, y = load(name)
        sd = float(np.std(y))
        rows = {}
        for split in range(splits):
            order = np.random.default_rng(split).permutation(len(y))
            a, b = int(0.6 * len(y)), int(0.8 * len(y))
            train, cal, test = order[:a], order[a:b], order[b:]
            reference = reference_prediction(X[train], y[train], X[test], threads)
            for method, function in methods(threads, name, skip_gbr).items():
                if only and not any(part in method for part in only):
                    continue
                start = time.perf_counter()
                lower, upper = function(X[train], y[train], X[cal], y[cal], X[test])
                seconds = time.perf_counter() - start
                interval = np.column_stack([lower, upper])
                by_decile = coverage_by_bin(y[test], interval, reference)
                rows.setdefault(method, []).append([
                    coverage(y[test], interval), 0.0, 0.0, mean_width(interval) / sd,
                    interval_score(y[test], interval, LEVELS) / sd,
                    float(np.mean(lower > upper)), seconds, *by_decile])
        results[name] = {}
        for method, values in rows.items():
            mean = np.mean(values, axis=0)
            # the extremes of the mean coverage of each decile over the splits
            # (a decile can be empty on small test sets, where the reference ties)
            mean[1], mean[2] = np.nanmin(mean[7:]), np.nanmax(mean[7:])
            results[name][method] = mean
    return results


def table(results, deciles=False):
    lines = []
    for name, rows in results.items():
        lines += [f"**{name}**", "",
                  "| model | coverage | decile coverage, lowest – highest | width ÷ sd(y) "
                  "| interval score ÷ sd(y) | crossing | fit seconds |",
                  "|---|---|---|---|---|---|---|"]
        for method, values in rows.items():
            cover, low, high, width, score, crossing, seconds = values[:7]
            lines.append(f"| {method} | {cover:.3f} | {low:.3f} – {high:.3f} | {width:.3f} | "
                         f"{score:.3f} | {crossing:.4f} | {seconds:.2f} |")
        lines.append("")
        if deciles:
            lines += [f"**{name}**: coverage by decile of the prediction (1 = lowest)", "",
                      "| model | " + " | ".join(str(d) for d in range(1, 11)) + " |",
                      "|---|" + "---|" * 10]
            for method, values in rows.items():
                lines.append(f"| {method} | " + " | ".join(f"{v:.3f}" for v in values[7:])
                             + " |")
            lines.append("")
    return "\n".join(lines)


def summary(results):
    """The issue's targets, checked."""
    lines = []
    for name, rows in results.items():
        ours = rows["boostobj LightGBM, mondrian"]
        conformal = rows["boostobj LightGBM, conformal"][4]
        cqr = rows["CQR on LightGBM built-in"][4]
        uncalibrated = min(rows[m][4] for m in rows
                           if m in ("LightGBM built-in quantile", "HistGradientBoosting quantile",
                                    "GradientBoosting quantile"))
        lines.append(f"{name}: mondrian coverage {ours[0]:.3f}, deciles {ours[1]:.3f} – "
                     f"{ours[2]:.3f}; interval score {ours[4]:.3f} = {ours[4] / conformal:.3f} "
                     f"x conformal, {ours[4] / cqr:.3f} x CQR on built-in, "
                     f"{ours[4] / uncalibrated:.3f} x best uncalibrated built-in")
        two_fits = rows["LightGBM built-in quantile"][6]
        lines.append(f"{name} fit time: {ours[6] / two_fits:.2f} x two LightGBM built-in "
                     "quantile fits (median=False: "
                     f"{rows['boostobj LightGBM, mondrian, median=False'][6] / two_fits:.2f} x)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["diamonds", "mcycle", "synthetic"])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-gbr", action="store_true")
    parser.add_argument("--deciles", action="store_true",
                        help="also print the coverage of every decile")
    parser.add_argument("--only", nargs="+", default=(), metavar="TEXT",
                        help="only the methods whose name holds one of these (no summary)")
    args = parser.parse_args(argv)
    results = run(args.datasets, args.splits, args.threads, args.skip_gbr, args.only)
    print(table(results, args.deciles))
    if not args.only:
        print(summary(results))
    return results


if __name__ == "__main__":
    main()
