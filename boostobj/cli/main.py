"""The ``boostobj`` command (also ``python -m boostobj``): the parser of every command and
``main``, which runs one and turns every failure into one line and exit status 2."""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from .._numerics import available_cpus, kernels
from . import compare, demo, fit, intervals, losses, plot_losses, predict
from .errors import CommandError

__all__ = ["build_parser", "COMMANDS", "main"]

# The commands, in the order ``boostobj --help`` lists them; each module adds its parser.
COMMANDS = (losses, intervals, fit, predict, compare, plot_losses, demo)


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (``boostobj CMD: error: ...``), exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    """The parser of ``boostobj``: ``--traceback``, ``--version`` and a subparser per command,
    whose ``run`` default carries it out."""
    parser = _Parser(
        prog="boostobj", description="Loss functions for gradient boosting with XGBoost and "
        "LightGBM. `boostobj COMMAND --help` describes each command.")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the full traceback instead of one line")
    parser.add_argument("--version", action="version",
                        version=f"boostobj {__version__} ({kernels()} kernels)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)
    for command in COMMANDS:
        command.add_command(commands)
    return parser


def _set_wait_policy():
    """``OMP_WAIT_POLICY=PASSIVE`` for the engines, which this process loads later, where the
    machine is busy: the 1-minute load average at or above its CPU count, and no policy set.

    The engines' OpenMP threads spin between parallel regions by default. On a machine
    boostobj has to itself that is the fastest (a passive wait made the interval estimator
    3x slower at 43,000 rows and 4.6x at 3,000, on 2 threads), but where other processes
    want the cores the spinning threads take them from them and from boostobj's own
    kernels (with one core busy a passive wait was 1.6-2.6x faster): the benchmarks'
    speed section.
    """
    if "OMP_WAIT_POLICY" in os.environ or not hasattr(os, "getloadavg"):
        return
    try:
        load = os.getloadavg()[0]
    except OSError:
        return
    if load >= available_cpus():
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


def main(argv=None):
    """Run ``boostobj`` with ``argv`` (default: the process's arguments).

    Returns the exit status: 0 on success, 2 for any failure (printed as one line
    ``boostobj COMMAND: error: ...`` unless ``--traceback``), 130 when interrupted.
    """
    _set_wait_policy()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed
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
