"""The drop-in estimators: the boosters' own scikit-learn estimators plus ``loss``."""

import json
import pickle
import subprocess
import sys
import warnings

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx

REGRESSORS = {
    "lightgbm": lambda **kw: bl.LGBMRegressor(**{"n_estimators": 20, "verbose": -1,
                                                 "n_jobs": 1, **kw}),
    "xgboost": lambda **kw: bx.XGBRegressor(**{"n_estimators": 20, "n_jobs": 1, **kw}),
}


CLASSIFIERS = {
    "lightgbm": lambda **kw: bl.LGBMClassifier(**{"n_estimators": 20, "verbose": -1,
                                                  "n_jobs": 1, **kw}),
    "xgboost": lambda **kw: bx.XGBClassifier(**{"n_estimators": 20, "n_jobs": 1, **kw}),
}


PARENTS = {
    ("lightgbm", "regressor"): lambda: lgb.LGBMRegressor(n_estimators=5, verbose=-1),
    ("xgboost", "regressor"): lambda: xgb.XGBRegressor(n_estimators=5),
    ("lightgbm", "classifier"): lambda: lgb.LGBMClassifier(n_estimators=5, verbose=-1),
    ("xgboost", "classifier"): lambda: xgb.XGBClassifier(n_estimators=5),
}


BOOSTERS = ["lightgbm", "xgboost"]


def offset_data(n=600, seed=0, offset=1000.0):
    """Targets far from 0: a model that loses its start is far off."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, offset + 30 * X[:, 0] + 10 * np.sin(2 * X[:, 1]) + rng.normal(size=n)


def failed_checks(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, on_fail=None)
    return {(r["check_name"], str(r["exception"])[:200]) for r in results
            if r["status"] == "failed"}


@pytest.mark.parametrize("booster", BOOSTERS)
@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_check_estimator_passes_wherever_the_parent_does(booster, kind):
    parent = {name for name, _ in failed_checks(PARENTS[booster, kind]())}
    factory = (REGRESSORS if kind == "regressor" else CLASSIFIERS)[booster]
    ours = failed_checks(factory(n_estimators=5, n_jobs=None))
    assert {(name, why) for name, why in ours if name not in parent} == set()
    if kind == "regressor":  # a renewing loss too
        ours = failed_checks(factory(n_estimators=5, n_jobs=None, loss="quantile:alpha=0.3"))
        assert {(name, why) for name, why in ours if name not in parent} == set()


@pytest.mark.parametrize("booster", BOOSTERS)
def test_params_clone_and_set_params_include_loss(booster):
    model = REGRESSORS[booster](loss="huber:delta=2", max_depth=3)
    params = model.get_params()
    assert params["loss"] == "huber:delta=2" and params["max_depth"] == 3
    assert params["renew_leaves"] is None
    copy = clone(model)
    assert type(copy) is type(model) and copy.get_params() == params
    copy.set_params(loss="quantile:alpha=0.9", renew_leaves=False)
    assert copy.get_params()["loss"] == "quantile:alpha=0.9"
    X, y = offset_data()
    copy.fit(X, y)
    assert copy.loss_ == boostobj.get_loss("quantile:alpha=0.9")
    assert np.mean(y <= copy.predict(X)) > 0.75  # the 0.9 quantile, not the mean
    assert copy.get_params() == {**params, "loss": "quantile:alpha=0.9", "renew_leaves": False}


@pytest.mark.parametrize("booster", BOOSTERS)
def test_the_booster_never_sees_boostobj_parameters(booster, capfd):
    # "loss" is LightGBM's alias of its objective: the booster must not take it as one.
    X, y = offset_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = REGRESSORS[booster](loss="quantile:alpha=0.9",
                                    **({"verbose": 1} if booster == "lightgbm" else {}))
        model.fit(X, y)
    out = capfd.readouterr()
    assert "loss" not in out.out + out.err and "renew_leaves" not in out.out + out.err
    if booster == "xgboost":
        config = json.loads(model.get_booster().save_config())
        assert config["learner"]["objective"]["name"] == "reg:squarederror"
        assert "renew_leaves" not in json.dumps(config)
    else:
        assert not {"loss", "renew_leaves"} & set(model.booster_.params)
        assert "objective=quantile" not in model.booster_.model_to_string()


@pytest.mark.parametrize("booster", BOOSTERS)
def test_grid_search_over_loss_and_booster_parameters(booster):
    X, y = offset_data()
    depth = {"num_leaves": [4, 15]} if booster == "lightgbm" else {"max_depth": [2, 4]}
    search = GridSearchCV(REGRESSORS[booster](), {"loss": ["squared_error", "huber"], **depth},
                          cv=KFold(3, shuffle=True, random_state=0))
    search.fit(X, y)
    assert set(search.best_params_) == {"loss", *depth}
    assert search.best_score_ > 0.85
    assert search.best_estimator_.predict(X).shape == y.shape


@pytest.mark.parametrize("booster", BOOSTERS)
def test_cross_val_score_and_pipeline_keep_the_start(booster):
    # Without its start, 20 rounds at the default learning rate do not reach y ≈ 1000.
    X, y = offset_data()
    scores = cross_val_score(REGRESSORS[booster](loss="huber"), X, y,
                             cv=KFold(3, shuffle=True, random_state=0))
    assert scores.min() > 0.85
    pipe = Pipeline([("scale", StandardScaler()), ("model", REGRESSORS[booster](loss="huber"))])
    pipe.fit(X, y)
    direct = REGRESSORS[booster](loss="huber").fit(StandardScaler().fit_transform(X), y)
    np.testing.assert_allclose(pipe.predict(X), direct.predict(StandardScaler().fit(X)
                                                                .transform(X)), rtol=1e-6)
    assert abs(np.mean(pipe.predict(X)) - np.mean(y)) < 2.0


@pytest.mark.parametrize("booster", BOOSTERS)
def test_fitted_estimators_pickle_without_training_state(booster):
    X, y = offset_data()
    model = REGRESSORS[booster](loss="quantile:alpha=0.7").fit(X, y, **_eval(booster, X, y))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert model.objective is None or model.objective == "reg:squarederror"
    assert model.get_params()["eval_metric" if booster == "xgboost" else "loss"] in (
        None, "quantile:alpha=0.7")


def _eval(booster, X, y):
    return ({"eval_set": [(X, y)], "verbose": False} if booster == "xgboost"
            else {"eval_X": (X,), "eval_y": (y,)})


@pytest.mark.parametrize("booster", BOOSTERS)
@pytest.mark.parametrize("labels", [["no", "yes"], [-1, 1], [3, 7], ["b", "a", "c"]],
                         ids=["strings", "pm1", "3-7", "three-strings"])
def test_classifiers_take_any_labels(booster, labels):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    code = np.digitize(X[:, 0] + 0.3 * rng.normal(size=500),
                       [0.0] if len(labels) == 2 else [-0.5, 0.5])
    y = np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[code]
    loss = "logistic" if len(labels) == 2 else "softmax"
    model = CLASSIFIERS[booster](loss=loss).fit(X, y)
    np.testing.assert_array_equal(model.classes_, np.unique(y))
    assert model.loss_.name == loss
    probability = model.predict_proba(X)
    assert probability.shape == (500, len(labels))
    np.testing.assert_allclose(probability.sum(axis=1), 1.0, rtol=1e-6)
    predicted = model.predict(X)
    assert set(predicted) <= set(labels)
    assert np.mean(predicted == y) > 0.8
    np.testing.assert_array_equal(predicted, model.classes_[np.argmax(probability, axis=1)])


@pytest.mark.parametrize("booster", BOOSTERS)
def test_regressors_predict_on_the_response_scale(booster):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(800, 3))
    y = rng.poisson(np.exp(1.0 + 0.5 * X[:, 0])).astype(float)
    model = REGRESSORS[booster](loss="poisson").fit(X, y)
    prediction = model.predict(X)
    assert prediction.min() > 0
    assert np.mean(prediction) == pytest.approx(np.mean(y), rel=0.05)
    raw = (model.predict(X, output_margin=True) if booster == "xgboost"
           else model.predict(X, raw_score=True))
    np.testing.assert_allclose(prediction, np.exp(raw), rtol=1e-5)


SAVED_MODEL_CHECK = """
import sys, numpy as np
booster, path, data, out = sys.argv[1:]
X = np.load(data)
if booster == "xgboost":
    import xgboost as xgb
    model = xgb.Booster(model_file=path)
    prediction = model.predict(xgb.DMatrix(X))
else:
    import lightgbm as lgb
    prediction = lgb.Booster(model_file=path).predict(X)
assert not any(name.startswith("boostobj") for name in sys.modules)
np.save(out, prediction)
"""


@pytest.mark.parametrize("booster", BOOSTERS)
def test_saved_models_predict_the_same_without_boostobj(booster, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    counts = rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)
    labels = np.where(X[:, 1] + 0.5 * rng.normal(size=600) > 0, "pos", "neg")
    classes = np.digitize(X[:, 2], [-0.4, 0.4])
    models = {"poisson": (REGRESSORS[booster](loss="poisson").fit(X, counts), "predict"),
              "huber": (REGRESSORS[booster](loss="huber").fit(X, 100 + counts), "predict"),
              "focal": (CLASSIFIERS[booster](loss="focal").fit(X, labels), "proba1"),
              "softmax": (CLASSIFIERS[booster]().fit(X, classes), "proba")}
    np.save(tmp_path / "X.npy", X)
    for name, (model, method) in models.items():
        path = tmp_path / f"{name}.model"
        (model.get_booster() if booster == "xgboost" else model.booster_).save_model(str(path))
        out = tmp_path / f"{name}.npy"
        subprocess.run([sys.executable, "-c", SAVED_MODEL_CHECK, booster, str(path),
                        str(tmp_path / "X.npy"), str(out)], check=True, timeout=120)
        expected = (model.predict(X) if method == "predict" else
                    model.predict_proba(X)[:, 1] if method == "proba1" else model.predict_proba(X))
        np.testing.assert_allclose(np.load(out), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("booster", BOOSTERS)
def test_eval_sets_with_the_same_labels_are_told_apart(booster):
    # Two evaluation sets, same labels, different features: each reports its own renewed
    # metric, the one its final model scores.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 3))
    y = 3 * X[:, 0] + rng.standard_t(3, size=1200)
    other = X[:400] + rng.normal(scale=2.0, size=(400, 3))
    loss = boostobj.get_loss("quantile:alpha=0.7")
    model = REGRESSORS[booster](loss=loss.spec)
    if booster == "xgboost":
        model.fit(X, y, eval_set=[(X[:400], y[:400]), (other, y[:400]), (X, y)], verbose=False)
        history = model.evals_result()
        names = ["validation_0", "validation_1", "validation_2"]
    else:
        model.fit(X, y, eval_X=(X[:400], other, X), eval_y=(y[:400], y[:400], y),
                  eval_names=["a", "b", "train"])
        history = model.evals_result_
        names = ["a", "b", "train"]
    for name, features, target in zip(names, [X[:400], other, X], [y[:400], y[:400], y],
                                      strict=True):
        reported = history[name]["quantile"][-1]
        assert reported == pytest.approx(loss.metric(target, model.predict(features)), rel=1e-5)
    assert history[names[0]]["quantile"][-1] != pytest.approx(history[names[1]]["quantile"][-1],
                                                              rel=1e-3)


@pytest.mark.parametrize("n_rows", [5, 30])
def test_lightgbm_trains_on_small_data_like_the_builtin(n_rows):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n_rows, 3)), 50 + rng.normal(size=n_rows)
    builtin = lgb.train({"objective": "l2", "verbose": -1}, lgb.Dataset(X, y), 5)
    native = bl.train("squared_error", {"verbose": -1}, lgb.Dataset(X, y), 5)
    model = bl.LGBMRegressor(n_estimators=5, verbose=-1).fit(X, y)
    for ours in (native.predict(X), model.predict(X)):  # the built-in's start is float32
        np.testing.assert_allclose(ours, builtin.predict(X), rtol=1e-7)


def test_the_estimators_refuse_an_objective_and_wrong_loss_kinds():
    X, y = offset_data(100)
    with pytest.raises(ValueError, match=r"objective='huber' conflicts with "
                                         r"loss='squared_error'.*or pass loss=None"):
        bl.LGBMRegressor(loss="squared_error", objective="huber").fit(X, y)
    with pytest.raises(ValueError, match=r"objective='reg:pseudohubererror' conflicts with "
                                         r"loss='huber:delta=auto'"):
        bx.XGBRegressor(loss="huber", objective="reg:pseudohubererror").fit(X, y)
    with pytest.raises(ValueError, match=r"requires y to be passed"):
        bx.XGBRegressor(loss="squared_error").fit(X, None)
    with pytest.raises(ValueError, match=r"metric 'gamma_deviance' with loss 'huber:delta=auto'"
                                         r".*pass a callable eval_metric"):
        bl.LGBMRegressor(loss="huber", metric="gamma_deviance").fit(X, y)
    with pytest.raises(ValueError,
                       match=r"eval_metric='mae' with loss 'huber:delta=auto'.*renewed"):
        bx.XGBRegressor(loss="huber", eval_metric="mae").fit(X, y)
    with pytest.raises(ValueError, match=r"eval_metric='rmse' with loss 'poisson'.*log"):
        bx.XGBRegressor(loss="poisson", eval_metric="rmse").fit(X, y)
    # A built-in metric that sees the right scores is kept beside the loss's own.
    model = bx.XGBRegressor(loss="squared_error", eval_metric="mae", n_estimators=5)
    model.fit(X, y, eval_set=[(X, y)], verbose=False)
    assert list(model.evals_result()["validation_0"]) == ["mae", "squared_error"]
