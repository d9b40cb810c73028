"""LightGBM adapters: one loss, every signature LightGBM accepts.

- ``LGBMRegressor(loss=...)`` / ``LGBMClassifier(loss=...)``: LightGBM's own estimators with
  one more parameter. ``fit`` starts from the loss's init score and folds it into the model,
  renews leaves where the loss asks, reports the loss's metric on the evaluation sets (and
  stops early on it); ``predict`` is on the response scale, ``predict_proba`` gives
  probabilities.
- ``LGBMRanker(loss=...)``: LightGBM's ranker with a ranking loss (``fit(X, y, group=...)``).
- ``train(loss, params, train_set, ...)``: ``lgb.train`` with all of that, returning a
  Booster that predicts on the response scale with plain LightGBM. A ranking loss reads the
  Dataset's query groups (``group=``).
- ``objective(loss)`` / ``metric(loss)``: the bare ``params["objective"]`` / ``feval=``
  callables (raw scores in, no start, no renewal); ``sklearn_objective`` / ``sklearn_metric``:
  the same for LightGBM's estimators' ``objective=`` / ``eval_metric=``.

With a custom objective LightGBM passes raw scores to the objective and the metric ((n, K)
for multiclass losses). Soft labels (``soft_label``, ``kl_divergence``): LightGBM keeps one
label per row, so build the Dataset with ``soft_label_dataset(X, probabilities)``.

Booster modes: ``gbdt``, ``goss``, ``extra_trees``, ``linear_tree`` and bagging
train with every loss; ``rf`` cannot take a custom objective and ``dart`` gives models that
disagree with their own reported metrics with one (LightGBM's own limits): both are
refused, and so is leaf renewal with ``linear_tree`` (its leaves are regressions).
Continued training (``init_model=``) keeps the loaded model's start and renews only the new
trees.
"""

from __future__ import annotations

import contextlib
import weakref

import lightgbm as lgb
import numpy as np

from ._boosters import lightgbm_model
from ._boosters.common import (
    ESTIMATOR_PARAMS,
    CheckedTargets,
    EvaluationOrder,
    LeafRenewal,
    SklearnMetricBase,
    SklearnObjectiveBase,
    attached,
    encode_classes,
    estimator_doc,
    estimator_loss,
    first_param,
    loss_start,
    refuse,
    renews_leaves,
    stopping_metric_of,
    thread_count,
)
from .losses import get_loss
from .metrics import LossMetrics, higher_is_better

# The built-in objective whose output conversion is the loss's inverse link. ``train`` writes
# it into the model so plain LightGBM predicts on the response scale (``{K}``: the number of
# classes). Identity needs none: those models give raw scores. A margin loss (sign link)
# gets σ in a classifier, as a score.
_LINK_OBJECTIVES = {
    "log": "poisson",
    "logit": "binary sigmoid:1",
    "half_logit": "binary sigmoid:2",
    "sign": "binary sigmoid:1",
    "softmax": "multiclass num_class:{K}",
}
# LightGBM's aliases of the parameters boostobj looks at.
_NUM_CLASS_KEYS = ("num_class", "num_classes")
_OBJECTIVE_KEYS = ("objective", "objective_type", "app", "application", "loss")
_METRIC_KEYS = ("metric", "metrics", "metric_types")
_BOOSTING_KEYS = ("boosting", "boosting_type", "boost")
_LINEAR_TREE_KEYS = ("linear_tree", "linear_trees")
_THREAD_KEYS = ("num_threads", "num_thread", "nthread", "nthreads", "n_jobs")
_LEARNING_RATE_KEYS = ("learning_rate", "shrinkage_rate", "eta")

# boostobj losses and the built-in parameters that train the same loss (the parity tests
# train both and compare the models). LightGBM's poisson inflates the hessian to
# e^(f + poisson_max_delta_step), default 0.7, and insists the step is > 0: 1e-12 makes it
# the plain Poisson loss.
BUILTIN_TWINS = {
    "squared_error": {"objective": "regression"},
    "poisson": {"objective": "poisson", "poisson_max_delta_step": 1e-12},
    "gamma": {"objective": "gamma"},
    "tweedie:power=1.3": {"objective": "tweedie", "tweedie_variance_power": 1.3},
    "fair:c=2,hessian=exact": {"objective": "fair", "fair_c": 2.0},
}


def _field(dataset, name):
    # Before construction a Dataset holds what it was given; get_field would raise.
    value = getattr(dataset, name, None)
    if value is None and lightgbm_model.is_constructed(dataset):
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
    group = getattr(dataset, "group", None)  # sizes, as given
    if group is None and lightgbm_model.is_constructed(dataset):
        group = dataset.get_group()
    return labels, _field(dataset, "weight"), group


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
        all rows do when a change matches no leaf.
        """
        scores_after = lightgbm_model.training_scores(self.booster, scores_before.size) \
            if self._training else None
        if scores_after is None:
            return self._leaves(data, tree)
        values = np.asarray(self._leaf_outputs(tree, range(lightgbm_model.num_leaves(
            self.booster, tree))))
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

    def _leaf_outputs(self, tree, ids):
        return [self.booster.get_leaf_output(tree, int(leaf)) for leaf in ids]

    def _set_leaf_outputs(self, tree, ids, values):
        for leaf, value in zip(ids, values, strict=True):
            self.booster.set_leaf_output(tree, int(leaf), float(value))

    def _learning_rate(self):
        return float(first_param(self.booster.params, _LEARNING_RATE_KEYS, 0.1))


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
        self._targets = _targets or CheckedTargets(self.loss, _fetch, layout="F")
        self._renewal = _renewal

    def __call__(self, predictions, train_set):
        targets = self._targets(train_set)
        if self._renewal is None:
            return targets.gradient_hessian(predictions, self.start)
        return self._renewal.training_gradient_hessian(train_set, targets, predictions,
                                                       self.start)


class Metric:
    """``feval=`` for ``lgb.train``: ``(predictions, dataset) -> (name, value, higher_better)``.

    With extra metrics (``squared_error`` adds ``rmse``, a ranking loss ``ndcg@5``) it
    returns a list, the loss's own first (or ``first``, one of the extra metrics), which is
    the one ``train``'s early stopping follows.
    """

    def __init__(self, loss, extra_metrics=None, start=0.0, _targets=None, _renewal=None,
                 first=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self.start = start if np.ndim(start) else float(start)
        self._targets = _targets or CheckedTargets(self.loss, _fetch, layout="F")
        self._renewal = _renewal
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


class SklearnObjective(SklearnObjectiveBase):
    """``objective=`` for ``LGBMRegressor``: ``(y_true, y_pred, weight) -> (grad, hess)``."""

    _layout = "F"

    def __call__(self, y_true, y_pred, weight):
        return self.gradient_hessian(y_true, y_pred, weight)


class SklearnMetric(SklearnMetricBase):
    """``eval_metric=`` for ``LGBMRegressor``: ``(y_true, y_pred, weight) -> (name, value, False)``."""

    def __call__(self, y_true, y_pred, weight):
        return self.loss.name, self.value(y_true, y_pred, weight), False


def objective(loss):
    """The loss as ``lgb.train(params={"objective": ...})``: gradients of the raw scores."""
    return Objective(loss)


def metric(loss, extra_metrics=None):
    """The loss's metric as ``lgb.train(feval=...)``."""
    return Metric(loss, extra_metrics)


def sklearn_objective(loss):
    """The loss as ``lightgbm.LGBMRegressor(objective=...)``: gradients only. The estimator
    then starts from 0 and predicts raw scores; ``boostobj.lightgbm.LGBMRegressor(loss=...)``
    does the rest."""
    return SklearnObjective(loss)


def sklearn_metric(loss):
    """The loss's metric as ``lightgbm.LGBMRegressor().fit(..., eval_metric=...)``."""
    return SklearnMetric(loss)


def _check_modes(caller, loss, params, renewal):
    """Refuse what LightGBM cannot train correctly with this loss (``ValueError``)."""
    boosting = str(first_param(params, _BOOSTING_KEYS, "gbdt")).lower()
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
    if renewal:
        if first_param(params, _LINEAR_TREE_KEYS, False):
            refuse(caller, loss, "linear_tree=True", "leaf renewal sets constant leaves, and "
                   "a linear tree's leaves are regressions",
                   "pass linear_tree=False, or renew_leaves=False")


def _defaults(params, train_set):
    """LightGBM parameters boostobj sets unless the user (or the Dataset) has."""
    # On few rows LightGBM's pre-filter drops every feature that cannot be split, and a
    # custom objective then fails ("num_features() > 0"); without it, the trees just have
    # no split, as the built-ins do. A constructed Dataset has settled it already.
    if not lightgbm_model.is_constructed(train_set) and \
            "feature_pre_filter" not in (train_set.params or {}):
        params.setdefault("feature_pre_filter", False)
    return params


def train(loss, params, train_set, num_boost_round=100, *, valid_sets=None, valid_names=None,
          early_stopping_rounds=None, extra_metrics=None, stopping_metric=None, callbacks=None,
          renew_leaves=None, init_model=None, **kwargs):
    """``lgb.train`` with a boostobj loss, returning an ``lgb.Booster``.

    - starts from ``loss.init_score`` unless ``train_set`` has its own ``init_score`` or
      training continues from ``init_model`` (whose start is kept: counted once), and adds
      that start to the first tree, so the model needs no ``init_score`` to predict;
    - for a non-identity link, names a built-in objective with that inverse link in the model
      (``poisson`` for the log link), so the booster and its saved model predict on the
      response scale with plain LightGBM;
    - turns LightGBM's metrics off and reports the loss's metric (plus ``extra_metrics``,
      default ``loss.extra_metrics``) on every set in ``valid_sets``;
    - with ``early_stopping_rounds``, stops when the loss's metric (or ``stopping_metric``,
      one of ``extra_metrics``: ``"ndcg@5"`` rises, a loss falls) has not improved for that
      many rounds; the booster's ``best_iteration`` is used by ``predict`` and
      ``save_model``;
    - a ranking loss reads each Dataset's query groups (``group=``); its weights are per row
      in LightGBM and must be equal within a group (the group's weight); it starts from 0;
    - renews each new tree's leaves to the loss's exact minimiser when ``renew_leaves``
      (default: ``loss.renews_leaves``); the Datasets must then hold their features in memory;
    - runs the loss's kernels on the booster's thread count (``num_threads``).

    Other keyword arguments go to ``lgb.train``.
    """
    caller = "boostobj.lightgbm.train"
    loss = get_loss(loss)
    renewal = _LightGBMRenewal(loss) if renews_leaves(loss, renew_leaves, caller) else None
    params = _defaults(dict(params or {}), train_set)
    for key in _OBJECTIVE_KEYS:
        if key in params:
            raise ValueError(f"{loss.name}: params[{key!r}] == {params[key]!r}; "
                             "boostobj.lightgbm.train sets the objective from the loss.")
    for key in _METRIC_KEYS:
        if key in params and str(params[key]).lower() not in ("none", "", "null", "na"):
            example = "'ndcg@5', 'map@5'" if loss.grouped else "'rmse', ..."
            raise ValueError(f"{loss.name}: params[{key!r}] == {params[key]!r}; built-in "
                             "metrics would see raw scores without the start. Pass "
                             f"extra_metrics=({example}) instead.")
    if num_boost_round < 1:
        raise ValueError(f"{loss.name}: num_boost_round == {num_boost_round!r}, must be >= 1.")
    _check_modes(caller, loss, params, renewal)
    targets = CheckedTargets(loss, _fetch, threads=thread_count(first_param(params,
                                                                            _THREAD_KEYS)),
                             layout="F")
    train_targets = targets(train_set)
    valid_sets = list(valid_sets or [])
    for dataset in valid_sets:
        targets(dataset)
    n_classes = None
    if train_targets.multiclass:
        given = [params.pop(key) for key in _NUM_CLASS_KEYS if key in params]
        n_classes = train_targets.n_classes(given[0] if given else None)
        params["num_class"] = n_classes
    if _field(train_set, "init_score") is not None or init_model is not None:
        start = np.zeros(n_classes) if n_classes else 0.0
    else:
        start = train_targets.init_score(n_classes)
    params["objective"] = Objective(loss, start, targets, renewal)
    params["metric"] = "None"
    callbacks = list(callbacks or [])
    if renewal is not None:
        for dataset in [train_set, *valid_sets]:
            renewal.add_dataset(dataset, _raw_data(loss, dataset, caller),
                                targets(dataset).n_rows)
        callbacks += renewal.callbacks
    if early_stopping_rounds:
        if not valid_sets:
            raise ValueError(f"{loss.name}: early_stopping_rounds needs at least one set "
                             "in valid_sets.")
        callbacks.append(lgb.early_stopping(early_stopping_rounds, first_metric_only=True,
                                            verbose=False))
    first = stopping_metric_of(loss, stopping_metric, extra_metrics)
    booster = lgb.train(params, train_set, num_boost_round, valid_sets=valid_sets,
                        valid_names=valid_names,
                        feval=Metric(loss, extra_metrics, start, targets, renewal, first),
                        callbacks=callbacks, init_model=init_model, **kwargs)
    if renewal is not None:
        renewal.finish()  # the last tree
    if np.any(start):
        booster = lightgbm_model.add_to_first_iteration(booster, start)
    link_objective = _LINK_OBJECTIVES.get(loss.link.name)
    if link_objective is None or loss.link.name == "sign":
        return booster
    return lightgbm_model.with_output_link(booster, link_objective.format(K=n_classes))


# --- the scikit-learn estimators -----------------------------------------------------------

_NOT_PASSED = ("``objective`` (set from ``loss``)\n        and ``metric`` (the loss's metric is "
               "reported)")



def _booster_params(estimator, params):
    """``params`` without boostobj's ``loss`` and ``renew_leaves`` while LightGBM reads
    them ("loss" is LightGBM's alias of its objective)."""
    if estimator.__dict__.get("_hide_boostobj_params"):
        for name in ESTIMATOR_PARAMS:
            params.pop(name, None)
    return params


@contextlib.contextmanager
def _hidden_boostobj_params(estimator):
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
    for value in [first_param(params, _METRIC_KEYS), eval_metric]:
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


def _fit(estimator, parent_fit, classifier, X, y, sample_weight=None, *, ranker=False,
         **fit_params):
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
        for key in _METRIC_KEYS:
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
        renewal = _LightGBMRenewal(loss)
    _check_modes(caller, loss, params, renewal)
    n_classes, labels = None, y
    if classifier:
        _, labels, n_classes = encode_classes(loss, y, caller)
    weight = sample_weight
    if classifier and estimator.class_weight is not None:
        from sklearn.utils.class_weight import compute_sample_weight
        weight = compute_sample_weight(estimator.class_weight, labels)  # as LightGBM does
        weight = weight if sample_weight is None else weight * np.asarray(sample_weight)
    if fit_params.get("init_score") is not None or fit_params.get("init_model") is not None:
        start = np.zeros(n_classes) if n_classes and n_classes > 2 else 0.0
    else:
        start = loss_start(loss, labels, weight, n_classes)
    objective, metric = ((_SklearnRankingObjective(loss), _SklearnRankingMetric(loss))
                         if ranker else (SklearnObjective(loss), SklearnMetric(loss)))
    state = {"_start": start if np.ndim(start) else float(start),
             "_threads": thread_count(first_param(params, _THREAD_KEYS)), "_fit_targets": {}}
    eval_pairs = _eval_pairs(fit_params)
    if renewal is not None:
        n_rows = renewal.add_estimator_sets(X, y, eval_pairs, _lookup_data)
        fit_params["callbacks"] = list(fit_params.get("callbacks") or []) + renewal.callbacks
        state.update(_renewal=renewal, _order=EvaluationOrder(
            lightgbm_model.evaluation_order(eval_pairs, X, y), n_rows, "LightGBM"))
    overrides = {"objective": objective, "metric": builtin_metrics or "None"}
    if "feature_pre_filter" not in params:
        overrides["feature_pre_filter"] = False
    with lightgbm_model.temporary_params(estimator, overrides), \
            attached([objective, metric], **state):
        parent_fit(X, y, sample_weight=sample_weight,
                   eval_metric=metric if eval_pairs else None, **fit_params)
    if renewal is not None:
        renewal.finish()  # the last tree, before the start joins the first one
    return _fitted(estimator, loss, start, n_classes, classifier, ranker)


def _fitted(estimator, loss, start, n_classes, classifier, ranker=False):
    """The estimator after LightGBM's fit: the start folded into the first tree, the loss's
    link recorded in the model (so it predicts on the response scale alone)."""
    booster = estimator.booster_
    if np.any(start):
        booster = lightgbm_model.add_to_first_iteration(booster, start)
    link_objective = _LINK_OBJECTIVES.get(loss.link.name)
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


class LGBMRegressor(lgb.LGBMRegressor):
    __doc__ = estimator_doc("""``lightgbm.LGBMRegressor`` trained on a boostobj loss.

    ``fit`` starts from the loss's init score and adds it to the first tree, renews leaves
    where the loss asks, and reports the loss's metric on the evaluation sets
    (``evals_result_``; early stopping follows it). ``predict`` is on the response scale: a
    log-link loss names ``poisson`` in the model, so the saved model predicts the same with
    plain LightGBM. ``init_model=`` continues training: the loaded model's start is kept
    and only the new trees are renewed.""", _NOT_PASSED)

    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_params(self, deep=True):
        return _booster_params(self, super().get_params(deep=deep))

    def _process_params(self, stage):
        with _hidden_boostobj_params(self):
            return super()._process_params(stage)

    def fit(self, X, y, sample_weight=None, **fit_params):
        return _fit(self, super().fit, False, X, y, sample_weight, **fit_params)


class LGBMClassifier(lgb.LGBMClassifier):
    __doc__ = estimator_doc("""``lightgbm.LGBMClassifier`` trained on a boostobj classification
    loss.

    Takes any class labels; a binary loss needs two classes, a multiclass loss (softmax,
    softmax_focal) more. The model names the loss's output link (``binary sigmoid:1``,
    ``binary sigmoid:2`` for exponential, ``multiclass``), so ``predict_proba`` gives its
    probabilities, ``predict`` the classes, and the saved model the same with plain
    LightGBM. For hinge and squared_hinge, which have no probability, ``predict_proba`` is
    σ(margin), a score.""", _NOT_PASSED)

    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_params(self, deep=True):
        return _booster_params(self, super().get_params(deep=deep))

    def _process_params(self, stage):
        with _hidden_boostobj_params(self):
            return super()._process_params(stage)

    def fit(self, X, y, sample_weight=None, **fit_params):
        if self.renew_leaves:
            raise ValueError(f"boostobj.lightgbm.LGBMClassifier.fit: renew_leaves="
                             f"{self.renew_leaves!r}; leaf renewal is for regression losses.")
        return _fit(self, super().fit, True, X, y, sample_weight, **fit_params)


_DASK_ESTIMATORS = ("DaskLGBMRegressor", "DaskLGBMClassifier")


def __getattr__(name):
    # The dask estimators subclass lightgbm.dask's, which import dask: only on first use.
    if name in _DASK_ESTIMATORS:
        from . import _lightgbm_dask

        return getattr(_lightgbm_dask, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _SklearnRankingObjective(SklearnObjective):
    """``objective=`` for ``LGBMRanker``: LightGBM passes ``group`` to an objective of four
    parameters (it counts them), the sizes of the training groups."""

    def __call__(self, y_true, y_pred, weight, group):
        return self.gradient_hessian(y_true, y_pred, weight, group)


class _SklearnRankingMetric(SklearnMetric):
    """``eval_metric=`` for ``LGBMRanker``: ``(y_true, y_pred, weight, group)``."""

    def __call__(self, y_true, y_pred, weight, group):
        return self.loss.name, self.value(y_true, y_pred, weight, group), False


class LGBMRanker(lgb.LGBMRanker):
    __doc__ = estimator_doc("""``lightgbm.LGBMRanker`` trained on a boostobj ranking loss.

    ``fit(X, y, group=..., eval_set=..., eval_group=...)`` as LightGBM's: the loss gets the
    query groups (LightGBM hands a four-argument objective the group sizes), reports its
    metric on the evaluation sets beside LightGBM's own ranking metrics where asked
    (``eval_metric="ndcg"``, ``eval_at=(1, 3, 5)``: they see the model's scores, since a
    ranking loss starts from 0). Row weights must be equal within a group (the group's
    weight). ``predict`` gives the scores. ``loss=None`` is ``listwise_softmax``.""",
                            "``objective`` (set from ``loss``)")

    # The regressor's three methods again: LightGBM's get_params walks each class's first
    # base, so a mixin placed first cannot carry them.
    def __init__(self, *, loss=None, renew_leaves=None, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    def get_params(self, deep=True):
        return _booster_params(self, super().get_params(deep=deep))

    def _process_params(self, stage):
        with _hidden_boostobj_params(self):
            return super()._process_params(stage)

    def fit(self, X, y, sample_weight=None, **fit_params):
        return _fit(self, super().fit, False, X, y, sample_weight, ranker=True, **fit_params)
