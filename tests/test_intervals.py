"""QuantileIntervalRegressor: a real scikit-learn estimator whose intervals cover."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from boostobj import QuantileIntervalRegressor, datasets
from boostobj.metrics import INTERVAL_SCORERS, coverage, interval_score

# A duplicated row and a weight of 2 differ for these models: the random calibration split
# and the folds see different rows, and both boosters count rows in min_child_samples /
# bins, not weights.
_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data":
        "rows, not weights, are split, binned and counted per leaf",
    "check_sample_weight_equivalence_on_sparse_data":
        "rows, not weights, are split, binned and counted per leaf",
}


@parametrize_with_checks(
    [QuantileIntervalRegressor(n_estimators=20, learning_rate=0.5, random_state=0),
     QuantileIntervalRegressor(booster="xgboost", n_estimators=20, learning_rate=0.5,
                               random_state=0),
     QuantileIntervalRegressor((0.1, 0.5, 0.9), calibration="cv+", cv=3, n_estimators=20,
                               learning_rate=0.5, random_state=0, min_child_samples=5),
     QuantileIntervalRegressor(calibration=None, n_estimators=20, learning_rate=0.5,
                               random_state=0)],
    expected_failed_checks=lambda estimator: _WEIGHT_CHECKS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def _heteroscedastic(n, seed):
    """y = sin(3x) + noise whose spread grows with |x|; two noise features."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 3))
    y = np.sin(3 * X[:, 0]) + (0.1 + 0.5 * np.abs(X[:, 0])) * rng.standard_normal(n)
    return X, y


SMALL = dict(n_estimators=60, learning_rate=0.1, n_jobs=2)


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_conformal_intervals_cover_what_they_claim(booster):
    covered, raw_covered = [], []
    for seed in range(4):
        X, y = _heteroscedastic(3000, seed)
        X_test, y_test = _heteroscedastic(4000, 100 + seed)
        calibrated = QuantileIntervalRegressor(booster=booster, random_state=seed, **SMALL)
        raw = QuantileIntervalRegressor(booster=booster, calibration=None, random_state=seed,
                                        **SMALL)
        covered.append(coverage(y_test, calibrated.fit(X, y).predict_interval(X_test)))
        raw_covered.append(coverage(y_test, raw.fit(X, y).predict_interval(X_test)))
    # 4 x 4000 test rows and ~750 calibration rows a split: sd of the mean ~ 0.006
    assert abs(np.mean(covered) - 0.90) < 0.02, covered
    assert np.mean(raw_covered) < np.mean(covered), (raw_covered, covered)


def test_cv_plus_covers_on_small_data_and_uses_every_row():
    covered = []
    for seed in range(5):
        X, y = _heteroscedastic(150, seed)
        X_test, y_test = _heteroscedastic(2000, 100 + seed)
        model = QuantileIntervalRegressor(calibration="cv+", cv=5, random_state=seed,
                                          min_child_samples=5, **SMALL).fit(X, y)
        assert model.n_calibration_ == 150 and len(model.models_) == 5
        covered.append(coverage(y_test, model.predict_interval(X_test)))
    assert np.mean(covered) >= 0.88, covered


def test_split_corrections_are_the_conformal_order_statistics():
    X, y = _heteroscedastic(400, 0)
    model = QuantileIntervalRegressor((0.1, 0.5, 0.9), random_state=3, **SMALL).fit(X, y)
    order = np.random.RandomState(3).permutation(400)
    held_out = order[:100]  # calibration_size 0.25, the first rows of the permutation
    scores = np.sort(y[held_out, None] - np.column_stack(
        [m.predict(X[held_out]) for m in model.models_]), axis=0)
    # n = 100: floor(0.1 * 101) = 10th, ceil(0.5 * 101) = 51st, ceil(0.9 * 101) = 91st
    expected = [scores[9, 0], scores[50, 1], scores[90, 2]]
    np.testing.assert_allclose(model.corrections_, expected)
    assert model.n_calibration_ == 100


@pytest.mark.parametrize("calibration", ["conformal", "cv+", None])
def test_no_crossing_ever(calibration):
    X, y = _heteroscedastic(300, 1)
    levels = (0.3, 0.35, 0.4, 0.45, 0.5)  # close levels: the raw models cross
    model = QuantileIntervalRegressor(levels, calibration=calibration, random_state=0,
                                      min_child_samples=3, n_estimators=80, learning_rate=0.3,
                                      cv=3).fit(X, y)
    X_test, _ = _heteroscedastic(3000, 2)
    models = model.models_[0] if calibration == "cv+" else model.models_
    raw = np.column_stack([m.predict(X_test) for m in models])
    assert np.any(np.diff(raw, axis=1) < 0)
    quantiles = model.predict_quantiles(X_test)
    assert np.all(np.diff(quantiles, axis=1) >= 0)
    interval = model.predict_interval(X_test)
    assert np.all(interval[:, 0] <= interval[:, 1])
    np.testing.assert_array_equal(model.predict(X_test), quantiles[:, -1])  # the 0.5 level


def test_corrections_that_would_cross_are_rearranged():
    X, y = _heteroscedastic(200, 0)
    model = QuantileIntervalRegressor(random_state=0, **SMALL).fit(X, y)
    model.corrections_ = np.array([10.0, -10.0])  # pushes lower far above upper
    interval = model.predict_interval(X)
    assert np.all(interval[:, 0] <= interval[:, 1])


def test_few_calibration_rows_give_infinite_bounds_with_a_warning():
    X, y = _heteroscedastic(40, 0)
    with pytest.warns(UserWarning, match="10 calibration rows are too few"):
        model = QuantileIntervalRegressor(random_state=0, **SMALL).fit(X, y)
    interval = model.predict_interval(X)
    assert np.all(interval[:, 0] == -np.inf) and np.all(interval[:, 1] == np.inf)
    assert np.all(np.isfinite(model.predict(X)))


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_sample_weights_move_the_quantiles(booster):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(2000, 2))
    y = np.where(rng.uniform(size=2000) < 0.3, 10.0, 0.0)  # 30% at 10, 70% at 0
    weight = np.where(y == 10.0, 5.0, 1.0)  # 150 : 70 of the weight at 10
    levels = (0.25, 0.5, 0.75)
    plain = QuantileIntervalRegressor(levels, booster=booster, random_state=0, **SMALL)
    weighted = clone(plain)
    median = plain.fit(X, y).predict(X)
    weighted_median = weighted.fit(X, y, sample_weight=weight).predict(X)
    assert np.median(median) < 2 and np.median(weighted_median) > 8


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_pandas_with_a_categorical_column(booster):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 1500
    group = rng.choice(["a", "b", "c", "d"], size=n)
    shift = pd.Series(group).map({"a": 0.0, "b": 5.0, "c": -5.0, "d": 10.0}).to_numpy()
    frame = pd.DataFrame({"group": pd.Categorical(group), "x": rng.uniform(size=n)})
    y = shift + frame["x"].to_numpy() + rng.standard_normal(n)
    model = QuantileIntervalRegressor(booster=booster, random_state=0, **SMALL)
    interval = model.fit(frame.iloc[:1000], y[:1000]).predict_interval(frame.iloc[1000:])
    assert list(model.feature_names_in_) == ["group", "x"]
    assert coverage(y[1000:], interval) > 0.8
    width = interval[:, 1] - interval[:, 0]
    assert np.median(width) < 6  # the groups (10 apart) are told apart
    if booster == "lightgbm":
        assert model.models_[0].booster_.pandas_categorical == [["a", "b", "c", "d"]]
    else:
        assert model.models_[0].get_booster().feature_types == ["c", "float"]


def test_clone_pickle_and_booster_params():
    X, y = _heteroscedastic(300, 0)
    model = QuantileIntervalRegressor(num_leaves=7, random_state=0, **SMALL)
    assert model.get_params()["num_leaves"] == 7
    copy = clone(model).set_params(num_leaves=5, calibration_size=0.3)
    assert copy.get_params()["num_leaves"] == 5 and model.get_params()["num_leaves"] == 7
    copy.fit(X, y)
    assert copy.models_[0].get_params()["num_leaves"] == 5
    restored = pickle.loads(pickle.dumps(copy))
    np.testing.assert_array_equal(restored.predict_interval(X), copy.predict_interval(X))


def test_pipeline_and_grid_search_with_interval_scorers():
    X, y = _heteroscedastic(600, 0)
    pipeline = make_pipeline(StandardScaler(),
                             QuantileIntervalRegressor(random_state=0, **SMALL))
    search = GridSearchCV(pipeline, {"quantileintervalregressor__num_leaves": [4, 15]},
                          scoring=INTERVAL_SCORERS, refit="neg_interval_score", cv=3)
    search.fit(X, y)
    assert set(search.cv_results_) >= {"mean_test_coverage", "mean_test_neg_interval_score",
                                       "mean_test_neg_mean_width",
                                       "mean_test_neg_pinball_loss"}
    assert np.all(search.cv_results_["mean_test_neg_interval_score"] < 0)
    best = search.best_estimator_
    interval = best[-1].predict_interval(best[:-1].transform(X))
    assert -INTERVAL_SCORERS["neg_interval_score"](best, X, y) == pytest.approx(
        interval_score(y, interval, (0.05, 0.95)))


@pytest.mark.parametrize("params, match", [
    ({"levels": (0.95, 0.05)}, "levels == \\(0.95, 0.05\\)"),
    ({"levels": (0.5,)}, "at least two"),
    ({"levels": (0.0, 0.9)}, "levels"),
    ({"booster": "catboost"}, "booster == 'catboost'"),
    ({"calibration": "jackknife"}, "calibration == 'jackknife'"),
    ({"calibration_size": 1.5}, "calibration_size == 1.5"),
    ({"calibration": "cv+", "cv": 1}, "cv == 1"),
    ({"n_estimators": 0}, "n_estimators == 0"),
])
def test_bad_parameters_are_named(params, match):
    X, y = _heteroscedastic(50, 0)
    with pytest.raises(ValueError, match=match):
        QuantileIntervalRegressor(**params).fit(X, y)


def test_bad_targets_are_refused():
    X, y = _heteroscedastic(50, 0)
    y[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        QuantileIntervalRegressor(**SMALL).fit(X, y)


def test_mcycle_small_data_cv_plus():
    data = datasets.load("mcycle")
    model = QuantileIntervalRegressor(calibration="cv+", random_state=0, min_child_samples=5,
                                      **SMALL).fit(data.X, data.y)
    interval = model.predict_interval(data.X)
    assert np.all(np.isfinite(interval)) and coverage(data.y, interval) >= 0.9


def test_interval_metrics_on_a_hand_example():
    from sklearn.metrics import mean_pinball_loss

    from boostobj.metrics import mean_width, pinball_loss
    y = np.array([0.0, 5.0, 12.0, -3.0])
    interval = np.array([[-1.0, 1.0], [0.0, 4.0], [10.0, 14.0], [-2.0, 2.0]])
    assert coverage(y, interval) == 0.5
    assert coverage(y, interval, sample_weight=[3, 1, 0, 0]) == 0.75
    assert mean_width(y, interval) == 3.5
    # widths 2, 4, 4, 4; misses: 1 above the upper bound, 1 below the lower bound
    assert interval_score(y, interval, (0.05, 0.95)) == pytest.approx((14 + 20 + 20) / 4)
    assert interval_score(y, interval, (0.1, 0.8)) == pytest.approx((14 + 5 + 10) / 4)
    for level, column in [(0.05, 0), (0.95, 1)]:
        assert pinball_loss(y, interval[:, column], level) == pytest.approx(
            mean_pinball_loss(y, interval[:, column], alpha=level))
    # the interval score is the scaled sum of the two pinball losses
    levels = (0.1, 0.8)
    assert interval_score(y, interval, levels) == pytest.approx(
        pinball_loss(y, interval[:, 0], 0.1) / 0.1 + pinball_loss(y, interval[:, 1], 0.8) / 0.2)
    assert pinball_loss(y, interval, levels) == pytest.approx(
        (pinball_loss(y, interval[:, 0], 0.1) + pinball_loss(y, interval[:, 1], 0.8)) / 2)
    with pytest.raises(ValueError, match="shape \\(4, 3\\)"):
        coverage(y, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="levels == \\[1.5\\]"):
        pinball_loss(y, interval[:, 0], 1.5)


def test_intervals_benchmark_runs_at_small_size(capsys):
    import runpy
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "intervals.py"
    results = runpy.run_path(str(path))["main"](
        ["--datasets", "mcycle", "--splits", "1", "--skip-gbr"])
    rows = results["mcycle"]
    assert rows["boostobj LightGBM, conformal"][3] == 0.0  # no crossing
    assert rows["boostobj LightGBM, cv+"][0] >= 0.9
    assert "CQR on LightGBM built-in" in capsys.readouterr().out
