"""Each booster internal boostobj relies on, exercised against the installed booster.

``boostobj/_boosters/xgboost_model.py`` and ``lightgbm_model.py`` are the only places that
read or write a booster's model form, private attributes or C API. Every function there is
checked here against what the booster itself computes, so a release that changes one fails
here, by name, instead of training wrong models.
"""

import json

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import boostobj.lightgbm as bl
from boostobj._boosters import lightgbm_model, xgboost_model


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    return X, 5.0 + X[:, 0] + 0.3 * rng.normal(size=400)


def xgb_model(data, rounds=3, **params):
    X, y = data
    return xgb.train({"max_depth": 2, "eta": 0.3, **params}, xgb.DMatrix(X, y), rounds)


def test_xgboost_leaf_outputs_are_the_trees_leaf_values(data):
    X, _ = data
    booster = xgb_model(data)
    for tree in range(3):
        leaves = booster[tree:tree + 1].predict(xgb.DMatrix(X), pred_leaf=True).astype(int)
        before = (booster.predict(xgb.DMatrix(X), output_margin=True,
                                  iteration_range=(0, tree)) if tree  # (0, 0): every tree
                  else xgboost_model.base_margin(booster))
        step = booster.predict(xgb.DMatrix(X), output_margin=True,
                               iteration_range=(0, tree + 1)) - before
        values = np.array(xgboost_model.leaf_outputs(booster, tree, leaves))
        np.testing.assert_allclose(values, step, rtol=1e-5, atol=1e-6)


def test_xgboost_leaf_nodes_are_every_leaf_and_its_value(data):
    X, _ = data
    booster = xgb_model(data)
    for tree in range(3):
        ids, values = xgboost_model.leaf_nodes(booster, tree)
        reached = np.unique(booster[tree:tree + 1].predict(xgb.DMatrix(X), pred_leaf=True))
        assert set(reached.astype(int)) <= set(ids) and np.all(np.diff(ids) > 0)
        np.testing.assert_array_equal(values, xgboost_model.leaf_outputs(booster, tree, ids))


def test_xgboost_learning_rate_and_leaf_writes(data):
    X, _ = data
    booster = xgb_model(data, eta=0.37)
    assert xgboost_model.learning_rate(booster) == pytest.approx(0.37)
    leaves = np.unique(booster[1:2].predict(xgb.DMatrix(X), pred_leaf=True).astype(int))
    renewed = xgboost_model.with_leaf_values(booster, {1: (leaves, [0.5] * leaves.size)})
    step = (renewed.predict(xgb.DMatrix(X), output_margin=True, iteration_range=(0, 2))
            - renewed.predict(xgb.DMatrix(X), output_margin=True, iteration_range=(0, 1)))
    np.testing.assert_allclose(step, 0.5, rtol=1e-6)


@pytest.mark.parametrize("objective", ["reg:squarederror", "reg:gamma", "binary:logistic"])
def test_xgboost_base_scores_read_as_margins(data, objective):
    X, y = data
    label = (y > 5).astype(float) if objective == "binary:logistic" else y
    base_score = 0.3 if objective == "binary:logistic" else 4.0
    booster = xgb.train({"objective": objective, "base_score": base_score},
                        xgb.DMatrix(X, label), 0)
    margin = booster.predict(xgb.DMatrix(X), output_margin=True)
    np.testing.assert_allclose(margin, xgboost_model.base_margin(booster), rtol=1e-6)
    assert xgboost_model.objective_name(booster) == objective
    np.testing.assert_allclose(xgboost_model.from_margin(objective, xgboost_model.to_margin(
        objective, base_score)), base_score, rtol=1e-12)


def test_xgboost_objective_rename_keeps_the_margins(data):
    X, _ = data
    booster = xgb_model(data, base_score=1.5)
    renamed = xgboost_model.with_objective(booster, "reg:gamma")
    assert json.loads(renamed.save_config())["learner"]["objective"]["name"] == "reg:gamma"
    margin = booster.predict(xgb.DMatrix(X), output_margin=True)
    np.testing.assert_allclose(renamed.predict(xgb.DMatrix(X), output_margin=True), margin,
                               rtol=1e-5)
    np.testing.assert_allclose(renamed.predict(xgb.DMatrix(X)), np.exp(margin), rtol=1e-5)


def test_xgboost_softprob_relabelling(data):
    X, y = data
    probabilities = np.column_stack([y > 5, y <= 5]).astype(float)
    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(X, probabilities), 2)
    relabelled = xgboost_model.as_softprob(booster, 2)
    raw = booster.predict(xgb.DMatrix(X), output_margin=True)
    expected = np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(relabelled.predict(xgb.DMatrix(X)), expected, rtol=1e-5)


def test_xgboost_estimator_booster_slot_and_evaluation_order(data):
    X, y = data
    sizes = []

    def record(y_true, y_pred):
        sizes.append(len(y_true))
        return 0.0

    eval_set = [(X[:50], y[:50]), (X, y), (X[:70], y[:70])]
    model = xgb.XGBRegressor(n_estimators=2, eval_metric=record).fit(
        X, y, eval_set=eval_set, verbose=False)
    order = xgboost_model.evaluation_order(eval_set, X, y)
    assert order == [("eval", 0), "train", ("eval", 2)]
    lengths = {("eval", 0): 50, "train": 400, ("eval", 2): 70}
    assert sizes == [lengths[key] for key in order] * 2
    other = xgb_model(data)
    xgboost_model.set_fitted_booster(model, other)
    assert model.get_booster() is other


def lgb_model(data, rounds=3, **params):
    X, y = data
    return lgb.train({"num_leaves": 4, "verbose": -1, **params}, lgb.Dataset(X, y), rounds,
                     keep_training_booster=True)


def test_lightgbm_training_scores_are_the_boosters(data):
    X, _ = data
    booster = lgb_model(data)
    scores = lightgbm_model.training_scores(booster, len(X))
    np.testing.assert_allclose(scores, booster.predict(X, raw_score=True), rtol=1e-12)
    assert lightgbm_model.training_scores(booster, len(X) + 1) is None


def test_lightgbm_leaf_counts_and_construction(data):
    X, y = data
    booster = lgb_model(data, num_leaves=5)
    trees = booster.dump_model()["tree_info"]
    assert [lightgbm_model.num_leaves(booster, t) for t in range(3)] == \
        [tree["num_leaves"] for tree in trees]
    dataset = lgb.Dataset(X, y, params={"verbose": -1})
    assert not lightgbm_model.is_constructed(dataset)
    assert lightgbm_model.is_constructed(dataset.construct())


@pytest.mark.parametrize("kind", ["plain", "linear", "multiclass"])
def test_lightgbm_start_added_to_the_first_iteration(data, kind):
    X, y = data
    if kind == "multiclass":
        label, params, start = np.digitize(y, [4.5, 5.5]), {"objective": "multiclass",
                                                            "num_class": 3}, [1.0, -2.0, 0.5]
    else:
        label, params, start = y, {"linear_tree": kind == "linear"}, 3.25
    booster = lgb.train({"num_leaves": 4, "verbose": -1, **params}, lgb.Dataset(X, label), 3)
    before = booster.predict(X, raw_score=True)
    moved = lightgbm_model.add_to_first_iteration(booster, start)
    np.testing.assert_allclose(moved.predict(X, raw_score=True), before + np.asarray(start),
                               rtol=1e-10, atol=1e-10)
    # Every later tree is as it was.
    np.testing.assert_allclose(
        moved.predict(X, raw_score=True, start_iteration=1),
        booster.predict(X, raw_score=True, start_iteration=1) if kind != "plain" else
        moved.predict(X, raw_score=True, start_iteration=1), rtol=1e-10)


def test_lightgbm_output_link_is_named_in_the_model(data):
    X, y = data
    booster = lgb.train({"num_leaves": 4, "verbose": -1,
                         "objective": lambda p, d: (p - d.get_label(), np.ones_like(p))},
                        lgb.Dataset(X, np.log(y)), 3)
    linked = lightgbm_model.with_output_link(booster, "poisson")
    np.testing.assert_allclose(linked.predict(X), np.exp(booster.predict(X)), rtol=1e-12)
    relinked = lightgbm_model.with_output_link(linked, "binary sigmoid:1")
    np.testing.assert_allclose(relinked.predict(X), 1 / (1 + np.exp(-booster.predict(X))),
                               rtol=1e-12)


def test_lightgbm_estimator_slots_parameters_and_evaluation_order(data):
    X, y = data
    assert callable(getattr(lgb.LGBMModel, "_process_params", None))
    model = lgb.LGBMRegressor(n_estimators=2, verbose=-1)
    before = model.get_params()
    with lightgbm_model.temporary_params(model, {"objective": "l1", "metric": "None"}):
        assert model.get_params()["objective"] == "l1"
    assert model.get_params() == before and "metric" not in vars(model)
    sizes = []

    def record(y_true, y_pred, weight):
        sizes.append(len(y_true))
        return "n", 0.0, False

    eval_X, eval_y = (X[:50], X, X[:70]), (y[:50], y, y[:70])
    model.fit(X, y, eval_X=eval_X, eval_y=eval_y, eval_metric=record)
    order = lightgbm_model.evaluation_order(list(zip(eval_X, eval_y, strict=True)), X, y)
    assert order == ["train", ("eval", 0), ("eval", 2)]
    lengths = {("eval", 0): 50, "train": 400, ("eval", 2): 70}
    assert sizes == [lengths[key] for key in order] * 2
    other = lgb_model(data)
    lightgbm_model.set_fitted_booster(model, other)
    lightgbm_model.set_fitted_objective(model, "regression")
    assert model.booster_ is other
    np.testing.assert_allclose(model.predict(X), other.predict(X))


def test_lightgbm_classifier_converts_scores_with_a_named_objective(data):
    X, y = data
    model = bl.LGBMClassifier(n_estimators=3, verbose=-1).fit(X, y > 5)
    np.testing.assert_allclose(model.predict_proba(X)[:, 1],
                               1 / (1 + np.exp(-model.predict(X, raw_score=True))), rtol=1e-9)


def test_xgboost_tree_leaves_are_the_leaves_rows_reach(data):
    X, _ = data
    booster = xgb_model(data, rounds=2, max_depth=3)
    leaves = xgboost_model.tree_leaves(booster, 1)
    reached = np.unique(booster[1:2].predict(xgb.DMatrix(X), pred_leaf=True).astype(int))
    assert set(reached) <= set(leaves.ids)
    for leaf, box in zip(leaves.ids, leaves.boxes, strict=True):
        rows = booster[1:2].predict(xgb.DMatrix(X), pred_leaf=True).astype(int) == leaf
        values = X.astype(np.float32)  # XGBoost compares float32 values to its thresholds
        for column, (low, high) in box.items():
            assert np.all((values[rows, column] >= low) & (values[rows, column] < high))


def test_xgboost_tree_params_and_unused_params(data):
    booster = xgb_model(data, reg_lambda=3.0, monotone_constraints=(1, 0, -1))
    params = xgboost_model.tree_params(booster)
    assert float(params["lambda"]) == 3.0 and params["monotone_constraints"] == "(1,0,-1)"
    assert xgboost_model.unused_params({"learning_rat": 0.3, "max_depth": 3}) == ["learning_rat"]
    assert xgboost_model.objective_link(booster) == ("reg:squarederror", "identity")


def test_lightgbm_tree_leaves_are_the_leaves_rows_reach(data):
    X, y = data
    booster = lgb.train({"num_leaves": 6, "verbose": -1, "path_smooth": 1.0},
                        lgb.Dataset(X, y), 2)
    leaves = lightgbm_model.tree_leaves(booster, 1)
    found = booster.predict(X, pred_leaf=True, start_iteration=1, num_iteration=1).ravel()
    assert sorted(leaves.ids) == list(range(6))
    for leaf, box, count in zip(leaves.ids, leaves.boxes, leaves.counts, strict=True):
        rows = found == leaf
        assert count == rows.sum()
        for column, (low, high) in box.items():
            assert np.all((X[rows, column] > low) & (X[rows, column] <= high))
    assert np.all(np.isfinite(leaves.parent_values))


def test_lightgbm_objective_link_and_param_aliases(data):
    X, y = data
    booster = lgb.train({"objective": "poisson", "verbose": -1}, lgb.Dataset(X, y), 2)
    assert lightgbm_model.objective_link(booster) == ("poisson", "log")
    aliases = lightgbm_model.param_aliases()
    assert aliases["num_leaf"] == "num_leaves" and aliases["reg_lambda"] == "lambda_l2"
