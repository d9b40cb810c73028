"""XGBoost adapters: one loss, every signature XGBoost accepts.

- ``objective(loss)``: ``obj=`` of ``xgb.train``, ``(predictions, dtrain) -> (grad, hess)``.
- ``metric(loss)``: ``custom_metric=`` of ``xgb.train``, ``(predictions, dmatrix) -> (name, value)``.
- ``sklearn_objective(loss)`` / ``sklearn_metric(loss)``: ``objective=`` / ``eval_metric=`` of
  ``XGBRegressor``, ``(y_true, y_pred, *, sample_weight=None)``.
- ``train(loss, params, dtrain, ...)``: all of it, with the loss's init score as
  ``base_score`` so that the saved model predicts correctly with plain XGBoost.
- ``fit(estimator, X, y, ...)``: the scikit-learn estimator started from the init score.

With a custom objective XGBoost passes raw margins to the objective and the metric ((n, K) for
multiclass losses). ``XGBRegressor.predict`` returns raw margins: apply ``loss.predict`` for
the response scale; ``XGBClassifier`` applies σ / softmax itself (see ``fit``).

Soft labels (``soft_label``, ``kl_divergence``): give the (n, K) probability matrix as the
label, ``xgb.DMatrix(X, label=probabilities)``; ``train`` returns a ``multi:softprob`` model.

Leaf renewal (losses with ``renews_leaves``: quantile, absolute_error, huber, ...): ``train``
and ``fit`` re-fit each new tree's leaves to the loss's exact minimiser (see
``_XGBoostRenewal``); the plain ``objective``/``sklearn_objective`` callables cannot, as
XGBoost gives them no access to the tree they feed.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import xgboost as xgb

from ._adapter import (
    CheckedTargets,
    LeafRenewal,
    SklearnMetricBase,
    SklearnObjectiveBase,
    renewal_attached,
    renews_leaves,
    sklearn_start,
)
from ._numerics import expit
from .losses import get_loss
from .metrics import LossMetrics

# The built-in objective ``train`` records in the model for each link, and the scale XGBoost
# reads its base_score on. Only the objective's inverse link and base_score transform are
# used (the gradients are ours), so plain XGBoost predicts on the response scale.
# reg:gamma rather than count:poisson, whose max_delta_step default of 0.7 would also change
# how the trees are built. No built-in applies σ(2f) (exponential): its model gives margins.
_LINK_OBJECTIVES = {
    "identity": ("reg:squarederror", "raw"),
    "half_logit": ("reg:squarederror", "raw"),
    "log": ("reg:gamma", "response"),
    "logit": ("binary:logistic", "response"),
    "sign": ("binary:hinge", "raw"),
    "softmax": ("multi:softprob", "raw"),
}


def _fetch(dmatrix):
    weight = dmatrix.get_weight()
    return dmatrix.get_label(), (weight if weight.size else None)


class _XGBoostRenewal(LeafRenewal, xgb.callback.TrainingCallback):
    """Leaf renewal for XGBoost (the bookkeeping is ``LeafRenewal``'s).

    XGBoost's Python API can read a tree's leaves but not write them, and its prediction
    caches would not see a change. So during training the trees keep XGBoost's leaf values
    and the objective and metric add the corrections; the rows' leaves in the newest tree
    come from ``predict(pred_leaf=True)`` on a one-tree slice of the model (about 50 ms at
    1M rows, a third of a depth-6 tree's growing time). When training ends the renewed
    values are written into the model once, through its JSON form (``apply``), so the
    saved model predicts on its own.
    """

    def __init__(self, loss):
        LeafRenewal.__init__(self, loss)
        xgb.callback.TrainingCallback.__init__(self)
        self._renewed = {}  # tree index -> (leaf node ids, renewed values)

    def before_training(self, model):
        self.booster = model
        return model

    def after_iteration(self, model, epoch, evals_log):
        self.flush()
        return False

    def _newest_tree(self):
        return int(self.booster.num_boosted_rounds()) - 1

    def _leaves(self, dmatrix, tree):
        return self.booster[tree:tree + 1].predict(dmatrix, pred_leaf=True).astype(np.intp)

    def _tree_json(self, tree):
        model = json.loads(self.booster[tree:tree + 1].save_raw("json"))
        return model["learner"]["gradient_booster"]["model"]["trees"][0]

    def _leaf_outputs(self, tree, ids):
        values = self._tree_json(tree)["split_conditions"]
        return [values[node] for node in ids]

    def _set_leaf_outputs(self, tree, ids, values):
        self._renewed[tree] = (ids, values)

    def _learning_rate(self):
        config = json.loads(self.booster.save_config())
        return float(config["learner"]["gradient_booster"]["tree_train_param"]["eta"])

    def apply(self, booster):
        """A copy of ``booster`` with the renewed leaf values written into its trees."""
        self.flush()
        if not self._renewed:
            return booster
        model = json.loads(booster.save_raw("json"))
        trees = model["learner"]["gradient_booster"]["model"]["trees"]
        for tree, (ids, values) in self._renewed.items():
            if tree < len(trees):  # early stopping may have cut the model shorter
                for node, value in zip(ids, values, strict=True):
                    trees[tree]["split_conditions"][node] = float(value)
                    trees[tree]["base_weights"][node] = float(value)
        renewed = xgb.Booster()
        renewed.load_model(bytearray(json.dumps(model).encode()))
        return renewed


class Objective:
    """``obj=`` for ``xgb.train``: ``(predictions, dtrain) -> (gradient, hessian)``."""

    def __init__(self, loss, _targets=None, _renewal=None):
        self.loss = get_loss(loss)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)
        self._renewal = _renewal

    def __call__(self, predictions, dtrain):
        targets = self._targets(dtrain)
        if self._renewal is None:
            return targets.gradient_hessian(targets.raw_score(predictions))
        return targets.gradient_hessian(
            self._renewal.training_raw_score(id(dtrain), targets, predictions))


class Metric:
    """``custom_metric=`` for ``xgb.train``: ``(predictions, dmatrix) -> (name, value)``.

    With extra metrics (``squared_error`` adds ``rmse``) it returns a list of pairs, the
    loss's own last, since XGBoost's early stopping follows the last metric by default.
    """

    def __init__(self, loss, extra_metrics=None, _targets=None, _renewal=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)
        self._renewal = _renewal

    def __call__(self, predictions, dmatrix):
        targets = self._targets(dmatrix)
        start = 0.0
        if self._renewal is not None:
            start = self._renewal.evaluation_correction(id(dmatrix))
        results = targets.metrics(self.metrics, targets.raw_score(predictions, start))
        return results[0] if len(results) == 1 else results[1:] + results[:1]


class SklearnObjective(SklearnObjectiveBase):
    """``objective=`` for ``XGBRegressor``: ``(y_true, y_pred, *, sample_weight=None)``."""

    def __call__(self, y_true, y_pred, *, sample_weight=None):
        return self.gradient_hessian(y_true, y_pred, sample_weight)


class SklearnMetric(SklearnMetricBase):
    """``eval_metric=`` for ``XGBRegressor``: ``(y_true, y_pred, sample_weight=None) -> float``."""

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self.value(y_true, y_pred, sample_weight)


def objective(loss):
    """The loss as ``xgb.train(obj=...)``."""
    return Objective(loss)


def metric(loss, extra_metrics=None):
    """The loss's metric as ``xgb.train(custom_metric=...)``."""
    return Metric(loss, extra_metrics)


def sklearn_objective(loss):
    """The loss as ``XGBRegressor(objective=...)``."""
    return SklearnObjective(loss)


def sklearn_metric(loss):
    """The loss's metric as ``XGBRegressor(eval_metric=...)``."""
    return SklearnMetric(loss)


def train(loss, params, dtrain, num_boost_round=10, *, evals=(), early_stopping_rounds=None,
          extra_metrics=None, callbacks=None, renew_leaves=None, **kwargs):
    """``xgb.train`` with a boostobj loss, returning an ``xgb.Booster``.

    - starts from ``loss.init_score`` (stored as ``base_score``) unless ``params`` sets
      ``base_score`` or ``dtrain`` has a ``base_margin``;
    - records a built-in objective with the loss's inverse link, so the booster (and the
      model it saves) predicts on the response scale with plain XGBoost;
    - turns XGBoost's default metric off and reports the loss's metric (plus
      ``extra_metrics``, default ``loss.extra_metrics``) on every set in ``evals``;
    - with ``early_stopping_rounds``, stops when the loss's metric on the last set in
      ``evals`` has not decreased for that many rounds and returns the booster truncated
      to its best iteration;
    - renews each tree's leaves to the loss's exact minimiser when ``renew_leaves`` (default:
      ``loss.renews_leaves``); the returned model holds the renewed values.

    Other keyword arguments go to ``xgb.train``.
    """
    loss = get_loss(loss)
    renewal = _XGBoostRenewal(loss) if renews_leaves(loss, renew_leaves, "boostobj.xgboost.train") \
        else None
    params = dict(params or {})
    if "objective" in params:
        raise ValueError(f"{loss.name}: params['objective'] == {params['objective']!r}; "
                         "boostobj.xgboost.train sets the objective from the loss.")
    targets = CheckedTargets(loss, _fetch)
    train_targets = targets(dtrain)
    for dmatrix, _ in evals:
        targets(dmatrix)
    objective_name, base_score_scale = _LINK_OBJECTIVES.get(loss.link.name,
                                                            ("reg:squarederror", "raw"))
    n_classes = None
    soft_labels = train_targets.multiclass and train_targets.y.ndim == 2
    if train_targets.multiclass:
        n_classes = train_targets.n_classes(params.get("num_class"))
        if soft_labels:
            # An (n, K) label matrix makes a K-target model; multi:softprob takes 1-D
            # labels only, so it is trained as reg:squarederror and relabelled afterwards.
            params.pop("num_class", None)
            objective_name = "reg:squarederror"
        else:
            params["num_class"] = n_classes
    params["objective"] = objective_name
    if "base_score" not in params and dtrain.get_base_margin().size == 0:
        start = train_targets.init_score(n_classes)
        if train_targets.multiclass:
            params["base_score"] = [float(value) for value in start]  # margins, one per class
        else:
            params["base_score"] = float(loss.predict(start) if base_score_scale == "response"
                                         else start)
    if "eval_metric" not in params:
        params["disable_default_eval_metric"] = 1
    # The renewal comes first: its after_training must see the model before early stopping
    # cuts it to the best iteration.
    callbacks = ([renewal] if renewal else []) + list(callbacks or [])
    if early_stopping_rounds:
        if not evals:
            raise ValueError(f"{loss.name}: early_stopping_rounds needs at least one set "
                             "in evals.")
        callbacks.append(xgb.callback.EarlyStopping(
            rounds=early_stopping_rounds, metric_name=loss.name, maximize=False,
            save_best=True))
    if renewal is not None:
        if int(params.get("num_parallel_tree", 1)) != 1:
            raise ValueError(f"{loss.name}: leaf renewal needs one tree per round, got "
                             f"num_parallel_tree == {params['num_parallel_tree']!r}; pass "
                             "renew_leaves=False to train without it.")
        for dmatrix in [dtrain, *(dmatrix for dmatrix, _ in evals)]:
            renewal.add_dataset(id(dmatrix), dmatrix, targets(dmatrix).n_rows)
    booster = xgb.train(params, dtrain, num_boost_round, evals=list(evals),
                        obj=Objective(loss, targets, renewal),
                        custom_metric=Metric(loss, extra_metrics, targets, renewal),
                        callbacks=callbacks, **kwargs)
    if renewal is not None:
        booster = renewal.apply(booster)  # attributes (best_iteration, ...) travel in the JSON
    return _as_softprob(booster, n_classes) if soft_labels else booster


def _as_softprob(booster, n_classes):
    """A copy of a K-target booster that XGBoost reads as ``multi:softprob`` with K classes.

    Both keep one tree per class and round, in the same order; only the learner's header
    differs, so the trees and base scores are kept and the header rewritten.
    """
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    learner["learner_model_param"]["num_class"] = str(n_classes)
    learner["learner_model_param"]["num_target"] = "1"
    learner["objective"] = {"name": "multi:softprob",
                            "softmax_multiclass_param": {"num_class": str(n_classes)}}
    relabelled = xgb.Booster()
    relabelled.load_model(bytearray(json.dumps(model).encode()))
    return relabelled


def fit(estimator, X, y, *, sample_weight=None, renew_leaves=None, **fit_params):
    """Fit an XGBoost scikit-learn estimator built with ``sklearn_objective(loss)``.

    Starts it from ``loss.init_score(y, sample_weight)`` (its ``base_score``) and calls
    ``estimator.fit``. With leaf renewal (``renew_leaves``, default ``loss.renews_leaves``)
    the fitted model holds the renewed leaves and ``sklearn_metric`` values on ``eval_set``
    include them.

    - ``XGBRegressor``: ``predict`` returns raw scores including the start; ``loss.predict``
      of them is the prediction on the response scale.
    - ``XGBClassifier`` (a classification loss, labels 0 .. K-1): XGBoost applies σ (two
      classes) or softmax (more) to our raw scores, so ``predict_proba`` gives the
      probabilities of ``logistic``, ``weighted_logistic``, ``focal`` and ``softmax``-family
      losses and ``predict`` the classes. For ``hinge`` the probabilities are σ(margin), a
      score rather than a probability; for ``exponential`` they are σ(f) where the loss's
      own are σ(2f) (a warning says so): use ``loss.predict(estimator.predict(X,
      output_margin=True))``.
    """
    caller = "boostobj.xgboost.fit"
    start, n_classes = sklearn_start(estimator, SklearnObjective, caller, y, sample_weight,
                                     classifier=isinstance(estimator, xgb.XGBClassifier))
    if n_classes is None:
        base_score = start
    elif n_classes > 2:
        base_score = [float(value) for value in start]
    else:
        base_score = float(expit(start))  # XGBClassifier records binary:logistic
        loss = estimator.objective.loss
        if loss.link.name == "half_logit":
            warnings.warn(f"{caller}: XGBClassifier.predict_proba gives σ(f) but "
                          f"{loss.name}'s probability is σ(2f); use loss.predict("
                          "estimator.predict(X, output_margin=True)).", stacklevel=2)
    estimator.set_params(base_score=base_score)
    loss = estimator.objective.loss
    if n_classes is not None or not renews_leaves(loss, renew_leaves, caller):
        return estimator.fit(X, y, sample_weight=sample_weight, **fit_params)
    renewal = _XGBoostRenewal(loss)

    def dmatrix(features):
        return xgb.DMatrix(features, missing=estimator.missing,
                           enable_categorical=estimator.enable_categorical)

    renewal.add_dataset("train", dmatrix(X), len(y))
    for index, (eval_X, eval_y) in enumerate(fit_params.get("eval_set") or []):
        renewal.add_dataset(("eval", index), dmatrix(eval_X), len(eval_y), labels=eval_y)
    callbacks = estimator.callbacks
    try:
        estimator.set_params(callbacks=[renewal] + list(callbacks or []))
        with renewal_attached(renewal, estimator.objective, estimator.eval_metric):
            estimator.fit(X, y, sample_weight=sample_weight, **fit_params)
    finally:
        estimator.set_params(callbacks=callbacks)
    estimator._Booster = renewal.apply(estimator.get_booster())
    return estimator
