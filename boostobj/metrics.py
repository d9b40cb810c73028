"""Metrics: each loss's own (the weighted mean loss, on raw scores) and metric-only ones.

Metric-only metrics take predictions on the response scale: ``metric(y, prediction,
sample_weight=None) -> float``. ``LossMetrics`` evaluates a loss's metric together with
metric-only ones (on ``loss.predict(raw_score)``), which is what the adapters report.
"""

from __future__ import annotations

import numpy as np


def _weighted_mean(values, sample_weight):
    if sample_weight is None:
        return float(np.mean(values))
    return float(np.dot(values, sample_weight) / np.sum(sample_weight))


def rmse(y, prediction, sample_weight=None):
    """sqrt(Σ w (y - prediction)² / Σ w)."""
    residual = np.asarray(y, dtype=np.float64) - prediction
    return float(np.sqrt(_weighted_mean(residual * residual, sample_weight)))


def mean_bias_error(y, prediction, sample_weight=None):
    """Σ w (y - prediction) / Σ w: positive when the model under-predicts on average."""
    return _weighted_mean(np.asarray(y, dtype=np.float64) - prediction, sample_weight)


def mape(y, prediction, sample_weight=None):
    """Σ w |y - prediction| / |y| / Σ w; every y must be non-zero."""
    y = np.asarray(y, dtype=np.float64)
    if np.any(y == 0):
        index = np.flatnonzero(y == 0)
        raise ValueError(f"mape: y must be non-zero, got 0.0 at index {index[0]} "
                         f"({index.size} zeros in all).")
    return _weighted_mean(np.abs(y - prediction) / np.abs(y), sample_weight)


METRICS = {"rmse": rmse, "mean_bias_error": mean_bias_error, "mape": mape}


def get_metric(name):
    """The metric-only function registered as ``name``."""
    if name not in METRICS:
        raise ValueError(f"Unknown metric {name!r}; available: {', '.join(sorted(METRICS))}.")
    return METRICS[name]


class LossMetrics:
    """The loss's metric first, then metric-only ones, as ``[(name, value), ...]``.

    ``extra_metrics=None`` uses the loss's defaults (``squared_error`` adds ``rmse``).
    """

    def __init__(self, loss, extra_metrics=None):
        self.loss = loss
        names = loss.extra_metrics if extra_metrics is None else tuple(extra_metrics)
        for name in names:
            get_metric(name)
        self.extra_metrics = names

    @property
    def names(self):
        return (self.loss.name,) + self.extra_metrics

    def evaluate(self, y, raw_score, sample_weight):
        """Unchecked: ``y`` and ``sample_weight`` were validated by the caller."""
        results = [(self.loss.name, self.loss.unchecked_metric(y, raw_score, sample_weight))]
        if self.extra_metrics:
            prediction = self.loss.predict(raw_score)
            results += [(name, METRICS[name](y, prediction, sample_weight))
                        for name in self.extra_metrics]
        return results
