"""The command line's options: the argument types, the options the commands share, loss
modules of the user's own, and the booster parameters the options make."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from .errors import CommandError

__all__ = ["add_command_parser", "add_data_arguments", "add_loss_module_argument",
           "add_out_argument", "booster_params", "check_param_names", "check_plotting",
           "DEFAULT_OUT", "file_label", "given_params", "input_files", "leaf_params",
           "load_loss_modules", "number_type", "out_dir", "POSITIVE_INT"]

DEFAULT_OUT = "boostobj-out"


def load_loss_modules(args):
    """Run each ``--loss-module`` file, which registers its losses (``register_loss``)."""
    import importlib.util

    for index, name in enumerate(getattr(args, "loss_module", None) or []):
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"--loss-module {path}: no such file")
        spec = importlib.util.spec_from_file_location(f"_boostobj_loss_module_{index}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:  # noqa: BLE001 - the user's code: name the file
            message = f"--loss-module {path}: {type(error).__name__}: {error}"
            raise CommandError(message) from None


def add_loss_module_argument(parser):
    """``--loss-module FILE`` (repeatable): files that register losses of the user's own."""
    parser.add_argument("--loss-module", action="append", default=[], metavar="FILE",
                        help="a Python file that registers losses of your own with "
                        "boostobj.register_loss, so --loss can name them (repeatable)")


def out_dir(args):
    """The ``--out`` folder, made where it is missing."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def check_plotting(args):
    """Fail before any training when a picture is asked for and matplotlib is missing."""
    if args.no_plot:
        return
    from .pictures import PlottingUnavailable, check_available

    try:
        check_available()
    except PlottingUnavailable as error:
        raise CommandError(f"{error} (or pass --no-plot)") from None


def number_type(kind, low, inclusive):
    """An argparse type: a finite number of ``kind`` above (or from) ``low``."""
    def convert(text):
        """``text`` as the number, or the argparse error saying why not."""
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole' if kind is int else 'a'}"
                                             " number") from None
        if not np.isfinite(value) or value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"{text!r}: must be {'>=' if inclusive else '>'} "
                                             f"{low}")
        return value
    return convert


POSITIVE_INT = number_type(int, 1, True)


_NON_NEGATIVE_INT = number_type(int, 0, True)


_POSITIVE = number_type(float, 0.0, False)


def _share(text):
    """An argparse type: a number strictly between 0 and 1."""
    value = number_type(float, 0.0, False)(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be between 0 and 1")
    return value


def _booster_param(text):
    """``KEY=VALUE`` -> (key, value typed as the boosters parse it: int, float, bool, a list
    for ``[1,0,-1]`` or ``(1,0,-1)``, text)."""
    key, eq, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not eq or not key or not value:
        raise argparse.ArgumentTypeError(f"{text!r} is not of the form KEY=VALUE")
    if value.lower() in ("true", "false"):
        return key, value.lower() == "true"
    if value[0] in "[(" and value[-1] in ")]":
        # A list: LightGBM would read the text "[1,0,0]" as no constraint at all.
        import ast

        try:
            items = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            items = None
        items = [items] if isinstance(items, (int, float)) else items
        if not isinstance(items, (list, tuple)) or not all(
                isinstance(item, (int, float)) and not isinstance(item, bool) for item in items):
            raise argparse.ArgumentTypeError(f"{text!r}: a list must hold numbers, like "
                                             f"{key}=[1,0,-1]")
        return key, list(items)
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


def add_data_arguments(parser, rounds_default, learning_rate, rounds_help="boosting rounds"):
    """The options of a command that trains on a CSV: the file, the target and feature
    columns, the booster and its rounds (``--rounds``, also ``--trees``), learning rate,
    split, leaf size, threads and ``--param``, and ``--out``."""
    parser.add_argument("data", metavar="DATA.csv", help="a CSV file with a header line")
    parser.add_argument("--target", required=True, metavar="COL",
                        help="the column to predict")
    _add_column_arguments(parser)
    parser.add_argument("--booster", choices=("lightgbm", "xgboost"), default="lightgbm",
                        help="which booster trains the models (default lightgbm)")
    parser.add_argument("--rounds", "--trees", dest="rounds", type=POSITIVE_INT,
                        default=rounds_default, metavar="N",
                        help=f"{rounds_help} (default {rounds_default})")
    parser.add_argument("--learning-rate", type=_POSITIVE, default=learning_rate,
                        help=f"learning rate, > 0 (default {learning_rate})")
    parser.add_argument("--test-size", type=_share, default=0.2,
                        help="share of the rows held out for the report (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    parser.add_argument("--min-leaf-rows", type=_NON_NEGATIVE_INT, default=None, metavar="N",
                        help="fewest rows in a leaf (LightGBM min_child_samples, default 20; "
                        "XGBoost min_child_weight, default 1): lower it for small data")
    parser.add_argument("--threads", type=POSITIVE_INT, default=None, metavar="N",
                        help="booster threads (default: the booster's own, all cores)")
    parser.add_argument("--param", type=_booster_param, action="append", default=[],
                        metavar="KEY=VALUE", help="a booster parameter, typed as the booster "
                        "reads it (num_leaves=63, max_depth=4, subsample=0.8, ...); "
                        "repeatable; wins over the options above")
    add_out_argument(parser)


def _add_column_arguments(parser):
    """``--features``, ``--exclude`` and ``--id-column``: which columns are features."""
    parser.add_argument("--features", nargs="+", default=None, metavar="COL",
                        help="the feature columns, in this order (default: every other column)")
    parser.add_argument("--exclude", nargs="+", default=[], metavar="COL",
                        help="columns that are not features (ids, leaks, splits, ...)")
    parser.add_argument("--id-column", default=None, metavar="COL",
                        help="a column that names each row: never a feature, written beside "
                        "the predictions")


def leaf_params(booster, min_leaf_rows):
    """The booster's parameters for ``--min-leaf-rows``: fewest rows in a leaf."""
    if min_leaf_rows is None:
        return {}
    if booster == "xgboost":  # a hessian sum: one per row for the quantile loss
        return {"min_child_weight": float(min_leaf_rows)}
    # LightGBM's own min_sum_hessian_in_leaf (1e-3) stays: it counts a leaf's rows from
    # their hessians, and at 0 a leaf of rows whose hessians vanish (a ranking loss at a
    # small temperature) passes as empty, which fails its check "left_count > 0".
    return {"min_child_samples": int(min_leaf_rows)}


def add_out_argument(parser, plots=True):
    """``--out DIR`` and, for a command that draws, ``--no-plot``."""
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"folder for the files written (default ./{DEFAULT_OUT})")
    if plots:
        parser.add_argument("--no-plot", action="store_true", help="write no PNG")


def booster_params(args):
    """The booster's parameters: the command's defaults, its options, then ``--param`` (which
    replaces an option or default it names under any alias); a ``CommandError`` for a
    parameter the booster does not know (misspelt, or meant for another objective)."""
    if args.booster == "xgboost":
        params = {"max_depth": 6, "eta": args.learning_rate, "tree_method": "hist"}
        threads = "nthread"
    else:
        params = {"num_leaves": 31, "learning_rate": args.learning_rate, "verbose": -1}
        threads = "num_threads"
    params.update(leaf_params(args.booster, args.min_leaf_rows))
    if args.threads:
        params[threads] = args.threads
    given = given_params(args)
    check_param_names(args.booster, given)
    canonical = _canonical_names(args.booster)
    named = {canonical.get(key, key) for key in given}
    params = {key: value for key, value in params.items()
              if canonical.get(key, key) not in named}
    params.update(given)
    for key in ("learning_rate", "eta", "shrinkage_rate"):
        value = params.get(key)
        if value is not None and not (isinstance(value, (int, float)) and value > 0):
            raise CommandError(f"--param {key}={value!r}: the learning rate must be a number "
                               "> 0")
    return params


def given_params(args):
    """The ``--param`` values as the booster takes them: XGBoost takes a list (constraints)
    as a tuple."""
    given = dict(args.param)
    if args.booster == "xgboost":
        given = {key: tuple(value) if isinstance(value, list) else value
                 for key, value in given.items()}
    return given


def _canonical_names(booster):
    """Each parameter name and alias of ``booster`` -> the parameter's name."""
    if booster == "xgboost":
        from .._boosters.xgboost_model import PARAM_ALIASES

        return PARAM_ALIASES
    from .._boosters.lightgbm_model import param_aliases

    return param_aliases()


def check_param_names(booster, params):
    """``CommandError`` naming a ``--param`` the booster would not use, with the nearest
    names it knows."""
    if not params:
        return
    import difflib

    if booster == "xgboost":
        from .._boosters.xgboost_model import unused_params

        unknown = unused_params(params)
        known = []
    else:
        known = list(_canonical_names(booster))
        unknown = [key for key in params if key not in known]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CommandError(f"--param {key}={params[key]!r}: {booster} does not use a parameter "
                           f"{key!r}{hint}")


def file_label(loss):
    """The part of the output files' names that says which loss: its name and the
    parameters set to other than their defaults (``quantile_alpha0.9``)."""
    import inspect

    defaults = {name: parameter.default for name, parameter
                in inspect.signature(type(loss)).parameters.items()}
    parts = [loss.name]
    for name in getattr(loss, "parameters", ()):
        value = getattr(loss, name, None)
        if name in defaults and defaults[name] == value:
            continue
        text = f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(re.sub(r"[^0-9A-Za-z.+-]", "", f"{name}{text}"))
    return "_".join(parts)


def input_files(args, data=True):
    """The files a command reads, by the name its messages give them (the data CSV, unless
    ``data`` is False, and the loss modules)."""
    reads = {f"the data {args.data}": args.data} if data else {}
    for name in getattr(args, "loss_module", None) or []:
        reads[f"the loss module {name}"] = name
    return reads


def add_command_parser(commands, name, run, summary, description, examples):
    """The subparser of command ``name``, which ``run(args)`` carries out; its help shows
    ``description`` and the ``examples``."""
    parser = commands.add_parser(
        name, help=summary, description=description,
        epilog="examples:\n" + "\n".join(f"  {line}" for line in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)
    return parser
