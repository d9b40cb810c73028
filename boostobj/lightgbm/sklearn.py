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
import inspect
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
    encode_like,
    estimator_doc,
    estimator_loss,
    response,
    trains_as_builtin,
    without_loss,
)
from .._boosters.options import check_eval_set, check_objective, first_param, refuse
from .._boosters.renewal import renews_leaves
from .._boosters.targets import loss_start, thread_count
from ..losses import DistributionLoss, get_loss
from .basic import (
    BUILTIN_METRICS,
    LINK_OBJECTIVES,
    METRIC_KEYS,
    NUM_CLASS_KEYS,
    OBJECTIVE_KEYS,
    THREAD_KEYS,
    builtin_metric_name,
    check_init_model,
    is_lightgbm_objective,
    monotone_constraints,
)
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


# LightGBM counts a callable's parameters (``inspect.signature``) on every call, which for a
# callable object is slow (about 60 µs, a tenth of a small fit's round): each class states
# its signature once.
def _state_signature(cls):
    """Give ``cls`` the signature of its instances' ``__call__`` (without ``self``)."""
    call = inspect.signature(cls.__call__)
    cls.__signature__ = call.replace(parameters=list(call.parameters.values())[1:])
    return cls


for _class in (SklearnObjective, SklearnMetric, _SklearnRankingObjective, _SklearnRankingMetric):
    _state_signature(_class)


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


# LightGBM's built-in objectives that are a boostobj loss: ``objective=`` (or an alias) may
# name one beside that loss (``options.check_objective``).
BUILTIN_TWINS = {
    **dict.fromkeys(("regression", "regression_l2", "l2", "mean_squared_error", "mse",
                     "l2_root", "root_mean_squared_error", "rmse"), "squared_error"),
    **dict.fromkeys(("regression_l1", "l1", "mean_absolute_error", "mae"), "absolute_error"),
    **{name: name for name in ("huber", "fair", "quantile", "poisson", "gamma", "tweedie")},
    "binary": "logistic", "multiclass": "softmax", "softmax": "softmax",
}


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
NOT_PASSED = ("``objective`` (and its aliases) is None or the loss's built-in\n"
              "        twin (``regression`` for ``squared_error``), and built-in ``metric`` "
              "names\n        are computed by boostobj on the response scale")


def booster_params(estimator, params):
    """``params`` without boostobj's ``loss`` and ``renew_leaves`` while LightGBM reads
    them ("loss" is LightGBM's alias of its objective: one that names LightGBM's objective,
    not a boostobj loss, is left for LightGBM, as the parent would read it)."""
    if estimator.__dict__.get("_hide_boostobj_params"):
        for name in ESTIMATOR_PARAMS:
            if name != "loss" or not is_lightgbm_objective(params.get("loss")):
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


def _eval_pairs(caller, fit_params, ranker):
    """The evaluation sets of LightGBM's ``fit`` arguments as (X, y) pairs, in order, with
    the parent's errors for malformed ones (a ranker's ``eval_group`` included)."""
    given = [fit_params.get(name) for name in ("eval_set", "eval_X", "eval_y")]
    eval_group = fit_params.get("eval_group")
    if ranker and eval_group is None and any(value is not None for value in given):
        raise ValueError("eval_group cannot be None if any of eval_set, eval_X, or eval_y "
                         "are provided")
    pairs = check_eval_set(caller, lightgbm_model.eval_pairs(*given))
    if ranker and pairs and len(eval_group) != len(pairs):
        raise ValueError(f"Length of eval_group ({len(eval_group)}) not equal to length "
                         f"of eval_set ({len(pairs)})")
    if ranker:
        for index, ((_, eval_y), sizes) in enumerate(zip(pairs, eval_group or [], strict=False)):
            _check_group_sizes(caller, f"eval_group[{index}]", sizes, eval_y)
    return pairs


# The metric a parent estimator reports by default for the built-in twin of these losses:
# reported beside the loss's own (the same quantity), so code reading ``evals_result_["l2"]``
# keeps working when ``loss="squared_error"`` is added.
TWIN_METRICS = {"squared_error": "l2", "absolute_error": "l1", "logistic": "binary_logloss",
                "softmax": "multi_logloss", "poisson": "poisson"}


def _split_metrics(caller, loss, params, eval_metric, ranker):
    """The metrics a fit on a loss reports beside the loss's own, composed as the parent
    composes them: ``fit(eval_metric=)`` names, then ``metric=`` (any alias) or else the
    default — ``"ndcg"`` in a ranker, the twin's metric (``TWIN_METRICS``) — and the user's
    callables. Returns (names, callables, whether ``metric=`` was given)."""
    names, callables = _names_and_callables(eval_metric)
    given = first_param(params, METRIC_KEYS)
    if given is None:
        default = "ndcg" if ranker else TWIN_METRICS.get(loss.name)
        base = [] if default is None else [default]
    else:
        base, more = _names_and_callables(given)
        callables += more
    names = list(dict.fromkeys(names + base))
    if not ranker:
        unknown = [name for name in names if name not in BUILTIN_METRICS]
        if unknown:
            refuse(caller, loss, f"metric {unknown[0]!r}", "with a loss boostobj computes "
                   "LightGBM's built-in metrics on the response scale itself, and this one "
                   f"is not among them ({', '.join(BUILTIN_METRICS)})", "pass a callable "
                   "eval_metric (it sees the predictions) or evaluate it on predict's output")
    return names, callables, given is not None


def _names_and_callables(value):
    """A metric argument (a name, a callable or a list of them) as (LightGBM's names of its
    built-in metrics, "none" left out; the callables)."""
    if value is None:
        return [], []
    items = [value] if isinstance(value, str) or callable(value) else list(value)
    names = [builtin_metric_name(item) for item in items if not callable(item)]
    return ([name for name in names if name is not None],
            [item for item in items if callable(item)])


class _FitMetrics:
    """The metric callable of a drop-in's fit on a loss: ``(y_true, y_pred, weight, group)
    -> [(name, value, higher_is_better), ...]``. The loss's own metric first (it stands for
    the parent's default metric; ``first_metric_only`` stops on it) unless ``metric=``
    replaced the default, then the built-in names and the user's callables, both on the
    response scale, as the parent hands them predictions.

    One callable for all, since with renewal each evaluated set's correction is taken once
    per call (``SklearnMetricBase.raw_score``).
    """

    def __init__(self, metric, names, callables, classifier, params, loss_first=True):
        self.metric, self.names = metric, names
        self.classifier, self.params, self.loss_first = classifier, params, loss_first
        # Each callable with the number of arguments it takes (2 to 4), as LightGBM counts.
        self.callables = [(function, len(inspect.signature(function).parameters))
                          for function in callables]

    def __call__(self, y_true, y_pred, weight, group):
        loss = self.metric.loss
        targets, raw_score = self.metric.raw_score(y_true, y_pred, weight, group)
        own = (loss.name, targets.metric(raw_score), False)
        results = [own] if self.loss_first else []
        shown = (response(loss, raw_score, self.classifier) if self.names or self.callables
                 else None)
        for name in self.names:
            value, higher_is_better = BUILTIN_METRICS[name]
            results.append((name, float(value(y_true, shown, weight, self.params)),
                            higher_is_better))
        if not self.loss_first:
            results.append(own)
        for function, n_arguments in self.callables:
            result = function(*(y_true, shown, weight, group)[:n_arguments])
            results.extend(result if isinstance(result, list) else [result])
        return results


_state_signature(_FitMetrics)


def _lookup_data(X):
    """Features the renewal can look leaves up in (and take rows of): arrays, sparse
    matrices and DataFrames as they are, anything else as an array."""
    if isinstance(X, np.ndarray) or hasattr(X, "iloc") or hasattr(X, "tocsr"):
        return X
    return np.asarray(X)


def _check_group_sizes(caller, option, group, y):
    """A ``ValueError`` naming ``option`` where the group sizes do not add up to the rows."""
    if group is None:
        return
    sizes = np.asarray(group)
    n_rows = int(np.shape(y)[0])
    if sizes.ndim != 1 or int(np.sum(sizes)) != n_rows:
        raise ValueError(f"{caller}: {option} sizes add up to {int(np.sum(sizes)):,} rows, the "
                         f"data has {n_rows:,}; {option} gives the size of each query, its rows "
                         "contiguous and in order.")


def fit_with_loss(estimator, parent_fit, classifier, X, y, sample_weight=None, *,
                  ranker=False, **fit_params):
    """The drop-in estimators' ``fit``: the parent's, given the loss's objective, start,
    metric and renewal for the duration of the call; with ``loss=None``, the parent's."""
    caller = f"boostobj.lightgbm.{type(estimator).__name__}.fit"
    if estimator.loss is None or is_lightgbm_objective(estimator.loss):
        without_loss(estimator, caller)
        return parent_fit(X, y, sample_weight=sample_weight, **fit_params)
    if y is None:
        raise ValueError(f"{caller}: requires y to be passed, but the target y is None.")
    loss = estimator_loss(estimator.loss, classifier, caller, y, ranker=ranker)
    if ranker:
        _check_group_sizes(caller, "group", fit_params.get("group"), y)
    params = estimator.get_params()
    for name in ESTIMATOR_PARAMS:
        params.pop(name)
    for key in OBJECTIVE_KEYS:
        if key != "loss":  # LightGBM's alias; here boostobj's own parameter
            check_objective(caller, loss, params.get(key), BUILTIN_TWINS, option=key)
    names, callables, metric_given = _split_metrics(
        caller, loss, params, fit_params.pop("eval_metric", None), ranker)
    params["boosting"] = estimator.boosting_type
    renewal = None
    if not classifier and renews_leaves(loss, estimator.renew_leaves, caller):
        renewal = LightGBMRenewal(loss)
    # The same gradients and start (boost_from_average) as the built-in twin: that trains,
    # at the parent's cost and in every mode the parent has (dart, rf); the metrics read
    # its response scale.
    builtin = not ranker and trains_as_builtin(loss, renewal)
    if not builtin:
        check_modes(caller, loss, params, renewal)
    else:  # check_modes' own check of a string LightGBM would misread
        monotone_constraints(params, caller)
    n_classes, labels = None, y
    distribution = isinstance(loss, DistributionLoss)  # one raw score per parameter
    if classifier:
        classes, labels, n_classes = encode_classes(loss, y, caller)
    elif distribution:
        n_classes = len(loss.outputs)
        refuse_num_class(caller, loss, params)
    weight = sample_weight
    if classifier and estimator.class_weight is not None:
        weight = compute_sample_weight(estimator.class_weight, labels)  # as LightGBM does
        weight = weight if sample_weight is None else weight * np.asarray(sample_weight)
    check_init_model(caller, loss, fit_params.get("init_model"))
    if fit_params.get("init_score") is not None or fit_params.get("init_model") is not None:
        start = np.zeros(n_classes) if distribution or (n_classes or 0) > 2 else 0.0
    else:
        start = loss_start(loss, labels, weight, n_classes)
    objective, metric = ((_SklearnRankingObjective(loss), _SklearnRankingMetric(loss))
                         if ranker else (SklearnObjective(loss), SklearnMetric(loss)))
    if builtin:
        objective = "binary" if classifier else "regression"
        start = 0.0
    # The loss's metric is the default one: first, unless metric= replaces the default.
    fit_metrics = _FitMetrics(metric, [] if ranker else names, callables, classifier, params,
                              loss_first=not metric_given)
    state = {"_start": start if np.ndim(start) else float(start),
             "_threads": thread_count(first_param(params, THREAD_KEYS)), "_fit_targets": {},
             "_response_scale": builtin}
    eval_pairs = _eval_pairs(caller, fit_params, ranker)
    if classifier:  # named here: the parent's label encoder would say only "unseen labels"
        for index, (_, eval_y) in enumerate(eval_pairs):
            encode_like(classes, eval_y, caller, index)
    if renewal is not None:
        keys = lightgbm_model.evaluation_order(eval_pairs, X, y)
        n_rows = renewal.add_estimator_sets(X, y, eval_pairs, _lookup_data, keys)
        fit_params["callbacks"] = list(fit_params.get("callbacks") or []) + renewal.callbacks
        state.update(_renewal=renewal, _order=EvaluationOrder(keys, n_rows, "LightGBM"))
    overrides = {"objective": objective, "metric": (names if ranker else None) or "None"}
    if distribution:
        overrides["num_class"] = n_classes
    for key in METRIC_KEYS[1:]:  # the aliases would override "metric"
        if key in params:
            overrides[key] = overrides["metric"]
    if "feature_pre_filter" not in params:
        overrides["feature_pre_filter"] = False
    with (lightgbm_model.temporary_params(estimator, overrides),
          attached([objective, metric], **state)):
        parent_fit(X, y, sample_weight=sample_weight,
                   eval_metric=fit_metrics if eval_pairs else None, **fit_params)
    if renewal is not None:
        renewal.finish()  # the last tree, before the start joins the first one
    return fitted(estimator, loss, start, n_classes, classifier, ranker, builtin)


def refuse_num_class(caller, loss, params):
    """``ValueError`` where ``params`` give a distribution loss's estimator ``num_class``: the
    estimator sets it to the loss's parameters itself, and LightGBM's regressor would refuse
    to predict with one given."""
    given = [key for key in NUM_CLASS_KEYS if params.get(key) is not None]
    if given:
        refuse(caller, loss, f"{given[0]}={params[given[0]]!r}", "the model keeps one raw "
               f"score per parameter {loss.outputs}, which the estimator sets itself "
               "(LightGBM's regressor would then refuse to predict)", f"leave {given[0]} out")


def fitted(estimator, loss, start, n_classes, classifier, ranker=False, builtin=False):
    """The estimator after LightGBM's fit: the start folded into the first tree, the loss's
    link recorded in the model (so it predicts on the response scale alone); a model
    trained on the built-in twin has both already."""
    booster = estimator.booster_
    if np.any(start):
        booster = lightgbm_model.add_to_first_iteration(booster, start)
    link_objective = LINK_OBJECTIVES.get(loss.link.name)
    if link_objective is not None and not builtin:
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
    metric on the evaluation sets after LightGBM's own ranking metrics
    (``eval_metric="map"``, ``eval_at=(1, 3, 5)``: they see the model's scores, since a
    ranking loss starts from 0; ``ndcg`` at ``eval_at`` by default, as the parent's). Row
    weights must be equal within a group (the group's weight). ``predict`` gives the
    scores.""", "``objective`` is None")

    def fit(self, X, y, sample_weight=None, **fit_params) -> LGBMRanker:
        return fit_with_loss(self, super().fit, False, X, y, sample_weight, ranker=True,
                             **fit_params)

    fit.__doc__ = _FIT_DOC.format(what="Train the ranker on the loss over the query groups "
                                  "(``group=``; row weights equal within a group).")
