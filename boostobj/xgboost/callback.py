"""XGBoost's training callbacks: leaf renewal (``XGBoostRenewal``)."""

from __future__ import annotations

import numpy as np
import xgboost as xgb

from .._boosters import xgboost_model
from .._boosters.options import monotone_signs
from .._boosters.renewal import LeafRenewal, LeafRules
from ..losses import LeafPenalty

__all__ = ["XGBoostRenewal"]


class XGBoostRenewal(LeafRenewal, xgb.callback.TrainingCallback):
    """Leaf renewal for XGBoost (the bookkeeping is ``LeafRenewal``'s).

    XGBoost's Python API can read a tree's leaves but not write them, and its prediction
    caches would not see a change. So during training the trees keep XGBoost's leaf values
    and the metric adds the corrections; the objective's raw scores are kept here in
    float64 (the start plus each renewed leaf value at the row's leaf), since XGBoost's
    float32 sums round differently at each target scale and a loss whose gradient jumps at
    a zero residual would take the sign of that rounding. The training rows' leaves in the
    newest tree are read off the change of XGBoost's cached margins of their DMatrix
    (``LeafRenewal._training_leaves``: a copy of the cache, where ``predict(pred_leaf=True)``
    on a one-tree slice took about 50 ms at 1M rows); rows of leaves the float32 rounding
    cannot tell apart, and evaluation sets, go through that one-tree ``pred_leaf``. When
    training ends the renewed values are written into the model once (``apply``), so the
    saved model predicts on its own.
    """

    _tracks_scores = True
    _keeps_scores = True
    _score_epsilon = np.finfo(np.float32).eps  # XGBoost's margins are float32

    def __init__(self, loss, start=None):
        LeafRenewal.__init__(self, loss, start)
        xgb.callback.TrainingCallback.__init__(self)
        self._renewed = {}  # tree index -> (leaf node ids, renewed values)

    def before_training(self, model):
        """Keep the booster being trained."""
        self.booster = model
        return model

    def after_iteration(self, model, epoch, evals_log):
        """Renew the tree just grown; never stops training."""
        self.flush()
        return False

    def _newest_tree(self):
        return int(self.booster.num_boosted_rounds()) - 1

    def _leaves(self, dmatrix, tree):
        if "c" in (dmatrix.feature_types or ()):
            # A one-tree slice drops the model's categories, so XGBoost would not re-code a
            # DMatrix whose category list differs from the training one: predict through
            # the whole model up to the tree (XGBoost's leaf prediction starts at tree 0).
            leaves = self.booster.predict(dmatrix, pred_leaf=True, iteration_range=(0, tree + 1))
            return np.asarray(leaves).reshape(leaves.shape[0], -1)[:, -1].astype(np.intp)
        return self.booster[tree:tree + 1].predict(dmatrix, pred_leaf=True).astype(np.intp)

    def _training_scores(self, dmatrix, n_rows):
        # XGBoost caches each DMatrix's margins and adds only the trees grown since its last
        # prediction: the training DMatrix's include the newest tree already (a copy), a
        # scikit-learn fit's lookup DMatrix takes one tree's prediction.
        scores = self.booster.predict(dmatrix, output_margin=True)
        return scores.reshape(-1) if scores.size == n_rows else None

    def _all_leaf_outputs(self, tree):
        return xgboost_model.leaf_nodes(self.booster, tree)

    def _rows(self, dmatrix, rows):
        try:
            return dmatrix.slice(rows)
        except xgb.core.XGBoostError:  # a QuantileDMatrix cannot be sliced
            return None

    def _leaf_outputs(self, tree, ids):
        return xgboost_model.leaf_outputs(self.booster, tree, ids)

    def _set_leaf_outputs(self, tree, ids, values):
        self._renewed[tree] = (ids, values)

    def _leaf_rules(self):
        params = xgboost_model.tree_params(self.booster)  # one config read a round
        penalty = LeafPenalty(l2=float(params.get("lambda", 1)), l1=float(params.get("alpha", 0)),
                              max_delta_step=float(params.get("max_delta_step", 0)))
        return LeafRules(params["eta"], penalty,
                         monotone_signs(params.get("monotone_constraints", "")))

    def _tree_leaves(self, tree):
        return xgboost_model.tree_leaves(self.booster, tree)

    def apply(self, booster):
        """A copy of ``booster`` with the renewed leaf values written into its trees."""
        self.flush()
        if not self._renewed:
            return booster
        return xgboost_model.with_leaf_values(booster, self._renewed)
