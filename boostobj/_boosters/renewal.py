"""Leaf renewal: each new tree's leaves re-fit to the loss's exact minimiser over their rows.

``LeafRenewal`` is the bookkeeping both boosters share (which rows reach which leaf, the
corrections the objective and the metric add to the booster's scores); each booster's
callback (``boostobj.xgboost.callback``, ``boostobj.lightgbm.callback``) knows how to read
and write its trees.
"""

from __future__ import annotations

import numpy as np

from .._numerics import all_max, all_sum
from ..losses import MulticlassLoss


def renews_leaves(loss, renew_leaves, caller):
    """Whether to renew leaves: ``renew_leaves`` if given, else the loss's own choice."""
    if renew_leaves is None:
        return bool(getattr(loss, "renews_leaves", False))
    if renew_leaves and getattr(loss, "grouped", False):
        raise ValueError(f"{caller}: renew_leaves=True with the ranking loss {loss.name}: a "
                         "leaf's rows span groups, so it has no minimiser of its own; pass "
                         "renew_leaves=False.")
    if (renew_leaves and not getattr(loss, "renews_leaves", False)
            and not hasattr(loss, "leaf_values")):
        raise ValueError(f"{caller}: {loss.name} has no leaf_values to renew leaves with.")
    if renew_leaves and isinstance(loss, MulticlassLoss):
        raise ValueError(f"{caller}: leaf renewal is for one score per row; {loss.name} "
                         "keeps K.")
    return bool(renew_leaves)


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
        n_rows = {"train": _length(y)}
        self.add_dataset("train", source(X), n_rows["train"])
        for index, (eval_X, eval_y) in enumerate(eval_set):
            if eval_X is not X:
                n_rows["eval", index] = _length(eval_y)
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


def _length(values):
    """The number of rows of an array-like (lists, arrays, pandas, anything ``__array__``)."""
    return int(np.asarray(values).shape[0])
