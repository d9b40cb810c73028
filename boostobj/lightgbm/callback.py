"""LightGBM's training callbacks: leaf renewal (``LightGBMRenewal``)."""

from __future__ import annotations

import numpy as np

from .._boosters import lightgbm_model
from .._boosters.options import first_param
from .._boosters.renewal import LeafRenewal, LeafRules
from ..losses import LeafPenalty
from .basic import (
    LAMBDA_L1_KEYS,
    LAMBDA_L2_KEYS,
    LEARNING_RATE_KEYS,
    MAX_DELTA_STEP_KEYS,
    THREAD_KEYS,
    monotone_constraints,
)

__all__ = ["LightGBMRenewal"]


class LightGBMRenewal(LeafRenewal):
    """Leaf renewal for LightGBM (the bookkeeping is ``LeafRenewal``'s).

    ``Booster.set_leaf_output`` writes a renewed value into the model at once, but LightGBM's
    training and validation scores were already updated with the tree's own values, so the
    objective and metric add the corrections. Each row's leaf in the newest tree comes from
    ``predict(pred_leaf=True)`` for that one iteration on the dataset's raw data (``train``
    keeps it: ``free_raw_data=False``), or for the training rows from the change of the
    booster's training scores (``LeafRenewal._training_leaves``).
    """

    _keeps_scores = True
    _score_epsilon = np.finfo(np.float64).eps  # LightGBM's training scores are float64
    _training = False  # whether the booster still holds its training scores

    def __init__(self, loss, datasets=(), caller="boostobj.lightgbm.train"):
        """``datasets``: ``lgb.train``'s Datasets, registered at once, their features kept in
        memory (``free_raw_data=False``) for the leaf lookups; ``ValueError`` naming
        ``caller`` for a Dataset built from a file."""
        super().__init__(loss)
        for dataset in datasets:
            data = raw_data(loss, dataset, caller)
            self.add_dataset(dataset, data, data.shape[0] if hasattr(data, "shape")
                             else len(data))

    def before_iteration(self, env):
        """Keep the booster being trained (the training scores are still there)."""
        self.booster = env.model
        self._training = True

    before_iteration.before_iteration = True
    before_iteration.order = 0

    def after_iteration(self, env):
        """Renew the tree just grown while the booster holds its training scores."""
        # Renew now, while the booster has its training scores: lgb.train frees them at the
        # end, and the objective would otherwise renew the tree only at the next call.
        self.flush()

    after_iteration.order = 0

    @property
    def callbacks(self):
        """The callbacks ``lgb.train`` takes: ``before_iteration`` and ``after_iteration``."""
        return [self.before_iteration, self.after_iteration]

    def finish(self):
        """Renew the last tree if it has not been, after training."""
        self._training = False
        self.flush()

    def _newest_tree(self):
        return self.booster.num_trees() - 1

    def _leaves(self, data, tree):
        # The training's thread count: LightGBM's predict sets OpenMP's global count to its
        # own (every core by default), and training with n_jobs=1 would go on with more.
        threads = first_param(self.booster.params, THREAD_KEYS)
        extra = {} if threads is None or int(threads) <= 0 else {"num_threads": int(threads)}
        leaves = self.booster.predict(data, pred_leaf=True, start_iteration=tree,
                                      num_iteration=1, **extra)
        return np.asarray(leaves, dtype=np.intp).reshape(-1)

    def _training_scores(self, data, n_rows):
        return (lightgbm_model.training_scores(self.booster, n_rows) if self._training
                else None)

    def _all_leaf_outputs(self, tree):
        ids = np.arange(lightgbm_model.num_leaves(self.booster, tree))
        return ids, np.asarray(self._leaf_outputs(tree, ids), dtype=np.float64)

    def _rows(self, data, rows):
        return _take_rows(data, rows)

    def _leaf_outputs(self, tree, ids):
        return [self.booster.get_leaf_output(tree, int(leaf)) for leaf in ids]

    def _set_leaf_outputs(self, tree, ids, values):
        for leaf, value in zip(ids, values, strict=True):
            self.booster.set_leaf_output(tree, int(leaf), float(value))

    def _leaf_rules(self):
        params = self.booster.params
        penalty = LeafPenalty(l2=float(first_param(params, LAMBDA_L2_KEYS, 0.0)),
                              l1=float(first_param(params, LAMBDA_L1_KEYS, 0.0)),
                              max_delta_step=float(first_param(params, MAX_DELTA_STEP_KEYS, 0.0)))
        return LeafRules(first_param(params, LEARNING_RATE_KEYS, 0.1), penalty,
                         monotone_constraints(params), float(params.get("path_smooth") or 0.0))

    def _tree_leaves(self, tree):
        return lightgbm_model.tree_leaves(self.booster, tree)


def _take_rows(data, rows):
    """``data[rows]`` for an array, sparse matrix or DataFrame; None for other inputs."""
    if hasattr(data, "iloc"):
        return data.iloc[rows]
    if hasattr(data, "tocsr"):  # COO matrices take no row index
        return data.tocsr()[rows]
    if isinstance(data, np.ndarray):
        return data[rows]
    return None


def raw_data(loss, dataset, caller):
    """The features of ``dataset``, kept for leaf lookups (LightGBM frees them by default)."""
    data = getattr(dataset, "data", None)
    if data is None or isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        raise ValueError(f"{caller}: leaf renewal for {loss.name} needs each Dataset's features "
                         "in memory: build it from an array or DataFrame and pass it "
                         "unconstructed (or with free_raw_data=False); or pass "
                         "renew_leaves=False.")
    dataset.free_raw_data = False
    return data
