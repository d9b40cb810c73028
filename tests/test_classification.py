"""Classification losses: reference values, bad labels, parity with the built-in objectives,
probabilities from every API (native, scikit-learn, saved models), soft labels."""

import json
import warnings

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


# --- reference values (the surveys' PyTorch-convention numbers) -------------------------------

def test_cross_entropy_reference_values():
    raw = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 3.0]])
    y = np.array([0, 1, 1])
    softmax = boostobj.get_loss("softmax")
    per_sample = softmax.loss(y, raw)
    np.testing.assert_allclose(per_sample, [1.3133, 0.1269, 0.1269], atol=1e-4)
    # The issue text says "sum 1.5271"; the three values above sum to 1.5671 (mean 0.5224).
    assert per_sample.sum() == pytest.approx(1.5671, abs=1e-4)
    assert softmax.metric(y, raw) == pytest.approx(0.5224, abs=1e-4)
    weighted = boostobj.get_loss("softmax", class_weight=[1, 2])
    np.testing.assert_allclose(weighted.loss(y, raw), [1.3133, 0.2539, 0.2539], atol=1e-4)
    # PyTorch's CrossEntropyLoss(weight=[1, 2]) divides by the summed class weights, 5.
    assert weighted.metric(y, raw) == pytest.approx((1.3133 + 2 * 0.2539) / 5, abs=1e-4)
    assert weighted.total_weight(y) == 5.0


def test_binary_cross_entropy_reference_values():
    raw = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 4.0], [4.0, 5.0]])
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    values = boostobj.get_loss("logistic").loss(y.ravel(), raw.ravel()).reshape(4, 2)
    np.testing.assert_allclose(values, [[0.3133, 2.1269], [0.1269, 2.1269],
                                        [3.0486, 0.0181], [4.0181, 0.0067]], atol=1e-4)


def test_focal_with_gamma_0_alpha_half_is_half_logistic(rng):
    y = (rng.uniform(size=200) < 0.3).astype(float)
    raw = rng.normal(scale=3.0, size=200)
    focal = boostobj.get_loss("focal", alpha=0.5, gamma=0)
    logistic = boostobj.get_loss("logistic")
    np.testing.assert_allclose(focal.loss(y, raw), 0.5 * logistic.loss(y, raw), rtol=1e-12)
    for ours, theirs in zip(focal.gradient_hessian(y, raw), logistic.gradient_hessian(y, raw),
                            strict=True):
        np.testing.assert_allclose(ours, 0.5 * theirs, rtol=1e-12)


@pytest.mark.parametrize("name", ["logistic", "weighted_logistic", "focal", "hinge",
                                  "squared_hinge", "exponential"])
def test_plus_minus_one_labels_are_the_same_loss(name, rng):
    y01 = (rng.uniform(size=100) < 0.4).astype(float)
    raw = rng.normal(size=100)
    loss = boostobj.get_loss(name)
    np.testing.assert_array_equal(loss.loss(2 * y01 - 1, raw), loss.loss(y01, raw))
    assert loss.init_score(2 * y01 - 1) == loss.init_score(y01)


def test_predict_gives_probabilities(rng):
    raw = rng.normal(size=(50, 4)) * 5
    probabilities = boostobj.get_loss("softmax").predict(raw)
    assert probabilities.shape == (50, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_allclose(boostobj.get_loss("logistic").predict(raw[:, 0]), expit(raw[:, 0]))
    np.testing.assert_allclose(boostobj.get_loss("exponential").predict(raw[:, 0]),
                               expit(2 * raw[:, 0]))
    np.testing.assert_array_equal(boostobj.get_loss("hinge").predict(raw[:, 0]), raw[:, 0] > 0)


@pytest.mark.parametrize("spec", ["focal", "focal:alpha=0.6,gamma=0.7", "focal:gamma=4",
                                  "softmax_focal", "softmax_focal:gamma=0.5"])
def test_focal_exact_hessian_by_finite_differences_and_the_stand_in(spec, rng):
    loss = boostobj.get_loss(spec)
    if loss.name == "focal":
        y = (rng.uniform(size=400) < 0.4).astype(float)
        raw = rng.normal(scale=4.0, size=400)
        columns = [slice(None)]
    else:
        y = rng.integers(0, 4, size=400)
        raw = rng.normal(scale=4.0, size=(400, 4))
        columns = range(4)
    exact = loss.exact_hessian_values(y, raw)
    for k in columns:
        step = np.zeros_like(raw)
        step[..., k] = 1e-5
        numeric = (loss.gradient_hessian(y, raw + step)[0] - loss.gradient_hessian(y, raw - step)[0])
        np.testing.assert_allclose(exact[..., k], numeric[..., k] / 2e-5, atol=1e-7)
    assert (exact < 0).any()  # the reason for the stand-in
    hessian = loss.gradient_hessian(y, raw)[1]
    assert (hessian > 0).all()
    positive = exact > 1e-3
    scale = 1.0 if loss.name == "focal" else 4 / 3  # softmax_focal: Friedman's K / (K - 1)
    assert (hessian[positive] >= scale * exact[positive] * (1 - 1e-12)).all()


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, y, raw, message", [
    ("logistic", [0, 1, 2], np.zeros(3), r"logistic: y must be 0 or 1.*2\.0 at index 2"),
    ("focal", [0, 1, 0.5], np.zeros(3), r"focal: y must be 0 or 1.*0\.5 at index 2"),
    ("hinge", [-1, 0, 1], np.zeros(3), r"hinge: y must be 0 or 1.*-1\.0 at index 0"),
    ("softmax", [0, 1, 3], np.zeros((3, 3)), r"softmax: class ids must be < K = 3.*3\.0 at index 2"),
    ("softmax", [0, 1.5, 2], np.zeros((3, 3)), r"softmax: y must be integer class ids.*1\.5 at index 1"),
    ("softmax", [0, -1, 2], np.zeros((3, 3)), r"softmax: y must be integer.*-1\.0 at index 1"),
    ("softmax:class_weight=[1,2]", [0, 1, 2], np.zeros((3, 2)), r"softmax: y must be.*K - 1 = 1.*2\.0"),
    ("softmax", [0, 1, 2], np.zeros(3), r"softmax: raw_score must have shape \(n, K\) = \(3, K\)"),
    ("soft_label", [[0.5, 0.5], [1.2, -0.2]], np.zeros((2, 2)), r"soft_label: y must be finite probabilities >= 0, got -0\.2 at row 1"),
    ("soft_label", [[0.5, 0.5], [0.7, 0.7]], np.zeros((2, 2)), r"soft_label: each row of y must sum to 1.*1\.4 at index 1"),
    ("kl_divergence", [0, 1], np.zeros((2, 2)), r"kl_divergence: y must be an \(n, K\) matrix"),
    ("soft_label", [[0.5, 0.5], [0.5, 0.5]], np.zeros((2, 3)), r"soft_label: y has K = 2 columns but there are 3"),
])
def test_bad_labels_name_the_loss_and_the_values(spec, y, raw, message):
    with pytest.raises(ValueError, match=message):
        boostobj.get_loss(spec).gradient_hessian(np.asarray(y, dtype=float), raw)


@pytest.mark.parametrize("spec, message", [
    ("focal:alpha=1", "focal: alpha == 1.0, must be < 1.0"),
    ("focal:gamma=-1", "focal: gamma == -1.0, must be >= 0.0"),
    ("weighted_logistic:pos_weight=0", "weighted_logistic: pos_weight == 0.0, must be > 0.0"),
    ("hinge:margin=-1", "hinge: margin == -1.0, must be > 0.0"),
    ("softmax:class_weight=[1,-2]", r"softmax: class_weight\[1\] == -2.0, must be > 0.0"),
    ("softmax:hessian=newton", "softmax: hessian == 'newton', must be one of"),
])
def test_bad_parameters(spec, message):
    with pytest.raises(ValueError, match=message):
        boostobj.get_loss(spec)


def test_training_with_out_of_range_class_ids_fails_clearly():
    X, y = classification_data(n=300, n_classes=3)
    with pytest.raises(ValueError, match=r"softmax: class ids must be < K = 2"):
        bx.train("softmax", {**XGB_PARAMS, "num_class": 2}, xgb.DMatrix(X, label=y), 2)
    with pytest.raises(ValueError, match=r"logistic: y must be 0 or 1.*2\.0"):
        bl.train("logistic", LGB_PARAMS, lgb.Dataset(X, label=y), 2)


# --- parity with the built-ins ----------------------------------------------------------------

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


# --- scikit-learn classifiers: predict_proba and predict ----------------------------------------

@pytest.mark.parametrize("n_classes", [2, 3])
def test_xgb_classifier_matches_the_builtin_classifier(n_classes):
    X, y = classification_data(n_classes=n_classes)
    y = y.astype(int)
    spec = "logistic" if n_classes == 2 else "softmax:hessian=doubled"
    loss = boostobj.get_loss(spec)
    ours = bx.XGBClassifier(loss=loss, **XGB_SKLEARN).fit(X, y)
    start = loss.init_score(y)
    base_score = [float(v) for v in start] if n_classes > 2 else float(expit(start))
    theirs = xgb.XGBClassifier(base_score=base_score, **XGB_SKLEARN).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.predict_proba(X).shape == (len(y), n_classes)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lgbm_classifier_matches_the_builtin_classifier(n_classes, tmp_path):
    X, y = classification_data(n_classes=n_classes)
    labels = np.array(["cat", "dog", "eel"])[y.astype(int)]  # string classes are encoded
    spec = "logistic" if n_classes == 2 else "softmax"
    ours = bl.LGBMClassifier(loss=spec, **LGB_SKLEARN).fit(X, labels)
    theirs = lgb.LGBMClassifier(**LGB_SKLEARN).fit(X, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Returning raw scores instead"
        probabilities = ours.predict_proba(X)
    np.testing.assert_allclose(probabilities, theirs.predict_proba(X), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    # The saved model predicts the probabilities with plain LightGBM.
    path = tmp_path / "model.txt"
    ours.booster_.save_model(path)
    saved = lgb.Booster(model_file=path).predict(X)
    np.testing.assert_allclose(saved, probabilities if n_classes > 2 else probabilities[:, 1],
                               atol=1e-9)


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


def test_classifier_class_count_errors():
    X, y = classification_data(n_classes=3)
    with pytest.raises(ValueError, match="logistic is a binary loss, y has 3 classes"):
        bl.LGBMClassifier(loss="logistic").fit(X, y)
    X, y = classification_data()
    with pytest.raises(ValueError, match="softmax needs K > 2 classes"):
        bx.XGBClassifier(loss="softmax").fit(X, y)
    with pytest.raises(ValueError, match="'squared_error' is not a classification loss"):
        bx.XGBClassifier(loss="squared_error").fit(X, y)
    with pytest.raises(ValueError, match="'logistic' is a binary classification loss; use "
                                         "the classifier"):
        bl.LGBMRegressor(loss="logistic").fit(X, y)


# --- soft labels --------------------------------------------------------------------------------

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


# --- hessians the boosters can use: the training loss falls -------------------------------------

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


# --- metric-only metrics ------------------------------------------------------------------------

def test_error_rate_and_log_loss():
    y = np.array([0, 1, 1, 0])
    p = np.array([0.2, 0.9, 0.4, 0.6])
    assert error_rate(y, p) == 0.5
    assert error_rate(y, p, np.array([1, 1, 1, 3])) == pytest.approx(4 / 6)
    expected = -np.mean(np.log([0.8, 0.9, 0.4, 0.4]))
    assert log_loss(y, p) == pytest.approx(expected)
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert log_loss(np.array([0, 1]), probabilities) == pytest.approx(-np.log(0.7 * 0.1) / 2)
    assert error_rate(np.array([0, 1]), probabilities) == 0.5
    soft = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    assert log_loss(soft, probabilities) == pytest.approx(
        (-0.5 * np.log(0.7) - 0.5 * np.log(0.2) - np.log(0.8)) / 2)


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


@pytest.mark.parametrize("spec, n_classes", [("logistic", 2), ("softmax", 3)])
def test_classifier_eval_metrics_are_the_loss_on_raw_scores(spec, n_classes):
    X, y = classification_data(n_classes=n_classes)
    y = y.astype(int)
    loss = boostobj.get_loss(spec)
    model = bx.XGBClassifier(loss=spec, n_estimators=10)
    model.fit(X, y, eval_set=[(X, y)], verbose=False)
    curve = model.evals_result()["validation_0"][spec]
    assert curve[-1] == pytest.approx(loss.metric(y, model.predict(X, output_margin=True)), rel=1e-5)
    model = bl.LGBMClassifier(loss=spec, n_estimators=10, verbose=-1)
    model.fit(X, y, eval_X=X[:500], eval_y=y[:500])
    curve = next(iter(model.evals_result_.values()))[spec]
    assert curve[-1] == pytest.approx(loss.metric(y[:500], model.predict(X[:500], raw_score=True)),
                                      rel=1e-9)
