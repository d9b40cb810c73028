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
"""

from __future__ import annotations

import json
import warnings

import xgboost as xgb

from ._adapter import (
    CheckedTargets,
    SklearnMetricBase,
    SklearnObjectiveBase,
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


class Objective:
    """``obj=`` for ``xgb.train``: ``(predictions, dtrain) -> (gradient, hessian)``."""

    def __init__(self, loss, _targets=None):
        self.loss = get_loss(loss)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)

    def __call__(self, predictions, dtrain):
        targets = self._targets(dtrain)
        return targets.gradient_hessian(targets.raw_score(predictions))


class Metric:
    """``custom_metric=`` for ``xgb.train``: ``(predictions, dmatrix) -> (name, value)``.

    With extra metrics (``squared_error`` adds ``rmse``) it returns a list of pairs, the
    loss's own last, since XGBoost's early stopping follows the last metric by default.
    """

    def __init__(self, loss, extra_metrics=None, _targets=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)

    def __call__(self, predictions, dmatrix):
        targets = self._targets(dmatrix)
        results = targets.metrics(self.metrics, targets.raw_score(predictions))
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
          extra_metrics=None, callbacks=None, **kwargs):
    """``xgb.train`` with a boostobj loss, returning an ``xgb.Booster``.

    - starts from ``loss.init_score`` (stored as ``base_score``) unless ``params`` sets
      ``base_score`` or ``dtrain`` has a ``base_margin``;
    - records a built-in objective with the loss's inverse link, so the booster (and the
      model it saves) predicts on the response scale with plain XGBoost;
    - turns XGBoost's default metric off and reports the loss's metric (plus
      ``extra_metrics``, default ``loss.extra_metrics``) on every set in ``evals``;
    - with ``early_stopping_rounds``, stops when the loss's metric on the last set in
      ``evals`` has not decreased for that many rounds and returns the booster truncated
      to its best iteration.

    Other keyword arguments go to ``xgb.train``.
    """
    loss = get_loss(loss)
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
    callbacks = list(callbacks or [])
    if early_stopping_rounds:
        if not evals:
            raise ValueError(f"{loss.name}: early_stopping_rounds needs at least one set "
                             "in evals.")
        callbacks.append(xgb.callback.EarlyStopping(
            rounds=early_stopping_rounds, metric_name=loss.name, maximize=False,
            save_best=True))
    booster = xgb.train(params, dtrain, num_boost_round, evals=list(evals),
                        obj=Objective(loss, targets),
                        custom_metric=Metric(loss, extra_metrics, targets),
                        callbacks=callbacks, **kwargs)
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


def fit(estimator, X, y, *, sample_weight=None, **fit_params):
    """Fit an XGBoost scikit-learn estimator built with ``sklearn_objective(loss)``.

    Starts it from ``loss.init_score(y, sample_weight)`` (its ``base_score``) and calls
    ``estimator.fit``.

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
    return estimator.fit(X, y, sample_weight=sample_weight, **fit_params)
