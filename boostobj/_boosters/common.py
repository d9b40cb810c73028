"""What both booster adapters share, booster-neutral: checked targets per dataset, thread
counts, the loss's start, class encoding, the scikit-learn callables and leaf renewal.

Adapters know nothing of the math: they fetch labels and weights from the booster's dataset,
check them once against the loss's domain, and hand raw scores to the loss's kernels. What a
booster's model form or private attributes look like is known only to ``xgboost_model`` and
``lightgbm_model`` beside this module.
"""

from __future__ import annotations

import contextlib
import weakref

import numpy as np

from .._numerics import all_max, all_sum, available_cpus
from ..losses import MulticlassLoss, get_loss
from ..losses._base import BinaryLabels
from ..metrics import LossMetrics


def thread_count(requested):
    """The kernels' thread count for a booster told ``requested`` threads.

    None, 0 or a negative number (the boosters' "all cores") means every CPU the process may
    run on; a positive number is honoured up to that.
    """
    try:
        requested = 0 if isinstance(requested, bool) else int(requested)
    except (TypeError, ValueError):  # None, or what the booster itself will reject
        requested = 0
    return available_cpus() if requested <= 0 else min(requested, available_cpus())


def first_param(params, keys, default=None):
    """The value of the first of ``keys`` set in ``params`` (the boosters' aliases)."""
    for key in keys:
        if params.get(key) is not None:
            return params[key]
    return default


class Targets:
    """Checked labels and weights of one dataset, with the buffers reused every round.

    For a ranking loss also its query groups (``group``: sizes or boundaries as the booster
    keeps them) and one weight per group; per-row weights (LightGBM's) must be equal within
    each group.

    ``layout`` is the order of (n, K) gradients the booster takes without a copy: "C"
    (XGBoost, row-major) or "F" (LightGBM, class-major).
    """

    def __init__(self, loss, labels, weights, dataset=None, *, group=None, threads=None,
                 layout="C"):
        self.loss = loss
        self.y = loss.check_target(labels)
        self.n_rows = len(self.y)
        self.groups = None
        if getattr(loss, "grouped", False):
            self.groups = loss.check_group(group, self.n_rows)
            self.weight = loss.check_group_weight(group_weights(loss, weights, self.groups),
                                                  self.groups)
        else:
            self.weight = loss.check_sample_weight(weights, self.n_rows)
        # what the grouped losses' methods take beside the labels and weights
        self._grouping = {} if self.groups is None else {"group": self.groups}
        self.multiclass = len(loss.raw_score_shape(self.y)) == 2
        self.ref = weakref.ref(dataset) if dataset is not None else None
        self.threads = threads
        self.layout = layout
        self._raw = self._gradient = self._hessian = None
        self._n_classes_checked = None

    def predictions(self, predictions):
        """The booster's predictions, checked: shaped (n,) or (n, K) and finite."""
        predictions = np.asarray(predictions)
        if not self.multiclass and predictions.ndim == 2 and predictions.shape[1] == 1:
            predictions = predictions[:, 0]
        if self.multiclass:
            if predictions.ndim != 2 or predictions.shape[0] != self.n_rows:
                raise ValueError(f"{self.loss.name}: the booster gave predictions of shape "
                                 f"{predictions.shape} for {self.n_rows} rows; expected "
                                 f"({self.n_rows}, K): set num_class (XGBoost, LightGBM) or "
                                 "use a classifier with more than two classes.")
            if predictions.shape[1] != self._n_classes_checked:
                self.loss.check_n_classes(self.y, predictions.shape[1])
                self._n_classes_checked = predictions.shape[1]
        elif predictions.shape != (self.n_rows,):
            raise ValueError(f"{self.loss.name}: the booster gave predictions of shape "
                             f"{predictions.shape} for {self.n_rows} labels; expected "
                             f"({self.n_rows},).")
        # A sum is finite when every term is (and costs no temporary); only a non-finite
        # or overflowing sum needs the elementwise look.
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.sum(predictions)
        if not np.isfinite(total):
            self.loss.check_raw_score(predictions)
        return predictions

    def raw_score(self, predictions, start=0.0):
        """The booster's predictions (plus ``start``) as float64 raw scores: (n,) or (n, K)."""
        predictions = self.predictions(predictions)
        if predictions.dtype == np.float64 and not np.any(start):
            return predictions  # the kernels never write to their inputs
        if self._raw is None or self._raw.shape != predictions.shape:
            order = "F" if self.multiclass else "C"
            self._raw = np.empty(predictions.shape, dtype=np.float64, order=order)
        return np.add(predictions, start, out=self._raw)

    def gradient_hessian(self, predictions, start=0.0):
        """Weighted gradient and hessian of the booster's ``predictions`` (plus ``start``).

        Float32, what both boosters store, in buffers reused every round. (n, K) scores are
        computed in float64 by blocks of rows (start added per block, no (n, K) float64
        copy) and written in the booster's own layout, so it takes them without a copy.
        """
        if not self.multiclass:
            return self.gradient_hessian_of(self.raw_score(predictions, start))
        predictions = self.predictions(predictions)
        gradient, hessian = self._buffers(predictions.shape, self.layout)
        return self.loss.weighted_gradient_hessian(self.y, predictions, self.weight, gradient,
                                                   hessian, start=start, threads=self.threads)

    def gradient_hessian_of(self, raw_score, loss=None):
        """Weighted gradient and hessian of float64 raw scores (the renewal's path), of
        ``loss`` where given (the loss with its "auto" scale fixed for these scores)."""
        gradient, hessian = self._buffers(raw_score.shape, self.layout)
        loss = self.loss if loss is None else loss
        return loss.weighted_gradient_hessian(self.y, raw_score, self.weight, gradient,
                                              hessian, threads=self.threads, **self._grouping)

    def _buffers(self, shape, layout):
        if self._gradient is None or self._gradient.shape != shape:
            self._gradient = np.empty(shape, dtype=np.float32, order=layout)
            self._hessian = np.empty(shape, dtype=np.float32, order=layout)
        return self._gradient, self._hessian

    def metrics(self, metrics, raw_score):
        return metrics.evaluate(self.y, raw_score, self.weight, self.groups)

    def metric(self, raw_score):
        """The loss's own metric of these raw scores."""
        return self.loss.unchecked_metric(self.y, raw_score, self.weight, **self._grouping)

    def n_classes(self, given=None):
        """K of multiclass targets: ``given`` (the booster's num_class) or from the labels."""
        n_classes = int(given) if given else self.loss.n_classes_of(self.y)
        self.loss.check_n_classes(self.y, n_classes)
        return n_classes

    def init_score(self, n_classes=None):
        """The loss's start for these targets: a float, or a (K,) vector for multiclass."""
        if self.groups is not None:
            return 0.0  # a ranking loss ignores a constant per group
        return loss_start(self.loss, self.y, self.weight, n_classes)


def group_weights(loss, weights, groups):
    """One weight per group: as given (XGBoost's), or from one per row (LightGBM's), which
    must then be equal within each group (a ranking loss weighs whole groups)."""
    if weights is None:
        return None
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    if weights.size != groups.n_rows or groups.n_rows == groups.n_groups:
        return weights
    first = weights[groups.ptr[:-1]]
    differs = np.flatnonzero(np.maximum.reduceat(np.abs(weights - np.repeat(first, groups.sizes)),
                                                 groups.ptr[:-1]) > 0)
    if differs.size:
        group = int(differs[0])
        values = np.unique(weights[groups.ptr[group]:groups.ptr[group + 1]])[:3].tolist()
        raise ValueError(f"{loss.name}: the row weights of group {group} differ ({values}); "
                         "a ranking loss takes one weight per group: give each row of a "
                         "group that group's weight.")
    return first


class CheckedTargets:
    """Labels and weights of each dataset, checked by the loss once and reused every round.

    Fetching labels (XGBoost copies them out of C++ on every call), checking them and
    allocating 1M-row arrays each round would cost more than the gradient arithmetic, so
    ``Targets`` are kept per dataset object (weakly, so a dataset that goes away frees them)
    and rebuilt when its row count changes. The gradient buffers handed to a booster are
    overwritten at the next round: boosters copy them before that.
    """

    def __init__(self, loss, fetch, *, threads=None, layout="C"):
        self.loss = loss
        self._fetch = fetch  # dataset -> (labels, weights or None, groups or None)
        self.threads = threads
        self.layout = layout
        self._entries = {}

    def __call__(self, dataset):
        key = id(dataset)
        targets = self._entries.get(key)
        if (targets is not None and targets.ref() is dataset
                and _num_rows(dataset) in (None, targets.n_rows)):
            return targets
        labels, weights, group = self._fetch(dataset)
        options = {"group": group, "threads": self.threads, "layout": self.layout}
        try:
            targets = Targets(self.loss, labels, weights, dataset, **options)
        except TypeError:  # not weak-referenceable: checked again every time
            return Targets(self.loss, labels, weights, **options)
        self._entries[key] = targets
        return targets

    def __getstate__(self):
        return {**vars(self), "_entries": {}}


def _num_rows(dataset):
    """The dataset's row count, or None where it cannot tell yet (an unconstructed Dataset)."""
    for attribute in ("num_row", "num_data"):
        method = getattr(dataset, attribute, None)
        if method is not None:
            try:
                return method()
            except Exception:  # noqa: BLE001 - LightGBM raises its own error before construction
                return None
    return None


# --- the scikit-learn path ---------------------------------------------------------------

class SklearnObjectiveBase:
    """Holds a loss; a subclass's ``__call__`` has the booster's scikit-learn signature.

    The drop-in estimators set ``_start`` (added to the booster's scores), ``_threads`` and,
    with leaf renewal, ``_renewal`` (the training set's key is ``"train"``) while they fit.
    """

    _renewal = None
    _start = 0.0
    _threads = None
    _layout = "C"
    # Within one fit the booster hands over the same training labels every round: the
    # drop-ins set a dict here, so they are checked (and the buffers allocated) once.
    _fit_targets = None

    def __init__(self, loss):
        self.loss = get_loss(loss)

    def gradient_hessian(self, y_true, y_pred, weight, group=None):
        targets = None if self._fit_targets is None else self._fit_targets.get("train")
        if targets is None or targets.n_rows != len(y_true):
            targets = Targets(self.loss, y_true, weight, group=group, threads=self._threads,
                              layout=self._layout)
            if self._fit_targets is not None:
                self._fit_targets["train"] = targets
        if self._renewal is None:
            return targets.gradient_hessian(y_pred, self._start)
        return self._renewal.training_gradient_hessian("train", targets, y_pred, self._start)


class SklearnMetricBase:
    """Holds a loss and its metric; named after the loss, as boosters read ``__name__``.

    ``_start`` and ``_renewal`` as for ``SklearnObjectiveBase``. A scikit-learn metric gets
    labels but no dataset, so with renewal ``_order`` names the dataset of each call: the
    boosters evaluate their sets in a fixed order every round (``xgboost_model`` and
    ``lightgbm_model`` say which), and the calls go round it.
    """

    _renewal = None
    _start = 0.0
    _order = None

    def __init__(self, loss, extra_metrics=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self.__name__ = self.loss.name

    def value(self, y_true, y_pred, weight, group=None):
        targets = Targets(self.loss, y_true, weight, group=group)
        start = self._start
        if self._renewal is not None:
            key = self._order.next(targets.n_rows)
            start = start + self._renewal.evaluation_correction(key)
        return targets.metric(targets.raw_score(y_pred, start))


class EvaluationOrder:
    """The keys of the datasets a booster evaluates, in the order of its metric calls.

    ``next(n_rows)`` gives the key of the next call, and fails loudly when that dataset's
    row count is not ``n_rows``: the booster then no longer evaluates in the order assumed.
    """

    def __init__(self, keys, n_rows, booster):
        self.keys, self.n_rows, self.booster = list(keys), dict(n_rows), booster
        self._position = 0

    def next(self, n_rows):
        key = self.keys[self._position % len(self.keys)]
        self._position += 1
        if self.n_rows[key] != n_rows:
            raise RuntimeError(f"boostobj: {self.booster} evaluated a set of {n_rows} rows "
                               f"where {self.n_rows[key]} ({key!r}) were expected; this "
                               f"{self.booster} release evaluates its eval sets in another "
                               "order than boostobj relies on.")
        return key


@contextlib.contextmanager
def attached(holders, **state):
    """Inside the block each holder (objective or metric) carries ``state``; afterwards it is
    plain again, so a fitted estimator pickles without the training state."""
    holders = [holder for holder in holders if isinstance(holder, (SklearnObjectiveBase,
                                                                   SklearnMetricBase))]
    for holder in holders:
        for name, value in state.items():
            setattr(holder, name, value)
    try:
        yield
    finally:
        for holder in holders:
            for name in state:
                vars(holder).pop(name, None)


# --- the drop-in estimators ----------------------------------------------------------------

# The drop-in estimators' own parameters: boostobj's, never handed to the booster.
ESTIMATOR_PARAMS = ("loss", "renew_leaves")


def estimator_doc(summary, not_passed="``objective`` (set from ``loss``)"):
    """A drop-in estimator's docstring: its summary, then the parameters it adds."""
    return f"""{summary}

    Parameters
    ----------
    loss : str, loss object or None, default None
        A boostobj loss: a name or spec string (``"huber:delta=2"``) or a loss instance.
        None: ``squared_error`` in a regressor; in a classifier ``logistic`` for two
        classes and ``softmax`` for more.
    renew_leaves : bool or None, default None
        Re-fit each new tree's leaves to the loss's exact minimiser; None: where the loss
        asks for it (quantile, absolute_error, huber, ...).
    **kwargs
        Every parameter of the parent estimator except {not_passed}.
    """


def loss_start(loss, y, sample_weight, n_classes=None):
    """The loss's init score for labels ``y``: a float, or a (K,) vector for multiclass.

    Computed on the labels and weights as both boosters store them, in float32: the
    objective sees those, and a start computed on the float64 labels would put the row at
    a quantile a rounding away from its own label (and on the other side of it).
    """
    if getattr(loss, "grouped", False):
        return 0.0  # a ranking loss ignores a constant per group
    y = np.asarray(y, dtype=np.float32)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float32)
    if isinstance(loss, MulticlassLoss):
        return loss.init_score(y, sample_weight, n_classes)
    return loss.init_score(y, sample_weight)


def is_classification_loss(loss):
    return isinstance(loss, MulticlassLoss) or isinstance(loss.target_domain, BinaryLabels)


def estimator_loss(loss, classifier, caller, y=None, *, ranker=False):
    """The loss of a drop-in estimator, refused where the estimator cannot serve it.

    None is the estimator's default: ``squared_error`` for a regressor; for a classifier
    ``logistic`` on two classes of ``y`` and ``softmax`` on more (as the boosters pick
    ``binary`` or ``multiclass``); ``listwise_softmax`` for a ranker.
    """
    if loss is None:
        if ranker:
            loss = "listwise_softmax"
        elif not classifier:
            loss = "squared_error"
        else:
            loss = "softmax" if len(np.unique(np.asarray(y))) > 2 else "logistic"
    loss = get_loss(loss)
    grouped = getattr(loss, "grouped", False)
    if ranker and not grouped:
        raise ValueError(f"{caller}: loss={loss.spec!r} is not a ranking loss; use "
                         "listwise_softmax, pairwise_logistic or pairwise_hinge, or the "
                         "regressor / classifier.")
    if grouped and not ranker:
        raise ValueError(f"{caller}: loss={loss.spec!r} is a ranking loss over query groups; "
                         "use the ranker (XGBRanker / LGBMRanker) with group=.")
    if ranker:
        return loss
    if classifier and not is_classification_loss(loss):
        raise ValueError(f"{caller}: loss={loss.spec!r} is not a classification loss; use "
                         "the regressor, or one of logistic, focal, hinge, softmax, ....")
    if not classifier and is_classification_loss(loss):
        kind = "multiclass" if isinstance(loss, MulticlassLoss) else "binary"
        raise ValueError(f"{caller}: loss={loss.spec!r} is a {kind} classification loss; use "
                         "the classifier (predict_proba gives its probabilities).")
    return loss


def encode_classes(loss, y, caller):
    """Class labels as 0 .. K-1 in sorted order, as scikit-learn classifiers encode them.

    Returns the classes, the encoded labels (float64) and K. A binary loss needs K = 2, a
    multiclass loss K > 2 (scikit-learn classifiers keep one score per row for two classes).
    """
    classes, encoded = np.unique(np.asarray(y), return_inverse=True)
    n_classes = len(classes)
    multiclass = isinstance(loss, MulticlassLoss)
    if multiclass and n_classes <= 2:
        raise ValueError(f"{caller}: {loss.name} needs K > 2 classes, y has {n_classes}; "
                         "for two classes use logistic.")
    if not multiclass and n_classes != 2:
        raise ValueError(f"{caller}: {loss.name} is a binary loss, y has {n_classes} "
                         f"class{'es' if n_classes != 1 else ''}; for more use softmax.")
    return classes, encoded.astype(np.float64), n_classes


def encode_like(classes, y, caller):
    """``y`` encoded with the classes of the training labels (an evaluation set's)."""
    y = np.asarray(y)
    position = np.searchsorted(classes, y)
    position = np.minimum(position, len(classes) - 1)
    unknown = classes[position] != y
    if np.any(unknown):
        raise ValueError(f"{caller}: eval_set labels {np.unique(y[unknown])[:5].tolist()} "
                         f"are not among the training classes {classes.tolist()}.")
    return position.astype(np.float64)


# --- leaf renewal ------------------------------------------------------------------------

class LeafRenewal:
    """Leaf renewal during training: what both boosters share.

    A booster sizes each new leaf by a Newton step -Σg / Σh of the loss's stand-in hessian.
    For a loss with ``renews_leaves`` the step is then replaced by the learning rate times
    the loss's exact minimiser over the leaf's rows (``loss.leaf_values``, computed from the
    raw scores the tree was grown on), as the built-in quantile and L1 objectives do inside
    the booster.

    The boosters keep a running score per dataset (the training scores the objective gets,
    the evaluation scores the metric gets) built from the leaf values they chose. Neither
    can be told about a change of leaf value, so each dataset has a ``correction``: the sum
    over renewed trees of (renewed - original value) at the row's leaf, which the objective
    and the metric add to the booster's scores. The training rows' leaves are known when a
    tree is renewed; an evaluation set's are looked up when its metric is next computed.

    Datasets are registered by a key: the dataset object itself (native API) or a position
    (scikit-learn API). The state lives in this object, which the objective, the metric
    and the callback of one training share.

    A subclass knows its booster: ``_newest_tree()``, ``_leaves(source, tree)`` (each row's
    leaf id in that tree, for a dataset ``source``), ``_leaf_outputs(tree, ids)``,
    ``_set_leaf_outputs(tree, ids, values)`` and ``_learning_rate()``. It may find the
    training rows' leaves another way (``_training_leaves``) from the booster's training
    scores before the tree, which it then asks to keep (``_keeps_scores``).
    """

    _keeps_scores = False
    # Whether the training rows' raw scores are kept here in float64 (start plus the renewed
    # values) rather than taken from the booster's (float32) scores plus the corrections.
    _tracks_scores = False

    def __init__(self, loss, start=None):
        self.loss = loss
        self.start = start  # the float64 start of a fresh model (tracked scores begin there)
        self._scores = None
        self.booster = None  # set by the adapter's callback once the booster exists
        # (key, targets, raw scores, booster's scores or None) of the tree being grown
        self._pending = None
        self._trees = []  # (tree index, change of each leaf indexed by leaf id)
        self._datasets = {}  # key -> [source, correction, number of trees applied]

    def __deepcopy__(self, memo):
        # lgb.train deep-copies its params, objective included: the objective, the metric
        # and the callback must keep sharing this one state.
        return self

    def add_dataset(self, key, source, n_rows):
        """Register a dataset whose scores need corrections; ``source`` feeds ``_leaves``."""
        if key not in self._datasets:
            self._datasets[key] = [source, np.zeros(n_rows), 0]

    def add_estimator_sets(self, X, y, eval_set, source):
        """Register a scikit-learn fit's training set (key ``"train"``) and evaluation sets
        (``("eval", i)``; one with the training features has the training rows' key), with
        ``source(features)`` the data ``_leaves`` reads. Returns each key's row count."""
        n_rows = {"train": length(y)}
        self.add_dataset("train", source(X), n_rows["train"])
        for index, (eval_X, eval_y) in enumerate(eval_set):
            if eval_X is not X:
                n_rows["eval", index] = length(eval_y)
                self.add_dataset(("eval", index), source(eval_X), n_rows["eval", index])
        return n_rows

    def correction(self, key):
        """What to add to the booster's scores of dataset ``key``, up to the newest renewal."""
        entry = self._datasets[key]
        source, correction, applied = entry
        for tree, change in self._trees[applied:]:
            leaf = self._leaves(source, tree)
            correction += change[np.minimum(leaf, change.size - 1)]
        entry[2] = len(self._trees)
        return correction

    def training_gradient_hessian(self, key, targets, predictions, start=0.0):
        """The objective's gradient and hessian, after renewing the tree grown since the
        last call, at the booster's ``predictions`` plus ``start`` and the corrections. The
        tree about to be grown starts from these scores (kept as a copy: the boosters reuse
        their buffers); an "auto" scale is fixed once for them, and that tree is renewed
        with the same loss (on a cluster each fixing is two selections over every worker)."""
        self.flush()
        raw_score = self._training_raw_score(key, targets, predictions, start)
        fixed = self.loss.fix_scale(targets.y, raw_score, targets.weight)
        scores = np.array(predictions, dtype=np.float64) if self._keeps_scores else None
        self._pending = (key, targets, np.array(raw_score, dtype=np.float64), scores, fixed)
        return targets.gradient_hessian_of(raw_score, fixed)

    def _training_raw_score(self, key, targets, predictions, start):
        if not self._tracks_scores:
            return targets.raw_score(predictions, start + self.correction(key))
        if self._scores is None:
            self._scores = (np.full(targets.n_rows, float(self.start)) if self.start
                            is not None else np.array(targets.raw_score(predictions, start),
                                                      dtype=np.float64))
        return self._scores

    def evaluation_correction(self, key):
        """The metric's correction for dataset ``key``, the newest tree renewed first."""
        self.flush()
        return self.correction(key)

    def _training_leaves(self, source, tree, scores_before):
        """The training rows' leaves in the newest ``tree``."""
        return self._leaves(source, tree)

    def flush(self):
        """Renew the newest tree if it has not been (the objective or the metric calls this)."""
        if self._pending is None or self.booster is None:
            return
        key, targets, raw_score, scores_before, loss = self._pending
        self._pending = None
        tree = self._newest_tree()
        leaf_ids = np.asarray(self._training_leaves(self._datasets[key][0], tree, scores_before),
                              dtype=np.intp)
        # The leaves any worker's rows reach (on one process: this one's): every worker
        # then numbers them alike, and the leaf values are over all their rows.
        n_ids = int(all_max(leaf_ids.max() + 1 if leaf_ids.size else 0))
        ids = np.flatnonzero(all_sum(np.bincount(leaf_ids, minlength=n_ids)))
        if ids.size == 0:
            return
        compact = np.empty(ids[-1] + 1, dtype=np.intp)
        compact[ids] = np.arange(ids.size)
        leaf = compact[leaf_ids]
        values = loss.leaf_values(targets.y, raw_score, targets.weight, leaf, ids.size)
        original = np.asarray(self._leaf_outputs(tree, ids), dtype=np.float64)
        renewed = np.where(np.isfinite(values), self._learning_rate() * values, original)
        self._set_leaf_outputs(tree, ids, renewed)
        # One extra slot (0) for leaf ids the training rows never reached.
        change = np.zeros(ids[-1] + 2)
        change[ids] = renewed - original
        self._trees.append((tree, change))
        if self._scores is not None:
            value = np.zeros(ids[-1] + 1)
            value[ids] = renewed
            self._scores += value[leaf_ids]
        entry = self._datasets[key]
        if entry[2] == len(self._trees) - 1:  # the training rows' leaves are known already
            entry[1] += change[leaf_ids]
            entry[2] += 1


def length(values):
    """The number of rows of an array-like (lists, arrays, pandas, anything ``__array__``)."""
    return int(np.asarray(values).shape[0])


def renews_leaves(loss, renew_leaves, caller):
    """Whether to renew leaves: ``renew_leaves`` if given, else the loss's own choice."""
    if renew_leaves is None:
        return bool(getattr(loss, "renews_leaves", False))
    if renew_leaves and getattr(loss, "grouped", False):
        raise ValueError(f"{caller}: renew_leaves=True with the ranking loss {loss.name}: a "
                         "leaf's rows span groups, so it has no minimiser of its own; pass "
                         "renew_leaves=False.")
    if renew_leaves and not getattr(loss, "renews_leaves", False) and \
            not hasattr(loss, "leaf_values"):
        raise ValueError(f"{caller}: {loss.name} has no leaf_values to renew leaves with.")
    if renew_leaves and isinstance(loss, MulticlassLoss):
        raise ValueError(f"{caller}: leaf renewal is for one score per row; {loss.name} "
                         "keeps K.")
    return bool(renew_leaves)


def stopping_metric_of(loss, name, extra_metrics):
    """The metric early stopping follows: the loss's own (``name`` None), or one of the
    metrics reported beside it."""
    if name is None:
        return loss.name
    reported = LossMetrics(loss, extra_metrics).names
    if name not in reported:
        raise ValueError(f"{loss.name}: stopping_metric={name!r} is not reported; the "
                         f"reported metrics are {list(reported)} (add it to extra_metrics).")
    return name


def refuse(caller, loss, option, why, alternative):
    """The ``ValueError`` for a booster option boostobj cannot serve correctly."""
    raise ValueError(f"{caller}: {option} with loss {loss.spec!r}: {why}; {alternative}.")
