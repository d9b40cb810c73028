"""The study behind ``boostobj demo``: 90% prediction intervals on the shipped diamonds
data, boostobj's ``QuantileIntervalRegressor`` against the boosters' built-in quantile
objectives.

Each split is random: 80% to fit, 20% held out for the report. Every model sees the same
80%; the built-ins have 400 trees at learning rate 0.05, boostobj's models the estimator's
defaults (at most 1000 trees at 0.05, each stopped early on a tenth of its fitting rows):

- boostobj on LightGBM and on XGBoost (``calibration="mondrian"``, what the default "auto"
  takes at this size: the quantile models train on 75% of it, the other 25%
  calibrates them within 10 bins of the predicted centre), and on LightGBM with one shift per
  level (``"conformal"``);
- boostobj on LightGBM uncalibrated, LightGBM's built-in ``quantile`` and XGBoost's
  ``reg:quantileerror``, trained on all 80% (what a user of the built-ins gets);
- CQR on LightGBM's built-in: the built-in models on the same 60/20 as boostobj's, widened
  by Romano et al.'s symmetric split-conformal correction.

Coverage is also reported within each tenth of the held-out rows ordered by one reference
prediction, the midpoint of LightGBM's built-in interval: the lowest and the highest of the
ten. The demo scores intervals only, so boostobj's models skip the median (``median=False``).
"""

from __future__ import annotations

import time

import lightgbm as lgb
import numpy as np
import xgboost as xgb

from .. import datasets
from .._numerics import conformal_quantile
from ..intervals import QuantileIntervalRegressor
from ..metrics import coverage, coverage_by_bin, interval_score, mean_width

__all__ = ["LEVELS", "METHODS", "run_demo", "table"]

LEVELS = (0.05, 0.95)
TREES, LEARNING_RATE = 400, 0.05
COLUMNS = ("coverage", "lowest decile coverage", "highest decile coverage", "mean width",
           "interval score", "crossing", "fit s")
REFERENCE = "LightGBM built-in quantile"


def _ours(booster, calibration="mondrian"):
    def fit_predict(X_fit, y_fit, X_test, threads):
        model = QuantileIntervalRegressor(LEVELS, booster=booster, n_jobs=threads,
                                          calibration=calibration, median=False,
                                          random_state=0)
        return model.fit(X_fit, y_fit).predict_interval(X_test)
    return fit_predict


def _lightgbm_builtin(X, y, threads):
    return [lgb.LGBMRegressor(objective="quantile", alpha=level, n_estimators=TREES,
                              learning_rate=LEARNING_RATE, n_jobs=threads, verbose=-1,
                              random_state=0).fit(X, y) for level in LEVELS]


def _lightgbm(X_fit, y_fit, X_test, threads):
    return np.column_stack([model.predict(X_test)
                            for model in _lightgbm_builtin(X_fit, y_fit, threads)])


def _xgboost(X_fit, y_fit, X_test, threads):
    model = xgb.XGBRegressor(objective="reg:quantileerror", quantile_alpha=np.array(LEVELS),
                             n_estimators=TREES, learning_rate=LEARNING_RATE, n_jobs=threads,
                             tree_method="hist", random_state=0)
    return model.fit(X_fit, y_fit).predict(X_test)


def _cqr(X_fit, y_fit, X_test, threads):
    # The same 75/25 cut of the fitting rows as QuantileIntervalRegressor(random_state=0).
    n_calibration = int(round(0.25 * len(y_fit)))
    order = np.random.RandomState(0).permutation(len(y_fit))
    calibration, train = order[:n_calibration], order[n_calibration:]
    lower, upper = _lightgbm_builtin(X_fit[train], y_fit[train], threads)
    X_cal, y_cal = X_fit[calibration], y_fit[calibration]
    scores = np.maximum(lower.predict(X_cal) - y_cal, y_cal - upper.predict(X_cal))
    widening = conformal_quantile(scores, None, LEVELS[1] - LEVELS[0])
    return np.column_stack([lower.predict(X_test) - widening, upper.predict(X_test) + widening])


METHODS = {
    "boostobj on LightGBM, mondrian": _ours("lightgbm"),
    "boostobj on XGBoost, mondrian": _ours("xgboost"),
    "boostobj on LightGBM, conformal": _ours("lightgbm", "conformal"),
    "boostobj on LightGBM, uncalibrated": _ours("lightgbm", None),
    "LightGBM built-in quantile": _lightgbm,
    "XGBoost built-in reg:quantileerror": _xgboost,
    "CQR on LightGBM built-in": _cqr,
}


def run_demo(splits=3, rows=None, threads=2, progress=None):
    """Fit every method on each split.

    Returns (per-method mean of ``COLUMNS`` over the splits, the first split's held-out
    ``(y, {method: interval})`` for the picture, the data's description).
    """
    data = datasets.load("diamonds")
    X, y = data.X, data.y
    if rows:
        keep = np.random.default_rng(12345).permutation(y.size)[:rows]
        X, y = X[keep], y[keep]
    scores, first = {}, None
    for split in range(splits):
        order = np.random.default_rng(split).permutation(y.size)
        cut = int(0.8 * y.size)
        fit_rows, test_rows = order[:cut], order[cut:]
        held_out, seconds = {}, {}
        for name, fit_predict in METHODS.items():
            if progress is not None:
                progress.set_label(f"split {split + 1}/{splits}: {name}")
            start = time.perf_counter()
            held_out[name] = np.asarray(fit_predict(X[fit_rows], y[fit_rows], X[test_rows],
                                                    threads))
            seconds[name] = time.perf_counter() - start
            if progress is not None:
                progress.advance()
        y_test = y[test_rows]
        reference = held_out[REFERENCE].mean(axis=1)
        for name, interval in held_out.items():
            by_decile = coverage_by_bin(y_test, interval, reference)
            scores.setdefault(name, []).append([
                coverage(y_test, interval), by_decile.min(), by_decile.max(),
                mean_width(interval), interval_score(y_test, interval, LEVELS),
                float(np.mean(interval[:, 0] > interval[:, 1])), seconds[name]])
        if first is None:
            first = (y[test_rows], held_out)
    means = {name: np.mean(values, axis=0) for name, values in scores.items()}
    about = (f"diamonds: {y.size:,} rows, target price (USD); {splits} random 80/20 splits "
             f"({cut:,} to fit, {y.size - cut:,} held out); built-ins {TREES} trees, boostobj "
             f"up to {QuantileIntervalRegressor().n_estimators} stopped early, learning "
             f"rate {LEARNING_RATE}, {threads} threads; "
             f"levels {LEVELS[0]} and {LEVELS[1]}")
    return means, first, about


def table(means):
    """The demo's table as text (USD for width and interval score)."""
    header = (f"{'model':<36} {'coverage':>8} {'deciles low-high':>16} {'width $':>9} "
              f"{'interval score $':>17} {'crossing':>9} {'fit s':>7}")
    lines = [header, "-" * len(header)]
    for name, (cover, low, high, width, score, crossing, seconds) in means.items():
        lines.append(f"{name:<36} {cover:>8.3f} {low:>8.3f}-{high:.3f} {width:>9.1f} "
                     f"{score:>17.1f} {crossing:>9.4f} {seconds:>7.2f}")
    return "\n".join(lines)
