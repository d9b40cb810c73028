"""Multiclass losses over K raw scores per row. Notation: f_k the raw scores of a row,
p = softmax(f) the class probabilities, y the class id (0 .. K-1) or q a probability vector
(soft labels), w the sample weight.

Raw scores are (n, K) arrays, gradients and hessians too. The boosters grow one tree per
class and take a diagonal Newton step in each, so a loss gives the booster the diagonal of
the hessian. With the exact diagonal p_k(1 - p_k) those K steps overshoot together: for
K = 2 the two trees move the score difference twice as far as binary logistic's Newton
step. ``hessian="friedman"`` (the default) scales the diagonal by K / (K - 1) as Friedman
(2001) derives and LightGBM's ``multiclass`` does, which for K = 2 is exactly the logistic
step; ``"doubled"`` gives 2 p_k(1 - p_k) as XGBoost's ``multi:softprob``; ``"exact"`` the
exact diagonal.
"""

from __future__ import annotations

import numpy as np

from .._numerics import all_max, all_sum, log_softmax, over_workers, softmax, total, weighted_mean
from ..links import SoftmaxLink
from ._base import MultiOutputLoss, _describe_bad, check_number, minimize_constant_vector

__all__ = ["ClassLabels", "KLDivergence", "MULTICLASS_HESSIANS", "MULTICLASS_LOSSES",
           "MulticlassLoss", "ProbabilityRows", "SoftLabel", "Softmax", "SoftmaxFocal"]

MULTICLASS_HESSIANS = ("friedman", "exact", "doubled")
_MIN_HESSIAN = 1e-16
# Rows of soft labels must sum to 1 within this (labels pass through float32 in boosters).
_ROW_SUM_TOLERANCE = 1e-5


class ClassLabels:
    """Class ids 0, 1, ..., K - 1 (K = ``n_classes`` when known)."""

    def __init__(self, n_classes=None):
        self.n_classes = n_classes

    def includes(self, values):
        """Whether each value is a class id 0 .. K-1."""
        inside = (values >= 0) & (values == np.floor(values))
        return inside & (values < self.n_classes) if self.n_classes else inside

    def describe(self):
        """The class ids in words, for error messages."""
        upper = f" - 1 = {self.n_classes - 1}" if self.n_classes else " - 1"
        return f"integer class ids 0 .. K{upper}"

    def sample(self, rng, n):
        """Random class ids with every class present, for the property checks."""
        n_classes = self.n_classes or 3
        labels = rng.integers(0, n_classes, size=n).astype(np.float64)
        labels[:n_classes] = np.arange(n_classes)  # every class present
        return labels


class ProbabilityRows:
    """(n, K) rows of probabilities: each >= 0, each row summing to 1."""

    def describe(self):
        """The rows in words, for error messages."""
        return "an (n, K) matrix of rows >= 0 that sum to 1"

    def sample(self, rng, n, n_classes=3):
        """Random probability rows (Dirichlet), for the property checks."""
        return rng.dirichlet(np.full(n_classes, 0.7), size=n)


def _check_hessian_choice(loss, hessian):
    if hessian not in MULTICLASS_HESSIANS:
        raise ValueError(f"{loss.name}: hessian == {hessian!r}, must be one of "
                         f"{MULTICLASS_HESSIANS}.")
    loss.hessian = hessian
    loss.exact_hessian = hessian == "exact"


def _hessian_scale(hessian, n_classes):
    if hessian == "friedman":
        return n_classes / max(n_classes - 1, 1)
    return 2.0 if hessian == "doubled" else 1.0


def _softmax_hessian(p, hessian_choice, out):
    """``out`` = scale · p(1 - p), floored at 1e-16 (see the module docstring for the scale)."""
    scale = _hessian_scale(hessian_choice, p.shape[1])
    curvature = out if out.dtype == np.float64 else np.empty_like(p)
    np.subtract(1.0, p, out=curvature)
    curvature *= p
    if scale != 1.0:
        curvature *= scale
    np.maximum(curvature, _MIN_HESSIAN, out=out)


def _probabilities(raw_score, gradient):
    """softmax(raw_score), written into ``gradient`` when it is float64 (no 1M-row temporary)."""
    out = gradient if gradient.dtype == np.float64 else np.empty_like(raw_score, dtype=np.float64)
    return softmax(raw_score, out=out)


class MulticlassLoss(MultiOutputLoss):
    """A loss of K raw scores per row; the probabilities are their softmax.

    Subclasses implement ``_loss(y, raw_score)`` -> (n,), ``_gradient_hessian(y, raw_score,
    gradient, hessian)`` on (n, K) arrays and ``_init_score(y, sample_weight, n_classes)``
    -> (K,). Adding a constant to all K scores of a row changes nothing.
    """

    target_domain = ClassLabels()

    def __init__(self):
        super().__init__()
        self.link = SoftmaxLink()

    def check_target(self, y):
        """Class ids as an integer array, or ``ValueError`` naming the loss and values."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"{self.name}: y must be 1-D class ids, got shape {y.shape}.")
        if y.size == 0 and not over_workers():  # a worker may hold none of the rows
            raise ValueError(f"{self.name}: y is empty.")
        values = y.astype(np.float64)
        bad = ~np.isfinite(values) | ~self.target_domain.includes(values)
        if bad.any():
            raise ValueError(f"{self.name}: y must be {self.target_domain.describe()}, "
                             f"got {_describe_bad(values, bad)}.")
        return values.astype(np.intp)

    def n_classes_of(self, y):
        """K for checked targets ``y``: the number of class weights, else max(y) + 1."""
        return int(all_max(y.max() if y.size else -1)) + 1

    def check_n_classes(self, y, n_classes):
        """``ValueError`` unless targets ``y`` fit K = ``n_classes`` raw scores per row."""
        needed = self.n_classes_of(y)
        if n_classes < needed:
            bad = y >= n_classes
            raise ValueError(f"{self.name}: class ids must be < K = {n_classes} (the raw "
                             f"scores per row), got {_describe_bad(y, bad)}.")

    def _class_totals(self, y, sample_weight, n_classes):
        return all_sum(np.bincount(y, weights=sample_weight, minlength=n_classes))


class Softmax(MulticlassLoss):
    """loss = -c_y log p_y (the cross-entropy on logits), c = ``class_weight`` (all 1 if None).

    g_k = c_y (p_k - [k = y]);  exact diagonal h_k = c_y p_k(1 - p_k) (see the module
    docstring for ``hessian``).  Start: log of the class-weighted priors, log(c_k W_k / Σ).
    With class weights the metric divides by Σ w c_y, as PyTorch's
    ``CrossEntropyLoss(weight=c)``. Built-in twins: XGBoost ``multi:softprob``
    (``hessian="doubled"``), LightGBM ``multiclass`` (``hessian="friedman"``).
    """

    name = "softmax"
    builtin_twins = {"xgboost": "multi:softprob‡", "lightgbm": "multiclass"}
    aliases = ("cross_entropy", "multiclass")
    parameters = ("class_weight", "hessian")

    def __init__(self, *, class_weight=None, hessian="friedman"):
        super().__init__()
        if class_weight is not None:
            if isinstance(class_weight, (str, bytes)) or not np.iterable(class_weight):
                raise ValueError(f"{self.name}: class_weight == {class_weight!r}, must be "
                                 "a sequence of K positive numbers (or None).")
            class_weight = tuple(
                check_number(self.name, f"class_weight[{k}]", c, low=0.0)
                for k, c in enumerate(class_weight))
            if len(class_weight) < 2:
                raise ValueError(f"{self.name}: class_weight == {class_weight!r}, needs one "
                                 "weight per class (K >= 2).")
            self.target_domain = ClassLabels(len(class_weight))
        self.class_weight = class_weight
        _check_hessian_choice(self, hessian)

    def n_classes_of(self, y):
        """K: the number of class weights, else the largest class id + 1."""
        if self.class_weight is not None:
            return len(self.class_weight)
        return super().n_classes_of(y)

    def check_n_classes(self, y, n_classes):
        """``ValueError`` unless ``n_classes`` raw scores per row fit ``y`` (and the class
        weights).
        """
        if self.class_weight is not None and n_classes != len(self.class_weight):
            raise ValueError(f"{self.name}: {len(self.class_weight)} class weights but "
                             f"K = {n_classes} raw scores per row.")
        super().check_n_classes(y, n_classes)

    def _row_class_weight(self, y):
        return None if self.class_weight is None else np.asarray(self.class_weight)[y]

    def _total_weight(self, y, sample_weight):
        weight = self._row_class_weight(y)
        if weight is None:
            return super()._total_weight(y, sample_weight)
        return total(weight if sample_weight is None else weight * sample_weight)

    def _loss(self, y, raw_score):
        values = -log_softmax(raw_score)[np.arange(len(y)), y]
        weight = self._row_class_weight(y)
        return values if weight is None else values * weight

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        # In float64 (the adapters give float64 buffers to multiclass losses): rounding p
        # before p - 1 would change the boosters' split choices among near-equal gains.
        p = _probabilities(raw_score, gradient)
        _softmax_hessian(p, self.hessian, hessian)
        p[np.arange(len(y)), y] -= 1.0
        if p is not gradient:
            gradient[:] = p
        weight = self._row_class_weight(y)
        if weight is not None:
            gradient *= weight[:, None]
            hessian *= weight[:, None]

    def _init_score(self, y, sample_weight, n_classes):
        totals = self._class_totals(y, sample_weight, n_classes)
        if self.class_weight is not None:
            totals *= np.asarray(self.class_weight)
        return self.link.link(totals / totals.sum())


class SoftLabel(MulticlassLoss):
    """loss = -Σ_k q_k log p_k, q a probability vector per row (an (n, K) target matrix).

    For distillation (q: a teacher's probabilities), label smoothing, and rows with several
    positive classes (q = multi-hot / number of positives). g_k = p_k - q_k; exact diagonal
    h_k = p_k(1 - p_k) (``hessian`` as for softmax). Start: log of the weighted mean of q.
    On one-hot rows it is ``softmax``.
    """

    name = "soft_label"
    builtin_twins = {"xgboost": "multi:softprob‡", "lightgbm": "multiclass"}
    parameters = ("hessian",)
    target_domain = ProbabilityRows()

    def __init__(self, *, hessian="friedman"):
        super().__init__()
        _check_hessian_choice(self, hessian)

    def check_target(self, y):
        """``y`` as a float64 (n, K) matrix of probability rows, or ``ValueError``."""
        q = np.asarray(y, dtype=np.float64)
        if q.ndim != 2 or q.shape[1] < 2:
            raise ValueError(f"{self.name}: y must be an (n, K) matrix of class "
                             f"probabilities with K >= 2, got shape {q.shape}.")
        if q.shape[0] == 0 and not over_workers():  # a worker may hold none of the rows
            raise ValueError(f"{self.name}: y is empty.")
        bad = ~np.isfinite(q) | (q < 0)
        if bad.any():
            row, column = np.argwhere(bad)[0]
            raise ValueError(f"{self.name}: y must be finite probabilities >= 0, got "
                             f"{float(q[row, column])!r} at row {row}, column {column} "
                             f"({int(bad.sum())} entries in all).")
        sums = q.sum(axis=1)
        off = np.abs(sums - 1.0) > _ROW_SUM_TOLERANCE
        if off.any():
            raise ValueError(f"{self.name}: each row of y must sum to 1, got row sums "
                             f"{_describe_bad(sums, off)}.")
        return q

    def n_classes_of(self, y):
        """K: the number of columns of the probability rows."""
        return y.shape[1]

    def check_n_classes(self, y, n_classes):
        """``ValueError`` unless there is one raw score per column of ``y``."""
        if n_classes != y.shape[1]:
            raise ValueError(f"{self.name}: y has K = {y.shape[1]} columns but there are "
                             f"{n_classes} raw scores per row.")

    def _loss(self, y, raw_score):
        return -np.sum(y * log_softmax(raw_score), axis=1)

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        p = _probabilities(raw_score, gradient)
        _softmax_hessian(p, self.hessian, hessian)
        np.subtract(p, y, out=gradient)

    def _init_score(self, y, sample_weight, n_classes):
        mean = weighted_mean(y, sample_weight)
        return self.link.link(mean / mean.sum())


class KLDivergence(SoftLabel):
    """loss = Σ_k q_k log(q_k / p_k) (0 log 0 = 0): soft_label minus the entropy of q.

    The same gradients, hessians and start as ``soft_label``; the metric is 0 for a perfect
    model, whatever the entropy of the targets.
    """

    name = "kl_divergence"
    builtin_twins: dict = {}

    def _loss(self, y, raw_score):
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy_terms = np.where(y > 0, y * np.log(y), 0.0)
        return np.sum(entropy_terms, axis=1) + super()._loss(y, raw_score)


class SoftmaxFocal(MulticlassLoss):
    """loss = -(1 - p_y)^γ log p_y, the multiclass focal loss.

    With v = 1 - p_y, s = -log p_y and A = v^γ + γ p_y s v^(γ-1):
    g_k = (p_k - [k = y]) A;  exact diagonal
    h_k = p_k(1 - p_k) A - (p_k - [k = y])² p_y γ v^(γ-2) (v(s - 2) - (γ - 1) p_y s).
    The exact diagonal turns negative on badly misclassified rows when γ > 0. The booster
    gets max(exact, v^γ p_k(1 - p_k)), the softmax curvature scaled by the focal weight
    (equal to the exact one at γ = 0), times Friedman's K / (K - 1) as ``softmax`` does by
    default. Start: the M-estimate (Newton from the log class priors). γ = 0 is ``softmax``.
    """

    name = "softmax_focal"
    parameters = ("gamma",)
    exact_hessian = False

    def __init__(self, *, gamma=2.0):
        super().__init__()
        self.gamma = check_number(self.name, "gamma", gamma, low=0.0, low_inclusive=True)

    def _parts(self, y, raw_score):
        rows = np.arange(len(y))
        log_p = log_softmax(raw_score)
        p = np.exp(log_p)
        s = -log_p[rows, y]
        p_true = p[rows, y]
        onehot = np.zeros_like(p)
        onehot[rows, y] = 1.0
        # 1 - p_y as the sum of the other probabilities: no cancellation when p_y is near 1.
        v = np.sum(np.where(onehot > 0, 0.0, p), axis=1)
        return p, p_true, v, s, onehot

    def _loss(self, y, raw_score):
        _, _, v, s, _ = self._parts(y, raw_score)
        return v**self.gamma * s

    def _factor_a(self, p_true, v, s):
        gamma = self.gamma
        with np.errstate(divide="ignore", invalid="ignore"):
            s_over_v = np.where(v > 0, s / v, 1.0)  # s / v -> 1 as p_y -> 1
        return v**gamma * (1.0 + gamma * p_true * s_over_v)

    def _exact_diagonal(self, p, p_true, v, s, onehot):
        gamma = self.gamma
        a = self._factor_a(p_true, v, s)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(v[:, None] > 0, (p - onehot) / v[:, None], -onehot)
        bracket = v * (s - 2.0) - (gamma - 1.0) * p_true * s
        correction = ratio**2 * (p_true * gamma * v**gamma * bracket)[:, None]
        return p * (1.0 - p) * a - correction

    def exact_hessian_values(self, y, raw_score):
        """The exact hessian diagonal (can be negative); for checks, not for the booster."""
        y, raw_score, _ = self.check_inputs(y, raw_score, None)
        return self._exact_diagonal(*self._parts(y, raw_score))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        p, p_true, v, s, onehot = self._parts(y, raw_score)
        a = self._factor_a(p_true, v, s)[:, None]
        np.multiply(p - onehot, a, out=gradient)
        exact = self._exact_diagonal(p, p_true, v, s, onehot)
        floor = (v**self.gamma)[:, None] * p * (1.0 - p)
        np.maximum(exact, floor, out=hessian)
        hessian *= _hessian_scale("friedman", raw_score.shape[1])
        np.maximum(hessian, _MIN_HESSIAN, out=hessian)

    def _init_score(self, y, sample_weight, n_classes):
        # The summed loss of a constant depends on a row only through its class: minimise
        # over K representative rows weighted by the class totals.
        totals = self._class_totals(y, sample_weight, n_classes)
        present = np.flatnonzero(totals > 0)
        labels, weights = present, totals[present]
        start = self.link.link(totals / totals.sum())
        return minimize_constant_vector(self, labels, weights, start)


MULTICLASS_LOSSES = (Softmax, SoftLabel, KLDivergence, SoftmaxFocal)
