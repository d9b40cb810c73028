"""Ranking and contrastive losses: scores compared within query groups.

Each row belongs to one group (a query, a user, an anchor) of contiguous rows; ``s`` is the
raw score, ``y >= 0`` a relevance label. A loss is defined per group and the booster gets
per-row gradients. Every loss here ignores a constant added to all scores of a group, so the
init score is 0. Weights are one per group: weight 2 on a group equals the group duplicated.

Notation: within a group, q = y / Σ y (the target distribution), τ the temperature,
d_ij = s_i - s_j for a pair with y_i > y_j ("pairs" below always means those).

The kernels run over all groups at once (no Python loop over groups): the listwise softmax
by segment reductions over contiguous groups, the pairwise losses on dense (n_g x n_g)
pair matrices of groups of similar size, about a million pair cells per block (a larger
group in stripes of its rows). Blocks hold whole groups (or whole rows of one) and run on
threads. Pairwise work is O(Σ n_g²): all pairs, no sampling.
"""

from __future__ import annotations

import threading

import numpy as np

from .._numerics import log1pexp, map_tasks, weighted_mean
from ._base import BaseLoss, check_number
from .domains import RelevanceLabels
from .groups import as_groups

__all__ = ["ListwiseSoftmax", "PairwiseHinge", "PairwiseLogistic", "PairwiseLoss", "RANKING_LOSSES",
           "RankingLoss", "RelevanceLabels"]

# Rows per block of the listwise kernel, and pair-matrix cells per block of the pairwise
# ones. A pairwise block takes some 15 numpy calls of several microseconds each, under the
# GIL: blocks of a million cells keep that small against their arithmetic (a tenth of the
# cells per block made the kernel 4 times slower), in per-thread buffers reused each block.
_ROWS_PER_BLOCK = 65536
_CELLS_PER_BLOCK = 1 << 20
_MIN_HESSIAN = 1e-16


class RankingLoss(BaseLoss):
    """A loss per query group of scores; the booster gets per-row gradients.

    Every public method takes ``group`` (sizes, or :class:`Groups`); ``sample_weight``
    holds one weight per group. ``loss`` returns one value per group (weighted), ``metric``
    their weighted mean. Subclasses implement ``_group_loss(y, raw_score, groups)`` -> (G,)
    and ``_gradient_hessian(y, raw_score, groups, gradient, hessian)`` on a block of whole
    groups (unweighted, unchecked); ``_tasks(groups)`` cuts the groups into those blocks
    (``PairwiseLoss`` has its own blocks and kernels, in ``_fill``).
    """

    grouped = True
    target_domain = RelevanceLabels()

    # --- public API -------------------------------------------------------------------------

    def loss(self, y, raw_score, sample_weight=None, *, group=None):
        """Each group's loss (G values), multiplied by the group's weight when given."""
        y, raw_score, sample_weight, groups = self.check_inputs(y, raw_score, sample_weight,
                                                                group)
        values = self._group_loss(y, raw_score, groups)
        return values if sample_weight is None else values * sample_weight

    def gradient_hessian(self, y, raw_score, sample_weight=None, *, group=None):
        """Per-row first and second derivatives of Σ_g w_g loss_g (stand-ins where
        ``exact_hessian`` is False), two float64 arrays shaped like ``raw_score``."""
        y, raw_score, sample_weight, groups = self.check_inputs(y, raw_score, sample_weight,
                                                                group)
        return self.weighted_gradient_hessian(y, raw_score, sample_weight, group=groups)

    def weighted_gradient_hessian(self, y, raw_score, sample_weight, gradient=None,
                                  hessian=None, *, group, start=0.0, threads=None):
        """Unchecked ``gradient_hessian`` for validated inputs (the adapters' path), in
        blocks of whole groups on up to ``threads`` threads. ``start`` changes nothing (a
        constant per group) and is accepted for the adapters' sake."""
        if gradient is None:
            gradient = np.empty_like(raw_score, dtype=np.float64)
        if hessian is None:
            hessian = np.empty_like(raw_score, dtype=np.float64)
        self._fill(y, np.asarray(raw_score, dtype=np.float64), sample_weight, gradient, hessian,
                   group, threads)
        return gradient, hessian

    def _fill(self, y, raw_score, sample_weight, gradient, hessian, groups, threads):
        """Write the weighted derivatives into ``gradient`` and ``hessian``: the subclass's
        ``_gradient_hessian`` on blocks of consecutive whole groups, on threads."""
        def run(task):
            rows, block_groups, weight_slice = task
            block_gradient = np.empty(rows.stop - rows.start)
            block_hessian = np.empty_like(block_gradient)
            self._gradient_hessian(y[rows], raw_score[rows], block_groups, block_gradient,
                                   block_hessian)
            if sample_weight is not None:
                row_weight = np.repeat(sample_weight[weight_slice], block_groups.sizes)
                block_gradient *= row_weight
                block_hessian *= row_weight
            gradient[rows] = block_gradient
            hessian[rows] = block_hessian

        map_tasks(run, self._tasks(groups), threads=threads)

    def _tasks(self, groups):
        """(rows, their Groups, index of their groups' weights) for each block."""
        return [(slice(int(groups.ptr[first]), int(groups.ptr[last])),
                 groups.slice(first, last), slice(first, last))
                for first, last in groups.contiguous_blocks(_ROWS_PER_BLOCK)]

    def init_score(self, y, sample_weight=None, *, group=None):
        """0: the loss ignores a constant added to a group's scores."""
        self.check_inputs(y, None, sample_weight, group)
        return 0.0

    def metric(self, y, raw_score, sample_weight=None, *, group=None):
        """The weighted mean loss over groups, Σ_g w_g loss_g / Σ_g w_g."""
        y, raw_score, sample_weight, groups = self.check_inputs(y, raw_score, sample_weight,
                                                                group)
        return self.unchecked_metric(y, raw_score, sample_weight, group=groups)

    def unchecked_metric(self, y, raw_score, sample_weight, *, group):
        """``metric`` without the input checks (the caller checked them)."""
        values = self._group_loss(y, np.asarray(raw_score, dtype=np.float64), group)
        return weighted_mean(values, sample_weight)

    def total_weight(self, y, sample_weight=None, *, group=None):
        """The metric's denominator: Σ_g w_g, or the number of groups without weights."""
        _, _, sample_weight, groups = self.check_inputs(y, None, sample_weight, group)
        return float(groups.n_groups if sample_weight is None else np.sum(sample_weight))

    def leaf_values(self, y, raw_score, sample_weight, leaf, n_leaves, penalty=None):
        """Refused: a leaf's rows span groups, so it has no minimiser of its own."""
        raise ValueError(f"{self.name}: a ranking loss has no per-leaf minimiser to renew "
                         "leaves with (a leaf's rows span groups); pass renew_leaves=False.")

    # --- input checks -----------------------------------------------------------------------

    def check_group(self, group, n_rows):
        """``group`` (sizes or ``Groups``) as the ``Groups`` of ``n_rows`` rows."""
        return as_groups(group, n_rows, self.name)

    def check_inputs(self, y, raw_score, sample_weight, group=None):
        """(y, raw_score, weights, groups) checked: ``ValueError`` naming the loss otherwise."""
        y = self.check_target(y)
        groups = self.check_group(group, y.size)
        raw_score = self.check_raw_scores_of(y, raw_score)
        return y, raw_score, self.check_group_weight(sample_weight, groups), groups

    def check_group_weight(self, sample_weight, groups):
        """One weight per group (finite, >= 0, not all 0), or None."""
        if sample_weight is not None and np.size(sample_weight) not in (0, groups.n_groups):
            raise ValueError(f"{self.name}: sample_weight has {np.size(sample_weight)} values "
                             f"but there are {groups.n_groups} groups; a ranking loss takes one "
                             "weight per group.")
        return self.check_sample_weight(sample_weight, groups.n_groups)


def _group_sums(values, groups):
    return np.add.reduceat(values, groups.ptr[:-1])


class ListwiseSoftmax(RankingLoss):
    """Listwise softmax cross-entropy with temperature τ (InfoNCE).

    Per group: loss = -Σ_i q_i log p_i, q = G(y) / Σ G(y), p = softmax(s / τ), with the gain
    G(y) = y (``gain="linear"``, the default) or G(y) = 2^y - 1 (``gain="exponential"``,
    the gain of NDCG and of LightGBM's ``rank_xendcg``: with graded labels 0-6 a grade-6
    row weighs 63 grade-1 rows, not 6; computed as 2^(y - m) - 2^(-m) with m the group's
    largest label, the same q without overflow). For labels 0 and 1 the two are equal. Row i gets
    g_i = (p_i - q_i) / τ and h_i = p_i (1 - p_i) / τ² (floored at 1e-16 / τ², the
    diagonal of the exact hessian). One positive (label 1) among K negatives is InfoNCE,
    -log p_positive; m rows of label 1 share the mass (q = 1/m each: the multi-positive
    cross-entropy, 1/m times the "sum over positives" form); graded labels weigh by grade.
    A group whose labels are all 0 has no target distribution and contributes nothing
    (zero loss, gradient and hessian; it still counts in the metric's denominator).

    With Newton leaves τ is a rescaling: the gradients of s at τ are those of s / τ at 1
    over τ, the hessians over τ², so a tree's split gains G²/(H + λ) and leaf values
    -G/(H + λ) at (τ, λ, min_child_weight) are those at (1, λτ², min_child_weight·τ²), the
    leaves τ times larger. The model at τ is τ × the model at τ = 1 with λ and
    min_child_weight scaled by τ²: the same ranking. A small τ weakens the regularisation
    relative to the data (sharper, more confident softmax); τ matters only through λ,
    min_child_weight and max_delta_step.
    """

    name = "listwise_softmax"
    aliases = ("infonce", "softmax_cross_entropy_ranking")
    parameters = ("temperature", "gain")
    GAINS = ("linear", "exponential")

    def __init__(self, temperature=1.0, gain="linear"):
        super().__init__()
        self.temperature = check_number(self.name, "temperature", temperature, low=0.0)
        if gain not in self.GAINS:
            raise ValueError(f"{self.name}: gain == {gain!r}, must be one of {self.GAINS}.")
        self.gain = gain

    def _gains(self, y, groups):
        """G(y) per row, up to a factor per group (which q does not see)."""
        if self.gain == "linear":
            return y
        top = np.maximum.reduceat(y, groups.ptr[:-1])[groups.row_group]
        return np.exp2(y - top) - np.exp2(-top)

    def _parts(self, y, raw_score, groups):
        scaled = raw_score / self.temperature
        row_group = groups.row_group
        peak = np.maximum.reduceat(scaled, groups.ptr[:-1])
        shifted = scaled - peak[row_group]
        exp = np.exp(shifted)
        total = _group_sums(exp, groups)
        gains = self._gains(y, groups)
        relevance = _group_sums(gains, groups)
        return gains, shifted, exp, total, relevance

    def _group_loss(self, y, raw_score, groups):
        gains, shifted, _, total, relevance = self._parts(y, raw_score, groups)
        # -Σ q (z - max - log Σ e^(z - max)) = log Σ e^(z - max) - Σ q (z - max)
        active = relevance > 0
        target_sum = _group_sums(gains * shifted, groups) / np.where(active, relevance, 1.0)
        return np.where(active, np.log(total) - target_sum, 0.0)

    def _gradient_hessian(self, y, raw_score, groups, gradient, hessian):
        y, _, exp, total, relevance = self._parts(y, raw_score, groups)
        row_group = groups.row_group
        probability = exp / total[row_group]
        active = relevance > 0
        target = y / np.where(active, relevance, 1.0)[row_group]
        row_active = active[row_group]
        tau = self.temperature
        np.subtract(probability, target, out=gradient)
        gradient *= row_active / tau
        np.multiply(probability, 1.0 - probability, out=hessian)
        np.maximum(hessian, _MIN_HESSIAN, out=hessian)
        hessian *= row_active / (tau * tau)


class _Scratch(threading.local):
    """Per-thread buffers reused across blocks: a fresh 1 MB array per numpy operation
    would be mapped and faulted in by the kernel each time, which serialises the threads."""

    def get(self, name, shape, dtype):
        buffers = vars(self).setdefault("buffers", {})
        size = int(np.prod(shape))
        buffer = buffers.get((name, dtype))
        if buffer is None or buffer.size < size:
            buffer = buffers[name, dtype] = np.empty(max(size, _CELLS_PER_BLOCK), dtype=dtype)
        return buffer[:size].reshape(shape)


_SCRATCH = _Scratch()


def _pair_blocks(groups):
    """The blocks of the pairwise kernels, computed once per Groups.

    Groups of similar size (rounded up to 4) are padded to a common width P, a few dozen
    per block. A group too large for one block (P² over ``_CELLS_PER_BLOCK``) is cut into
    stripes of its rows, each against all P rows: the kernels sum along rows only, so a
    stripe's rows get their whole sums. Each block is (group ids, (G, R) indices and
    validity of the rows it computes, (G, P) indices and validity of their groups' rows,
    the valid rows it computes).
    """
    blocks = groups.cache.get("pair_blocks")
    if blocks is not None:
        return blocks
    sizes = groups.sizes
    padded = -(-sizes // 4) * 4
    blocks = []
    for width in np.unique(padded[sizes > 1]).tolist():
        members_all = np.flatnonzero((padded == width) & (sizes > 1))
        per_block = max(1, _CELLS_PER_BLOCK // (width * width))
        stripe = (width if width * width <= _CELLS_PER_BLOCK
                  else max(8, _CELLS_PER_BLOCK // width))
        offset = np.arange(width)
        for first in range(0, members_all.size, per_block):
            members = members_all[first:first + per_block]
            valid = offset < sizes[members][:, None]
            rows = np.minimum(groups.ptr[members][:, None] + offset,
                              groups.ptr[members + 1][:, None] - 1)
            for top in range(0, width, stripe):
                part_rows, part_valid = rows[:, top:top + stripe], valid[:, top:top + stripe]
                if part_valid.any():
                    blocks.append((members, part_rows, part_valid, rows, valid,
                                   part_rows[part_valid]))
    groups.cache["pair_blocks"] = blocks
    return blocks


def _row_sums(cells, ones):
    """Σ over the last axis of (G, R, P) cells, in float64: one matrix-vector product over
    all G·R rows (a BLAS call per group would cost more than the sums)."""
    n_groups, n_rows, width = cells.shape
    return np.matmul(cells.reshape(n_groups * n_rows, width), ones).astype(
        np.float64).reshape(n_groups, n_rows)


def _label_counts(labels, valid, group_labels, group_valid):
    """For each row of (G, R) ``labels``, how many rows of its group (the (G, P)
    ``group_labels``) have a lower label and how many the same (itself included); padding
    cells are invalid."""
    n_groups = labels.shape[0]
    if labels.dtype == np.int8:  # small whole labels: a histogram per group
        offset = 128 * np.arange(n_groups)[:, None]
        key = (group_labels.astype(np.intp) + offset)[group_valid]
        histogram = np.bincount(key, minlength=128 * n_groups).reshape(n_groups, 128)
        below = np.cumsum(histogram, axis=1) - histogram
        index = np.arange(n_groups)[:, None], np.where(valid, labels, 0)
        return below[index], histogram[index]
    others = np.where(group_valid, group_labels, np.nan)[:, None, :]
    lower = np.sum(labels[:, :, None] > others, axis=2)
    same = np.sum(labels[:, :, None] == others, axis=2)
    return lower, same


class PairwiseLoss(RankingLoss):
    """A loss summed over the pairs of each group with y_i > y_j, of d = s_i - s_j.

    Subclasses give the pair's loss ``_pair_loss(d)`` (float64 arrays, for the loss
    values) and ``_block_derivatives(rows, group, dtype)``: the per-row gradient and
    hessian of R rows of each of G groups padded to P rows, from (labels, scores, validity)
    of those (G, R) rows and of their groups' (G, P) rows (labels as int8 codes or float64),
    computing over the (G, R, P) cells in ``dtype``. Each row's sums run over its own
    pairs only (along rows), so stripes of a large group's rows can run separately.

    The pair arithmetic runs in the precision of the output buffers: float32 when an
    adapter hands the booster's (as the boosters store gradients), float64 otherwise.
    Sums over a row's pairs are matrix-vector products (several times faster than numpy's
    reductions along an axis).
    """

    def _fill(self, y, score, sample_weight, gradient, hessian, groups, threads):
        """Fill ``gradient`` and ``hessian`` of every row from its pairs, block by block of
        groups of similar size on threads.
        """
        dtype = np.float32 if gradient.dtype == np.float32 else np.float64
        # Small whole labels compare as int8 codes (half the time of floats over the cells).
        small = bool(np.all((y < 127) & (y == np.floor(y))))
        single_rows = groups.ptr[:-1][groups.sizes == 1]
        gradient[single_rows] = 0.0  # a group of one row has no pairs
        hessian[single_rows] = 0.0

        def run(block):
            members, rows, valid, group_rows, group_valid, valid_rows = block
            labels, group_labels = y[rows], y[group_rows]
            if small:
                labels, group_labels = labels.astype(np.int8), group_labels.astype(np.int8)
            with np.errstate(over="ignore", invalid="ignore"):
                block_gradient, block_hessian = self._block_derivatives(
                    (labels, score[rows], valid), (group_labels, score[group_rows], group_valid),
                    dtype)
            if sample_weight is not None:
                weight = sample_weight[members][:, None]
                block_gradient *= weight
                block_hessian *= weight
            gradient[valid_rows] = block_gradient[valid]
            hessian[valid_rows] = block_hessian[valid]

        map_tasks(run, _pair_blocks(groups), threads=threads)

    def _group_loss(self, y, raw_score, groups):
        values = np.zeros(groups.n_groups)
        for members, rows, valid, group_rows, group_valid, _ in _pair_blocks(groups):
            mask = (np.where(valid, y[rows], -np.inf)[:, :, None]
                    > np.where(group_valid, y[group_rows], np.inf)[:, None, :])
            difference = raw_score[rows][:, :, None] - raw_score[group_rows][:, None, :]
            np.add.at(values, members, np.sum(self._pair_loss(difference) * mask, axis=(1, 2)))
        return values


class PairwiseLogistic(PairwiseLoss):
    """RankNet: per group Σ over pairs with y_i > y_j of log(1 + e^(-σ d)), d = s_i - s_j.

    Summed over the row's pairs: g = -σ·sigmoid(-σd) for the higher row i and +σ·sigmoid(-σd)
    for the lower row j; h = σ²·sigmoid(σd)·sigmoid(-σd) for both (the diagonal of the
    exact hessian). ``hessian="doubled"`` gives twice that, as XGBoost's ``rank:pairwise``
    does: with all pairs and no normalisation that objective is this loss with the doubled
    hessian (tested to 1e-4 in predictions).

    The kernel uses sigmoid(-x) = (1 - tanh(x/2)) / 2, with tanh odd: over the rows k of
    the group with another label than row i, g_i = -σ/2·(n_lower - n_higher - Σ_k t_ik)
    and h_i = σ²/4·(n_other - Σ_k t_ik²), t_ik = tanh(σ(s_i - s_k)/2). Each pair's tanh
    thus serves both its rows, and only sums along rows are needed.
    """

    name = "pairwise_logistic"
    aliases = ("ranknet",)
    parameters = ("sigma", "hessian")
    builtin_twins = {"xgboost": "rank:pairwise‡"}

    def __init__(self, sigma=1.0, hessian="exact"):
        super().__init__()
        self.sigma = check_number(self.name, "sigma", sigma, low=0.0)
        if hessian not in ("exact", "doubled"):
            raise ValueError(f"{self.name}: hessian == {hessian!r}, must be one of "
                             "('exact', 'doubled').")
        self.hessian = hessian
        self.exact_hessian = hessian == "exact"

    def _pair_loss(self, difference):
        return log1pexp(-self.sigma * difference)

    def _block_derivatives(self, rows, group, dtype):
        """One block's (n_rows, width) gradient and hessian over every pair, on padded
        pair matrices.
        """
        (labels, score, valid), (group_labels, group_score, group_valid) = rows, group
        width = group_labels.shape[1]
        n_padding = (width - group_valid.sum(axis=1))[:, None]
        # Padding: a label no row has (it counts as "another label") and a score of +inf,
        # so that each padding cell of a row gives t = tanh(-inf) = -1 exactly, taken out
        # below.
        pad_label = -1 if labels.dtype == np.int8 else -np.inf
        half = 0.5 * self.sigma

        def padded(labels, score, valid):
            return (np.where(valid, labels, pad_label),
                    np.where(valid, score * half, np.inf).astype(dtype))

        row, column = padded(labels, score, valid), padded(group_labels, group_score,
                                                           group_valid)
        t = self._tanh_cells(row, column, dtype, "t")
        ones = np.ones(width, dtype=dtype)
        sum_t = _row_sums(t, ones)
        np.multiply(t, t, out=t)
        sum_t2 = _row_sums(t, ones)
        sum_t += n_padding
        sum_t2 -= n_padding
        lower, same = _label_counts(labels, valid, group_labels, group_valid)
        size = width - n_padding
        higher = size - same - lower
        gradient = (-0.5 * self.sigma) * ((lower - higher) - sum_t)
        curvature = 0.25 * self.sigma ** 2 * (2.0 if self.hessian == "doubled" else 1.0)
        hessian = curvature * np.maximum((size - same) - sum_t2, 0.0)
        return gradient, hessian

    @staticmethod
    def _tanh_cells(row, column, dtype, name):
        """t_ik = tanh(σ(s_i - s_k)/2) where the labels differ, 0 where they are equal."""
        (row_code, row_half), (column_code, column_half) = row, column
        shape = row_code.shape + column_code.shape[1:]
        other = np.not_equal(row_code[:, :, None], column_code[:, None, :],
                             out=_SCRATCH.get(name + " other", shape, np.bool_))
        t = np.subtract(row_half[:, :, None], column_half[:, None, :],
                        out=_SCRATCH.get(name, shape, dtype))
        np.multiply(t, other, out=t)
        return np.tanh(t, out=t)


class PairwiseHinge(PairwiseLoss):
    """Margin ranking loss: per group Σ over pairs with y_i > y_j of max(0, m - d).

    Each violated pair (d < m) gives -1 to the higher row and +1 to the lower. The true
    hessian is 0; the stand-in gives both rows 1/m per violated pair, the curvature of a
    quadratic that reaches the hinge's unit slope over one margin, so a leaf's Newton step
    moves its rows by about one margin (a row with no violated pair gets 0 and no gradient).
    """

    name = "pairwise_hinge"
    aliases = ("margin_ranking",)
    parameters = ("margin",)
    exact_hessian = False

    def __init__(self, margin=1.0):
        super().__init__()
        self.margin = check_number(self.name, "margin", margin, low=0.0)

    def _pair_loss(self, difference):
        return np.maximum(self.margin - difference, 0.0)

    def _block_derivatives(self, rows, group, dtype):
        """One block's gradient (the count of violated pairs, signed) and hessian (zero:
        the hinge is piecewise linear) over every pair.
        """
        # Row i's pairs: as the higher row with each lower k (violated when d_ik < m, -1)
        # and as the lower row with each higher k (violated when d_ki < m, i.e. d_ik > -m,
        # +1). A padding cell is neither lower nor higher than any label.
        (labels, score, valid), (group_labels, group_score, group_valid) = rows, group
        shape = labels.shape + group_labels.shape[1:]
        below, above = (-1, 127) if labels.dtype == np.int8 else (-np.inf, np.inf)
        difference = np.subtract(score.astype(dtype)[:, :, None],
                                 group_score.astype(dtype)[:, None, :],
                                 out=_SCRATCH.get("difference", shape, dtype))
        ones = np.ones(group_labels.shape[1], dtype=dtype)
        counts = _SCRATCH.get("counts", shape, dtype)
        violated = _SCRATCH.get("violated", shape, np.bool_)
        inside = _SCRATCH.get("inside", shape, np.bool_)
        if labels.shape[1] == group_labels.shape[1]:
            # whole groups: one pass over the pairs (i higher, k lower) gives both rows
            # their counts, along rows for i and along columns for k
            np.greater(np.where(valid, labels, below)[:, :, None],
                       np.where(group_valid, group_labels, above)[:, None, :], out=violated)
            violated &= np.less(difference, self.margin, out=inside)
            np.copyto(counts, violated)
            as_higher = _row_sums(counts, ones)
            as_lower = np.matmul(ones, counts).astype(np.float64)
        else:  # a stripe of a large group's rows: both kinds of pair along rows
            sums = []
            for pad, compare, limit, within in ((above, np.greater, self.margin, np.less),
                                                (below, np.less, -self.margin, np.greater)):
                compare(labels[:, :, None], np.where(group_valid, group_labels, pad)[:, None, :],
                        out=violated)
                violated &= within(difference, limit, out=inside)
                np.copyto(counts, violated)
                sums.append(_row_sums(counts, ones))
            as_higher, as_lower = sums
        return as_lower - as_higher, (as_higher + as_lower) / self.margin


RANKING_LOSSES = (ListwiseSoftmax, PairwiseLogistic, PairwiseHinge)
