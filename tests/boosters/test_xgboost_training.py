"""``boostobj.xgboost.train`` and the objective and metric callables: parity with the built-in
twins, weights, saved models, early stopping, bad input."""

import json

import numpy as np
import pytest
import xgboost as xgb
from conftest import regression_data

import boostobj
import boostobj.xgboost as bx

PARAMS = {"max_depth": 4, "eta": 0.1, "tree_method": "hist", "max_bin": 64, "nthread": 2,
          "seed": 0}


# boostobj losses and the built-in parameters that train the same loss: each pair trains
# both and compares the models. count:poisson defaults to max_delta_step = 0.7, which both
# caps each leaf and inflates the hessian to e^(f + 0.7); with 0 it is exactly Poisson.
BUILTIN_TWINS = {
    "squared_error": {"objective": "reg:squarederror"},
    "pseudo_huber:delta=1.5,hessian=exact": {"objective": "reg:pseudohubererror",
                                             "huber_slope": 1.5},
    "poisson": {"objective": "count:poisson", "max_delta_step": 0.0},
    "gamma": {"objective": "reg:gamma"},
    "tweedie:power=1.3": {"objective": "reg:tweedie", "tweedie_variance_power": 1.3},
}


TWINS = list(BUILTIN_TWINS.items())


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("spec, builtin", TWINS, ids=[t[0] for t in TWINS])
def test_parity_with_builtin_twin(spec, builtin, weighted):
    loss = boostobj.get_loss(spec)
    X, y = regression_data(loss)
    weight = np.random.default_rng(1).uniform(0.2, 3.0, size=y.size) if weighted else None
    dtrain = xgb.DMatrix(X, y, weight=weight)
    ours = bx.train(loss, PARAMS, dtrain, num_boost_round=100)
    start = loss.predict(loss.init_score(y, weight))  # same start for the built-in
    theirs = xgb.train({**PARAMS, **builtin, "base_score": float(start)}, dtrain, 100)
    np.testing.assert_allclose(ours.predict(dtrain), theirs.predict(dtrain), rtol=1e-4, atol=1e-6)


def test_weight_two_equals_duplicated_row_native_and_sklearn():
    loss = boostobj.get_loss("huber:delta=1")
    X, y = regression_data(loss, n=400, integer_features=True)
    weight = np.ones(y.size)
    weight[:40] = 2.0
    X_dup = np.vstack([X, X[:40]])
    y_dup = np.concatenate([y, y[:40]])
    weighted = bx.train(loss, PARAMS, xgb.DMatrix(X, y, weight=weight), 50)
    duplicated = bx.train(loss, PARAMS, xgb.DMatrix(X_dup, y_dup), 50)
    probe = xgb.DMatrix(X)
    np.testing.assert_allclose(weighted.predict(probe), duplicated.predict(probe), rtol=1e-5, atol=1e-6)

    def sk():
        return bx.XGBRegressor(loss=loss, n_estimators=50, max_depth=4, learning_rate=0.1,
                               max_bin=64, n_jobs=2)
    a = sk().fit(X, y, sample_weight=weight)
    b = sk().fit(X_dup, y_dup)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spec", ["squared_error", "poisson", "quantile:alpha=0.8"])
@pytest.mark.parametrize("fmt", ["json", "ubj"])
def test_saved_model_predicts_with_plain_xgboost(spec, fmt, tmp_path):
    loss = boostobj.get_loss(spec)
    X, y = regression_data(loss, n=600)
    dtrain = xgb.DMatrix(X, y)
    booster = bx.train(loss, PARAMS, dtrain, 30)
    path = tmp_path / f"model.{fmt}"
    booster.save_model(path)
    plain = xgb.Booster()
    plain.load_model(path)
    raw = booster.predict(dtrain, output_margin=True)
    np.testing.assert_allclose(plain.predict(xgb.DMatrix(X)), loss.predict(raw), rtol=1e-6)
    # The start is inside the saved model, on the response scale.
    config = json.loads(plain.save_config())
    base_score = float(config["learner"]["learner_model_param"]["base_score"].strip("[]"))
    assert base_score == pytest.approx(float(loss.predict(loss.init_score(y))), rel=1e-6)


def test_train_starts_from_init_score_and_reports_loss_metric():
    loss = boostobj.get_loss("huber:delta=2")
    X, y = regression_data(loss)
    dtrain = xgb.DMatrix(X[:1000], y[:1000])
    dvalid = xgb.DMatrix(X[1000:], y[1000:])
    history = {}
    booster = bx.train(loss, PARAMS, dtrain, 20, evals=[(dtrain, "train"), (dvalid, "valid")],
                       evals_result=history, verbose_eval=False)
    config = json.loads(booster.save_config())
    base_score = float(config["learner"]["learner_model_param"]["base_score"].strip("[]"))
    assert base_score == pytest.approx(loss.init_score(y[:1000]), rel=1e-6)
    assert list(history["valid"]) == ["huber"]
    raw = booster.predict(dvalid, output_margin=True)
    assert history["valid"]["huber"][-1] == pytest.approx(loss.metric(y[1000:], raw), rel=1e-5)
    assert history["train"]["huber"][-1] < history["train"]["huber"][0]


def test_early_stopping_minimises_the_loss_metric_and_keeps_best():
    loss = boostobj.get_loss("squared_error")
    X, y = regression_data(loss, n=800)
    rng = np.random.default_rng(3)
    y_noisy = y + rng.normal(scale=3.0, size=y.size)  # forces overfitting
    dtrain = xgb.DMatrix(X[:400], y_noisy[:400])
    dvalid = xgb.DMatrix(X[400:], y_noisy[400:])
    history = {}
    booster = bx.train(loss, {**PARAMS, "eta": 0.3, "max_depth": 6}, dtrain, 300,
                       evals=[(dvalid, "valid")], early_stopping_rounds=10,
                       evals_result=history, verbose_eval=False)
    curve = history["valid"]["squared_error"]
    assert "rmse" in history["valid"]
    assert len(curve) < 300
    assert booster.best_iteration == int(np.argmin(curve))
    assert booster.num_boosted_rounds() == booster.best_iteration + 1


def test_custom_metric_and_objective_in_plain_xgb_train():
    loss = boostobj.get_loss("fair:c=2")
    X, y = regression_data(loss, n=600)
    dtrain = xgb.DMatrix(X, y, base_margin=np.full(y.size, loss.init_score(y)))
    history = {}
    booster = xgb.train({**PARAMS, "disable_default_eval_metric": 1}, dtrain, 20,
                        obj=bx.objective(loss), custom_metric=bx.metric(loss),
                        evals=[(dtrain, "train")], evals_result=history, verbose_eval=False)
    raw = booster.predict(dtrain, output_margin=True)
    assert history["train"]["fair"][-1] == pytest.approx(loss.metric(y, raw), rel=1e-5)


def test_sklearn_api_matches_native_train():
    loss = boostobj.get_loss("pseudo_huber:delta=2")
    X, y = regression_data(loss, n=800)
    model = bx.XGBRegressor(loss=loss, n_estimators=40, max_depth=4, learning_rate=0.1,
                            max_bin=64, n_jobs=2, tree_method="hist", random_state=0)
    model.fit(X, y, eval_set=[(X, y)], verbose=False)
    native = bx.train(loss, PARAMS, xgb.DMatrix(X, y), 40)
    np.testing.assert_allclose(model.predict(X), native.predict(xgb.DMatrix(X)), rtol=1e-5, atol=1e-6)
    metric_curve = model.evals_result()["validation_0"]["pseudo_huber"]
    assert metric_curve[-1] == pytest.approx(loss.metric(y, model.predict(X)), rel=1e-5)


@pytest.mark.parametrize("spec, labels, message", [
    ("poisson", [1.0, -1.0, 2.0], r"poisson: y must be >= 0, got -1.0 at index 1"),
    ("gamma", [1.0, 0.0, 2.0], r"gamma: y must be > 0, got 0.0 at index 1"),
])
def test_bad_labels_raise_before_training(spec, labels, message):
    X = np.arange(3.0).reshape(-1, 1)
    with pytest.raises(ValueError, match=message):
        bx.train(spec, PARAMS, xgb.DMatrix(X, np.array(labels)), 5)
    model = bx.XGBRegressor(loss=spec, n_estimators=2)
    with pytest.raises(ValueError, match=message):
        model.fit(X, np.array(labels))


def test_objective_in_params_raises():
    # (NaN or inf labels and negative weights never get this far: DMatrix rejects them.)
    X = np.arange(4.0).reshape(-1, 1)
    with pytest.raises(ValueError, match=r"boostobj.xgboost.train sets the objective"):
        bx.train("squared_error", {"objective": "reg:squarederror"}, xgb.DMatrix(X, np.ones(4)), 5)


def test_objective_is_picklable_after_use():
    import pickle

    objective = bx.objective("huber")
    X, y = regression_data(objective.loss, n=100)
    xgb.train(PARAMS, xgb.DMatrix(X, y), 2, obj=objective)
    clone = pickle.loads(pickle.dumps(objective))
    assert clone.loss == objective.loss
