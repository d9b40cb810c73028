"""``boostobj predict MODEL NEW.csv``: predict the rows of a new CSV with a model that
``fit`` or ``intervals`` saved. The columns are read as in training: the model's features by
name, text values with the training codes (an unseen one becomes a missing value, with a
warning)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .. import datasets
from .arguments import (
    add_command_parser,
    add_loss_module_argument,
    input_files,
    load_loss_modules,
)
from .errors import CommandError
from .files import check_writes
from .saved_models import SavedModel, metadata_path
from .tables import announce_reading, csv_file, write_predictions

__all__ = ["add_command", "run"]


def add_command(commands):
    """The ``predict`` command's parser."""
    parser = add_command_parser(
        commands, "predict", run, "predict new rows of a CSV with a saved model",
        "Predict every row of NEW.csv with a model that `boostobj fit` or `boostobj "
        "intervals` saved (MODEL: the model file, or its .boostobj.json). The columns are "
        "read as in training: the model's features by name (any order, other columns "
        "ignored), text values with the training codes; a text value never seen in training "
        "becomes a missing value, with a warning. Writes the id column (or the row number), "
        "then the prediction: the value (regression), the class and each class's probability "
        "(classification), the score (ranking), or every level, lower and upper (intervals).",
        ["boostobj predict boostobj-out/diamonds_huber.txt new.csv --out predictions.csv",
         "boostobj predict boostobj-out/mcycle_intervals.joblib new.csv"])
    parser.add_argument("model", metavar="MODEL", help="the saved model")
    parser.add_argument("data", metavar="NEW.csv", help="the rows to predict")
    parser.add_argument("--id-column", default=None, metavar="COL", help="the column naming "
                        "each row (default: the training CSV's id column, where present)")
    parser.add_argument("--out", dest="out_file", default="-", metavar="FILE",
                        help="where to write the predictions (default: standard output)")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="load an interval model saved as a pickle (.joblib): loading a "
                        "pickle runs whatever code it holds, so pass this only for a file you "
                        "trust")
    add_loss_module_argument(parser)


def run(args):
    """Predict every row of the new CSV with the saved model and write the predictions."""
    load_loss_modules(args)
    model_path = Path(args.model)
    if not model_path.exists():
        raise CommandError(f"{model_path}: no such file")
    if model_path.is_dir():
        raise CommandError(f"{model_path}: is a folder; give the model file `boostobj fit` or "
                           "`boostobj intervals` wrote")
    model = SavedModel(model_path, allow_pickle=args.allow_pickle)
    path = csv_file(args.data)
    if args.out_file != "-":
        check_writes({"--out": args.out_file}, {
            "the model": model.model_file, "the model's description": metadata_path(model_path),
            f"the data {path}": path, **input_files(args, data=False)})
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
    group_column = meta.get("group_column")
    if group_column is not None and group_column not in header:
        group_column = None  # written where the new rows have it
    announce_reading(path)
    data = datasets.read_csv(path, features=meta["features"], id_column=id_column,
                             split_column=group_column, categories=meta["categories"],
                             unknown_levels="missing")
    for column, values in data.unknown.items():
        shown = ", ".join(map(repr, values[:5])) + (", ..." if len(values) > 5 else "")
        print(f"warning: column {column!r}: {shown} not seen in training; those cells are "
              "predicted as missing values", file=sys.stderr)
    names, values = model.predict(data.X)
    rows = np.arange(data.X.shape[0])
    write_predictions(args.out_file, data, rows, rows, model.columns(), names, values,
                      group=group_column)
    if args.out_file != "-":
        print(f"wrote {args.out_file}: {rows.size:,} rows, columns "
              + ", ".join(([data.id_name] if data.ids is not None else ["row"])
                          + ([group_column] if group_column else []) + model.columns()))
    return 0
