"""QuantileIntervalRegressor saved as JSON predicts the same without pickle; monotone
constraints hold for every bound; refused and wrong booster parameters are clear."""

import numpy as np
import pytest

from boostobj import QuantileIntervalRegressor

CALIBRATIONS = ["mondrian", "conformal", "cv+", None]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 800
    X = rng.uniform(size=(n, 2))
    y = 3 * X[:, 0] + np.sin(8 * X[:, 1]) + rng.standard_t(3, size=n) * (0.5 + X[:, 0])
    return X, y


@pytest.mark.parametrize("calibration", CALIBRATIONS + ["scaled"])
@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_saved_json_predicts_what_the_estimator_did(tmp_path, data, booster, calibration):
    X, y = data
    weight = np.random.default_rng(1).uniform(0.5, 2, size=y.size)
    model = QuantileIntervalRegressor(booster=booster, calibration=calibration,
                                      n_estimators=8, random_state=0,
                                      median=calibration != "scaled")
    model.fit(X, y, sample_weight=weight if calibration == "cv+" else None)
    path = tmp_path / "model.json"
    model.save_model(path)
    loaded = QuantileIntervalRegressor.load_model(path)
    point, quantiles = model.predict(X, return_quantiles=True)
    loaded_point, loaded_quantiles = loaded.predict(X, return_quantiles=True)
    np.testing.assert_allclose(loaded_point, point, atol=1e-6)
    np.testing.assert_allclose(loaded_quantiles, quantiles, atol=1e-6)
    assert b"pickle" not in path.read_bytes()[:200]


def test_load_model_refuses_other_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a saved QuantileIntervalRegressor"):
        QuantileIntervalRegressor.load_model(path)


@pytest.mark.parametrize("calibration", CALIBRATIONS)
@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_monotone_constraints_hold_for_every_bound(data, booster, calibration):
    X, y = data
    constraints = [1, 0] if booster == "lightgbm" else (1, 0)
    model = QuantileIntervalRegressor(booster=booster, calibration=calibration,
                                      n_estimators=25, monotone_constraints=constraints,
                                      random_state=0, n_bins=3).fit(X, y)
    grid = np.linspace(-0.05, 1.05, 111)
    for other in np.linspace(0, 1, 6):
        rows = np.column_stack([grid, np.full_like(grid, other)])
        point, quantiles = model.predict(rows, return_quantiles=True)
        assert np.all(np.diff(quantiles, axis=0) >= -1e-9)
        assert np.all(np.diff(point) >= -1e-9)


def test_scaled_calibration_refuses_monotone_constraints(data):
    X, y = data
    with pytest.raises(ValueError, match="monotone_constraints with calibration='scaled'"):
        QuantileIntervalRegressor(calibration="scaled", monotone_constraints=[1, 0]).fit(X, y)


@pytest.mark.parametrize("params, message", [
    ({"loss": "huber"}, "loss='huber': each model trains boostobj's quantile loss"),
    ({"objective": "regression"}, "objective='regression'"),
    ({"num_leaves": -1}, r"lightgbm refused the booster parameters \(num_leaves=-1\): "
                         r"\(num_leaves\) > \(1\)$"),
])
def test_booster_parameters_are_checked(data, params, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        QuantileIntervalRegressor(n_estimators=3, **params).fit(X, y)


def test_weighted_mondrian_calibration_with_an_empty_bin(data):
    # A bin no calibration row falls in has no bound (infinite), with a warning, not a
    # ZeroDivisionError.
    X, y = data
    weight = np.ones(y.size)
    model = QuantileIntervalRegressor(n_estimators=5, calibration="mondrian", n_bins=300,
                                      random_state=0)
    with pytest.warns(UserWarning, match="too few"):
        model.fit(X, y, sample_weight=weight)
    assert np.isinf(model.corrections_).any()
