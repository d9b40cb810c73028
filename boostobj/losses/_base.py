"""The loss protocol and what every loss shares: input checks, weights, the init score.

A loss subclass supplies ``_loss(y, raw_score)`` and ``_gradient_hessian(y, raw_score,
gradient, hessian)`` (unweighted, unchecked, vectorised; the second fills the two given
arrays in place, as scikit-learn's ``gradient_out``/``hessian_out``, because allocating fresh
1M-row temporaries every boosting round costs more than the arithmetic) plus its link, target
domain and parameters. Each row's gradient and hessian must depend on that row alone: large
inputs are cut into blocks of rows that run in threads. The public methods check their
inputs, apply sample weights and reduce; the adapters check a dataset once and then reuse its
buffers every round.
"""

from __future__ import annotations

import numbers
from functools import partial

import numpy as np

from .._numerics import (
    all_sum,
    dot,
    grouped_quantile,
    leaf_m_estimates,
    map_row_blocks,
    over_workers,
    total,
    weighted_mean,
    weighted_quantile,
)
from ..links import IdentityLink
from .domains import REAL_LINE
from .penalty import NO_PENALTY


def check_number(loss_name, param, value, low=None, high=None, *,
                 low_inclusive=False, high_inclusive=False):
    """Return ``value`` as float, or raise ``ValueError`` naming the loss, parameter and bound."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{loss_name}: {param} == {value!r}, must be a real number.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{loss_name}: {param} == {value!r}, must be finite.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        raise ValueError(f"{loss_name}: {param} == {value!r}, must be "
                         f"{'>=' if low_inclusive else '>'} {low!r}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        raise ValueError(f"{loss_name}: {param} == {value!r}, must be "
                         f"{'<=' if high_inclusive else '<'} {high!r}.")
    return value


def check_scale(loss_name, param, value):
    """A positive scale parameter, or the string ``"auto"``."""
    if isinstance(value, str) and value == "auto":
        return value
    if isinstance(value, str):
        raise ValueError(f"{loss_name}: {param} == {value!r}, must be a number > 0 or 'auto'.")
    return check_number(loss_name, param, value, low=0.0)


HESSIANS = ("exact", "irls")


def set_hessian_choice(loss, hessian):
    """Set ``loss.hessian`` ("exact" or "irls") and the ``exact_hessian`` flag it implies."""
    if hessian not in HESSIANS:
        raise ValueError(f"{loss.name}: hessian == {hessian!r}, must be one of {HESSIANS}.")
    loss.hessian = hessian
    loss.exact_hessian = hessian == "exact"


def _describe_bad(values, bad):
    index = np.flatnonzero(bad)
    shown = ", ".join(f"{float(values[i])!r} at index {i}" for i in index[:3])
    more = f" ({index.size} values in all)" if index.size > 3 else ""
    return shown + more


def as_1d_float(loss_name, argument, values):
    """Float64 1-D view of ``values``, or a ``ValueError`` naming the argument."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{loss_name}: {argument} must be 1-D, got shape {array.shape}.")
    return array


class BaseLoss:
    """A loss of the booster's raw score ``f`` against a target ``y``.

    Class attributes a subclass sets:

    - ``name``: the registry name; ``aliases``: other names it answers to.
    - ``parameters``: names of the constructor's keyword parameters (also attributes).
    - ``target_domain``: where ``y`` may lie (an :class:`Interval` or :class:`BinaryLabels`).
    - ``exact_hessian``: False when ``_gradient_hessian`` returns a documented stand-in
      instead of the second derivative (zero or negative true hessians).
    - ``extra_metrics``: metric-only names the adapters report beside the loss by default.
    - ``renews_leaves``: True when the boosters should re-fit each new tree's leaves to the
      loss's exact minimiser (``leaf_values``) because the hessian cannot size a leaf
      step: zero (absolute error, pinball) or a stand-in outside a quadratic zone (Huber).
    - ``grouped``: True for losses over query groups (``ranking.RankingLoss``), whose
      methods take ``group=`` and one weight per group.
    - ``example_params``: values for the parameters that have no default, to build an
      example of the loss (the loss table, the property checks, pictures).
    - ``builtin_twins``: per booster ("xgboost", "lightgbm"), the built-in objective that
      is the same loss, as the loss table shows it: ``*`` both renew leaves (the built-ins
      interpolate between order statistics), ``†`` the built-in gives its trees h = 1 and
      keeps a fixed scale, ``‡`` the same with ``hessian="doubled"``. The boosters' parity
      tests hold the exact parameters each twin trains with.
    """

    name = "base"
    aliases: tuple = ()
    parameters: tuple = ()
    target_domain = REAL_LINE
    exact_hessian = True
    extra_metrics: tuple = ()
    renews_leaves = False
    grouped = False
    example_params: dict = {}
    builtin_twins: dict = {}

    def __init__(self):
        self.link = IdentityLink()

    # --- kernels a subclass implements (unweighted, unchecked, vectorised) ----------------

    def _loss(self, y, raw_score):
        raise NotImplementedError

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        """Fill ``gradient`` and ``hessian`` (arrays shaped like ``raw_score``) in place."""
        raise NotImplementedError

    def _init_score(self, y, sample_weight):
        return minimize_constant(self, y, sample_weight)

    def raw_score_shape(self, y):
        """The shape of the raw scores the booster keeps for targets ``y``: one per row."""
        return (len(y),)

    # --- public API -------------------------------------------------------------------------

    def loss(self, y, raw_score, sample_weight=None):
        """Per-sample loss values, multiplied by ``sample_weight`` when given."""
        y, raw_score, sample_weight = self.check_inputs(y, raw_score, sample_weight)
        values = self.fix_scale(y, raw_score, sample_weight)._loss(y, raw_score)
        return values if sample_weight is None else values * sample_weight

    def gradient_hessian(self, y, raw_score, sample_weight=None):
        """First and second derivatives with respect to ``raw_score``, weights applied.

        Returns two float64 arrays shaped like ``raw_score``. Where ``exact_hessian`` is
        False the second array is the stand-in the class docstring describes.
        """
        y, raw_score, sample_weight = self.check_inputs(y, raw_score, sample_weight)
        return self.weighted_gradient_hessian(y, raw_score, sample_weight)

    def weighted_gradient_hessian(self, y, raw_score, sample_weight, gradient=None, hessian=None,
                                  *, start=0.0, threads=None):
        """Unchecked ``gradient_hessian`` for validated inputs (the adapters' path).

        ``gradient`` and ``hessian``, when given, are filled in place and returned (the
        adapters pass float32 buffers, the precision both boosters store gradients in).
        ``start`` (a number, or one per class) is added to ``raw_score`` block by block.
        The work runs in blocks of rows on up to ``threads`` threads (default: every CPU
        the process may run on).
        """
        if gradient is None:
            gradient = np.empty_like(raw_score, dtype=np.float64)
        if hessian is None:
            hessian = np.empty_like(raw_score, dtype=np.float64)
        if np.any(start) and type(self).fix_scale is not BaseLoss.fix_scale:
            raw_score, start = raw_score + start, 0.0  # an "auto" scale sees the whole score
        loss = self.fix_scale(y, raw_score, sample_weight)
        start = start if np.any(start) else None
        map_row_blocks(partial(loss._weighted_kernel, start), len(y), y, raw_score,
                       sample_weight, gradient, hessian, threads=threads)
        return gradient, hessian

    def _weighted_kernel(self, start, y, raw_score, sample_weight, gradient, hessian):
        """The kernel's weighted gradient and hessian written into ``gradient`` and
        ``hessian`` (the booster's float32 buffers or float64), of ``raw_score`` plus ``start``.
        """
        if raw_score.ndim == 2 and (gradient.dtype != np.float64 or start is not None):
            # (n, K) kernels compute probabilities in place: in float64 for this block of
            # rows, column-major (each per-row reduction then runs over K contiguous
            # columns, several times faster), then rounded into the booster's buffers.
            block = np.empty(raw_score.shape, order="F")
            np.add(raw_score, 0.0 if start is None else start, out=block)
            block_gradient = np.empty(raw_score.shape, order="F")
            block_hessian = np.empty(raw_score.shape, order="F")
            self._weighted_kernel(None, y, block, sample_weight, block_gradient, block_hessian)
            gradient[...] = block_gradient
            hessian[...] = block_hessian
            return
        if start is not None:
            raw_score = np.add(raw_score, start, dtype=np.float64)
        self._gradient_hessian(y, raw_score, gradient, hessian)
        if sample_weight is not None:
            if gradient.ndim == 2:  # (n, K) scores: one weight per row
                sample_weight = sample_weight[:, None]
            gradient *= sample_weight
            hessian *= sample_weight

    def init_score(self, y, sample_weight=None):
        """The constant raw score that minimises the weighted loss (the booster's start)."""
        y, _, sample_weight = self.check_inputs(y, None, sample_weight)
        loss = self.fix_scale(y, np.zeros_like(y), sample_weight)
        return float(loss._init_score(y, sample_weight))

    def fix_scale(self, y, raw_score, sample_weight=None):
        """The loss with its ``"auto"`` scale replaced by the value for these residuals.

        A loss without an ``"auto"`` parameter returns itself. The booster-facing methods
        call this on every use, so an ``"auto"`` scale follows the residuals round by round.
        """
        return self

    def leaf_values(self, y, raw_score, sample_weight, leaf, n_leaves, penalty=None):
        """Per leaf l, the constant v minimising

            Σ_{i: leaf_i = l} w_i loss(y_i, f_i + v) + ½ λ v² + α |v|,  subject to |v| <= m,

        with λ, α, m the booster's ``penalty`` (a :class:`LeafPenalty`; none by default).

        ``leaf`` holds each row's leaf (0 .. n_leaves-1) in the tree just grown on scores
        ``raw_score``; leaves without rows get NaN. The adapters use it to renew the tree's
        leaves (times the learning rate) when ``renews_leaves`` is set. Unchecked inputs.
        The quantile losses (pinball, absolute error) take each leaf's weighted quantile as
        the boosters' built-in quantile and L1 objectives do, unpenalised, bounded by m.
        """
        loss = self.fix_scale(y, raw_score, sample_weight)
        penalty = NO_PENALTY if penalty is None else penalty
        values = loss._leaf_values(y, raw_score, sample_weight, np.asarray(leaf), n_leaves,
                                   penalty=penalty)
        return penalty.bound(values)

    def _leaf_values(self, y, raw_score, sample_weight, leaf, n_leaves, penalty=None,
                     max_iter=100):
        """Each leaf's minimiser of its rows' weighted loss plus ``penalty``: Newton steps
        with the loss's own hessian (IRLS for the secant stand-ins, which never increases
        the loss) from the leaf's median residual, until the leaf's step is within a
        tolerance. A loss with a compiled M-estimate (``_m_estimate_kernel``) runs each leaf
        on its own rows; otherwise all leaves step at once over all rows, each frozen once
        it has converged (the same steps, so the same values).
        """
        penalty = NO_PENALTY if penalty is None else penalty
        residual = np.subtract(y, raw_score)
        tolerance = 1e-10 * (weighted_mean(np.abs(residual), None) + 1e-300)
        kernel = self._m_estimate_kernel()
        if kernel is not None:
            value = leaf_m_estimates(kernel, y, raw_score, sample_weight, leaf, n_leaves,
                                     penalty, tolerance, max_iter)
            if value is not None:
                return value
        value = grouped_quantile(residual, sample_weight, leaf, n_leaves, 0.5)
        present = np.isfinite(value)
        value = penalty.bound(np.where(present, value, 0.0))
        # Buffers reused every step: on dask workers (glibc told to trim at 64 KiB) each
        # fresh 1M-row temporary costs page faults.
        shifted, gradient, hessian = residual, np.empty_like(y), np.empty_like(y)
        active = present.copy()
        for _ in range(max_iter):
            np.take(value, leaf, out=shifted)
            shifted += raw_score
            self._gradient_hessian(y, shifted, gradient, hessian)
            if sample_weight is not None:
                gradient *= sample_weight
                hessian *= sample_weight
            sums = all_sum(np.concatenate([np.bincount(leaf, gradient, minlength=n_leaves),
                                           np.bincount(leaf, hessian, minlength=n_leaves)]))
            step = penalty.newton_step(value, sums[:n_leaves], sums[n_leaves:], present)
            step[~active] = 0.0
            value += step
            active &= np.abs(step) > tolerance + 1e-12 * np.abs(value)
            if not active.any():
                break
        value[~present] = np.nan
        return value

    def _m_estimate_kernel(self):
        """(name, scale) of this loss's compiled leaf M-estimate (``_numerics.
        leaf_m_estimates``), or None: its leaves go the numpy way."""
        return None

    def predict(self, raw_score):
        """The inverse link: predictions on the response scale."""
        return self.link.inverse(raw_score)

    def metric(self, y, raw_score, sample_weight=None):
        """The weighted mean loss, sum(w * loss) / sum(w)."""
        y, raw_score, sample_weight = self.check_inputs(y, raw_score, sample_weight)
        return self.unchecked_metric(y, raw_score, sample_weight)

    def unchecked_metric(self, y, raw_score, sample_weight):
        """``metric`` without the input checks (the caller checked them)."""
        values = self.fix_scale(y, raw_score, sample_weight)._loss(y, raw_score)
        return weighted_mean(values, sample_weight)

    def total_weight(self, y, sample_weight=None):
        """The metric's denominator: Σ w, or n without weights (Σ w c_y with class weights)."""
        y, _, sample_weight = self.check_inputs(y, None, sample_weight)
        return self._total_weight(y, sample_weight)

    def _total_weight(self, y, sample_weight):
        return total(np.ones(len(y)) if sample_weight is None else sample_weight)

    # --- input checks -----------------------------------------------------------------------

    def check_target(self, y):
        """``y`` as float64 1-D, or ``ValueError`` naming the loss and the offending values."""
        y = as_1d_float(self.name, "y", y)
        if y.size == 0 and not over_workers():  # a worker may hold none of the rows
            raise ValueError(f"{self.name}: y is empty.")
        finite = np.isfinite(y)
        if not finite.all():
            # scikit-learn's words for a non-finite input, which its checks look for.
            raise ValueError(f"{self.name}: y contains NaN, infinity or a value too large "
                             f"(must be finite), got {_describe_bad(y, ~finite)}.")
        inside = self.target_domain.includes(y)
        if not inside.all():
            raise ValueError(f"{self.name}: y must be {self.target_domain.describe()}, "
                             f"got {_describe_bad(y, ~inside)}.")
        return y

    def check_sample_weight(self, sample_weight, n_samples):
        """``sample_weight`` as float64 1-D of ``n_samples`` (or None), or ``ValueError``
        naming the loss and the offending values.
        """
        if sample_weight is None:
            return None
        weight = as_1d_float(self.name, "sample_weight", sample_weight)
        if weight.size == 0:
            return None
        if weight.size != n_samples:
            raise ValueError(f"{self.name}: sample_weight has {weight.size} values "
                             f"but y has {n_samples}.")
        bad = ~np.isfinite(weight) | (weight < 0)
        if bad.any():
            # The boosters store weights as float32: a weight above 3.4e38 arrives as inf.
            hint = (" (a weight above 3.4e38, the largest float32 the boosters store weights "
                    "in, arrives as inf: scale the weights down)"
                    if np.isposinf(weight).any() else "")
            raise ValueError(f"{self.name}: sample_weight must be finite and >= 0, "
                             f"got {_describe_bad(weight, bad)}{hint}.")
        if not weight.any() and not over_workers():
            raise ValueError(f"{self.name}: sample_weight sums to zero; the loss's start "
                             "(the weighted optimal constant) needs a positive total weight.")
        return weight

    def check_inputs(self, y, raw_score, sample_weight):
        """(y, raw_score, sample_weight) checked: ``ValueError`` naming the loss otherwise."""
        y = self.check_target(y)
        raw_score = self.check_raw_scores_of(y, raw_score)
        return y, raw_score, self.check_sample_weight(sample_weight, y.size)

    def check_raw_scores_of(self, y, raw_score):
        """``raw_score`` (or None) as float64 1-D, one finite value per target of ``y``."""
        if raw_score is None:
            return None
        raw_score = as_1d_float(self.name, "raw_score", raw_score)
        if raw_score.size != y.size:
            raise ValueError(f"{self.name}: raw_score has {raw_score.size} values "
                             f"but y has {y.size}.")
        self.check_raw_score(raw_score)
        return raw_score

    def check_raw_score(self, raw_score):
        """``ValueError`` naming the loss and the values where ``raw_score`` is not finite.

        A raw score of ±inf or NaN has no gradient: it comes from a diverged model or a
        bad ``init_score`` / ``base_margin``, and training on it would only spread NaN.
        """
        raw_score = np.asarray(raw_score)
        finite = np.isfinite(raw_score)
        if not finite.all():
            flat = raw_score.reshape(-1)
            raise ValueError(f"{self.name}: raw_score must be finite, got "
                             f"{_describe_bad(flat, ~finite.reshape(-1))}; a diverged model "
                             "or a non-finite init_score / base_margin gives these.")

    # --- identity -----------------------------------------------------------------------------

    def get_params(self):
        """The loss's parameters, ``{name: value}`` (the spec's)."""
        return {param: getattr(self, param) for param in self.parameters}

    @property
    def spec(self):
        """The string form ``get_loss`` accepts, e.g. ``"huber:delta=2.0"``."""
        params = ",".join(f"{k}={_format_value(v)}" for k, v in self.get_params().items())
        return f"{self.name}:{params}" if params else self.name

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_params() == other.get_params()

    def __hash__(self):
        return hash((type(self), tuple(self.get_params().items())))


class MultiOutputLoss(BaseLoss):
    """A loss of K raw scores per row: (n, K) raw scores, gradients and hessians.

    The boosters grow one tree per output each round (``num_class`` = K) and take a
    diagonal Newton step in each, so a loss gives them the diagonal of its hessian.
    Subclasses implement ``check_target``, ``n_classes_of(y)`` (K for targets ``y``: the
    booster's ``num_class``), ``check_n_classes(y, K)``, ``_loss(y, raw_score)`` -> (n,),
    ``_gradient_hessian(y, raw_score, gradient, hessian)`` on (n, K) arrays and
    ``_init_score(y, sample_weight, n_classes)`` -> (K,).
    """

    def raw_score_shape(self, y):
        """(n, K): K raw scores per row."""
        return (len(y), self.n_classes_of(y))

    def n_classes_of(self, y):
        """K, the raw scores per row (the booster's ``num_class``), for checked targets."""
        raise NotImplementedError

    def check_n_classes(self, y, n_classes):
        """``ValueError`` unless targets ``y`` fit K = ``n_classes`` raw scores per row."""
        raise NotImplementedError

    def check_inputs(self, y, raw_score, sample_weight):
        """(y, raw_score, sample_weight) checked: ``ValueError`` naming the loss otherwise."""
        y = self.check_target(y)
        if raw_score is not None:
            raw_score = np.asarray(raw_score, dtype=np.float64)
            if raw_score.ndim != 2 or raw_score.shape[0] != len(y):
                raise ValueError(f"{self.name}: raw_score must have shape (n, K) = "
                                 f"({len(y)}, K), got {raw_score.shape}.")
            self.check_n_classes(y, raw_score.shape[1])
            self.check_raw_score(raw_score)
        return y, raw_score, self.check_sample_weight(sample_weight, len(y))

    def init_score(self, y, sample_weight=None, n_classes=None):
        """The constant raw-score vector (K,) that minimises the weighted loss.

        ``n_classes`` (default: from ``y``) sets K when some classes have no rows here.
        """
        y, _, sample_weight = self.check_inputs(y, None, sample_weight)
        n_classes = self.n_classes_of(y) if n_classes is None else int(n_classes)
        self.check_n_classes(y, n_classes)
        return np.asarray(self._init_score(y, sample_weight, n_classes), dtype=np.float64)

    def unchecked_metric(self, y, raw_score, sample_weight):
        """``metric`` without the input checks (the caller checked them)."""
        values = self._loss(y, raw_score)
        if sample_weight is not None:
            values = values * sample_weight
        return total(values) / self._total_weight(y, sample_weight)


def _format_value(value):
    if isinstance(value, (tuple, list)):
        return "[" + ",".join(str(item) for item in value) + "]"
    return str(value)


def minimize_constant(loss, y, sample_weight, max_iter=100, start=None):
    """M-estimate: argmin over constants c of sum_i w_i loss(y_i, c).

    Starts from ``start`` (default: the link of the weighted median) and takes Newton steps on the scalar with the
    loss's own hessian (for stand-in hessians such as Huber's secant weight this is IRLS),
    halving a step until the total loss does not increase. IRLS converges only linearly, so
    the result is polished to machine precision by bisection on the summed gradient, which
    brackets a minimum where it changes sign from - to +.
    """
    weight = np.ones_like(y) if sample_weight is None else sample_weight
    raw = np.empty_like(y)

    def total(constant):
        raw.fill(constant)
        return dot(loss._loss(y, raw), weight)

    gradient, hessian = np.empty_like(y), np.empty_like(y)

    def summed_gradient(constant):
        raw.fill(constant)
        loss._gradient_hessian(y, raw, gradient, hessian)
        sums = all_sum([np.dot(gradient, weight), np.dot(hessian, weight)])
        return float(sums[0]), float(sums[1])

    if start is None:
        start = loss.link.link(weighted_quantile(y, sample_weight, 0.5))
    c = float(start)
    current = total(c)
    for _ in range(max_iter):
        g, h = summed_gradient(c)
        if g == 0 or not h > 0 or not np.isfinite(h):
            break
        step = -g / h
        while True:
            value = total(c + step)
            if value <= current or abs(step) <= 1e-15 * (1.0 + abs(c)):
                break
            step *= 0.5
        if value > current:
            break
        c, current = c + step, value
        if abs(step) <= 1e-9 * (1.0 + abs(c)):
            break
    return _polish(summed_gradient, total, c, current)


def minimize_constant_vector(loss, y, sample_weight, start, *, over_workers=False,
                             max_iter=500):
    """argmin over constant vectors c of Σ_i w_i loss(y_i, c), for a loss of K raw scores.

    Newton steps with the loss's diagonal hessian (Fisher scoring where the hessian is the
    Fisher information) from ``start``, halving a step until the summed loss does not
    increase. With ``over_workers`` every sum is over every worker's rows.
    """
    reduce = all_sum if over_workers else np.asarray
    weight = np.ones(len(y)) if sample_weight is None else sample_weight
    c = np.array(start, dtype=np.float64)
    raw = np.empty((len(y), c.size))
    gradient, hessian = np.empty_like(raw), np.empty_like(raw)
    total_weight = float(reduce(np.sum(weight)))

    def summed_loss(constant):
        raw[:] = constant
        return float(reduce(np.dot(loss._loss(y, raw), weight)))

    current = summed_loss(c)
    for _ in range(max_iter):
        raw[:] = c
        loss._gradient_hessian(y, raw, gradient, hessian)
        sums = reduce(np.concatenate([weight @ gradient, weight @ hessian]))
        g, h = sums[:c.size], sums[c.size:]
        if np.max(np.abs(g)) <= 1e-13 * total_weight or not np.all(h > 0):
            break
        step = -g / h
        for _ in range(60):
            candidate = summed_loss(c + step)
            # Within rounding of the summed loss (which is flat at the minimum, so a step
            # of 1e-8 changes it by 1e-16 of itself) a Newton step still counts: without
            # this slack the start would stop about √ε from the minimiser.
            if candidate <= current + 8 * np.finfo(np.float64).eps * abs(current):
                break
            step *= 0.5
        else:
            break
        c, current = c + step, candidate
        if np.all(np.abs(step) <= 1e-13 * (1.0 + np.abs(c))):
            break
    return c


def _polish(summed_gradient, total, c, current):
    """The root of ``summed_gradient`` near ``current`` to rounding: bracket it by
    doubling a step, then bisect (the last digits a Newton iteration cannot settle).
    """
    g = summed_gradient(c)[0]
    if g == 0:
        return c
    direction = -np.sign(g)
    width = 1e-9 * (1.0 + abs(c))
    while summed_gradient(c + direction * width)[0] * g > 0:
        width *= 4.0
        if width > 1e12 * (1.0 + abs(c)):
            return c
    low, high = sorted((c, c + direction * width))
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if summed_gradient(middle)[0] < 0:
            low = middle
        else:
            high = middle
    polished = 0.5 * (low + high)
    # A non-convex loss can bracket a different local minimum: keep the better one (a root
    # within rounding of the summed loss, which is flat at a minimum, counts as better).
    return polished if total(polished) <= current + 1e-12 * max(1.0, abs(current)) else c
