"""XGBoost with a boostobj loss: one loss, every signature XGBoost accepts.

Laid out as XGBoost's own package: ``training`` (the objective and metric callables and
``train``) -> ``sklearn`` (the drop-in estimators) -> ``dask`` (``dask_train`` and the dask
estimators); ``callback`` holds leaf renewal.

- ``train(loss, params, dtrain, ...)``: ``xgb.train`` with the loss's start, link, metric,
  early stopping and leaf renewal, returning a Booster that predicts on the response scale
  with plain XGBoost. A ranking loss reads the DMatrix's query groups (``group=`` /
  ``qid=``) and its per-group weights.
- ``XGBRegressor(loss=...)`` / ``XGBClassifier(loss=...)`` / ``XGBRanker(loss=...)``:
  XGBoost's own estimators with one more parameter.
- ``objective(loss)`` / ``metric(loss)``: the bare ``obj=`` / ``custom_metric=`` callables
  of ``xgb.train`` (raw margins in, no start, no renewal); ``sklearn_objective`` /
  ``sklearn_metric``: the same for XGBoost's own estimators.
- ``dask_train`` and ``DaskXGBRegressor``, ``DaskXGBClassifier``, ``DaskXGBRanker``: the
  same on a dask cluster, loaded on first use (only they need dask); ``start_over_workers``:
  a loss's start over every partition of dask collections, through XGBoost's collective.

Soft labels (``soft_label``, ``kl_divergence``): give the (n, K) probability matrix as the
label, ``xgb.DMatrix(X, label=probabilities)``; ``train`` returns a ``multi:softprob`` model.

Booster modes: ``gbtree``, ``dart`` and ``gblinear``, ``num_parallel_tree > 1``,
``multi_strategy="multi_output_tree"`` and every ``tree_method`` train with every loss;
leaf renewal needs one tree per round grown by ``gbtree`` and is refused (``ValueError``
naming the option) otherwise. Continued training (``xgb_model=``) keeps the loaded model's
intercept and renews only the new trees.
"""

from .._boosters.lazy import lazy_names
from .sklearn import (
    SklearnMetric,
    SklearnObjective,
    XGBClassifier,
    XGBRanker,
    XGBRegressor,
    sklearn_metric,
    sklearn_objective,
)
from .training import Metric, Objective, metric, objective, train

# Loaded from .dask on first use: they need dask, the rest of the package does not.
_DASK_NAMES = ("DaskXGBClassifier", "DaskXGBRanker", "DaskXGBRegressor", "dask_train",
               "start_over_workers")

__all__ = ["Metric", "Objective", "SklearnMetric", "SklearnObjective", "XGBClassifier",
           "XGBRanker", "XGBRegressor", "metric", "objective", "sklearn_metric",
           "sklearn_objective", "train", *_DASK_NAMES]


__getattr__, __dir__ = lazy_names(__name__, "dask", _DASK_NAMES, __all__)
