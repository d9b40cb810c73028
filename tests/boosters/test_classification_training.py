"""Classification losses through both boosters' native APIs: parity with the built-in objectives,
probabilities from saved models, soft labels, extra metrics."""

import json

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from conftest import classification_data

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj._numerics import expit
from boostobj.metrics import error_rate, log_loss

XGB_PARAMS = {"max_depth": 3, "eta": 0.3, "tree_method": "hist", "max_bin": 63, "nthread": 2}


LGB_PARAMS = {"num_leaves": 8, "learning_rate": 0.3, "max_bin": 63, "num_threads": 2,
              "deterministic": True, "force_row_wise": True, "verbose": -1, "seed": 0}


XGB_SKLEARN = {"n_estimators": 100, "max_depth": 3, "learning_rate": 0.3, "max_bin": 63,
               "n_jobs": 2, "tree_method": "hist"}


LGB_SKLEARN = {"n_estimators": 100, "num_leaves": 8, "learning_rate": 0.3, "max_bin": 63,
               "n_jobs": 2, "deterministic": True, "force_row_wise": True, "verbose": -1,
               "random_state": 0}


def weights_for(y, weighted):
    return np.random.default_rng(7).uniform(0.2, 3.0, size=len(y)) if weighted else None


def test_training_with_out_of_range_class_ids_fails_clearly():
    X, y = classification_data(n=300, n_classes=3)
    with pytest.raises(ValueError, match=r"softmax: class ids must be < K = 2"):
        bx.train("softmax", {**XGB_PARAMS, "num_class": 2}, xgb.DMatrix(X, label=y), 2)
    with pytest.raises(ValueError, match=r"logistic: y must be 0 or 1.*2\.0"):
        bl.train("logistic", LGB_PARAMS, lgb.Dataset(X, label=y), 2)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("spec, builtin, n_classes", [
    ("logistic", {"objective": "binary:logistic"}, 2),
    ("weighted_logistic:pos_weight=3", {"objective": "binary:logistic", "scale_pos_weight": 3.0}, 2),
    ("softmax:hessian=doubled", {"objective": "multi:softprob", "num_class": 3}, 3),
])
def test_xgboost_parity(spec, builtin, n_classes, weighted):
    loss = boostobj.get_loss(spec)
    X, y = classification_data(n_classes=n_classes)
    weight = weights_for(y, weighted)
    dtrain = xgb.DMatrix(X, label=y, weight=weight)
    start = loss.init_score(y, weight)
    base_score = [float(v) for v in start] if n_classes > 2 else float(expit(start))
    ours = bx.train(loss, XGB_PARAMS, dtrain, 100)
    theirs = xgb.train({**XGB_PARAMS, **builtin, "base_score": base_score}, dtrain, 100)
    np.testing.assert_allclose(ours.predict(dtrain), theirs.predict(dtrain), atol=1e-4)
    assert ours.predict(dtrain).shape == ((len(y), 3) if n_classes > 2 else (len(y),))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("spec, builtin, n_classes", [
    ("logistic", {"objective": "binary"}, 2),
    ("weighted_logistic:pos_weight=3", {"objective": "binary", "scale_pos_weight": 3.0}, 2),
    ("softmax", {"objective": "multiclass", "num_class": 3}, 3),
])
def test_lightgbm_parity(spec, builtin, n_classes, weighted):
    loss = boostobj.get_loss(spec)
    X, y = classification_data(n_classes=n_classes)
    weight = weights_for(y, weighted)
    ours = bl.train(loss, LGB_PARAMS, lgb.Dataset(X, y, weight=weight), 100)
    # LightGBM's binary start ignores scale_pos_weight: give it ours.
    start = loss.init_score(y, weight)
    init = np.tile(start, (len(y), 1)) if n_classes > 2 else np.full(len(y), start)
    theirs = lgb.train({**LGB_PARAMS, **builtin}, lgb.Dataset(X, y, weight=weight, init_score=init), 100)
    expected = loss.predict(theirs.predict(X, raw_score=True) + start)
    np.testing.assert_allclose(ours.predict(X), expected, atol=1e-4)


def test_lightgbm_multiclass_starts_where_the_builtin_does():
    X, y = classification_data(n_classes=4)
    ours = bl.train("softmax", LGB_PARAMS, lgb.Dataset(X, y), 100)
    theirs = lgb.train({**LGB_PARAMS, "objective": "multiclass", "num_class": 4}, lgb.Dataset(X, y), 100)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-4)


def test_saved_xgboost_models_predict_probabilities(tmp_path):
    X, y = classification_data(n_classes=3)
    booster = bx.train("softmax", XGB_PARAMS, xgb.DMatrix(X, label=y), 20)
    path = tmp_path / "model.json"
    booster.save_model(path)
    loaded = xgb.Booster(model_file=str(path))
    margins = loaded.predict(xgb.DMatrix(X), output_margin=True)
    np.testing.assert_allclose(loaded.predict(xgb.DMatrix(X)),
                               boostobj.get_loss("softmax").predict(margins), atol=1e-6)
    binary = bx.train("logistic", XGB_PARAMS, xgb.DMatrix(X, label=y > 0), 20)
    margins = binary.predict(xgb.DMatrix(X), output_margin=True)
    np.testing.assert_allclose(binary.predict(xgb.DMatrix(X)), expit(margins), atol=1e-6)
    hinge = bx.train("hinge", XGB_PARAMS, xgb.DMatrix(X, label=y > 0), 20)
    np.testing.assert_array_equal(hinge.predict(xgb.DMatrix(X)),
                                  hinge.predict(xgb.DMatrix(X), output_margin=True) > 0)


def test_exponential_probability_is_sigma_of_twice_the_margin():
    X, y = classification_data()
    lgb_model = bl.train("exponential", LGB_PARAMS, lgb.Dataset(X, y), 30)
    raw = lgb_model.predict(X, raw_score=True)
    np.testing.assert_allclose(lgb_model.predict(X), expit(2 * raw), atol=1e-9)
    for estimator in (bx.XGBClassifier(loss="exponential", **XGB_SKLEARN),
                      bl.LGBMClassifier(loss="exponential", **LGB_SKLEARN)):
        estimator.fit(X, y.astype(int))
        margin = estimator.predict(X, **({"output_margin": True}
                                         if isinstance(estimator, xgb.XGBModel)
                                         else {"raw_score": True}))
        np.testing.assert_allclose(estimator.predict_proba(X)[:, 1], expit(2 * margin),
                                   atol=1e-6)


def test_soft_labels_on_one_hot_rows_equal_softmax_in_both_boosters():
    X, y = classification_data(n_classes=3)
    one_hot = np.eye(3)[y.astype(int)]
    weight = weights_for(y, True)
    hard = bx.train("softmax", XGB_PARAMS, xgb.DMatrix(X, label=y, weight=weight), 50)
    soft = bx.train("soft_label", XGB_PARAMS, xgb.DMatrix(X, label=one_hot, weight=weight), 50)
    np.testing.assert_allclose(soft.predict(xgb.DMatrix(X)), hard.predict(xgb.DMatrix(X)), atol=1e-6)
    assert json.loads(soft.save_config())["learner"]["objective"]["name"] == "multi:softprob"
    hard = bl.train("softmax", LGB_PARAMS, lgb.Dataset(X, y, weight=weight), 50)
    soft = bl.train("soft_label", LGB_PARAMS, bl.soft_label_dataset(X, one_hot, weight=weight), 50)
    np.testing.assert_allclose(soft.predict(X), hard.predict(X), atol=1e-9)


def test_label_smoothing_and_distillation_train_with_both_boosters():
    X, y = classification_data(n_classes=3)
    smoothed = 0.8 * np.eye(3)[y.astype(int)] + 0.2 / 3
    train, valid = slice(0, 1500), slice(1500, None)
    results = {}
    train_set = bl.soft_label_dataset(X[train], smoothed[train])
    booster = bl.train("kl_divergence", {**LGB_PARAMS, "learning_rate": 0.1}, train_set, 60,
                       valid_sets=[train_set, bl.soft_label_dataset(X[valid], smoothed[valid])],
                       valid_names=["train", "valid"], callbacks=[lgb.record_evaluation(results)])
    loss = boostobj.get_loss("kl_divergence")
    constant = np.tile(loss.init_score(smoothed[train]), (len(y), 1))
    fit_curve, held_out = results["train"]["kl_divergence"], results["valid"]["kl_divergence"]
    assert fit_curve[-1] < 0.7 * loss.metric(smoothed[train], constant[train])
    assert min(fit_curve) >= 0.0
    assert min(held_out) < 0.85 * loss.metric(smoothed[valid], constant[valid])
    # Smoothed targets keep every probability away from 0 and 1.
    probabilities = booster.predict(X[valid])
    assert probabilities.min() > 0.02 and probabilities.max() < 0.98
    teacher = booster.predict(X)  # distillation: a student learns the teacher's probabilities
    student = bx.train("soft_label", XGB_PARAMS, xgb.DMatrix(X, label=teacher), 60)
    prior = teacher.mean(axis=0)
    student_error = np.abs(student.predict(xgb.DMatrix(X)) - teacher).mean()
    assert student_error < 0.25 * np.abs(prior - teacher).mean()


def test_lightgbm_soft_label_dataset_rejects_a_label():
    with pytest.raises(ValueError, match="do not pass label"):
        bl.soft_label_dataset(np.zeros((2, 1)), np.eye(2), label=[0, 1])


@pytest.mark.parametrize("spec", ["focal", "focal:gamma=5", "hinge", "squared_hinge", "exponential",
                                  "softmax_focal", "softmax:hessian=exact"])
def test_training_loss_falls(spec):
    loss = boostobj.get_loss(spec)
    multiclass = loss.name.startswith("softmax")
    X, y = classification_data(n_classes=3 if multiclass else 2)
    xgb_results, lgb_results = {}, {}
    dtrain = xgb.DMatrix(X, label=y)
    bx.train(loss, XGB_PARAMS, dtrain, 40, evals=[(dtrain, "train")], evals_result=xgb_results,
             verbose_eval=False)
    dataset = lgb.Dataset(X, y)
    bl.train(loss, LGB_PARAMS, dataset, 40, valid_sets=[dataset], valid_names=["train"],
             callbacks=[lgb.record_evaluation(lgb_results)])
    start = loss.metric(y, np.broadcast_to(loss.init_score(y), loss.raw_score_shape(y)))
    for results in (xgb_results, lgb_results):
        curve = np.asarray(results["train"][loss.name])
        assert np.all(np.isfinite(curve))
        assert curve[-1] < 0.8 * start and curve[-1] <= curve[0]
    extra = loss.extra_metrics[0] if loss.extra_metrics else None
    if extra == "error_rate":
        majority = min(y.mean(), 1 - y.mean())  # the error of predicting one class
        assert lgb_results["train"]["error_rate"][-1] < 0.8 * majority


def test_adapters_report_the_extra_metrics_on_probabilities():
    X, y = classification_data()
    results = {}
    dataset = lgb.Dataset(X, y)
    booster = bl.train("focal", LGB_PARAMS, dataset, 20, valid_sets=[dataset],
                       valid_names=["train"], extra_metrics=("log_loss", "error_rate"),
                       callbacks=[lgb.record_evaluation(results)])
    probability = booster.predict(X)
    assert results["train"]["log_loss"][-1] == pytest.approx(log_loss(y, probability), rel=1e-9)
    assert results["train"]["error_rate"][-1] == pytest.approx(error_rate(y, probability))
