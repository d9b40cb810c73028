"""The small real datasets shipped with boostobj (see datasets/README.md for provenance)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

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
# Columns that are not features: the split the data's authors made (Pima.tr / Pima.te).
_SPLIT_COLUMN = "split"


@dataclass
class Dataset:
    """Features ``X`` (float64; ordered categories as integer codes), target ``y``.

    ``split`` holds "train" / "test" per row where the data's authors made the split (pima),
    else None.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list
    target_name: str
    categories: dict = field(default_factory=dict)
    split: np.ndarray | None = None


def available():
    """Names ``load`` accepts."""
    return sorted(_TARGETS)


def path(name):
    """Path of the shipped CSV."""
    _check_name(name)
    try:  # installed from a wheel: the CSVs are the package boostobj._data
        return resources.files("boostobj._data") / f"{name}.csv"
    except ModuleNotFoundError:  # a source checkout, or an editable install of one
        return Path(__file__).resolve().parent.parent / "datasets" / f"{name}.csv"


def _check_name(name):
    if name not in _TARGETS:
        raise ValueError(f"Unknown dataset {name!r}; available: {', '.join(available())}.")


def load(name):
    """Load a shipped dataset as a :class:`Dataset`."""
    _check_name(name)
    with path(name).open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    categories = _CATEGORIES[name]
    columns = {}
    for j, column in enumerate(header):
        values = [row[j] for row in rows]
        if column == _SPLIT_COLUMN:
            columns[column] = np.array(values)
        elif column in categories:
            code = {level: k for k, level in enumerate(categories[column])}
            columns[column] = np.array([code[v] for v in values], dtype=np.float64)
        else:
            columns[column] = np.array(values, dtype=np.float64)
    target = _TARGETS[name]
    features = [c for c in header if c not in (target, _SPLIT_COLUMN)]
    X = np.column_stack([columns[c] for c in features])
    return Dataset(name, X, columns[target], features, target,
                   {c: list(levels) for c, levels in categories.items()},
                   columns.get(_SPLIT_COLUMN))
