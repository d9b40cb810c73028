"""What both boosters' dask estimators share: class labels of a dask collection, label
encoding, row-wise maps and the whole-group check, done on the partitions where they are
(nothing is gathered), and which workers left the cluster when a training failed."""

from __future__ import annotations

import time

import numpy as np


def _is_frame(values):
    """Whether ``values`` is a dask DataFrame or Series (else a dask Array)."""
    return hasattr(values, "map_partitions")


def class_labels(y):
    """The sorted class labels of a dask Array or Series (one pass over the partitions)."""
    if _is_frame(y):
        return np.unique(np.asarray(y.unique().compute()))
    import dask.array as da

    return np.unique(np.asarray(da.unique(y).compute()))


def encode_classes_of(loss, classes, y, caller, *, known=False):
    """``y`` as class ids 0 .. K-1 of ``classes`` (float64), partition by partition. With
    ``known`` (an evaluation set's labels) a label outside ``classes`` is a ValueError."""

    def encode(block):
        block = np.asarray(block)
        position = np.minimum(np.searchsorted(classes, block), len(classes) - 1)
        unknown = classes[position] != block
        if known and np.any(unknown):
            raise ValueError(f"{caller}: eval_set labels {np.unique(block[unknown])[:5].tolist()}"
                             f" are not among the training classes {classes.tolist()}.")
        return position.astype(np.float64)

    if _is_frame(y):
        import pandas as pd

        return y.map_partitions(lambda part: pd.Series(encode(part), index=part.index,
                                                       name=part.name),
                                meta=(y.name, "f8"))
    return y.map_blocks(encode, dtype=np.float64)


def map_rows(margin, function, n_classes):
    """``function`` of each block of rows of a dask array of margins ((n,) or (n, K)),
    giving (n, max(K, 2)) class probabilities."""
    width = max(n_classes, 2)
    if margin.ndim == 1:
        return margin.map_blocks(function, new_axis=1, chunks=(margin.chunks[0], (width,)),
                                 dtype=np.float64)
    return margin.rechunk({1: -1}).map_blocks(function, dtype=np.float64)


def check_whole_groups(qid, caller):
    """``ValueError`` unless every query id of the dask collection ``qid`` lies within one
    partition (and the ids of a partition are contiguous): a ranking loss's groups are
    each worker's own, so a group cut in two would be ranked as two."""
    import dask

    blocks = qid.to_delayed()
    blocks = list(np.ravel(blocks)) if isinstance(blocks, np.ndarray) else list(blocks)

    def ids(block):
        block = np.asarray(block).reshape(-1)
        starts = np.flatnonzero(np.concatenate([[True], block[1:] != block[:-1]]))
        return block[starts]

    runs = dask.compute(*[dask.delayed(ids)(block) for block in blocks])
    seen = np.concatenate(runs) if runs else np.zeros(0)
    values, counts = np.unique(seen, return_counts=True)
    if np.any(counts > 1):
        raise ValueError(f"{caller}: query ids {values[counts > 1][:5].tolist()} lie in more "
                         "than one partition, or not together within one; a ranking loss "
                         "ranks each worker's groups, so keep every group's rows together "
                         "in one partition (e.g. sort by qid and repartition at group "
                         "boundaries).")


def lost_workers(client, workers, wait=3.0):
    """Those of ``workers`` the scheduler no longer has, waiting up to ``wait`` seconds for
    it to notice a death (a peer's failed all-reduce can arrive first)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            known = set(client.scheduler_info()["workers"])
        except (KeyError, OSError, RuntimeError):  # the client closed: nothing to tell
            return set()
        lost = workers - known
        if lost or time.monotonic() > deadline:
            return lost
        time.sleep(0.1)
