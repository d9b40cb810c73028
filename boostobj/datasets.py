"""The small real datasets shipped with boostobj (see datasets/README.md for provenance)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["available", "Dataset", "load", "MISSING", "path", "read_csv", "read_header",
           "suspicious_features"]

# Ordered categorical columns, in the order of their R factor levels.
_CATEGORIES = {
    "diamonds": {
        "cut": ["Fair", "Good", "Very Good", "Premium", "Ideal"],
        "color": ["D", "E", "F", "G", "H", "I", "J"],
        "clarity": ["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"],
    },
    "mcycle": {},
    "pima": {"type": ["No", "Yes"]},
}
_TARGETS = {"diamonds": "price", "mcycle": "accel", "pima": "type"}
# Learning-to-rank data in LightGBM's files (LibSVM rows, a .query file of group sizes):
# name -> folder, the training and the test file.
_RANKING = {"lambdarank": ("lambdarank", "rank.train", "rank.test")}
# Columns that are not features: the split the data's authors made (Pima.tr / Pima.te).
_SPLIT_COLUMN = "split"


@dataclass
class Dataset:
    """Features ``X`` (float64; categories as integer codes, missing cells NaN), target ``y``.

    ``split`` holds "train" / "test" per row where the data's authors made the split (pima,
    lambdarank), else None. ``group`` holds the sizes of the query groups, in row order, for
    ranking data (lambdarank), else None.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list
    target_name: str
    categories: dict = field(default_factory=dict)
    split: np.ndarray | None = None
    group: np.ndarray | None = None
    ids: np.ndarray | None = None  # the id column's values (text), where one was named
    id_name: str | None = None
    unknown: dict = field(default_factory=dict)  # column -> text values outside its levels


def available() -> list[str]:
    """Names ``load`` accepts."""
    return sorted([*_TARGETS, *_RANKING])


def _shipped(relative):
    try:  # installed from a wheel: the files are the package boostobj._data
        location = resources.files("boostobj._data")
        for part in relative.split("/"):  # one part at a time: Python 3.11's namespace
            location = location.joinpath(part)  # packages take one
        return location
    except ModuleNotFoundError:  # a source checkout, or an editable install of one
        return Path(__file__).resolve().parent.parent / "datasets" / relative


def path(name):
    """Path of the shipped CSV (of the training file, for ranking data)."""
    _check_name(name)
    if name in _RANKING:
        folder, train, _ = _RANKING[name]
        return _shipped(f"{folder}/{train}")
    return _shipped(f"{name}.csv")


def _check_name(name):
    if name not in _TARGETS and name not in _RANKING:
        raise ValueError(f"Unknown dataset {name!r}; available: {', '.join(available())}.")


# Cells read as missing values (pandas' defaults, the common ones).
MISSING = frozenset({"", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "-"})


def read_csv(path, target=None, *, categories=None, exclude=(), split_column=None,
             features=None, id_column=None, unknown_levels="error"):
    """A CSV file with a header as a :class:`Dataset`.

    Numeric columns become float64 (missing cells, see ``MISSING``, become NaN). Any other
    column is categorical: integer codes in the order ``categories[column]`` gives, else
    sorted, with NaN for missing cells; ``Dataset.categories`` holds the levels. A
    categorical target keeps its codes in ``y`` (its levels in ``categories[target]``).

    - ``features``: the feature columns, in this order (default: every column but the
      target, the id, the split and those in ``exclude``);
    - ``exclude``: columns that are neither features nor target;
    - ``id_column``: kept as ``Dataset.ids`` (text), never a feature;
    - ``split_column``: kept as ``Dataset.split`` (text), never a feature;
    - ``unknown_levels``: what a text value outside ``categories[column]`` becomes:
      ``"error"`` (a ``ValueError``) or ``"missing"`` (NaN, listed in ``Dataset.unknown``).

    ``target=None`` reads features only (``y`` is None).

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the file, the
    line or the column for anything else (no header, ragged rows, duplicate or unknown
    column names, text that is not UTF-8, a cell over the csv module's size limit).
    """
    path = Path(path)
    categories = dict(categories or {})
    header, rows = _read_rows(path)
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise ValueError(f"{path}: duplicate column names {', '.join(map(repr, duplicated))}; "
                         "rename them so that each column has its own name")
    named = [c for c in ([target, id_column, split_column] + list(exclude) + list(features or []))
             if c is not None]
    absent = [c for c in dict.fromkeys(named) if c not in header]
    if absent:
        what = "column" if len(absent) == 1 else "columns"
        raise ValueError(f"{path}: no {what} {', '.join(map(repr, absent))}; columns: "
                         f"{', '.join(header)}.")
    if features is not None:
        clash = [c for c in features if c in (target, id_column, split_column) or c in exclude]
        if clash:
            raise ValueError(f"{path}: {', '.join(map(repr, clash))} cannot be a feature and "
                             "the target, the id, the split or excluded at once")
        wanted = [*features, *(c for c in (target, id_column, split_column) if c is not None)]
    else:
        wanted = [c for c in header if c not in exclude]
    columns, unknown = {}, {}
    for column in wanted:
        j = header.index(column)
        values = [row[j].strip() for row in rows]
        if column in (split_column, id_column):
            columns[column] = np.array(values)
            continue
        numbers = _as_numbers(values) if column not in categories else None
        if numbers is None:
            levels = categories.get(column)
            if levels is None:
                levels = sorted({v for v in values if v not in MISSING})
                categories[column] = levels
            code = {level: float(k) for k, level in enumerate(levels)}
            outside = sorted({v for v in values if v not in code and v not in MISSING})
            if outside and unknown_levels == "missing":
                unknown[column] = outside
            elif outside:
                raise ValueError(f"{path}: column {column!r} has values {outside[:3]} outside "
                                 f"its levels {levels}.")
            numbers = np.array([code.get(v, np.nan) for v in values])
        infinite = np.flatnonzero(np.isinf(numbers))
        if infinite.size:
            raise ValueError(f"{path}: column {column!r}, data row {infinite[0] + 1}: "
                             f"{values[infinite[0]]!r} is not a finite number ({infinite.size} "
                             "such cells); leave a missing value's cell empty")
        columns[column] = numbers
    feature_names = list(features) if features is not None else [
        c for c in columns if c not in (target, split_column, id_column)]
    X = (np.column_stack([columns[c] for c in feature_names]) if feature_names
         else np.empty((len(rows), 0)))
    data = Dataset(path.stem, X, columns[target] if target is not None else None,
                   feature_names, target,
                   {c: list(v) for c, v in categories.items() if c in columns},
                   columns.get(split_column))
    data.ids = columns.get(id_column)
    data.id_name = id_column
    data.unknown = unknown
    return data


def read_header(path):
    """The column names of a CSV file (its header line), with ``read_csv``'s errors."""
    return _read_rows(Path(path), header_only=True)[0]


def _read_rows(path, header_only=False):
    """The header and the non-empty rows of a CSV file, checked to be rectangular."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader, None)
                if not header:
                    raise ValueError(f"{path}: the file is empty (expected a header line).")
                header = [column.strip() for column in header]
                if header_only:
                    return header, None
                rows = []
                for row in reader:
                    if not row:
                        continue
                    if len(row) != len(header):
                        raise ValueError(f"{path}, line {reader.line_num}: {len(row)} cells, "
                                         f"the header has {len(header)}.")
                    rows.append(row)
            except csv.Error as error:
                raise ValueError(f"{path}, line {reader.line_num}: {error}") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text (byte {error.object[error.start]:#04x} at "
                         f"byte {error.start}); save the file as UTF-8") from None
    if not rows:
        raise ValueError(f"{path}: no rows below the header.")
    return header, rows


def _as_numbers(values):
    """Float64 array of the cells, or None when some cell is neither a number nor missing."""
    try:
        return np.array([np.nan if v in MISSING else float(v) for v in values])
    except ValueError:
        return None


def load(name: str) -> Dataset:
    """Load a shipped dataset as a :class:`Dataset`.

    ``"lambdarank"`` is LightGBM's learning-to-rank example: 3,005 training rows in 201
    queries then 768 test rows in 50 (``split``), 300 features (absent ones 0), graded
    relevance 0-4 as ``y`` and the query sizes as ``group``.
    """
    _check_name(name)
    if name in _RANKING:
        return _load_ranking(name)
    data = read_csv(path(name), _TARGETS[name], categories=_CATEGORIES[name],
                    split_column=_SPLIT_COLUMN if name == "pima" else None)
    data.name = name
    return data


def _load_ranking(name):
    from sklearn.datasets import load_svmlight_files

    folder, *files = _RANKING[name]
    paths = [_shipped(f"{folder}/{file}") for file in files]
    parts = load_svmlight_files([str(p) for p in paths])
    X = np.vstack([matrix.toarray() for matrix in parts[0::2]])
    y = np.concatenate(parts[1::2])
    sizes = [np.loadtxt(str(p) + ".query", dtype=np.int64, ndmin=1) for p in paths]
    split = np.repeat(["train", "test"], [len(labels) for labels in parts[1::2]])
    return Dataset(name, X, y, [f"f{j + 1}" for j in range(X.shape[1])], "relevance",
                   split=split, group=np.concatenate(sizes))


def suspicious_features(data, min_rows=20):
    """Warnings (text) about features of ``data`` that look like an id or a leak.

    - an id: a distinct value on every row, in a text or whole-number column;
    - a leak: equal to the target, a function of the target where target values repeat
      (each value of the target has one value of the feature), or a monotone function of
      it (|Spearman's ρ| > 0.999).

    Data with fewer than ``min_rows`` rows is not judged.
    """
    X, y = data.X, data.y
    n = X.shape[0]
    if n < min_rows:
        return []
    warnings = []
    target_values, target_codes = (np.unique(y, return_inverse=True) if y is not None
                                   else (None, None))
    for j, name in enumerate(data.feature_names):
        column = X[:, j]
        finite = np.isfinite(column)
        values = np.unique(column[finite])
        whole = name in data.categories or np.all(values == np.round(values))
        if finite.all() and values.size == n and whole:
            warnings.append(f"feature {name!r} has a different value on every row: an id? "
                            "(--id-column or --exclude it)")
            continue
        if y is None or values.size < 2 or not finite.all():
            continue
        if np.array_equal(column, y):
            why = "equals the target"
        elif target_values.size < n / 2 and _determined_by(column, target_codes,
                                                           target_values.size):
            why = "is a function of the target (one value per target value)"
        elif abs(_spearman(column, y)) > 0.999:
            why = "is a monotone function of the target (|Spearman's ρ| > 0.999)"
        else:
            continue
        warnings.append(f"feature {name!r} {why} on these rows: a leak? (--exclude it)")
    return warnings


def _determined_by(column, codes, n_codes):
    """Whether ``column`` takes one value per code."""
    low = np.full(n_codes, np.inf)
    high = np.full(n_codes, -np.inf)
    np.minimum.at(low, codes, column)
    np.maximum.at(high, codes, column)
    return bool(np.all(low == high))


def _spearman(a, b):
    def ranks(values):
        return np.argsort(np.argsort(values, kind="stable"), kind="stable").astype(float)

    ra, rb = ranks(a), ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])
