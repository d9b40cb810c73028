"""Continuing a model is refused where its raw scores are on another scale than the loss's
(a squared-error start of 50 read as a log mean would predict e^50)."""

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import boostobj.lightgbm as bl
import boostobj.xgboost as bx


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    return X, 50 + X[:, 0] + rng.normal(size=300)


def test_xgboost_native_and_estimator_refuse_another_link(data, tmp_path):
    X, y = data
    plain = bx.train("squared_error", {}, xgb.DMatrix(X, y), 5)
    path = tmp_path / "plain.json"
    plain.save_model(path)
    for model in (plain, str(path)):
        with pytest.raises(ValueError, match="xgb_model was trained with objective "
                                             "'reg:squarederror'.*'poisson'.*log scale"):
            bx.train("poisson", {}, xgb.DMatrix(X, y), 5, xgb_model=model)
    fitted = bx.XGBRegressor(loss="squared_error", n_estimators=5).fit(X, y)
    with pytest.raises(ValueError, match="xgb_model.*'gamma'"):
        bx.XGBRegressor(loss="gamma", n_estimators=5).fit(X, y, xgb_model=fitted)


def test_xgboost_continues_a_model_of_the_same_link(data):
    X, y = data
    first = bx.train("poisson", {}, xgb.DMatrix(X, y), 5)
    more = bx.train("gamma", {}, xgb.DMatrix(X, y), 5, xgb_model=first)
    assert abs(more.predict(xgb.DMatrix(X)).mean() - y.mean()) < 1
    huber = bx.train("huber", {}, xgb.DMatrix(X, y), 5, xgb_model=bx.train(
        "squared_error", {}, xgb.DMatrix(X, y), 5))
    assert abs(huber.predict(xgb.DMatrix(X)).mean() - y.mean()) < 1


def test_lightgbm_native_and_estimator_refuse_another_link(data, tmp_path):
    X, y = data
    plain = bl.train("squared_error", {"verbose": -1}, lgb.Dataset(X, y), 5)
    path = tmp_path / "plain.txt"
    plain.save_model(path)
    for model in (plain, str(path)):
        with pytest.raises(ValueError, match="init_model was trained with objective .*identity "
                                             "scale; loss 'poisson'"):
            bl.train("poisson", {"verbose": -1}, lgb.Dataset(X, y), 5, init_model=model)
    fitted = bl.LGBMRegressor(loss="squared_error", n_estimators=5, verbose=-1).fit(X, y)
    with pytest.raises(ValueError, match="init_model.*'gamma'"):
        bl.LGBMRegressor(loss="gamma", n_estimators=5, verbose=-1).fit(X, y, init_model=fitted)


def test_lightgbm_continues_a_model_of_the_same_link(data):
    X, y = data
    first = bl.train("poisson", {"verbose": -1}, lgb.Dataset(X, y), 5)
    more = bl.train("poisson", {"verbose": -1}, lgb.Dataset(X, y), 5, init_model=first)
    assert abs(more.predict(X).mean() - y.mean()) < 1
    labels = y > 50
    logistic = bl.LGBMClassifier(loss="logistic", n_estimators=5, verbose=-1).fit(X, labels)
    hinge = bl.LGBMClassifier(loss="hinge", n_estimators=5, verbose=-1)
    assert hinge.fit(X, labels, init_model=logistic).score(X, labels) > 0.7  # accepted
