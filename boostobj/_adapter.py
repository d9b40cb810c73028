"""What both booster adapters share: checked targets per dataset, and the metric callables.

Adapters know nothing of the math: they fetch labels and weights from the booster's dataset,
check them once against the loss's domain, and hand raw scores to the loss's kernels.
"""

from __future__ import annotations

import contextlib
import weakref

import numpy as np

from .losses import MulticlassLoss, get_loss
from .metrics import LossMetrics

CLASSIFICATION_LINKS = ("logit", "half_logit", "sign", "softmax")


class Targets:
    """Checked labels and weights of one dataset, with the buffers reused every round."""

    def __init__(self, loss, labels, weights, dataset=None):
        self.loss = loss
        self.y = loss.check_target(labels)
        self.n_rows = len(self.y)
        self.weight = loss.check_sample_weight(weights, self.n_rows)
        self.multiclass = len(loss.raw_score_shape(self.y)) == 2
        self.ref = weakref.ref(dataset) if dataset is not None else None
        self._raw = self._gradient = self._hessian = None
        self._n_classes_checked = None

    def raw_score(self, predictions, start=0.0):
        """The booster's predictions (plus ``start``) as float64 raw scores: (n,) or (n, K)."""
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
        if predictions.dtype == np.float64 and not np.any(start):
            return predictions  # the kernels never write to their inputs
        if self._raw is None or self._raw.shape != predictions.shape:
            # (n, K) scores column-major, as LightGBM keeps them: the per-row softmax
            # reductions then run over contiguous columns, several times faster.
            order = "F" if self.multiclass else "C"
            self._raw = np.empty(predictions.shape, dtype=np.float64, order=order)
        return np.add(predictions, start, out=self._raw)

    def gradient_hessian(self, raw_score):
        """Weighted gradient and hessian in buffers reused every round.

        Float32 (what both boosters store) for one score per row. Multiclass losses get
        float64 buffers laid out like ``raw_score``, so that their kernels compute the
        probabilities in place instead of in a fresh (n, K) temporary every round; the
        boosters convert them (LightGBM takes an (n, K) column-major array without a copy
        of the layout).
        """
        if self._gradient is None or self._gradient.shape != raw_score.shape:
            dtype = np.float64 if self.multiclass else np.float32
            self._gradient = np.empty_like(raw_score, dtype=dtype)
            self._hessian = np.empty_like(raw_score, dtype=dtype)
        return self.loss.weighted_gradient_hessian(self.y, raw_score, self.weight,
                                                   self._gradient, self._hessian)

    def metrics(self, metrics, raw_score):
        return metrics.evaluate(self.y, raw_score, self.weight)

    def n_classes(self, given=None):
        """K of multiclass targets: ``given`` (the booster's num_class) or from the labels."""
        n_classes = int(given) if given else self.loss.n_classes_of(self.y)
        self.loss.check_n_classes(self.y, n_classes)
        return n_classes

    def init_score(self, n_classes=None):
        """The loss's start for these targets: a float, or a (K,) vector for multiclass."""
        if self.multiclass:
            return self.loss.init_score(self.y, self.weight, n_classes)
        return self.loss.init_score(self.y, self.weight)


class CheckedTargets:
    """Labels and weights of each dataset, checked by the loss once and reused every round.

    Fetching labels (XGBoost copies them out of C++ on every call), checking them and
    allocating 1M-row arrays each round would cost more than the gradient arithmetic, so
    ``Targets`` are kept per dataset object (weakly, so a dataset that goes away frees them)
    and rebuilt when its row count changes. The gradient buffers handed to a booster are
    overwritten at the next round: boosters copy them before that.
    """

    def __init__(self, loss, fetch):
        self.loss = loss
        self._fetch = fetch  # dataset -> (labels, weights or None)
        self._entries = {}

    def __call__(self, dataset):
        key = id(dataset)
        targets = self._entries.get(key)
        if (targets is not None and targets.ref() is dataset
                and _num_rows(dataset) in (None, targets.n_rows)):
            return targets
        labels, weights = self._fetch(dataset)
        try:
            targets = Targets(self.loss, labels, weights, dataset)
        except TypeError:  # not weak-referenceable: checked again every time
            return Targets(self.loss, labels, weights)
        self._entries[key] = targets
        return targets

    def __getstate__(self):
        return {"loss": self.loss, "_fetch": self._fetch, "_entries": {}}


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


class SklearnObjectiveBase:
    """Holds a loss; a subclass's ``__call__`` has the booster's scikit-learn signature.

    ``_renewal`` is a ``LeafRenewal`` while the adapter's ``fit`` trains with leaf renewal
    (the training set's key is ``"train"``), None otherwise.
    """

    _renewal = None

    def __init__(self, loss):
        self.loss = get_loss(loss)

    def gradient_hessian(self, y_true, y_pred, weight):
        targets = Targets(self.loss, y_true, weight)
        if self._renewal is None:
            return targets.gradient_hessian(targets.raw_score(y_pred))
        return targets.gradient_hessian(
            self._renewal.training_raw_score("train", targets, y_pred))


class SklearnMetricBase:
    """Holds a loss and its metric; named after the loss, as boosters read ``__name__``.

    ``_renewal`` as for ``SklearnObjectiveBase``; the evaluation set is recognised by its labels.
    """

    _renewal = None

    def __init__(self, loss, extra_metrics=None):
        self.loss = get_loss(loss)
        self.metrics = LossMetrics(self.loss, extra_metrics)
        self.__name__ = self.loss.name

    def value(self, y_true, y_pred, weight):
        targets = Targets(self.loss, y_true, weight)
        start = 0.0
        if self._renewal is not None:
            key = self._renewal.key_for_labels(y_true)
            if key is not None:
                start = self._renewal.evaluation_correction(key)
        return self.loss.unchecked_metric(targets.y, targets.raw_score(y_pred, start),
                                          targets.weight)


def sklearn_start(estimator, objective_class, caller, y, sample_weight, classifier=False):
    """The init score of the loss behind ``estimator.objective`` (an ``objective_class``).

    Returns the start and K: None for a regressor; for a classifier the labels are first
    encoded as 0 .. K-1, as the classifier encodes them.
    """
    objective = getattr(estimator, "objective", None)
    if not isinstance(objective, objective_class):
        module = caller.rsplit(".", 1)[0]
        raise ValueError(f"{caller}: the estimator's objective must be "
                         f"{module}.sklearn_objective(loss), got {objective!r}.")
    n_classes = None
    if classifier:
        y, n_classes = _encode_classes(objective.loss, y, caller)
    targets = Targets(objective.loss, y, sample_weight)
    return targets.init_score(n_classes if targets.multiclass else None), n_classes


def _encode_classes(loss, y, caller):
    """Class labels of a scikit-learn classifier as 0 .. K-1 (as the classifier encodes them).

    Returns the encoded labels and K. A binary loss needs K = 2; a multiclass loss K > 2
    (scikit-learn classifiers keep one score per row for two classes).
    """
    classes, encoded = np.unique(np.asarray(y), return_inverse=True)
    n_classes = len(classes)
    multiclass = isinstance(loss, MulticlassLoss)
    if loss.link.name not in CLASSIFICATION_LINKS:
        raise ValueError(f"{caller}: {loss.name} is not a classification loss; use a "
                         "regressor, or one of logistic, focal, hinge, softmax, ....")
    if multiclass and n_classes <= 2:
        raise ValueError(f"{caller}: {loss.name} needs K > 2 classes in a scikit-learn "
                         f"classifier, y has {n_classes}; for two classes use logistic.")
    if not multiclass and n_classes != 2:
        raise ValueError(f"{caller}: {loss.name} is a binary loss, y has {n_classes} "
                         "classes; for more use softmax.")
    return encoded.astype(np.float64), n_classes


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

    A subclass knows its booster: ``_newest_tree()``, ``_leaves(source, tree)`` (each row's
    leaf id in that tree, for a dataset ``source``), ``_leaf_outputs(tree, ids)``,
    ``_set_leaf_outputs(tree, ids, values)`` and ``_learning_rate()``. It may find the
    training rows' leaves another way (``_training_leaves``) from the booster's training
    scores before the tree, which it then asks to keep (``_keeps_scores``).
    """

    _keeps_scores = False

    def __init__(self, loss):
        self.loss = loss
        self.booster = None  # set by the adapter's callback once the booster exists
        # (key, targets, raw scores, booster's scores or None) of the tree being grown
        self._pending = None
        self._trees = []  # (tree index, change of each leaf indexed by leaf id)
        self._datasets = {}  # key -> [source, correction, number of trees applied]
        self._labels = {}  # key -> labels, for scikit-learn metrics

    def __deepcopy__(self, memo):
        # lgb.train deep-copies its params, objective included: the objective, the metric
        # and the callback must keep sharing this one state.
        return self

    def add_dataset(self, key, source, n_rows, labels=None):
        """Register a dataset whose scores need corrections; ``source`` feeds ``_leaves``.

        ``labels`` let a scikit-learn metric, which gets labels but no dataset, find it.
        """
        if key not in self._datasets:
            self._datasets[key] = [source, np.zeros(n_rows), 0]
            if labels is not None:
                self._labels[key] = np.asarray(labels, dtype=np.float64).reshape(-1)

    def key_for_labels(self, labels):
        """The key of the registered dataset with these labels (as the booster stores them)."""
        labels = np.asarray(labels).reshape(-1)
        for key, known in self._labels.items():
            if known.size == labels.size and np.array_equal(known.astype(labels.dtype), labels):
                return key
        return None

    def correction(self, key):
        """What to add to the booster's scores of dataset ``key``, up to the newest renewal."""
        entry = self._datasets[key]
        source, correction, applied = entry
        for tree, change in self._trees[applied:]:
            leaf = self._leaves(source, tree)
            correction += change[np.minimum(leaf, change.size - 1)]
        entry[2] = len(self._trees)
        return correction

    def training_raw_score(self, key, targets, predictions, start=0.0):
        """The objective's raw scores: the booster's ``predictions`` plus ``start`` and the
        corrections, after renewing the tree grown since the last call. The tree about to be
        grown starts from them (kept as a copy: the boosters reuse their buffers)."""
        self.flush()
        raw_score = targets.raw_score(predictions, start + self.correction(key))
        scores = np.array(predictions, dtype=np.float64) if self._keeps_scores else None
        self._pending = (key, targets, np.array(raw_score, dtype=np.float64), scores)
        return raw_score

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
        key, targets, raw_score, scores_before = self._pending
        self._pending = None
        tree = self._newest_tree()
        leaf_ids = np.asarray(self._training_leaves(self._datasets[key][0], tree, scores_before),
                              dtype=np.intp)
        ids = np.flatnonzero(np.bincount(leaf_ids))
        compact = np.empty(ids[-1] + 1, dtype=np.intp)
        compact[ids] = np.arange(ids.size)
        leaf = compact[leaf_ids]
        values = self.loss.leaf_values(targets.y, raw_score, targets.weight, leaf, ids.size)
        original = np.asarray(self._leaf_outputs(tree, ids), dtype=np.float64)
        renewed = np.where(np.isfinite(values), self._learning_rate() * values, original)
        self._set_leaf_outputs(tree, ids, renewed)
        # One extra slot (0) for leaf ids the training rows never reached.
        change = np.zeros(ids[-1] + 2)
        change[ids] = renewed - original
        self._trees.append((tree, change))
        entry = self._datasets[key]
        if entry[2] == len(self._trees) - 1:  # the training rows' leaves are known already
            entry[1] += change[leaf_ids]
            entry[2] += 1


@contextlib.contextmanager
def renewal_attached(renewal, objective, metrics):
    """Inside the block, ``objective`` and the scikit-learn metrics among ``metrics`` (one
    or a list) renew with ``renewal`` (nothing when it is None); afterwards they are plain
    again, so a fitted estimator pickles without the training state."""
    metrics = metrics if isinstance(metrics, (list, tuple)) else [metrics]
    holders = [objective] + [m for m in metrics if isinstance(m, SklearnMetricBase)]
    if renewal is None:
        holders = []
    for holder in holders:
        holder._renewal = renewal
    try:
        yield
    finally:
        for holder in holders:
            del holder._renewal


def renews_leaves(loss, renew_leaves, caller):
    """Whether to renew leaves: ``renew_leaves`` if given, else the loss's own choice."""
    if renew_leaves is None:
        return bool(getattr(loss, "renews_leaves", False))
    if renew_leaves and not getattr(loss, "renews_leaves", False) and \
            not hasattr(loss, "leaf_values"):
        raise ValueError(f"{caller}: {loss.name} has no leaf_values to renew leaves with.")
    if renew_leaves and isinstance(loss, MulticlassLoss):
        raise ValueError(f"{caller}: leaf renewal is for one score per row; {loss.name} "
                         "keeps K.")
    return bool(renew_leaves)
