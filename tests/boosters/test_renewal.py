"""Leaf renewal through both boosters, and "auto" scales that give the same model at any
target scale."""

import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import datasets
from boostobj.losses import LeafPenalty

ROOT = Path(__file__).resolve().parents[2]


LEARNING_RATE = 0.3


LGB_PARAMS = {"learning_rate": LEARNING_RATE, "num_leaves": 8, "min_data_in_leaf": 20,
              "verbose": -1, "num_threads": 1, "deterministic": True}


XGB_PARAMS = {"eta": LEARNING_RATE, "max_depth": 3, "min_child_weight": 20, "nthread": 1,
              "tree_method": "hist"}


def heavy_tailed(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = 3 * X[:, 0] + 2 * np.sin(2 * X[:, 1]) + rng.standard_t(2, size=n)
    return X, y, rng.uniform(0.5, 2.0, size=n)


class Model:
    """One trained model with uniform access to its trees, for either booster."""

    def __init__(self, booster, spec, X, y, weight=None, rounds=4, **kwargs):
        self.booster_name, self.X = booster, X
        if booster == "lightgbm":
            self.model = bl.train(spec, LGB_PARAMS, lgb.Dataset(X, y, weight=weight), rounds,
                                  **kwargs)
        else:
            self.dmatrix = xgb.DMatrix(X, y, weight=weight)
            self.model = bx.train(spec, XGB_PARAMS, self.dmatrix, rounds, **kwargs)

    def predict(self, trees=None):
        """Raw scores of the first ``trees`` trees (all by default), start included."""
        if self.booster_name == "lightgbm":
            return self.model.predict(self.X, num_iteration=trees)
        iteration_range = (0, trees) if trees else (0, 0)
        return self.model.predict(self.dmatrix, iteration_range=iteration_range).astype(float)

    def leaves(self, tree):
        if self.booster_name == "lightgbm":
            return self.model.predict(self.X, pred_leaf=True, start_iteration=tree,
                                      num_iteration=1).reshape(-1)
        return self.model[tree:tree + 1].predict(self.dmatrix, pred_leaf=True).astype(int)


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("spec", ["quantile:alpha=0.8", "absolute_error", "huber", "cauchy",
                                  "fair"])
def test_every_leaf_is_the_learning_rate_times_the_leaf_minimiser(booster, weighted, spec):
    X, y, weight = heavy_tailed()
    weight = weight if weighted else None
    loss = boostobj.get_loss(spec)
    model = Model(booster, spec, X, y, weight)
    before = np.full(len(y), loss.init_score(y, weight))
    # Each tree was grown on the previous trees' renewed predictions: the corrections the
    # objective added must have matched the booster's own scores plus the renewals.
    for tree in range(4):
        after = model.predict(tree + 1)
        ids, leaf = np.unique(model.leaves(tree), return_inverse=True)
        # XGBoost's default L2 penalty (lambda = 1) holds for the renewed leaves too.
        penalty = LeafPenalty(l2=1.0 if booster == "xgboost" else 0.0)
        expected = LEARNING_RATE * loss.leaf_values(y, before, weight, leaf, ids.size,
                                                    penalty=penalty)
        step = after - before
        atol = 1e-5 if booster == "xgboost" else 1e-10  # XGBoost stores float32
        np.testing.assert_allclose(step, expected[leaf], rtol=1e-5, atol=atol)
        before = after


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_renewing_squared_error_reproduces_the_boosters_own_leaves(booster):
    # Squared error's penalised minimiser is the Newton step the booster takes itself,
    # XGBoost's default L2 penalty (lambda = 1) included.
    X, y, _ = heavy_tailed()
    plain = Model(booster, "squared_error", X, y, renew_leaves=False).predict()
    renewed = Model(booster, "squared_error", X, y, renew_leaves=True).predict()
    np.testing.assert_allclose(renewed, plain, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_renewal_changes_the_model_and_can_be_turned_off(booster):
    X, y, _ = heavy_tailed()
    renewed = Model(booster, "quantile:alpha=0.9", X, y).predict()
    plain = Model(booster, "quantile:alpha=0.9", X, y, renew_leaves=False).predict()
    assert np.max(np.abs(renewed - plain)) > 0.1


def test_evaluation_metrics_and_early_stopping_see_the_renewed_leaves():
    X, y, weight = heavy_tailed(3000)
    train, valid = slice(0, 2000), slice(2000, None)
    loss = boostobj.get_loss("quantile:alpha=0.9")
    # LightGBM
    valid_set = lgb.Dataset(X[valid], y[valid])
    record = {}
    model = bl.train(loss, LGB_PARAMS, lgb.Dataset(X[train], y[train], weight=weight[train]), 60,
                     valid_sets=[valid_set], valid_names=["valid"], early_stopping_rounds=5,
                     callbacks=[lgb.record_evaluation(record)])
    history = record["valid"][loss.name]
    best = model.best_iteration
    assert best < 60
    assert history[best - 1] == pytest.approx(loss.metric(y[valid], model.predict(X[valid])),
                                              rel=1e-9)
    # XGBoost
    dvalid = xgb.DMatrix(X[valid], y[valid])
    record = {}
    model = bx.train(loss, XGB_PARAMS, xgb.DMatrix(X[train], y[train], weight=weight[train]), 60,
                     evals=[(dvalid, "valid")], early_stopping_rounds=5, evals_result=record,
                     verbose_eval=False)
    history = record["valid"][loss.name]
    assert len(history) < 60
    assert min(history) == pytest.approx(loss.metric(y[valid], model.predict(dvalid)), rel=1e-5)


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_saved_renewed_model_predicts_on_its_own(booster, tmp_path):
    X, y, _ = heavy_tailed()
    model = Model(booster, "absolute_error", X, y, rounds=10)
    path = tmp_path / "model.txt"
    model.model.save_model(str(path) if booster == "lightgbm" else str(path.with_suffix(".json")))
    if booster == "lightgbm":
        reloaded = lgb.Booster(model_file=str(path)).predict(X)
    else:
        reloaded = xgb.Booster(model_file=str(path.with_suffix(".json"))).predict(xgb.DMatrix(X))
    np.testing.assert_allclose(reloaded, model.predict(), rtol=1e-6, atol=1e-6)
    assert boostobj.get_loss("absolute_error").metric(y, reloaded) < np.mean(np.abs(y - np.median(y)))


@pytest.mark.parametrize("spec", ["quantile:alpha=0.8", "huber"])
def test_scikit_learn_fit_renews_like_train(spec):
    X, y, weight = heavy_tailed(3000)
    train, valid = slice(0, 2000), slice(2000, None)
    loss = boostobj.get_loss(spec)
    model = bl.LGBMRegressor(loss=spec, n_estimators=20, learning_rate=LEARNING_RATE,
                             num_leaves=8, min_child_samples=20, verbose=-1, n_jobs=1,
                             deterministic=True)
    model.fit(X[train], y[train], sample_weight=weight[train], eval_X=X[valid],
              eval_y=y[valid])
    native = bl.train(spec, LGB_PARAMS, lgb.Dataset(X[train], y[train], weight=weight[train]), 20)
    np.testing.assert_allclose(model.predict(X), native.predict(X), rtol=1e-9, atol=1e-9)
    history = list(model.evals_result_["valid_0"].values())[-1]
    assert history[-1] == pytest.approx(loss.metric(y[valid], model.predict(X[valid])), rel=1e-6)
    assert model.objective is None

    model = bx.XGBRegressor(loss=spec, n_estimators=20, learning_rate=LEARNING_RATE,
                            max_depth=3, min_child_weight=20, n_jobs=1)
    model.fit(X[train], y[train], sample_weight=weight[train],
              eval_set=[(X[valid], y[valid])], verbose=False)
    native = bx.train(spec, XGB_PARAMS, xgb.DMatrix(X[train], y[train], weight=weight[train]), 20)
    np.testing.assert_allclose(model.predict(X), native.predict(xgb.DMatrix(X)), rtol=1e-5,
                               atol=1e-5)
    history = list(model.evals_result()["validation_0"].values())[-1]
    assert history[-1] == pytest.approx(loss.metric(y[valid], model.predict(X[valid])), rel=1e-5)
    assert model.callbacks is None


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
@pytest.mark.parametrize("spec", ["huber", "pseudo_huber", "log_cosh", "fair", "cauchy"])
def test_auto_scale_models_are_the_same_at_any_target_scale(booster, spec):
    X, y, _ = heavy_tailed()
    small = Model(booster, spec, X, y, rounds=15).predict()
    large = Model(booster, spec, X, 1000 * y, rounds=15).predict()
    np.testing.assert_allclose(large / 1000, small, rtol=1e-4, atol=1e-4)
    assert np.std(small) > 1.0  # learnt, not flat


def test_lightgbm_renewal_needs_the_features():
    X, y, _ = heavy_tailed(300)
    dataset = lgb.Dataset(X, y, params={"verbose": -1}).construct()
    with pytest.raises(ValueError, match=r"leaf renewal for quantile needs each Dataset's "
                                         r"features.*renew_leaves=False"):
        bl.train("quantile", LGB_PARAMS, dataset, 3)
    bl.train("quantile", LGB_PARAMS, dataset, 3, renew_leaves=False)


def test_renewal_is_for_one_score_per_row():
    X = np.random.default_rng(0).normal(size=(300, 3))
    y = np.arange(300) % 3
    with pytest.raises(ValueError, match="leaf renewal is for one score per row; softmax"):
        bx.train("softmax", {}, xgb.DMatrix(X, y), 2, renew_leaves=True)


@pytest.mark.parametrize("alpha", [0.05, 0.95])
def test_quantile_pinball_matches_lightgbm_builtin_on_diamonds(alpha):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import quantile_diamonds

    data = datasets.load("diamonds")
    order = np.random.default_rng(0).permutation(len(data.y))[:8000]
    X, y = data.X[order], data.y[order]
    loss = boostobj.get_loss(f"quantile:alpha={alpha}")
    fits = quantile_diamonds.models(alpha, rounds=100, threads=1)
    scores = {name: loss.metric(y[6000:], fits[name](X[:6000], y[:6000], X[6000:]))
              for name in ("LightGBM built-in quantile", "boostobj quantile on LightGBM",
                           "boostobj quantile on XGBoost")}
    reference = scores["LightGBM built-in quantile"]
    assert scores["boostobj quantile on LightGBM"] <= 1.01 * reference
    assert scores["boostobj quantile on XGBoost"] <= 1.05 * reference


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
@pytest.mark.parametrize("spec", ["absolute_error", "quantile:alpha=0.8", "squared_error",
                                  "huber"])
def test_scale_equivariant_losses_give_the_same_model_at_x1_and_x1000(booster, spec):
    # The robust sinc study's setting, where XGBoost's float32 scores used to flip the
    # gradient sign of rows sitting at their leaf's quantile differently at each scale.
    from boostobj.cli import robust_study as study

    X, y, grid, _ = study.make_data(0, "two-sided")
    clean = study.sinc(grid[:, 0])
    rmse = {}
    for scale in (1.0, 1000.0):
        prediction = study.fit_predict(booster, spec, X, scale * y, grid, study.ROUNDS) / scale
        rmse[scale] = float(np.sqrt(np.mean((prediction - clean) ** 2)))
    assert rmse[1000.0] == pytest.approx(rmse[1.0], rel=0.01)


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_estimators_start_from_the_labels_as_the_booster_stores_them(booster):
    # The boosters keep float32 labels. A start computed on the float64 labels sat a
    # rounding away from the row whose label is the quantile, which then took the other
    # side: the first tree split differently from native train's (pinball 0.0327 against
    # 0.0283 here on XGBoost).
    from sklearn.preprocessing import scale
    from sklearn.utils.estimator_checks import _regression_dataset

    X, y = _regression_dataset()
    y = scale(y)
    spec = "quantile:alpha=0.95"
    if booster == "xgboost":
        model = bx.XGBRegressor(loss=spec, n_estimators=20, learning_rate=0.5,
                                tree_method="hist").fit(X, y)
        native = bx.train(spec, {"eta": 0.5, "tree_method": "hist"}, xgb.DMatrix(X, y), 20)
        expected = native.predict(xgb.DMatrix(X))
    else:
        model = bl.LGBMRegressor(loss=spec, n_estimators=20, learning_rate=0.5,
                                 verbose=-1).fit(X, y)
        expected = bl.train(spec, {"learning_rate": 0.5, "verbose": -1},
                            lgb.Dataset(X, y), 20).predict(X)
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-6, atol=1e-6)
