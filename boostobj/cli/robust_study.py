"""Robust regression on noisy sinc data: the comparison study of Natekin & Knoll (2013).

y = sin(x)/x, x ~ U[-10, 10], n = 1,000, Gaussian noise σ = 0.1 and 10% impulses, two-sided
(U[-5, 5] added) or one-sided (U[0, 5]); 500 trees, learning rate 0.05, depth 3 (8 leaves),
at least 20 rows a leaf. Each model is scored against the clean sinc on a 2,000-point grid;
the quantile models' coverage is measured on fresh noisy targets at the grid points. Every
boostobj regression loss runs on both boosters beside the built-in objectives, at target
scale ×1 and ×1000 (scores divided by the scale, so the two columns should agree).

``boostobj compare`` runs it (a few seeds by default), ``benchmarks/robust_sinc.py`` the
full study behind the benchmark tables.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

import lightgbm as lgb
import numpy as np
import xgboost as xgb

from .. import lightgbm as bl
from .. import xgboost as bx

__all__ = ["BOOSTERS", "CONTAMINATIONS", "fit_predict", "make_data", "N_TRAIN", "noisy_targets",
           "panels", "ROUNDS", "run_seed", "run_study", "sinc", "summarise", "table"]

N_TRAIN, N_GRID = 1000, 2000
ROUNDS, LEARNING_RATE, DEPTH, MIN_ROWS = 500, 0.05, 3, 20
SCALES = (1.0, 1000.0)
CONTAMINATIONS = ("two-sided", "one-sided")
BOOSTERS = ("lightgbm", "xgboost")
QUANTILES = (0.1, 0.5, 0.9)
FLAT_SD = 0.02  # a model whose predictions vary less than this has not learnt sinc

# boostobj losses (spec at scale 1; "{s}" is replaced by the target scale)
OURS = ["squared_error", "absolute_error", "huber", "pseudo_huber", "log_cosh", "fair",
        "cauchy", "quantile:alpha=0.5", "expectile:alpha=0.5",
        "truncated_squared:threshold={s}", "huber:delta={s}"]
BUILTINS = {
    "lightgbm": [("built-in regression", {"objective": "regression"}),
                 ("built-in regression_l1", {"objective": "regression_l1"}),
                 ("built-in huber", {"objective": "huber"}),
                 ("built-in quantile 0.5", {"objective": "quantile", "alpha": 0.5})],
    "xgboost": [("built-in reg:squarederror", {"objective": "reg:squarederror"}),
                ("built-in reg:absoluteerror", {"objective": "reg:absoluteerror"}),
                ("built-in reg:pseudohubererror", {"objective": "reg:pseudohubererror"}),
                ("built-in reg:quantileerror 0.5", {"objective": "reg:quantileerror",
                                                    "quantile_alpha": 0.5})],
}


def sinc(x):
    """sin(x) / x, 1 at x = 0."""
    return np.sinc(x / np.pi)  # sin(x) / x


def noisy_targets(x, contamination, rng):
    """sinc(x) with Gaussian noise (σ = 0.1) and 10% impulses, ``contamination``
    "two-sided" (U[-5, 5] added) or "one-sided" (U[0, 5]).
    """
    y = sinc(x) + rng.normal(scale=0.1, size=x.size)
    impulse = rng.uniform(size=x.size) < 0.1
    low = -5.0 if contamination == "two-sided" else 0.0
    y[impulse] += rng.uniform(low, 5.0, size=int(impulse.sum()))
    return y


def make_data(seed, contamination):
    """(X, y, X_grid, noisy y on the grid): ``N_TRAIN`` training rows and the ``N_GRID``
    grid points the models are scored on, drawn from ``seed``.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-10, 10, size=N_TRAIN)
    grid = np.linspace(-10, 10, N_GRID)
    return (x[:, None], noisy_targets(x, contamination, rng), grid[:, None],
            noisy_targets(grid, contamination, rng))


def fit_predict(booster, objective, X, y, X_grid, rounds, builtin=None):
    """Grid predictions of a model trained with a boostobj spec or built-in params."""
    if booster == "lightgbm":
        params = {"learning_rate": LEARNING_RATE, "max_depth": DEPTH, "num_leaves": 2 ** DEPTH,
                  "min_data_in_leaf": MIN_ROWS, "verbose": -1, "num_threads": 1,
                  "deterministic": True}
        if builtin is not None:
            return lgb.train({**params, **builtin}, lgb.Dataset(X, y), rounds).predict(X_grid)
        return bl.train(objective, params, lgb.Dataset(X, y), rounds).predict(X_grid)
    params = {"eta": LEARNING_RATE, "max_depth": DEPTH, "min_child_weight": MIN_ROWS,
              "tree_method": "hist", "nthread": 1}
    dtrain, dgrid = xgb.DMatrix(X, y), xgb.DMatrix(X_grid)
    if builtin is not None:
        return xgb.train({**params, **builtin}, dtrain, rounds).predict(dgrid)
    return bx.train(objective, params, dtrain, rounds).predict(dgrid)


def run_seed(args):
    """All models of one seed and contamination: {(booster, name, scale): metrics}."""
    seed, contamination, rounds, boosters = args
    X, y, X_grid, y_grid = make_data(seed, contamination)
    clean = sinc(X_grid[:, 0])
    results = {}
    for booster in boosters:
        runs = [(name, spec, None) for spec in OURS for name in [spec.replace("{s}", "s")]]
        runs += [(name, None, params) for name, params in BUILTINS[booster]]
        for name, spec, builtin in runs:
            for scale in SCALES:
                objective = spec.replace("{s}", f"{scale:g}") if spec else None
                start = time.perf_counter()
                with np.errstate(all="ignore"):
                    prediction = fit_predict(booster, objective, X, y * scale, X_grid, rounds,
                                             builtin) / scale
                error = prediction - clean
                results[(booster, name, scale)] = {
                    "rmse": float(np.sqrt(np.mean(error ** 2))),
                    "mae": float(np.mean(np.abs(error))),
                    "sd": float(np.std(prediction)),
                    "seconds": time.perf_counter() - start,
                }
        for alpha in QUANTILES:
            for name, spec, builtin in [
                    (f"quantile:alpha={alpha}", f"quantile:alpha={alpha}", None),
                    (f"built-in quantile {alpha}",
                     None, {"objective": "quantile", "alpha": alpha} if booster == "lightgbm"
                     else {"objective": "reg:quantileerror", "quantile_alpha": alpha})]:
                prediction = fit_predict(booster, spec, X, y, X_grid, rounds, builtin)
                results[(booster, "coverage " + name, 1.0)] = {
                    "coverage": float(np.mean(y_grid <= prediction))}
    return contamination, results


def summarise(per_seed):
    """{(booster, name, scale): {metric: (mean, sd, values)}} over the seeds."""
    summary = {}
    for key in per_seed[0]:
        summary[key] = {metric: (float(np.mean(values)), float(np.std(values)), values)
                        for metric in per_seed[0][key]
                        for values in [np.array([seed[key][metric] for seed in per_seed])]}
    return summary


def table(summary, contamination):
    """The Markdown table of a summary: each loss's error against the clean sinc (mean ±
    sd over seeds) at ×1 and ×1000, then the quantile models' coverage.
    """
    lines = [f"\n### {contamination} impulses: error against the clean sinc (mean ± sd over "
             "seeds; ×1000 divided by 1000)\n",
             "| booster | loss | RMSE ×1 | RMSE ×1000 | MAE ×1 | MAE ×1000 | flat or exploded |",
             "|---|---|---|---|---|---|---|"]
    for (booster, name, scale), metrics in summary.items():
        if scale != SCALES[0] or "rmse" not in metrics:
            continue
        other = summary[(booster, name, SCALES[1])]
        bad = sum(int(np.sum((m["sd"][2] < FLAT_SD) | ~np.isfinite(m["rmse"][2])
                             | (m["rmse"][2] > 10)))
                  for m in (metrics, other))
        cells = [f"{m[k][0]:.4f} ± {m[k][1]:.4f}" for k in ("rmse", "mae")
                 for m in (metrics, other)]
        label = name if name.startswith("built-in") else f"`{name}`"
        lines.append(f"| {booster} | {label} | " + " | ".join(cells) + f" | {bad} |")
    lines += ["", "| booster | quantile model | coverage α=0.1 | α=0.5 | α=0.9 |",
              "|---|---|---|---|---|"]
    for booster in dict.fromkeys(booster for booster, _, _ in summary):
        for label, prefix in (("boostobj `quantile`", "coverage quantile:alpha="),
                              ("built-in", "coverage built-in quantile ")):
            cells = [summary[(booster, f"{prefix}{alpha}", 1.0)]["coverage"]
                     for alpha in QUANTILES]
            lines.append(f"| {booster} | {label} | "
                         + " | ".join(f"{mean:.4f} ± {sd:.4f}" for mean, sd, _ in cells) + " |")
    return "\n".join(lines)


def run_study(seeds=10, contaminations=CONTAMINATIONS, rounds=ROUNDS, boosters=BOOSTERS,
              jobs=1, progress=None):
    """{contamination: summary} over ``seeds`` seeds; ``progress.advance()`` per seed done."""
    tasks = [(seed, contamination, rounds, tuple(boosters)) for contamination in contaminations
             for seed in range(seeds)]
    if jobs <= 1:
        outcomes = []
        for task in tasks:
            outcomes.append(run_seed(task))
            if progress is not None:
                progress.advance()
    else:
        # Fresh interpreters: a forked child of a process that has run OpenMP can hang.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=context) as pool:
            outcomes = []
            for future in as_completed([pool.submit(run_seed, task) for task in tasks]):
                outcomes.append(future.result())
                if progress is not None:
                    progress.advance()
    return {contamination: summarise([results for kind, results in outcomes
                                      if kind == contamination])
            for contamination in contaminations}


def panels(rounds=ROUNDS, seed=0):
    """The curves of the study's picture: one seed, two-sided impulses, boostobj on LightGBM.

    Returns (x, y, grid, clean sinc, [(title, [(label, prediction on grid), ...]), ...],
    the picture's title): the arguments of ``boostobj.cli.pictures.sinc_figure`` after its path.
    """
    X, y, X_grid, _ = make_data(seed, "two-sided")
    groups = [
        ("data: sinc + noise + 10% impulses", []),
        ("L2 vs L1", [("squared_error", "L2"), ("absolute_error", "L1")]),
        ("Huber δ = 4, 2, 1 and auto", [("huber:delta=4", "δ = 4"), ("huber:delta=2", "δ = 2"),
                                        ("huber:delta=1", "δ = 1"), ("huber", "δ = auto")]),
        ("quantiles 0.5, 0.1, 0.9", [(f"quantile:alpha={a}", f"α = {a}") for a in (0.5, 0.1, 0.9)]),
    ]
    curves = [(title, [(label, fit_predict("lightgbm", spec, X, y, X_grid, rounds))
                       for spec, label in models]) for title, models in groups]
    title = (f"boostobj losses on LightGBM, {rounds} trees, seed {seed} (impulses beyond the "
             "axes not shown)")
    return X[:, 0], y, X_grid[:, 0], sinc(X_grid[:, 0]), curves, title
