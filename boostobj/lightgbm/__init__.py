"""LightGBM with a boostobj loss: one loss, every signature LightGBM accepts.

Laid out as LightGBM's own package: ``basic`` (what boostobj reads of a Dataset; soft
labels) -> ``engine`` (the objective and metric callables and ``train``) -> ``sklearn`` (the
drop-in estimators) -> ``dask`` (the dask estimators); ``callback`` holds leaf renewal.

- ``train(loss, params, train_set, ...)``: ``lgb.train`` with the loss's start, link,
  metric, early stopping and leaf renewal, returning a Booster that predicts on the
  response scale with plain LightGBM. A ranking loss reads the Dataset's query groups
  (``group=``).
- ``LGBMRegressor(loss=...)`` / ``LGBMClassifier(loss=...)`` / ``LGBMRanker(loss=...)``:
  LightGBM's own estimators with one more parameter.
- ``objective(loss)`` / ``metric(loss)``: the bare ``params["objective"]`` / ``feval=``
  callables (raw scores in, no start, no renewal); ``sklearn_objective`` /
  ``sklearn_metric``: the same for LightGBM's own estimators.
- ``DaskLGBMRegressor``, ``DaskLGBMClassifier``: the same on a dask cluster, loaded on first
  use (only they need dask).

Soft labels (``soft_label``, ``kl_divergence``): LightGBM keeps one label per row, so build
the Dataset with ``soft_label_dataset(X, probabilities)``.

Booster modes: ``gbdt``, ``goss``, ``extra_trees``, ``linear_tree`` and bagging train with
every loss; ``rf`` cannot take a custom objective and ``dart`` gives models that disagree
with their own reported metrics with one (LightGBM's own limits): both are refused, and so
is leaf renewal with ``linear_tree`` (its leaves are regressions). Continued training
(``init_model=``) keeps the loaded model's start and renews only the new trees.
"""

from .._boosters.lazy import lazy_names
from .basic import soft_label_dataset
from .engine import Metric, Objective, metric, objective, train
from .sklearn import (
    LGBMClassifier,
    LGBMRanker,
    LGBMRegressor,
    SklearnMetric,
    SklearnObjective,
    sklearn_metric,
    sklearn_objective,
)

# Loaded from .dask on first use: they need dask, the rest of the package does not.
_DASK_NAMES = ("DaskLGBMClassifier", "DaskLGBMRegressor")

__all__ = ["LGBMClassifier", "LGBMRanker", "LGBMRegressor", "Metric", "Objective",
           "SklearnMetric", "SklearnObjective", "metric", "objective", "sklearn_metric",
           "sklearn_objective", "soft_label_dataset", "train", *_DASK_NAMES]


__getattr__, __dir__ = lazy_names(__name__, "dask", _DASK_NAMES, __all__)
