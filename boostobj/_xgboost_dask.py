"""XGBoost's dask estimators trained on a boostobj loss (``boostobj.xgboost.DaskXGB*``).

Imported on first use of those names, so that ``boostobj.xgboost`` needs no dask. Each
``fit`` builds the ``DaskDMatrix`` XGBoost's own estimator would and trains through
``boostobj.xgboost.dask_train``: the start, an ``"auto"`` scale, the renewed leaves and
the metric are over every worker's rows.
"""

from __future__ import annotations

import numpy as np
from xgboost import dask as xgb_dask

from . import xgboost as bx
from ._boosters import xgboost_model
from ._boosters.common import estimator_doc, estimator_loss, refuse
from ._dask_data import check_whole_groups, class_labels, encode_classes_of, map_rows

_FIT_DOC = """

    ``fit`` takes dask collections (arrays, DataFrames with categorical columns where
    ``enable_categorical=True``) as ``xgboost.dask``'s estimators do, and trains through
    ``boostobj.xgboost.dask_train``: the start, an ``"auto"`` scale, the renewed leaves and
    the reported metric (``evals_result()``, ``early_stopping_rounds``) are computed over
    every worker's rows, equal to one process's."""


def _check_objective(caller, estimator, default):
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
    xgboost_model.set_fitted_booster(estimator, result["booster"])
    estimator._set_evaluation_result(result["history"])
    estimator.loss_ = loss
    return estimator


def _fit(estimator, classifier, X, y, *, sample_weight, base_margin, eval_set,
         sample_weight_eval_set, base_margin_eval_set, verbose, xgb_model, feature_weights):
    caller = f"boostobj.xgboost.{type(estimator).__name__}.fit"
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
    result = bx.dask_train(estimator.client, loss, params, dtrain,
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


class DaskXGBRegressor(xgb_dask.DaskXGBRegressor):
    __doc__ = estimator_doc("""``xgboost.dask.DaskXGBRegressor`` trained on a boostobj loss.""" +
                            _FIT_DOC + """ ``predict`` is on the response scale, as
    ``boostobj.xgboost.XGBRegressor``'s.""")

    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_xgb_params(self):
        return bx._xgb_params(self, super().get_xgb_params())

    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None, verbose=True,
            xgb_model=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None):
        return _fit(self, False, X, y, sample_weight=sample_weight, base_margin=base_margin,
                    eval_set=eval_set, sample_weight_eval_set=sample_weight_eval_set,
                    base_margin_eval_set=base_margin_eval_set, verbose=verbose,
                    xgb_model=xgb_model, feature_weights=feature_weights)


class DaskXGBClassifier(xgb_dask.DaskXGBClassifier):
    __doc__ = estimator_doc("""``xgboost.dask.DaskXGBClassifier`` trained on a boostobj
    classification loss: any class labels (``classes_`` holds them sorted, ``predict``
    returns them), the loss's probabilities from ``predict_proba`` (dask arrays).""" +
                            _FIT_DOC)

    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_xgb_params(self):
        return bx._xgb_params(self, super().get_xgb_params())

    @property
    def classes_(self):
        classes = self.__dict__.get("_boostobj_classes")
        return np.arange(self.n_classes_) if classes is None else classes

    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None, verbose=True,
            xgb_model=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None):
        if self.renew_leaves:
            raise ValueError(f"boostobj.xgboost.DaskXGBClassifier.fit: renew_leaves="
                             f"{self.renew_leaves!r}; leaf renewal is for regression losses.")
        return _fit(self, True, X, y, sample_weight=sample_weight, base_margin=base_margin,
                    eval_set=eval_set, sample_weight_eval_set=sample_weight_eval_set,
                    base_margin_eval_set=base_margin_eval_set, verbose=verbose,
                    xgb_model=xgb_model, feature_weights=feature_weights)

    def _margin(self, X, **options):
        # The regressor's predict: the classifier's own would turn margins into labels.
        return xgb_dask.DaskXGBRegressor.predict(self, X, output_margin=True, **options)

    def predict_proba(self, X, validate_features=True, base_margin=None, iteration_range=None):
        """(n, K) class probabilities of the loss, a dask array."""
        margin = self._margin(X, validate_features=validate_features, base_margin=base_margin,
                              iteration_range=iteration_range)
        loss, n_classes = self.loss_, self.n_classes_
        return map_rows(margin, lambda block: bx._probabilities(loss, block), n_classes)

    def predict(self, X, output_margin=False, validate_features=True, base_margin=None,
                iteration_range=None):
        options = {"validate_features": validate_features, "base_margin": base_margin,
                   "iteration_range": iteration_range}
        if output_margin:
            return self._margin(X, **options)
        classes = self.classes_
        probability = self.predict_proba(X, **options)
        return probability.map_blocks(lambda block: classes[np.argmax(block, axis=1)],
                                      drop_axis=1, dtype=classes.dtype)


class DaskXGBRanker(xgb_dask.DaskXGBRanker):
    __doc__ = estimator_doc("""``xgboost.dask.DaskXGBRanker`` trained on a boostobj ranking
    loss (XGBoost's own refuses custom objectives): ``fit(X, y, qid=, sample_weight=,
    eval_set=, eval_qid=)`` with dask collections, through ``boostobj.xgboost.dask_train``.
    Every query group must lie within one partition (checked: ``ValueError`` otherwise);
    weights are one per group, as XGBoost's rankers take them. The loss's metric over every
    group is reported (``evals_result()``) and ``early_stopping_rounds`` follows it;
    ``predict`` gives the scores. ``loss=None`` is ``listwise_softmax``.""")

    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_xgb_params(self):
        return bx._xgb_params(self, super().get_xgb_params())

    def fit(self, X, y, *, qid, sample_weight=None, base_margin=None, eval_set=None,
            eval_qid=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            verbose=False, xgb_model=None, feature_weights=None):
        caller = "boostobj.xgboost.DaskXGBRanker.fit"
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
        result = bx.dask_train(self.client, loss, params, dtrain,
                               self.get_num_boosting_rounds(), evals=evals,
                               early_stopping_rounds=self.early_stopping_rounds,
                               callbacks=self.callbacks, renew_leaves=self.renew_leaves,
                               xgb_model=xgb_model, verbose_eval=verbose)
        return _fitted(self, loss, result)
