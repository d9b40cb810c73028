"""Leaf renewal: each new tree's leaves re-fit to the loss's exact minimiser over their rows.

``LeafRenewal`` is the bookkeeping both boosters share (which rows reach which leaf, the
corrections the objective and the metric add to the booster's scores); each booster's
callback (``boostobj.xgboost.callback``, ``boostobj.lightgbm.callback``) knows how to read
and write its trees.
"""

from __future__ import annotations

import numpy as np

from .._numerics import all_max, all_sum, kernel_threads, nearest_value
from ..losses import MultiOutputLoss

# XGBoost's min_child_weight where leaves are renewed and the user sets none: 20 rows' worth
# of hessian at weight 1 (LightGBM's leaves hold min_data_in_leaf = 20 rows by default).
# Renewal sets each leaf to its own rows' minimiser, and XGBoost's default of 1 (counted in
# hessian, which the IRLS stand-ins keep below 1 a row) lets a leaf hold a few rows,
# outliers among them: on noisy sinc data with 10% outliers that made the XGBoost models
# 40-110% worse than LightGBM's. A number, not a multiple of the rows or the mean weight, so
# that weight 2 still trains as a duplicated row.
MIN_CHILD_WEIGHT = 20.0


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
    if renew_leaves and isinstance(loss, MultiOutputLoss):
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
    ``_set_leaf_outputs(tree, ids, values)``, ``_leaf_rules()`` (a :class:`LeafRules`: the
    learning rate, and the penalty, monotone constraints and smoothing its own leaves obey,
    which the renewed values obey too) and ``_tree_leaves(tree)`` (a :class:`TreeLeaves`).
    It may give the booster's training scores (``_training_scores``), which it then asks to
    keep before each tree (``_keeps_scores``): the training rows' leaves are read off their
    change, with ``_all_leaf_outputs(tree)`` (every leaf's id, in order, and value), their
    rounding ``_score_epsilon`` and ``_rows(source, rows)`` (those rows of a dataset, for
    the rows whose change two leaves share).
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
        self._read = None  # (tree, leaf ids in order, their values): the newest tree's

    def __deepcopy__(self, memo):
        # lgb.train deep-copies its params, objective included: the objective, the metric
        # and the callback must keep sharing this one state.
        return self

    def add_dataset(self, key, source, n_rows):
        """Register a dataset whose scores need corrections; ``source`` feeds ``_leaves``."""
        if key not in self._datasets:
            self._datasets[key] = [source, np.zeros(n_rows), 0]

    def add_estimator_sets(self, X, y, eval_set, source, keys):
        """Register a scikit-learn fit's training set (key ``"train"``) and evaluation sets
        (``("eval", i)``) as ``keys`` (the booster's evaluation order) names them, with
        ``source(features)`` the data ``_leaves`` reads. Returns each key's row count."""
        n_rows = {"train": _length(y)}
        self.add_dataset("train", source(X), n_rows["train"])
        for key in keys:
            if key != "train":
                eval_X, eval_y = eval_set[key[1]]
                n_rows[key] = _length(eval_y)
                self.add_dataset(key, source(eval_X), n_rows[key])
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
        tree about to be grown starts from these scores (kept until it is renewed); an
        "auto" scale is fixed once for them, and that tree is renewed with the same loss (on
        a cluster each fixing is two selections over every worker)."""
        self.flush()
        raw_score = self._training_raw_score(key, targets, predictions, start)
        fixed = self.loss.fix_scale(targets.y, raw_score, targets.weight)
        scores = (np.array(predictions, dtype=np.float64).reshape(-1) if self._keeps_scores
                  else None)
        # The renewal reads these raw scores before anything writes to them again (the
        # tracked scores and the targets' buffer change only after it), except where they
        # are the booster's own buffer, which it refills (to evaluate the training set, say).
        if np.may_share_memory(raw_score, predictions):
            raw_score = np.array(raw_score, dtype=np.float64)
        self._pending = (key, targets, raw_score, scores, fixed)
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
        """The training rows' leaves in the newest ``tree``, read off the change of the
        booster's training scores where the subclass gives them (``_training_scores``).

        The booster added the tree's value at each row's leaf to its training scores, so the
        change since the objective's last call names the leaf, up to rounding, wherever the
        tree's leaf values differ. Only the rows of leaves that share a value (frequent for
        pinball and L1, whose gradients take two values) are looked up in the tree
        (``_leaves`` on ``_rows``); all rows are when a change matches no leaf.
        """
        scores_after = (self._training_scores(source, scores_before.size)
                        if scores_before.size else None)  # a worker may hold no rows
        if scores_after is None:
            return self._leaves(source, tree)
        ids, values = self._all_leaf_outputs(tree)
        self._read = (tree, ids, values)
        order = np.argsort(values)
        sorted_values = values[order]
        change = np.subtract(scores_after, scores_before, dtype=np.float64)
        # (a + v) - a is v within half a unit in the last place of a + v, and the value read
        # from the model is within half a unit of the one the booster added (XGBoost's JSON
        # prints float32 values shortest): 4 eps (|a| + |v|) bounds both twice over.
        largest = max(-np.min(scores_before), np.max(scores_before)) + np.max(np.abs(values))
        tolerance = 4 * self._score_epsilon * largest
        position, error = nearest_value(sorted_values, change, tolerance)
        if not error <= 3 * tolerance:  # 1, + 2 for shared values
            return self._leaves(source, tree)
        leaf = ids[order][position]
        close = np.diff(sorted_values) <= 2 * tolerance
        if np.any(close):
            shared = np.zeros(values.size, dtype=bool)
            shared[:-1] |= close
            shared[1:] |= close
            rows = np.flatnonzero(shared[position])
            if 8 * rows.size > leaf.size:  # taking the rows costs more than looking all up
                return self._leaves(source, tree)
            subset = self._rows(source, rows)
            if subset is None:
                return self._leaves(source, tree)
            leaf[rows] = self._leaves(subset, tree)
        return leaf

    def _outputs_of(self, tree, ids):
        """The values of leaves ``ids`` of ``tree``, from those ``_training_leaves`` read
        where it did (one read of the tree a round)."""
        if self._read is not None and self._read[0] == tree:
            all_ids, all_values = self._read[1:]
            position = np.searchsorted(all_ids, ids)
            if np.array_equal(all_ids[np.minimum(position, all_ids.size - 1)], ids):
                return all_values[position]
        return np.asarray(self._leaf_outputs(tree, ids), dtype=np.float64)

    def _training_scores(self, source, n_rows):
        """The booster's scores of the training rows (dataset ``source``) now, the newest
        tree included, or None where it cannot tell them."""
        return None

    def _constrained(self, tree, ids, original, renewed, rules):
        """The renewed values of every leaf of ``tree`` (ids, original and renewed values)
        after the booster's path smoothing and monotone constraints: leaves the training
        rows did not reach keep their value unless the constraints move it."""
        leaves = self._tree_leaves(tree).sorted()
        all_ids = np.asarray(leaves.ids, dtype=np.intp)
        position = np.searchsorted(all_ids, ids)
        if rules.path_smooth > 0:
            counts = np.asarray(leaves.counts)[position]
            parents = np.asarray(leaves.parent_values)[position]
            renewed = path_smoothed(renewed, counts, parents, rules.path_smooth)
        if not any(rules.monotone):
            return ids, original, renewed
        all_original = np.asarray(leaves.values, dtype=np.float64)
        values = all_original.copy()
        values[position] = renewed
        below, above = leaves.ordered_pairs(rules.monotone)
        return all_ids, all_original, monotone_values(values, below, above)

    def flush(self):
        """Renew the newest tree if it has not been (the objective or the metric calls this)."""
        if self._pending is None or self.booster is None:
            return
        key, targets, raw_score, scores_before, loss = self._pending
        self._pending = None
        with kernel_threads(targets.threads):  # the training's own thread count
            self._renew(key, targets, raw_score, scores_before, loss)

    def _renew(self, key, targets, raw_score, scores_before, loss):
        tree = self._newest_tree()
        leaf_ids = np.asarray(self._training_leaves(self._datasets[key][0], tree, scores_before),
                              dtype=np.intp)
        # The leaves any worker's rows reach (on one process: this one's): every worker
        # then numbers them alike, and the leaf values are over all their rows.
        n_ids = int(all_max(leaf_ids.max() + 1 if leaf_ids.size else 0))
        ids = np.flatnonzero(all_sum(np.bincount(leaf_ids, minlength=n_ids)))
        if ids.size == 0:
            return
        if ids.size == ids[-1] + 1:  # every leaf reached: the ids are compact already
            leaf = leaf_ids
        else:
            compact = np.empty(ids[-1] + 1, dtype=np.intp)
            compact[ids] = np.arange(ids.size)
            leaf = compact[leaf_ids]
        rules = self._leaf_rules()  # one read of the booster's parameters a round
        values = loss.leaf_values(targets.y, raw_score, targets.weight, leaf, ids.size,
                                  penalty=rules.penalty)
        original = self._outputs_of(tree, ids)
        renewed = np.where(np.isfinite(values), rules.learning_rate * values, original)
        if rules.path_smooth > 0 or any(rules.monotone):
            ids, original, renewed = self._constrained(tree, ids, original, renewed, rules)
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


class LeafRules:
    """What a booster imposes on its leaf values: the ``learning_rate`` they are scaled by,
    the ``penalty`` (a :class:`boostobj.losses.LeafPenalty`, or None), ``monotone``
    constraints (one of -1, 0, 1 per feature) and LightGBM's ``path_smooth``."""

    def __init__(self, learning_rate, penalty=None, monotone=(), path_smooth=0.0):
        self.learning_rate, self.penalty = float(learning_rate), penalty
        self.monotone, self.path_smooth = tuple(monotone), path_smooth


class TreeLeaves:
    """The leaves of one tree: each leaf's id (as the booster numbers it), its value, its
    box of feature values (``{feature: (low, high)}``, the features the path to it splits
    on; categorical splits bound nothing), its row count and its parent's output where the
    booster tells them."""

    def __init__(self):
        self.ids, self.values, self.boxes, self.parent_values, self.counts = [], [], [], [], []

    def add(self, leaf, box, value=np.nan, parent_value=None, count=0):
        """Add leaf ``leaf`` with its ``box``, value, parent's output and row count."""
        self.ids.append(int(leaf))
        self.values.append(float(value))
        self.boxes.append(box)
        self.parent_values.append(np.nan if parent_value is None else float(parent_value))
        self.counts.append(float(count))

    @staticmethod
    def split(box, feature, threshold):
        """The boxes of a split's two sides: ``feature`` below ``threshold`` and above."""
        low, high = box.get(feature, (-np.inf, np.inf))
        return ({**box, feature: (low, min(high, threshold))},
                {**box, feature: (max(low, threshold), high)})

    def sorted(self):
        """The same leaves in order of id."""
        leaves = TreeLeaves()
        for i in np.argsort(self.ids, kind="stable"):
            leaves.add(self.ids[i], self.boxes[i], self.values[i], self.parent_values[i],
                       self.counts[i])
        return leaves

    def ordered_pairs(self, constraints):
        """(below, above): the pairs of leaves whose values a monotone model must order,
        value[below] <= value[above], for ``constraints`` (per feature: 1 increasing, -1
        decreasing, 0 free). Two leaves are ordered by feature j when their boxes overlap
        in every other feature (some row can move between them by changing j alone) and
        one lies wholly below the other in j."""
        features = sorted({j for box in self.boxes for j in box})
        n = len(self.ids)
        low = np.full((n, len(features)), -np.inf)
        high = np.full((n, len(features)), np.inf)
        for i, box in enumerate(self.boxes):
            for k, j in enumerate(features):
                low[i, k], high[i, k] = box.get(j, (-np.inf, np.inf))
        # overlap[a, b, k]: the boxes of a and b share values of feature k
        overlap = (low[:, None, :] < high[None, :, :]) & (low[None, :, :] < high[:, None, :])
        below, above = [], []
        for k, j in enumerate(features):
            sign = int(constraints[j]) if j < len(constraints) else 0
            if sign == 0:
                continue
            others = np.delete(overlap, k, axis=2).all(axis=2)
            lower = others & (high[:, None, k] <= low[None, :, k])  # a wholly below b in j
            a, b = np.nonzero(lower)
            below.append(a if sign > 0 else b)
            above.append(b if sign > 0 else a)
        if not below:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
        return np.concatenate(below), np.concatenate(above)


def monotone_values(values, below, above):
    """``values`` moved so that value[below] <= value[above] for every pair: the mean of the
    least ordered values above them and the greatest ordered values below them (both
    ordered, so their mean is too; values already ordered are unchanged)."""
    if below.size == 0:
        return np.array(values, dtype=np.float64)
    up = _propagated(values, below, above, np.maximum)
    down = _propagated(values, above, below, np.minimum)
    return (up + down) / 2


def _propagated(values, source, target, combine):
    """``values`` with ``combine`` of each ``source`` value carried to its ``target``,
    along every chain of pairs, until nothing changes."""
    result = np.array(values, dtype=np.float64)
    for _ in range(len(result) + 1):  # a longest chain of pairs is at most every leaf
        before = result.copy()
        combine.at(result, target, result[source])
        if np.array_equal(before, result):
            break
    return result


def path_smoothed(values, counts, parent_values, smoothing):
    """LightGBM's ``path_smooth`` s on (shrunk) leaf values: v n/(n + s) + p s/(n + s), n
    the leaf's row count and p its parent's output (leaves without a parent unchanged)."""
    weight = counts / (counts + smoothing)
    smoothed = weight * values + (1 - weight) * parent_values
    return np.where(np.isfinite(parent_values), smoothed, values)


def _length(values):
    """The number of rows of an array-like (lists, arrays, pandas, anything ``__array__``)."""
    return int(np.asarray(values).shape[0])
