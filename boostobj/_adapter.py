"""What both booster adapters share: checked targets per dataset, and the metric callables.

Adapters know nothing of the math: they fetch labels and weights from the booster's dataset,
check them once against the loss's domain, and hand raw scores to the loss's kernels.
"""

from __future__ import annotations

import weakref

import numpy as np

from .losses import get_loss
from .metrics import LossMetrics


class CheckedTargets:
    """Labels and weights of a dataset, checked by the loss once and reused every round.

    Fetching (XGBoost copies labels out of C++ on every call) and checking 1M labels each
    round costs a few per cent of a round, so they are kept per dataset object (weakly, so
    a dataset that goes away frees them) and refetched when its row count changes.
    """

    def __init__(self, loss, fetch):
        self.loss = loss
        self._fetch = fetch  # dataset -> (labels, weights or None)
        self._entries = {}

    def __call__(self, dataset):
        key = id(dataset)
        entry = self._entries.get(key)
        if entry is not None:
            ref, y, weight = entry
            if ref() is dataset and y.size == _num_rows(dataset):
                return y, weight
        labels, weights = self._fetch(dataset)
        y = self.loss.check_target(labels)
        weight = self.loss.check_sample_weight(weights, y.size)
        try:
            self._entries[key] = (weakref.ref(dataset), y, weight)
        except TypeError:  # not weak-referenceable: check every time
            pass
        return y, weight

    def __getstate__(self):
        return {"loss": self.loss, "_fetch": self._fetch, "_entries": {}}


def _num_rows(dataset):
    for attribute in ("num_row", "num_data"):
        method = getattr(dataset, attribute, None)
        if method is not None:
            return method()
    return -1


def as_raw_score(loss, predictions, n_samples):
    """The booster's predictions as a float64 raw-score vector of length ``n_samples``."""
    raw = np.asarray(predictions, dtype=np.float64)
    if raw.ndim == 2 and raw.shape[1] == 1:
        raw = raw[:, 0]
    if raw.shape != (n_samples,):
        raise ValueError(f"{loss.name}: the booster gave predictions of shape {raw.shape} "
                         f"for {n_samples} labels; expected ({n_samples},).")
    return raw


def resolve(loss):
    return get_loss(loss)


class SklearnMetricBase:
    """Holds a loss and its metric; named after the loss, as boosters read ``__name__``."""

    def __init__(self, loss, extra_metrics=None):
        self.loss = resolve(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self.__name__ = self.loss.name
