"""XGBoost adapters: one loss, every signature XGBoost accepts.

- ``XGBRegressor(loss=...)`` / ``XGBClassifier(loss=...)``: XGBoost's own estimators with one
  more parameter. ``fit`` starts from the loss's init score, renews leaves where the loss
  asks, reports the loss's metric on ``eval_set`` (and stops early on it), encodes any class
  labels; ``predict`` is on the response scale, ``predict_proba`` gives probabilities.
- ``XGBRanker(loss=...)``: a ranker for the ranking losses (XGBoost's own refuses custom
  objectives): ``fit(X, y, group=|qid=, ...)`` trains through ``train``.
- ``train(loss, params, dtrain, ...)``: ``xgb.train`` with all of that, returning a Booster
  that predicts on the response scale with plain XGBoost. A ranking loss reads the DMatrix's
  query groups (``group=`` / ``qid=``) and its per-group weights.
- ``objective(loss)`` / ``metric(loss)``: the bare ``obj=`` / ``custom_metric=`` callables
  of ``xgb.train`` (raw margins in, no start, no renewal); ``sklearn_objective`` /
  ``sklearn_metric``: the same for XGBoost's estimators' ``objective=`` / ``eval_metric=``.

With a custom objective XGBoost passes raw margins to the objective and the metric ((n, K)
for multiclass losses). Soft labels (``soft_label``, ``kl_divergence``): give the (n, K)
probability matrix as the label, ``xgb.DMatrix(X, label=probabilities)``; ``train`` returns
a ``multi:softprob`` model.

Booster modes: ``gbtree``, ``dart`` and ``gblinear``, ``num_parallel_tree > 1``,
``multi_strategy="multi_output_tree"`` and every ``tree_method`` train with every loss;
leaf renewal needs one tree per round grown by ``gbtree`` and is refused (``ValueError``
naming the option) otherwise. Continued training (``xgb_model=``) keeps the loaded model's
intercept and renews only the new trees.
"""

from __future__ import annotations

import json
import time

import numpy as np
import xgboost as xgb

from ._boosters import xgboost_model
from ._boosters.common import (
    ESTIMATOR_PARAMS,
    CheckedTargets,
    EvaluationOrder,
    LeafRenewal,
    SklearnMetricBase,
    SklearnObjectiveBase,
    attached,
    encode_classes,
    encode_like,
    estimator_doc,
    estimator_loss,
    first_param,
    loss_start,
    refuse,
    renews_leaves,
    stopping_metric_of,
    thread_count,
)
from ._numerics import all_max, expit, summed_over_workers
from .losses import Groups, MulticlassLoss, get_loss
from .losses.multiclass import SoftLabel
from .metrics import LossMetrics, higher_is_better

# The built-in objective ``train`` records in the model for each link, and the scale XGBoost
# reads its base_score on. Only the objective's inverse link and base_score transform are
# used (the gradients are ours), so plain XGBoost predicts on the response scale.
# reg:gamma rather than count:poisson, whose max_delta_step default of 0.7 would also change
# how the trees are built. No built-in applies σ(2f) (exponential): its model gives margins.
_LINK_OBJECTIVES = {
    "identity": "reg:squarederror",
    "half_logit": "reg:squarederror",
    "log": "reg:gamma",
    "logit": "binary:logistic",
    "sign": "binary:hinge",
    "softmax": "multi:softprob",
}
_THREAD_KEYS = ("nthread", "n_jobs")

# boostobj losses and the built-in parameters that train the same loss (the parity tests
# train both and compare the models). count:poisson defaults to max_delta_step = 0.7, which
# both caps each leaf and inflates the hessian to e^(f + 0.7); with 0 it is exactly Poisson.
BUILTIN_TWINS = {
    "squared_error": {"objective": "reg:squarederror"},
    "pseudo_huber:delta=1.5,hessian=exact": {"objective": "reg:pseudohubererror",
                                             "huber_slope": 1.5},
    "poisson": {"objective": "count:poisson", "max_delta_step": 0.0},
    "gamma": {"objective": "reg:gamma"},
    "tweedie:power=1.3": {"objective": "reg:tweedie", "tweedie_variance_power": 1.3},
}


def _fetch(dmatrix):
    weight = dmatrix.get_weight()  # one per group where the DMatrix has groups
    group_ptr = dmatrix.get_uint_info("group_ptr")
    groups = Groups.from_ptr(group_ptr, caller="XGBoost DMatrix") if group_ptr.size else None
    return dmatrix.get_label(), (weight if weight.size else None), groups


class _XGBoostRenewal(LeafRenewal, xgb.callback.TrainingCallback):
    """Leaf renewal for XGBoost (the bookkeeping is ``LeafRenewal``'s).

    XGBoost's Python API can read a tree's leaves but not write them, and its prediction
    caches would not see a change. So during training the trees keep XGBoost's leaf values
    and the metric adds the corrections; the objective's raw scores are kept here in
    float64 (the start plus each renewed leaf value at the row's leaf), since XGBoost's
    float32 sums round differently at each target scale and a loss whose gradient jumps at
    a zero residual would take the sign of that rounding. The rows' leaves in the newest tree
    come from ``predict(pred_leaf=True)`` on a one-tree slice of the model (about 50 ms at
    1M rows, a third of a depth-6 tree's growing time). When training ends the renewed
    values are written into the model once (``apply``), so the saved model predicts on
    its own.
    """

    _tracks_scores = True

    def __init__(self, loss, start=None):
        LeafRenewal.__init__(self, loss, start)
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

    def _leaf_outputs(self, tree, ids):
        return xgboost_model.leaf_outputs(self.booster, tree, ids)

    def _set_leaf_outputs(self, tree, ids, values):
        self._renewed[tree] = (ids, values)

    def _learning_rate(self):
        return xgboost_model.learning_rate(self.booster)

    def apply(self, booster):
        """A copy of ``booster`` with the renewed leaf values written into its trees."""
        self.flush()
        return xgboost_model.with_leaf_values(booster, self._renewed) if self._renewed \
            else booster


class _WorkerTraining(xgb.callback.TrainingCallback):
    """One worker's part in a distributed training (``dask_train``).

    Each worker holds only its own rows, so what needs all of them is computed over the
    workers through ``xgboost.collective`` (``summed_over_workers``): the start (at the
    objective's first call, from the training labels), an ``"auto"`` scale, the renewed
    leaves and the metric. The model trains from base_score at margin 0 with the start
    added to the booster's scores; when training ends the start becomes the model's
    intercept (after the renewed leaves are written), so the model predicts on its own.
    """

    def __init__(self, loss, renewal, n_classes, find_start):
        super().__init__()
        self.loss = loss
        self.renewal = renewal
        self.n_classes = n_classes
        self.find_start = find_start  # False: the user's base_score, base_margin or model
        self.start = None

    def reducing(self):
        return summed_over_workers(xgboost_model.Collective())

    def start_of(self, targets, dtrain):
        """The start over every worker's training rows (computed at the first call)."""
        if self.start is None:
            has_margin = all_max(float(dtrain.get_base_margin().size > 0)) > 0
            self.find_start = self.find_start and not has_margin
            self.start = targets.init_score(self.n_classes) if self.find_start else 0.0
            if self.renewal is not None and self.find_start:
                self.renewal.start = self.start
        return self.start

    def after_iteration(self, model, epoch, evals_log):
        # The renewal's own callback, after this one, then finds the tree renewed.
        if self.renewal is not None:
            self.renewal.booster = model
            with self.reducing():
                self.renewal.flush()
        return False

    def after_training(self, model):
        if self.renewal is not None:
            with self.reducing():
                model = self.renewal.apply(model)
        if self.find_start and self.start is not None:
            model = xgboost_model.with_base_margin(model, self.start)
            # the start before XGBoost rounds its intercept to float32
            model.set_attr(boostobj_start=json.dumps(np.asarray(self.start).tolist()))
        return model


class Objective:
    """``obj=`` for ``xgb.train``: ``(predictions, dtrain) -> (gradient, hessian)``."""

    def __init__(self, loss, _targets=None, _renewal=None, _worker=None):
        self.loss = get_loss(loss)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)
        self._renewal = _renewal
        self._worker = _worker

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
    """``custom_metric=`` for ``xgb.train``: ``(predictions, dmatrix) -> (name, value)``.

    With extra metrics (``squared_error`` adds ``rmse``) it returns a list of pairs, the
    loss's own last, since XGBoost's early stopping follows the last metric by default.
    """

    def __init__(self, loss, extra_metrics=None, _targets=None, _renewal=None, _worker=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)
        self._renewal = _renewal
        self._worker = _worker

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


class SklearnObjective(SklearnObjectiveBase):
    """``objective=`` for ``XGBRegressor``: ``(y_true, y_pred, *, sample_weight=None)``."""

    def __call__(self, y_true, y_pred, *, sample_weight=None):
        return self.gradient_hessian(y_true, y_pred, sample_weight)


class SklearnMetric(SklearnMetricBase):
    """``eval_metric=`` for ``XGBRegressor``: ``(y_true, y_pred, sample_weight=None) -> float``."""

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self.value(y_true, y_pred, sample_weight)


def objective(loss):
    """The loss as ``xgb.train(obj=...)``: gradients of the raw margins, nothing more."""
    return Objective(loss)


def metric(loss, extra_metrics=None):
    """The loss's metric as ``xgb.train(custom_metric=...)``."""
    return Metric(loss, extra_metrics)


def sklearn_objective(loss):
    """The loss as ``xgboost.XGBRegressor(objective=...)``: gradients only. The estimator
    then starts from XGBoost's default and predicts raw margins; ``boostobj.xgboost.
    XGBRegressor(loss=...)`` does the rest."""
    return SklearnObjective(loss)


def sklearn_metric(loss):
    """The loss's metric as ``xgboost.XGBRegressor(eval_metric=...)``."""
    return SklearnMetric(loss)


def _check_modes(caller, loss, params, renewal):
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


def _setup(caller, loss, params, renew_leaves):
    """``train``'s and ``dask_train``'s loss, leaf renewal (or None) and a copy of
    ``params``, refused where XGBoost cannot train them correctly."""
    loss = get_loss(loss)
    renewal = _XGBoostRenewal(loss) if renews_leaves(loss, renew_leaves, caller) else None
    params = dict(params or {})
    if "objective" in params:
        raise ValueError(f"{loss.name}: params['objective'] == {params['objective']!r}; "
                         f"{caller} sets the objective from the loss.")
    _check_modes(caller, loss, params, renewal)
    return loss, renewal, params


def train(loss, params, dtrain, num_boost_round=10, *, evals=(), early_stopping_rounds=None,
          extra_metrics=None, stopping_metric=None, callbacks=None, renew_leaves=None,
          xgb_model=None, **kwargs):
    """``xgb.train`` with a boostobj loss, returning an ``xgb.Booster``.

    - starts from ``loss.init_score`` (stored as ``base_score``) unless ``params`` sets
      ``base_score``, ``dtrain`` has a ``base_margin``, or training continues from
      ``xgb_model`` (whose intercept is kept: the start is counted once);
    - records a built-in objective with the loss's inverse link, so the booster (and the
      model it saves) predicts on the response scale with plain XGBoost;
    - turns XGBoost's default metric off and reports the loss's metric (plus
      ``extra_metrics``, default ``loss.extra_metrics``) on every set in ``evals``;
    - with ``early_stopping_rounds``, stops when the loss's metric (or ``stopping_metric``,
      one of ``extra_metrics``: ``"ndcg@5"`` rises, a loss falls) on the last set in
      ``evals`` has not improved for that many rounds and returns the booster truncated
      to its best iteration;
    - a ranking loss reads the query groups of each DMatrix (``group=`` or ``qid=``) and its
      weights as one per group, as XGBoost keeps them; it starts from 0;
    - renews each new tree's leaves to the loss's exact minimiser when ``renew_leaves``
      (default: ``loss.renews_leaves``); the returned model holds the renewed values;
    - runs the loss's kernels on the booster's thread count (``nthread``).

    Other keyword arguments go to ``xgb.train``.
    """
    loss, renewal, params = _setup("boostobj.xgboost.train", loss, params, renew_leaves)
    targets = CheckedTargets(loss, _fetch, threads=thread_count(first_param(params,
                                                                            _THREAD_KEYS)))
    train_targets = targets(dtrain)
    for dmatrix, _ in evals:
        targets(dmatrix)
    objective_name = _LINK_OBJECTIVES.get(loss.link.name, "reg:squarederror")
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
        if xgb_model is not None:
            start = xgboost_model.base_margin(_as_booster(xgb_model))
        else:
            start = train_targets.init_score(n_classes)
            if renewal is not None:
                renewal.start = start  # the objective's scores begin in float64
        start = xgboost_model.from_margin(objective_name, start)
        params["base_score"] = float(start) if np.ndim(start) == 0 else [float(v)
                                                                        for v in start]
    if "eval_metric" not in params:
        params["disable_default_eval_metric"] = 1
    # The renewal comes first: its after_training must see the model before early stopping
    # cuts it to the best iteration.
    callbacks = ([renewal] if renewal else []) + list(callbacks or [])
    callbacks += _early_stopping(loss, early_stopping_rounds, evals, stopping_metric,
                                 extra_metrics)
    booster = xgb.train(params, dtrain, num_boost_round, evals=list(evals),
                        obj=Objective(loss, targets, renewal),
                        custom_metric=Metric(loss, extra_metrics, targets, renewal),
                        callbacks=callbacks, xgb_model=xgb_model, **kwargs)
    if renewal is not None:
        booster = renewal.apply(booster)  # attributes (best_iteration, ...) travel in the JSON
    return xgboost_model.as_softprob(booster, n_classes) if soft_labels else booster


def dask_train(client, loss, params, dtrain, num_boost_round=10, *, evals=(),
               early_stopping_rounds=None, extra_metrics=None, stopping_metric=None,
               callbacks=None, renew_leaves=None, xgb_model=None, **kwargs):
    """``xgboost.dask.train`` with a boostobj loss: ``train`` on a dask cluster.

    Returns what ``xgboost.dask.train`` returns, ``{"booster": Booster, "history": ...}``.
    ``dtrain`` and the sets of ``evals`` are ``xgboost.dask.DaskDMatrix``. Each worker
    trains on its own partitions, and what needs every row is computed over all of them
    through ``xgboost.collective``, the same on every worker and equal to the value one
    process holding all the rows computes:

    - the start (``loss.init_score`` of all the training labels and weights: sums,
      quantiles by an exact selection, M-estimates on global sums), stored as the model's
      intercept;
    - a robust loss's ``"auto"`` scale, each round, from all the residuals;
    - leaf renewal: every leaf is the learning rate times the minimiser over all the rows
      that reach it, written alike on every worker and into the saved model;
    - the metric on each set of ``evals``: the weighted mean over all its rows (XGBoost
      would average the workers' own metrics), so early stopping follows it.

    A worker that dies ends the call with a ``RuntimeError`` naming it: its sockets close
    and the other workers' next all-reduce fails at once. (A machine that vanishes without
    closing them holds the others until the collective's timeout:
    ``coll_cfg=xgboost.collective.Config(timeout=seconds)``.) The client can train again.

    A ranking loss needs each query group within one partition (``qid=`` with the rows of
    a group together). A multiclass loss needs ``params["num_class"]``; soft labels (an
    (n, K) label matrix) train on one machine only (``train``).
    """
    from xgboost import dask as xgb_dask

    caller = "boostobj.xgboost.dask_train"
    loss, renewal, params = _setup(caller, loss, params, renew_leaves)
    objective_name = _LINK_OBJECTIVES.get(loss.link.name, "reg:squarederror")
    n_classes = None
    if isinstance(loss, MulticlassLoss):
        if isinstance(loss, SoftLabel):
            refuse(caller, loss, "soft labels", "an (n, K) label matrix is not split into "
                   "partitions by xgboost.dask", "train on one machine with "
                   "boostobj.xgboost.train")
        if not params.get("num_class"):
            raise ValueError(f"{caller}: {loss.name} needs params['num_class'] (the number "
                             "of classes): on a cluster no worker sees every label.")
        n_classes = int(params["num_class"])
    if "eval_metric" in params and not getattr(loss, "grouped", False):
        refuse(caller, loss, f"params['eval_metric']={params['eval_metric']!r}", "XGBoost's "
               "built-in metrics would see the scores without the start the workers add",
               "the loss's own metric (and extra_metrics) is reported")
    params["objective"] = objective_name
    if params.get("base_score") is None:  # the estimators pass None for "not set"
        params.pop("base_score", None)
    find_start = "base_score" not in params and xgb_model is None
    if find_start:
        # Margin 0 during training: the workers add the start they compute together.
        params["base_score"] = float(xgboost_model.from_margin(objective_name, 0.0))
    if "eval_metric" not in params:
        params["disable_default_eval_metric"] = 1
    worker = _WorkerTraining(loss, renewal, n_classes, find_start)
    threads = thread_count(first_param(params, _THREAD_KEYS))
    targets = CheckedTargets(loss, _fetch, threads=threads)
    callbacks = [worker] + ([renewal] if renewal else []) + list(callbacks or [])
    callbacks += _early_stopping(loss, early_stopping_rounds, evals, stopping_metric,
                                 extra_metrics)
    workers = set(client.scheduler_info()["workers"])
    try:
        return xgb_dask.train(client, params, dtrain, num_boost_round, evals=list(evals),
                              obj=Objective(loss, targets, renewal, worker),
                              custom_metric=Metric(loss, extra_metrics, targets, renewal,
                                                   worker),
                              callbacks=callbacks, xgb_model=xgb_model, **kwargs)
    except Exception as error:
        lost = _lost_workers(client, workers)
        if lost:
            raise RuntimeError(
                f"{caller}: worker(s) {sorted(lost)} left the cluster during training, so "
                "the other workers' collective failed and no model was trained. Build the "
                "DaskDMatrix again (the lost workers' partitions are gone) and train "
                "again.") from error
        raise


class _StartObjective:
    """The objective of ``start_over_workers``' one round: the start, then no step."""

    def __init__(self, loss, worker):
        self.loss, self.worker = loss, worker
        self._targets = CheckedTargets(loss, _fetch)

    def __call__(self, predictions, dtrain):
        with self.worker.reducing():
            self.worker.start_of(self._targets(dtrain), dtrain)
        predictions = np.asarray(predictions)
        return np.zeros(predictions.shape, np.float32), np.ones(predictions.shape, np.float32)


def start_over_workers(client, loss, label, weight=None, n_classes=None):
    """``loss``'s start over every partition of the dask collections ``label`` (and
    ``weight``), computed on the workers that hold them, equal to one process's.

    LightGBM gives Python no all-reduce, so ``boostobj.lightgbm``'s dask estimators find
    their start this way: one XGBoost round on the labels alone (a one-column DaskDMatrix),
    whose objective computes the start through ``xgboost.collective`` and takes no step.
    Returns a float, or a (K,) array for a multiclass loss (``n_classes`` K).
    """
    from xgboost import dask as xgb_dask

    loss = get_loss(loss)
    column = label.to_frame() if hasattr(label, "to_frame") else label.reshape(-1, 1)
    dmatrix = xgb_dask.DaskDMatrix(client, column, label, weight=weight)
    worker = _WorkerTraining(loss, None, n_classes, True)
    params = {"objective": "reg:squarederror", "base_score": 0.0, "max_depth": 1,
              "disable_default_eval_metric": 1, "nthread": 1}
    if n_classes:
        params.update(objective="multi:softprob", num_class=n_classes)
        params.pop("base_score")
    booster = xgb_dask.train(client, params, dmatrix, 1, obj=_StartObjective(loss, worker),
                             callbacks=[worker], verbose_eval=False)["booster"]
    start = np.asarray(json.loads(booster.attr("boostobj_start")), dtype=np.float64)
    return float(start) if start.ndim == 0 else start


def _lost_workers(client, workers, wait=3.0):
    """Those of ``workers`` the scheduler no longer has, waiting up to ``wait`` seconds for
    it to notice a death (a peer's failed all-reduce can arrive first)."""
    deadline = time.monotonic() + wait
    while True:
        lost = workers - set(client.scheduler_info()["workers"])
        if lost or time.monotonic() > deadline:
            return lost
        time.sleep(0.1)


def _early_stopping(loss, rounds, evals, stopping_metric, extra_metrics):
    """XGBoost's early stopping on the loss's metric (or ``stopping_metric``), as a list."""
    if not rounds:
        return []
    if not evals:
        raise ValueError(f"{loss.name}: early_stopping_rounds needs at least one set in evals.")
    name = stopping_metric_of(loss, stopping_metric, extra_metrics)
    return [xgb.callback.EarlyStopping(rounds=rounds, metric_name=name,
                                       maximize=higher_is_better(name), save_best=True)]


def _as_booster(model):
    if isinstance(model, xgb.Booster):
        return model
    if isinstance(model, xgb.XGBModel):
        return model.get_booster()
    booster = xgb.Booster()
    booster.load_model(model)
    return booster


# --- the scikit-learn estimators -----------------------------------------------------------



def _fit(estimator, parent_fit, classifier, X, y, *, sample_weight=None, base_margin=None,
         eval_set=None, xgb_model=None, **fit_params):
    """The drop-in estimators' ``fit``: the parent's, given the loss's objective, start,
    metric and renewal for the duration of the call."""
    caller = f"boostobj.xgboost.{type(estimator).__name__}.fit"
    if y is None:
        raise ValueError(f"{caller}: requires y to be passed, but the target y is None.")
    loss = estimator_loss(estimator.loss, classifier, caller, y)
    default_objective = "binary:logistic" if classifier else "reg:squarederror"
    if estimator.objective not in (None, default_objective):
        raise ValueError(f"{caller}: objective={estimator.objective!r}; the objective is set "
                         "from loss: pass loss=... instead.")
    params = estimator.get_xgb_params()
    renewal = None
    if not classifier and renews_leaves(loss, estimator.renew_leaves, caller):
        renewal = _XGBoostRenewal(loss)
    _check_modes(caller, loss, params, renewal)
    eval_set = list(eval_set or [])
    labels, eval_labels, n_classes = y, [eval_y for _, eval_y in eval_set], None
    if classifier:
        classes, labels, n_classes = encode_classes(loss, y, caller)
        eval_labels = [encode_like(classes, eval_y, caller) for eval_y in eval_labels]
    # What XGBoost's estimators train a custom objective as, and so how base_score reads.
    training_objective = ("multi:softprob" if n_classes and n_classes > 2 else
                          "binary:logistic" if classifier else "reg:squarederror")
    metric = SklearnMetric(loss)
    eval_metric = _eval_metrics(caller, loss, estimator.eval_metric, metric, renewal,
                                training_objective)
    base_score = estimator.base_score
    if base_score is None and base_margin is None:
        if xgb_model is not None:
            margin = xgboost_model.base_margin(_as_booster(xgb_model))
        else:
            margin = loss_start(loss, labels, sample_weight, n_classes)
            if renewal is not None:
                renewal.start = margin
        base_score = xgboost_model.from_margin(training_objective, margin)
        base_score = float(base_score) if np.ndim(base_score) == 0 else [float(v) for v in
                                                                         base_score]
    objective = SklearnObjective(loss)
    state = {"_threads": thread_count(first_param(params, _THREAD_KEYS)), "_fit_targets": {}}
    callbacks = estimator.callbacks
    if renewal is not None:
        n_rows = renewal.add_estimator_sets(X, y, eval_set, _lookup_dmatrix(estimator))
        state.update(_renewal=renewal, _order=EvaluationOrder(
            xgboost_model.evaluation_order(eval_set, X, y), n_rows, "XGBoost"))
        callbacks = [renewal] + list(callbacks or [])
    fit_set = [(eval_X, eval_y) for (eval_X, _), eval_y in zip(eval_set, eval_labels,
                                                               strict=True)]
    saved = {name: getattr(estimator, name) for name in ("objective", "eval_metric",
                                                          "base_score", "callbacks")}
    try:
        vars(estimator).update(objective=objective, eval_metric=eval_metric,
                               base_score=base_score, callbacks=callbacks)
        if not isinstance(eval_metric, list):  # the loss's metric alone
            estimator._boostobj_fit_params = {"disable_default_eval_metric": 1}
        if classifier:
            estimator._boostobj_classes = None
        with attached([objective, metric], **state):
            parent_fit(X, labels, sample_weight=sample_weight, base_margin=base_margin,
                       eval_set=fit_set or None, xgb_model=xgb_model, **fit_params)
    finally:
        vars(estimator).update(saved)
        vars(estimator).pop("_boostobj_fit_params", None)
    booster = estimator.get_booster()
    if renewal is not None:
        booster = renewal.apply(booster)
    link_objective = _LINK_OBJECTIVES.get(loss.link.name)
    if not classifier and link_objective != training_objective:
        booster = xgboost_model.with_objective(booster, link_objective)
    xgboost_model.set_fitted_booster(estimator, booster)
    estimator.loss_ = loss
    if classifier:
        estimator._boostobj_classes = classes
    return estimator


def _eval_metrics(caller, loss, eval_metric, metric, renewal, training_objective):
    """The loss's metric, after the user's built-in ones where those see correct scores."""
    if eval_metric is None:
        return metric
    given = [eval_metric] if isinstance(eval_metric, str) or callable(eval_metric) \
        else list(eval_metric)
    if any(callable(item) for item in given):
        refuse(caller, loss, "a callable eval_metric", "XGBoost takes one custom metric, "
               "and the loss's own is it", "evaluate other metrics on predict's output")
    link = {"reg:squarederror": "identity", "binary:logistic": "logit",
            "multi:softprob": "softmax"}[training_objective]
    if renewal is not None or loss.link.name != link:
        why = ("XGBoost's built-in metrics would not see the renewed leaves" if renewal
               else f"XGBoost's built-in metrics would see {link} scores where the loss's "
                    f"link is {loss.link.name}")
        refuse(caller, loss, f"eval_metric={eval_metric!r}", why, "the loss's own metric is "
               "reported; evaluate others on predict's output")
    return [*given, metric]


def _lookup_dmatrix(estimator):
    """A function making the DMatrix of features that renewal looks leaves up in."""
    def dmatrix(features):
        return xgb.DMatrix(features, missing=estimator.missing,
                           enable_categorical=estimator.enable_categorical,
                           feature_types=estimator.feature_types)
    return dmatrix


def _xgb_params(estimator, params):
    """The booster's parameters of a drop-in estimator: without boostobj's own, with what
    ``fit`` sets for its duration."""
    params.update(estimator.__dict__.get("_boostobj_fit_params", {}))
    for name in ESTIMATOR_PARAMS:
        params.pop(name, None)
    return params


class XGBRegressor(xgb.XGBRegressor):
    __doc__ = estimator_doc("""``xgboost.XGBRegressor`` trained on a boostobj loss.

    ``fit`` starts from the loss's init score (the model's ``base_score``), renews leaves
    where the loss asks, and reports the loss's metric on ``eval_set`` (``evals_result()``;
    ``early_stopping_rounds`` follows it). ``predict`` is on the response scale: a log-link
    loss (poisson, gamma, tweedie) records ``reg:gamma`` in the model, so the saved model
    predicts the same with plain XGBoost. ``xgb_model=`` continues training: the loaded
    model's intercept is kept and only the new trees are renewed.""")

    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_xgb_params(self):
        return _xgb_params(self, super().get_xgb_params())

    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None, verbose=True,
            xgb_model=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None):
        return _fit(self, super().fit, False, X, y, sample_weight=sample_weight,
                    base_margin=base_margin, eval_set=eval_set, verbose=verbose,
                    xgb_model=xgb_model, sample_weight_eval_set=sample_weight_eval_set,
                    base_margin_eval_set=base_margin_eval_set, feature_weights=feature_weights)


class XGBClassifier(xgb.XGBClassifier):
    __doc__ = estimator_doc("""``xgboost.XGBClassifier`` trained on a boostobj classification loss.

    Takes any class labels (strings, ±1, {{3, 7}}, ...): ``classes_`` holds them sorted and
    ``predict`` returns them. A binary loss needs two classes, a multiclass loss (softmax,
    softmax_focal) more. ``predict_proba`` is the loss's probability: σ(f) for logistic,
    focal and weighted_logistic, σ(2f) for exponential, softmax for the multiclass losses;
    for hinge and squared_hinge, which have none, σ(margin), a score. The model records
    ``binary:logistic`` / ``multi:softprob``, so plain XGBoost gives the same probabilities
    except for exponential (σ(f) there).""")

    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_xgb_params(self):
        return _xgb_params(self, super().get_xgb_params())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A boostobj classification loss has one label per row: no multilabel targets.
        tags.classifier_tags.multi_label = False
        return tags

    @property
    def classes_(self):
        classes = self.__dict__.get("_boostobj_classes")
        return np.arange(self.n_classes_) if classes is None else classes

    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None, verbose=True,
            xgb_model=None, sample_weight_eval_set=None, base_margin_eval_set=None,
            feature_weights=None):
        if self.renew_leaves:
            raise ValueError(f"boostobj.xgboost.XGBClassifier.fit: renew_leaves="
                             f"{self.renew_leaves!r}; leaf renewal is for regression losses.")
        return _fit(self, super().fit, True, X, y, sample_weight=sample_weight,
                    base_margin=base_margin, eval_set=eval_set, verbose=verbose,
                    xgb_model=xgb_model, sample_weight_eval_set=sample_weight_eval_set,
                    base_margin_eval_set=base_margin_eval_set, feature_weights=feature_weights)

    def predict_proba(self, X, validate_features=True, base_margin=None, iteration_range=None):
        margin = super().predict(X, output_margin=True, validate_features=validate_features,
                                 base_margin=base_margin, iteration_range=iteration_range)
        return _probabilities(self.loss_, margin)

    def predict(self, X, *, output_margin=False, validate_features=True, base_margin=None,
                iteration_range=None):
        if output_margin:
            return super().predict(X, output_margin=True, validate_features=validate_features,
                                   base_margin=base_margin, iteration_range=iteration_range)
        probability = self.predict_proba(X, validate_features=validate_features,
                                         base_margin=base_margin,
                                         iteration_range=iteration_range)
        return self.classes_[np.argmax(probability, axis=1)]


_DASK_ESTIMATORS = ("DaskXGBRegressor", "DaskXGBClassifier", "DaskXGBRanker")


def __getattr__(name):
    # The dask estimators subclass xgboost.dask's, which import dask: only on first use.
    if name in _DASK_ESTIMATORS:
        from . import _xgboost_dask

        return getattr(_xgboost_dask, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _probabilities(loss, margin):
    """(n, K) class probabilities of a classification loss from the model's margins."""
    margin = np.asarray(margin, dtype=np.float64)
    if margin.ndim == 2 and margin.shape[1] > 1:
        return loss.predict(margin)
    margin = margin.reshape(-1)
    positive = expit(margin) if loss.link.name == "sign" else loss.predict(margin)
    return np.column_stack([1.0 - positive, positive])



class XGBRanker(xgb.XGBRanker):
    __doc__ = estimator_doc("""``xgboost.XGBRanker`` trained on a boostobj ranking loss.

    XGBoost's own ranker refuses a callable objective; this one trains the loss through
    ``boostobj.xgboost.train`` on the DMatrix XGBoost's ranker would build:
    ``fit(X, y, group=|qid=, sample_weight=, eval_set=, eval_group=|eval_qid=)`` as
    XGBoost's (a ``qid`` column of a DataFrame counts as ``qid``; weights are one per
    group). The loss's metric is reported on ``eval_set`` (``evals_result()``) after
    XGBoost's own ranking metrics where ``eval_metric`` names them ("ndcg@5", "map@5":
    they see the model's scores, since a ranking loss starts from 0);
    ``early_stopping_rounds`` follows the loss's metric. ``predict`` gives the scores.
    ``loss=None`` is ``listwise_softmax``.""")

    # The regressor's methods again: XGBoost's get_params walks each class's first base,
    # so a mixin placed first cannot carry them.
    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_xgb_params(self):
        return _xgb_params(self, super().get_xgb_params())

    def fit(self, X, y, *, group=None, qid=None, sample_weight=None, base_margin=None,
            eval_set=None, eval_group=None, eval_qid=None, verbose=False, xgb_model=None,
            sample_weight_eval_set=None, base_margin_eval_set=None, feature_weights=None):
        caller = "boostobj.xgboost.XGBRanker.fit"
        if y is None:
            raise ValueError(f"{caller}: requires y to be passed, but the target y is None.")
        loss = estimator_loss(self.loss, False, caller, y, ranker=True)
        renews_leaves(loss, self.renew_leaves, caller)  # refuses renew_leaves=True
        if self.objective not in (None, "rank:ndcg"):
            raise ValueError(f"{caller}: objective={self.objective!r}; the objective is set "
                             "from loss: pass loss=... instead.")
        params = self.get_xgb_params()
        params.pop("objective", None)
        if callable(self.eval_metric) or (isinstance(self.eval_metric, (list, tuple)) and
                                          any(callable(item) for item in self.eval_metric)):
            refuse(caller, loss, "a callable eval_metric", "XGBoost takes one custom metric, "
                   "and the loss's own is it", "pass XGBoost's metric names (ndcg@5, map@5)")
        if self.eval_metric is not None:
            params["eval_metric"] = self.eval_metric
        dtrain = self._ranking_dmatrix(X, y, group, qid, sample_weight, base_margin, caller)
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
                eval_X, eval_y, group_i, qid_i, weight_i, margin_i, caller)
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

    def _ranking_dmatrix(self, X, y, group, qid, weight, base_margin, caller):
        """The DMatrix XGBoost's ranker builds: groups from ``group``, ``qid`` or a ``qid``
        column of a DataFrame."""
        if hasattr(X, "columns") and "qid" in X.columns:
            if qid is not None:
                raise ValueError(f"{caller}: both a qid column in X and qid= were given.")
            qid, X = X["qid"], X.drop(columns="qid")
        if group is None and qid is None:
            raise ValueError(f"{caller}: a ranker needs query groups: pass group= (the size "
                             "of each group) or qid= (a query id per row, rows of a query "
                             "contiguous) for X and each eval_set entry.")
        groups = Groups.from_qid(np.asarray(qid), caller) if qid is not None else \
            Groups.from_sizes(group, caller=caller)  # contiguous, else a clear error
        if weight is not None and np.size(weight) != groups.n_groups:
            raise ValueError(f"{caller}: sample_weight has {np.size(weight)} values for "
                             f"{groups.n_groups} query groups; XGBoost's rankers take one "
                             "weight per group.")
        return xgb.DMatrix(X, label=y, group=group, qid=qid, weight=weight,
                           base_margin=base_margin, missing=self.missing,
                           enable_categorical=self.enable_categorical,
                           feature_types=self.feature_types, nthread=self.n_jobs)
