"""What both dask adapters share: class labels of a dask collection, label encoding and
row-wise maps, done on the partitions where they are (nothing is gathered)."""

from __future__ import annotations

import numpy as np


def _is_frame(values):
    return hasattr(values, "map_partitions")  # a dask DataFrame or Series


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
