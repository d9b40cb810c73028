"""Numerically stable helpers shared by every loss and link.

All functions take and return float64 numpy arrays (or scalars) and never raise on extreme
but finite inputs: they saturate instead of overflowing.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:  # the compiled kernels (boostobj/_kernels.pyx), where the install could build them
    from ._kernels import CAUCHY, FAIR, FAIR_EXACT, HUBER, group_values, m_estimates, nearest
    KERNELS_BUILT = True
except ImportError:  # no C compiler at install: the numpy kernels below, same results
    KERNELS_BUILT = False


class _Kernels(threading.local):
    compiled = KERNELS_BUILT  # whether this thread runs the compiled kernels
    threads = None  # the kernel threads' count inside ``kernel_threads``


_compiled = _Kernels()


def kernels():
    """Which kernels run: ``"compiled"`` (built with the package) or ``"numpy"``."""
    return "compiled" if _compiled.compiled else "numpy"


@contextlib.contextmanager
def numpy_kernels():
    """Inside the block, this thread runs the numpy kernels even where the compiled ones are
    built (they are the reference the tests compare the compiled ones with)."""
    previous = _compiled.compiled
    _compiled.compiled = False
    try:
        yield
    finally:
        _compiled.compiled = previous


@contextlib.contextmanager
def kernel_threads(threads):
    """Inside the block, the kernels of this thread run on up to ``threads`` threads (None
    or <= 0: every CPU): a training's own thread count."""
    previous = _compiled.threads
    _compiled.threads = threads
    try:
        yield
    finally:
        _compiled.threads = previous


# exp(500) ~ 1.4e217: far from overflow even after multiplying by a target of 1e90, and
# beyond any raw score a booster reaches in practice. Exponential losses clip their
# exponent here so that |raw_score| up to 1e6 still gives finite values.
MAX_EXPONENT = 500.0


def safe_exp(x, out=None):
    """exp(x) with the exponent clipped to [-MAX_EXPONENT, MAX_EXPONENT]; ``out`` may be ``x``."""
    return np.exp(np.clip(x, -MAX_EXPONENT, MAX_EXPONENT, out=out), out=out)


def log1pexp(x):
    """log(1 + e^x) without overflow.

    Uses the cut-offs of Mächler (2012), "Accurately computing log(1 - exp(-|a|))":
    e^x for x <= -37, log1p(e^x) up to 18, x + e^-x up to 33.3, and x beyond.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    a = x <= -37
    out[a] = np.exp(x[a])
    b = (x > -37) & (x <= 18)
    out[b] = np.log1p(np.exp(x[b]))
    c = (x > 18) & (x <= 33.3)
    out[c] = x[c] + np.exp(-x[c])
    d = x > 33.3
    out[d] = x[d]
    return out


def expit(x):
    """The logistic sigmoid 1 / (1 + e^-x), exact in both tails.

    For x < -709 e^-x overflows to inf and 1 / inf = 0, the correctly rounded result below
    the smallest double, so the overflow is harmless (and silenced); no cancellation occurs.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.negative(x, out=np.empty_like(x))  # with out=, a 0-d input stays an array
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def logit(p):
    """log(p / (1 - p)), with p clipped to [1e-15, 1 - 1e-15] so that it stays finite."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-15, 1.0 - 1e-15)
    return np.log(p) - np.log1p(-p)


def softmax(raw_score, out=None):
    """Row-wise softmax of an (n, K) array; ``out`` may be ``raw_score`` (float64 or float32).

    Subtracting the row maximum first keeps every exponent <= 0: no overflow at any score.
    """
    out = np.subtract(raw_score, np.max(raw_score, axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= np.sum(out, axis=1, keepdims=True)
    return out


def log_softmax(raw_score):
    """Row-wise log of the softmax, f_k - logsumexp(f), exact for any score."""
    shifted = raw_score - np.max(raw_score, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def squared(value):
    """A scale parameter squared as a float64: inf past the float range, never a Python
    ``OverflowError`` (a float's ``** 2`` raises one from 1.4e154 on)."""
    with np.errstate(over="ignore"):
        return np.square(np.float64(value))


def log_cosh(x):
    """log(cosh(x)) = |x| + log1p(e^(-2|x|)) - log 2, which never overflows."""
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)


def weighted_quantile(values, weights, alpha):
    """The smallest v with (weight of values <= v) >= alpha * (total weight).

    This is an exact minimiser of the weighted pinball loss
    sum_i w_i * (alpha * max(y_i - v, 0) + (1 - alpha) * max(v - y_i, 0)), so it is the
    optimal constant start of the quantile loss (alpha = 0.5: the lower weighted median).
    """
    values = np.asarray(values, dtype=np.float64)
    if _workers.reducer is not None:
        return float(_selected_quantiles(values, weights, np.zeros(values.size, np.intp), 1,
                                         alpha)[0])
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    if weights is None:
        cumulative = np.arange(1, values.size + 1, dtype=np.float64)
    else:
        cumulative = np.cumsum(np.asarray(weights, dtype=np.float64)[order])
    total = cumulative[-1]
    # A relative tolerance keeps an exact tie (e.g. alpha * total == a cumulative weight)
    # from being lost to rounding in the cumulative sum.
    index = np.searchsorted(cumulative, alpha * total * (1.0 - 1e-12), side="left")
    return float(sorted_values[min(index, values.size - 1)])


def conformal_quantile(values, weights, level):
    """Per row of ``values`` (m, n), the split-conformal quantile of its n scores at ``level``.

    For level >= 0.5 the ceil(level (n + 1))-th smallest score (+inf when that exceeds n),
    for level < 0.5 the floor(level (n + 1))-th smallest (-inf below 1): with n exchangeable
    calibration scores and a new one, P(new <= upper) >= level and P(new < lower) <= level.
    With ``weights`` (n,) the count is a weight, and the new score weighs the mean weight.
    """
    values = np.asarray(values, dtype=np.float64)
    if level < 0.5:  # the mirror image: lower(values, t) = -upper(-values, 1 - t)
        return -conformal_quantile(-values, weights, 1.0 - level)
    n = values.shape[-1]
    if weights is None:
        rank = int(np.ceil(level * (n + 1) * (1.0 - 1e-12)))
        if rank > n:
            return np.full(values.shape[:-1], np.inf)
        return np.partition(values, rank - 1, axis=-1)[..., rank - 1]
    weights = np.asarray(weights, dtype=np.float64)
    total = float(np.sum(weights))
    if n == 0 or not total > 0:  # no calibration weight (an empty Mondrian bin): no bound
        return np.full(values.shape[:-1], np.inf)
    target = level * total * (1.0 + 1.0 / n) * (1.0 - 1e-12)
    if target > total:
        return np.full(values.shape[:-1], np.inf)
    order = np.argsort(values, axis=-1)
    cumulative = np.cumsum(weights[order], axis=-1)
    index = np.minimum(np.sum(cumulative < target, axis=-1, keepdims=True), n - 1)
    sorted_values = np.take_along_axis(values, order, axis=-1)
    return np.take_along_axis(sorted_values, index, axis=-1)[..., 0]


def _lower_quantile_index(n_rows, alpha):
    # The index weighted_quantile picks with unit weights, without the cumulative sum.
    return min(max(int(np.ceil(alpha * n_rows * (1.0 - 1e-12))) - 1, 0), n_rows - 1)


def grouped_quantile(values, weights, groups, n_groups, alpha):
    """Per group g in 0 .. n_groups-1, ``weighted_quantile`` of the values in that group.

    ``groups`` holds small non-negative integers (a tree's leaves). The rows are bucketed by
    group (``grouped``), then each group's quantile is found by selection
    (``np.partition``, linear time) or, with weights, by sorting that group alone, the
    groups shared among the kernel threads. Groups without rows get NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    if _workers.reducer is not None:
        return _selected_quantiles(values, weights, np.asarray(groups), n_groups, alpha)
    counts, grouped_values, grouped_weights = grouped(groups, n_groups, values, weights)
    return segment_quantiles(grouped_values, grouped_weights, counts, alpha)


def grouped(groups, n_groups, *arrays):
    """(counts, *arrays in group order): each group's row count, and each array's rows
    ordered by group, stably (as ``array[np.argsort(groups, kind="stable")]``), for
    ``groups`` in 0 .. n_groups-1. A None array stays None (no weights).

    Compiled: one pass per array that reads it in row order and writes each group's rows to
    their place (a gather by the sorted order reads each cache line once per group: 10 ms
    at 1M rows and 63 groups against 2). numpy: its radix sort of 8- or 16-bit keys.
    """
    groups = np.ascontiguousarray(groups, dtype=np.intp)
    counts = np.bincount(groups, minlength=n_groups)
    if counts.size > n_groups:
        raise ValueError(f"grouped: groups must lie in 0 .. {n_groups - 1}")
    arrays = [None if array is None else np.ascontiguousarray(array, dtype=np.float64)
              for array in arrays]
    if _compiled.compiled:
        starts = np.cumsum(counts) - counts

        def in_order(array):
            out = np.empty_like(array)
            group_values(groups, starts, array, out)
            return out
    else:
        key_type = np.uint8 if n_groups <= 256 else np.uint16 if n_groups <= 65536 else np.intp
        order = np.argsort(groups.astype(key_type, copy=False), kind="stable")

        def in_order(array):
            return array[order]
    return (counts, *(None if array is None else in_order(array) for array in arrays))


def segment_quantiles(grouped, grouped_weights, counts, alpha):
    """``weighted_quantile`` of each run of ``grouped`` (runs of ``counts`` rows; NaN for an
    empty one or one without weight). ``grouped`` is reordered in place."""
    ends = np.cumsum(counts)
    result = np.full(len(counts), np.nan)

    def quantile(group):
        stop = ends[group]
        start = stop - counts[group]
        segment = grouped[start:stop]
        if grouped_weights is None:
            k = _lower_quantile_index(segment.size, alpha)
            segment.partition(k)  # in place: numpy's selection, without the GIL
            result[group] = segment[k]
        elif grouped_weights[start:stop].any():
            result[group] = weighted_quantile(segment, grouped_weights[start:stop], alpha)

    map_tasks(quantile, np.flatnonzero(counts), rows=grouped.size)
    return result


def leaf_m_estimates(kernel, y, raw_score, weights, groups, n_groups, penalty, tolerance,
                     max_iter):
    """``BaseLoss._leaf_values`` by the compiled kernel ``kernel`` = (name, scale), each
    group's Newton steps on its own rows, the groups shared among the kernel threads; None
    where the numpy path must run (no compiled kernels, or statistics over workers, whose
    sums are all-reduced every step)."""
    if not _compiled.compiled or _workers.reducer is not None:
        return None
    name, scale = kernel
    kind = {"huber": HUBER, "fair": FAIR, "fair_exact": FAIR_EXACT, "cauchy": CAUCHY}[name]
    counts, y, raw_score, weights = grouped(groups, n_groups, y, raw_score, weights)
    value = segment_quantiles(np.subtract(y, raw_score), weights, counts, 0.5)
    present = np.isfinite(value)
    value = np.array(penalty.bound(np.where(present, value, 0.0)), dtype=np.float64)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
    flags = present.view(np.uint8)
    weights = np.empty(0) if weights is None else weights  # the kernel's "unweighted"

    def estimate(group):
        m_estimates(kind, float(scale), y, raw_score, weights, starts, value, flags,
                    float(penalty.l2), float(penalty.l1), float(penalty.max_delta_step),
                    float(tolerance), int(max_iter), group, group + 1)

    map_tasks(estimate, np.flatnonzero(present), rows=y.size)
    value[~present] = np.nan
    return value


def nearest_value(sorted_values, x, tolerance):
    """(index, error): per x the index of the nearest of ``sorted_values`` (increasing), and
    the largest |x - sorted_values[index]| (infinite for NaN). For x within ``tolerance``
    of one of the values; values within 2 x ``tolerance`` of each other may be told apart
    either way.

    Compiled: a bucketed search (``np.searchsorted`` over the midpoints, exactly). numpy: a
    binary search per row costs more than the rest of a renewal, so where the values are
    far apart compared with the tolerance, a table over cells of a quarter of the smallest
    gap looks them up (each value owns its cell and the two beside it), else
    ``np.searchsorted``.
    """
    sorted_values = np.ascontiguousarray(sorted_values, dtype=np.float64)
    x = np.ascontiguousarray(x, dtype=np.float64)
    midpoints = (sorted_values[1:] + sorted_values[:-1]) / 2
    if _compiled.compiled:
        index = np.empty(x.size, dtype=np.intp)
        error = nearest(np.append(midpoints, np.inf), *_bucket_table(midpoints, x.size),
                        sorted_values, x, index)
        return index, error
    table = _lookup_table(sorted_values, tolerance)
    if table is None:
        index = np.searchsorted(midpoints, x)
    else:
        cells, origin, cell = table
        index = np.subtract(x, origin)
        index /= cell
        np.clip(index, 0, cells.size - 1, out=index)
        index[np.isnan(index)] = 0  # (NaN's error is infinite below)
        index = cells[index.astype(np.intp)].astype(np.intp)
    error = float(np.max(np.abs(np.subtract(x, sorted_values[index])), initial=0.0))
    return index, (error if error == error else np.inf)


def _bucket_table(midpoints, n_rows):
    """(first, origin, scale) for the compiled ``nearest``: cells over the midpoints' range,
    finer than their smallest gap where a table of 65,536 cells (and no more than an eighth
    of the rows) can be, ``first[c]`` the first midpoint at or above the start of cell c - 1
    (one cell back, against rounding), ``scale`` cells per unit."""
    n_cells = 8 * midpoints.size + 1
    origin = midpoints[0] if midpoints.size else 0.0
    span = midpoints[-1] - origin if midpoints.size else 0.0
    gaps = np.diff(midpoints)
    gaps = gaps[gaps > 0]
    if gaps.size and span > 0:
        finest = min(2 * span / gaps.min() + 2, 1 << 16, max(n_cells, n_rows // 8))
        n_cells = int(max(n_cells, finest))
    width = span / (n_cells - 1) if n_cells > 1 else 0.0
    scale = 1.0 / width if width > 0 and np.isfinite(1.0 / width) else 0.0
    first = np.searchsorted(midpoints, origin + (np.arange(n_cells) - 1) * width)
    return first.astype(np.intp), float(origin), scale


# Cells of the lookup table in _lookup_table, at most (int32).
_MAX_CELLS = 1 << 18


def _lookup_table(sorted_values, tolerance):
    """(table, origin, cell) for ``nearest_value``, or None where a binary search must do:
    cells of a quarter of the smallest gap between values more than 2 x ``tolerance``
    apart, each value owning its cell and the two beside it."""
    if sorted_values.size < 2:
        return np.zeros(1, dtype=np.int32), 0.0, 1.0  # one value: every x is nearest it
    gaps = np.diff(sorted_values)
    distinct = gaps[gaps > 2 * tolerance]  # values closer than that are not told apart
    if distinct.size == 0:
        return np.zeros(1, dtype=np.int32), 0.0, 1.0
    cell = distinct.min() / 4
    n_cells = int((sorted_values[-1] - sorted_values[0]) / cell) + 4
    if not (tolerance < cell / 2 and n_cells <= _MAX_CELLS):
        return None
    origin = sorted_values[0] - 1.5 * cell
    table = np.zeros(n_cells, dtype=np.int32)
    owned = ((sorted_values - origin) / cell).astype(np.intp)
    for offset in (-1, 0, 1):
        table[owned + offset] = np.arange(sorted_values.size)
    return table, float(origin), float(cell)


def robust_scale(residual, weights=None):
    """σ̂ = 1.4826 · (weighted median of |r - weighted median of r|): the normalised MAD.

    It equals σ for normal residuals, ignores up to half of them being gross outliers, and is
    equivariant: multiplying every residual by c > 0 multiplies σ̂ by c. Where more than half
    the residuals are equal (MAD 0) it falls back to the mean absolute deviation from the
    median (· 1.2533, also σ at the normal), then to max |r|, then to 1 (all residuals 0).
    """
    residual = np.asarray(residual, dtype=np.float64)
    centre = _median(residual, weights)
    deviation = np.subtract(residual, centre)
    np.abs(deviation, out=deviation)
    sigma = 1.4826 * _median(deviation, weights)
    if sigma > 0:
        return sigma
    sigma = 1.2533 * weighted_mean(deviation, weights)
    if sigma > 0:
        return sigma
    largest = float(all_max(np.max(np.abs(residual), initial=0.0)))
    return largest if largest > 0 else 1.0


def _median(values, weights):
    """The lower weighted median (``weighted_quantile`` at 0.5), by selection without weights."""
    if weights is None and _workers.reducer is None:
        return kth_smallest(values, _lower_quantile_index(values.size, 0.5))
    return weighted_quantile(values, weights, 0.5)


# Above this many values kth_smallest brackets the rank from a sample first.
_BRACKET_ROWS = 1 << 16
_BRACKET_SAMPLE = 4096


def kth_smallest(values, k):
    """The k-th smallest (from 0) of 1-D ``values``: ``np.partition(values, k)[k]``.

    A selection over every value costs about 10 ms at 1M (the robust scales take two every
    round). Above ``_BRACKET_ROWS`` values: an evenly spaced sample of about 4,096 gives a
    bracket [low, high] whose rank range holds rank k with room to spare (the sample's
    quantile ± 4 standard errors); numpy's branch-free masks count the values below low
    and keep those inside (a compiled loop that branches was slower), and the k-th
    smallest is the (k - below)-th of those. Where the bracket misses (an adversarial
    order, NaN), the selection runs over every value. The result is the same value either
    way.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    n = values.size
    if n <= _BRACKET_ROWS:
        return float(np.partition(values, k)[k])
    sample = np.sort(values[::n // _BRACKET_SAMPLE])
    m = sample.size
    q = k / n
    spread = 4.0 * np.sqrt(q * (1.0 - q) / m) + 2.0 / m
    low_rank, high_rank = int(np.floor((q - spread) * m)), int(np.ceil((q + spread) * m))
    low = sample[low_rank] if low_rank >= 0 else -np.inf
    high = sample[high_rank] if high_rank < m else np.inf
    below = int(np.count_nonzero(values < low))
    inside = values[(values >= low) & (values <= high)]
    if below <= k < below + inside.size:
        return float(np.partition(inside, k - below)[k - below])
    return float(np.partition(values, k)[k])


def weighted_mean(values, weights):
    """Weighted mean (of each column, for 2-D values); weights None means equal weights.

    Over every worker's rows inside ``summed_over_workers``.
    """
    values = np.asarray(values, dtype=np.float64)
    if _workers.reducer is None:
        if weights is None:
            mean = np.mean(values, axis=0)
        else:
            mean = np.dot(weights, values) / np.sum(weights)
        return float(mean) if np.ndim(mean) == 0 else mean
    if weights is None:
        sums = np.append(np.sum(values, axis=0), values.shape[0])
    else:
        weights = np.asarray(weights, dtype=np.float64)
        sums = np.append(np.dot(weights, values), np.sum(weights))
    sums = all_sum(sums)
    mean = sums[:-1] / sums[-1]
    return float(mean[0]) if values.ndim == 1 else mean


# --- statistics over the rows of every worker ---------------------------------------------
#
# A distributed training runs the same code on every worker, each on its own rows (SPMD).
# Inside ``summed_over_workers(reducer)`` the statistics above and below are of all the
# workers' rows at once: sums by an all-reduce, quantiles by an exact selection on
# all-reduced histograms. Every worker gets the same value, equal to what one process
# holding all the rows computes (up to the order of summation). Each worker must call the
# same statistics in the same order, as the collective of its booster requires.


class _Workers(threading.local):
    reducer = None  # the active reducer of this thread, or None: this process's rows only


_workers = _Workers()


@contextlib.contextmanager
def summed_over_workers(reducer):
    """Inside the block, this thread's statistics are over every worker's rows.

    ``reducer`` has ``sum(array)`` and ``max(array)`` (elementwise over the workers, the
    same result on every one), ``rank`` and ``world_size``.
    """
    previous = _workers.reducer
    _workers.reducer = reducer
    try:
        yield reducer
    finally:
        _workers.reducer = previous


def over_workers():
    """Whether statistics are over every worker's rows (inside ``summed_over_workers``)."""
    return _workers.reducer is not None


def all_sum(values):
    """``values`` summed elementwise over the workers (as they are, on one process)."""
    values = np.asarray(values, dtype=np.float64)
    reducer = _workers.reducer
    return values if reducer is None else np.asarray(reducer.sum(values), dtype=np.float64)


def all_max(values):
    """The elementwise maximum of ``values`` over the workers."""
    values = np.asarray(values, dtype=np.float64)
    reducer = _workers.reducer
    return values if reducer is None else np.asarray(reducer.max(values), dtype=np.float64)


def total(values):
    """Σ values over every worker's rows."""
    return float(all_sum(np.sum(values)))


def dot(values, weights):
    """Σ values · weights over every worker's rows."""
    return float(all_sum(np.dot(values, weights)))


def all_rows(values):
    """Every worker's ``values`` (1-D) concatenated in rank order, on every worker.

    O(total rows) of communication: only for statistics that no reduction gives exactly.
    """
    values = np.asarray(values, dtype=np.float64)
    reducer = _workers.reducer
    if reducer is None:
        return values
    sizes = np.zeros(reducer.world_size)
    sizes[reducer.rank] = values.size
    sizes = all_sum(sizes).astype(np.intp)
    gathered = np.zeros(int(sizes.sum()))
    start = int(sizes[:reducer.rank].sum())
    gathered[start:start + values.size] = values
    return all_sum(gathered)  # every other worker adds zeros: exact


_SIGN = np.uint64(1 << 63)
_DIGIT_BITS = 8


def _ordered_keys(values):
    """float64 values as uint64 keys in the same order: a non-negative value's sign bit
    set, a negative value's bits all flipped."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    flip = (bits.view(np.int64) >> 63).view(np.uint64)  # all ones where negative
    flip |= _SIGN
    return np.bitwise_xor(bits, flip, out=flip)


def _from_keys(keys):
    keys = np.asarray(keys, dtype=np.uint64)
    bits = np.where(keys & _SIGN, keys & ~_SIGN, ~keys)
    return bits.view(np.float64)


def _selected_quantiles(values, weights, groups, n_groups, alpha):
    """``grouped_quantile`` over every worker's rows, exactly: a radix selection.

    The float64 values are mapped to order-preserving 64-bit keys and the quantile's key is
    found 8 bits at a time: each of 8 rounds all-reduces, per group, the weight and count
    of the candidate rows in each of 256 buckets of the next 8 bits, and keeps the first
    non-empty bucket where the weight at or below it reaches α · total (the smallest value
    v with W(<= v) >= α W, as ``weighted_quantile``). Each round keeps only the rows of the
    chosen buckets, so after the first two rounds few rows are left. Groups without rows
    get NaN.
    """
    keys = _ordered_keys(values)
    groups = np.asarray(groups, dtype=np.intp)
    # Weighted on every worker or on none (a worker without rows cannot tell), as every
    # worker's all-reduces must have the same size.
    weighted = bool(all_max(float(weights is not None)) > 0)
    if weighted:
        weights = (np.ones(values.size) if weights is None
                   else np.asarray(weights, dtype=np.float64))

    def histograms(cells, size):
        # Without weights a bucket's weight is its count: half the all-reduce.
        count = np.bincount(cells, minlength=size).astype(np.float64)
        if not weighted:
            count = all_sum(count)
            return count, count
        summed = all_sum(np.concatenate([np.bincount(cells, weights, minlength=size), count]))
        return summed[:size], summed[size:]

    total, count = histograms(groups, n_groups)
    target = alpha * total * (1.0 - 1e-12)
    present = count > 0
    prefix = np.zeros(n_groups, dtype=np.uint64)
    below = np.zeros(n_groups)  # weight of the rows under the chosen prefix range
    buckets = 1 << _DIGIT_BITS
    rows = np.arange(n_groups)
    for shift in range(64 - _DIGIT_BITS, -1, -_DIGIT_BITS):
        digit = keys >> np.uint64(shift)
        digit &= np.uint64(buckets - 1)
        digit = digit.astype(np.intp)
        cells = digit if n_groups == 1 else groups * buckets + digit
        weight, count = (h.reshape(n_groups, buckets)
                         for h in histograms(cells, n_groups * buckets))
        cumulative = np.cumsum(weight, axis=1)
        reached = ((below[:, None] + cumulative) >= target[:, None]) & (count > 0)
        last = buckets - 1 - np.argmax(count[:, ::-1] > 0, axis=1)
        chosen = np.where(reached.any(axis=1), np.argmax(reached, axis=1), last)
        below += cumulative[rows, chosen] - weight[rows, chosen]
        prefix |= chosen.astype(np.uint64) << np.uint64(shift)
        keep = digit == (chosen[0] if n_groups == 1 else chosen[groups])
        keys, groups = keys[keep], groups[keep]
        if weighted:
            weights = weights[keep]
    return np.where(present, _from_keys(prefix), np.nan)


# Blocks of this many values (rows x scores per row) fit the per-core caches, so the several
# passes of a kernel over one block hit the cache instead of main memory, and the float64
# temporaries of (n, K) kernels stay a few MB whatever n is.
ROW_BLOCK = 65536
_POOLS = {}  # (process id, threads) -> executor


def _executor(threads):
    # Threads do not survive a fork: a child process builds its own pool.
    key = (os.getpid(), threads)
    if key not in _POOLS:
        _POOLS[key] = ThreadPoolExecutor(threads)
    return _POOLS[key]


def available_cpus():
    """The number of CPUs this process may run on (its affinity mask, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _thread_count(threads):
    """``threads``, else ``kernel_threads``' count, else every CPU; never more than every CPU."""
    if threads is None:
        threads = _compiled.threads
    cpus = available_cpus()
    return cpus if threads is None or threads <= 0 else min(int(threads), cpus)


def map_row_blocks(function, n_rows, *arrays, threads=None):
    """``function(*blocks)`` over blocks of rows of ``arrays`` (``ROW_BLOCK`` values each), in
    threads.

    For kernels whose rows are independent (each row's outputs depend on that row's inputs
    only): the result is identical to one call on the whole arrays. numpy releases the GIL
    in its loops, and the booster's own threads wait while its objective runs, so the
    blocks run on those idle cores: ``threads`` of them (the booster's own count; default
    every CPU the process may run on, never more). ``None`` entries of ``arrays`` are
    passed as ``None``.
    """
    threads = _thread_count(threads)
    width = max((a.shape[1] for a in arrays if a is not None and a.ndim == 2), default=1)
    block = max(1, ROW_BLOCK // width)
    n_blocks = -(-n_rows // block)
    if n_blocks <= 1:
        function(*arrays)
        return

    def run(start):
        stop = start + block
        function(*(None if a is None else a[start:stop] for a in arrays))

    starts = range(0, n_rows, block)
    if threads == 1:
        for start in starts:
            run(start)
        return
    for _ in _executor(min(threads, n_blocks)).map(run, starts):
        pass  # re-raises a block's exception here


_BLAS = {}  # process id -> threadpoolctl's controller of the loaded BLAS libraries


def _one_blas_thread():
    """A context in which BLAS runs on one thread: the ranking kernels' sums are BLAS
    matrix-vector products inside their own threads, and OpenBLAS would add as many threads
    again to each (groups of 1,000 ran twice as slowly on 2 threads as on one)."""
    from threadpoolctl import ThreadpoolController

    key = os.getpid()
    if key not in _BLAS:
        _BLAS[key] = ThreadpoolController()
    return _BLAS[key].limit(limits=1, user_api="blas")


def map_tasks(function, tasks, threads=None, rows=None):
    """``function(task)`` for each task, on up to ``threads`` threads (default: every CPU
    the process may run on), BLAS on one thread meanwhile. For kernels whose tasks write
    disjoint rows of their outputs (the ranking losses' blocks of whole groups). Each
    thread takes a run of consecutive tasks: handing out hundreds of sub-millisecond tasks
    one by one would cost as much as they do. Tasks over fewer than ``ROW_BLOCK`` ``rows``
    in all run on this thread: handing them to others costs more than they do."""
    threads = _thread_count(threads)
    tasks = list(tasks)
    if threads == 1 or len(tasks) <= 1 or (rows is not None and rows < ROW_BLOCK):
        for task in tasks:
            function(task)
        return
    n_runs = min(len(tasks), 4 * threads)
    bounds = np.linspace(0, len(tasks), n_runs + 1).astype(int)

    def run(index):
        for task in tasks[bounds[index]:bounds[index + 1]]:
            function(task)

    with _one_blas_thread():
        for _ in _executor(min(threads, n_runs)).map(run, range(n_runs)):
            pass  # re-raises a task's exception here


def row_uniforms(X, seed):
    """A uniform [0, 1) number per row: a hash of the row's values and ``seed`` (splitmix64's
    finaliser over the float64 bits, column by column; pandas' own row hash for a
    DataFrame). The same row gets the same draw alone, in any batch and in any order."""
    if hasattr(X, "iloc"):  # a DataFrame
        import pandas as pd

        hashes = pd.util.hash_pandas_object(X, index=False).to_numpy(dtype=np.uint64)
    else:
        values = np.array(X, dtype=np.float64)  # a copy: -0.0 becomes 0.0 below
        values[values == 0] = 0.0
        hashes = np.zeros(values.shape[0], dtype=np.uint64)
        for column in np.ascontiguousarray(values.T).view(np.uint64):
            hashes = _mix(hashes ^ column)
    hashes = _mix(hashes ^ np.uint64(seed))
    return (hashes >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _mix(h):
    """splitmix64's finaliser, elementwise on uint64 (multiplication wraps)."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))
