"""The commands that read a CSV — ``fit``, ``intervals``, ``predict`` — and what every
command shares: the one-line ``CommandError``, the output folder, reading and splitting the
CSV, the options of data and boosters, training with progress and the boosters' errors
reworded, and writing predictions. ``cli`` builds the parser around them.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from . import datasets
from ._progress import Progress, lightgbm_callback, xgboost_callback
from .losses import Groups, MulticlassLoss, get_loss
from .losses._base import BinaryLabels
from .losses.multiclass import ProbabilityRows

# --- shared by the commands -------------------------------------------------------------------

DEFAULT_OUT = "boostobj-out"


class CommandError(Exception):
    """An error the user can act on: printed as one line, exit status 2."""


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
            raise CommandError(f"--loss-module {path}: {type(error).__name__}: {error}") \
                from None


def add_loss_module_argument(parser):
    parser.add_argument("--loss-module", action="append", default=[], metavar="FILE",
                        help="a Python file that registers losses of your own with "
                        "boostobj.register_loss, so --loss can name them (repeatable)")


def out_dir(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def check_plotting(args):
    """Fail before any training when a picture is asked for and matplotlib is missing."""
    if args.no_plot:
        return
    from .plots import PlottingUnavailable, check_available

    try:
        check_available()
    except PlottingUnavailable as error:
        raise CommandError(f"{error} (or pass --no-plot)") from None


def _read(args):
    """The CSV as a Dataset without the rows whose target is missing, and their row numbers.

    ``--features``, ``--exclude`` and ``--id-column`` choose the features; a ranking
    command's ``--group`` column is kept beside them (as text, in ``Dataset.split``). Warns
    about features that look like an id or a leak of the target.
    """
    path = _csv_file(args.data)
    group_column = getattr(args, "group", None)
    if group_column is not None and group_column == args.target:
        raise CommandError(f"--group {group_column!r}: the query column cannot be the target")
    if args.id_column is not None and args.id_column == args.target:
        raise CommandError(f"--id-column {args.id_column!r}: the id column cannot be the "
                           "target")
    data = datasets.read_csv(path, args.target, split_column=group_column,
                             features=args.features, exclude=args.exclude,
                             id_column=args.id_column)
    if not data.feature_names:
        raise CommandError(f"{path}: no feature columns besides the target {args.target!r}"
                           + (" and the columns left out" if args.exclude or args.id_column
                              else ""))
    present = ~np.isnan(data.y)
    if not present.any():
        raise CommandError(f"{path}: column {args.target!r} has no values")
    rows = np.flatnonzero(present)
    if rows.size < data.y.size:
        print(f"{path}: left out {data.y.size - rows.size:,} rows without a {args.target!r} "
              "value")
        data.X, data.y = data.X[rows], data.y[rows]
        for name in ("split", "ids"):
            if getattr(data, name) is not None:
                setattr(data, name, getattr(data, name)[rows])
    text_columns = [c for c in data.categories if c != args.target]
    if text_columns:
        print("text columns, coded as integers in sorted order: "
              + ", ".join(f"{c} ({len(data.categories[c])} values)" for c in text_columns))
    for warning in datasets.suspicious_features(data):
        print(f"warning: {warning}", file=sys.stderr)
    return data, rows


def _csv_file(name):
    """The path of an existing CSV file, or the one-line error."""
    path = Path(name)
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    if path.is_dir():
        raise CommandError(f"{path}: is a folder, not a CSV file")
    return path


def _numeric_target(data, path):
    if data.target_name in data.categories:
        levels = data.categories[data.target_name]
        raise CommandError(f"{path}: target column {data.target_name!r} is not numeric "
                           f"(values such as {', '.join(map(repr, levels[:3]))})")


# Fewest rows with a target the commands train and report on.
MIN_ROWS = 10


def _split(n_rows, test_size, seed):
    if not 0 < test_size < 1:
        raise CommandError(f"--test-size {test_size!r}: must be between 0 and 1")
    if n_rows < MIN_ROWS:
        raise CommandError(f"{n_rows} rows with a target: too few to train on and hold out "
                           f"(at least {MIN_ROWS})")
    n_test = int(round(test_size * n_rows))
    if n_test < 1 or n_rows - n_test < 2:
        raise CommandError(f"{n_rows} rows with a target: too few to hold out "
                           f"{test_size:.0%} and train on the rest")
    order = np.random.default_rng(seed).permutation(n_rows)
    return order[n_test:], order[:n_test]


def number_type(kind, low, inclusive):
    """An argparse type: a finite number of ``kind`` above (or from) ``low``."""
    def convert(text):
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
    value = number_type(float, 0.0, False)(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be between 0 and 1")
    return value


def _booster_param(text):
    """``KEY=VALUE`` -> (key, value typed as the boosters parse it: int, float, bool, text)."""
    key, eq, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not eq or not key or not value:
        raise argparse.ArgumentTypeError(f"{text!r} is not of the form KEY=VALUE")
    if value.lower() in ("true", "false"):
        return key, value.lower() == "true"
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


def add_data_arguments(parser, rounds_name, rounds_default, learning_rate):
    parser.add_argument("data", metavar="DATA.csv", help="a CSV file with a header line")
    parser.add_argument("--target", required=True, metavar="COL",
                        help="the column to predict")
    _add_column_arguments(parser)
    parser.add_argument("--booster", choices=("lightgbm", "xgboost"), default="lightgbm",
                        help="which booster trains the models (default lightgbm)")
    parser.add_argument(f"--{rounds_name}", type=POSITIVE_INT, default=rounds_default,
                        metavar="N", help=f"boosting rounds (default {rounds_default})")
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
    parser.add_argument("--features", nargs="+", default=None, metavar="COL",
                        help="the feature columns, in this order (default: every other column)")
    parser.add_argument("--exclude", nargs="+", default=[], metavar="COL",
                        help="columns that are not features (ids, leaks, splits, ...)")
    parser.add_argument("--id-column", default=None, metavar="COL",
                        help="a column that names each row: never a feature, written beside "
                        "the predictions")


def _leaf_params(booster, min_leaf_rows):
    if min_leaf_rows is None:
        return {}
    if booster == "xgboost":  # a hessian sum: one per row for the quantile loss
        return {"min_child_weight": float(min_leaf_rows)}
    return {"min_child_samples": int(min_leaf_rows), "min_child_weight": 0.0}


def add_out_argument(parser, plots=True):
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"folder for the files written (default ./{DEFAULT_OUT})")
    if plots:
        parser.add_argument("--no-plot", action="store_true", help="write no PNG")


# --- intervals --------------------------------------------------------------------------------

def cmd_intervals(args):
    from .intervals import QuantileIntervalRegressor
    from .metrics import coverage, interval_score, mean_width, pinball_loss

    check_plotting(args)
    if args.model is not None and Path(args.model).is_dir():
        raise CommandError(f"--model {args.model}: is a folder; give a file name")
    data, rows = _read(args)
    _numeric_target(data, args.data)
    train, test = _split(data.y.size, args.test_size, args.seed)
    calibration = None if args.calibration == "none" else args.calibration
    model = QuantileIntervalRegressor(tuple(args.levels), booster=args.booster,
                                      n_estimators=args.trees, learning_rate=args.learning_rate,
                                      calibration=calibration, n_jobs=args.threads,
                                      random_state=args.seed,
                                      **{**_leaf_params(args.booster, args.min_leaf_rows),
                                         **dict(args.param)})
    n_models = len(args.levels) * (model.cv if calibration == "cv+" else 1) + 1  # + median
    with _native_stderr_filtered() as stderr, \
            Progress(None, f"fitting {n_models} quantile models on {train.size:,} rows",
                     stream=stderr), _booster_errors(args):
        model.fit(data.X[train], data.y[train])
    X_test, y_test = data.X[test], data.y[test]
    quantiles = model.predict_quantiles(X_test)
    interval = quantiles[:, [0, -1]]
    prediction = model.predict(X_test)
    levels = [float(level) for level in model.levels_]
    nominal = levels[-1] - levels[0]
    print(f"{args.data}: {data.y.size:,} rows; {train.size:,} to fit ({args.booster}, "
          f"calibration {args.calibration}), {test.size:,} held out; levels "
          f"{', '.join(f'{level:g}' for level in levels)}")
    print(f"  coverage        {coverage(y_test, interval):.3f}   (target {nominal:.3f})")
    print(f"  mean width      {mean_width(interval):.6g}")
    print(f"  interval score  {interval_score(y_test, interval, (levels[0], levels[-1])):.6g}"
          "   (width + misses / level; lower is better)")
    for j, level in enumerate(levels):
        value = pinball_loss(y_test, quantiles[:, j], [level])
        below = float(np.mean(y_test <= quantiles[:, j]))
        print(f"  level {level:<5g}     pinball {value:.6g}, share of targets below {below:.3f}")

    out = out_dir(args)
    stem = Path(args.data).stem
    model_path = Path(args.model) if args.model else out / f"{stem}_intervals.joblib"
    model_path.parent.mkdir(parents=True, exist_ok=True)
    from ._saved_models import save_estimator

    saved = save_estimator(model_path, {
        "kind": "intervals", "booster": args.booster, "loss": "quantile",
        "target": args.target, "features": data.feature_names,
        "booster_features": data.feature_names,
        "categories": {c: v for c, v in data.categories.items() if c != args.target},
        "classes": None, "id_column": args.id_column, "levels": levels}, model)
    print(f"wrote {model_path} and {saved.name} (for `boostobj predict {model_path} NEW.csv`)")
    table_path = out / f"{stem}_intervals.csv"
    inside = (interval[:, 0] <= y_test) & (y_test <= interval[:, 1])
    values = np.column_stack([prediction, quantiles, interval, inside])
    columns = ["prediction", *(f"q{level:g}" for level in levels), "lower", "upper", "inside"]
    _write_predictions(table_path, data, test, rows[test], columns, None, values,
                       target=(data.target_name, [_number_text(v) for v in y_test]))
    named = f"named by {data.id_name!r}" if data.ids is not None else \
        "'row' counts data rows from 0"
    print(f"wrote {table_path} (held-out rows; {named})")
    if not args.no_plot:
        from .plots import intervals_figure

        one_feature = data.X.shape[1] == 1
        path = intervals_figure(out / f"{stem}_intervals.png", y_test,
                                {f"boostobj ({args.booster}, {args.calibration})": interval},
                                (levels[0], levels[-1]), prediction=prediction,
                                x=X_test[:, 0] if one_feature else None,
                                x_name=data.feature_names[0] if one_feature else None,
                                target_name=data.target_name)
        print(f"wrote {path}")
    return 0


# --- fit ----------------------------------------------------------------------------------------

def _labels(loss, data, path):
    """The target as the loss's labels, and the class names (None for regression)."""
    y, target = data.y, data.target_name
    levels = data.categories.get(target)
    if isinstance(loss.target_domain, ProbabilityRows):
        raise CommandError(f"{loss.name} takes an (n, K) matrix of class probabilities as its "
                           "label, which one CSV column cannot hold: use the Python API "
                           "(boostobj.xgboost.train, boostobj.lightgbm.train)")
    multiclass = isinstance(loss, MulticlassLoss)
    if not multiclass and not isinstance(loss.target_domain, BinaryLabels):
        if levels is not None:
            _numeric_target(data, path)
        return y, None
    if levels is None:
        values = np.unique(y)
        if multiclass and np.array_equal(values, np.arange(values.size)):
            return y, [f"{v:g}" for v in values]
        if not multiclass and (set(values) <= {0.0, 1.0} or set(values) == {-1.0, 1.0}):
            return (y > 0).astype(np.float64), ["0", "1"] if 0.0 in values else ["-1", "1"]
        codes = np.searchsorted(values, y).astype(np.float64)
        levels = [f"{v:g}" for v in values]
    else:
        present = np.unique(y).astype(int)  # rows without a target are gone
        codes = np.searchsorted(present, y).astype(np.float64)
        levels = [levels[k] for k in present]
    if not multiclass and len(levels) != 2:
        shown = ", ".join(levels[:4]) + (", ..." if len(levels) > 4 else "")
        raise CommandError(f"{loss.name} is a binary loss, but {path}: {target!r} has "
                           f"{len(levels)} distinct values ({shown}); a binary loss needs 2 "
                           "(for more classes: softmax)")
    return codes, levels


def _train(loss, args, X, y, progress, group=None, held_out=None, feature_names=None):
    """The booster trained on (X, y) (in query groups of sizes ``group`` for a ranking
    loss); with ``--early-stopping N`` a fifth of these rows (of the groups) is set aside
    to pick the round, else the loss is also followed on ``held_out`` (X, y, group) for the
    learning curve. Returns (booster, raw-score function, rounds kept, the loss per round
    of each evaluated set)."""
    valid = group_valid = None
    if args.early_stopping:
        if group is None:
            train, valid = _split(y.size, 0.2, args.seed + 1)
        else:
            groups = Groups.from_sizes(group)
            train, valid = _split_groups(groups, 0.2, args.seed + 1)
            group, group_valid = _sizes_of(groups, train), _sizes_of(groups, valid)
        X, y, X_valid, y_valid = X[train], y[train], X[valid], y[valid]
        watched = [("stopping", X_valid, y_valid, group_valid)]
    else:
        watched = [("held_out", *held_out)] if held_out is not None else []
    stopping = {"early_stopping_rounds": args.early_stopping} if valid is not None else {}
    params = _booster_params(args)
    history = {}
    if args.booster == "xgboost":
        import xgboost as xgb

        from . import xgboost as bx

        def matrix(X, y=None, group=None):
            return xgb.DMatrix(X, y, group=group, feature_names=feature_names)

        train_matrix = matrix(X, y, group)
        evals = [(train_matrix, "training")] + [
            (matrix(X_set, y_set, group_set), name) for name, X_set, y_set, group_set in watched]
        with _booster_errors(args):
            model = bx.train(loss, params, train_matrix, args.rounds, evals=evals,
                             verbose_eval=False, callbacks=[xgboost_callback(progress)],
                             evals_result=history, extra_metrics=(), **stopping)
        kept = model.best_iteration + 1 if valid is not None else args.rounds
        curves = {_CURVE_LABELS[name]: history[name][loss.name] for name in history}
        return (model, lambda X_new: model.predict(matrix(X_new), output_margin=True), kept,
                curves)
    import lightgbm as lgb

    from . import lightgbm as bl

    train_set = lgb.Dataset(X, y, group=group, feature_name=feature_names or "auto")
    sets = [lgb.Dataset(X_set, y_set, group=group_set, reference=train_set)
            for _, X_set, y_set, group_set in watched]
    with _booster_errors(args):
        model = bl.train(loss, params, train_set, args.rounds, valid_sets=[train_set, *sets],
                         valid_names=["training", *(name for name, *_ in watched)],
                         extra_metrics=(), callbacks=[lightgbm_callback(progress),
                                                      lgb.record_evaluation(history)],
                         **stopping)
    kept = model.best_iteration if valid is not None and model.best_iteration else args.rounds
    curves = {_CURVE_LABELS[name]: history[name][loss.name] for name in history}
    return model, lambda X_new: model.predict(X_new, raw_score=True), kept, curves


# The learning curve's name of each set the booster evaluates.
_CURVE_LABELS = {"training": "training rows", "held_out": "held-out rows",
                 "stopping": "rows set aside for early stopping"}


def _booster_params(args):
    """The booster's parameters: the command's defaults, its options, then ``--param``."""
    if args.booster == "xgboost":
        params = {"max_depth": 6, "eta": args.learning_rate, "tree_method": "hist"}
        threads = "nthread"
    else:
        params = {"num_leaves": 31, "learning_rate": args.learning_rate, "verbose": -1}
        threads = "num_threads"
    params.update(_leaf_params(args.booster, args.min_leaf_rows))
    if args.threads:
        params[threads] = args.threads
    params.update(dict(args.param))
    for key in ("learning_rate", "eta", "shrinkage_rate"):
        value = params.get(key)
        if value is not None and not (isinstance(value, (int, float)) and value > 0):
            raise CommandError(f"--param {key}={value!r}: the learning rate must be a number "
                               "> 0")
    return params


@contextlib.contextmanager
def _native_stderr_filtered():
    """Inside the block the process's stderr goes to a file, and afterwards back to stderr
    without the lines LightGBM's C++ code prints before raising ("[LightGBM] [Fatal] ..."),
    so a refused parameter is the one line of ``main``. Yields a stream to the real stderr
    (for the progress line). Where stderr is no file descriptor (a test's capture), nothing
    is redirected."""
    try:
        sys.stderr.flush()
        descriptor = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield sys.stderr
        return
    saved = os.dup(descriptor)
    real = os.fdopen(os.dup(saved), "w", buffering=1)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), descriptor)
        try:
            yield real
        finally:
            sys.stderr.flush()
            os.dup2(saved, descriptor)
            os.close(saved)
            real.close()
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            sys.stderr.write("".join(line for line in text.splitlines(keepends=True)
                                     if line.strip() and
                                     not line.startswith("[LightGBM] [Fatal]")))


@contextlib.contextmanager
def _booster_errors(args):
    """The boosters' own errors (a bad --param, ...) as one line naming the booster."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - XGBoostError, LightGBMError and their kin
        name = type(error).__name__  # XGBoostError is a ValueError: tell it by its name
        if args.traceback or name not in ("XGBoostError", "LightGBMError"):
            raise
        lines = [line for line in str(error).splitlines() if line.strip()]
        message = lines[0] if lines else name
        message = message.split("Check failed:")[-1].strip() if "Check failed" in message \
            else message
        message = re.sub(r" at \S+, line \d+ ?\.?$", "", message)  # the booster's source file
        given = " ".join(f"{key}={value!r}" for key, value in args.param)
        raise CommandError(f"{args.booster} refused the parameters ({given or 'the options'}):"
                           f" {message}") from None


def _held_out_scores(loss, y, raw, classes):
    """(name, value) pairs a user of this kind of loss looks at."""
    from .metrics import error_rate, log_loss, rmse

    prediction = loss.predict(raw)
    if classes is None:
        return [("RMSE", rmse(y, prediction)), ("MAE", float(np.mean(np.abs(y - prediction))))]
    scores = [("accuracy", 1.0 - error_rate(y, prediction))]
    if isinstance(loss, MulticlassLoss):
        return scores + [("log loss", log_loss(y, prediction))]
    if loss.link.name != "sign":  # a margin classifier predicts classes, not probabilities
        from sklearn.metrics import roc_auc_score

        scores += [("log loss", log_loss(y, prediction)), ("ROC AUC", roc_auc_score(y, raw))]
    return scores


def cmd_fit(args):
    load_loss_modules(args)
    loss = get_loss(args.loss)
    if loss.grouped and args.group is None:
        raise CommandError(f"{loss.name} is a ranking loss over query groups: name the "
                           "column that holds each row's query with --group COL")
    if args.group is not None and not loss.grouped:
        raise CommandError(f"--group {args.group!r} is for the ranking losses "
                           f"(listwise_softmax, pairwise_logistic, pairwise_hinge), not "
                           f"{loss.name}")
    data, rows = _read(args)
    y, classes = _labels(loss, data, args.data)
    try:
        loss.check_target(y)
    except ValueError as error:  # name the file and the column beside the loss's message
        raise CommandError(f"{args.data}: column {args.target!r} (rows counted after those "
                           f"without a value): {error}") from None
    groups = None
    if loss.grouped:
        try:
            groups = Groups.from_qid(data.split, f"{args.data}: column {args.group!r}")
        except ValueError as error:
            raise CommandError(str(error)) from None
        train, test = _split_groups(groups, args.test_size, args.seed)
    else:
        train, test = _split(y.size, args.test_size, args.seed)
    if classes is not None:
        print(f"classes: {', '.join(f'{k} = {name}' for k, name in enumerate(classes))}")
    train_groups = None if groups is None else _sizes_of(groups, train)
    test_groups = None if groups is None else _sizes_of(groups, test)
    if args.model is not None and Path(args.model).is_dir():
        raise CommandError(f"--model {args.model}: is a folder; give a file name")
    if not args.no_plot:
        check_plotting(args)
    from ._saved_models import booster_feature_names

    booster_names = booster_feature_names(data.feature_names)
    with _native_stderr_filtered() as stderr, \
            Progress(args.rounds, f"{loss.name} on {args.booster}", stream=stderr) as progress:
        model, raw_score, kept, curves = _train(
            loss, args, data.X[train], y[train], progress, train_groups,
            held_out=(data.X[test], y[test], test_groups), feature_names=booster_names)
    raw = raw_score(data.X[test])
    start = loss.init_score(y[train], **({} if groups is None else {"group": train_groups}))
    constant = np.broadcast_to(start, raw.shape)
    unit = "rows" if groups is None else "groups"
    stopped = (f", stopped at {kept} by the loss on a fifth of the training {unit}"
               if args.early_stopping else "")
    if groups is None:
        print(f"{args.data}: {y.size:,} rows; {train.size:,} to train, {test.size:,} held out; "
              f"{kept} rounds of {args.booster} at learning rate {args.learning_rate}{stopped}")
        grouping, baseline = {}, "the best constant"
    else:
        print(f"{args.data}: {y.size:,} rows in {groups.n_groups:,} groups ({args.group!r}); "
              f"{train_groups.size:,} groups to train, {test_groups.size:,} held out (whole "
              f"groups); {kept} rounds of {args.booster} at learning rate "
              f"{args.learning_rate}{stopped}")
        grouping, baseline = {"group": test_groups}, "all scores equal"
    print(f"  held-out {loss.name} loss  {loss.metric(y[test], raw, **grouping):.6g}   "
          f"({baseline}: {loss.metric(y[test], constant, **grouping):.6g})")
    scores = _held_out_scores(loss, y[test], raw, classes) if groups is None else \
        _ranking_scores(y[test], raw, test_groups)
    for name, value in scores:
        print(f"  held-out {name:<10} {value:.6g}")
    out = out_dir(args)
    stem = f"{Path(args.data).stem}_{loss.name}"
    suffix = ".json" if args.booster == "xgboost" else ".txt"
    path = Path(args.model) if args.model else out / f"{stem}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = _save_fit_model(path, args, loss, model, data, booster_names, classes)
    load = ("xgboost.Booster(model_file=...).predict(xgboost.DMatrix(X, feature_names=...))"
            if args.booster == "xgboost" else "lightgbm.Booster(model_file=...).predict(X)")
    print(f"wrote {path} ({load} gives predictions, no boostobj needed) and {saved.name} "
          f"(for `boostobj predict {path} NEW.csv`)")
    from ._saved_models import SavedModel

    saved_model = SavedModel(path)
    names, values = saved_model.predict(data.X[test])
    table = out / f"{stem}_predictions.csv"
    _write_predictions(table, data, test, rows[test], saved_model.columns(), names,
                       values, target=(args.target, _target_text(data, y[test], classes)))
    print(f"wrote {table} (the held-out rows: the predictions `boostobj predict` gives)")
    if not args.no_plot:
        from .plots import importance_figure, learning_curve_figure

        curve = learning_curve_figure(out / f"{stem}_learning_curve.png", curves, loss.name,
                                      kept if args.early_stopping else None)
        importance = importance_figure(out / f"{stem}_importance.png", data.feature_names,
                                       _gains(model, args.booster, booster_names))
        print(f"wrote {curve} and {importance}")
    return 0


def _save_fit_model(path, args, loss, model, data, booster_names, classes):
    from ._saved_models import save

    metadata = {"kind": "booster", "booster": args.booster, "loss": loss.spec,
                "target": args.target, "features": data.feature_names,
                "booster_features": booster_names,
                "categories": {c: v for c, v in data.categories.items() if c != args.target},
                "classes": classes, "id_column": args.id_column,
                "group_column": getattr(args, "group", None)}
    return save(path, metadata, lambda temporary: model.save_model(temporary))


def _gains(model, booster, booster_names):
    """Each feature's total split gain in the model."""
    if booster == "xgboost":
        gain = model.get_score(importance_type="total_gain")
        return np.array([gain.get(name, 0.0) for name in booster_names])
    return np.asarray(model.feature_importance(importance_type="gain"), dtype=np.float64)


def _target_text(data, y, classes):
    """The target of these rows as written in the CSV (class names for classification)."""
    if classes is None:
        return [_number_text(value) for value in y]
    return [classes[int(code)] for code in y]


def _number_text(value):
    """A float with 7 significant digits (the precision the boosters compute in), as text."""
    return "" if not np.isfinite(value) else f"{value:.7g}"


def _write_predictions(path, data, positions, rows, columns, names, values, target=None):
    """A CSV of the predictions of ``data``'s rows at ``positions`` (data row numbers
    ``rows``): the id column (or the row number), the target if known, the class
    (classification) and the prediction columns; written atomically, or to stdout for
    ``path`` "-"."""
    from ._saved_models import write_atomically

    header = [data.id_name] if data.ids is not None else ["row"]
    if target is not None:
        header.append(target[0])
    header += columns
    offset = 0 if names is None else 1

    def write_rows(handle):
        writer = csv.writer(handle)
        writer.writerow(header)
        for i, (position, row) in enumerate(zip(positions, rows, strict=True)):
            line = [data.ids[position] if data.ids is not None else int(row)]
            if target is not None:
                line.append(target[1][i])
            if names is not None:
                line.append(names[i])
            line += [_number_text(v) for v in values[i, :len(columns) - offset]]
            writer.writerow(line)

    if str(path) == "-":
        write_rows(sys.stdout)
        return

    def write(temporary):
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            write_rows(handle)

    write_atomically(path, write)


def _split_groups(groups, test_size, seed):
    """Rows of training and held-out groups: whole groups, never a split inside one, each
    side in row order (its groups contiguous)."""
    if not 0 < test_size < 1:
        raise CommandError(f"--test-size {test_size!r}: must be between 0 and 1")
    n_test = int(round(test_size * groups.n_groups))
    if n_test < 1 or groups.n_groups - n_test < 2:
        raise CommandError(f"{groups.n_groups} groups: too few to hold out {test_size:.0%} of "
                           "them and train on the rest")
    held = np.zeros(groups.n_groups, dtype=bool)
    held[np.random.default_rng(seed).permutation(groups.n_groups)[:n_test]] = True
    rows_held = held[groups.row_group]
    return np.flatnonzero(~rows_held), np.flatnonzero(rows_held)


def _sizes_of(groups, rows):
    """The group sizes of ``rows`` (whole groups, in row order)."""
    return np.bincount(groups.row_group[rows], minlength=groups.n_groups)[
        np.unique(groups.row_group[rows])]


def _ranking_scores(y, raw, group):
    from .metrics import average_precision, ndcg, reciprocal_rank

    return [*((f"NDCG@{k}", ndcg(y, raw, group, k)) for k in (1, 3, 5, 10)),
            ("MAP@5", average_precision(y, raw, group, 5)),
            ("MRR", reciprocal_rank(y, raw, group))]


# --- predict ------------------------------------------------------------------------------------

def cmd_predict(args):
    from ._saved_models import SavedModel

    load_loss_modules(args)
    model_path = Path(args.model)
    if not model_path.exists():
        raise CommandError(f"{model_path}: no such file")
    if model_path.is_dir():
        raise CommandError(f"{model_path}: is a folder; give the model file `boostobj fit` or "
                           "`boostobj intervals` wrote")
    model = SavedModel(model_path)
    path = _csv_file(args.data)
    meta = model.meta
    id_column = args.id_column if args.id_column is not None else meta.get("id_column")
    header = datasets.read_header(path)
    absent = [c for c in meta["features"] if c not in header]
    if absent:
        raise CommandError(f"{path}: the model's feature column"
                           f"{'s' if len(absent) > 1 else ''} {', '.join(map(repr, absent))} "
                           f"{'are' if len(absent) > 1 else 'is'} missing")
    if id_column is not None and id_column not in header:
        if args.id_column is not None:
            raise CommandError(f"{path}: no id column {id_column!r}")
        id_column = None  # the training CSV's id column: written where the new rows have it
    data = datasets.read_csv(path, features=meta["features"], id_column=id_column,
                             categories=meta["categories"], unknown_levels="missing")
    for column, values in data.unknown.items():
        shown = ", ".join(map(repr, values[:5])) + (", ..." if len(values) > 5 else "")
        print(f"warning: column {column!r}: {shown} not seen in training; those cells are "
              "predicted as missing values", file=sys.stderr)
    names, values = model.predict(data.X)
    rows = np.arange(data.X.shape[0])
    _write_predictions(args.out_file, data, rows, rows, model.columns(), names, values)
    if args.out_file != "-":
        print(f"wrote {args.out_file}: {rows.size:,} rows, columns "
              + ", ".join(([data.id_name] if data.ids is not None else ["row"])
                          + model.columns()))
    return 0
