"""``boostobj demo``: the main job on shipped data, 90% prediction intervals for diamond
prices (``interval_demo``) beside the boosters' built-in quantile objectives."""

from __future__ import annotations

from .arguments import (
    POSITIVE_INT,
    add_command_parser,
    add_out_argument,
    check_plotting,
    number_type,
    out_dir,
)
from .progress import Progress

__all__ = ["add_command", "run"]


def add_command(commands):
    """The ``demo`` command's parser."""
    parser = add_command_parser(
        commands, "demo", run, "prediction intervals on the shipped diamonds data, "
        "against the built-in quantile objectives",
        "The main job on shipped data: 90% prediction intervals for diamond prices (53,940 "
        "rows) from boostobj's QuantileIntervalRegressor on LightGBM and XGBoost, beside the "
        "built-in quantile objectives and CQR on LightGBM's, over random 80/20 splits; a "
        "table and demo_intervals.png. About 4 minutes on 2 cores.",
        ["boostobj demo", "boostobj demo --splits 1 --out /tmp/demo"])
    parser.add_argument("--splits", type=POSITIVE_INT, default=3, help="random splits (default 3)")
    parser.add_argument("--rows", type=number_type(int, 100, True), default=None,
                        help="use a random subset of the rows (at least 100)")
    parser.add_argument("--threads", type=POSITIVE_INT, default=2,
                        help="threads per booster (default 2)")
    add_out_argument(parser)


def run(args):
    """Run the demo, print its table and draw its picture."""
    # The study and its boosters load with the command that runs it.
    from .interval_demo import LEVELS, METHODS, run_demo, table

    check_plotting(args)
    with Progress(args.splits * len(METHODS), "") as progress:
        means, (y_test, intervals), about = run_demo(args.splits, args.rows, args.threads,
                                                     progress)
    print(about)
    print(table(means))
    ours = means["boostobj on LightGBM, mondrian"]
    builtin = means["LightGBM built-in quantile"]
    cqr = means["CQR on LightGBM built-in"]
    print(f"\nboostobj's calibrated intervals cover {ours[0]:.3f} of held-out prices (target "
          f"0.900), and {ours[1]:.3f}-{ours[2]:.3f} within each tenth of the predicted prices; "
          f"LightGBM's built-in quantile models {builtin[0]:.3f} ({builtin[1]:.3f}-"
          f"{builtin[2]:.3f}), CQR on them {cqr[0]:.3f} ({cqr[1]:.3f}-{cqr[2]:.3f}). Interval "
          "score: the width plus each miss's distance / 0.05, in USD, lower is better.")
    if not args.no_plot:
        from .pictures import intervals_figure

        shown = {name: intervals[name] for name in ("boostobj on LightGBM, mondrian",
                                                    "LightGBM built-in quantile",
                                                    "CQR on LightGBM built-in")}
        path = intervals_figure(out_dir(args) / "demo_intervals.png", y_test, shown,
                                LEVELS, target_name="price (USD)")
        print(f"wrote {path}")
    return 0
