"""XGBoost adapters: one loss, every signature XGBoost accepts.

- ``objective(loss)``: ``obj=`` of ``xgb.train``, ``(predictions, dtrain) -> (grad, hess)``.
- ``metric(loss)``: ``custom_metric=`` of ``xgb.train``, ``(predictions, dmatrix) -> (name, value)``.
- ``sklearn_objective(loss)`` / ``sklearn_metric(loss)``: ``objective=`` / ``eval_metric=`` of
  ``XGBRegressor``, ``(y_true, y_pred, *, sample_weight=None)``.
- ``train(loss, params, dtrain, ...)``: all of it, with the loss's init score as
  ``base_score`` so that the saved model predicts correctly with plain XGBoost.
- ``fit(estimator, X, y, ...)``: the scikit-learn estimator started from the init score.

With a custom objective XGBoost passes raw margins to the objective and the metric, and the
scikit-learn estimators' ``predict`` returns raw margins: apply ``loss.predict`` for the
response scale (the identity for regression losses with the identity link).
"""

from __future__ import annotations

import xgboost as xgb

from ._adapter import CheckedTargets, SklearnMetricBase, SklearnObjectiveBase, sklearn_start
from .losses import get_loss
from .metrics import LossMetrics

# A built-in objective whose inverse link matches the loss's. ``train`` records it in the
# model (only its inverse link and base_score transform are used; the gradients are ours),
# so plain XGBoost predicts on the response scale. reg:gamma rather than count:poisson,
# whose max_delta_step default of 0.7 would also change how the trees are built.
_LINK_OBJECTIVES = {"identity": "reg:squarederror", "log": "reg:gamma"}


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
    link_objective = _LINK_OBJECTIVES.get(loss.link.name)
    params["objective"] = link_objective or "reg:squarederror"
    if "base_score" not in params and dtrain.get_base_margin().size == 0:
        start = loss.init_score(train_targets.y, train_targets.weight)
        # base_score is on the response scale; XGBoost applies the objective's link to it.
        params["base_score"] = float(loss.predict(start) if link_objective else start)
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
    return xgb.train(params, dtrain, num_boost_round, evals=list(evals),
                     obj=Objective(loss, targets),
                     custom_metric=Metric(loss, extra_metrics, targets),
                     callbacks=callbacks, **kwargs)


def fit(estimator, X, y, *, sample_weight=None, **fit_params):
    """Fit an ``XGBRegressor`` built with ``sklearn_objective(loss)`` from the loss's init score.

    Sets the estimator's ``base_score`` to ``loss.init_score(y, sample_weight)`` and calls
    ``estimator.fit``. ``estimator.predict`` then returns raw scores that include the start;
    ``loss.predict`` of them is the prediction on the response scale.
    """
    start = sklearn_start(estimator, SklearnObjective, "boostobj.xgboost.fit", y, sample_weight)
    estimator.set_params(base_score=start)
    return estimator.fit(X, y, sample_weight=sample_weight, **fit_params)
