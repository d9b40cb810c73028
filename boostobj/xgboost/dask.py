"""XGBoost on a dask cluster with a boostobj loss: ``dask_train`` and the dask estimators.

Imported on first use of those names (``boostobj.xgboost.dask_train``, ``DaskXGB*``), so
that ``boostobj.xgboost`` needs no dask. Each worker trains on its own partitions; the
start, an ``"auto"`` scale, the renewed leaves and the metric are computed over every
worker's rows through ``xgboost.collective`` (``boostobj._boosters.collective``), equal to
what one process holding all the rows computes. Each estimator's ``fit`` builds the
``DaskDMatrix`` XGBoost's own estimator would and trains through ``dask_train``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xgboost as xgb
from xgboost import dask as xgb_dask

from .._boosters import xgboost_model
from .._boosters.collective import WorkerTraining, start_over_workers
from .._boosters.dask_collections import (
    check_whole_groups,
    class_labels,
    encode_classes_of,
    lost_workers,
    map_rows,
)
from .._boosters.estimators import (
    class_probabilities,
    estimator_doc,
    estimator_loss,
    without_loss,
)
from .._boosters.options import check_continued_link, refuse
from ..losses import DistributionLoss, MulticlassLoss, get_loss
from ..losses.multiclass import SoftLabel
from .sklearn import drop_in
from .training import LINK_OBJECTIVES, Metric, Objective, as_booster, early_stopping, setup

if TYPE_CHECKING:
    from collections.abc import Sequence

    import distributed

    from ..losses import BaseLoss

__all__ = ["DaskXGBClassifier", "DaskXGBRanker", "DaskXGBRegressor", "dask_train",
           "start_over_workers"]


def dask_train(client: distributed.Client, loss: str | BaseLoss, params: dict[str, Any] | None,
               dtrain: xgb_dask.DaskDMatrix, num_boost_round: int = 10, *,
               evals: Sequence[tuple[xgb_dask.DaskDMatrix, str]] = (),
               early_stopping_rounds: int | None = None,
               extra_metrics: Sequence[str] | None = None, stopping_metric: str | None = None,
               callbacks: Sequence[xgb.callback.TrainingCallback] | None = None,
               renew_leaves: bool | None = None, xgb_model: Any = None,
               **kwargs: Any) -> dict[str, Any]:
    """``xgboost.dask.train`` with a boostobj loss: ``train`` on a dask cluster.

    Returns what ``xgboost.dask.train`` returns, ``{"booster": Booster, "history": ...}``.
    ``dtrain`` and the sets of ``evals`` are ``xgboost.dask.DaskDMatrix``. Each worker
    trains on its own partitions, and what needs every row is computed over all of them
    through ``xgboost.collective``, the same on every worker and equal to the value one
    process holding all the rows computes:

    - the start (``loss.init_score`` of all the training labels and weights: sums,
      quantiles by an exact selection, M-estimates on global sums), stored as the model's
      intercept;
    - a robust loss's ``"auto"`` scale, each round, from all the residuals;
    - leaf renewal: every leaf is the learning rate times the minimiser over all the rows
      that reach it, written alike on every worker and into the saved model;
    - the metric on each set of ``evals``: the weighted mean over all its rows (XGBoost
      would average the workers' own metrics), so early stopping follows it.

    A worker that dies ends the call with a ``RuntimeError`` naming it: its sockets close
    and the other workers' next all-reduce fails at once. (A machine that vanishes without
    closing them holds the others until the collective's timeout:
    ``coll_cfg=xgboost.collective.Config(timeout=seconds)``.) The client can train again.

    A ranking loss needs each query group within one partition (``qid=`` with the rows of
    a group together). A multiclass loss needs ``params["num_class"]``; soft labels (an
    (n, K) label matrix) train on one machine only (``train``).

    Parameters
    ----------
    client : distributed.Client
        The cluster's client.
    loss : str or BaseLoss
        A loss name or spec, or a loss instance.
    params : dict or None
        XGBoost's parameters, without ``objective`` or (except for a ranking loss)
        ``eval_metric``.
    dtrain : xgboost.dask.DaskDMatrix
        The training data.
    num_boost_round, evals, early_stopping_rounds, extra_metrics, stopping_metric
        As for ``train`` (``evals`` of ``DaskDMatrix``).
    callbacks, renew_leaves, xgb_model
        As for ``train``.
    **kwargs
        Passed to ``xgboost.dask.train``.

    Returns
    -------
    dict
        ``{"booster": xgboost.Booster, "history": dict}``, as ``xgboost.dask.train``.

    Raises
    ------
    ValueError
        As ``train``; also soft labels, a multiclass loss without ``num_class``, and a
        built-in ``eval_metric``.
    RuntimeError
        A worker left the cluster during training.
    """
    caller = "boostobj.xgboost.dask_train"
    run = setup(caller, get_loss(loss), params, renew_leaves, extra_metrics)
    loss, params, renewal = run.loss, run.params, run.renewal
    objective_name = LINK_OBJECTIVES.get(loss.link.name, "reg:squarederror")
    n_classes = None
    if isinstance(loss, DistributionLoss):  # one raw score per parameter
        if params.get("num_class"):
            loss.check_n_classes(None, int(params["num_class"]))  # K given: it must fit
        n_classes = params["num_class"] = len(loss.outputs)
    if isinstance(loss, MulticlassLoss):
        if isinstance(loss, SoftLabel):
            refuse(caller, loss, "soft labels", "an (n, K) label matrix is not split into "
                   "partitions by xgboost.dask", "train on one machine with "
                   "boostobj.xgboost.train")
        if not params.get("num_class"):
            raise ValueError(f"{caller}: {loss.name} needs params['num_class'] (the number "
                             "of classes): on a cluster no worker sees every label.")
        n_classes = int(params["num_class"])
    if "eval_metric" in params and not getattr(loss, "grouped", False):
        refuse(caller, loss, f"params['eval_metric']={params['eval_metric']!r}", "XGBoost's "
               "built-in metrics would see the scores without the start the workers add",
               "the loss's own metric (and extra_metrics) is reported")
    params["objective"] = objective_name
    if xgb_model is not None:
        xgb_model = as_booster(xgb_model)
        check_continued_link(caller, loss, "xgb_model", xgboost_model.objective_link(xgb_model),
                             xgboost_model.objective_link(objective_name))
    if params.get("base_score") is None:  # the estimators pass None for "not set"
        params.pop("base_score", None)
    find_start = "base_score" not in params and xgb_model is None
    if find_start:
        # Margin 0 during training: the workers add the start they compute together.
        params["base_score"] = float(xgboost_model.from_margin(objective_name, 0.0))
    if "eval_metric" not in params:
        params["disable_default_eval_metric"] = 1
    worker = WorkerTraining(loss, renewal, n_classes, find_start)
    callbacks = [worker] + ([renewal] if renewal else []) + list(callbacks or [])
    callbacks += early_stopping(run.metrics, early_stopping_rounds, evals, stopping_metric)
    workers = set(client.scheduler_info()["workers"])
    try:
        return xgb_dask.train(client, params, dtrain, num_boost_round, evals=list(evals),
                              obj=Objective(run.targets, renewal, worker),
                              custom_metric=Metric(run.targets, run.metrics, renewal, worker),
                              callbacks=callbacks, xgb_model=xgb_model, **kwargs)
    except Exception as error:
        lost = lost_workers(client, workers)
        if lost:
            raise RuntimeError(
                f"{caller}: worker(s) {sorted(lost)} left the cluster during training, so "
                "the other workers' collective failed and no model was trained. Build the "
                "DaskDMatrix again (the lost workers' partitions are gone) and train "
                "again.") from error
        raise


_FIT_DOC = """

    ``fit`` takes dask collections (arrays, DataFrames with categorical columns where
    ``enable_categorical=True``) as ``xgboost.dask``'s estimators do, and trains through
    ``boostobj.xgboost.dask_train``: the start, an ``"auto"`` scale, the renewed leaves and
    the reported metric (``evals_result()``, ``early_stopping_rounds``) are computed over
    every worker's rows, equal to one process's."""


def _check_objective(caller, estimator, default):
    """``ValueError`` for an ``objective`` other than the estimator's default."""
    if estimator.objective not in (None, default):
        raise ValueError(f"{caller}: objective={estimator.objective!r}; the objective is set "
                         "from loss: pass loss=... instead.")


def _dmatrix(estimator, X, y, **info):
    """The DaskDMatrix XGBoost's own estimator builds (its missing value, categories)."""
    return xgb_dask.DaskDMatrix(estimator.client, X, y, missing=estimator.missing,
                                enable_categorical=estimator.enable_categorical,
                                feature_types=estimator.feature_types, **info)


def _entry(values, index):
    """The ``index``-th evaluation set's weights (or margins, query ids), or None."""
    return None if values is None else values[index]


def _fitted(estimator, loss, result):
    """The estimator holding ``dask_train``'s booster and history, and ``loss_``."""
    xgboost_model.set_fitted_booster(estimator, result["booster"])
    estimator._set_evaluation_result(result["history"])
    estimator.loss_ = loss
    return estimator


def _fit(estimator, parent_fit, classifier, X, y, *, sample_weight, base_margin, eval_set,
         sample_weight_eval_set, base_margin_eval_set, verbose, xgb_model, feature_weights):
    """The dask regressor's and classifier's ``fit``: the DaskDMatrix of the training and
    evaluation sets (class labels encoded on the partitions), trained by ``dask_train``;
    with ``loss=None``, the parent's ``fit`` (which sets ``classes_`` itself)."""
    caller = f"boostobj.xgboost.{type(estimator).__name__}.fit"
    if estimator.loss is None:
        without_loss(estimator, caller)
        return parent_fit(X, y, sample_weight=sample_weight, base_margin=base_margin,
                          eval_set=eval_set, verbose=verbose, xgb_model=xgb_model,
                          sample_weight_eval_set=sample_weight_eval_set,
                          base_margin_eval_set=base_margin_eval_set,
                          feature_weights=feature_weights)
    if y is None:
        raise ValueError(f"{caller}: requires y to be passed, but the target y is None.")
    classes = class_labels(y) if classifier else None
    loss = estimator_loss(estimator.loss, classifier, caller,
                          None if classes is None else classes)
    _check_objective(caller, estimator,
                     "binary:logistic" if classifier else "reg:squarederror")
    if estimator.eval_metric is not None:
        refuse(caller, loss, f"eval_metric={estimator.eval_metric!r}", "on a cluster "
               "XGBoost's built-in metrics see the scores without the start the workers add",
               "the loss's own metric is reported; evaluate others on predict's output")
    params = estimator.get_xgb_params()
    params.pop("objective", None)
    params.pop("eval_metric", None)
    labels, eval_sets = y, list(eval_set or [])
    if classifier:
        labels = encode_classes_of(loss, classes, y, caller)
        eval_sets = [(eval_X, encode_classes_of(loss, classes, eval_y, caller, known=True))
                     for eval_X, eval_y in eval_sets]
        if len(classes) > 2:
            params["num_class"] = len(classes)
    dtrain = _dmatrix(estimator, X, labels, weight=sample_weight, base_margin=base_margin,
                      feature_weights=feature_weights)
    evals = []
    for index, (eval_X, eval_y) in enumerate(eval_sets):
        weight_i = _entry(sample_weight_eval_set, index)
        same = eval_X is X and eval_set[index][1] is y and weight_i is sample_weight
        dmatrix = dtrain if same else _dmatrix(
            estimator, eval_X, eval_y, weight=weight_i,
            base_margin=_entry(base_margin_eval_set, index))
        evals.append((dmatrix, f"validation_{index}"))
    if isinstance(xgb_model, xgb_dask.DaskScikitLearnBase):
        xgb_model = xgb_model.get_booster()
    result = dask_train(estimator.client, loss, params, dtrain,
                        estimator.get_num_boosting_rounds(), evals=evals,
                        early_stopping_rounds=estimator.early_stopping_rounds,
                        callbacks=estimator.callbacks,
                        renew_leaves=None if classifier else estimator.renew_leaves,
                        xgb_model=xgb_model, verbose_eval=verbose)
    _fitted(estimator, loss, result)
    if classifier:
        estimator._boostobj_classes = classes
        estimator.n_classes_ = len(classes)
    return estimator


@drop_in
class DaskXGBRegressor(xgb_dask.DaskXGBRegressor):
    __doc__ = estimator_doc("""``xgboost.dask.DaskXGBRegressor`` trained on a boostobj loss.""" +
                            _FIT_DOC + """ ``predict`` is on the response scale, as
    ``boostobj.xgboost.XGBRegressor``'s.""")

    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None, verbose=True,
            xgb_model=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None) -> DaskXGBRegressor:
        """Train on the dask collections through ``dask_train``; returns ``self``
        (``loss=None``: the parent's ``fit``)."""
        return _fit(self, super().fit, False, X, y, sample_weight=sample_weight,
                    base_margin=base_margin, eval_set=eval_set,
                    sample_weight_eval_set=sample_weight_eval_set,
                    base_margin_eval_set=base_margin_eval_set, verbose=verbose,
                    xgb_model=xgb_model, feature_weights=feature_weights)


@drop_in
class DaskXGBClassifier(xgb_dask.DaskXGBClassifier):
    __doc__ = estimator_doc("""``xgboost.dask.DaskXGBClassifier`` trained on a boostobj
    classification loss: any class labels (``classes_`` holds them sorted, ``predict``
    returns them), the loss's probabilities from ``predict_proba`` (dask arrays).""" +
                            _FIT_DOC)

    @property
    def classes_(self) -> np.ndarray:
        """The class labels seen in ``fit``, sorted."""
        classes = self.__dict__.get("_boostobj_classes")
        return np.arange(self.n_classes_) if classes is None else classes

    @classes_.setter
    def classes_(self, classes):
        # The parent's fit (loss=None) sets the classes it found.
        self._boostobj_classes = classes

    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None, verbose=True,
            xgb_model=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None) -> DaskXGBClassifier:
        """Train on the dask collections through ``dask_train`` (``y`` holds any class
        labels); returns ``self``."""
        if self.renew_leaves:
            raise ValueError(f"boostobj.xgboost.DaskXGBClassifier.fit: renew_leaves="
                             f"{self.renew_leaves!r}; leaf renewal is for regression losses.")
        return _fit(self, super().fit, True, X, y, sample_weight=sample_weight,
                    base_margin=base_margin, eval_set=eval_set,
                    sample_weight_eval_set=sample_weight_eval_set,
                    base_margin_eval_set=base_margin_eval_set, verbose=verbose,
                    xgb_model=xgb_model, feature_weights=feature_weights)

    def _margin(self, X, **options):
        # The regressor's predict: the classifier's own would turn margins into labels.
        return xgb_dask.DaskXGBRegressor.predict(self, X, output_margin=True, **options)

    def predict_proba(self, X, validate_features=True, base_margin=None, iteration_range=None):
        """(n, K) class probabilities of the loss, a dask array (the parent's without a
        loss)."""
        if self.__dict__.get("loss_") is None:
            return super().predict_proba(X, validate_features=validate_features,
                                         base_margin=base_margin,
                                         iteration_range=iteration_range)
        margin = self._margin(X, validate_features=validate_features, base_margin=base_margin,
                              iteration_range=iteration_range)
        loss, n_classes = self.loss_, self.n_classes_
        return map_rows(margin, lambda block: class_probabilities(loss, block), n_classes)

    def predict(self, X, output_margin=False, validate_features=True, base_margin=None,
                iteration_range=None):
        """The most probable class label of each row, a dask array (the margins with
        ``output_margin``)."""
        options = {"validate_features": validate_features, "base_margin": base_margin,
                   "iteration_range": iteration_range}
        if self.__dict__.get("loss_") is None:
            return super().predict(X, output_margin=output_margin, **options)
        if output_margin:
            return self._margin(X, **options)
        classes = self.classes_
        probability = self.predict_proba(X, **options)
        return probability.map_blocks(lambda block: classes[np.argmax(block, axis=1)],
                                      drop_axis=1, dtype=classes.dtype)


@drop_in
class DaskXGBRanker(xgb_dask.DaskXGBRanker):
    __doc__ = estimator_doc("""``xgboost.dask.DaskXGBRanker`` trained on a boostobj ranking
    loss (XGBoost's own refuses custom objectives): ``fit(X, y, qid=, sample_weight=,
    eval_set=, eval_qid=)`` with dask collections, through ``boostobj.xgboost.dask_train``.
    Every query group must lie within one partition (checked: ``ValueError`` otherwise);
    weights are one per group, as XGBoost's rankers take them. The loss's metric over every
    group is reported (``evals_result()``) and ``early_stopping_rounds`` follows it;
    ``predict`` gives the scores.""")

    def fit(self, X, y, *, qid, sample_weight=None, base_margin=None, eval_set=None,
            eval_qid=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            verbose=False, xgb_model=None, feature_weights=None) -> DaskXGBRanker:
        """Train on the dask collections over the query groups ``qid`` (each within one
        partition) through ``dask_train``; returns ``self``."""
        caller = "boostobj.xgboost.DaskXGBRanker.fit"
        if self.loss is None:  # the parent's fit, exactly
            without_loss(self, caller)
            return super().fit(X, y, qid=qid, sample_weight=sample_weight,
                               base_margin=base_margin, eval_set=eval_set, eval_qid=eval_qid,
                               sample_weight_eval_set=sample_weight_eval_set,
                               base_margin_eval_set=base_margin_eval_set, verbose=verbose,
                               xgb_model=xgb_model, feature_weights=feature_weights)
        loss = estimator_loss(self.loss, False, caller, y, ranker=True)
        _check_objective(caller, self, "rank:ndcg")
        params = self.get_xgb_params()
        params.pop("objective", None)
        if self.eval_metric is not None:
            params["eval_metric"] = self.eval_metric  # XGBoost's ranking metrics see scores
        check_whole_groups(qid, caller)
        dtrain = _dmatrix(self, X, y, qid=qid, weight=sample_weight, base_margin=base_margin,
                          feature_weights=feature_weights)
        evals = []
        for index, (eval_X, eval_y) in enumerate(eval_set or []):
            if eval_qid is None:
                raise ValueError(f"{caller}: eval_set needs eval_qid, the query ids of each "
                                 "evaluation set.")
            check_whole_groups(eval_qid[index], caller)
            evals.append((_dmatrix(self, eval_X, eval_y, qid=eval_qid[index],
                                   weight=_entry(sample_weight_eval_set, index),
                                   base_margin=_entry(base_margin_eval_set, index)),
                          f"validation_{index}"))
        # dask_train refuses renew_leaves=True for a ranking loss
        result = dask_train(self.client, loss, params, dtrain,
                            self.get_num_boosting_rounds(), evals=evals,
                            early_stopping_rounds=self.early_stopping_rounds,
                            callbacks=self.callbacks, renew_leaves=self.renew_leaves,
                            xgb_model=xgb_model, verbose_eval=verbose)
        return _fitted(self, loss, result)
