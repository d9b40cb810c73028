"""What both booster adapters share: checked targets per dataset, and the metric callables.

Adapters know nothing of the math: they fetch labels and weights from the booster's dataset,
check them once against the loss's domain, and hand raw scores to the loss's kernels.
"""

from __future__ import annotations

import weakref

import numpy as np

from .losses import get_loss
from .metrics import LossMetrics


class Targets:
    """Checked labels and weights of one dataset, with the buffers reused every round."""

    def __init__(self, loss, labels, weights, dataset=None):
        self.loss = loss
        self.y = loss.check_target(labels)
        self.weight = loss.check_sample_weight(weights, self.y.size)
        self.ref = weakref.ref(dataset) if dataset is not None else None
        self._raw = self._gradient = self._hessian = None

    def raw_score(self, predictions, start=0.0):
        """The booster's predictions (plus ``start``) as a float64 raw-score vector."""
        predictions = np.asarray(predictions)
        if predictions.ndim == 2 and predictions.shape[1] == 1:
            predictions = predictions[:, 0]
        if predictions.shape != self.y.shape:
            raise ValueError(f"{self.loss.name}: the booster gave predictions of shape "
                             f"{predictions.shape} for {self.y.size} labels; expected "
                             f"({self.y.size},).")
        if predictions.dtype == np.float64 and not start:
            return predictions  # the kernels never write to their inputs
        if self._raw is None:
            self._raw = np.empty(self.y.size, dtype=np.float64)
        return np.add(predictions, start, out=self._raw)

    def gradient_hessian(self, raw_score):
        """Weighted gradient and hessian in float32 buffers (what both boosters store)."""
        if self._gradient is None:
            self._gradient = np.empty(self.y.size, dtype=np.float32)
            self._hessian = np.empty(self.y.size, dtype=np.float32)
        return self.loss.weighted_gradient_hessian(self.y, raw_score, self.weight,
                                                   self._gradient, self._hessian)

    def metrics(self, metrics, raw_score):
        return metrics.evaluate(self.y, raw_score, self.weight)


class CheckedTargets:
    """Labels and weights of each dataset, checked by the loss once and reused every round.

    Fetching labels (XGBoost copies them out of C++ on every call), checking them and
    allocating 1M-row arrays each round would cost more than the gradient arithmetic, so
    ``Targets`` are kept per dataset object (weakly, so a dataset that goes away frees them)
    and rebuilt when its row count changes. The gradient buffers handed to a booster are
    overwritten at the next round: boosters copy them before that.
    """

    def __init__(self, loss, fetch):
        self.loss = loss
        self._fetch = fetch  # dataset -> (labels, weights or None)
        self._entries = {}

    def __call__(self, dataset):
        key = id(dataset)
        targets = self._entries.get(key)
        if targets is not None and targets.ref() is dataset and targets.y.size == _num_rows(dataset):
            return targets
        labels, weights = self._fetch(dataset)
        try:
            targets = Targets(self.loss, labels, weights, dataset)
        except TypeError:  # not weak-referenceable: checked again every time
            return Targets(self.loss, labels, weights)
        self._entries[key] = targets
        return targets

    def __getstate__(self):
        return {"loss": self.loss, "_fetch": self._fetch, "_entries": {}}


def _num_rows(dataset):
    for attribute in ("num_row", "num_data"):
        method = getattr(dataset, attribute, None)
        if method is not None:
            return method()
    return -1


class SklearnObjectiveBase:
    """Holds a loss; a subclass's ``__call__`` has the booster's scikit-learn signature."""

    def __init__(self, loss):
        self.loss = get_loss(loss)

    def gradient_hessian(self, y_true, y_pred, weight):
        targets = Targets(self.loss, y_true, weight)
        return targets.gradient_hessian(targets.raw_score(y_pred))


class SklearnMetricBase:
    """Holds a loss and its metric; named after the loss, as boosters read ``__name__``."""

    def __init__(self, loss, extra_metrics=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self.__name__ = self.loss.name

    def value(self, y_true, y_pred, weight):
        targets = Targets(self.loss, y_true, weight)
        return self.loss.unchecked_metric(targets.y, targets.raw_score(y_pred), targets.weight)


def sklearn_start(estimator, objective_class, caller, y, sample_weight):
    """The init score of the loss behind ``estimator.objective`` (an ``objective_class``)."""
    objective = getattr(estimator, "objective", None)
    if not isinstance(objective, objective_class):
        module = caller.rsplit(".", 1)[0]
        raise ValueError(f"{caller}: the estimator's objective must be "
                         f"{module}.sklearn_objective(loss), got {objective!r}.")
    targets = Targets(objective.loss, y, sample_weight)
    return objective.loss.init_score(targets.y, targets.weight)
