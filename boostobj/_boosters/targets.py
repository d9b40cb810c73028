"""Checked targets: the labels, weights and query groups of a booster's dataset, checked
once by the loss and reused every round, and the loss's start on them.

The booster layer knows nothing of the math: it fetches labels and weights from the
booster's dataset (a ``fetch`` function per booster), checks them once against the loss's
domain, and hands raw scores to the loss's kernels.
"""

from __future__ import annotations

import weakref

import numpy as np

from .._numerics import available_cpus
from ..losses import MultiOutputLoss


def thread_count(requested):
    """The kernels' thread count for a booster told ``requested`` threads.

    None, 0 or a negative number (the boosters' "all cores") means every CPU the process may
    run on; a positive number is honoured up to that.
    """
    try:
        requested = 0 if isinstance(requested, bool) else int(requested)
    except (TypeError, ValueError):  # None, or what the booster itself will reject
        requested = 0
    return available_cpus() if requested <= 0 else min(requested, available_cpus())


class Targets:
    """Checked labels and weights of one dataset, with the buffers reused every round.

    For a ranking loss also its query groups (``group``: sizes or boundaries as the booster
    keeps them) and one weight per group; per-row weights (LightGBM's) must be equal within
    each group.

    ``layout`` is the order of (n, K) gradients the booster takes without a copy: "C"
    (XGBoost, row-major) or "F" (LightGBM, class-major).
    """

    def __init__(self, loss, labels, weights, dataset=None, *, group=None, threads=None,
                 layout="C"):
        self.loss = loss
        self.y = loss.check_target(labels)
        self.n_rows = len(self.y)
        self.groups = None
        if getattr(loss, "grouped", False):
            self.groups = loss.check_group(group, self.n_rows)
            self.weight = loss.check_group_weight(group_weights(loss, weights, self.groups),
                                                  self.groups)
        else:
            self.weight = loss.check_sample_weight(weights, self.n_rows)
        # what the grouped losses' methods take beside the labels and weights
        self._grouping = {} if self.groups is None else {"group": self.groups}
        self.multiclass = len(loss.raw_score_shape(self.y)) == 2
        self.ref = weakref.ref(dataset) if dataset is not None else None
        self.threads = threads
        self.layout = layout
        self._raw = self._gradient = self._hessian = None
        self._n_classes_checked = None
        self._units = None  # the loss's curvature units, fixed at the first round

    def predictions(self, predictions):
        """The booster's predictions, checked: shaped (n,) or (n, K) and finite."""
        predictions = np.asarray(predictions)
        if not self.multiclass and predictions.ndim == 2 and predictions.shape[1] == 1:
            predictions = predictions[:, 0]
        if self.multiclass:
            if predictions.ndim != 2 or predictions.shape[0] != self.n_rows:
                raise ValueError(f"{self.loss.name}: the booster gave predictions of shape "
                                 f"{predictions.shape} for {self.n_rows} rows; expected "
                                 f"({self.n_rows}, K): set num_class (XGBoost, LightGBM) or "
                                 "use a classifier with more than two classes.")
            if predictions.shape[1] != self._n_classes_checked:
                self.loss.check_n_classes(self.y, predictions.shape[1])
                self._n_classes_checked = predictions.shape[1]
        elif predictions.shape != (self.n_rows,):
            raise ValueError(f"{self.loss.name}: the booster gave predictions of shape "
                             f"{predictions.shape} for {self.n_rows} labels; expected "
                             f"({self.n_rows},).")
        # A sum is finite when every term is (and costs no temporary); only a non-finite
        # or overflowing sum needs the elementwise look.
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.sum(predictions)
        if not np.isfinite(total):
            self.loss.check_raw_score(predictions)
        return predictions

    def raw_score(self, predictions, start=0.0):
        """The booster's predictions (plus ``start``) as float64 raw scores: (n,) or (n, K)."""
        predictions = self.predictions(predictions)
        if predictions.dtype == np.float64 and not np.any(start):
            return predictions  # the kernels never write to their inputs
        if self._raw is None or self._raw.shape != predictions.shape:
            order = "F" if self.multiclass else "C"
            self._raw = np.empty(predictions.shape, dtype=np.float64, order=order)
        return np.add(predictions, start, out=self._raw)

    def gradient_hessian(self, predictions, start=0.0):
        """Weighted gradient and hessian of the booster's ``predictions`` (plus ``start``).

        Float32, what both boosters store, in buffers reused every round. (n, K) scores are
        computed in float64 by blocks of rows (start added per block, no (n, K) float64
        copy) and written in the booster's own layout, so it takes them without a copy.
        A loss with ``curvature_units`` (the distribution losses) gets each output's
        gradient and hessian times its unit, computed at the first round of these targets.
        """
        if not self.multiclass:
            return self.gradient_hessian_of(self.raw_score(predictions, start))
        predictions = self.predictions(predictions)
        gradient, hessian = self._buffers(predictions.shape, self.layout)
        self.loss.weighted_gradient_hessian(self.y, predictions, self.weight, gradient, hessian,
                                            start=start, threads=self.threads)
        if self._units is None:
            curvature_units = getattr(self.loss, "curvature_units", None)
            self._units = (False if curvature_units is None else np.asarray(
                curvature_units(self.y, predictions + start, self.weight), dtype=np.float32))
        if self._units is not False:
            # a constant per output: every Newton leaf value -ΣG/ΣH stays as it was
            gradient *= self._units
            hessian *= self._units
        return gradient, hessian

    def gradient_hessian_of(self, raw_score, loss=None):
        """Weighted gradient and hessian of float64 raw scores (the renewal's path), of
        ``loss`` where given (the loss with its "auto" scale fixed for these scores)."""
        gradient, hessian = self._buffers(raw_score.shape, self.layout)
        loss = self.loss if loss is None else loss
        return loss.weighted_gradient_hessian(self.y, raw_score, self.weight, gradient,
                                              hessian, threads=self.threads, **self._grouping)

    def _buffers(self, shape, layout):
        if self._gradient is None or self._gradient.shape != shape:
            self._gradient = np.empty(shape, dtype=np.float32, order=layout)
            self._hessian = np.empty(shape, dtype=np.float32, order=layout)
        return self._gradient, self._hessian

    def metrics(self, metrics, raw_score):
        """The values of ``metrics`` (a ``LossMetrics``) of these raw scores: (name, value)
        pairs.
        """
        return metrics.evaluate(self.y, raw_score, self.weight, self.groups)

    def metric(self, raw_score):
        """The loss's own metric of these raw scores."""
        return self.loss.unchecked_metric(self.y, raw_score, self.weight, **self._grouping)

    def n_classes(self, given=None):
        """K of multiclass targets: ``given`` (the booster's num_class) or from the labels."""
        n_classes = int(given) if given else self.loss.n_classes_of(self.y)
        self.loss.check_n_classes(self.y, n_classes)
        return n_classes

    def init_score(self, n_classes=None):
        """The loss's start for these targets: a float, or a (K,) vector for multiclass."""
        if self.groups is not None:
            return 0.0  # a ranking loss ignores a constant per group
        return loss_start(self.loss, self.y, self.weight, n_classes)


def group_weights(loss, weights, groups):
    """One weight per group: as given (XGBoost's), or from one per row (LightGBM's), which
    must then be equal within each group (a ranking loss weighs whole groups)."""
    if weights is None:
        return None
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    if weights.size != groups.n_rows or groups.n_rows == groups.n_groups:
        return weights
    first = weights[groups.ptr[:-1]]
    differs = np.flatnonzero(np.maximum.reduceat(np.abs(weights - np.repeat(first, groups.sizes)),
                                                 groups.ptr[:-1]) > 0)
    if differs.size:
        group = int(differs[0])
        values = np.unique(weights[groups.ptr[group]:groups.ptr[group + 1]])[:3].tolist()
        raise ValueError(f"{loss.name}: the row weights of group {group} differ ({values}); "
                         "a ranking loss takes one weight per group: give each row of a "
                         "group that group's weight.")
    return first


class CheckedTargets:
    """Labels and weights of each dataset, checked by the loss once and reused every round.

    Fetching labels (XGBoost copies them out of C++ on every call), checking them and
    allocating 1M-row arrays each round would cost more than the gradient arithmetic, so
    ``Targets`` are kept per dataset object (weakly, so a dataset that goes away frees them)
    and rebuilt when its row count changes. The gradient buffers handed to a booster are
    overwritten at the next round: boosters copy them before that.
    """

    def __init__(self, loss, fetch, *, threads=None, layout="C"):
        self.loss = loss
        self._fetch = fetch  # dataset -> (labels, weights or None, groups or None)
        self.threads = threads
        self.layout = layout
        self._entries = {}

    def __call__(self, dataset):
        key = id(dataset)
        targets = self._entries.get(key)
        if (targets is not None and targets.ref() is dataset
                and _num_rows(dataset) in (None, targets.n_rows)):
            return targets
        labels, weights, group = self._fetch(dataset)
        options = {"group": group, "threads": self.threads, "layout": self.layout}
        try:
            targets = Targets(self.loss, labels, weights, dataset, **options)
        except TypeError:  # not weak-referenceable: checked again every time
            return Targets(self.loss, labels, weights, **options)
        self._entries[key] = targets
        return targets

    def __getstate__(self):
        return {**vars(self), "_entries": {}}


def _num_rows(dataset):
    """The dataset's row count, or None where it cannot tell yet (an unconstructed Dataset)."""
    for attribute in ("num_row", "num_data"):
        method = getattr(dataset, attribute, None)
        if method is not None:
            try:
                return method()
            except Exception:  # noqa: BLE001 - LightGBM raises its own error before construction
                return None
    return None


def loss_start(loss, y, sample_weight, n_classes=None):
    """The loss's init score for labels ``y``: a float, or a (K,) vector for K outputs.

    Computed on the labels and weights as both boosters store them, in float32: the
    objective sees those, and a start computed on the float64 labels would put the row at
    a quantile a rounding away from its own label (and on the other side of it).
    """
    if getattr(loss, "grouped", False):
        return 0.0  # a ranking loss ignores a constant per group
    y = np.asarray(y, dtype=np.float32)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float32)
    if isinstance(loss, MultiOutputLoss):
        return loss.init_score(y, sample_weight, n_classes)
    return loss.init_score(y, sample_weight)
