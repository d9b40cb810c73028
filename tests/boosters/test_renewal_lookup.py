"""The training rows' leaves that renewal reads off the change of the booster's scores are
the leaves the booster's own ``pred_leaf`` gives, every round, on both boosters and in
both APIs (quantile leaves often share a value, which sends some rows to ``pred_leaf``)."""

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj._boosters.renewal import LeafRenewal


@pytest.fixture
def checked_lookups(monkeypatch):
    """Every ``_training_leaves`` call compared with a full ``pred_leaf`` lookup; per round,
    whether it looked every row up itself (the fallback) rather than reading the change."""
    rounds = []
    original = LeafRenewal._training_leaves

    def training_leaves(self, source, tree, scores_before):
        looked_up = []
        leaves_of = self._leaves
        self._leaves = lambda data, tree: looked_up.append(data is source) or leaves_of(
            data, tree)
        try:
            leaves = original(self, source, tree, scores_before)
        finally:
            del self._leaves
        expected = self._leaves(source, tree)
        np.testing.assert_array_equal(np.asarray(leaves), np.asarray(expected))
        rounds.append(any(looked_up))
        return leaves

    monkeypatch.setattr(LeafRenewal, "_training_leaves", training_leaves)
    return rounds


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 4))
    y = 100.0 + X[:, 0] + rng.standard_t(2, size=3000)  # an offset: large scores
    return X, y


@pytest.mark.parametrize("loss", ["quantile:alpha=0.8", "huber", "absolute_error"])
def test_xgboost_lookups_equal_pred_leaf(checked_lookups, data, loss):
    X, y = data
    bx.train(loss, {"max_depth": 4, "eta": 0.3}, xgb.DMatrix(X, y), 12)
    bx.XGBRegressor(loss=loss, n_estimators=12, max_depth=4).fit(X, y)
    assert len(checked_lookups) == 24
    assert checked_lookups.count(False) >= 12  # most rounds read the change


@pytest.mark.parametrize("loss", ["quantile:alpha=0.8", "huber", "absolute_error"])
def test_lightgbm_lookups_equal_pred_leaf(checked_lookups, data, loss):
    X, y = data
    bl.train(loss, {"num_leaves": 15, "learning_rate": 0.3, "verbose": -1},
             lgb.Dataset(X, y), 12)
    bl.LGBMRegressor(loss=loss, n_estimators=12, num_leaves=15, verbose=-1).fit(X, y)
    assert len(checked_lookups) == 24
    assert checked_lookups.count(False) >= 12  # most rounds read the change
