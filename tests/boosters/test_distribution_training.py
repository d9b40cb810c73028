"""Distribution losses through both boosters: one raw score per parameter, the start in the
model, the reported metric the final model's, saved models that predict the parameters
alone, curvature units that leave the leaf values unchanged, refusals named."""

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import get_loss
from boostobj._boosters import targets as targets_module

SPECS = ["normal", "student_t", "lognormal", "gamma_distribution", "negative_binomial"]


def data(spec, n=1500, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    mean, spread = 2.0 + X[:, 0], np.exp(0.4 * X[:, 1])
    if spec in ("lognormal", "gamma_distribution"):
        y = np.exp(0.5 * mean + 0.3 * spread * rng.normal(size=n))
    elif spec == "negative_binomial":
        y = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(0.5 * mean))).astype(float)
    else:
        y = mean + spread * rng.standard_t(5, size=n)
    return X, y * scale, rng.uniform(0.5, 2.0, size=n)


@pytest.mark.parametrize("spec", SPECS)
def test_xgboost_train_starts_reports_and_saves_the_raw_parameters(spec, tmp_path):
    X, y, weight = data(spec)
    loss = get_loss(spec)
    dtrain = xgb.DMatrix(X, label=y, weight=weight)
    history = {}
    booster = bx.train(spec, {"max_depth": 3, "eta": 0.1}, dtrain, 40, evals=[(dtrain, "train")],
                       evals_result=history, verbose_eval=False)
    raw = booster.predict(dtrain)
    assert raw.shape == (len(y), len(loss.outputs))
    assert history["train"][spec][-1] == pytest.approx(loss.metric(y, raw, weight), rel=1e-5)
    start = np.tile(loss.init_score(y, weight), (len(y), 1))
    assert loss.metric(y, raw, weight) < loss.metric(y, start, weight) - 0.05
    path = tmp_path / "model.json"
    booster.save_model(path)
    np.testing.assert_allclose(xgb.Booster(model_file=path).predict(dtrain), raw, rtol=1e-6)
    # no rounds to speak of: the model is its start
    still = bx.train(spec, {"max_depth": 3, "eta": 1e-12}, dtrain, 1)
    np.testing.assert_allclose(still.predict(dtrain), start, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spec", SPECS)
def test_lightgbm_train_starts_reports_and_saves_the_raw_parameters(spec, tmp_path):
    X, y, weight = data(spec)
    loss = get_loss(spec)
    train_set = lgb.Dataset(X, label=y, weight=weight)
    history = {}
    booster = bl.train(spec, {"num_leaves": 8, "learning_rate": 0.1, "verbose": -1}, train_set,
                       40, valid_sets=[train_set], valid_names=["train"],
                       callbacks=[lgb.record_evaluation(history)])
    raw = booster.predict(X)
    assert raw.shape == (len(y), len(loss.outputs))
    assert history["train"][spec][-1] == pytest.approx(loss.metric(y, raw, weight), rel=1e-9)
    path = tmp_path / "model.txt"
    booster.save_model(path)
    np.testing.assert_allclose(lgb.Booster(model_file=path).predict(X), raw, rtol=1e-12)
    still = bl.train(spec, {"num_leaves": 8, "learning_rate": 1e-12, "verbose": -1},
                     lgb.Dataset(X, label=y, weight=weight), 1)
    np.testing.assert_allclose(still.predict(X), np.tile(loss.init_score(y, weight),
                                                         (len(y), 1)), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("estimator", [bx.XGBRegressor, bl.LGBMRegressor])
def test_drop_in_regressors_predict_the_raw_parameters_and_report_the_nll(estimator):
    X, y, _ = data("normal")
    model = estimator(loss="normal", n_estimators=30, learning_rate=0.1, max_depth=3,
                      **({"verbose": -1} if estimator is bl.LGBMRegressor else {}))
    model.fit(X, y, eval_set=[(X, y)], **({"verbose": False}
                                            if estimator is bx.XGBRegressor else {}))
    raw = model.predict(X)
    assert raw.shape == (len(y), 2)
    history = (model.evals_result() if estimator is bx.XGBRegressor else model.evals_result_)
    (last,) = [scores["normal"][-1] for scores in history.values()]
    assert last == pytest.approx(get_loss("normal").metric(y, raw), rel=1e-5)


@pytest.mark.parametrize("booster", ["xgboost", "lightgbm"])
def test_the_model_does_not_depend_on_the_target_units(booster):
    # The curvature units make the hessians near 1 a row whatever the target's scale: the
    # same trees on targets in thousands (the Fisher information of the location 1e-7 a
    # row, below every booster's limit on a leaf's hessian) as on the originals.
    X, y, _ = data("normal")
    fits = []
    for scale in (1.0, 5000.0):
        if booster == "xgboost":
            model = bx.XGBRegressor(loss="normal", n_estimators=30, max_depth=3,
                                    learning_rate=0.1)
        else:
            model = bl.LGBMRegressor(loss="normal", n_estimators=30, num_leaves=8,
                                     learning_rate=0.1, verbose=-1)
        raw = model.fit(X, y * scale).predict(X)
        fits.append(np.column_stack([raw[:, 0] / scale, raw[:, 1] - np.log(scale)]))
    np.testing.assert_allclose(fits[1], fits[0], rtol=1e-4, atol=1e-4)


def test_curvature_units_scale_each_output_and_leave_newton_steps_unchanged(rng):
    loss = get_loss("normal")
    y = rng.normal(loc=3000.0, scale=500.0, size=400)
    raw = np.tile(loss.init_score(y), (400, 1))
    units = loss.curvature_units(y, raw)
    np.testing.assert_allclose(units, [np.var(y), 0.5], rtol=1e-9)
    found = targets_module.Targets(loss, y, None).gradient_hessian(raw)
    exact = loss.gradient_hessian(y, raw)
    for booster_value, value in zip(found, exact, strict=True):
        np.testing.assert_allclose(booster_value, value * units, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(found[0].sum(0) / found[1].sum(0),
                               exact[0].sum(0) / exact[1].sum(0), rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("call", [
    lambda X, y: bx.train("normal", {}, xgb.DMatrix(X, label=y), 2, renew_leaves=True),
    lambda X, y: bl.LGBMRegressor(loss="normal", renew_leaves=True, verbose=-1).fit(X, y),
])
def test_leaf_renewal_is_refused_for_several_outputs(call):
    X, y, _ = data("normal", n=200)
    with pytest.raises(ValueError, match="leaf renewal is for one score per row; normal keeps K"):
        call(X, y)


def test_a_classifier_refuses_a_distribution_loss():
    X, y, _ = data("normal", n=200)
    with pytest.raises(ValueError, match="is not a classification loss"):
        bl.LGBMClassifier(loss="normal", verbose=-1).fit(X, y > 2)


def test_targets_outside_the_distribution_are_refused_by_name():
    X, y, _ = data("normal", n=200)
    with pytest.raises(ValueError, match="lognormal: y must be > 0"):
        bx.XGBRegressor(loss="lognormal", n_estimators=2).fit(X, y - 10)


@pytest.mark.parametrize("estimator", [bx.XGBRegressor, bl.LGBMRegressor])
def test_the_drop_ins_set_the_raw_scores_per_row_themselves(estimator):
    X, y, _ = data("normal", n=200)
    with pytest.raises(ValueError, match="num_class=3 with loss 'normal': the model keeps one "
                                         r"raw score per parameter \('loc', 'log_scale'\)"):
        estimator(loss="normal", num_class=3, n_estimators=2).fit(X, y)
