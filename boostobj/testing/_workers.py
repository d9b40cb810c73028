"""Workers simulated by threads (``SimulatedWorkers``), and the ``partitions`` check: the
start, ``"auto"`` scale, leaf values and metric over unequal partitions equal one process's."""

from __future__ import annotations

import threading

import numpy as np

from .._numerics import summed_over_workers
from ._common import fail, fixed_scale


class SimulatedWorkers:
    """Workers of a distributed training simulated by threads of this process.

    ``run(function, partitions)`` calls ``function(*partition)`` for each partition in a
    thread of its own, inside ``summed_over_workers``: every statistic sums over all the
    partitions through a barrier, as an all-reduce over workers would (in rank order, so
    every worker gets the same numbers). Returns the results in partition order. With it a
    test checks, in one process, that a loss's statistics over partitioned rows equal those
    of one process holding every row.
    """

    def __init__(self, n_workers, timeout=60.0):
        self.world_size = n_workers
        self._barrier = threading.Barrier(n_workers, timeout=timeout)
        self._slots = [None] * n_workers
        self._local = threading.local()

    @property
    def rank(self):
        """The calling thread's worker rank."""
        return self._local.rank

    def _reduce(self, values, combine):
        self._slots[self.rank] = np.array(values, dtype=np.float64)
        self._barrier.wait()
        result = self._slots[0].copy()
        for other in self._slots[1:]:
            result = combine(result, other)
        self._barrier.wait()  # everyone has read the slots before they are written again
        return result

    def sum(self, values):
        """The elementwise sum of ``values`` over the workers."""
        return self._reduce(values, np.add)

    def max(self, values):
        """The elementwise maximum of ``values`` over the workers."""
        return self._reduce(values, np.maximum)

    def run(self, function, partitions):
        """``function(*partition)`` on every worker at once, inside
        ``summed_over_workers``; returns each worker's result, or raises the first error.
        """
        if len(partitions) != self.world_size:
            raise ValueError(f"SimulatedWorkers: {len(partitions)} partitions for "
                             f"{self.world_size} workers.")
        results, errors = [None] * self.world_size, [None] * self.world_size

        def work(rank):
            self._local.rank = rank
            try:
                with summed_over_workers(self):
                    results[rank] = function(*partitions[rank])
            except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                errors[rank] = error
                self._barrier.abort()  # the other workers stop waiting for this one

        threads = [threading.Thread(target=work, args=(rank,))
                   for rank in range(self.world_size)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        first = next((error for error in errors
                      if error is not None and not isinstance(error,
                                                              threading.BrokenBarrierError)),
                     next((error for error in errors if error is not None), None))
        if first is not None:
            raise first
        return results


def _partitions(n_rows, rng):
    """Row indices of 3 workers: unequal, shuffled, the middle one empty."""
    order = rng.permutation(n_rows)
    cut = max(1, n_rows // 4)
    return [order[:cut], order[:0], order[cut:]]


def same(actual, expected):
    """Fail unless a statistic over partitions equals one process's (to 1e-9)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return actual.shape == expected.shape and np.allclose(
        actual, expected, rtol=1e-9, atol=1e-12 * (1.0 + np.nanmax(np.abs(expected), initial=0)),
        equal_nan=True)


def check_partitions(loss, y, raw, weight, rng, n_classes=None):
    """Statistics over partitioned rows (three workers, one holding no rows) equal those of
    one process holding them all, to 1e-9: the init score, an "auto" scale, the leaf
    values and the metric, with and without weights."""
    parts = _partitions(len(y), rng)
    workers = SimulatedWorkers(len(parts))
    leaf = rng.integers(0, 4, size=len(y))
    leaf[leaf == 3] = 2  # an empty leaf, NaN everywhere
    start = {} if n_classes is None else {"n_classes": n_classes}

    def statistics(y, raw, weight, leaf):
        found = [("init score", loss.init_score(y, weight, **start)),
                 ("metric", loss.metric(y, raw, weight))]
        fixed = fixed_scale(loss, y, raw, weight) if n_classes is None else None
        if fixed is not None:
            found.append(("'auto' scale", [float(v) for v in fixed.get_params().values()
                                           if not isinstance(v, str)]))
        if n_classes is None and getattr(loss, "renews_leaves", False):
            found.append(("leaf values", loss.leaf_values(y, raw, weight, leaf, 4)))
        return found

    for w in (None, weight):
        expected = statistics(y, raw, w, leaf)
        results = workers.run(statistics, [(y[rows], raw[rows], None if w is None else w[rows],
                                            leaf[rows]) for rows in parts])
        for rank, found in enumerate(results):
            for (label, value), (_, single) in zip(found, expected, strict=True):
                if not same(value, single):
                    fail(loss, "statistics over partitioned rows must equal one process's",
                         f"{label} {'with' if w is not None else 'without'} weights on "
                         f"worker {rank} of {len(parts)} (rows {[len(r) for r in parts]}): "
                         f"{value!r}, one process: {single!r}. Sum and take extremes "
                         "with boostobj.losses' total, all_sum, all_max, weighted_mean "
                         "and weighted_quantile, which reduce over the workers of a "
                         "distributed training (or leave out the 'partitions' check for "
                         "a loss trained on one machine only)")
