"""Metrics: each loss's own (the weighted mean loss, on raw scores) and metric-only ones.

Metric-only metrics take predictions on the response scale: ``metric(y, prediction,
sample_weight=None) -> float``. ``LossMetrics`` evaluates a loss's metric together with
metric-only ones (on ``loss.predict(raw_score)``), which is what the adapters report.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._numerics import weighted_mean
from .losses.groups import as_groups

__all__ = ["average_precision", "coverage", "coverage_by_bin", "error_rate", "get_metric",
           "higher_is_better", "interval_score", "INTERVAL_SCORERS", "IntervalScorer", "log_loss",
           "LossMetrics", "mape", "mean_bias_error", "mean_width", "METRICS", "ndcg",
           "pinball_loss", "ranking_metric", "recall", "reciprocal_rank", "rmse"]


def _weighted_mean(values, sample_weight):
    # over every worker's rows in a distributed training (boostobj._numerics)
    return weighted_mean(values, sample_weight)


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


def coverage_by_bin(y, interval, by, n_bins=10, sample_weight=None):
    """``coverage`` within each of ``n_bins`` equal-count bins of the rows ordered by ``by``
    (a prediction, say; 10 bins: its deciles), lowest first; NaN for a bin without rows.

    The bins are cut at the quantiles of ``by`` at 1/n_bins, 2/n_bins, ...; rows tied at a
    cut go to the bin above it.
    """
    y, lower, upper = _interval(y, interval, "coverage_by_bin")
    by = np.asarray(by, dtype=np.float64).reshape(-1)
    if by.size != y.size:
        raise ValueError(f"coverage_by_bin: by has {by.size} values for {y.size} targets.")
    bins = np.searchsorted(np.quantile(by, np.arange(1, n_bins) / n_bins), by, side="right")
    weight = np.ones(y.size) if sample_weight is None else np.asarray(sample_weight,
                                                                      dtype=np.float64)
    inside = ((lower <= y) & (y <= upper)) * weight
    total = np.bincount(bins, weights=weight, minlength=n_bins)
    with np.errstate(invalid="ignore"):  # 0 / 0 where a bin has no rows: NaN
        return np.bincount(bins, weights=inside, minlength=n_bins) / total


def mean_width(interval, sample_weight=None, *args):
    """Σ w (upper - lower) / Σ w over the rows of ``interval`` (n, 2).

    The old call ``mean_width(y, interval[, sample_weight])`` (y was never used) still
    works, with a ``FutureWarning``; it goes in a later release.
    """
    if np.ndim(interval) == 1 and np.ndim(sample_weight) == 2:
        warnings.warn("mean_width(y, interval) is deprecated: y is not used; call "
                      "mean_width(interval, sample_weight=None).", FutureWarning, stacklevel=2)
        interval, sample_weight = sample_weight, (args[0] if args else None)
    elif args:
        raise TypeError(f"mean_width takes interval and sample_weight, got {2 + len(args)} "
                        "arguments.")
    interval = np.asarray(interval, dtype=np.float64)
    if interval.ndim != 2 or interval.shape[1] != 2:
        raise ValueError("mean_width: interval must be an (n, 2) array of lower and upper "
                         f"bounds, got shape {interval.shape}.")
    return _weighted_mean(interval[:, 1] - interval[:, 0], sample_weight)


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
            return -mean_width(interval, sample_weight)
        levels = np.asarray(estimator.levels, dtype=np.float64)[[0, -1]]
        return -interval_score(y, interval, levels, sample_weight)

    def __repr__(self):
        return f"IntervalScorer({self.metric!r})"


INTERVAL_SCORERS = {"coverage": IntervalScorer("coverage"),
                    "neg_mean_width": IntervalScorer("mean_width"),
                    "neg_interval_score": IntervalScorer("interval_score"),
                    "neg_pinball_loss": IntervalScorer("pinball_loss")}


# --- ranking metrics: per query group, then the weighted mean over groups --------------------

def _ranking_inputs(y, score, group, sample_weight, caller):
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    score = np.asarray(score, dtype=np.float64).reshape(-1)
    if score.size != y.size:
        raise ValueError(f"{caller}: {score.size} scores for {y.size} labels.")
    groups = as_groups(group, y.size, caller)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if sample_weight.size != groups.n_groups:
            raise ValueError(f"{caller}: sample_weight has {sample_weight.size} values for "
                             f"{groups.n_groups} groups (one weight per group).")
    return y, score, groups, sample_weight


def _in_rank_order(y, score, groups):
    """Labels sorted by descending score within each group (ties keep row order, as
    LightGBM's stable sort does), and each row's 0-based rank in its group."""
    row_group = groups.row_group
    order = np.lexsort((-score, row_group))
    rank = np.arange(y.size) - groups.ptr[row_group]
    return y[order], rank


def _top_k(rank, k):
    return np.ones(rank.size, dtype=bool) if k is None else rank < k


def ndcg(y, score, group, k=None, sample_weight=None):
    """NDCG@k: per group DCG@k / ideal DCG@k, gain 2^y - 1, discount 1 / log2(rank + 1).

    A group without a relevant row (ideal DCG 0) scores 1, as LightGBM's and XGBoost's
    ``ndcg`` do (scikit-learn's ``ndcg_score`` scores it 0). ``k=None``: the whole list.
    Ties in the scores keep row order. The weighted mean over groups (one weight each).
    """
    y, score, groups, sample_weight = _ranking_inputs(y, score, group, sample_weight, "ndcg")
    ranked, rank = _in_rank_order(y, score, groups)
    ideal = y[np.lexsort((-y, groups.row_group))]
    discount = np.where(_top_k(rank, k), 1.0 / np.log2(rank + 2.0), 0.0)
    dcg = np.add.reduceat(np.expm1(ranked * np.log(2.0)) * discount, groups.ptr[:-1])
    best = np.add.reduceat(np.expm1(ideal * np.log(2.0)) * discount, groups.ptr[:-1])
    per_group = np.where(best > 0, dcg / np.where(best > 0, best, 1.0), 1.0)
    return _weighted_mean(per_group, sample_weight)


def average_precision(y, score, group, k=None, sample_weight=None):
    """MAP@k: per group Σ over the relevant rows (y > 0) in the top k of precision at their
    rank, divided by min(number relevant, k), as LightGBM's and XGBoost's ``map@k``; a
    group without a relevant row scores 1. The weighted mean over groups."""
    y, score, groups, sample_weight = _ranking_inputs(y, score, group, sample_weight, "map")
    ranked, rank = _in_rank_order(y, score, groups)
    relevant = (ranked > 0).astype(np.float64)
    hits = np.cumsum(relevant)
    start = groups.ptr[:-1]
    hits -= np.repeat(np.concatenate([[0.0], hits[start[1:] - 1]]), groups.sizes)
    precision = np.where(_top_k(rank, k), relevant * hits / (rank + 1.0), 0.0)
    n_relevant = np.add.reduceat(relevant, start)
    denominator = n_relevant if k is None else np.minimum(n_relevant, k)
    summed = np.add.reduceat(precision, start)
    per_group = np.where(n_relevant > 0, summed / np.maximum(denominator, 1.0), 1.0)
    return _weighted_mean(per_group, sample_weight)


def reciprocal_rank(y, score, group, sample_weight=None):
    """MRR: per group 1 / the rank of the first relevant row (y > 0); a group without a
    relevant row scores 1, as the boosters score it in NDCG and MAP. The weighted mean."""
    y, score, groups, sample_weight = _ranking_inputs(y, score, group, sample_weight, "mrr")
    ranked, rank = _in_rank_order(y, score, groups)
    first = np.where(ranked > 0, rank, np.iinfo(np.int64).max)
    best = np.minimum.reduceat(first, groups.ptr[:-1])
    per_group = np.where(best < np.iinfo(np.int64).max, 1.0 / (best + 1.0), 1.0)
    return _weighted_mean(per_group, sample_weight)


def recall(y, score, group, k=1, sample_weight=None):
    """Recall@k: per group the share of its relevant rows (y > 0) ranked in the top k; a
    group without a relevant row scores 1. With one positive per group (retrieval) it is
    the hit rate at k. The weighted mean over groups."""
    y, score, groups, sample_weight = _ranking_inputs(y, score, group, sample_weight, "recall")
    ranked, rank = _in_rank_order(y, score, groups)
    relevant = (ranked > 0).astype(np.float64)
    start = groups.ptr[:-1]
    found = np.add.reduceat(relevant * _top_k(rank, k), start)
    n_relevant = np.add.reduceat(relevant, start)
    per_group = np.where(n_relevant > 0, found / np.maximum(n_relevant, 1.0), 1.0)
    return _weighted_mean(per_group, sample_weight)


_RANKING = {"ndcg": ndcg, "map": average_precision, "recall": recall}


def ranking_metric(name):
    """``"ndcg@5"``, ``"map@10"``, ``"recall@1"``, ``"ndcg"``, ``"map"`` or ``"mrr"`` as a
    function ``(y, score, group, sample_weight) -> float``; None for other names."""
    if name == "mrr":
        return reciprocal_rank
    base, at, k = name.partition("@")
    if base not in _RANKING or (at and not k.isdigit()) or (at and int(k) < 1):
        return None
    function = _RANKING[base]
    k = int(k) if at else None
    if base == "recall" and k is None:
        return None

    def metric(y, score, group, sample_weight=None):
        return function(y, score, group, k, sample_weight)

    metric.__name__ = name
    return metric


METRICS = {"rmse": rmse, "mean_bias_error": mean_bias_error, "mape": mape,
           "error_rate": error_rate, "log_loss": log_loss}


def get_metric(name):
    """The metric-only function registered as ``name``, or a ranking metric (``ndcg@k``,
    ``map@k``, ``recall@k``, ``mrr``: these take ``group``)."""
    if name in METRICS:
        return METRICS[name]
    ranking = ranking_metric(name)
    if ranking is None:
        raise ValueError(f"Unknown metric {name!r}; available: {', '.join(sorted(METRICS))}, "
                         "and for ranking losses ndcg@k, map@k, recall@k, ndcg, map, mrr.")
    return ranking


def higher_is_better(name):
    """Whether a larger value of the metric ``name`` is better (the ranking metrics)."""
    return ranking_metric(name) is not None


class LossMetrics:
    """The loss's metric first, then metric-only ones, as ``[(name, value), ...]``.

    ``extra_metrics=None`` uses the loss's defaults (``squared_error`` adds ``rmse``).
    """

    def __init__(self, loss, extra_metrics=None):
        self.loss = loss
        names = loss.extra_metrics if extra_metrics is None else tuple(extra_metrics)
        grouped = getattr(loss, "grouped", False)
        for name in names:
            get_metric(name)
            if higher_is_better(name) != grouped:
                raise ValueError(f"{loss.name}: metric {name!r} is "
                                 + ("a ranking metric, for ranking losses" if not grouped
                                    else "not a ranking metric; use ndcg@k, map@k, "
                                         "recall@k or mrr") + ".")
        self.extra_metrics = names

    @property
    def names(self):
        """The names of the metrics reported, the loss's own first."""
        return (self.loss.name,) + self.extra_metrics

    def stopping_metric(self, name=None):
        """The metric early stopping follows: the loss's own (``name`` None), or one of the
        metrics reported beside it (``ValueError`` for any other)."""
        if name is None:
            return self.loss.name
        if name not in self.names:
            raise ValueError(f"{self.loss.name}: stopping_metric={name!r} is not reported; "
                             f"the reported metrics are {list(self.names)} (add it to "
                             "extra_metrics).")
        return name

    def evaluate(self, y, raw_score, sample_weight, group=None):
        """Unchecked: ``y``, ``sample_weight`` (and ``group``) were validated by the caller.
        Ranking metrics take the raw scores, the others the predictions."""
        if group is not None:
            results = [(self.loss.name, self.loss.unchecked_metric(y, raw_score, sample_weight,
                                                                   group=group))]
            return results + [(name, get_metric(name)(y, raw_score, group, sample_weight))
                              for name in self.extra_metrics]
        results = [(self.loss.name, self.loss.unchecked_metric(y, raw_score, sample_weight))]
        if self.extra_metrics:
            prediction = self.loss.predict(raw_score)
            results += [(name, METRICS[name](y, prediction, sample_weight))
                        for name in self.extra_metrics]
        return results
