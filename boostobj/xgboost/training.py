"""Native training with XGBoost: a loss as ``xgb.train``'s objective and metric, and ``train``.

``objective(loss)`` and ``metric(loss)`` are the bare callables (raw margins in, no start,
no renewal); ``train`` is ``xgb.train`` with the loss's start, link, metric, early stopping
and leaf renewal handled. With a custom objective XGBoost passes raw margins to the
objective and the metric ((n, K) for multiclass losses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xgboost as xgb

from .._boosters import xgboost_model
from .._boosters.options import check_continued_link, first_param, refuse
from .._boosters.renewal import MIN_CHILD_WEIGHT, renews_leaves
from .._boosters.setup import Setup
from .._boosters.targets import CheckedTargets, thread_count
from ..losses import get_loss
from ..metrics import LossMetrics, higher_is_better
from .callback import XGBoostRenewal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..losses import BaseLoss

__all__ = ["Metric", "Objective", "metric", "objective", "train"]

# The built-in objective ``train`` records in the model for each link, and the scale XGBoost
# reads its base_score on. Only the objective's inverse link and base_score transform are
# used (the gradients are ours), so plain XGBoost predicts on the response scale.
# reg:gamma rather than count:poisson, whose max_delta_step default of 0.7 would also change
# how the trees are built. No built-in applies σ(2f) (exponential): its model gives margins.
LINK_OBJECTIVES = {
    "identity": "reg:squarederror",
    "half_logit": "reg:squarederror",
    "log": "reg:gamma",
    "logit": "binary:logistic",
    "sign": "binary:hinge",
    "softmax": "multi:softprob",
}
# XGBoost's names of its thread count.
THREAD_KEYS = ("nthread", "n_jobs")


class Objective:
    """``xgb.train(obj=...)``: ``(predictions, dtrain) -> (gradient, hessian)``.

    Built by ``objective(loss)`` (or by ``train``, with a start, renewal or a worker's part
    in distributed training). The gradient and hessian are the loss's, weighted by the
    DMatrix's weights, float32 in buffers reused every round.

    Parameters
    ----------
    targets : boostobj._boosters.targets.CheckedTargets
        The loss (``targets.loss``) and the checked labels of each DMatrix it is given.
    renewal : XGBoostRenewal or None
        Leaf renewal during training: the objective renews the newest tree first.
    worker : boostobj._boosters.collective.WorkerTraining or None
        One worker's part in ``dask_train``: statistics over every worker's rows.
    """

    def __init__(self, targets, renewal=None, worker=None):
        self.loss = targets.loss
        self._targets = targets
        self._renewal = renewal
        self._worker = worker

    def __call__(self, predictions, dtrain):
        if self._worker is None:
            return self._gradient_hessian(predictions, dtrain, self._targets(dtrain), 0.0)
        with self._worker.reducing():
            targets = self._targets(dtrain)
            return self._gradient_hessian(predictions, dtrain, targets,
                                          self._worker.start_of(targets, dtrain))

    def _gradient_hessian(self, predictions, dtrain, targets, start):
        if self._renewal is None:
            return targets.gradient_hessian(predictions, start)
        self._renewal.add_dataset(dtrain, dtrain, targets.n_rows)
        return self._renewal.training_gradient_hessian(dtrain, targets, predictions, start)


class Metric:
    """``xgb.train(custom_metric=...)``: ``(predictions, dmatrix) -> (name, value)``.

    With extra metrics (``squared_error`` adds ``rmse``) it returns a list of pairs, the
    loss's own last, since XGBoost's early stopping follows the last metric by default.

    Parameters
    ----------
    targets : boostobj._boosters.targets.CheckedTargets
        The loss and the checked labels of each DMatrix evaluated.
    metrics : boostobj.metrics.LossMetrics
        The loss's metric and the metrics reported beside it.
    renewal, worker
        As for ``Objective``.
    """

    def __init__(self, targets, metrics, renewal=None, worker=None):
        self.loss = targets.loss
        self.metrics = metrics
        self._targets = targets
        self._renewal = renewal
        self._worker = worker

    def __call__(self, predictions, dmatrix):
        if self._worker is None:
            return self._evaluate(predictions, dmatrix, 0.0)
        # Every worker returns the metric over all the workers' rows, and XGBoost's mean
        # of these equal values over the workers is then that exact weighted mean.
        with self._worker.reducing():
            start = self._worker.start
            return self._evaluate(predictions, dmatrix, 0.0 if start is None else start)

    def _evaluate(self, predictions, dmatrix, start):
        targets = self._targets(dmatrix)
        if self._renewal is not None:
            self._renewal.add_dataset(dmatrix, dmatrix, targets.n_rows)
            start = start + self._renewal.evaluation_correction(dmatrix)
        results = targets.metrics(self.metrics, targets.raw_score(predictions, start))
        return results[0] if len(results) == 1 else results[1:] + results[:1]


def objective(loss: str | BaseLoss) -> Objective:
    """The loss as ``xgb.train(obj=...)``: gradients of the raw margins, nothing more.

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec (``"huber:delta=2"``) or a loss instance.

    Returns
    -------
    Objective
        ``(predictions, dtrain) -> (gradient, hessian)``. The model then starts from
        XGBoost's ``base_score`` and predicts raw margins; ``train`` does the rest.
    """
    loss = get_loss(loss)
    return Objective(CheckedTargets(loss, xgboost_model.dmatrix_targets))


def metric(loss: str | BaseLoss, extra_metrics: Sequence[str] | None = None) -> Metric:
    """The loss's metric as ``xgb.train(custom_metric=...)``.

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
        ``(predictions, dmatrix) -> (name, value)`` on raw margins.
    """
    loss = get_loss(loss)
    return Metric(CheckedTargets(loss, xgboost_model.dmatrix_targets),
                  LossMetrics(loss, extra_metrics))


def check_modes(caller, loss, params, renewal):
    """Refuse what XGBoost cannot train correctly with this loss (``ValueError``)."""
    booster = params.get("booster") or "gbtree"
    if renewal:
        if booster != "gbtree":
            refuse(caller, loss, f"booster={booster!r}", "leaf renewal sets the leaves of "
                   "trees grown one per round, and "
                   + ("gblinear grows none" if booster == "gblinear"
                      else "dart rescales them every round"),
                   "use booster='gbtree', or pass renew_leaves=False")
        parallel = params.get("num_parallel_tree")
        if parallel is not None and int(parallel) != 1:
            refuse(caller, loss, f"num_parallel_tree={parallel!r}", "leaf renewal needs one "
                   "tree per round", "pass renew_leaves=False to train without it")
    if params.get("multi_strategy") == "multi_output_tree" and booster != "gbtree":
        refuse(caller, loss, "multi_strategy='multi_output_tree'", f"booster={booster!r} "
               "grows no vector-leaf trees", "use booster='gbtree'")


def setup(caller, loss, params, renew_leaves, extra_metrics):
    """The ``Setup`` of ``train`` and ``dask_train`` for ``loss`` (resolved), refused
    (``ValueError``) where XGBoost cannot train it correctly."""
    renewal = XGBoostRenewal(loss) if renews_leaves(loss, renew_leaves, caller) else None
    params = dict(params or {})
    if "objective" in params:
        raise ValueError(f"{loss.name}: params['objective'] == {params['objective']!r}; "
                         f"{caller} sets the objective from the loss.")
    check_modes(caller, loss, params, renewal)
    if renewal is not None and params.get("min_child_weight") is None:
        params["min_child_weight"] = MIN_CHILD_WEIGHT  # see MIN_CHILD_WEIGHT
    targets = CheckedTargets(loss, xgboost_model.dmatrix_targets,
                             threads=thread_count(first_param(params, THREAD_KEYS)))
    return Setup(loss, params, renewal, targets, LossMetrics(loss, extra_metrics))


def early_stopping(metrics, rounds, evals, stopping_metric):
    """XGBoost's early stopping on the loss's metric (or ``stopping_metric``), as a list
    of callbacks (empty without ``rounds``)."""
    if not rounds:
        return []
    if not evals:
        raise ValueError(f"{metrics.loss.name}: early_stopping_rounds needs at least one set "
                         "in evals.")
    name = metrics.stopping_metric(stopping_metric)
    return [xgb.callback.EarlyStopping(rounds=rounds, metric_name=name,
                                       maximize=higher_is_better(name), save_best=True)]


def as_booster(model):
    """``xgb_model`` as a Booster: a Booster, a fitted estimator's, or a saved model's."""
    if isinstance(model, xgb.Booster):
        return model
    if isinstance(model, xgb.XGBModel):
        return model.get_booster()
    booster = xgb.Booster()
    booster.load_model(model)
    return booster


def train(loss: str | BaseLoss, params: dict[str, Any] | None, dtrain: xgb.DMatrix,
          num_boost_round: int = 10, *, evals: Sequence[tuple[xgb.DMatrix, str]] = (),
          early_stopping_rounds: int | None = None,
          extra_metrics: Sequence[str] | None = None, stopping_metric: str | None = None,
          callbacks: Sequence[xgb.callback.TrainingCallback] | None = None,
          renew_leaves: bool | None = None, xgb_model: Any = None,
          **kwargs: Any) -> xgb.Booster:
    """``xgb.train`` with a boostobj loss, returning an ``xgb.Booster``.

    - starts from ``loss.init_score`` (stored as ``base_score``) unless ``params`` sets
      ``base_score``, ``dtrain`` has a ``base_margin``, or training continues from
      ``xgb_model`` (whose intercept is kept: the start is counted once);
    - records a built-in objective with the loss's inverse link, so the booster (and the
      model it saves) predicts on the response scale with plain XGBoost;
    - turns XGBoost's default metric off and reports the loss's metric (plus
      ``extra_metrics``) on every set in ``evals``;
    - with ``early_stopping_rounds``, stops when the loss's metric (or ``stopping_metric``)
      on the last set in ``evals`` has not improved for that many rounds and returns the
      booster truncated to its best iteration;
    - a ranking loss reads the query groups of each DMatrix (``group=`` or ``qid=``) and its
      weights as one per group, as XGBoost keeps them; it starts from 0;
    - renews each new tree's leaves to the loss's exact minimiser when ``renew_leaves``;
      the returned model holds the renewed values;
    - runs the loss's kernels on the booster's thread count (``nthread``).

    Parameters
    ----------
    loss : str or BaseLoss
        A loss name or spec (``"quantile:alpha=0.9"``) or a loss instance.
    params : dict or None
        XGBoost's parameters, without ``objective`` (set from the loss).
    dtrain : xgboost.DMatrix
        The training data; soft labels are an (n, K) label matrix.
    num_boost_round : int, default 10
        Boosting rounds.
    evals : sequence of (DMatrix, name), default ()
        Sets the metric is reported on (``evals_result=`` collects it).
    early_stopping_rounds : int, optional
        Stop when the stopping metric on the last set of ``evals`` has not improved for
        this many rounds.
    extra_metrics : sequence of str, optional
        Metrics reported beside the loss's (``"rmse"``, ``"ndcg@5"``, ...); default
        ``loss.extra_metrics``.
    stopping_metric : str, optional
        The metric early stopping follows, one of ``extra_metrics`` (``"ndcg@5"`` rises, a
        loss falls); default the loss's own.
    callbacks : sequence of xgboost.callback.TrainingCallback, optional
        More callbacks, after boostobj's own.
    renew_leaves : bool, optional
        Re-fit each new tree's leaves to the loss's exact minimiser; default
        ``loss.renews_leaves``.
    xgb_model : Booster, XGBModel, path or bytearray, optional
        A model to continue training from.
    **kwargs
        Passed to ``xgb.train`` (``evals_result``, ``verbose_eval``, ...).

    Returns
    -------
    xgboost.Booster
        Predicts on the response scale with plain XGBoost (``multi:softprob`` for soft
        labels).

    Raises
    ------
    ValueError
        Labels or weights outside the loss's domain, ``params['objective']``, or a booster
        option the loss cannot train correctly with (named, with the alternative).
    """
    run = setup("boostobj.xgboost.train", get_loss(loss), params, renew_leaves, extra_metrics)
    params, renewal, targets = run.params, run.renewal, run.targets
    train_targets = targets(dtrain)
    for dmatrix, _ in evals:
        targets(dmatrix)
    objective_name = LINK_OBJECTIVES.get(run.loss.link.name, "reg:squarederror")
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
    if xgb_model is not None:
        xgb_model = as_booster(xgb_model)
        check_continued_link("boostobj.xgboost.train", run.loss, "xgb_model",
                             xgboost_model.objective_link(xgb_model),
                             xgboost_model.objective_link(objective_name))
    if "base_score" not in params and dtrain.get_base_margin().size == 0:
        if xgb_model is not None:
            start = xgboost_model.base_margin(as_booster(xgb_model))
        else:
            start = train_targets.init_score(n_classes)
            if renewal is not None:
                renewal.start = start  # the objective's scores begin in float64
        start = xgboost_model.from_margin(objective_name, start)
        params["base_score"] = (float(start) if np.ndim(start) == 0
                                else [float(v) for v in start])
    if "eval_metric" not in params:
        params["disable_default_eval_metric"] = 1
    # The renewal comes first: its after_training must see the model before early stopping
    # cuts it to the best iteration.
    callbacks = ([renewal] if renewal else []) + list(callbacks or [])
    callbacks += early_stopping(run.metrics, early_stopping_rounds, evals, stopping_metric)
    booster = xgb.train(params, dtrain, num_boost_round, evals=list(evals),
                        obj=Objective(targets, renewal),
                        custom_metric=Metric(targets, run.metrics, renewal),
                        callbacks=callbacks, xgb_model=xgb_model, **kwargs)
    if renewal is not None:
        booster = renewal.apply(booster)  # attributes (best_iteration, ...) travel in the JSON
    return xgboost_model.as_softprob(booster, n_classes) if soft_labels else booster
