"""``boostobj fit DATA.csv --target COL --loss SPEC``: train one booster with any loss on a
CSV, report the loss and the usual metrics on a held-out split (beside the best constant's),
save the model (which plain XGBoost / LightGBM load) with what ``predict`` needs, write the
held-out rows' predictions and draw the learning curve and the feature importance."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ..losses import Groups, MulticlassLoss, get_loss
from ..losses.domains import BinaryLabels
from ..losses.multiclass import ProbabilityRows
from .arguments import (
    POSITIVE_INT,
    add_command_parser,
    add_data_arguments,
    add_loss_module_argument,
    booster_params,
    check_plotting,
    file_label,
    input_files,
    load_loss_modules,
    out_dir,
)
from .errors import CommandError, booster_errors, native_stderr_filtered
from .files import check_writes
from .progress import Progress, lightgbm_callback, xgboost_callback
from .saved_models import SavedModel, booster_feature_names, check_model_path, save
from .tables import (
    number_text,
    numeric_target,
    read_data,
    sizes_of,
    split_groups,
    split_rows,
    write_predictions,
)

__all__ = ["add_command", "run"]


def add_command(commands):
    """The ``fit`` command's parser."""
    parser = add_command_parser(
        commands, "fit", run, "train with any loss on a CSV, report a held-out split, "
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
    add_data_arguments(parser, 300, 0.1)
    parser.add_argument("--loss", required=True, metavar="SPEC",
                        help="loss name or spec, e.g. huber:delta=auto, focal:gamma=2")
    add_loss_module_argument(parser)
    parser.add_argument("--early-stopping", type=POSITIVE_INT, default=None, metavar="N",
                        help="set a fifth of the training rows aside and stop when the loss on "
                        "them has not improved for N rounds (default: train all --rounds)")
    parser.add_argument("--group", default=None, metavar="COL", help="the column holding each "
                        "row's query, for a ranking loss (its rows must be contiguous); whole "
                        "queries are held out, and NDCG@k, MAP@5 and MRR reported")
    parser.add_argument("--model", default=None, metavar="PATH", help="where to save the model "
                        "(default DIR/<data>_<loss>_<booster>.json for XGBoost, .txt for "
                        "LightGBM; <loss> names the parameters set, as quantile_alpha0.9)")


def run(args):
    """Train, report on the held-out rows, save the model and its predictions, draw."""
    load_loss_modules(args)
    loss = get_loss(args.loss)
    if loss.grouped and args.group is None:
        raise CommandError(f"{loss.name} is a ranking loss over query groups: name the "
                           "column that holds each row's query with --group COL")
    if args.group is not None and not loss.grouped:
        raise CommandError(f"--group {args.group!r} is for the ranking losses "
                           f"(listwise_softmax, pairwise_logistic, pairwise_hinge), not "
                           f"{loss.name}")
    data, rows = read_data(args)
    y, classes = _labels(loss, data, args.data)
    try:
        loss.check_target(y)
    except ValueError as error:  # name the file and the column beside the loss's message
        raise CommandError(f"{args.data}: column {args.target!r} (rows counted after those "
                           f"without a value): {error}") from None
    split = _Split(loss, args, data, y)
    if classes is not None:
        print(f"classes: {', '.join(f'{k} = {name}' for k, name in enumerate(classes))}")
    out = Path(args.out)
    stem = f"{Path(args.data).stem}_{file_label(loss)}_{args.booster}"
    suffix = ".json" if args.booster == "xgboost" else ".txt"
    path = Path(args.model) if args.model else out / f"{stem}{suffix}"
    reads = input_files(args)
    check_model_path("--model", path, reads)
    table = out / f"{stem}_predictions.csv"
    pictures = ({} if args.no_plot else
                {"the learning curve": out / f"{stem}_learning_curve.png",
                 "the importance picture": out / f"{stem}_importance.png"})
    check_writes({"the predictions file": table, **pictures}, reads)
    if not args.no_plot:
        check_plotting(args)
    booster_names = booster_feature_names(data.feature_names)
    train, test = split.train, split.test
    with (native_stderr_filtered() as stderr,
          Progress(args.rounds, f"{loss.name} on {args.booster}", stream=stderr) as progress):
        model, raw_score, kept, curves = _train(
            loss, args, data.X[train], y[train], progress, split.train_groups,
            held_out=(data.X[test], y[test], split.test_groups), feature_names=booster_names)
    _report(loss, args, split, y, raw_score(data.X[test]), classes, kept)
    out = out_dir(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = _save_fit_model(path, args, loss, model, data, booster_names, classes)
    load = ("xgboost.Booster(model_file=...).predict(xgboost.DMatrix(X, feature_names=...))"
            if args.booster == "xgboost" else "lightgbm.Booster(model_file=...).predict(X)")
    gives = (f"gives the raw scores {', '.join(loss.outputs)}"
             if getattr(loss, "outputs", ()) else "gives predictions")
    print(f"wrote {path} ({load} {gives}, no boostobj needed) and {saved.name} "
          f"(for `boostobj predict {path} NEW.csv`)")
    saved_model = SavedModel(path)
    names, values = saved_model.predict(data.X[test])
    write_predictions(table, data, test, rows[test], saved_model.columns(), names,
                      values, target=(args.target, _target_text(data, y[test], classes)))
    print(f"wrote {table} (the held-out rows: the predictions `boostobj predict` gives)")
    if not args.no_plot:
        from .pictures import importance_figure, learning_curve_figure

        curve = learning_curve_figure(pictures["the learning curve"], curves, loss.name,
                                      kept if args.early_stopping else None)
        importance = importance_figure(pictures["the importance picture"], data.feature_names,
                                       _gains(model, args.booster, booster_names))
        print(f"wrote {curve} and {importance}")
    return 0


class _Split:
    """The rows to train on and those held out: whole query groups for a ranking loss
    (``groups``, and each side's group sizes), else rows."""

    def __init__(self, loss, args, data, y):
        self.groups = self.train_groups = self.test_groups = None
        if not loss.grouped:
            self.train, self.test = split_rows(y.size, args.test_size, args.seed)
            return
        try:
            self.groups = Groups.from_qid(data.split, f"{args.data}: column {args.group!r}")
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.train, self.test = split_groups(self.groups, args.test_size, args.seed)
        self.train_groups = sizes_of(self.groups, self.train)
        self.test_groups = sizes_of(self.groups, self.test)


def _report(loss, args, split, y, raw, classes, kept):
    """Print the held-out loss beside the best constant's (equal scores for ranking) and
    the scores a user of this kind of loss looks at."""
    train, test, groups = split.train, split.test, split.groups
    start = loss.init_score(y[train], **({} if groups is None
                                         else {"group": split.train_groups}))
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
              f"{split.train_groups.size:,} groups to train, {split.test_groups.size:,} held "
              f"out (whole groups); {kept} rounds of {args.booster} at learning rate "
              f"{args.learning_rate}{stopped}")
        grouping, baseline = {"group": split.test_groups}, "all scores equal"
    print(f"  held-out {loss.name} loss  {loss.metric(y[test], raw, **grouping):.6g}   "
          f"({baseline}: {loss.metric(y[test], constant, **grouping):.6g})")
    scores = (_held_out_scores(loss, y[test], raw, classes) if groups is None
              else _ranking_scores(y[test], raw, split.test_groups))
    width = max(10, *(len(name) for name, _ in scores))
    for name, value in scores:
        print(f"  held-out {name:<{width}} {value:.6g}")
    note = None if groups is not None or classes is None else _probability_note(
        loss, y[test], raw)
    if note:
        print(note, file=sys.stderr)


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
            numeric_target(data, path)
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
            train, valid = split_rows(y.size, 0.2, args.seed + 1)
        else:
            groups = Groups.from_sizes(group)
            train, valid = split_groups(groups, 0.2, args.seed + 1)
            group, group_valid = sizes_of(groups, train), sizes_of(groups, valid)
        X, y, X_valid, y_valid = X[train], y[train], X[valid], y[valid]
        watched = [("stopping", X_valid, y_valid, group_valid)]
    else:
        watched = [("held_out", *held_out)] if held_out is not None else []
    stopping = {"early_stopping_rounds": args.early_stopping} if valid is not None else {}
    params = booster_params(args)
    history = {}
    if args.booster == "xgboost":
        import xgboost as xgb

        from .. import xgboost as bx

        def matrix(X, y=None, group=None):
            return xgb.DMatrix(X, y, group=group, feature_names=feature_names)

        train_matrix = matrix(X, y, group)
        evals = [(train_matrix, "training")] + [
            (matrix(X_set, y_set, group_set), name) for name, X_set, y_set, group_set in watched]
        with booster_errors(args):
            model = bx.train(loss, params, train_matrix, args.rounds, evals=evals,
                             verbose_eval=False, callbacks=[xgboost_callback(progress)],
                             evals_result=history, extra_metrics=(), **stopping)
        kept = model.best_iteration + 1 if valid is not None else args.rounds
        curves = {_CURVE_LABELS[name]: history[name][loss.name] for name in history}
        return (model, lambda X_new: model.predict(matrix(X_new), output_margin=True), kept,
                curves)
    import lightgbm as lgb

    from .. import lightgbm as bl

    train_set = lgb.Dataset(X, y, group=group, feature_name=feature_names or "auto")
    sets = [lgb.Dataset(X_set, y_set, group=group_set, reference=train_set)
            for _, X_set, y_set, group_set in watched]
    with booster_errors(args):
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


def _held_out_scores(loss, y, raw, classes):
    """(name, value) pairs a user of this kind of loss looks at."""
    from ..metrics import error_rate, log_loss, rmse

    prediction = loss.predict(raw)
    if classes is None:
        scores = [("RMSE", rmse(y, prediction)),
                  ("MAE", float(np.mean(np.abs(y - prediction))))]
        if getattr(loss, "outputs", ()):  # a distribution: how its own interval covers
            interval = loss.quantiles(raw, (0.05, 0.95))
            scores.append(("90% interval coverage", float(np.mean(
                (y >= interval[:, 0]) & (y <= interval[:, 1])))))
            if loss.crps_closed_form:
                scores.append(("CRPS", float(np.mean(loss.crps(y, raw)))))
        level = getattr(loss, "alpha", 0.5 if loss.name == "absolute_error" else None)
        if loss.name in ("quantile", "absolute_error"):
            # a quantile model's own check: the share of targets at or below it
            scores.append((f"share of targets below (level {level:g})",
                           float(np.mean(y <= prediction))))
        return scores
    scores = [("accuracy", 1.0 - error_rate(y, prediction))]
    if isinstance(loss, MulticlassLoss):
        return scores + [("log loss", log_loss(y, prediction))]
    positive = float(np.mean(y))
    scores.append(("accuracy of always the majority class", max(positive, 1.0 - positive)))
    if loss.link.name != "sign":  # a margin classifier predicts classes, not probabilities
        from sklearn.metrics import average_precision_score, roc_auc_score

        scores += [("log loss", log_loss(y, prediction)), ("ROC AUC", roc_auc_score(y, raw)),
                   ("PR AUC (average precision)", average_precision_score(y, raw)),
                   (f"mean P({classes[1]})", float(np.mean(prediction))),
                   (f"share of {classes[1]}", positive)]
    return scores


# Binary losses whose probabilities are not calibrated by design: focal loss down-weights
# the rows it already gets right, a class-weighted logistic loss counts one class more.
_UNCALIBRATED = ("focal", "weighted_logistic")


def _probability_note(loss, y, raw):
    """A warning where the predicted probabilities are not the class frequencies they read
    as, else None."""
    if loss.name not in _UNCALIBRATED:
        return None
    mean, share = float(np.mean(loss.predict(raw))), float(np.mean(y))
    return (f"warning: {loss.name}'s predicted probabilities are not calibrated (mean "
            f"{mean:.3f} on the held-out rows, where {share:.3f} are positive): rank by them, "
            "or recalibrate (sklearn.calibration.CalibratedClassifierCV) before reading them as "
            "probabilities")


def _save_fit_model(path, args, loss, model, data, booster_names, classes):
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
        return [number_text(value) for value in y]
    return [classes[int(code)] for code in y]


def _ranking_scores(y, raw, group):
    from ..metrics import average_precision, ndcg, reciprocal_rank

    return [*((f"NDCG@{k}", ndcg(y, raw, group, k)) for k in (1, 3, 5, 10)),
            ("MAP@5", average_precision(y, raw, group, 5)),
            ("MRR", reciprocal_rank(y, raw, group))]
