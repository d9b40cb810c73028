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


def error_rate(y, prediction, sample_weight=None):
    """The weighted 0-1 loss: the share of rows whose predicted class is wrong.

    Binary: ``prediction`` is P(class 1) (or the class itself), wrong where
    (prediction > 0.5) != y, i.e. a margin on the wrong side of 0. Multiclass: an (n, K)
    probability matrix, wrong where its argmax is not y (or not the argmax of soft labels y).
    """
    y = np.asarray(y)
    prediction = np.asarray(prediction)
    if prediction.ndim == 2:
        truth = np.argmax(y, axis=1) if y.ndim == 2 else y
        wrong = np.argmax(prediction, axis=1) != truth
    else:
        wrong = (prediction > 0.5) != (y > 0.5)
    return _weighted_mean(wrong.astype(np.float64), sample_weight)


# Probabilities are clipped here before the log, as scikit-learn's log_loss does.
_PROBABILITY_EPS = 1e-15


def log_loss(y, prediction, sample_weight=None):
    """The weighted cross-entropy of probabilities: -Σ w log P(true class) / Σ w.

    Binary: ``prediction`` is P(class 1), y in {0, 1}. Multiclass: an (n, K) probability
    matrix with y the class ids, or y an (n, K) matrix of soft labels (then -Σ_k y_k log p_k).
    """
    y = np.asarray(y)
    probability = np.clip(np.asarray(prediction, dtype=np.float64),
                          _PROBABILITY_EPS, 1.0 - _PROBABILITY_EPS)
    if probability.ndim == 2:
        if y.ndim == 2:
            values = -np.sum(y * np.log(probability), axis=1)
        else:
            values = -np.log(probability[np.arange(len(y)), y.astype(np.intp)])
    else:
        y = y.astype(np.float64)
        values = -(y * np.log(probability) + (1.0 - y) * np.log1p(-probability))
    return _weighted_mean(values, sample_weight)


METRICS = {"rmse": rmse, "mean_bias_error": mean_bias_error, "mape": mape,
           "error_rate": error_rate, "log_loss": log_loss}


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
