"""Native training with LightGBM: a loss as ``lgb.train``'s objective and metric, and ``train``.

``objective(loss)`` and ``metric(loss)`` are the bare callables (raw scores in, no start,
no renewal); ``train`` is ``lgb.train`` with the loss's start, link, metric, early stopping
and leaf renewal handled. With a custom objective LightGBM passes raw scores to the
objective and the metric ((n, K) for multiclass losses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np

from .._boosters import lightgbm_model
from .._boosters.options import first_param, refuse
from .._boosters.renewal import renews_leaves
from .._boosters.setup import Setup
from .._boosters.targets import CheckedTargets, thread_count
from ..losses import get_loss
from ..metrics import LossMetrics, higher_is_better
from .basic import (
    BOOSTING_KEYS,
    LINEAR_TREE_KEYS,
    LINK_OBJECTIVES,
    METRIC_KEYS,
    NUM_CLASS_KEYS,
    OBJECTIVE_KEYS,
    THREAD_KEYS,
    check_init_model,
    dataset_field,
    dataset_targets,
    monotone_constraints,
)
from .callback import LightGBMRenewal

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..losses import BaseLoss

__all__ = ["Metric", "Objective", "metric", "objective", "train"]


class Objective:
    """``lgb.train(params={"objective": ...})``: ``(predictions, train_set) -> (grad, hess)``.

    Built by ``objective(loss)`` (or by ``train``, with a start and renewal). ``start`` is
    added to LightGBM's raw scores: ``train`` starts from the init score this way instead
    of writing an ``init_score`` into the user's Dataset.

    Parameters
    ----------
    targets : boostobj._boosters.targets.CheckedTargets
        The loss (``targets.loss``) and the checked labels of each Dataset it is given.
    start : float or ndarray of shape (K,), default 0.0
        Added to the booster's raw scores.
    renewal : LightGBMRenewal or None
        Leaf renewal during training: the objective renews the newest tree first.
    """

    def __init__(self, targets, start=0.0, renewal=None):
        self.loss = targets.loss
        self.start = start if np.ndim(start) else float(start)
        self._targets = targets
        self._renewal = renewal

    def __call__(self, predictions, train_set):
        targets = self._targets(train_set)
        if self._renewal is None:
            return targets.gradient_hessian(predictions, self.start)
        return self._renewal.training_gradient_hessian(train_set, targets, predictions,
                                                       self.start)


class Metric:
    """``lgb.train(feval=...)``: ``(predictions, dataset) -> (name, value, higher_better)``.

    With extra metrics (``squared_error`` adds ``rmse``, a ranking loss ``ndcg@5``) it
    returns a list, the loss's own first (or ``first``, one of the extra metrics), which is
    the one ``train``'s early stopping follows.

    Parameters
    ----------
    targets : boostobj._boosters.targets.CheckedTargets
        The loss and the checked labels of each Dataset evaluated.
    metrics : boostobj.metrics.LossMetrics
        The loss's metric and the metrics reported beside it.
    start, renewal
        As for ``Objective``.
    first : str, optional
        The metric listed first (early stopping follows it); default the loss's own.
    """

    def __init__(self, targets, metrics, start=0.0, renewal=None, first=None):
        self.loss = targets.loss
        self.metrics = metrics
        self.start = start if np.ndim(start) else float(start)
        self._targets = targets
        self._renewal = renewal
        self.first = first

    def __call__(self, predictions, dataset):
        targets = self._targets(dataset)
        start = self.start
        if self._renewal is not None:
            start = start + self._renewal.evaluation_correction(dataset)
        raw = targets.raw_score(predictions, start)
        results = [(name, value, higher_is_better(name))
                   for name, value in targets.metrics(self.metrics, raw)]
        if self.first is not None:
            results.sort(key=lambda result: result[0] != self.first)
        return results[0] if len(results) == 1 else results


def objective(loss: str | BaseLoss) -> Objective:
    """The loss as ``lgb.train(params={"objective": ...})``: gradients of the raw scores.

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec (``"huber:delta=2"``) or a loss instance.

    Returns
    -------
    Objective
        ``(predictions, train_set) -> (gradient, hessian)``. The model then starts from 0
        and predicts raw scores; ``train`` does the rest.
    """
    return Objective(CheckedTargets(get_loss(loss), dataset_targets, layout="F"))


def metric(loss: str | BaseLoss, extra_metrics: Sequence[str] | None = None) -> Metric:
    """The loss's metric as ``lgb.train(feval=...)``.

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec, or a loss instance.
    extra_metrics : sequence of str, optional
        Metrics reported beside the loss's (``"rmse"``, ``"ndcg@5"``, ...); default
        ``loss.extra_metrics``.

    Returns
    -------
    Metric
        ``(predictions, dataset) -> (name, value, higher_better)`` on raw scores.
    """
    loss = get_loss(loss)
    return Metric(CheckedTargets(loss, dataset_targets, layout="F"),
                  LossMetrics(loss, extra_metrics))


def check_modes(caller, loss, params, renewal):
    """Refuse what LightGBM cannot train correctly with this loss (``ValueError``)."""
    boosting = str(first_param(params, BOOSTING_KEYS, "gbdt")).lower()
    if boosting in ("rf", "random_forest"):
        refuse(caller, loss, f"boosting={boosting!r}", "LightGBM's random forest takes no "
               "custom objective", "use boosting='gbdt' with bagging (bagging_fraction, "
               "bagging_freq), or XGBoost's num_parallel_tree")
    if boosting == "dart":
        # LightGBM drops trees when it computes its own gradients; with a custom objective
        # it never drops them but still rescales: an l2 objective's reported train metric
        # was 6.42 for a final model scoring 6.90 (LightGBM 4.7; built-in l2: equal).
        refuse(caller, loss, "boosting='dart'", "LightGBM's dart drops trees only for its "
               "built-in objectives, and with a custom one its reported metrics and its "
               "final model disagree", "use boosting='gbdt', or XGBoost's booster='dart'")
    if renewal and first_param(params, LINEAR_TREE_KEYS, False):
        refuse(caller, loss, "linear_tree=True", "leaf renewal sets constant leaves, and "
               "a linear tree's leaves are regressions",
               "pass linear_tree=False, or renew_leaves=False")
    monotone_constraints(params, caller)  # a string LightGBM would misread is refused


def setup(caller, loss, params, train_set, valid_sets, num_boost_round, renew_leaves,
          extra_metrics):
    """The ``Setup`` of ``train`` for ``loss`` (resolved): a copy of ``params`` with
    boostobj's defaults, refused (``ValueError``) where it sets an objective, a built-in
    metric or a mode LightGBM cannot train correctly; renewal over ``train_set`` and
    ``valid_sets``."""
    renewal = (LightGBMRenewal(loss, [train_set, *valid_sets], caller)
               if renews_leaves(loss, renew_leaves, caller) else None)
    params = dict(params or {})
    # On few rows LightGBM's pre-filter drops every feature that cannot be split, and a
    # custom objective then fails ("num_features() > 0"); without it, the trees just have
    # no split, as the built-ins do. A constructed Dataset has settled it already.
    if (not lightgbm_model.is_constructed(train_set)
            and "feature_pre_filter" not in (train_set.params or {})):
        params.setdefault("feature_pre_filter", False)
    for key in OBJECTIVE_KEYS:
        if key in params:
            raise ValueError(f"{loss.name}: params[{key!r}] == {params[key]!r}; "
                             f"{caller} sets the objective from the loss.")
    for key in METRIC_KEYS:
        if key in params and str(params[key]).lower() not in ("none", "", "null", "na"):
            example = "'ndcg@5', 'map@5'" if loss.grouped else "'rmse', ..."
            raise ValueError(f"{loss.name}: params[{key!r}] == {params[key]!r}; built-in "
                             "metrics would see raw scores without the start. Pass "
                             f"extra_metrics=({example}) instead.")
    if num_boost_round < 1:
        raise ValueError(f"{loss.name}: num_boost_round == {num_boost_round!r}, must be >= 1.")
    check_modes(caller, loss, params, renewal)
    targets = CheckedTargets(loss, dataset_targets,
                             threads=thread_count(first_param(params, THREAD_KEYS)), layout="F")
    return Setup(loss, params, renewal, targets, LossMetrics(loss, extra_metrics))


def train(loss: str | BaseLoss, params: dict[str, Any] | None, train_set: lgb.Dataset,
          num_boost_round: int = 100, *, valid_sets: Sequence[lgb.Dataset] | None = None,
          valid_names: Sequence[str] | None = None, early_stopping_rounds: int | None = None,
          extra_metrics: Sequence[str] | None = None, stopping_metric: str | None = None,
          callbacks: Sequence[Callable] | None = None, renew_leaves: bool | None = None,
          init_model: Any = None, **kwargs: Any) -> lgb.Booster:
    """``lgb.train`` with a boostobj loss, returning an ``lgb.Booster``.

    - starts from ``loss.init_score`` unless ``train_set`` has its own ``init_score`` or
      training continues from ``init_model`` (whose start is kept: counted once), and adds
      that start to the first tree, so the model needs no ``init_score`` to predict;
    - for a non-identity link, names a built-in objective with that inverse link in the model
      (``poisson`` for the log link), so the booster and its saved model predict on the
      response scale with plain LightGBM;
    - turns LightGBM's metrics off and reports the loss's metric (plus ``extra_metrics``) on
      every set in ``valid_sets``;
    - with ``early_stopping_rounds``, stops when the loss's metric (or ``stopping_metric``)
      has not improved for that many rounds; the booster's ``best_iteration`` is used by
      ``predict`` and ``save_model``;
    - a ranking loss reads each Dataset's query groups (``group=``); its weights are per row
      in LightGBM and must be equal within a group (the group's weight); it starts from 0;
    - renews each new tree's leaves to the loss's exact minimiser when ``renew_leaves``;
      the Datasets must then hold their features in memory;
    - runs the loss's kernels on the booster's thread count (``num_threads``).

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec (``"quantile:alpha=0.9"``) or a loss instance.
    params : dict or None
        LightGBM's parameters, without ``objective`` (set from the loss) or ``metric``
        (use ``extra_metrics``).
    train_set : lightgbm.Dataset
        The training data; soft labels through ``soft_label_dataset``.
    num_boost_round : int, default 100
        Boosting rounds, at least 1.
    valid_sets : sequence of lightgbm.Dataset, optional
        Sets the metric is reported on (``lgb.record_evaluation`` collects it).
    valid_names : sequence of str, optional
        Their names.
    early_stopping_rounds : int, optional
        Stop when the stopping metric has not improved for this many rounds.
    extra_metrics : sequence of str, optional
        Metrics reported beside the loss's (``"rmse"``, ``"ndcg@5"``, ...); default
        ``loss.extra_metrics``.
    stopping_metric : str, optional
        The metric early stopping follows, one of ``extra_metrics`` (``"ndcg@5"`` rises, a
        loss falls); default the loss's own.
    callbacks : sequence of callable, optional
        More callbacks, after boostobj's own.
    renew_leaves : bool, optional
        Re-fit each new tree's leaves to the loss's exact minimiser; default
        ``loss.renews_leaves``.
    init_model : Booster or path, optional
        A model to continue training from.
    **kwargs
        Passed to ``lgb.train``.

    Returns
    -------
    lightgbm.Booster
        Holds the start and the loss's output link: predicts on the response scale with
        plain LightGBM.

    Raises
    ------
    ValueError
        Labels or weights outside the loss's domain, an objective or built-in metric in
        ``params``, or a booster option the loss cannot train correctly with (named, with
        the alternative).
    """
    caller = "boostobj.lightgbm.train"
    valid_sets = list(valid_sets or [])
    run = setup(caller, get_loss(loss), params, train_set, valid_sets, num_boost_round,
                renew_leaves, extra_metrics)
    loss, params, renewal, targets, metrics = (run.loss, run.params, run.renewal, run.targets,
                                               run.metrics)
    train_targets = targets(train_set)
    for dataset in valid_sets:
        targets(dataset)
    n_classes = None
    if train_targets.multiclass:
        given = [params.pop(key) for key in NUM_CLASS_KEYS if key in params]
        n_classes = train_targets.n_classes(given[0] if given else None)
        params["num_class"] = n_classes
    check_init_model("boostobj.lightgbm.train", loss, init_model)
    if dataset_field(train_set, "init_score") is not None or init_model is not None:
        start = np.zeros(n_classes) if n_classes else 0.0
    else:
        start = train_targets.init_score(n_classes)
    params["objective"] = Objective(targets, start, renewal)
    params["metric"] = "None"
    callbacks = list(callbacks or [])
    if renewal is not None:
        callbacks += renewal.callbacks
    if early_stopping_rounds:
        if not valid_sets:
            raise ValueError(f"{loss.name}: early_stopping_rounds needs at least one set "
                             "in valid_sets.")
        callbacks.append(lgb.early_stopping(early_stopping_rounds, first_metric_only=True,
                                            verbose=False))
    first = metrics.stopping_metric(stopping_metric)
    booster = lgb.train(params, train_set, num_boost_round, valid_sets=valid_sets,
                        valid_names=valid_names,
                        feval=Metric(targets, metrics, start, renewal, first),
                        callbacks=callbacks, init_model=init_model, **kwargs)
    if renewal is not None:
        renewal.finish()  # the last tree
    if np.any(start):
        booster = lightgbm_model.add_to_first_iteration(booster, start)
    link_objective = LINK_OBJECTIVES.get(loss.link.name)
    if link_objective is None or loss.link.name == "sign":
        return booster
    return lightgbm_model.with_output_link(booster, link_objective.format(K=n_classes))
