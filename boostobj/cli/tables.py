"""The command line's tables: reading a CSV into features and a target, splitting its rows
(or whole query groups) into training and held-out parts, and writing predictions as CSV."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from .. import datasets
from .errors import CommandError
from .files import write_atomically

__all__ = ["announce_reading", "csv_file", "number_text", "numeric_target", "read_data",
           "sizes_of", "split_groups", "split_rows", "write_predictions"]


def read_data(args):
    """The CSV as a Dataset without the rows whose target is missing, and their row numbers.

    ``--features``, ``--exclude`` and ``--id-column`` choose the features; a ranking
    command's ``--group`` column is kept beside them (as text, in ``Dataset.split``). Warns
    about features that look like an id or a leak of the target.
    """
    path = csv_file(args.data)
    group_column = getattr(args, "group", None)
    if group_column is not None and group_column == args.target:
        raise CommandError(f"--group {group_column!r}: the query column cannot be the target")
    if args.id_column is not None and args.id_column == args.target:
        raise CommandError(f"--id-column {args.id_column!r}: the id column cannot be the "
                           "target")
    announce_reading(path)
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


# A CSV at least this large is announced before it is read (about 1 s of parsing).
_ANNOUNCED_BYTES = 10 << 20


def announce_reading(path):
    """Say on stderr that a large CSV is being read, so that a long silence is explained."""
    size = Path(path).stat().st_size
    if size >= _ANNOUNCED_BYTES:
        print(f"reading {path} ({size / (1 << 20):,.0f} MB) ...", file=sys.stderr, flush=True)


def csv_file(name):
    """The path of an existing CSV file, or the one-line error."""
    path = Path(name)
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    if path.is_dir():
        raise CommandError(f"{path}: is a folder, not a CSV file")
    return path


def numeric_target(data, path):
    """``CommandError`` unless the target column is numeric (a regression target)."""
    if data.target_name in data.categories:
        levels = data.categories[data.target_name]
        raise CommandError(f"{path}: target column {data.target_name!r} is not numeric "
                           f"(values such as {', '.join(map(repr, levels[:3]))})")


# Fewest rows with a target the commands train and report on.
MIN_ROWS = 10


def split_rows(n_rows, test_size, seed):
    """Rows to train on and rows held out (``test_size`` of them), in a random order drawn
    from ``seed``."""
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


def number_text(value):
    """A float with 7 significant digits (the precision the boosters compute in), as text."""
    return "" if not np.isfinite(value) else f"{value:.7g}"


def write_predictions(path, data, positions, rows, columns, names, values, target=None,
                      group=None):
    """A CSV of the predictions of ``data``'s rows at ``positions`` (data row numbers
    ``rows``): the id column (or the row number), the query column (``group``: its name, for
    a ranking model, whose values are ``data.split``), the target if known, the class
    (classification) and the prediction columns; written atomically, or to stdout for
    ``path`` "-"."""
    header = [data.id_name] if data.ids is not None else ["row"]
    if group is not None:
        header.append(group)
    if target is not None:
        header.append(target[0])
    header += columns
    offset = 0 if names is None else 1

    def write_rows(handle):
        writer = csv.writer(handle)
        writer.writerow(header)
        for i, (position, row) in enumerate(zip(positions, rows, strict=True)):
            line = [data.ids[position] if data.ids is not None else int(row)]
            if group is not None:
                line.append(data.split[position])
            if target is not None:
                line.append(target[1][i])
            if names is not None:
                line.append(names[i])
            line += [number_text(v) for v in values[i, :len(columns) - offset]]
            writer.writerow(line)

    if str(path) == "-":
        write_rows(sys.stdout)
        return

    def write(temporary):
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            write_rows(handle)

    write_atomically(path, write)


def split_groups(groups, test_size, seed):
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


def sizes_of(groups, rows):
    """The group sizes of ``rows`` (whole groups, in row order)."""
    return np.bincount(groups.row_group[rows], minlength=groups.n_groups)[
        np.unique(groups.row_group[rows])]
