"""The ``boostobj`` command line.

    boostobj losses     the table of every loss
    boostobj demo       the main job on shipped data: boostobj losses against the built-ins
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time

import numpy as np

from . import datasets
from .losses import available_losses, get_loss, loss_class

# Built-in objectives that are the same loss (see the parity tests for the exact settings).
BUILTIN_TWINS = {
    "squared_error": ("reg:squarederror", "regression"),
    "absolute_error": ("reg:absoluteerror*", "regression_l1*"),
    "huber": ("", "huber†"),
    "pseudo_huber": ("reg:pseudohubererror", ""),
    "quantile": ("reg:quantileerror*", "quantile*"),
    "fair": ("", "fair"),
    "poisson": ("count:poisson", "poisson"),
    "gamma": ("reg:gamma", "gamma"),
    "tweedie": ("reg:tweedie", "tweedie"),
    "logistic": ("binary:logistic", "binary"),
    "weighted_logistic": ("binary:logistic + scale_pos_weight", "binary + scale_pos_weight"),
    "softmax": ("multi:softprob‡", "multiclass"),
    "soft_label": ("multi:softprob‡", "multiclass"),
}


def _defaults(cls):
    parameters = inspect.signature(cls.__init__).parameters
    try:
        cls()
        required = set()
    except ValueError as error:  # the message names the parameter that must be given
        required = {name for name in cls.parameters if name in str(error)}
    shown = []
    for name in cls.parameters:
        default = parameters[name].default
        shown.append(f"`{name}` (required)" if name in required else f"`{name}`={default!r}")
    return ", ".join(shown) or "—"


def loss_table_markdown():
    """The README's loss table, generated from the registry."""
    lines = ["| loss | aliases | parameters | link | XGBoost twin | LightGBM twin | hessian given to the booster |",
             "|---|---|---|---|---|---|---|"]
    for name in available_losses():
        cls = loss_class(name)
        xgb_twin, lgb_twin = BUILTIN_TWINS.get(name, ("", ""))
        aliases = ", ".join(f"`{a}`" for a in cls.aliases) or "—"
        if "hessian" in cls.parameters and name in ("softmax", "soft_label", "kl_divergence"):
            hessian = "K/(K−1) × exact (`hessian=exact`, `doubled`)"
        elif "hessian" in cls.parameters:
            hessian = "IRLS g/r (`hessian=exact` available)"
        else:
            hessian = "exact" if cls.exact_hessian else "stand-in"
        if _instance(cls).renews_leaves:
            hessian += "; leaves renewed"
        link = _instance(cls).link.name
        lines.append(f"| `{name}` | {aliases} | {_defaults(cls)} | {link} | "
                     f"{_code(xgb_twin)} | {_code(lgb_twin)} | {hessian} |")
    return "\n".join(lines) + "\n"


def _instance(cls):
    required = {"truncated_squared": {"threshold": 1.0}}
    return cls(**required.get(cls.name, {}))


def _code(text):
    return f"`{text}`" if text else "—"


def cmd_losses(args):
    print(loss_table_markdown(), end="")
    print("\n* both re-fit each leaf to the weighted quantile of its residuals (leaf renewal); "
          "the built-ins interpolate between order statistics, boostobj takes the exact "
          "minimiser.\n† LightGBM's huber gives its trees h = 1 and keeps a fixed δ; boostobj "
          "gives the IRLS weight g/r and renews the leaves.\n‡ with `hessian=doubled` "
          "(XGBoost's 2p(1−p)); the default K/(K−1)·p(1−p) is LightGBM's.")
    return 0


# --- demo -----------------------------------------------------------------------------------

DEMO_LOSSES = [
    # (boostobj spec, XGBoost built-in params or None, LightGBM built-in params or None)
    ("squared_error", {"objective": "reg:squarederror"}, {"objective": "regression"}),
    ("huber", None, {"objective": "huber", "alpha": 500.0}),
    ("pseudo_huber:delta=500,hessian=exact",
     {"objective": "reg:pseudohubererror", "huber_slope": 500.0}, None),
    ("fair", None, None),
    ("fair:c=500,hessian=exact", None, {"objective": "fair", "fair_c": 500.0}),
    ("cauchy", None, None),
    ("absolute_error", {"objective": "reg:absoluteerror"}, {"objective": "regression_l1"}),
    ("quantile:alpha=0.9", {"objective": "reg:quantileerror", "quantile_alpha": 0.9},
     {"objective": "quantile", "alpha": 0.9}),
    ("poisson", {"objective": "count:poisson", "max_delta_step": 0.0},
     {"objective": "poisson", "poisson_max_delta_step": 1e-12}),
    ("gamma", {"objective": "reg:gamma"}, {"objective": "gamma"}),
    ("tweedie:power=1.5", {"objective": "reg:tweedie", "tweedie_variance_power": 1.5},
     {"objective": "tweedie", "tweedie_variance_power": 1.5}),
]


def _split(n, seed, test_fraction=0.2):
    order = np.random.default_rng(seed).permutation(n)
    cut = int(n * (1 - test_fraction))
    return order[:cut], order[cut:]


def _fit_xgboost(loss, builtin, X_train, y_train, X_test, rounds, threads):
    import xgboost as xgb

    from . import xgboost as bx

    params = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": threads}
    dtrain, dtest = xgb.DMatrix(X_train, y_train), xgb.DMatrix(X_test)
    start = time.perf_counter()
    if builtin is None:
        booster = bx.train(loss, params, dtrain, rounds)
    else:
        booster = xgb.train({**params, **builtin}, dtrain, rounds)
    seconds = time.perf_counter() - start
    return booster.predict(dtest, output_margin=True), seconds


def _fit_lightgbm(loss, builtin, X_train, y_train, X_test, rounds, threads):
    import lightgbm as lgb

    from . import lightgbm as bl

    params = {"num_leaves": 63, "learning_rate": 0.1, "verbose": -1, "num_threads": threads}
    start = time.perf_counter()
    if builtin is None:
        booster = bl.train(loss, params, lgb.Dataset(X_train, y_train), rounds)
    else:
        booster = lgb.train({**params, **builtin}, lgb.Dataset(X_train, y_train), rounds)
    seconds = time.perf_counter() - start
    return booster.predict(X_test, raw_score=True), seconds


def run_demo(rounds=300, threads=2, seed=0, rows=None, out=None):
    out = out or sys.stdout
    data = datasets.load("diamonds")
    X, y = data.X, data.y
    if rows:
        keep = np.random.default_rng(seed).permutation(y.size)[:rows]
        X, y = X[keep], y[keep]
    train, test = _split(y.size, seed)
    print(f"diamonds: {y.size:,} rows, target price (USD); {train.size:,} train / "
          f"{test.size:,} test; {rounds} rounds, learning rate 0.1", file=out)
    header = (f"{'loss':<38} {'booster':<9} {'objective':<9} {'test RMSE':>10} {'test MAE':>9} "
              f"{'test loss':>12} {'fit s':>6}")
    print(header, file=out)
    print("-" * len(header), file=out)
    rows_out = []
    for spec, xgb_builtin, lgb_builtin in DEMO_LOSSES:
        loss = get_loss(spec)
        for booster, builtin, fit in (("xgboost", xgb_builtin, _fit_xgboost),
                                      ("lightgbm", lgb_builtin, _fit_lightgbm)):
            for label, params in (("boostobj", None), ("built-in", builtin)):
                if label == "built-in" and params is None:
                    continue
                raw, seconds = fit(loss, params, X[train], y[train], X[test], rounds, threads)
                prediction = loss.predict(raw)
                rmse = float(np.sqrt(np.mean((y[test] - prediction) ** 2)))
                mae = float(np.mean(np.abs(y[test] - prediction)))
                value = loss.metric(y[test], raw)
                rows_out.append((spec, booster, label, rmse, mae, value, seconds))
                print(f"{spec:<38} {booster:<9} {label:<9} {rmse:>10.1f} {mae:>9.1f} "
                      f"{value:>12.5g} {seconds:>6.2f}", file=out, flush=True)
    return rows_out


def cmd_demo(args):
    run_demo(rounds=args.rounds, threads=args.threads, seed=args.seed, rows=args.rows)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="boostobj", description="Loss functions for gradient "
                                     "boosting with XGBoost and LightGBM.")
    commands = parser.add_subparsers(dest="command", required=True)
    losses = commands.add_parser("losses", help="print the table of every loss")
    losses.set_defaults(run=cmd_losses)
    demo = commands.add_parser("demo", help="train every regression loss on the shipped diamonds "
                               "data with both boosters, beside the built-in objectives")
    demo.add_argument("--rounds", type=int, default=300, help="boosting rounds (default 300)")
    demo.add_argument("--threads", type=int, default=2, help="threads per booster (default 2)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    demo.add_argument("--rows", type=int, default=None, help="subsample this many rows")
    demo.set_defaults(run=cmd_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
