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


def _interval(y, interval, caller):
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    interval = np.asarray(interval, dtype=np.float64)
    if interval.shape != (y.size, 2):
        raise ValueError(f"{caller}: interval must be an (n, 2) array of lower and upper "
                         f"bounds for the {y.size} targets, got shape {interval.shape}.")
    return y, interval[:, 0], interval[:, 1]


def _check_levels(levels, caller):
    levels = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    if levels.ndim != 1 or not np.all((levels > 0) & (levels < 1)):
        raise ValueError(f"{caller}: levels == {levels.tolist()}; each must be in (0, 1).")
    return levels


def coverage(y, interval, sample_weight=None):
    """Σ w [lower <= y <= upper] / Σ w: the share of targets inside their intervals.

    ``interval`` is (n, 2), lower and upper bounds (``predict_interval``'s output).
    """
    y, lower, upper = _interval(y, interval, "coverage")
    inside = (lower <= y) & (y <= upper)
    return _weighted_mean(inside.astype(np.float64), sample_weight)


def mean_width(y, interval, sample_weight=None):
    """Σ w (upper - lower) / Σ w. ``y`` is unused; it keeps the metrics' common signature."""
    _, lower, upper = _interval(y, interval, "mean_width")
    return _weighted_mean(upper - lower, sample_weight)


def interval_score(y, interval, levels=(0.05, 0.95), sample_weight=None):
    """The interval (Winkler) score of intervals between the quantile levels (a, b), a < b.

    (u - l) + (l - y)₊ / a + (y - u)₊ / (1 - b), weighted mean over rows (Gneiting &
    Raftery 2007, eq. 43, for a = α/2, b = 1 - α/2: width + (2/α) × the miss). Lower is
    better; it equals (pinball loss at a) / a + (pinball loss at b) / (1 - b), so it is
    minimised by the true a and b quantiles: it rewards coverage and narrowness together.
    """
    y, lower, upper = _interval(y, interval, "interval_score")
    low_level, high_level = _check_levels(levels, "interval_score")[[0, -1]]
    if not low_level < high_level:
        raise ValueError(f"interval_score: levels == {list(levels)}; the first must be the "
                         "smaller.")
    score = (upper - lower + np.maximum(lower - y, 0.0) / low_level
             + np.maximum(y - upper, 0.0) / (1.0 - high_level))
    return _weighted_mean(score, sample_weight)


def pinball_loss(y, quantiles, levels, sample_weight=None):
    """The pinball (quantile) loss of quantile predictions, averaged over rows and levels.

    ρ_τ(y, q) = τ (y - q) if y >= q else (1 - τ) (q - y). ``quantiles`` is (n,) with one
    level, or (n, k) with one column per level of ``levels`` (``predict_quantiles``).
    """
    levels = _check_levels(levels, "pinball_loss")
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    quantiles = np.asarray(quantiles, dtype=np.float64).reshape(y.size, -1)
    if quantiles.shape[1] != levels.size:
        raise ValueError(f"pinball_loss: {quantiles.shape[1]} quantile columns for "
                         f"{levels.size} levels.")
    residual = y[:, None] - quantiles
    values = np.maximum(levels * residual, (levels - 1.0) * residual)
    return _weighted_mean(np.mean(values, axis=1), sample_weight)


class IntervalScorer:
    """A scikit-learn scorer, ``scorer(estimator, X, y, sample_weight=None)``, for an
    interval estimator (``predict_interval``, ``predict_quantiles``, ``levels``), or a
    ``Pipeline`` that ends in one.

    Scorers are maximised, so losses come negated, as scikit-learn's ``neg_...`` scorers:
    ``GridSearchCV(estimator, grid, scoring=INTERVAL_SCORERS)`` with
    ``refit="neg_interval_score"``, or ``scoring=INTERVAL_SCORERS["neg_interval_score"]``.
    """

    def __init__(self, metric):
        if metric not in ("coverage", "mean_width", "interval_score", "pinball_loss"):
            raise ValueError(f"IntervalScorer: unknown metric {metric!r}; use coverage, "
                             "mean_width, interval_score or pinball_loss.")
        self.metric = metric

    def __call__(self, estimator, X, y, sample_weight=None):
        if not hasattr(estimator, "predict_interval") and hasattr(estimator, "steps"):
            # a Pipeline exposes only the standard methods of its last step
            X = estimator[:-1].transform(X)
            estimator = estimator[-1]
        if self.metric == "pinball_loss":
            return -pinball_loss(y, estimator.predict_quantiles(X), estimator.levels,
                                 sample_weight)
        interval = estimator.predict_interval(X)
        if self.metric == "coverage":
            return coverage(y, interval, sample_weight)
        if self.metric == "mean_width":
            return -mean_width(y, interval, sample_weight)
        levels = np.asarray(estimator.levels, dtype=np.float64)[[0, -1]]
        return -interval_score(y, interval, levels, sample_weight)

    def __repr__(self):
        return f"IntervalScorer({self.metric!r})"


INTERVAL_SCORERS = {"coverage": IntervalScorer("coverage"),
                    "neg_mean_width": IntervalScorer("mean_width"),
                    "neg_interval_score": IntervalScorer("interval_score"),
                    "neg_pinball_loss": IntervalScorer("pinball_loss")}


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
