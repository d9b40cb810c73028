"""``boostobj plot-losses [NAMES...]``: each loss's value, gradient and the hessian given
to the booster against the residual, the raw score or the margin, one panel each."""

from __future__ import annotations

from ..losses import get_loss
from .arguments import (
    add_command_parser,
    add_loss_module_argument,
    add_out_argument,
    check_plotting,
    load_loss_modules,
    out_dir,
)

__all__ = ["add_command", "run"]


def add_command(commands):
    """The ``plot-losses`` command's parser."""
    parser = add_command_parser(
        commands, "plot-losses", run, "loss, gradient and hessian curves to a PNG",
        "Draw each loss's value, gradient and the hessian given to the booster against the "
        "residual y - f (regression), the raw score (log link, y = 1) or the margin "
        "(classification), one panel each. 'auto' scales are set to 1. Without NAMES: the "
        "regression and binary losses.",
        ["boostobj plot-losses", "boostobj plot-losses huber:delta=1 cauchy absolute_error"])
    parser.add_argument("names", nargs="*", metavar="NAMES", help="loss names or specs")
    add_loss_module_argument(parser)
    parser.add_argument("--file", default="losses.png", help="file name (default losses.png)")
    add_out_argument(parser, plots=False)
    parser.set_defaults(no_plot=False)


def run(args):
    """Draw the curves of the named losses (or the default set) to a PNG."""
    from .pictures import DEFAULT_CURVES, loss_figure

    load_loss_modules(args)
    for spec in args.names:
        get_loss(spec)  # unknown names and parameters: one line listing the valid ones
    check_plotting(args)
    path = loss_figure(out_dir(args) / args.file, args.names or DEFAULT_CURVES)
    print(f"wrote {path}")
    return 0
