"""LightGBM's scikit-learn estimators trained on a boostobj loss.

- ``LGBMRegressor(loss=...)`` / ``LGBMClassifier(loss=...)``: LightGBM's own estimators with
  one more parameter. ``fit`` starts from the loss's init score and folds it into the model,
  renews leaves where the loss asks, reports the loss's metric on the evaluation sets (and
  stops early on it); ``predict`` is on the response scale, ``predict_proba`` gives
  probabilities.
- ``LGBMRanker(loss=...)``: LightGBM's ranker with a ranking loss (``fit(X, y, group=...)``).
- ``sklearn_objective`` / ``sklearn_metric``: the bare callables for LightGBM's own
  estimators' ``objective=`` / ``eval_metric=``.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
from sklearn.utils.class_weight import compute_sample_weight

from .._boosters import lightgbm_model
from .._boosters.estimators import (
    ESTIMATOR_PARAMS,
    EvaluationOrder,
    SklearnMetricBase,
    SklearnObjectiveBase,
    add_boostobj_parameters,
    attached,
    encode_classes,
    estimator_doc,
    estimator_loss,
)
from .._boosters.options import first_param, refuse
from .._boosters.renewal import renews_leaves
from .._boosters.targets import loss_start, thread_count
from ..losses import get_loss
from .basic import LINK_OBJECTIVES, METRIC_KEYS, THREAD_KEYS
from .callback import LightGBMRenewal
from .engine import check_modes

if TYPE_CHECKING:
    from ..losses import BaseLoss

__all__ = ["LGBMClassifier", "LGBMRanker", "LGBMRegressor", "SklearnMetric",
           "SklearnObjective", "sklearn_metric", "sklearn_objective"]


class SklearnObjective(SklearnObjectiveBase):
    """``LGBMRegressor(objective=...)``: ``(y_true, y_pred, weight) -> (grad, hess)``.
    Built by ``sklearn_objective(loss)``."""

    _layout = "F"

    def __call__(self, y_true, y_pred, weight):
        return self.gradient_hessian(y_true, y_pred, weight)


class SklearnMetric(SklearnMetricBase):
    """``LGBMRegressor().fit(eval_metric=...)``: ``(y_true, y_pred, weight) -> (name, value,
    False)``. Built by ``sklearn_metric(loss)``."""

    def __call__(self, y_true, y_pred, weight):
        return self.loss.name, self.value(y_true, y_pred, weight), False


class _SklearnRankingObjective(SklearnObjective):
    """``objective=`` for ``LGBMRanker``: LightGBM passes ``group`` to an objective of four
    parameters (it counts them), the sizes of the training groups."""

    def __call__(self, y_true, y_pred, weight, group):
        return self.gradient_hessian(y_true, y_pred, weight, group)


class _SklearnRankingMetric(SklearnMetric):
    """``eval_metric=`` for ``LGBMRanker``: ``(y_true, y_pred, weight, group)``."""

    def __call__(self, y_true, y_pred, weight, group):
        return self.loss.name, self.value(y_true, y_pred, weight, group), False


def sklearn_objective(loss: str | BaseLoss) -> SklearnObjective:
    """The loss as ``lightgbm.LGBMRegressor(objective=...)``: gradients only.

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec, or a loss instance.

    Returns
    -------
    SklearnObjective
        LightGBM's estimator then starts from 0 and predicts raw scores;
        ``boostobj.lightgbm.LGBMRegressor(loss=...)`` does the rest.
    """
    return SklearnObjective(get_loss(loss))


def sklearn_metric(loss: str | BaseLoss) -> SklearnMetric:
    """The loss's metric as ``lightgbm.LGBMRegressor().fit(..., eval_metric=...)``.

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec, or a loss instance.

    Returns
    -------
    SklearnMetric
        ``(y_true, y_pred, weight) -> (name, value, False)`` on raw scores.
    """
    return SklearnMetric(get_loss(loss))


_FIT_DOC = """{what}

        As the parent's ``fit`` (``eval_set``, ``init_score``, ``init_model``, callbacks),
        with the loss's start (folded into the first tree, unless ``init_score`` or
        ``init_model`` is given), its metric reported on the evaluation sets
        (``evals_result_``; early stopping follows it) and, where the loss asks, its leaves
        renewed.

        Returns
        -------
        self
            The fitted estimator; ``loss_`` is the loss it trained.

        Raises
        ------
        ValueError
            ``y`` outside the loss's domain, an ``objective`` or built-in metric, or an
            option the loss cannot train correctly with (named, with the alternative).
        """

# What the estimators' docstrings say they do not pass on to LightGBM.
NOT_PASSED = ("``objective`` (set from ``loss``)\n        and ``metric`` (the loss's metric is "
               "reported)")


def booster_params(estimator, params):
    """``params`` without boostobj's ``loss`` and ``renew_leaves`` while LightGBM reads
    them ("loss" is LightGBM's alias of its objective)."""
    if estimator.__dict__.get("_hide_boostobj_params"):
        for name in ESTIMATOR_PARAMS:
            params.pop(name, None)
    return params


def drop_in(cls):
    """``cls``, a subclass of a LightGBM estimator, as boostobj's drop-in for it: ``loss``
    and ``renew_leaves`` (``add_boostobj_parameters``), among the estimator's parameters
    (``get_params``) but hidden while LightGBM reads them (``_process_params``: "loss" is
    LightGBM's alias of its objective)."""

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters, ``loss`` and ``renew_leaves`` among them."""
        return booster_params(self, super(cls, self).get_params(deep=deep))

    def _process_params(self, stage):
        with hidden_boostobj_params(self):
            return super(cls, self)._process_params(stage)

    for method in (get_params, _process_params):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    return add_boostobj_parameters(cls)


@contextlib.contextmanager
def hidden_boostobj_params(estimator):
    """Inside the block the estimator's parameters, as LightGBM reads them, leave out
    ``loss`` and ``renew_leaves``."""
    estimator._hide_boostobj_params = True
    try:
        yield
    finally:
        del estimator._hide_boostobj_params


def _eval_pairs(fit_params):
    """The evaluation sets of LightGBM's ``fit`` arguments as (X, y) pairs, in order."""
    if fit_params.get("eval_set") is not None:
        eval_set = fit_params["eval_set"]
        return [eval_set] if isinstance(eval_set, tuple) else list(eval_set)
    if fit_params.get("eval_y") is not None:
        eval_X, eval_y = fit_params.get("eval_X"), fit_params["eval_y"]
        if not isinstance(eval_y, (tuple, list)):
            eval_X, eval_y = [eval_X], [eval_y]
        return list(zip(eval_X, eval_y, strict=True))
    return []


def _builtin_ranking_metrics(caller, loss, params, eval_metric):
    """A ranker's built-in metrics (``metric=`` or ``fit(eval_metric=)`` strings, such as
    "ndcg" with ``eval_at``): a ranking loss starts from 0 and renews no leaves, so
    LightGBM's own metrics see the model's scores. Reported before the loss's metric."""
    names = []
    for value in [first_param(params, METRIC_KEYS), eval_metric]:
        if value is None:
            continue
        for item in [value] if isinstance(value, str) or callable(value) else list(value):
            if callable(item):
                refuse(caller, loss, "a callable eval_metric", "the loss's own metric is the "
                       "callable boostobj reports", "pass LightGBM's metric names (ndcg, "
                       "map with eval_at), or evaluate others on predict's output")
            if str(item).lower() not in ("none", "", "null", "na") and item not in names:
                names.append(item)
    return names


def _lookup_data(X):
    """Features the renewal can look leaves up in (and take rows of): arrays, sparse
    matrices and DataFrames as they are, anything else as an array."""
    if isinstance(X, np.ndarray) or hasattr(X, "iloc") or hasattr(X, "tocsr"):
        return X
    return np.asarray(X)


def fit_with_loss(estimator, parent_fit, classifier, X, y, sample_weight=None, *,
                  ranker=False, **fit_params):
    """The drop-in estimators' ``fit``: the parent's, given the loss's objective, start,
    metric and renewal for the duration of the call."""
    caller = f"boostobj.lightgbm.{type(estimator).__name__}.fit"
    if y is None:
        raise ValueError(f"{caller}: requires y to be passed, but the target y is None.")
    loss = estimator_loss(estimator.loss, classifier, caller, y, ranker=ranker)
    if estimator.objective is not None:
        raise ValueError(f"{caller}: objective={estimator.objective!r}; the objective is set "
                         "from loss: pass loss=... instead.")
    params = estimator.get_params()
    for name in ESTIMATOR_PARAMS:
        params.pop(name)
    eval_metric = fit_params.pop("eval_metric", None)
    builtin_metrics = []
    if ranker:
        builtin_metrics = _builtin_ranking_metrics(caller, loss, params, eval_metric)
    else:
        for key in METRIC_KEYS:
            if str(params.get(key, "none")).lower() not in ("none", "", "null", "na"):
                refuse(caller, loss, f"{key}={params[key]!r}", "LightGBM's built-in metrics "
                       "see raw scores without the loss's start", "the loss's own metric is "
                       "reported; evaluate others on predict's output")
        if eval_metric is not None:
            refuse(caller, loss, f"eval_metric={eval_metric!r}", "the loss's own metric is "
                   "reported and LightGBM's built-in ones see raw scores without its start",
                   "evaluate other metrics on predict's output")
    params["boosting"] = estimator.boosting_type
    renewal = None
    if not classifier and renews_leaves(loss, estimator.renew_leaves, caller):
        renewal = LightGBMRenewal(loss)
    check_modes(caller, loss, params, renewal)
    n_classes, labels = None, y
    if classifier:
        _, labels, n_classes = encode_classes(loss, y, caller)
    weight = sample_weight
    if classifier and estimator.class_weight is not None:
        weight = compute_sample_weight(estimator.class_weight, labels)  # as LightGBM does
        weight = weight if sample_weight is None else weight * np.asarray(sample_weight)
    if fit_params.get("init_score") is not None or fit_params.get("init_model") is not None:
        start = np.zeros(n_classes) if n_classes and n_classes > 2 else 0.0
    else:
        start = loss_start(loss, labels, weight, n_classes)
    objective, metric = ((_SklearnRankingObjective(loss), _SklearnRankingMetric(loss))
                         if ranker else (SklearnObjective(loss), SklearnMetric(loss)))
    state = {"_start": start if np.ndim(start) else float(start),
             "_threads": thread_count(first_param(params, THREAD_KEYS)), "_fit_targets": {}}
    eval_pairs = _eval_pairs(fit_params)
    if renewal is not None:
        n_rows = renewal.add_estimator_sets(X, y, eval_pairs, _lookup_data)
        fit_params["callbacks"] = list(fit_params.get("callbacks") or []) + renewal.callbacks
        state.update(_renewal=renewal, _order=EvaluationOrder(
            lightgbm_model.evaluation_order(eval_pairs, X, y), n_rows, "LightGBM"))
    overrides = {"objective": objective, "metric": builtin_metrics or "None"}
    if "feature_pre_filter" not in params:
        overrides["feature_pre_filter"] = False
    with (lightgbm_model.temporary_params(estimator, overrides),
          attached([objective, metric], **state)):
        parent_fit(X, y, sample_weight=sample_weight,
                   eval_metric=metric if eval_pairs else None, **fit_params)
    if renewal is not None:
        renewal.finish()  # the last tree, before the start joins the first one
    return fitted(estimator, loss, start, n_classes, classifier, ranker)


def fitted(estimator, loss, start, n_classes, classifier, ranker=False):
    """The estimator after LightGBM's fit: the start folded into the first tree, the loss's
    link recorded in the model (so it predicts on the response scale alone)."""
    booster = estimator.booster_
    if np.any(start):
        booster = lightgbm_model.add_to_first_iteration(booster, start)
    link_objective = LINK_OBJECTIVES.get(loss.link.name)
    if link_objective is not None:
        booster = lightgbm_model.with_output_link(booster, link_objective.format(K=n_classes))
    lightgbm_model.set_fitted_booster(estimator, booster)
    estimator.loss_ = loss
    if classifier:
        fitted_objective = "multiclass" if n_classes > 2 else "binary"
    elif ranker:
        fitted_objective = "lambdarank"  # raw scores, as LightGBM's rankers predict
    else:
        fitted_objective = "poisson" if link_objective == "poisson" else "regression"
    lightgbm_model.set_fitted_objective(estimator, fitted_objective)
    return estimator


@drop_in
class LGBMRegressor(lgb.LGBMRegressor):
    __doc__ = estimator_doc("""``lightgbm.LGBMRegressor`` trained on a boostobj loss.

    ``fit`` starts from the loss's init score and adds it to the first tree, renews leaves
    where the loss asks, and reports the loss's metric on the evaluation sets
    (``evals_result_``; early stopping follows it). ``predict`` is on the response scale: a
    log-link loss names ``poisson`` in the model, so the saved model predicts the same with
    plain LightGBM. ``init_model=`` continues training: the loaded model's start is kept
    and only the new trees are renewed.""", NOT_PASSED)

    def fit(self, X, y, sample_weight=None, **fit_params) -> LGBMRegressor:
        return fit_with_loss(self, super().fit, False, X, y, sample_weight, **fit_params)

    fit.__doc__ = _FIT_DOC.format(what="Train the regressor on the loss.")


@drop_in
class LGBMClassifier(lgb.LGBMClassifier):
    __doc__ = estimator_doc("""``lightgbm.LGBMClassifier`` trained on a boostobj classification
    loss.

    Takes any class labels; a binary loss needs two classes, a multiclass loss (softmax,
    softmax_focal) more. The model names the loss's output link (``binary sigmoid:1``,
    ``binary sigmoid:2`` for exponential, ``multiclass``), so ``predict_proba`` gives its
    probabilities, ``predict`` the classes, and the saved model the same with plain
    LightGBM. For hinge and squared_hinge, which have no probability, ``predict_proba`` is
    σ(margin), a score.""", NOT_PASSED)

    def fit(self, X, y, sample_weight=None, **fit_params) -> LGBMClassifier:
        if self.renew_leaves:
            raise ValueError(f"boostobj.lightgbm.LGBMClassifier.fit: renew_leaves="
                             f"{self.renew_leaves!r}; leaf renewal is for regression losses.")
        return fit_with_loss(self, super().fit, True, X, y, sample_weight, **fit_params)

    fit.__doc__ = _FIT_DOC.format(what="Train the classifier on the loss; ``y`` holds any "
                                  "class labels.")


@drop_in
class LGBMRanker(lgb.LGBMRanker):
    __doc__ = estimator_doc("""``lightgbm.LGBMRanker`` trained on a boostobj ranking loss.

    ``fit(X, y, group=..., eval_set=..., eval_group=...)`` as LightGBM's: the loss gets the
    query groups (LightGBM hands a four-argument objective the group sizes), reports its
    metric on the evaluation sets beside LightGBM's own ranking metrics where asked
    (``eval_metric="ndcg"``, ``eval_at=(1, 3, 5)``: they see the model's scores, since a
    ranking loss starts from 0). Row weights must be equal within a group (the group's
    weight). ``predict`` gives the scores. ``loss=None`` is ``listwise_softmax``.""",
                            "``objective`` (set from ``loss``)")

    def fit(self, X, y, sample_weight=None, **fit_params) -> LGBMRanker:
        return fit_with_loss(self, super().fit, False, X, y, sample_weight, ranker=True,
                             **fit_params)

    fit.__doc__ = _FIT_DOC.format(what="Train the ranker on the loss over the query groups "
                                  "(``group=``; row weights equal within a group).")
