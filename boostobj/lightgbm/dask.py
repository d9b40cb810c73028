"""LightGBM on a dask cluster with a boostobj loss: the dask estimators.

Imported on first use of those names, so that ``boostobj.lightgbm`` needs no dask.

``lightgbm.dask`` trains one LightGBM model per worker, joined by LightGBM's own network
in C++, and calls the objective on each worker with that worker's rows only. What a loss
computes row by row (its gradients) is then right; a statistic of all the rows is not,
and LightGBM gives Python no all-reduce to compute one during training. So:

- the start is computed before training over every partition (``boostobj._boosters.
  collective.start_over_workers``: exact, through XGBoost's collective), given to LightGBM
  as the ``init_score`` and folded into the first tree afterwards, so the model predicts
  alone;
- leaf renewal and an ``"auto"`` scale, which need all the rows every round, are refused
  (``ValueError`` naming the alternatives), as are evaluation sets: ``lightgbm.dask``
  reports the first worker's metric on its own rows and cannot stop early.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import distributed
import numpy as np
from lightgbm import dask as lgb_dask

from .._boosters import lightgbm_model
from .._boosters.collective import start_over_workers
from .._boosters.dask_collections import class_labels, encode_classes_of, lost_workers
from .._boosters.estimators import estimator_doc, estimator_loss, without_loss
from .._boosters.options import refuse
from .._boosters.renewal import renews_leaves
from ..losses import DistributionLoss
from .basic import is_lightgbm_objective
from .engine import check_modes
from .sklearn import (
    NOT_PASSED,
    SklearnObjective,
    drop_in,
    fitted,
    hidden_boostobj_params,
    refuse_num_class,
)

if TYPE_CHECKING:
    pass

__all__ = ["DaskLGBMClassifier", "DaskLGBMRegressor"]

_ALTERNATIVE = ("use boostobj.xgboost.DaskXGBRegressor, which computes it over every "
                "worker's rows")


def _refuse_global_statistics(caller, loss, estimator, fit_params):
    """Refuse (``ValueError``) what needs every worker's rows during training: leaf renewal,
    an ``"auto"`` scale, evaluation sets."""
    if renews_leaves(loss, getattr(estimator, "renew_leaves", None), caller):
        refuse(caller, loss, "leaf renewal", "each worker's LightGBM would set its leaves "
               "from its own rows (LightGBM gives Python no all-reduce)",
               _ALTERNATIVE + ", or pass renew_leaves=False")
    y, raw = np.array([0.0, 1.0, 3.0]), np.zeros(3)
    if loss.fix_scale(y, raw) is not loss:
        refuse(caller, loss, "an 'auto' scale", "it is re-estimated from all the residuals "
               "every round, and each worker would use its own",
               _ALTERNATIVE + ", or give the scale as a number (e.g. 'huber:delta=2')")
    for name in ("eval_set", "eval_X", "eval_y", "eval_metric"):
        if fit_params.get(name) is not None:
            refuse(caller, loss, name, "lightgbm.dask reports the first worker's metric on "
                   "its own rows and cannot stop early", "evaluate the loss on predict's "
                   "output (loss.metric), or train with boostobj.xgboost.DaskXGBRegressor, "
                   "whose metric and early stopping are over every row")


def _init_score_like(y, start):
    """A dask collection of the start, one row (or one row of K) per row of ``y``."""
    start = np.asarray(start, dtype=np.float64)
    if hasattr(y, "map_partitions"):
        import pandas as pd

        if start.ndim:
            return y.map_partitions(lambda part: pd.DataFrame(
                np.tile(start, (len(part), 1)), index=part.index),
                meta={k: "f8" for k in range(start.size)})
        return y.map_partitions(lambda part: pd.Series(np.full(len(part), float(start)),
                                                       index=part.index), meta=(None, "f8"))
    if start.ndim:
        return y.map_blocks(lambda block: np.tile(start, (len(block), 1)), new_axis=1,
                            chunks=(y.chunks[0], (start.size,)), dtype=np.float64)
    return y.map_blocks(lambda block: np.full(len(block), float(start)), dtype=np.float64)


def _fit(estimator, parent_fit, classifier, X, y, sample_weight=None, *, init_score=None,
         **fit_params):
    """The dask estimators' ``fit``: the start over every partition as ``init_score``,
    LightGBM's own dask training with the loss's objective, then the start folded in."""
    caller = f"boostobj.lightgbm.{type(estimator).__name__}.fit"
    if estimator.loss is None or is_lightgbm_objective(estimator.loss):
        without_loss(estimator, caller)  # the parent's fit, exactly
        return parent_fit(X, y, sample_weight=sample_weight, init_score=init_score,
                          **fit_params)
    if y is None:
        raise ValueError(f"{caller}: requires y to be passed, but the target y is None.")
    classes = class_labels(y) if classifier else None
    loss = estimator_loss(estimator.loss, classifier, caller, classes)
    if estimator.objective is not None:
        raise ValueError(f"{caller}: objective={estimator.objective!r}; the objective is set "
                         "from loss: pass loss=... instead.")
    _refuse_global_statistics(caller, loss, estimator, fit_params)
    params = estimator.get_params()
    params["boosting"] = estimator.boosting_type
    check_modes(caller, loss, params, None)
    if classifier and estimator.class_weight is not None:
        refuse(caller, loss, "class_weight", "the start would be computed without the "
               "class weights", "pass the weights as sample_weight")
    labels, n_classes = y, None
    if classifier:
        labels = encode_classes_of(loss, classes, y, caller)
        n_classes = len(classes)
    distribution = isinstance(loss, DistributionLoss)  # one raw score per parameter
    if distribution:
        n_classes = len(loss.outputs)
        refuse_num_class(caller, loss, params)
    if distribution and (init_score is not None or fit_params.get("init_model") is not None):
        refuse(caller, loss, "init_score" if init_score is not None else "init_model",
               "each worker would fix the curvature units of its outputs on its own rows' "
               "first scores (LightGBM gives Python no all-reduce)", _ALTERNATIVE)
    client = estimator.client or distributed.default_client()
    start = 0.0
    if init_score is None and fit_params.get("init_model") is None:
        start = start_over_workers(client, loss, labels, sample_weight,
                                   n_classes if distribution or (n_classes or 0) > 2 else None)
        init_score = _init_score_like(labels, start)
    objective = SklearnObjective(loss)
    objective._fit_targets = {}  # each worker checks its labels once, not every round
    overrides = {"objective": objective, "metric": "None", "feature_pre_filter": False}
    if distribution:
        overrides["num_class"] = n_classes
    with (lightgbm_model.temporary_params(estimator, overrides),
          hidden_boostobj_params(estimator), warnings.catch_warnings()):
        if estimator.n_jobs is None:
            # lightgbm.dask sets each worker's threads itself and warns about n_jobs even
            # when it is the default no one set; a value the user gave still warns.
            warnings.filterwarnings("ignore", "Parameter n_jobs will be ignored",
                                    UserWarning)
        # The labels as given: LightGBM's classifier encodes them (sorted, as boostobj).
        workers = set(client.scheduler_info()["workers"])
        try:
            parent_fit(X, y, sample_weight=sample_weight, init_score=init_score, **fit_params)
        except Exception as error:
            lost = lost_workers(client, workers)
            if lost:  # LightGBM says only "Socket recv error" on the others
                raise RuntimeError(
                    f"{caller}: worker(s) {sorted(lost)} left the cluster during training, "
                    "so the other workers' network failed and no model was trained. Persist "
                    "the collections again (the lost workers' partitions are gone) and "
                    "fit again.") from error
            raise
    return fitted(estimator, loss, start, n_classes, classifier)


_DOC = """

    ``fit`` takes dask collections as ``lightgbm.dask``'s estimators do. The start is the
    loss's init score over every partition (exact: computed where the partitions are), given
    to LightGBM as ``init_score`` and folded into the first tree. Leaf renewal, an
    ``"auto"`` scale and evaluation sets are refused: LightGBM computes nothing over every
    worker's rows for Python (``boostobj.xgboost``'s dask estimators do all three)."""


@drop_in
class DaskLGBMRegressor(lgb_dask.DaskLGBMRegressor):
    __doc__ = estimator_doc("""``lightgbm.dask.DaskLGBMRegressor`` trained on a boostobj
    loss. ``predict`` is on the response scale.""" + _DOC, NOT_PASSED)

    def fit(self, X, y, sample_weight=None, init_score=None,
            **fit_params) -> DaskLGBMRegressor:
        """Train on the dask collections from the start over every partition; returns
        ``self``."""
        return _fit(self, super().fit, False, X, y, sample_weight, init_score=init_score,
                    **fit_params)


@drop_in
class DaskLGBMClassifier(lgb_dask.DaskLGBMClassifier):
    __doc__ = estimator_doc("""``lightgbm.dask.DaskLGBMClassifier`` trained on a boostobj
    classification loss: any class labels, and ``predict_proba`` gives the loss's
    probabilities (the model records the loss's link, as ``boostobj.lightgbm.
    LGBMClassifier``'s).""" + _DOC, NOT_PASSED)

    def fit(self, X, y, sample_weight=None, init_score=None,
            **fit_params) -> DaskLGBMClassifier:
        """Train on the dask collections (``y`` holds any class labels) from the start over
        every partition; returns ``self``."""
        if self.renew_leaves:
            raise ValueError(f"boostobj.lightgbm.DaskLGBMClassifier.fit: renew_leaves="
                             f"{self.renew_leaves!r}; leaf renewal is for regression losses.")
        return _fit(self, super().fit, True, X, y, sample_weight, init_score=init_score,
                    **fit_params)
