"""Training time with a boostobj objective against the built-in twin's and a zero-cost one's.

Each repeat trains ours, the built-in and a zero-cost custom objective back to back on the
same prebuilt dataset, the order rotating between repeats; the table shows medians over the
repeats. The zero-cost objective returns preallocated float32 arrays in the booster's
layout, the loss's gradient and hessian at its start: trees split on the same signal as
ours, and the time is the booster's custom-objective path alone. Its gradients never change,
so its trees are not ours: "in boostobj" is the share of our training time spent inside
boostobj's objective and leaf renewal (kernels, checks, leaf lookups, leaf values),
measured in the same runs.

    python benchmarks/overhead.py                      # 1,000,000 x 20, 100 rounds, 3 repeats
    python benchmarks/overhead.py --rows 100000 --repeats 5
    python benchmarks/overhead.py --only huber,quantile  # those losses (names before ":")

Huber (``delta="auto"``, leaves renewed) has no built-in twin: its "built-in" column is the
booster's squared error, the job a user would run instead.
"""

from __future__ import annotations

import argparse
import statistics
import time

import lightgbm as lgb
import numpy as np
import xgboost as xgb

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj._boosters.renewal import LeafRenewal

N_CLASSES = 10
# Multiclass cases grow ten trees a round: they run a fifth of the rounds (the ratio is per
# round either way).
MULTICLASS_ROUND_FRACTION = 5

# (booster, boostobj loss, built-in parameters that make the same loss)
CASES = [
    ("xgboost", "squared_error", {"objective": "reg:squarederror"}),
    ("xgboost", "pseudo_huber:delta=1,hessian=exact",
     {"objective": "reg:pseudohubererror", "huber_slope": 1.0}),
    ("xgboost", "quantile:alpha=0.9", {"objective": "reg:quantileerror", "quantile_alpha": 0.9}),
    ("xgboost", "absolute_error", {"objective": "reg:absoluteerror"}),
    # Huber with its "auto" scale and renewed leaves has no built-in twin: the reference is
    # the squared error (what boostobj's squared_error trains as).
    ("xgboost", "huber", {"objective": "reg:squarederror"}),
    ("xgboost", "poisson", {"objective": "count:poisson", "max_delta_step": 0.0}),
    ("xgboost", "logistic", {"objective": "binary:logistic"}),
    ("xgboost", "softmax:hessian=doubled", {"objective": "multi:softprob", "num_class": N_CLASSES}),
    ("lightgbm", "squared_error", {"objective": "regression"}),
    ("lightgbm", "fair:c=1,hessian=exact", {"objective": "fair", "fair_c": 1.0}),
    ("lightgbm", "quantile:alpha=0.9", {"objective": "quantile", "alpha": 0.9}),
    ("lightgbm", "absolute_error", {"objective": "regression_l1"}),
    ("lightgbm", "huber", {"objective": "regression"}),
    ("lightgbm", "poisson", {"objective": "poisson", "poisson_max_delta_step": 1e-12}),
    ("lightgbm", "logistic", {"objective": "binary"}),
    ("lightgbm", "softmax", {"objective": "multiclass", "num_class": N_CLASSES}),
]


def make_data(n_rows, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    signal = X[:, 0] + 0.5 * np.sin(3 * X[:, 1]) + 0.25 * X[:, 2] * X[:, 3]
    y_real = signal + rng.standard_t(3, size=n_rows)
    y_count = rng.poisson(np.exp(0.5 * signal)).astype(np.float64)
    y_binary = (signal + rng.logistic(size=n_rows) > 0.5).astype(np.float64)
    cuts = np.quantile(signal, np.linspace(0, 1, N_CLASSES + 1)[1:-1])
    y_class = np.digitize(signal + rng.logistic(scale=0.3, size=n_rows), cuts).astype(np.float64)
    return X, {"real": y_real, "count": y_count, "binary": y_binary, "class": y_class}


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


class ObjectiveClock:
    """Adds up the time spent in boostobj's objectives and leaf renewal while active (the
    outermost call only: a renewal inside an objective is counted once)."""

    def __init__(self):
        self.seconds = 0.0
        self._depth = 0
        self._originals = []

    def _timed(self, original):
        def call(*args, **kwargs):
            self._depth += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds += time.perf_counter() - start
        return call

    def __enter__(self):
        for owner, name in ((bx.Objective, "__call__"), (bl.Objective, "__call__"),
                            (LeafRenewal, "flush")):
            original = getattr(owner, name)
            self._originals.append((owner, name, original))
            setattr(owner, name, self._timed(original))
        return self

    def __exit__(self, *exc):
        for owner, name, original in self._originals:
            setattr(owner, name, original)


def run_case(booster, loss_name, builtin, data, rounds, repeats, threads):
    X, targets = data
    loss = boostobj.get_loss(loss_name)
    kind = {"log": "count", "logit": "binary", "softmax": "class"}.get(loss.link.name, "real")
    y = targets[kind]
    start = loss.init_score(y)
    if booster == "xgboost":
        params = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": threads}
        dtrain = xgb.DMatrix(X, y, nthread=threads)
        if kind == "class":
            base_score = [float(value) for value in start]  # margins
        else:
            base_score = float(loss.predict(start) if kind != "real" else start)

        def ours():
            bx.train(loss, params, dtrain, rounds)

        def theirs():
            xgb.train({**params, **builtin, "base_score": base_score}, dtrain, rounds)

        zero_cost = _zero_cost_objective(loss, y, start, "C")
        zero_params = {**params, "num_class": N_CLASSES, "objective": "multi:softprob"} \
            if kind == "class" else params

        def zero():
            xgb.train(zero_params, dtrain, rounds, obj=zero_cost)
    else:
        params = {"num_leaves": 63, "learning_rate": 0.1, "verbose": -1, "num_threads": threads}
        dataset = lgb.Dataset(X, y, free_raw_data=False, params={"verbose": -1}).construct()
        init_score = np.tile(start, (y.size, 1)) if kind == "class" else np.full(y.size, start)
        with_start = lgb.Dataset(X, y, init_score=init_score, free_raw_data=False,
                                 params={"verbose": -1, **builtin}).construct()

        def ours():
            bl.train(loss, params, dataset, rounds)

        def theirs():
            lgb.train({**params, **builtin}, with_start, rounds)

        zero_params = {**params, "objective": _zero_cost_objective(loss, y, start, "F")}
        if kind == "class":
            zero_params["num_class"] = N_CLASSES

        def zero():
            lgb.train(zero_params, dataset, rounds)
    theirs()  # warm-up: thread pools, first allocations
    functions = [ours, theirs, zero]
    times = {function: [] for function in functions}
    inside = []
    for repeat in range(repeats):
        for function in functions[repeat % 3:] + functions[:repeat % 3]:
            if function is ours:
                with ObjectiveClock() as clock:
                    times[ours].append(timed(ours))
                inside.append(clock.seconds / times[ours][-1])
            else:
                times[function].append(timed(function))
    return (*(statistics.median(times[function]) for function in functions),
            statistics.median(inside))


def _zero_cost_objective(loss, y, start, layout):
    """A custom objective that computes nothing: the loss's gradients at its start,
    preallocated, returned as they are every round."""
    raw = np.broadcast_to(np.asarray(start, dtype=np.float64), loss.raw_score_shape(y))
    gradient, hessian = loss.gradient_hessian(y, np.array(raw))
    gradient = np.asarray(gradient, dtype=np.float32, order=layout)
    hessian = np.asarray(hessian, dtype=np.float32, order=layout)

    def objective(predictions, dataset):
        return gradient, hessian

    return objective


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--booster", choices=["xgboost", "lightgbm", "both"], default="both")
    parser.add_argument("--only", default="",
                        help="comma-separated loss names (before any ':'): those cases alone")
    args = parser.parse_args(argv)
    data = make_data(args.rows, args.features)
    print(f"{args.rows:,} rows x {args.features} features, {args.rounds} rounds, "
          f"{args.threads} threads, median of {args.repeats} paired repeats")
    print(f"{'booster':<9} {'loss':<35} {'built-in':<22} {'rounds':>6} {'ours (s)':>9} "
          f"{'built-in (s)':>13} {'zero-cost (s)':>14} {'/ built-in':>11} {'/ zero-cost':>12} "
          f"{'in boostobj':>12}")
    for booster, loss_name, builtin in CASES:
        only = [name for name in args.only.split(",") if name]
        if args.booster not in ("both", booster) or (only and loss_name.split(":")[0]
                                                     not in only):
            continue
        rounds = args.rounds
        if "num_class" in builtin:
            rounds = max(1, rounds // MULTICLASS_ROUND_FRACTION)
        ours, theirs, zero, inside = run_case(booster, loss_name, builtin, data, rounds,
                                              args.repeats, args.threads)
        print(f"{booster:<9} {loss_name:<35} {builtin['objective']:<22} {rounds:>6} "
              f"{ours:>9.2f} {theirs:>13.2f} {zero:>14.2f} {ours / theirs:>11.3f} "
              f"{ours / zero:>12.3f} {inside:>12.1%}", flush=True)


if __name__ == "__main__":
    main()
