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


def _stacked_weight_check_data():
    """The rows scikit-learn's sample-weight check fits an estimator with a ``cv`` parameter
    on: 15 weighted rows (or those rows repeated) and the 15 rows twice more, unweighted."""
    from sklearn.utils import shuffle

    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15).astype(float)
    weight = rng.randint(0, 5, size=15)
    X_weighted, y_weighted, weight = shuffle(X, y, weight, random_state=0)
    weighted = (np.vstack([X_weighted, X, X]), np.hstack([y_weighted, y, y]),
                np.hstack([weight, np.ones(30)]))
    repeated = (np.vstack([X.repeat(weight, axis=0), X, X]),
                np.hstack([y.repeat(weight), y, y]))
    return X, weighted, repeated


# LightGBM counts rows, not weights, in min_child_samples and when it bins: a weight of 2 and
# a repeated row give different trees. test_lightgbm_itself_fails_the_weight_check shows that
# lightgbm.LGBMRegressor fails the same check on the same rows, so the expected failure is
# LightGBM's; the XGBoost models pass it.
_LIGHTGBM_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data":
        "LightGBM counts rows, not weights, per leaf and per bin (so does LGBMRegressor)",
}


def test_lightgbm_itself_fails_the_weight_check_on_those_rows():
    import lightgbm as lgb

    X, (X_w, y_w, weight), (X_r, y_r) = _stacked_weight_check_data()
    for objective in ("regression", "quantile"):
        model = lgb.LGBMRegressor(objective=objective, alpha=0.5, verbose=-1)
        weighted = model.fit(X_w, y_w, sample_weight=weight).predict(X)
        repeated = model.fit(X_r, y_r).predict(X)
        assert np.max(np.abs(weighted - repeated)) > 0.1


@parametrize_with_checks(
    # the defaults but the rounds: "auto" takes CV+ (10 folds) on these small sets, and 1000
    # rounds x 21 models a check would take minutes
    [QuantileIntervalRegressor(n_estimators=20),
     QuantileIntervalRegressor(n_estimators=20, learning_rate=0.5, random_state=0),
     QuantileIntervalRegressor(booster="xgboost", n_estimators=20, learning_rate=0.5,
                               random_state=0),
     QuantileIntervalRegressor(calibration="conformal", n_estimators=20, random_state=0),
     QuantileIntervalRegressor(calibration="scaled", n_estimators=20, random_state=0),
     QuantileIntervalRegressor((0.1, 0.5, 0.9), calibration="cv+", cv=3, n_estimators=20,
                               learning_rate=0.5, random_state=0, min_child_samples=5),
     QuantileIntervalRegressor(calibration=None, n_estimators=20, learning_rate=0.5,
                               random_state=0)],
    expected_failed_checks=lambda estimator: _LIGHTGBM_WEIGHT_CHECKS
    if estimator.booster == "lightgbm" else {})
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def _heteroscedastic(n, seed):
    """y = sin(3x) + noise whose spread grows with |x|; two noise features."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 3))
    y = np.sin(3 * X[:, 0]) + (0.1 + 0.5 * np.abs(X[:, 0])) * rng.standard_normal(n)
    return X, y


SMALL = dict(n_estimators=60, learning_rate=0.1, n_jobs=2)
# calibration="mondrian" where "auto" would take "cv+" (small data): the split mode's tests
SPLIT = dict(SMALL, calibration="mondrian")


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_conformal_intervals_cover_what_they_claim(booster):
    covered, raw_covered = [], []
    for seed in range(4):
        X, y = _heteroscedastic(3000, seed)
        X_test, y_test = _heteroscedastic(4000, 100 + seed)
        calibrated = QuantileIntervalRegressor(booster=booster, random_state=seed, **SPLIT)
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
    model = QuantileIntervalRegressor((0.1, 0.5, 0.9), calibration="conformal",
                                      random_state=3, **SMALL).fit(X, y)
    order = np.random.RandomState(3).permutation(400)
    held_out = order[:100]  # calibration_size 0.25, the first rows of the permutation
    # the level models' predictions sorted along each row (rearranged) before calibrating
    quantiles = np.sort(np.column_stack([m.predict(X[held_out]) for m in model.models_]),
                        axis=1)
    scores = np.sort(y[held_out, None] - quantiles, axis=0)
    # n = 100: floor(0.1 * 101) = 10th, ceil(0.5 * 101) = 51st, ceil(0.9 * 101) = 91st
    expected = [scores[9, 0], scores[50, 1], scores[90, 2]]
    np.testing.assert_allclose(model.corrections_, expected)
    assert model.n_calibration_ == 100


@pytest.mark.parametrize("calibration", ["mondrian", "conformal", "scaled", "cv+", None])
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
    median = model.median_model_.predict(X_test)
    np.testing.assert_array_equal(model.predict(X_test),
                                  np.clip(median, interval[:, 0], interval[:, 1]))


def test_corrections_that_would_cross_are_rearranged():
    X, y = _heteroscedastic(200, 0)
    model = QuantileIntervalRegressor(calibration="conformal", random_state=0,
                                      **SMALL).fit(X, y)
    model.corrections_ = np.array([10.0, -10.0])  # pushes lower far above upper
    interval = model.predict_interval(X)
    assert np.all(interval[:, 0] <= interval[:, 1])


def test_few_calibration_rows_give_infinite_bounds_with_a_warning():
    X, y = _heteroscedastic(40, 0)
    with pytest.warns(UserWarning, match="10 calibration rows are too few"):
        model = QuantileIntervalRegressor(random_state=0, **SPLIT).fit(X, y)
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
    plain = QuantileIntervalRegressor(levels, booster=booster, random_state=0, **SPLIT)
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
    model = QuantileIntervalRegressor(booster=booster, random_state=0, **SPLIT)
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
    model = QuantileIntervalRegressor(num_leaves=7, random_state=0, **SPLIT)
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
                             QuantileIntervalRegressor(random_state=0, **SPLIT))
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
    ({"n_bins": 0}, "n_bins == 0"),
    ({"n_bins": "many"}, "n_bins == 'many'"),
    ({"median": "yes"}, "median == 'yes'"),
    ({"calibration": "cv+", "cv": "five"}, "cv == 'five'"),
    ({"early_stopping": "yes"}, "early_stopping == 'yes'"),
    ({"validation_fraction": 1.0}, "validation_fraction == 1.0"),
    ({"n_iter_no_change": 0}, "n_iter_no_change == 0"),
    ({"randomize": "sometimes"}, "randomize == 'sometimes'"),
    ({"early_stopping_rounds": 5}, "early_stopping_rounds=5: the estimator stops each model"),
])
def test_bad_parameters_are_named(params, match):
    X, y = _heteroscedastic(50, 0)
    with pytest.raises(ValueError, match=match):
        QuantileIntervalRegressor(**params).fit(X, y)


def test_bad_targets_are_refused():
    X, y = _heteroscedastic(50, 0)
    y[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        QuantileIntervalRegressor(**SPLIT).fit(X, y)


def test_mcycle_small_data_cv_plus():
    data = datasets.load("mcycle")
    model = QuantileIntervalRegressor(calibration="cv+", random_state=0, min_child_samples=5,
                                      **SMALL).fit(data.X, data.y)
    interval = model.predict_interval(data.X)
    assert np.all(np.isfinite(interval)) and coverage(data.y, interval) >= 0.9


def _spread_with_the_level(n, seed):
    """y = 4x + noise whose sd is 0.1 at x = 0 and 2 at x = 1: a model with few trees
    under-states how fast the spread grows, so one shift per level cannot fit both ends."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 2))
    return X, 4 * X[:, 0] + (0.1 + 1.9 * X[:, 0] ** 2) * rng.standard_normal(n)


def _coverage_by_bin(model, X, y):
    raw = np.column_stack([m.predict(X) for m in model.models_])
    bins = np.searchsorted(model.bin_edges_, (raw[:, 0] + raw[:, -1]) / 2, side="right")
    interval = model.predict_interval(X)
    inside = (interval[:, 0] <= y) & (y <= interval[:, 1])
    return np.bincount(bins, weights=inside) / np.bincount(bins)


def test_mondrian_covers_in_every_bin_where_one_shift_does_not():
    X, y = _spread_with_the_level(12000, 0)
    X_test, y_test = _spread_with_the_level(20000, 1)
    params = dict(n_estimators=15, learning_rate=0.1, n_jobs=2, random_state=0)
    mondrian = QuantileIntervalRegressor(**params).fit(X, y)
    assert mondrian.corrections_.shape == (6, 2)  # 3000 calibration rows / 500
    conformal = QuantileIntervalRegressor(calibration="conformal", **params).fit(X, y)
    conformal.bin_edges_ = mondrian.bin_edges_  # the same bins, one shift per level
    by_bin = _coverage_by_bin(mondrian, X_test, y_test)
    one_shift = _coverage_by_bin(conformal, X_test, y_test)
    # ~3,300 test rows a bin: sd 0.005; ~500 calibration rows a bin: sd ~0.013
    assert np.all(np.abs(by_bin - 0.90) < 0.04), by_bin
    assert np.max(np.abs(one_shift - 0.90)) > 0.05, one_shift
    assert abs(coverage(y_test, mondrian.predict_interval(X_test)) - 0.90) < 0.015


def test_mondrian_bins_and_corrections_are_the_order_statistics_of_each_bin():
    X, y = _heteroscedastic(2000, 0)
    model = QuantileIntervalRegressor(n_bins=3, random_state=5, **SPLIT).fit(X, y)
    order = np.random.RandomState(5).permutation(2000)
    held_out, fit_rows = order[:500], order[500:]
    raw_fit = np.column_stack([m.predict(X[fit_rows]) for m in model.models_])
    np.testing.assert_allclose(model.bin_edges_, np.quantile(
        (raw_fit[:, 0] + raw_fit[:, 1]) / 2, [1 / 3, 2 / 3]))  # from the fitting rows
    raw = np.column_stack([m.predict(X[held_out]) for m in model.models_])
    bins = np.searchsorted(model.bin_edges_, (raw[:, 0] + raw[:, 1]) / 2, side="right")
    for b in range(3):
        scores = np.sort(y[held_out][bins == b, None] - raw[bins == b], axis=0)
        n = scores.shape[0]
        expected = [scores[int(np.floor(0.05 * (n + 1))) - 1, 0],
                    scores[int(np.ceil(0.95 * (n + 1))) - 1, 1]]
        np.testing.assert_allclose(model.corrections_[b], expected)
    X_new, _ = _heteroscedastic(50, 9)
    raw_new = np.column_stack([m.predict(X_new) for m in model.models_])
    bins_new = np.searchsorted(model.bin_edges_, raw_new.mean(axis=1), side="right")
    np.testing.assert_allclose(model.predict_interval(X_new),
                               np.sort(raw_new + model.corrections_[bins_new], axis=1))


def test_scaled_scores_move_each_row_by_its_width():
    X, y = _heteroscedastic(1200, 0)
    model = QuantileIntervalRegressor(calibration="scaled", random_state=2, **SMALL).fit(X, y)
    held_out = np.random.RandomState(2).permutation(1200)[:300]
    raw = np.column_stack([m.predict(X[held_out]) for m in model.models_])
    width = raw[:, 1] - raw[:, 0]
    scores = np.sort((y[held_out, None] - raw) / width[:, None], axis=0)
    np.testing.assert_allclose(model.corrections_, [scores[14, 0], scores[285, 1]])  # n=300
    X_new, _ = _heteroscedastic(40, 7)
    raw_new = np.column_stack([m.predict(X_new) for m in model.models_])
    expected = raw_new + (raw_new[:, 1] - raw_new[:, 0])[:, None] * model.corrections_
    np.testing.assert_allclose(model.predict_interval(X_new), np.sort(expected, axis=1))


def test_predict_is_a_median_model_fit_on_every_row():
    X, y = _heteroscedastic(1500, 0)
    X_test, y_test = _heteroscedastic(3000, 1)
    model = QuantileIntervalRegressor(random_state=0, **SPLIT).fit(X, y)
    assert model.median_model_.n_features_in_ == 3
    assert model.median_model_.get_params()["loss"] == "quantile:alpha=0.5"
    # fit on all 1,500 rows, not the 1,125 the interval's models saw
    assert model.median_model_.booster_.num_trees() == 60
    midpoint = QuantileIntervalRegressor(median=False, random_state=0, **SPLIT).fit(X, y)
    assert midpoint.median_model_ is None
    np.testing.assert_allclose(midpoint.predict(X_test),
                               midpoint.predict_interval(X_test).mean(axis=1))
    assert model.score(X_test, y_test) > 0.75  # sin(3x): R² of the true median is ~0.8
    point, interval, quantiles = model.predict(X_test, return_interval=True,
                                               return_quantiles=True)
    np.testing.assert_array_equal(interval, model.predict_interval(X_test))
    np.testing.assert_array_equal(quantiles, model.predict_quantiles(X_test))
    assert np.all((interval[:, 0] <= point) & (point <= interval[:, 1]))


def test_pipeline_predicts_intervals_through_predict():
    import sklearn

    X, y = _heteroscedastic(600, 0)
    pipe = make_pipeline(StandardScaler(), QuantileIntervalRegressor(random_state=0, **SPLIT))
    pipe.fit(X * 100, y)
    point, interval = pipe.predict(X * 100, return_interval=True)
    Xt = pipe[:-1].transform(X * 100)
    np.testing.assert_array_equal(interval, pipe[-1].predict_interval(Xt))
    np.testing.assert_array_equal(point, pipe[-1].predict(Xt))
    _, quantiles = pipe.predict(X * 100, return_quantiles=True)
    np.testing.assert_array_equal(quantiles, pipe[-1].predict_quantiles(Xt))
    with sklearn.config_context(enable_metadata_routing=True):
        routed = make_pipeline(StandardScaler(), QuantileIntervalRegressor(
            random_state=0, **SPLIT).set_predict_request(return_interval=True))
        routed.fit(X * 100, y)
        np.testing.assert_array_equal(routed.predict(X * 100, return_interval=True)[1],
                                      interval)


@pytest.mark.parametrize("booster, calibration", [("lightgbm", "mondrian"),
                                                  ("xgboost", "mondrian"),
                                                  ("lightgbm", "cv+")])
def test_joblib_round_trip_predicts_the_same(tmp_path, booster, calibration):
    import joblib

    X, y = _heteroscedastic(400, 0)
    model = QuantileIntervalRegressor(booster=booster, calibration=calibration, cv=3,
                                      random_state=0, **SMALL).fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    restored = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    np.testing.assert_array_equal(restored.predict_quantiles(X), model.predict_quantiles(X))


def test_cv_plus_takes_a_splitter_and_refuses_folds_that_miss_rows():
    from sklearn.model_selection import KFold, ShuffleSplit

    X, y = _heteroscedastic(120, 0)
    folds = list(KFold(3).split(X))
    model = QuantileIntervalRegressor(calibration="cv+", cv=folds, random_state=0,
                                      min_child_samples=5, **SMALL).fit(X, y)
    assert len(model.models_) == 3
    with pytest.raises(ValueError, match="hold out every row exactly once"):
        QuantileIntervalRegressor(calibration="cv+", cv=ShuffleSplit(3, random_state=0),
                                  **SMALL).fit(X, y)
