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

With a custom objective LightGBM passes raw scores to the objective and the metric ((n, K) for
multiclass losses). ``LGBMRegressor.predict`` returns raw scores: apply ``loss.predict`` for
the response scale; ``fit`` makes ``LGBMClassifier`` return probabilities and classes.

Soft labels (``soft_label``, ``kl_divergence``): LightGBM keeps one label per row, so build
the Dataset with ``soft_label_dataset(X, probabilities)``.

Leaf renewal (losses with ``renews_leaves``: quantile, absolute_error, huber, ...): ``train``
and ``fit`` re-fit each new tree's leaves to the loss's exact minimiser (see
``_LightGBMRenewal``); the plain ``objective``/``sklearn_objective`` callables cannot, as
LightGBM gives them no access to the tree they feed.
"""

from __future__ import annotations

import ctypes
import re
import weakref

import lightgbm as lgb
import numpy as np

from ._adapter import (
    CheckedTargets,
    LeafRenewal,
    SklearnMetricBase,
    SklearnObjectiveBase,
    renewal_attached,
    renews_leaves,
    sklearn_start,
)
from .losses import get_loss
from .metrics import LossMetrics

# The built-in objective whose output conversion is the loss's inverse link. ``train`` writes
# it into the model so plain LightGBM predicts on the response scale (``{K}``: the number of
# classes). Identity and sign need none: those models give raw scores.
_LINK_OBJECTIVES = {
    "log": "poisson",
    "logit": "binary sigmoid:1",
    "half_logit": "binary sigmoid:2",
    "softmax": "multiclass num_class:{K}",
}
_NUM_CLASS_KEYS = ("num_class", "num_classes")
_OBJECTIVE_KEYS = ("objective", "objective_type", "app", "application", "loss")
_METRIC_KEYS = ("metric", "metrics", "metric_types")


def _field(dataset, name):
    # Before construction a Dataset holds what it was given; get_field would raise.
    value = getattr(dataset, name, None)
    if value is None and getattr(dataset, "_handle", None) is not None:
        value = dataset.get_field(name)
    return value


# Soft labels of each Dataset (LightGBM keeps one label per row), weakly keyed.
_SOFT_LABELS = weakref.WeakKeyDictionary()


def soft_label_dataset(data, probabilities, **dataset_params):
    """An ``lgb.Dataset`` whose targets are an (n, K) matrix of class probabilities.

    LightGBM stores one label per row, so the Dataset gets the most probable class as its
    label (what LightGBM's own checks and metrics see) and boostobj keeps the matrix beside
    it: ``soft_label`` and ``kl_divergence`` objectives and metrics read the matrix for this
    Dataset. Pass validation sets the same way (with ``reference=train_set``).
    Other keyword arguments go to ``lgb.Dataset``.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2:
        raise ValueError("soft_label_dataset: probabilities must be an (n, K) matrix, got "
                         f"shape {probabilities.shape}.")
    if "label" in dataset_params:
        raise ValueError("soft_label_dataset: the label is set from probabilities; do not "
                         "pass label.")
    dataset = lgb.Dataset(data, label=np.argmax(probabilities, axis=1), **dataset_params)
    _SOFT_LABELS[dataset] = probabilities
    return dataset


def _fetch(dataset):
    labels = _SOFT_LABELS.get(dataset)
    if labels is None:
        labels = _field(dataset, "label")
    return labels, _field(dataset, "weight")


_LEARNING_RATE_KEYS = ("learning_rate", "shrinkage_rate", "eta")


class _LightGBMRenewal(LeafRenewal):
    """Leaf renewal for LightGBM (the bookkeeping is ``LeafRenewal``'s).

    ``Booster.set_leaf_output`` writes a renewed value into the model at once, but LightGBM's
    training and validation scores were already updated with the tree's own values, so the
    objective and metric add the corrections. Each row's leaf in the newest tree comes from
    ``predict(pred_leaf=True)`` for that one iteration on the dataset's raw data (``train``
    keeps it: ``free_raw_data=False``).
    """

    _keeps_scores = True
    _training = False  # whether the booster still holds its training scores

    def before_iteration(self, env):
        self.booster = env.model
        self._training = True

    before_iteration.before_iteration = True
    before_iteration.order = 0

    def after_iteration(self, env):
        # Renew now, while the booster has its training scores: lgb.train frees them at the
        # end, and the objective would otherwise renew the tree only at the next call.
        self.flush()

    after_iteration.order = 0

    @property
    def callbacks(self):
        return [self.before_iteration, self.after_iteration]

    def finish(self):
        """Renew the last tree if it has not been, after training."""
        self._training = False
        self.flush()

    def _newest_tree(self):
        return self.booster.num_trees() - 1

    def _leaves(self, data, tree):
        leaves = self.booster.predict(data, pred_leaf=True, start_iteration=tree,
                                      num_iteration=1)
        return np.asarray(leaves, dtype=np.intp).reshape(-1)

    def _training_leaves(self, data, tree, scores_before):
        """The training rows' leaves, read off the change of LightGBM's training scores.

        LightGBM added the tree's value at each row's leaf to its training scores, so the
        change since the objective's last call names the leaf, up to rounding, wherever the
        tree's leaf values differ. Only the rows of leaves that share a value (frequent for
        pinball and L1, whose gradients take two values) go through ``predict(pred_leaf)``;
        all rows do when a change matches no leaf (a linear tree, say).
        """
        scores_after = self._training_scores(scores_before.size) if self._training else None
        if scores_after is None:
            return self._leaves(data, tree)
        values = np.asarray(self._leaf_outputs(tree, range(self._num_leaves(tree))))
        order = np.argsort(values)
        sorted_values = values[order]
        change = np.subtract(scores_after, scores_before, out=scores_after)
        # (a + v) - a is v within a few units in the last place of a + v.
        largest = max(-np.min(scores_before), np.max(scores_before)) + np.max(np.abs(values))
        tolerance = 16 * np.finfo(np.float64).eps * largest
        position = _nearest(sorted_values, change, tolerance)
        error = np.subtract(change, sorted_values[position], out=change)
        if max(-np.min(error), np.max(error)) > 3 * tolerance:  # 1, + 2 for shared values
            return self._leaves(data, tree)
        leaf = order[position]
        close = np.diff(sorted_values) <= 2 * tolerance
        if np.any(close):
            shared = np.zeros(values.size, dtype=bool)
            shared[:-1] |= close
            shared[1:] |= close
            rows = np.flatnonzero(shared[position])
            subset = _take_rows(data, rows)
            if subset is None:
                return self._leaves(data, tree)
            leaf[rows] = self._leaves(subset, tree)
        return leaf

    def _training_scores(self, n_rows):
        # Booster.__inner_predict(0), which the objective is given, without its cache flag.
        scores = np.empty(n_rows, dtype=np.float64)
        length = ctypes.c_int64(0)
        try:
            lgb.basic._safe_call(lgb.basic._LIB.LGBM_BoosterGetPredict(
                self.booster._handle, ctypes.c_int(0), ctypes.byref(length),
                scores.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        except AttributeError:  # a LightGBM without these internals
            return None
        return scores if length.value == n_rows else None

    def _num_leaves(self, tree):
        text = self.booster.model_to_string(start_iteration=tree, num_iteration=1)
        return int(re.search(r"^num_leaves=(\d+)$", text, re.MULTILINE).group(1))

    def _leaf_outputs(self, tree, ids):
        return [self.booster.get_leaf_output(tree, int(leaf)) for leaf in ids]

    def _set_leaf_outputs(self, tree, ids, values):
        for leaf, value in zip(ids, values, strict=True):
            self.booster.set_leaf_output(tree, int(leaf), float(value))

    def _learning_rate(self):
        params = self.booster.params
        return float(next((params[key] for key in _LEARNING_RATE_KEYS if key in params), 0.1))


# Cells of the lookup table in _nearest, at most (int32).
_MAX_CELLS = 1 << 18


def _nearest(sorted_values, x, tolerance):
    """Index of the value of ``sorted_values`` nearest each x (which lie within
    ``tolerance`` of one of them, or the caller finds out).

    A binary search per row costs more than the rest of a renewal, so where the values are
    far apart compared with the tolerance, a table over cells of a quarter of the smallest
    gap looks them up: each value owns its cell and the two beside it. Values within
    2 x ``tolerance`` of each other are not told apart (the caller looks those rows up).
    """
    gaps = np.diff(sorted_values)
    distinct = gaps[gaps > 2 * tolerance]  # values closer than that share a leaf lookup
    if distinct.size == 0:
        return np.zeros(x.shape, dtype=np.intp)
    cell = distinct.min() / 4
    n_cells = int((sorted_values[-1] - sorted_values[0]) / cell) + 4
    if tolerance < cell / 8 and n_cells <= _MAX_CELLS:
        origin = sorted_values[0] - 1.5 * cell
        table = np.zeros(n_cells, dtype=np.int32)
        owned = ((sorted_values - origin) / cell).astype(np.intp)
        for offset in (-1, 0, 1):
            table[owned + offset] = np.arange(sorted_values.size)
        index = np.subtract(x, origin)
        index /= cell
        np.clip(index, 0, n_cells - 1, out=index)
        return table[index.astype(np.intp)]
    return np.searchsorted((sorted_values[1:] + sorted_values[:-1]) / 2, x)


def _take_rows(data, rows):
    """``data[rows]`` for an array, sparse matrix or DataFrame; None for other inputs."""
    if hasattr(data, "iloc"):
        return data.iloc[rows]
    if isinstance(data, np.ndarray) or hasattr(data, "tocsr"):
        return data[rows]
    return None


def _raw_data(loss, dataset, caller):
    """The features of ``dataset``, kept for leaf lookups (LightGBM frees them by default)."""
    data = getattr(dataset, "data", None)
    if data is None or isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        raise ValueError(f"{caller}: leaf renewal for {loss.name} needs each Dataset's features "
                         "in memory: build it from an array or DataFrame and pass it "
                         "unconstructed (or with free_raw_data=False); or pass "
                         "renew_leaves=False.")
    dataset.free_raw_data = False
    return data


class Objective:
    """``params["objective"]`` for ``lgb.train``: ``(predictions, train_set) -> (grad, hess)``.

    ``start`` is added to LightGBM's raw scores: ``train`` starts from the init score this
    way instead of writing an ``init_score`` into the user's ``Dataset``.
    """

    def __init__(self, loss, start=0.0, _targets=None, _renewal=None):
        self.loss = get_loss(loss)
        self.start = start if np.ndim(start) else float(start)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)
        self._renewal = _renewal

    def __call__(self, predictions, train_set):
        targets = self._targets(train_set)
        if self._renewal is None:
            return targets.gradient_hessian(targets.raw_score(predictions, self.start))
        return targets.gradient_hessian(self._renewal.training_raw_score(
            id(train_set), targets, predictions, self.start))


class Metric:
    """``feval=`` for ``lgb.train``: ``(predictions, dataset) -> (name, value, False)``.

    With extra metrics (``squared_error`` adds ``rmse``) it returns a list, the loss's own
    first, which is the one ``train``'s early stopping follows.
    """

    def __init__(self, loss, extra_metrics=None, start=0.0, _targets=None, _renewal=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self.start = start if np.ndim(start) else float(start)
        self._targets = _targets or CheckedTargets(self.loss, _fetch)
        self._renewal = _renewal

    def __call__(self, predictions, dataset):
        targets = self._targets(dataset)
        start = self.start
        if self._renewal is not None:
            start = start + self._renewal.evaluation_correction(id(dataset))
        raw = targets.raw_score(predictions, start)
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
    """Add a constant to every leaf of the first iteration: every prediction moves by ``value``.

    ``value`` is a number, or one number per class for a multiclass model (whose first
    iteration holds one tree per class). This is how LightGBM itself stores
    ``boost_from_average``; it makes a start that was given outside the model part of it.
    """
    if booster.num_trees() == 0:
        raise ValueError("the booster has no trees to hold the init score.")
    values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    trees = booster.dump_model(num_iteration=1)["tree_info"]
    if len(trees) != values.size:
        raise ValueError(f"the first iteration has {len(trees)} trees for {values.size} "
                         "start values.")
    for tree, start in enumerate(values):
        for leaf in range(trees[tree]["num_leaves"]):
            booster.set_leaf_output(tree, leaf, booster.get_leaf_output(tree, leaf) + start)


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
          early_stopping_rounds=None, extra_metrics=None, callbacks=None, renew_leaves=None,
          **kwargs):
    """``lgb.train`` with a boostobj loss, returning an ``lgb.Booster``.

    - starts from ``loss.init_score`` unless ``train_set`` has its own ``init_score``, and
      adds that start to the first tree, so the model needs no ``init_score`` to predict;
    - for a non-identity link, names a built-in objective with that inverse link in the model
      (``poisson`` for the log link), so the booster and its saved model predict on the
      response scale with plain LightGBM;
    - turns LightGBM's metrics off and reports the loss's metric (plus ``extra_metrics``,
      default ``loss.extra_metrics``) on every set in ``valid_sets``;
    - with ``early_stopping_rounds``, stops when the loss's metric has not decreased for that
      many rounds; the booster's ``best_iteration`` is used by ``predict`` and ``save_model``;
    - renews each tree's leaves to the loss's exact minimiser when ``renew_leaves`` (default:
      ``loss.renews_leaves``); the Datasets must then hold their features in memory.

    Other keyword arguments go to ``lgb.train``.
    """
    caller = "boostobj.lightgbm.train"
    loss = get_loss(loss)
    renewal = _LightGBMRenewal(loss) if renews_leaves(loss, renew_leaves, caller) else None
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
    n_classes = None
    if train_targets.multiclass:
        given = [params.pop(key) for key in _NUM_CLASS_KEYS if key in params]
        n_classes = train_targets.n_classes(given[0] if given else None)
        params["num_class"] = n_classes
    if _field(train_set, "init_score") is not None:
        start = np.zeros(n_classes) if n_classes else 0.0
    else:
        start = train_targets.init_score(n_classes)
    params["objective"] = Objective(loss, start, targets, renewal)
    params["metric"] = "None"
    callbacks = list(callbacks or [])
    if renewal is not None:
        for dataset in [train_set, *valid_sets]:
            renewal.add_dataset(id(dataset), _raw_data(loss, dataset, caller),
                                targets(dataset).n_rows)
        callbacks += renewal.callbacks
    if early_stopping_rounds:
        if not valid_sets:
            raise ValueError(f"{loss.name}: early_stopping_rounds needs at least one set "
                             "in valid_sets.")
        callbacks.append(lgb.early_stopping(early_stopping_rounds, first_metric_only=True,
                                            verbose=False))
    booster = lgb.train(params, train_set, num_boost_round, valid_sets=valid_sets,
                        valid_names=valid_names,
                        feval=Metric(loss, extra_metrics, start, targets, renewal),
                        callbacks=callbacks, **kwargs)
    if renewal is not None:
        renewal.finish()  # the last tree
    if np.any(start):
        add_to_first_iteration(booster, start)
    link_objective = _LINK_OBJECTIVES.get(loss.link.name)
    if link_objective is None:
        return booster
    return _with_output_link(booster, link_objective.format(K=n_classes))


def fit(estimator, X, y, *, sample_weight=None, renew_leaves=None, **fit_params):
    """Fit a LightGBM scikit-learn estimator built with ``sklearn_objective(loss)``.

    Passes the loss's init score as ``init_score`` (and ``eval_init_score`` for evaluation
    sets given as ``eval_set`` or ``eval_X``/``eval_y``) to ``estimator.fit``, then adds the
    start to the first iteration, so ``predict`` and the saved model include it. With leaf
    renewal (``renew_leaves``, default ``loss.renews_leaves``) the fitted model holds the
    renewed leaves and ``sklearn_metric`` values on the evaluation sets include them.

    - ``LGBMRegressor``: ``predict`` returns raw scores; ``loss.predict`` of them is the
      prediction on the response scale.
    - ``LGBMClassifier`` (a classification loss): LightGBM would return raw scores from
      ``predict_proba`` and ``predict`` with a custom objective. The fitted model gets the
      built-in output link of the loss (``binary sigmoid:1``, ``binary sigmoid:2`` for
      ``exponential``, ``multiclass``), so ``predict_proba`` gives probabilities and
      ``predict`` the classes. For ``hinge`` and ``squared_hinge`` ``predict_proba`` is
      σ(margin), a score rather than a probability.
    """
    caller = "boostobj.lightgbm.fit"
    start, n_classes = sklearn_start(estimator, SklearnObjective, caller, y, sample_weight,
                                     classifier=isinstance(estimator, lgb.LGBMClassifier))

    def init_score(n_rows):
        return np.tile(start, (n_rows, 1)) if np.ndim(start) else np.full(n_rows, start)

    if fit_params.get("eval_set") is not None:
        eval_sets = list(fit_params["eval_set"])
    elif fit_params.get("eval_y") is not None:
        eval_X, eval_y = fit_params.get("eval_X"), fit_params["eval_y"]
        if not isinstance(eval_y, (tuple, list)):
            eval_X, eval_y = [eval_X], [eval_y]
        eval_sets = list(zip(eval_X, eval_y, strict=True))
    else:
        eval_sets = []
    if eval_sets:
        fit_params["eval_init_score"] = [init_score(len(target)) for _, target in eval_sets]
    loss = estimator.objective.loss
    renewal = None
    if n_classes is None and renews_leaves(loss, renew_leaves, caller):
        renewal = _LightGBMRenewal(loss)
        renewal.add_dataset("train", X, len(y))
        for index, (eval_X, eval_y) in enumerate(eval_sets):
            renewal.add_dataset(("eval", index), eval_X, len(eval_y), labels=eval_y)
        fit_params["callbacks"] = list(fit_params.get("callbacks") or []) + renewal.callbacks
    with renewal_attached(renewal, estimator.objective, fit_params.get("eval_metric")):
        estimator.fit(X, y, sample_weight=sample_weight, init_score=init_score(len(y)),
                      **fit_params)
    if renewal is not None:
        renewal.finish()  # the last tree, before the start joins the first one
    add_to_first_iteration(estimator.booster_, start)
    if n_classes is not None:
        link = _LINK_OBJECTIVES.get(estimator.objective.loss.link.name, "binary sigmoid:1")
        # LGBMClassifier decides from its private _objective whether to convert raw scores;
        # with the link in the model and a built-in name there it does.
        estimator._Booster = _with_output_link(estimator.booster_, link.format(K=n_classes))
        estimator._objective = "multiclass" if n_classes > 2 else "binary"
    return estimator
