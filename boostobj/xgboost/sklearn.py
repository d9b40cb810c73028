"""XGBoost's scikit-learn estimators trained on a boostobj loss.

- ``XGBRegressor(loss=...)`` / ``XGBClassifier(loss=...)``: XGBoost's own estimators with one
  more parameter. ``fit`` starts from the loss's init score, renews leaves where the loss
  asks, reports the loss's metric on ``eval_set`` (and stops early on it), encodes any class
  labels; ``predict`` is on the response scale, ``predict_proba`` gives probabilities.
- ``XGBRanker(loss=...)``: a ranker for the ranking losses (XGBoost's own refuses custom
  objectives): ``fit(X, y, group=|qid=, ...)`` trains through ``boostobj.xgboost.train``.
- ``sklearn_objective`` / ``sklearn_metric``: the bare callables for XGBoost's own
  estimators' ``objective=`` / ``eval_metric=``.
"""

from __future__ import annotations

import collections.abc
from typing import TYPE_CHECKING, Any

import numpy as np
import xgboost as xgb

from .._boosters import xgboost_model
from .._boosters.estimators import (
    ESTIMATOR_PARAMS,
    EvaluationOrder,
    SklearnMetricBase,
    SklearnObjectiveBase,
    add_boostobj_parameters,
    attached,
    class_probabilities,
    encode_classes,
    encode_like,
    estimator_doc,
    estimator_loss,
    response,
    trains_as_builtin,
    without_loss,
)
from .._boosters.options import (
    check_continued_link,
    check_eval_set,
    check_objective,
    first_param,
    refuse,
)
from .._boosters.renewal import MIN_CHILD_WEIGHT, renews_leaves
from .._boosters.targets import loss_start, thread_count
from ..losses import DistributionLoss, Groups, get_loss
from .callback import XGBoostRenewal
from .training import LINK_OBJECTIVES, THREAD_KEYS, as_booster, check_modes, train

if TYPE_CHECKING:
    from ..losses import BaseLoss

__all__ = ["SklearnMetric", "SklearnObjective", "XGBClassifier", "XGBRanker", "XGBRegressor",
           "sklearn_metric", "sklearn_objective"]


class SklearnObjective(SklearnObjectiveBase):
    """``XGBRegressor(objective=...)``: ``(y_true, y_pred, *, sample_weight=None) ->
    (gradient, hessian)``. Built by ``sklearn_objective(loss)``."""

    def __call__(self, y_true, y_pred, *, sample_weight=None):
        return self.gradient_hessian(y_true, y_pred, sample_weight)


class SklearnMetric(SklearnMetricBase):
    """``XGBRegressor(eval_metric=...)``: ``(y_true, y_pred, sample_weight=None) -> float``.
    Built by ``sklearn_metric(loss)``."""

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self.value(y_true, y_pred, sample_weight)


def sklearn_objective(loss: str | BaseLoss) -> SklearnObjective:
    """The loss as ``xgboost.XGBRegressor(objective=...)``: gradients only.

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec, or a loss instance.

    Returns
    -------
    SklearnObjective
        XGBoost's estimator then starts from its default ``base_score`` and predicts raw
        margins; ``boostobj.xgboost.XGBRegressor(loss=...)`` does the rest.
    """
    return SklearnObjective(get_loss(loss))


def sklearn_metric(loss: str | BaseLoss) -> SklearnMetric:
    """The loss's metric as ``xgboost.XGBRegressor(eval_metric=...)``.

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec, or a loss instance.

    Returns
    -------
    SklearnMetric
        ``(y_true, y_pred, sample_weight=None) -> float`` on raw margins; its ``__name__``
        is the loss's name.
    """
    return SklearnMetric(get_loss(loss))


# XGBoost's built-in objectives that are a boostobj loss: ``objective=`` may name one beside
# that loss (``options.check_objective``).
BUILTIN_TWINS = {
    "reg:squarederror": "squared_error", "reg:absoluteerror": "absolute_error",
    "reg:quantileerror": "quantile", "reg:pseudohubererror": "pseudo_huber",
    "count:poisson": "poisson", "reg:gamma": "gamma", "reg:tweedie": "tweedie",
    "binary:logistic": "logistic", "multi:softprob": "softmax", "multi:softmax": "softmax",
    "rank:pairwise": "pairwise_logistic:hessian=doubled",
}


class _FitMetrics:
    """The custom metric of a drop-in's fit (``xgb.train``'s ``custom_metric``): the user's
    callable ``eval_metric`` on the response scale, as the parent hands it predictions,
    then the loss's own metric, which early stopping follows (XGBoost stops on the last)."""

    def __init__(self, metric, user_metric, classifier):
        self.metric, self.user_metric, self.classifier = metric, user_metric, classifier

    def __call__(self, predt, dmatrix):
        labels, weight = dmatrix.get_label(), dmatrix.get_weight()
        weight = weight if weight.size else None
        targets, raw_score = self.metric.raw_score(labels, predt, weight)
        pairs = []
        if self.user_metric is not None:
            shown = response(self.metric.loss, raw_score, self.classifier)
            value = (self.user_metric(labels, shown) if weight is None else
                     self.user_metric(labels, shown, sample_weight=weight))
            pairs.append((self.user_metric.__name__, float(value)))
        pairs.append((self.metric.loss.name, targets.metric(raw_score)))
        return pairs


def _split_eval_metric(eval_metric):
    """XGBoost's ``eval_metric`` as (built-in names, the callable or None), with the
    parent's errors for a wrong type and for more than one callable."""
    if eval_metric is None:
        return [], None
    if callable(eval_metric):
        return [], eval_metric
    if isinstance(eval_metric, str):
        return [eval_metric], None
    if not isinstance(eval_metric, collections.abc.Sequence):
        raise TypeError(f"Invalid type for the `eval_metric`: {type(eval_metric)}")
    names, user_metric = [], None
    for item in eval_metric:
        if callable(item):
            if user_metric is not None:
                raise NotImplementedError("Using multiple custom metrics is not yet "
                                          "supported.")
            user_metric = item
        elif isinstance(item, str):
            names.append(item)
        else:
            raise TypeError(f"Invalid type for the `eval_metric`: {type(item)}")
    return names, user_metric


def fit_with_loss(estimator, parent_fit, classifier, X, y, *, sample_weight=None,
                  base_margin=None, eval_set=None, xgb_model=None, **fit_params):
    """The drop-in estimators' ``fit``: the parent's, given the loss's objective, start,
    metric and renewal for the duration of the call; with ``loss=None``, the parent's."""
    caller = f"boostobj.xgboost.{type(estimator).__name__}.fit"
    if estimator.loss is None:
        without_loss(estimator, caller)
        if classifier:
            estimator._boostobj_classes = None
        return parent_fit(X, y, sample_weight=sample_weight, base_margin=base_margin,
                          eval_set=eval_set, xgb_model=xgb_model, **fit_params)
    if y is None:
        raise ValueError(f"{caller}: requires y to be passed, but the target y is None.")
    loss = estimator_loss(estimator.loss, classifier, caller, y)
    check_objective(caller, loss, _given_objective(estimator, classifier), BUILTIN_TWINS)
    params = estimator.get_xgb_params()
    renewal = None
    if not classifier and renews_leaves(loss, estimator.renew_leaves, caller):
        renewal = XGBoostRenewal(loss)
    check_modes(caller, loss, params, renewal)
    eval_set = check_eval_set(caller, eval_set)
    labels, eval_labels, n_classes = y, [eval_y for _, eval_y in eval_set], None
    if classifier:
        classes, labels, n_classes = encode_classes(loss, y, caller)
        eval_labels = [encode_like(classes, eval_y, caller, index)
                       for index, eval_y in enumerate(eval_labels)]
    elif isinstance(loss, DistributionLoss):  # one raw score per parameter
        n_classes = len(loss.outputs)
        if params.get("num_class") is not None:
            refuse(caller, loss, f"num_class={params['num_class']!r}", "the model keeps one "
                   f"raw score per parameter {loss.outputs}, which the estimator sets itself",
                   "leave num_class out")
    # What XGBoost's estimators train a custom objective as, and so how base_score reads.
    training_objective = ("multi:softprob" if n_classes and n_classes > 2 else
                          "binary:logistic" if classifier else "reg:squarederror")
    metric = SklearnMetric(loss)
    builtin_metrics, user_metric = _split_eval_metric(estimator.eval_metric)
    _check_builtin_metrics(caller, loss, builtin_metrics, renewal, training_objective)
    if xgb_model is not None:
        xgb_model = as_booster(xgb_model)
        recorded = training_objective if classifier else LINK_OBJECTIVES.get(loss.link.name)
        check_continued_link(caller, loss, "xgb_model", xgboost_model.objective_link(xgb_model),
                             xgboost_model.objective_link(recorded or training_objective))
    base_score = estimator.base_score
    if base_score is None and base_margin is None:
        if xgb_model is not None:
            margin = xgboost_model.base_margin(xgb_model)
        else:
            margin = loss_start(loss, labels, sample_weight, n_classes)
            if renewal is not None:
                renewal.start = margin
        base_score = xgboost_model.from_margin(training_objective, margin)
        base_score = (float(base_score) if np.ndim(base_score) == 0
                      else [float(v) for v in base_score])
    objective = SklearnObjective(loss)
    state = {"_threads": thread_count(first_param(params, THREAD_KEYS)), "_fit_targets": {}}
    if trains_as_builtin(loss, renewal):
        # The same gradients as the built-in twin: train that, at the parent's cost (the
        # start is still the loss's, as base_score; the metric reads the response scale).
        objective = training_objective
        state["_response_scale"] = True
    callbacks = estimator.callbacks
    if renewal is not None:
        keys = xgboost_model.evaluation_order(eval_set, X, y)
        n_rows = renewal.add_estimator_sets(X, y, eval_set, _lookup_dmatrix(estimator), keys)
        state.update(_renewal=renewal, _order=EvaluationOrder(keys, n_rows, "XGBoost"))
        callbacks = [renewal] + list(callbacks or [])
    fit_set = [(eval_X, eval_y) for (eval_X, _), eval_y in zip(eval_set, eval_labels,
                                                               strict=True)]
    fit_state = dict(objective=objective, eval_metric=builtin_metrics or None,
                     base_score=base_score, callbacks=callbacks)
    if renewal is not None and params.get("min_child_weight") is None:
        fit_state["min_child_weight"] = MIN_CHILD_WEIGHT
    saved = {name: getattr(estimator, name) for name in fit_state}
    try:
        vars(estimator).update(fit_state,
                               _boostobj_metric=_FitMetrics(metric, user_metric, classifier))
        # XGBoost's default metric sees the right scores where the loss is the training
        # objective's twin (rmse beside squared_error, as the parent reports it); otherwise
        # the loss's metric (and the user's callable) stands alone.
        twin = BUILTIN_TWINS.get(training_objective) == loss.name and renewal is None
        if not builtin_metrics and not twin:
            estimator._boostobj_fit_params = {"disable_default_eval_metric": 1}
        if isinstance(loss, DistributionLoss):
            estimator._boostobj_fit_params = {**getattr(estimator, "_boostobj_fit_params", {}),
                                              "num_class": n_classes}
        if classifier:
            estimator._boostobj_classes = None
        with attached([objective, metric], **state):
            parent_fit(X, labels, sample_weight=sample_weight, base_margin=base_margin,
                       eval_set=fit_set or None, xgb_model=xgb_model, **fit_params)
    finally:
        vars(estimator).update(saved)
        for name in ("_boostobj_fit_params", "_boostobj_metric"):
            vars(estimator).pop(name, None)
    booster = estimator.get_booster()
    if renewal is not None:
        booster = renewal.apply(booster)
    link_objective = LINK_OBJECTIVES.get(loss.link.name)
    if not classifier and link_objective != training_objective:
        booster = xgboost_model.with_objective(booster, link_objective)
    xgboost_model.set_fitted_booster(estimator, booster)
    estimator.loss_ = loss
    if classifier:
        estimator._boostobj_classes = classes
    return estimator


def _given_objective(estimator, classifier):
    """The ``objective`` the user gave: None where it is the parent's default."""
    default = "binary:logistic" if classifier else "reg:squarederror"
    return None if estimator.objective == default else estimator.objective


def _check_builtin_metrics(caller, loss, names, renewal, training_objective):
    """Refuse XGBoost's built-in metrics where they would not see the model's scores."""
    if not names:
        return
    link = {"reg:squarederror": "identity", "binary:logistic": "logit",
            "multi:softprob": "softmax"}[training_objective]
    if renewal is not None or loss.link.name != link:
        why = ("XGBoost's built-in metrics would not see the renewed leaves" if renewal
               else f"XGBoost's built-in metrics would see {link} scores where the loss's "
                    f"link is {loss.link.name}")
        shown = names[0] if len(names) == 1 else names
        refuse(caller, loss, f"eval_metric={shown!r}", why, "the loss's own metric is "
               "reported; pass a callable eval_metric (it sees the predictions) or evaluate "
               "others on predict's output")


def _default_ranking_metric(params):
    """The metric XGBoost's ranker reports by default: NDCG, truncated at
    ``lambdarank_num_pair_per_sample`` (32 where unset) unless pairs are sampled by mean."""
    if params.get("lambdarank_pair_method") == "mean":
        return "ndcg"
    return f"ndcg@{params.get('lambdarank_num_pair_per_sample') or 32}"


def _lookup_dmatrix(estimator):
    """A function making the DMatrix of features that renewal looks leaves up in."""
    def dmatrix(features):
        return xgb.DMatrix(features, missing=estimator.missing,
                           enable_categorical=estimator.enable_categorical,
                           feature_types=estimator.feature_types)
    return dmatrix


def drop_in(cls):
    """``cls``, a subclass of an XGBoost estimator, as boostobj's drop-in for it:
    ``loss`` and ``renew_leaves`` (``add_boostobj_parameters``), kept out of the parameters
    XGBoost reads (``get_xgb_params``)."""

    def get_xgb_params(self) -> dict[str, Any]:
        """XGBoost's parameters, without boostobj's ``loss`` and ``renew_leaves``."""
        return booster_params(self, super(cls, self).get_xgb_params())

    def _configure_fit(self, booster, params, feature_weights):
        return xgboost_model.configured_fit(
            super(cls, self)._configure_fit(booster, params, feature_weights),
            self.__dict__.get("_boostobj_metric"))

    def set_params(self, **params: Any) -> cls:
        """Set the estimator's parameters, as the parent does; a model fitted on a loss
        keeps the objective it was trained with (the parent pushes its own default into
        the fitted booster)."""
        self._boostobj_setting_params = True
        try:
            return super(cls, self).set_params(**params)
        finally:
            del self._boostobj_setting_params

    def _doc_link_template(self):
        # scikit-learn's HTML repr links to the parent's documentation of its parameters.
        return super(cls, self)._doc_link_template.replace(f"#{cls.__module__}.", "#xgboost.")

    for method in (get_xgb_params, _configure_fit, set_params, _doc_link_template):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    cls._doc_link_template = property(_doc_link_template)
    cls._doc_link_module = "boostobj"
    cls.fit = xgboost_model.deprecate_positional_args(cls.fit)
    return add_boostobj_parameters(cls)


def booster_params(estimator, params):
    """The booster's parameters of a drop-in estimator: without boostobj's own, with what
    ``fit`` sets for its duration; while ``set_params`` pushes them into a model fitted on a
    loss, without the objective (the model's is the loss's link)."""
    params.update(estimator.__dict__.get("_boostobj_fit_params", {}))
    for name in ESTIMATOR_PARAMS:
        params.pop(name, None)
    if (estimator.__dict__.get("_boostobj_setting_params")
            and estimator.__dict__.get("loss_") is not None):
        params.pop("objective", None)
    return params


_FIT_DOC = """{what}

        As the parent's ``fit``, with the loss's start (the model's ``base_score``, unless
        ``base_score``, ``base_margin`` or ``xgb_model`` is given), its metric reported on
        ``eval_set`` (``evals_result()``; ``early_stopping_rounds`` follows it) and, where
        the loss asks, its leaves renewed.

        Returns
        -------
        self
            The fitted estimator; ``loss_`` is the loss it trained.

        Raises
        ------
        ValueError
            ``y`` outside the loss's domain, an ``objective``, or an option the loss cannot
            train correctly with (named, with the alternative).
        """


@drop_in
class XGBRegressor(xgb.XGBRegressor):
    __doc__ = estimator_doc("""``xgboost.XGBRegressor`` trained on a boostobj loss.

    ``fit`` starts from the loss's init score (the model's ``base_score``), renews leaves
    where the loss asks, and reports the loss's metric on ``eval_set`` (``evals_result()``;
    ``early_stopping_rounds`` follows it). ``predict`` is on the response scale: a log-link
    loss (poisson, gamma, tweedie) records ``reg:gamma`` in the model, so the saved model
    predicts the same with plain XGBoost. ``xgb_model=`` continues training: the loaded
    model's intercept is kept and only the new trees are renewed.""")

    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None, verbose=True,
            xgb_model=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None) -> XGBRegressor:
        return fit_with_loss(self, super().fit, False, X, y, sample_weight=sample_weight,
                             base_margin=base_margin, eval_set=eval_set, verbose=verbose,
                             xgb_model=xgb_model, sample_weight_eval_set=sample_weight_eval_set,
                             base_margin_eval_set=base_margin_eval_set,
                             feature_weights=feature_weights)

    fit.__doc__ = _FIT_DOC.format(what="Train the regressor on the loss.")


@drop_in
class XGBClassifier(xgb.XGBClassifier):
    __doc__ = estimator_doc("""``xgboost.XGBClassifier`` trained on a boostobj classification loss.

    Takes any class labels (strings, ±1, {{3, 7}}, ...): ``classes_`` holds them sorted and
    ``predict`` returns them. A binary loss needs two classes, a multiclass loss (softmax,
    softmax_focal) more. ``predict_proba`` is the loss's probability: σ(f) for logistic,
    focal and weighted_logistic, σ(2f) for exponential, softmax for the multiclass losses;
    for hinge and squared_hinge, which have none, σ(margin), a score. The model records
    ``binary:logistic`` / ``multi:softprob``, so plain XGBoost gives the same probabilities
    except for exponential (σ(f) there).""")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.loss is not None:
            # A boostobj classification loss has one label per row: no multilabel targets.
            tags.classifier_tags.multi_label = False
        return tags

    @property
    def classes_(self) -> np.ndarray:
        """The class labels seen in ``fit``, sorted."""
        classes = self.__dict__.get("_boostobj_classes")
        return np.arange(self.n_classes_) if classes is None else classes

    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None, verbose=True,
            xgb_model=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None) -> XGBClassifier:
        if self.renew_leaves:
            raise ValueError(f"boostobj.xgboost.XGBClassifier.fit: renew_leaves="
                             f"{self.renew_leaves!r}; leaf renewal is for regression losses.")
        return fit_with_loss(self, super().fit, True, X, y, sample_weight=sample_weight,
                             base_margin=base_margin, eval_set=eval_set, verbose=verbose,
                             xgb_model=xgb_model, sample_weight_eval_set=sample_weight_eval_set,
                             base_margin_eval_set=base_margin_eval_set,
                             feature_weights=feature_weights)

    fit.__doc__ = _FIT_DOC.format(what="Train the classifier on the loss; ``y`` holds any "
                                  "class labels.")

    def predict_proba(self, X, validate_features=True, base_margin=None,
                      iteration_range=None) -> np.ndarray:
        """(n, K) class probabilities of the loss (σ(margin) for a margin loss); the
        parent's where no loss was trained."""
        if self.__dict__.get("loss_") is None:
            return super().predict_proba(X, validate_features=validate_features,
                                         base_margin=base_margin,
                                         iteration_range=iteration_range)
        margin = super().predict(X, output_margin=True, validate_features=validate_features,
                                 base_margin=base_margin, iteration_range=iteration_range)
        return class_probabilities(self.loss_, margin)

    def predict(self, X, *, output_margin=False, validate_features=True, base_margin=None,
                iteration_range=None) -> np.ndarray:
        """The most probable class label of each row (the margins with ``output_margin``);
        the parent's where no loss was trained."""
        if output_margin or self.__dict__.get("loss_") is None:
            return super().predict(X, output_margin=output_margin,
                                   validate_features=validate_features,
                                   base_margin=base_margin, iteration_range=iteration_range)
        probability = self.predict_proba(X, validate_features=validate_features,
                                         base_margin=base_margin,
                                         iteration_range=iteration_range)
        return self.classes_[np.argmax(probability, axis=1)]


@drop_in
class XGBRanker(xgb.XGBRanker):
    __doc__ = estimator_doc("""``xgboost.XGBRanker`` trained on a boostobj ranking loss.

    XGBoost's own ranker refuses a callable objective; this one trains the loss through
    ``boostobj.xgboost.train`` on the DMatrix XGBoost's ranker would build:
    ``fit(X, y, group=|qid=, sample_weight=, eval_set=, eval_group=|eval_qid=)`` as
    XGBoost's (a ``qid`` column of a DataFrame counts as ``qid``; weights are one per
    group). The loss's metric is reported on ``eval_set`` (``evals_result()``) after
    XGBoost's own ranking metrics: those ``eval_metric`` names ("ndcg@5", "map@5"), by
    default the parent's NDCG (they see the model's scores, since a ranking loss starts
    from 0); ``early_stopping_rounds`` follows the loss's metric. ``predict`` gives the
    scores.""")

    def fit(self, X, y, *, group=None, qid=None, sample_weight=None, base_margin=None,
            eval_set=None, eval_group=None, eval_qid=None, verbose=False, xgb_model=None,
            sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None) -> XGBRanker:
        """Train the ranker on the loss over the query groups (``group=`` or ``qid=``).

        Returns
        -------
        self
            The fitted ranker; ``loss_`` is the loss it trained.

        Raises
        ------
        ValueError
            No query groups, weights that are not one per group, a loss that is not a
            ranking loss, or ``renew_leaves=True``.
        """
        caller = "boostobj.xgboost.XGBRanker.fit"
        if self.loss is None:
            without_loss(self, caller)
            return super().fit(X, y, group=group, qid=qid, sample_weight=sample_weight,
                               base_margin=base_margin, eval_set=eval_set,
                               eval_group=eval_group, eval_qid=eval_qid, verbose=verbose,
                               xgb_model=xgb_model,
                               sample_weight_eval_set=sample_weight_eval_set,
                               base_margin_eval_set=base_margin_eval_set,
                               feature_weights=feature_weights)
        if y is None:
            raise ValueError(f"{caller}: requires y to be passed, but the target y is None.")
        loss = estimator_loss(self.loss, False, caller, y, ranker=True)
        renews_leaves(loss, self.renew_leaves, caller)  # refuses renew_leaves=True
        check_objective(caller, loss, None if self.objective == "rank:ndcg" else
                        self.objective, BUILTIN_TWINS)
        params = self.get_xgb_params()
        params.pop("objective", None)
        if callable(self.eval_metric) or (isinstance(self.eval_metric, (list, tuple)) and
                                          any(callable(item) for item in self.eval_metric)):
            refuse(caller, loss, "a callable eval_metric", "the ranker trains through "
                   "boostobj.xgboost.train, whose custom metric is the loss's own",
                   "pass XGBoost's metric names (ndcg@5, map@5)")
        # XGBoost's own ranking metrics see the model's scores (a ranking loss starts from 0
        # and renews no leaves): by default the parent's, NDCG at its pair truncation.
        params["eval_metric"] = (self.eval_metric if self.eval_metric is not None
                                 else _default_ranking_metric(params))
        dtrain = self._ranking_dmatrix(loss, X, y, group, qid, sample_weight, base_margin,
                                       caller)
        if feature_weights is not None:
            dtrain.set_info(feature_weights=feature_weights)
        evals = []
        for index, (eval_X, eval_y) in enumerate(eval_set or []):
            group_i, qid_i, weight_i, margin_i = (
                None if values is None else values[index]
                for values in (eval_group, eval_qid, sample_weight_eval_set,
                               base_margin_eval_set))
            same = eval_X is X and eval_y is y
            dmatrix = dtrain if same else self._ranking_dmatrix(
                loss, eval_X, eval_y, group_i, qid_i, weight_i, margin_i, caller)
            evals.append((dmatrix, f"validation_{index}"))
        evals_result = {}
        booster = train(loss, params, dtrain, self.get_num_boosting_rounds(), evals=evals,
                        early_stopping_rounds=self.early_stopping_rounds,
                        callbacks=self.callbacks, xgb_model=xgb_model, verbose_eval=verbose,
                        evals_result=evals_result)
        xgboost_model.set_fitted_booster(self, booster)
        if evals_result:
            self.evals_result_ = evals_result
        self.loss_ = loss
        return self

    def _ranking_dmatrix(self, loss, X, y, group, qid, weight, base_margin, caller):
        """The DMatrix XGBoost's ranker builds: groups from ``group``, ``qid`` or a ``qid``
        column of a DataFrame; labels checked for ``loss``."""
        if hasattr(X, "columns") and "qid" in X.columns:
            if qid is not None:
                raise ValueError(f"{caller}: both a qid column in X and qid= were given.")
            qid, X = X["qid"], X.drop(columns="qid")
        if group is None and qid is None:
            raise ValueError(f"{caller}: a ranker needs query groups: pass group= (the size "
                             "of each group) or qid= (a query id per row, rows of a query "
                             "contiguous) for X and each eval_set entry.")
        # contiguous, else a clear error
        groups = (Groups.from_qid(np.asarray(qid), caller) if qid is not None
                  else Groups.from_sizes(group, caller=caller))
        if weight is not None and np.size(weight) != groups.n_groups:
            raise ValueError(f"{caller}: sample_weight has {np.size(weight)} values for "
                             f"{groups.n_groups} query groups; XGBoost's rankers take one "
                             "weight per group.")
        loss.check_target(y)
        # The groups as sizes: XGBoost wants qids sorted and numeric, where boostobj's
        # losses need only each query's rows together (descending or text ids work).
        return xgb.DMatrix(X, label=y, group=groups.sizes, weight=weight,
                           base_margin=base_margin, missing=self.missing,
                           enable_categorical=self.enable_categorical,
                           feature_types=self.feature_types, nthread=self.n_jobs)
