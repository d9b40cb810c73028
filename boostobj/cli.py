"""The ``boostobj`` command line (also ``python -m boostobj``).

    boostobj losses                      the table of every loss
    boostobj intervals DATA.csv ...      prediction intervals on your CSV, with a report
    boostobj fit DATA.csv ...            train with any loss, report a held-out split, save
    boostobj predict MODEL NEW.csv       predict new rows with a saved model
    boostobj compare                     the robust-loss study on noisy sinc data
    boostobj plot-losses [NAMES...]      loss, gradient and hessian curves
    boostobj demo                        prediction intervals on the shipped diamonds data

Every failure prints one line and exits with status 2 (``--traceback`` shows the whole
story instead). The commands that read a CSV live in ``_cli_csv``; the boosters are imported
by the commands that use them only.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys

from ._cli_csv import (
    POSITIVE_INT,
    CommandError,
    add_data_arguments,
    add_loss_module_argument,
    add_out_argument,
    check_plotting,
    cmd_fit,
    cmd_intervals,
    cmd_predict,
    load_loss_modules,
    number_type,
    out_dir,
)
from ._progress import Progress
from .losses import available_losses, example_loss, get_loss, loss_class


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
    lines = ["| loss | aliases | parameters | link | XGBoost twin | LightGBM twin "
             "| hessian given to the booster |",
             "|---|---|---|---|---|---|---|"]
    for name in available_losses():
        cls = loss_class(name)
        xgb_twin = cls.builtin_twins.get("xgboost", "")
        lgb_twin = cls.builtin_twins.get("lightgbm", "")
        aliases = ", ".join(f"`{a}`" for a in cls.aliases) or "—"
        if "hessian" in cls.parameters and name in ("softmax", "soft_label", "kl_divergence"):
            hessian = "K/(K−1) × exact (`hessian=exact`, `doubled`)"
        elif "hessian" in cls.parameters and _instance(cls).grouped:
            hessian = "exact (`hessian=doubled` available)"
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
    return example_loss(cls.name)


def _code(text):
    return f"`{text}`" if text else "—"


def cmd_losses(args):
    print(loss_table_markdown(), end="")
    print("\n* both re-fit each leaf to the weighted quantile of its residuals (leaf renewal); "
          "the built-ins interpolate between order statistics, boostobj takes the exact "
          "minimiser.\n† LightGBM's huber gives its trees h = 1 and keeps a fixed δ; boostobj "
          "gives the IRLS weight g/r and renews the leaves.\n‡ with `hessian=doubled` "
          "(XGBoost's 2p(1−p)); the default K/(K−1)·p(1−p) is LightGBM's. For "
          "pairwise_logistic: XGBoost's rank:pairwise over all pairs without normalisation "
          "gives twice RankNet's hessian.\nlistwise_softmax, pairwise_logistic and "
          "pairwise_hinge are ranking losses: one loss per query group (group= / qid=).")
    return 0


# --- compare --------------------------------------------------------------------------------

def cmd_compare(args):
    from . import _robust_study as study

    check_plotting(args)
    contaminations = study.CONTAMINATIONS if args.contamination == "both" else (
        args.contamination,)
    boosters = study.BOOSTERS if args.booster == "both" else (args.booster,)
    print(f"noisy sinc, {study.N_TRAIN:,} rows, 10% impulses; {args.rounds} trees per model; "
          f"{args.seeds} seeds; {', '.join(boosters)}; ×1 and ×1000 target scale")
    with Progress(args.seeds * len(contaminations), "seeds") as progress:
        summaries = study.run(args.seeds, contaminations, args.rounds, boosters,
                              jobs=args.jobs, progress=progress)
    for contamination, summary in summaries.items():
        print(study.table(summary, contamination))
    if not args.no_plot:
        from .plots import sinc_figure

        with Progress(None, "fitting the picture's models"):
            panels = study.panels(args.rounds)
        path = sinc_figure(out_dir(args) / "robust_sinc.png", *panels)
        print(f"wrote {path}")
    return 0


# --- plot-losses ----------------------------------------------------------------------------

def cmd_plot_losses(args):
    from .plots import DEFAULT_CURVES, loss_figure

    load_loss_modules(args)
    for spec in args.names:
        get_loss(spec)  # unknown names and parameters: one line listing the valid ones
    check_plotting(args)
    path = loss_figure(out_dir(args) / args.file, args.names or DEFAULT_CURVES)
    print(f"wrote {path}")
    return 0


# --- demo -----------------------------------------------------------------------------------

def cmd_demo(args):
    from . import _interval_demo as demo

    check_plotting(args)
    with Progress(args.splits * len(demo.METHODS), "") as progress:
        means, (y_test, intervals), about = demo.run(args.splits, args.rows, args.threads,
                                                     progress)
    print(about)
    print(demo.table(means))
    ours = means["boostobj on LightGBM, mondrian"]
    builtin = means["LightGBM built-in quantile"]
    cqr = means["CQR on LightGBM built-in"]
    print(f"\nboostobj's calibrated intervals cover {ours[0]:.3f} of held-out prices (target "
          f"0.900), and {ours[1]:.3f}-{ours[2]:.3f} within each tenth of the predicted prices; "
          f"LightGBM's built-in quantile models {builtin[0]:.3f} ({builtin[1]:.3f}-"
          f"{builtin[2]:.3f}), CQR on them {cqr[0]:.3f} ({cqr[1]:.3f}-{cqr[2]:.3f}). Interval "
          "score: the width plus each miss's distance / 0.05, in USD, lower is better.")
    if not args.no_plot:
        from .plots import intervals_figure

        shown = {name: intervals[name] for name in ("boostobj on LightGBM, mondrian",
                                                    "LightGBM built-in quantile",
                                                    "CQR on LightGBM built-in")}
        path = intervals_figure(out_dir(args) / "demo_intervals.png", y_test, shown,
                                demo.LEVELS, target_name="price (USD)")
        print(f"wrote {path}")
    return 0


# --- the parser ----------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (``boostobj CMD: error: ...``), exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _command(commands, name, run, summary, description, examples):
    parser = commands.add_parser(
        name, help=summary, description=description,
        epilog="examples:\n" + "\n".join(f"  {line}" for line in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)
    return parser


def build_parser():
    parser = _Parser(
        prog="boostobj", description="Loss functions for gradient boosting with XGBoost and "
        "LightGBM. `boostobj COMMAND --help` describes each command.")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the full traceback instead of one line")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)

    _command(commands, "losses", cmd_losses, "print the table of every loss",
             "The table of every loss: name, aliases, parameters with defaults, link, the "
             "built-in twins in XGBoost and LightGBM, and the hessian given to the booster.",
             ["boostobj losses"])

    intervals = _command(
        commands, "intervals", cmd_intervals,
        "prediction intervals on a CSV, with a held-out report, a CSV and a PNG",
        "Fit boostobj's QuantileIntervalRegressor (one quantile model per level, calibrated on "
        "rows the models did not see) on a held-out split of DATA.csv; print coverage, mean "
        "width, interval score and each level's pinball loss on the held-out rows; write "
        "those rows' predictions with their intervals as CSV and a PNG of the intervals "
        "against the truth. Text columns become integer codes; rows without a target are "
        "left out.",
        ["boostobj intervals datasets/mcycle.csv --target accel",
         "boostobj intervals prices.csv --target price --levels 0.1 0.5 0.9 --booster xgboost",
         "boostobj intervals small.csv --target y --calibration cv+"])
    add_data_arguments(intervals, "trees", 400, 0.05)
    intervals.add_argument("--levels", type=float, nargs="+", default=[0.05, 0.95],
                           metavar="LEVEL", help="quantile levels; the interval runs from the "
                           "lowest to the highest (default 0.05 0.95)")
    intervals.add_argument("--model", default=None, metavar="PATH", help="where to save the "
                           "fitted model (default DIR/<data>_intervals.joblib)")
    intervals.add_argument("--calibration", choices=("mondrian", "conformal", "scaled", "cv+",
                                                     "none"),
                           default="mondrian", help="mondrian (default): a quarter of the rows "
                           "calibrates, within bins of the prediction (one per 500 of those "
                           "rows, at most 10); conformal: one shift per level; scaled: shifts "
                           "in units of each row's width; cv+: every row trains and "
                           "calibrates (small data, 5x the models); none: uncalibrated")

    fit = _command(
        commands, "fit", cmd_fit, "train with any loss on a CSV, report a held-out split, "
        "save the model",
        "Train one booster with a boostobj loss on DATA.csv, print the loss and the usual "
        "metrics on a held-out split (and those of the best constant, for scale), and save "
        "the model, which plain XGBoost / LightGBM load. Binary losses take a column with two "
        "values, multiclass ones any number of classes (text or numbers). LOSS is a name or a "
        "spec with parameters: see `boostobj losses`.",
        ["boostobj fit datasets/diamonds.csv --target price --loss huber:delta=auto",
         "boostobj fit datasets/pima.csv --target type --loss focal:gamma=2 --booster xgboost "
         "--early-stopping 20",
         "boostobj fit data.csv --target y --loss quantile:alpha=0.9 --rounds 500",
         "boostobj fit queries.csv --target relevance --group qid --loss "
         "listwise_softmax:temperature=0.5"])
    add_data_arguments(fit, "rounds", 300, 0.1)
    fit.add_argument("--loss", required=True, metavar="SPEC",
                     help="loss name or spec, e.g. huber:delta=auto, focal:gamma=2")
    add_loss_module_argument(fit)
    fit.add_argument("--early-stopping", type=POSITIVE_INT, default=None, metavar="N",
                     help="set a fifth of the training rows aside and stop when the loss on "
                     "them has not improved for N rounds (default: train all --rounds)")
    fit.add_argument("--group", default=None, metavar="COL", help="the column holding each "
                     "row's query, for a ranking loss (its rows must be contiguous); whole "
                     "queries are held out, and NDCG@k, MAP@5 and MRR reported")
    fit.add_argument("--model", default=None, metavar="PATH", help="where to save the model "
                     "(default DIR/<data>_<loss>.json for XGBoost, .txt for LightGBM)")

    predict = _command(
        commands, "predict", cmd_predict, "predict new rows of a CSV with a saved model",
        "Predict every row of NEW.csv with a model that `boostobj fit` or `boostobj "
        "intervals` saved (MODEL: the model file, or its .boostobj.json). The columns are "
        "read as in training: the model's features by name (any order, other columns "
        "ignored), text values with the training codes; a text value never seen in training "
        "becomes a missing value, with a warning. Writes the id column (or the row number), "
        "then the prediction: the value (regression), the class and each class's probability "
        "(classification), the score (ranking), or every level, lower and upper (intervals).",
        ["boostobj predict boostobj-out/diamonds_huber.txt new.csv --out predictions.csv",
         "boostobj predict boostobj-out/mcycle_intervals.joblib new.csv"])
    predict.add_argument("model", metavar="MODEL", help="the saved model")
    predict.add_argument("data", metavar="NEW.csv", help="the rows to predict")
    predict.add_argument("--id-column", default=None, metavar="COL", help="the column naming "
                         "each row (default: the training CSV's id column, where present)")
    predict.add_argument("--out", dest="out_file", default="-", metavar="FILE",
                         help="where to write the predictions (default: standard output)")
    add_loss_module_argument(predict)

    compare = _command(
        commands, "compare", cmd_compare, "the robust-loss study on noisy sinc data: a table "
        "and a PNG",
        "Natekin & Knoll's (2013) robust-loss study: y = sin(x)/x with noise and 10% gross "
        "impulses, every boostobj regression loss and the built-in objectives on both "
        "boosters, scored against the clean sinc, at target scale x1 and x1000. Prints the "
        "table (mean ± sd over seeds) and writes the panels as robust_sinc.png. The README's "
        "tables are `python benchmarks/robust_sinc.py` (10 seeds, both contaminations).",
        ["boostobj compare", "boostobj compare --seeds 10 --contamination both"])
    compare.add_argument("--seeds", type=POSITIVE_INT, default=2,
                         help="data sets drawn (default 2)")
    compare.add_argument("--contamination", choices=("two-sided", "one-sided", "both"),
                         default="two-sided", help="impulses U[-5, 5] (two-sided, default) or "
                         "U[0, 5] (one-sided)")
    compare.add_argument("--booster", choices=("lightgbm", "xgboost", "both"), default="both")
    compare.add_argument("--rounds", type=POSITIVE_INT, default=500,
                         help="trees per model (default 500)")
    compare.add_argument("--jobs", type=POSITIVE_INT, default=os.cpu_count() or 1,
                         help="seeds run in parallel processes (default: the cores)")
    add_out_argument(compare)

    plot = _command(
        commands, "plot-losses", cmd_plot_losses, "loss, gradient and hessian curves to a PNG",
        "Draw each loss's value, gradient and the hessian given to the booster against the "
        "residual y - f (regression), the raw score (log link, y = 1) or the margin "
        "(classification), one panel each. 'auto' scales are set to 1. Without NAMES: the "
        "regression and binary losses.",
        ["boostobj plot-losses", "boostobj plot-losses huber:delta=1 cauchy absolute_error"])
    plot.add_argument("names", nargs="*", metavar="NAMES", help="loss names or specs")
    add_loss_module_argument(plot)
    plot.add_argument("--file", default="losses.png", help="file name (default losses.png)")
    add_out_argument(plot, plots=False)
    plot.set_defaults(no_plot=False)

    demo = _command(
        commands, "demo", cmd_demo, "prediction intervals on the shipped diamonds data, "
        "against the built-in quantile objectives",
        "The main job on shipped data: 90% prediction intervals for diamond prices (53,940 "
        "rows) from boostobj's QuantileIntervalRegressor on LightGBM and XGBoost, beside the "
        "built-in quantile objectives and CQR on LightGBM's, over random 80/20 splits; a "
        "table and demo_intervals.png. About a minute on 2 cores.",
        ["boostobj demo", "boostobj demo --splits 1 --out /tmp/demo"])
    demo.add_argument("--splits", type=POSITIVE_INT, default=3, help="random splits (default 3)")
    demo.add_argument("--rows", type=number_type(int, 100, True), default=None,
                      help="use a random subset of the rows (at least 100)")
    demo.add_argument("--threads", type=POSITIVE_INT, default=2,
                      help="threads per booster (default 2)")
    add_out_argument(demo)
    return parser


def main(argv=None):
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already printed as one line
        return done.code

    try:
        return args.run(args)
    except BrokenPipeError:  # `boostobj ... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"boostobj {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - every failure is one line and exit status 2
        if args.traceback:
            raise
        lines = [line for line in str(error).strip().splitlines() if line.strip()]
        known = isinstance(error, (CommandError, ValueError, OSError, ImportError))
        text = lines[0] if lines else type(error).__name__
        if not known:  # not one of ours: say what it is, and how to see more
            text = (f"{type(error).__name__}: {text} (an unexpected error: --traceback shows "
                    "where)")
        print(f"boostobj {args.command}: error: {text}", file=sys.stderr)
        return 2
