"""The drop-in classifiers: the built-in classifiers' models, class counts, eval metrics."""

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

XGB_SKLEARN = {"n_estimators": 100, "max_depth": 3, "learning_rate": 0.3, "max_bin": 63,
               "n_jobs": 2, "tree_method": "hist"}


LGB_SKLEARN = {"n_estimators": 100, "num_leaves": 8, "learning_rate": 0.3, "max_bin": 63,
               "n_jobs": 2, "deterministic": True, "force_row_wise": True, "verbose": -1,
               "random_state": 0}


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
