"""LightGBM adapters: one loss, every signature LightGBM accepts.

- ``objective(loss)``: ``params["objective"]`` of ``lgb.train``,
  ``(predictions, train_set) -> (grad, hess)``.
- ``metric(loss)``: ``feval=`` of ``lgb.train``,
  ``(predictions, eval_set) -> (name, value, is_higher_better)``.
- ``sklearn_objective(loss)`` / ``sklearn_metric(loss)``: ``objective=`` / ``eval_metric=`` of
  ``LGBMRegressor``, ``(y_true, y_pred, weight)``.
- ``train(loss, params, train_set, ...)``: all of it, starting from the loss's init score and
  folding that start into the model, so that the saved model predicts correctly with plain
  LightGBM.
- ``fit(estimator, X, y, ...)``: the scikit-learn estimator, started and folded the same way.

With a custom objective LightGBM passes raw scores to the objective and the metric, and the
estimators' ``predict`` returns raw scores: apply ``loss.predict`` for the response scale.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np

from ._adapter import CheckedTargets, SklearnMetricBase, SklearnObjectiveBase, sklearn_start
from .losses import get_loss
from .metrics import LossMetrics

# A built-in objective whose output conversion is the loss's inverse link. ``train`` writes it
# into the model so plain LightGBM predicts on the response scale; identity needs none.
_LINK_OBJECTIVES = {"identity": None, "log": "poisson"}
_OBJECTIVE_KEYS = ("objective", "objective_type", "app", "application", "loss")
_METRIC_KEYS = ("metric", "metrics", "metric_types")


def _field(dataset, name):
    # Before construction a Dataset holds what it was given; get_field would raise.
    value = getattr(dataset, name, None)
    if value is None and getattr(dataset, "_handle", None) is not None:
        value = dataset.get_field(name)
    return value


def _fetch(dataset):
    return _field(dataset, "label"), _field(dataset, "weight")


class Objective:
    """``params["objective"]`` for ``lgb.train``: ``(predictions, train_set) -> (grad, hess)``.

    ``start`` is added to LightGBM's raw scores: ``train`` starts from the init score this
    way instead of writing an ``init_score`` into the user's ``Dataset``.
    """

    def __init__(self, loss, start=0.0, _targets=None):
        self.loss = get_loss(loss)
        self.start = float(start)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)

    def __call__(self, predictions, train_set):
        targets = self._targets(train_set)
        return targets.gradient_hessian(targets.raw_score(predictions, self.start))


class Metric:
    """``feval=`` for ``lgb.train``: ``(predictions, dataset) -> (name, value, False)``.

    With extra metrics (``squared_error`` adds ``rmse``) it returns a list, the loss's own
    first, which is the one ``train``'s early stopping follows.
    """

    def __init__(self, loss, extra_metrics=None, start=0.0, _targets=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self.start = float(start)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)

    def __call__(self, predictions, dataset):
        targets = self._targets(dataset)
        raw = targets.raw_score(predictions, self.start)
        results = [(name, value, False) for name, value in targets.metrics(self.metrics, raw)]
        return results[0] if len(results) == 1 else results


class SklearnObjective(SklearnObjectiveBase):
    """``objective=`` for ``LGBMRegressor``: ``(y_true, y_pred, weight) -> (grad, hess)``."""

    def __call__(self, y_true, y_pred, weight):
        return self.gradient_hessian(y_true, y_pred, weight)


class SklearnMetric(SklearnMetricBase):
    """``eval_metric=`` for ``LGBMRegressor``: ``(y_true, y_pred, weight) -> (name, value, False)``."""

    def __call__(self, y_true, y_pred, weight):
        return self.loss.name, self.value(y_true, y_pred, weight), False


def objective(loss):
    """The loss as ``lgb.train(params={"objective": ...})``."""
    return Objective(loss)


def metric(loss, extra_metrics=None):
    """The loss's metric as ``lgb.train(feval=...)``."""
    return Metric(loss, extra_metrics)


def sklearn_objective(loss):
    """The loss as ``LGBMRegressor(objective=...)``."""
    return SklearnObjective(loss)


def sklearn_metric(loss):
    """The loss's metric as ``LGBMRegressor().fit(..., eval_metric=...)``."""
    return SklearnMetric(loss)


def add_to_first_iteration(booster, value):
    """Add a constant to every leaf of the first tree: every prediction moves by ``value``.

    This is how LightGBM itself stores ``boost_from_average``; it makes a start that was
    given outside the model part of it.
    """
    if booster.num_trees() == 0:
        raise ValueError("the booster has no trees to hold the init score.")
    num_leaves = booster.dump_model(num_iteration=1)["tree_info"][0]["num_leaves"]
    for leaf in range(num_leaves):
        booster.set_leaf_output(0, leaf, booster.get_leaf_output(0, leaf) + value)


def _with_output_link(booster, objective_name):
    """A copy of ``booster`` whose model names ``objective_name``, so LightGBM applies its link."""
    lines = booster.model_to_string(num_iteration=-1).split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("max_feature_idx="))
    lines.insert(index + 1, f"objective={objective_name}")
    linked = lgb.Booster(model_str="\n".join(lines))
    linked.best_iteration = booster.best_iteration
    linked.best_score = booster.best_score
    return linked


def train(loss, params, train_set, num_boost_round=100, *, valid_sets=None, valid_names=None,
          early_stopping_rounds=None, extra_metrics=None, callbacks=None, **kwargs):
    """``lgb.train`` with a boostobj loss, returning an ``lgb.Booster``.

    - starts from ``loss.init_score`` unless ``train_set`` has its own ``init_score``, and
      adds that start to the first tree, so the model needs no ``init_score`` to predict;
    - for a non-identity link, names a built-in objective with that inverse link in the model
      (``poisson`` for the log link), so the booster and its saved model predict on the
      response scale with plain LightGBM;
    - turns LightGBM's metrics off and reports the loss's metric (plus ``extra_metrics``,
      default ``loss.extra_metrics``) on every set in ``valid_sets``;
    - with ``early_stopping_rounds``, stops when the loss's metric has not decreased for that
      many rounds; the booster's ``best_iteration`` is used by ``predict`` and ``save_model``.

    Other keyword arguments go to ``lgb.train``.
    """
    loss = get_loss(loss)
    params = dict(params or {})
    for key in _OBJECTIVE_KEYS:
        if key in params:
            raise ValueError(f"{loss.name}: params[{key!r}] == {params[key]!r}; "
                             "boostobj.lightgbm.train sets the objective from the loss.")
    for key in _METRIC_KEYS:
        if key in params and str(params[key]).lower() not in ("none", "", "null", "na"):
            raise ValueError(f"{loss.name}: params[{key!r}] == {params[key]!r}; built-in "
                             "metrics would see raw scores without the start. Pass "
                             "extra_metrics=('rmse', ...) instead.")
    if num_boost_round < 1:
        raise ValueError(f"{loss.name}: num_boost_round == {num_boost_round!r}, must be >= 1.")
    targets = CheckedTargets(loss, _fetch)
    train_targets = targets(train_set)
    valid_sets = list(valid_sets or [])
    for dataset in valid_sets:
        targets(dataset)
    start = (0.0 if _field(train_set, "init_score") is not None
             else loss.init_score(train_targets.y, train_targets.weight))
    params["objective"] = Objective(loss, start, targets)
    params["metric"] = "None"
    callbacks = list(callbacks or [])
    if early_stopping_rounds:
        if not valid_sets:
            raise ValueError(f"{loss.name}: early_stopping_rounds needs at least one set "
                             "in valid_sets.")
        callbacks.append(lgb.early_stopping(early_stopping_rounds, first_metric_only=True,
                                            verbose=False))
    booster = lgb.train(params, train_set, num_boost_round, valid_sets=valid_sets,
                        valid_names=valid_names, feval=Metric(loss, extra_metrics, start, targets),
                        callbacks=callbacks, **kwargs)
    if start:
        add_to_first_iteration(booster, start)
    link_objective = _LINK_OBJECTIVES.get(loss.link.name)
    return _with_output_link(booster, link_objective) if link_objective else booster


def fit(estimator, X, y, *, sample_weight=None, **fit_params):
    """Fit an ``LGBMRegressor`` built with ``sklearn_objective(loss)`` from the loss's init score.

    Passes ``init_score`` (and ``eval_init_score`` for the evaluation sets given as
    ``eval_set`` or ``eval_X``/``eval_y``) to ``estimator.fit``, then adds the start to the
    first tree, so ``estimator.predict`` (raw scores) and the saved model include it.
    ``loss.predict`` of the raw scores is the prediction on the response scale.
    """
    start = sklearn_start(estimator, SklearnObjective, "boostobj.lightgbm.fit", y, sample_weight)
    if fit_params.get("eval_set") is not None:
        eval_targets = [eval_y for _, eval_y in fit_params["eval_set"]]
    elif fit_params.get("eval_y") is not None:
        eval_y = fit_params["eval_y"]
        eval_targets = list(eval_y) if isinstance(eval_y, (tuple, list)) else [eval_y]
    else:
        eval_targets = []
    if eval_targets:
        fit_params["eval_init_score"] = [np.full(len(target), start) for target in eval_targets]
    estimator.fit(X, y, sample_weight=sample_weight, init_score=np.full(len(y), start),
                  **fit_params)
    add_to_first_iteration(estimator.booster_, start)
    return estimator
