"""DistributionRegressor: a predictive distribution per row, its quantiles never crossing,
its calibrated mode covering what it claims, and a scikit-learn estimator throughout."""

import lightgbm as lgb
import numpy as np
import pytest
from scipy import stats
from sklearn.utils.estimator_checks import parametrize_with_checks

from boostobj import DistributionRegressor
from boostobj.metrics import coverage

_LIGHTGBM_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data":
        "LightGBM counts rows, not weights, per leaf and per bin (so does LGBMRegressor)"}


@parametrize_with_checks(
    [DistributionRegressor(n_estimators=20),
     DistributionRegressor(n_estimators=20, booster="xgboost"),
     DistributionRegressor("student_t", n_estimators=20, calibration="conformal",
                           learning_rate=0.3)],
    expected_failed_checks=lambda estimator: _LIGHTGBM_WEIGHT_CHECKS
    if estimator.booster == "lightgbm" else {})
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def heteroscedastic(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 4))
    return X, 10 * X[:, 0] + (0.3 + 2.0 * X[:, 1]) * rng.normal(size=n)


@pytest.fixture(scope="module")
def fitted():
    X, y = heteroscedastic(4000, 0)
    return DistributionRegressor(random_state=0).fit(X, y)


def test_the_distribution_follows_the_noise_and_its_quantiles_never_cross(fitted):
    X, y = heteroscedastic(4000, 1)
    distribution = fitted.predict_distribution(X)
    np.testing.assert_allclose(distribution.mean(), fitted.predict(X), rtol=1e-12)
    true_scale = 0.3 + 2.0 * X[:, 1]
    assert np.corrcoef(distribution.std(), true_scale)[0, 1] > 0.9
    levels = [0.01, 0.1, 0.5, 0.9, 0.99]
    quantiles = fitted.predict_quantiles(X, levels)
    assert np.all(np.diff(quantiles, axis=1) >= 0)
    np.testing.assert_allclose(quantiles[:, 2], distribution.median(), rtol=1e-12)
    # the model's own 90% interval on this noise, uncalibrated (no guarantee): 0.87
    assert abs(coverage(y, fitted.predict_interval(X)) - 0.90) < 0.05
    nll = fitted.negative_log_likelihood(X, y)
    assert nll == pytest.approx(-np.mean(distribution.logpdf(y)), rel=1e-9)
    assert nll < -np.mean(stats.norm(y.mean(), y.std()).logpdf(y)) - 0.3
    assert 0 < fitted.crps(X, y) < np.std(y)


def test_early_stopping_chooses_the_rounds_on_held_out_rows(fitted):
    assert fitted.n_rounds_ < fitted.n_estimators
    assert fitted.distribution_model_.best_iteration_ == fitted.n_rounds_


def test_small_data_takes_the_cross_validated_rounds_and_refits_on_every_row():
    X, y = heteroscedastic(300, 2)
    model = DistributionRegressor(random_state=0).fit(X, y)
    # no held-out rows to stop on (300 x 0.1 < 200): the folds chose the rounds
    assert model.n_rounds_ < model.n_estimators
    assert model.distribution_model_.n_estimators == model.n_rounds_
    assert model.distribution_model_.booster_.num_trees() == 2 * model.n_rounds_


@pytest.mark.parametrize("calibration", [None, "auto", "mondrian", "cv+"])
def test_the_calibrated_mode_covers_its_level_where_the_model_does_not(calibration):
    # the model's normal cannot follow the skewed noise: its 90% interval covers 0.924
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(6000, 3))
    y = 5 * X[:, 0] + rng.exponential(1.0 + 2.0 * X[:, 1], size=6000)
    X_test = rng.uniform(size=(20000, 3))
    y_test = 5 * X_test[:, 0] + rng.exponential(1.0 + 2.0 * X_test[:, 1], size=20000)
    model = DistributionRegressor(calibration=calibration, cv=3, random_state=0,
                                  n_jobs=2).fit(X, y)
    interval = model.predict_interval(X_test)
    assert np.all(interval[:, 0] <= interval[:, 1])
    if calibration is None:
        assert coverage(y_test, interval) > 0.915
        return
    low, high = (0.885, 0.94) if calibration == "cv+" else (0.885, 0.915)  # CV+: >= 1 - 2α
    assert low <= coverage(y_test, interval) <= high
    assert model.calibration_ == ("mondrian" if calibration == "auto" else calibration)
    with pytest.raises(ValueError, match="only the fitted levels .* are calibrated"):
        model.predict_quantiles(X_test, [0.25, 0.75])


def test_counts_with_the_negative_binomial_and_a_saved_booster_predicts_alone(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3000, 3))
    mean = np.exp(1.0 + 0.7 * X[:, 0])
    y = rng.negative_binomial(1.5, 1.5 / (1.5 + mean)).astype(float)
    model = DistributionRegressor("negative_binomial", random_state=0).fit(X, y)
    parameters = model.predict_distribution(X).kwds
    fitted_mean = parameters["n"] * (1 - parameters["p"]) / parameters["p"]
    assert np.corrcoef(np.log(fitted_mean), np.log(mean))[0, 1] > 0.9
    assert np.median(1 / parameters["n"]) == pytest.approx(1 / 1.5, rel=0.3)
    path = tmp_path / "model.txt"
    model.distribution_model_.booster_.save_model(path)
    np.testing.assert_allclose(lgb.Booster(model_file=path).predict(X), model.predict_raw(X),
                               rtol=1e-12)


@pytest.mark.parametrize("params, message", [
    ({"distribution": "huber"}, "distribution == 'huber' is not a distribution loss"),
    ({"distribution": "nomral"}, "distribution == 'nomral'"),
    ({"cv_rounds": 1}, "cv_rounds == 1"),
    ({"objective": "regression"}, "objective='regression': the model trains the "
                                  "distribution's loss"),
    ({"levels": (0.9, 0.1)}, "levels == "),
    ({"early_stopping_rounds": 5}, "early_stopping_rounds=5: the estimator stops"),
])
def test_bad_parameters_are_refused_by_name(params, message):
    X, y = heteroscedastic(100, 5)
    with pytest.raises(ValueError, match=message):
        DistributionRegressor(**params).fit(X, y)


def test_targets_outside_the_distribution_are_refused_by_name():
    X, y = heteroscedastic(100, 6)
    with pytest.raises(ValueError, match="lognormal: y must be > 0"):
        DistributionRegressor("lognormal").fit(X, y - 20)
