"""Drop-in means drop-in: what the boosters' own scikit-learn test suites check of their
estimators, checked of boostobj's (one test per behaviour they exposed).

- ``loss=None`` is the parent exactly: objective, metrics, model, messages.
- With a loss, everything but the objective works as in the parent: the objective's
  built-in twin, every alias, callable and built-in metrics, ``set_params`` after fit,
  positional-argument warnings, the booster's parameters, the rankers' NDCG.
"""

import inspect
import warnings

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from conftest import ranking_data
from sklearn.metrics import mean_absolute_error

import boostobj.lightgbm as bl
import boostobj.xgboost as bx

warnings.filterwarnings("ignore", message=".*eval_set.*deprecated", category=FutureWarning)

PAIRS = {
    "XGBRegressor": (xgb.XGBRegressor, bx.XGBRegressor),
    "XGBClassifier": (xgb.XGBClassifier, bx.XGBClassifier),
    "LGBMRegressor": (lgb.LGBMRegressor, bl.LGBMRegressor),
    "LGBMClassifier": (lgb.LGBMClassifier, bl.LGBMClassifier),
}
SMALL = {"n_estimators": 8}


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = X[:, 0] + 0.3 * rng.normal(size=n)
    return X, y, (y > 0).astype(int), rng.integers(0, 3, n)


def _params(name):
    return {**SMALL, "verbose": -1} if name.startswith("LGBM") else dict(SMALL)


def _target(name, y, y_binary):
    return y_binary if "Classifier" in name else y


def _history(model):
    return model.evals_result() if isinstance(model, xgb.XGBModel) else model.evals_result_


def _eval(name, X, y):
    return ({"eval_set": [(X, y)], "verbose": False} if name.startswith("XGB")
            else {"eval_set": [(X, y)]})


@pytest.mark.parametrize("name", PAIRS)
def test_without_a_loss_the_estimator_is_the_parent_exactly(name):
    parent_class, ours_class = PAIRS[name]
    X, y, y_binary, _ = _data()
    target = _target(name, y, y_binary)
    Xv, yv = X[:100], target[:100]
    parent = parent_class(**_params(name)).fit(X, target, **_eval(name, Xv, yv))
    ours = ours_class(**_params(name)).fit(X, target, **_eval(name, Xv, yv))
    assert ours.loss_ is None
    np.testing.assert_array_equal(ours.predict(X), parent.predict(X))
    assert _history(ours) == _history(parent)  # the parent's metric names and values
    if "Classifier" in name:
        np.testing.assert_array_equal(ours.predict_proba(X), parent.predict_proba(X))
        assert ours.__sklearn_tags__().classifier_tags.multi_label == \
            parent.__sklearn_tags__().classifier_tags.multi_label


def test_without_a_loss_objectives_and_messages_are_the_parents():
    X, y, _, _ = _data()
    # An objective string or callable trains as in the parent.
    for ours, parent in ((bx.XGBRegressor(objective="reg:absoluteerror", **SMALL),
                          xgb.XGBRegressor(objective="reg:absoluteerror", **SMALL)),
                         (bl.LGBMRegressor(objective="mape", verbose=-1, **SMALL),
                          lgb.LGBMRegressor(objective="mape", verbose=-1, **SMALL))):
        np.testing.assert_array_equal(ours.fit(X, y).predict(X), parent.fit(X, y).predict(X))
    # XGBoost's classifier takes labels 0 .. K-1 only, with loss=None as alone.
    with pytest.raises(ValueError, match="Invalid classes inferred"):
        bx.XGBClassifier(**SMALL).fit(X, np.where(y > 0, "yes", "no"))
    with pytest.raises(ValueError, match="renew_leaves=True needs a boostobj loss"):
        bx.XGBRegressor(renew_leaves=True).fit(X, y)
    # "loss" is LightGBM's alias of objective: a LightGBM objective boostobj does not have
    # is LightGBM's, as in the parent (its warning included).
    with pytest.warns(UserWarning, match="Found 'loss' in params"):
        model = bl.LGBMRegressor(loss="mape", verbose=-1, **SMALL).fit(X, y, eval_set=[(X, y)])
    assert model.objective_ == "mape" and model.loss_ is None
    assert list(model.evals_result_["training"]) == ["mape"]


def test_the_signature_lists_boostobj_parameters_then_the_parents():
    for _, ours in PAIRS.values():
        parameters = list(inspect.signature(ours).parameters)
        assert parameters[:2] == ["loss", "renew_leaves"]
        assert {"n_estimators", "learning_rate", "objective"} <= set(parameters)
        assert inspect.getfullargspec(ours).varargs is None
    link = bx.XGBRegressor()._get_doc_link()
    assert link.startswith("https://xgboost.readthedocs.io/") and "#xgboost.XGBRegressor" in link


def test_positional_arguments_warn_as_in_the_parent():
    X, y, y_binary, _ = _data()
    with pytest.warns(FutureWarning, match="Pass `objective` as keyword args"):
        bx.XGBRegressor("reg:squarederror", learning_rate=0.1)
    with pytest.warns(FutureWarning, match="Pass `sample_weight` as keyword args"):
        bx.XGBRegressor(loss="huber", n_estimators=2).fit(X, y, np.ones(y.size))
    with pytest.raises(TypeError):  # LightGBM's estimators take keywords only
        bl.LGBMRegressor(31)


def test_an_objective_that_is_the_losss_twin_is_accepted_and_others_refused():
    X, y, y_binary, _ = _data()
    bx.XGBRegressor(loss="poisson", objective="count:poisson", **SMALL).fit(X, np.exp(y))
    bl.LGBMRegressor(loss="huber", objective="huber", verbose=-1, **SMALL).fit(X, y)
    bl.LGBMClassifier(loss="logistic", objective="binary", verbose=-1, **SMALL).fit(X, y_binary)
    with pytest.raises(ValueError, match=r"objective='reg:gamma' conflicts with "
                                         r"loss='huber:delta=auto'.*loss=None"):
        bx.XGBRegressor(loss="huber", objective="reg:gamma").fit(X, y)
    # Every alias of LightGBM's objective is read.
    for alias in ("objective_type", "app", "application"):
        with pytest.raises(ValueError, match=rf"{alias}='mape' conflicts with "
                                             r"loss='squared_error'"):
            bl.LGBMRegressor(loss="squared_error", **{alias: "mape"}).fit(X, y)


@pytest.mark.parametrize("booster", ["xgboost", "lightgbm"])
def test_set_params_after_fit_keeps_the_model_trained_on_the_loss(booster):
    X, y, _, y_three = _data()
    extra = {"verbose": -1} if booster == "lightgbm" else {}
    module = bx if booster == "xgboost" else bl
    regressor = (module.XGBRegressor if booster == "xgboost" else module.LGBMRegressor)(
        loss="poisson", n_estimators=20, **extra).fit(X, np.exp(y))
    before = regressor.predict(X)
    regressor.set_params(n_estimators=30, max_depth=2)
    np.testing.assert_array_equal(regressor.predict(X), before)
    classifier = (module.XGBClassifier if booster == "xgboost" else module.LGBMClassifier)(
        loss="softmax", n_estimators=5, **extra).fit(X, y_three)
    before = classifier.predict_proba(X)
    classifier.set_params(max_depth=2)
    np.testing.assert_array_equal(classifier.predict_proba(X), before)


def test_lightgbm_keeps_the_training_parameters_of_a_rebuilt_booster():
    X, _, y_binary, _ = _data()
    # focal: trained on boostobj's gradients, the model rebuilt to name its link.
    model = bl.LGBMClassifier(loss="focal", eta=0.08, verbose=-1, **SMALL).fit(X, y_binary)
    assert model.booster_.params["eta"] == 0.08
    assert model.booster_.params["objective"] == "binary"


@pytest.mark.parametrize("name", PAIRS)
def test_the_losss_builtin_twin_trains_as_the_parent_at_the_parents_cost(name):
    parent_class, ours_class = PAIRS[name]
    X, y, y_binary, _ = _data()
    target = _target(name, y, y_binary)
    loss = "logistic" if "Classifier" in name else "squared_error"
    parent = parent_class(**_params(name)).fit(X, target)
    ours = ours_class(loss=loss, **_params(name)).fit(X, target)
    np.testing.assert_allclose(ours.predict(X), parent.predict(X), rtol=1e-6, atol=1e-6)
    assert ours.loss_.name == loss


def test_lightgbm_dart_and_rf_train_the_builtin_twin():
    X, y, _, _ = _data()
    for boosting in ("dart", "rf"):
        params = {"boosting_type": boosting, "verbose": -1, "n_estimators": 5}
        if boosting == "rf":
            params.update(subsample=0.8, subsample_freq=1)
        parent = lgb.LGBMRegressor(**params).fit(X, y)
        ours = bl.LGBMRegressor(loss="squared_error", **params).fit(X, y)
        np.testing.assert_allclose(ours.predict(X), parent.predict(X), rtol=1e-9)
    with pytest.raises(ValueError, match="boosting='dart' with loss 'huber"):
        bl.LGBMRegressor(loss="huber", boosting_type="dart").fit(X, y)


def test_xgboost_metrics_beside_the_loss():
    X, y, y_binary, _ = _data()
    Xv, yv = X[:100], y[:100]
    model = bx.XGBRegressor(loss="squared_error", **SMALL).fit(X, y, eval_set=[(Xv, yv)],
                                                               verbose=False)
    history = model.evals_result()["validation_0"]
    assert list(history) == ["rmse", "squared_error"]  # the parent's default, then the loss's
    # (XGBoost prints each value with six significant digits, and reads it back)
    np.testing.assert_allclose(np.square(history["rmse"]) / 2, history["squared_error"],
                               rtol=1e-4)
    # A callable sees the predictions (response scale), after the built-in names.
    model = bx.XGBRegressor(loss="huber", eval_metric=mean_absolute_error, **SMALL)
    history = model.fit(X, y, eval_set=[(Xv, yv)], verbose=False).evals_result()["validation_0"]
    assert list(history) == ["mean_absolute_error", "huber"]
    assert history["mean_absolute_error"][-1] == pytest.approx(
        mean_absolute_error(yv, model.predict(Xv)), rel=1e-5)
    # Built-in names where XGBoost would see other scores than the loss's are refused.
    model = bx.XGBClassifier(loss="exponential", eval_metric=["logloss", _mean_prediction],
                             **SMALL)
    with pytest.raises(ValueError, match="eval_metric='logloss' with loss 'exponential"):
        model.fit(X, y_binary, eval_set=[(Xv, y_binary[:100])])
    model.set_params(eval_metric=_mean_prediction)
    history = model.fit(X, y_binary, eval_set=[(Xv, y_binary[:100])], verbose=False)
    assert _history(model)["validation_0"]["_mean_prediction"][-1] == pytest.approx(
        model.predict_proba(Xv)[:, 1].mean(), rel=1e-5)
    with pytest.raises(NotImplementedError, match="multiple custom metrics"):
        bx.XGBRegressor(loss="huber", eval_metric=[_mean_prediction, mean_absolute_error]).fit(
            X, y, eval_set=[(Xv, yv)])
    with pytest.raises(TypeError, match="Invalid type for the `eval_metric`"):
        bx.XGBRegressor(loss="huber", eval_metric=[123]).fit(X, y, eval_set=[(Xv, yv)])


def _mean_prediction(y_true, y_pred, sample_weight=None):
    return float(np.mean(y_pred))


def test_lightgbm_metrics_beside_the_loss():
    X, y, y_binary, _ = _data()
    Xv, yv, bv = X[:100], y[:100], y_binary[:100]

    def mean_prediction(y_true, y_pred):
        return "mean_prediction", float(np.mean(y_pred)), False

    model = bl.LGBMRegressor(loss="squared_error", verbose=-1, **SMALL).fit(X, y,
                                                                             eval_set=[(Xv, yv)])
    assert list(model.evals_result_["valid_0"]) == ["squared_error", "l2"]
    model = bl.LGBMRegressor(loss="huber", metric="l1", verbose=-1, **SMALL)
    model.fit(X, y, eval_set=[(Xv, yv)], eval_metric=["l2", mean_prediction])
    history = model.evals_result_["valid_0"]
    # metric= replaces the default (the loss's goes after it), fit's names come first.
    assert list(history) == ["l2", "l1", "huber", "mean_prediction"]
    prediction = model.predict(Xv)
    assert history["l1"][-1] == pytest.approx(np.mean(np.abs(yv - prediction)), rel=1e-7)
    assert history["l2"][-1] == pytest.approx(np.mean((yv - prediction) ** 2), rel=1e-7)
    assert history["mean_prediction"][-1] == pytest.approx(prediction.mean(), rel=1e-7)
    # The classifier's metrics see probabilities, as the parent's do.
    ours = bl.LGBMClassifier(loss="logistic", verbose=-1, **SMALL).fit(
        X, y_binary, eval_set=[(Xv, bv)], eval_metric=["auc", mean_prediction])
    parent = lgb.LGBMClassifier(verbose=-1, **SMALL).fit(
        X, y_binary, eval_set=[(Xv, bv)], eval_metric=["auc", mean_prediction])
    for name, values in parent.evals_result_["valid_0"].items():
        np.testing.assert_allclose(ours.evals_result_["valid_0"][name], values, rtol=1e-6)
    with pytest.raises(ValueError, match="metric 'gamma_deviance' with loss 'huber"):
        bl.LGBMRegressor(loss="huber", metric="gamma_deviance").fit(X, y)


def test_rankers_report_ndcg_by_default_as_the_parents():
    X, y, sizes = ranking_data(60)
    Xv, yv, sv = ranking_data(20, seed=1)
    model = bx.XGBRanker(loss="listwise_softmax", n_estimators=3)
    model.fit(X, y, group=sizes, eval_set=[(Xv, yv)], eval_group=[sv])
    parent = xgb.XGBRanker(n_estimators=3).fit(X, y, group=sizes, eval_set=[(Xv, yv)],
                                                eval_group=[sv], verbose=False)
    assert list(model.evals_result()["validation_0"]) == [
        *parent.evals_result()["validation_0"], "listwise_softmax"]
    model = bl.LGBMRanker(loss="pairwise_logistic", verbose=-1, n_estimators=3)
    model.fit(X, y, group=sizes, eval_set=[(Xv, yv)], eval_group=[sv], eval_at=[1, 3])
    assert list(model.evals_result_["valid_0"]) == ["ndcg@1", "ndcg@3", "pairwise_logistic"]


def test_malformed_inputs_are_named_as_the_parents_name_them():
    X, y, _, _ = _data()
    for model in (bx.XGBRegressor(loss="huber"), bl.LGBMRegressor(loss="huber")):
        with pytest.raises(ValueError, match=r"eval_set must be a list of \(X, y\) pairs; "
                                             r"entry 0 is a tuple of 3"):
            model.fit(X, y, eval_set=[(X, y, y)])
        with pytest.raises(ValueError, match="eval_set entry 0 has y=None"):
            model.fit(X, y, eval_set=[(X, None)])
    with pytest.raises(ValueError, match="You must specify eval_X and eval_y"):
        bl.LGBMRegressor(loss="huber").fit(X, y, eval_X=X)
    Xr, yr, sizes = ranking_data(20)
    with pytest.raises(ValueError, match="eval_group cannot be None"):
        bl.LGBMRanker(loss="listwise_softmax").fit(Xr, yr, group=sizes, eval_X=(Xr,))
    with pytest.raises(ValueError, match="contains NaN, infinity or a value too large"):
        bx.XGBRegressor(loss="huber").fit(X, np.where(y > 1, np.nan, y))
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        bl.LGBMRegressor(loss="huber").fit(X, y, sample_weight=np.zeros(y.size))
