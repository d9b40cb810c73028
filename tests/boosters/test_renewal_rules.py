"""Renewed leaves obey what the booster's own leaves obey: its penalties (L2, L1,
max_delta_step, LightGBM's path_smooth) and monotone constraints; renewal reads each
evaluation set's leaves right (categories re-coded, sparse COO input, an evaluation set
with the training features)."""

import json

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj._boosters.renewal import MIN_CHILD_WEIGHT, TreeLeaves, monotone_values

RENEWING = ["quantile:alpha=0.9", "quantile:alpha=0.1", "absolute_error", "huber", "fair",
            "cauchy"]


def smooth_data(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, 3 * X[:, 0] + np.sin(2 * X[:, 1]) + rng.normal(size=n)


LGB_PENALTIES = [{"path_smooth": 5.0}, {"lambda_l2": 3.0}, {"max_delta_step": 0.5},
                 {"lambda_l1": 2.0},
                 {"path_smooth": 5.0, "reg_lambda": 2.0, "max_leaf_output": 0.8, "reg_alpha": 1.0}]
XGB_PENALTIES = [{"lambda": 3.0}, {"max_delta_step": 0.5}, {"alpha": 2.0},
                 {"lambda": 2.0, "alpha": 1.0, "max_delta_step": 0.8}]


@pytest.mark.parametrize("penalty", LGB_PENALTIES, ids=str)
def test_renewed_squared_error_is_lightgbms_own_penalised_leaf(penalty):
    # Squared error's penalised minimiser is the leaf LightGBM computes itself: renewing it
    # must give the booster's own model, whatever the penalty.
    X, y = smooth_data()
    params = {"learning_rate": 0.3, "num_leaves": 8, "verbose": -1, "num_threads": 1,
              "deterministic": True, **penalty}
    plain = bl.train("squared_error", params, lgb.Dataset(X, y), 5, renew_leaves=False)
    renewed = bl.train("squared_error", params, lgb.Dataset(X, y), 5, renew_leaves=True)
    np.testing.assert_allclose(renewed.predict(X), plain.predict(X), atol=1e-6)


@pytest.mark.parametrize("penalty", XGB_PENALTIES, ids=str)
def test_renewed_squared_error_is_xgboosts_own_penalised_leaf(penalty):
    X, y = smooth_data()
    params = {"eta": 0.3, "max_depth": 3, "nthread": 1, "min_child_weight": 1, **penalty}
    dtrain = xgb.DMatrix(X, y)
    plain = bx.train("squared_error", params, dtrain, 5, renew_leaves=False)
    renewed = bx.train("squared_error", params, dtrain, 5, renew_leaves=True)
    np.testing.assert_allclose(renewed.predict(dtrain), plain.predict(dtrain), atol=2e-6)


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_max_delta_step_bounds_every_renewed_huber_leaf(booster):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1000, 3))
    y = 100 * X[:, 0] + rng.standard_t(2, size=1000)
    if booster == "lightgbm":
        model = bl.train("huber", {"max_delta_step": 0.05, "learning_rate": 0.5,
                                   "verbose": -1}, lgb.Dataset(X, y), 10)
        leaves = [model.get_leaf_output(t, leaf) for t in range(1, 10)
                  for leaf in range(model.dump_model()["tree_info"][t]["num_leaves"])]
    else:
        model = bx.train("huber", {"max_delta_step": 0.05, "eta": 0.5}, xgb.DMatrix(X, y), 10)
        trees = model.trees_to_dataframe()
        leaves = trees.loc[trees.Feature == "Leaf", "Gain"].to_numpy()
    assert np.max(np.abs(leaves)) <= 0.5 * 0.05 * (1 + 1e-6)


def sweep_drop(predict, n_features=2):
    """The largest fall of the predictions along feature 0 (constrained increasing), over a
    grid of the other feature."""
    grid = np.linspace(-0.1, 1.1, 241)
    drops = []
    for other in np.linspace(0, 1, 21):
        rows = np.column_stack([grid] + [np.full_like(grid, other)] * (n_features - 1))
        drops.append(-np.min(np.diff(predict(rows))))
    return max(drops)


def monotone_data(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 2))
    return X, 3 * X[:, 0] + np.sin(8 * X[:, 1]) + rng.standard_t(2, size=n)


@pytest.mark.parametrize("spec", RENEWING)
@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_renewed_models_keep_monotone_constraints(spec, booster):
    X, y = monotone_data()
    if booster == "lightgbm":
        model = bl.LGBMRegressor(loss=spec, monotone_constraints=[1, 0], n_estimators=60,
                                 verbose=-1).fit(X, y)
    else:
        model = bx.XGBRegressor(loss=spec, monotone_constraints=(1, 0), n_estimators=60,
                                max_depth=4, min_child_weight=1).fit(X, y)
    assert sweep_drop(model.predict) <= 1e-6


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_native_training_keeps_a_decreasing_constraint(booster):
    X, y = monotone_data(seed=1)
    y = -y
    if booster == "lightgbm":
        model = bl.train("quantile:alpha=0.9", {"monotone_constraints": "-1,0", "verbose": -1},
                         lgb.Dataset(X, y), 60)
        predict = model.predict
    else:
        model = bx.train("quantile:alpha=0.9", {"monotone_constraints": "(-1,0)",
                                                "max_depth": 4}, xgb.DMatrix(X, y), 60)

        def predict(rows):
            return model.predict(xgb.DMatrix(rows))
    assert sweep_drop(lambda rows: -predict(rows)) <= 1e-6


def test_lightgbm_refuses_a_monotone_string_it_would_read_as_no_constraint():
    X, y = monotone_data()
    with pytest.raises(ValueError, match=r"monotone_constraints='\[1,0\]'"):
        bl.train("huber", {"monotone_constraints": "[1,0]", "verbose": -1},
                 lgb.Dataset(X, y), 2)


def test_monotone_values_are_ordered_and_leave_ordered_values_alone():
    leaves = TreeLeaves()
    # Three leaves along feature 0 (x < 0, 0 <= x < 1, x >= 1), one split on feature 1 above.
    leaves.add(0, {1: (-np.inf, 0.0), 0: (-np.inf, 0.0)})
    leaves.add(1, {1: (-np.inf, 0.0), 0: (0.0, 1.0)})
    leaves.add(2, {1: (-np.inf, 0.0), 0: (1.0, np.inf)})
    leaves.add(3, {1: (0.0, np.inf)})
    below, above = leaves.ordered_pairs((1, 0))
    assert sorted(zip(below.tolist(), above.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]
    ordered = monotone_values([1.0, 3.0, 2.0, -5.0], below, above)
    assert ordered[0] <= ordered[1] <= ordered[2] and ordered[3] == -5.0
    np.testing.assert_array_equal(monotone_values([1.0, 2.0, 3.0, 0.0], below, above),
                                  [1.0, 2.0, 3.0, 0.0])


class TrainingConfig(xgb.callback.TrainingCallback):
    """Records the tree parameters XGBoost trains with."""

    def after_iteration(self, model, epoch, evals_log):
        config = json.loads(model.save_config())
        self.params = config["learner"]["gradient_booster"]["tree_train_param"]
        return False


def test_xgboost_renewal_defaults_min_child_weight_and_keeps_the_users():
    X, y = smooth_data(400)
    dtrain = xgb.DMatrix(X, y)

    def trained(params, spec="huber"):
        recorder = TrainingConfig()
        bx.train(spec, params, dtrain, 2, callbacks=[recorder])
        return float(recorder.params["min_child_weight"])

    assert trained({}) == MIN_CHILD_WEIGHT
    assert trained({"min_child_weight": 3}) == 3
    assert trained({}, "squared_error") == 1  # no renewal: XGBoost's default
    recorder = TrainingConfig()
    model = bx.XGBRegressor(loss="absolute_error", n_estimators=2, callbacks=[recorder])
    model.fit(X, y)
    assert float(recorder.params["min_child_weight"]) == MIN_CHILD_WEIGHT
    assert model.get_params()["min_child_weight"] is None


def test_xgboost_categorical_eval_set_with_other_categories_reports_the_final_model():
    # The evaluation DMatrix lacks a category, so its codes differ from training; XGBoost
    # re-codes them through the model, which a one-tree slice would not.
    rng = np.random.default_rng(0)
    n = 2000
    levels = rng.choice(list("abcd"), n)
    x = rng.normal(size=n)
    y = np.array(["abcd".index(v) for v in levels]) + x + rng.normal(size=n)
    train = pd.DataFrame({"c": pd.Categorical(levels), "x": x})
    keep = levels != "b"
    held = pd.DataFrame({"c": pd.Categorical(levels[keep]), "x": x[keep]})
    dtrain = xgb.DMatrix(train, y, enable_categorical=True)
    dheld = xgb.DMatrix(held, y[keep], enable_categorical=True)
    history = {}
    model = bx.train("quantile:alpha=0.7", {"max_depth": 3}, dtrain, 20,
                     evals=[(dheld, "held")], evals_result=history)
    reported = history["held"]["quantile"][-1]
    final = np.mean(np.where(y[keep] >= model.predict(dheld),
                             0.7 * (y[keep] - model.predict(dheld)),
                             0.3 * (model.predict(dheld) - y[keep])))
    assert reported == pytest.approx(final, rel=1e-4)


def test_xgboost_eval_set_with_the_training_features_and_other_targets():
    X, y = smooth_data(500)
    model = bx.XGBRegressor(loss="quantile:alpha=0.5", n_estimators=5)
    model.fit(X, y, eval_set=[(X, y + 1)], verbose=False)
    reported = model.evals_result()["validation_0"]["quantile"][-1]
    residual = y + 1 - model.predict(X)
    final = np.mean(np.where(residual >= 0, 0.5 * residual, -0.5 * residual))
    assert reported == pytest.approx(final, rel=1e-4)


def test_lightgbm_renewal_takes_a_coo_matrix():
    X, y = smooth_data(500)
    coo = scipy.sparse.coo_matrix(X)
    model = bl.LGBMRegressor(loss="absolute_error", n_estimators=5, verbose=-1).fit(coo, y)
    dense = bl.LGBMRegressor(loss="absolute_error", n_estimators=5, verbose=-1).fit(X, y)
    np.testing.assert_allclose(model.predict(X), dense.predict(X), atol=1e-9)


def test_monotone_renewal_takes_a_tree_of_one_leaf():
    # LightGBM dumps a one-leaf tree without a leaf_index; nothing to order there.
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(30, 2))
    y = rng.normal(size=30)
    model = bl.LGBMRegressor(loss="huber", monotone_constraints=[1, 0], n_estimators=3,
                             min_child_samples=25, verbose=-1).fit(X, y)
    assert np.all(np.isfinite(model.predict(X)))


def test_lightgbm_renewal_predicts_leaves_on_the_trainings_threads(monkeypatch):
    # LightGBM's predict sets OpenMP's global thread count to its own (every core by
    # default): a leaf lookup without num_threads made n_jobs=1 training run on more.
    calls = []
    predict = lgb.Booster.predict

    def spy(self, data, *args, **kwargs):
        if kwargs.get("pred_leaf"):
            calls.append(kwargs.get("num_threads"))
        return predict(self, data, *args, **kwargs)

    monkeypatch.setattr(lgb.Booster, "predict", spy)
    X, y = smooth_data(600)
    bl.LGBMRegressor(loss="absolute_error", n_jobs=1, n_estimators=5, verbose=-1).fit(
        X, y, eval_set=[(X[:100], y[:100])])
    assert calls and set(calls) == {1}
