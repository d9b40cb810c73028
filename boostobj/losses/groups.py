"""Query groups: the contiguous rows of each query (a user, an anchor) a ranking loss and the
ranking metrics take, from group sizes, query ids or boundaries."""

from __future__ import annotations

import numpy as np

from .._numerics import over_workers
from ._base import _describe_bad

__all__ = ["as_groups", "Groups"]


class Groups:
    """Contiguous groups of rows: group g holds rows ``ptr[g]`` .. ``ptr[g + 1] - 1``.

    Build one from group sizes (LightGBM's ``group``), boundaries (XGBoost's
    ``group_ptr``) or a query id per row (``qid``) with the class methods, which check them.
    """

    def __init__(self, ptr):
        self.ptr = np.asarray(ptr, dtype=np.int64)
        self.sizes = np.diff(self.ptr)
        self.n_groups = int(self.sizes.size)
        self.n_rows = int(self.ptr[-1])
        self._row_group = None
        self.cache = {}  # what kernels derive from the groups alone (pair blocks)

    @classmethod
    def from_sizes(cls, sizes, n_rows=None, caller="groups"):
        """Groups of the given sizes, in order; they must cover ``n_rows`` rows exactly."""
        sizes = np.asarray(sizes)
        if sizes.ndim == 1 and sizes.size == 0 and over_workers():
            return cls(np.zeros(1, dtype=np.int64))  # a worker holding no groups
        if sizes.ndim != 1 or sizes.size == 0:
            raise ValueError(f"{caller}: group must be a non-empty 1-D array of group sizes, "
                             f"got shape {sizes.shape}.")
        as_float = sizes.astype(np.float64)
        bad = ~np.isfinite(as_float) | (as_float != np.round(as_float)) | (as_float < 1)
        if bad.any():
            raise ValueError(f"{caller}: group sizes must be whole numbers >= 1 (an empty "
                             f"group has no rows to rank), got {_describe_bad(as_float, bad)}.")
        ptr = np.concatenate([[0], np.cumsum(sizes.astype(np.int64))])
        if n_rows is not None and ptr[-1] != n_rows:
            raise ValueError(f"{caller}: the group sizes add up to {int(ptr[-1])} rows but "
                             f"there are {n_rows}.")
        return cls(ptr)

    @classmethod
    def from_ptr(cls, ptr, n_rows=None, caller="groups"):
        """Groups from boundaries 0 = ptr[0] < ptr[1] < ... < ptr[-1] = n_rows."""
        ptr = np.asarray(ptr, dtype=np.int64)
        if ptr.ndim == 1 and ptr.size <= 1 and not ptr.any() and over_workers():
            return cls(np.zeros(1, dtype=np.int64))  # a worker holding no groups
        if ptr.ndim != 1 or ptr.size < 2 or ptr[0] != 0:
            raise ValueError(f"{caller}: group boundaries must start at 0 and hold at least "
                             f"one group, got {ptr[:5].tolist()}.")
        return cls.from_sizes(np.diff(ptr), n_rows, caller)

    @classmethod
    def from_qid(cls, qid, caller="groups"):
        """Groups from a query id per row; each query's rows must be contiguous."""
        qid = np.asarray(qid)
        if qid.ndim != 1 or qid.size == 0:
            raise ValueError(f"{caller}: qid must be a non-empty 1-D array, one id per row, "
                             f"got shape {qid.shape}.")
        starts = np.concatenate([[0], np.flatnonzero(qid[1:] != qid[:-1]) + 1])
        runs = qid[starts]
        unique, counts = np.unique(runs, return_counts=True)
        if np.any(counts > 1):
            split = unique[counts > 1][:3].tolist()
            raise ValueError(f"{caller}: the rows of each query must be contiguous; qid "
                             f"{split} appear{'s' if len(split) == 1 else ''} in separate runs "
                             "(sort the rows by qid first, e.g. with a stable argsort).")
        return cls(np.append(starts, qid.size))

    @property
    def row_group(self):
        """The group of each row (0 .. n_groups - 1)."""
        if self._row_group is None:
            self._row_group = np.repeat(np.arange(self.n_groups), self.sizes)
        return self._row_group

    def slice(self, first, last):
        """Groups ``first`` .. ``last - 1`` as Groups of their own rows."""
        return Groups(self.ptr[first:last + 1] - self.ptr[first])

    def contiguous_blocks(self, rows_per_block):
        """(first group, last group + 1) of consecutive groups of about that many rows."""
        cut = np.searchsorted(self.ptr, np.arange(rows_per_block, self.n_rows, rows_per_block))
        bounds = np.unique(np.concatenate([[0], cut, [self.n_groups]]))
        return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))

    def __eq__(self, other):
        return isinstance(other, Groups) and np.array_equal(self.ptr, other.ptr)

    def __repr__(self):
        return f"Groups(n_groups={self.n_groups}, n_rows={self.n_rows})"

    def __getstate__(self):
        return {"ptr": self.ptr}

    def __setstate__(self, state):
        self.__init__(state["ptr"])


def as_groups(group, n_rows, caller):
    """``group`` (Groups, or an array of group sizes) as Groups of ``n_rows`` rows."""
    if group is None:
        raise ValueError(f"{caller}: a ranking loss needs query groups: pass group= (the size "
                         "of each group, in row order), or build the booster's dataset with "
                         "them (XGBoost DMatrix(group=|qid=), LightGBM Dataset(group=)).")
    if isinstance(group, Groups):
        if group.n_rows != n_rows:
            raise ValueError(f"{caller}: the groups cover {group.n_rows} rows but there are "
                             f"{n_rows}.")
        return group
    return Groups.from_sizes(group, n_rows, caller)
