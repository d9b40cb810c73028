"""``boostobj compare``: the robust-loss study on noisy sinc data (``robust_study``), a
table of every loss's error against the clean curve and a picture of the fits."""

from __future__ import annotations

import os

from .arguments import POSITIVE_INT, add_command_parser, add_out_argument, check_plotting, out_dir
from .progress import Progress

__all__ = ["add_command", "run"]


def add_command(commands):
    """The ``compare`` command's parser."""
    parser = add_command_parser(
        commands, "compare", run, "the robust-loss study on noisy sinc data: a table "
        "and a PNG",
        "Natekin & Knoll's (2013) robust-loss study: y = sin(x)/x with noise and 10% gross "
        "impulses, every boostobj regression loss and the built-in objectives on both "
        "boosters, scored against the clean sinc, at target scale x1 and x1000. Prints the "
        "table (mean ± sd over seeds) and writes the panels as robust_sinc.png. The benchmark "
        "tables are `python benchmarks/robust_sinc.py` (10 seeds, both contaminations).",
        ["boostobj compare", "boostobj compare --seeds 10 --contamination both"])
    parser.add_argument("--seeds", type=POSITIVE_INT, default=2,
                        help="data sets drawn (default 2)")
    parser.add_argument("--contamination", choices=("two-sided", "one-sided", "both"),
                        default="two-sided", help="impulses U[-5, 5] (two-sided, default) or "
                        "U[0, 5] (one-sided)")
    parser.add_argument("--booster", choices=("lightgbm", "xgboost", "both"), default="both")
    parser.add_argument("--rounds", type=POSITIVE_INT, default=500,
                        help="trees per model (default 500)")
    parser.add_argument("--jobs", type=POSITIVE_INT, default=os.cpu_count() or 1,
                        help="seeds run in parallel processes (default: the cores)")
    add_out_argument(parser)


def run(args):
    """Run the study, print its tables and draw its panels."""
    # The study and its boosters load with the command that runs it.
    from .robust_study import BOOSTERS, CONTAMINATIONS, N_TRAIN, panels, run_study, table

    check_plotting(args)
    contaminations = CONTAMINATIONS if args.contamination == "both" else (
        args.contamination,)
    boosters = BOOSTERS if args.booster == "both" else (args.booster,)
    print(f"noisy sinc, {N_TRAIN:,} rows, 10% impulses; {args.rounds} trees per model; "
          f"{args.seeds} seeds; {', '.join(boosters)}; ×1 and ×1000 target scale")
    with Progress(args.seeds * len(contaminations), "seeds") as progress:
        summaries = run_study(args.seeds, contaminations, args.rounds, boosters,
                              jobs=args.jobs, progress=progress)
    for contamination, summary in summaries.items():
        print(table(summary, contamination))
    if not args.no_plot:
        from .pictures import sinc_figure

        with Progress(None, "fitting the picture's models"):
            curves = panels(args.rounds)
        path = sinc_figure(out_dir(args) / "robust_sinc.png", *curves)
        print(f"wrote {path}")
    return 0
