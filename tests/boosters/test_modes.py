"""Every booster mode works correctly or is refused; continued training counts the start once."""

import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import booster_modes  # noqa: E402

# (booster, mode, loss kind) -> the option the refusal names. Every other case must work.
REFUSED = {
    **{("xgboost", mode, "renewing"): option for mode, option in (
        ("dart", "booster='dart'"), ("gblinear", "booster='gblinear'"),
        ("num_parallel_tree=3", "num_parallel_tree=3"))},
    **{("lightgbm", mode, kind): f"boosting='{mode}'" for mode in ("dart", "rf")
       for kind in booster_modes.LOSSES},
    ("lightgbm", "linear_tree", "renewing"): "linear_tree=True",
}


@pytest.mark.parametrize("booster, mode, kind", booster_modes.cases(),
                         ids=["-".join(case) for case in booster_modes.cases()])
def test_every_mode_works_or_is_refused(booster, mode, kind):
    status, details = booster_modes.run_case(booster, mode, kind)
    if (booster, mode, kind) in REFUSED:
        assert status == "refused", details
        assert REFUSED[booster, mode, kind] in details[0]
        assert "; use " in details[0] or "; pass " in details[0]  # names the alternative
    else:
        assert status == "works", details


def test_every_working_mode_saves_a_model_that_predicts_alone(tmp_path):
    # In a separate process that never imports boostobj.
    working = [case for case in booster_modes.cases() if case not in REFUSED]
    for case in working:
        booster_modes.run_case(*case, save_dir=tmp_path)
    assert len(list(tmp_path.glob("*.expected.npy"))) == len(working) == 40
    assert booster_modes.check_saved(tmp_path) == []


def test_linear_trees_hold_the_start():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    y = 100 + 2 * X[:, 0] + rng.normal(scale=0.1, size=500)
    booster = bl.train("squared_error", {"linear_tree": True, "verbose": -1},
                       lgb.Dataset(X, y), 10)
    assert np.mean(booster.predict(X)) == pytest.approx(np.mean(y), abs=0.05)
    assert np.corrcoef(booster.predict(X), y)[0, 1] > 0.99


CONTINUED = ["squared_error", "quantile:alpha=0.7", "logistic", "softmax"]


def continued_data(spec, seed=0, n=800):
    kind = {"squared_error": "plain", "quantile:alpha=0.7": "renewing", "logistic": "binary",
            "softmax": "multiclass"}[spec]
    return booster_modes.data(kind, n=n, seed=seed)


def raw(booster, X, trees=None):
    """Raw scores of the whole model, or of its first ``trees`` iterations."""
    if isinstance(booster, xgb.Booster):
        return booster.predict(xgb.DMatrix(X), output_margin=True,
                               iteration_range=(0, trees or 0))
    return booster.predict(X, raw_score=True, num_iteration=trees)


def native(booster, spec, X, y, rounds, model=None):
    if booster == "xgboost":
        params = {"max_depth": 3, "eta": 0.2, "nthread": 1}
        return bx.train(spec, params, xgb.DMatrix(X, y), rounds, xgb_model=model)
    params = {"num_leaves": 8, "learning_rate": 0.2, "num_threads": 1, "verbose": -1,
              "deterministic": True}
    return bl.train(spec, params, lgb.Dataset(X, y), rounds, init_model=model)


def estimator(booster, spec, X, y, rounds, model=None):
    classifier = spec in ("logistic", "softmax")
    if booster == "xgboost":
        factory = bx.XGBClassifier if classifier else bx.XGBRegressor
        return factory(loss=spec, n_estimators=rounds, max_depth=3, learning_rate=0.2,
                       n_jobs=1).fit(X, y, xgb_model=model)
    factory = bl.LGBMClassifier if classifier else bl.LGBMRegressor
    return factory(loss=spec, n_estimators=rounds, num_leaves=8, learning_rate=0.2, n_jobs=1,
                   verbose=-1, deterministic=True).fit(X, y, init_model=model)


def booster_of(model):
    if isinstance(model, (xgb.Booster, lgb.Booster)):
        return model
    return model.get_booster() if isinstance(model, xgb.XGBModel) else model.booster_


@pytest.mark.parametrize("api", ["native", "estimator"])
@pytest.mark.parametrize("booster", ["xgboost", "lightgbm"])
@pytest.mark.parametrize("spec", CONTINUED)
def test_ten_rounds_then_ten_more_equal_twenty(spec, booster, api):
    fit = native if api == "native" else estimator
    X, y = continued_data(spec)
    first = fit(booster, spec, X, y, 10)
    continued = booster_of(fit(booster, spec, X, y, 10, model=first))
    at_once = booster_of(fit(booster, spec, X, y, 20))
    tolerance = 1e-5 if booster == "xgboost" else 1e-8  # XGBoost keeps float32 leaves
    np.testing.assert_allclose(raw(continued, X), raw(at_once, X), rtol=tolerance,
                               atol=tolerance)


@pytest.mark.parametrize("api", ["native", "estimator"])
@pytest.mark.parametrize("booster", ["xgboost", "lightgbm"])
@pytest.mark.parametrize("spec", CONTINUED)
def test_continuing_on_new_data_keeps_the_old_trees_and_the_start(spec, booster, api):
    fit = native if api == "native" else estimator
    X, y = continued_data(spec)
    new_X, new_y = continued_data(spec, seed=5)
    if spec == "squared_error":
        new_y = new_y + 50.0  # new targets elsewhere: only trees may move towards them
    first = booster_of(fit(booster, spec, X, y, 10))
    continued = booster_of(fit(booster, spec, new_X, new_y, 10, model=first))
    tolerance = 1e-5 if booster == "xgboost" else 1e-9
    # The old trees (and the start) are as they were: the model's first 10 rounds predict
    # what the first model does.
    np.testing.assert_allclose(raw(continued, X, 10), raw(first, X), rtol=tolerance,
                               atol=tolerance)
    loss = boostobj.get_loss(spec)
    assert loss.metric(new_y, raw(continued, new_X)) < loss.metric(new_y, raw(first, new_X))
    if spec == "squared_error":  # counted once: 10 more rounds at 0.2 cover ~89% of the gap
        gap = np.mean(new_y) - np.mean(raw(first, new_X))
        moved = np.mean(raw(continued, new_X)) - np.mean(raw(first, new_X))
        assert 0.8 * gap < moved < 1.0 * gap


def test_continued_renewal_renews_only_the_new_trees():
    X, y = continued_data("quantile:alpha=0.7")
    loss = boostobj.get_loss("quantile:alpha=0.7")
    for booster in ("xgboost", "lightgbm"):
        first = native(booster, loss.spec, X, y, 5)
        continued = native(booster, loss.spec, X, y, 5, model=first)
        before = raw(continued, X, 5)
        np.testing.assert_allclose(before, raw(first, X), rtol=1e-6, atol=1e-6)
        for tree in range(5, 10):  # each new tree is the learning rate x the leaf minimiser
            after = raw(continued, X, tree + 1)
            step = after - before
            leaves = (continued[tree:tree + 1].predict(xgb.DMatrix(X), pred_leaf=True)
                      if booster == "xgboost" else
                      continued.predict(X, pred_leaf=True, start_iteration=tree,
                                        num_iteration=1))
            ids, leaf = np.unique(np.asarray(leaves).reshape(-1), return_inverse=True)
            expected = 0.2 * loss.leaf_values(y, before, None, leaf, ids.size)
            np.testing.assert_allclose(step, expected[leaf], rtol=1e-4, atol=1e-5)
            before = after
