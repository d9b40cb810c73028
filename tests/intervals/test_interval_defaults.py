"""The interval estimator's choices: the calibration by row count ("auto"), early stopping
on rows held out of the fitting part, and the randomised calibration of tied targets."""

import numpy as np
import pytest

import boostobj._calibration as calibration
from boostobj import QuantileIntervalRegressor
from boostobj.metrics import coverage


def _noise(n, seed=0):
    """Features that do not predict the target: a model can only overfit them."""
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(n, 3)), rng.standard_normal(n)


def _counts(n, seed):
    """Poisson counts with a small mean: most rows tie with many others."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 2))
    return X, rng.poisson(0.5 + 2.0 * X[:, 0]).astype(np.float64)


def test_auto_calibration_is_cv_plus_below_the_small_data_rows(monkeypatch):
    monkeypatch.setattr(calibration, "SMALL_DATA_ROWS", 300)
    X, y = _noise(300)
    params = dict(n_estimators=5, cv=3, median=False, random_state=0)
    small = QuantileIntervalRegressor(**params).fit(X[:299], y[:299])
    assert small.calibration_ == "cv+" and small.n_calibration_ == 299
    assert len(small.models_) == 3  # one list of level models per fold
    large = QuantileIntervalRegressor(**params).fit(X, y)
    assert large.calibration_ == "mondrian" and large.n_calibration_ == 75
    chosen = QuantileIntervalRegressor(calibration="conformal", **params).fit(X[:299], y[:299])
    assert chosen.calibration_ == "conformal"


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_early_stopping_stops_on_noise_and_keeps_the_best_round(booster):
    X, y = _noise(3000)
    model = QuantileIntervalRegressor(booster=booster, calibration="conformal",
                                      n_estimators=300, n_iter_no_change=10, learning_rate=0.3,
                                      n_jobs=1, random_state=0).fit(X, y)
    for level_model in [*model.models_, model.median_model_]:
        # 3000 rows: 750 calibrate, 225 of the other 2250 are held out to stop on
        if booster == "lightgbm":  # LightGBM keeps the trees up to the best round
            best = level_model.best_iteration_
            (history,) = level_model.evals_result_["valid_0"].values()
            assert level_model.booster_.current_iteration() == best
        else:
            best = level_model.best_iteration + 1
            (history,) = level_model.evals_result()["validation_0"].values()
            assert level_model.get_booster().num_boosted_rounds() == best + 10
        assert best < 300 and len(history) == best + 10  # stopped 10 rounds after the best
    assert model.n_calibration_ == 750


def test_early_stopping_auto_needs_enough_held_out_rows():
    X, y = _noise(1000)
    params = dict(calibration="conformal", n_estimators=40, median=False, random_state=0)
    # 750 fitting rows: 75 would be held out, fewer than MIN_VALIDATION_ROWS
    auto = QuantileIntervalRegressor(**params).fit(X, y)
    assert all(m.booster_.current_iteration() == 40 and not m.evals_result_
               for m in auto.models_)
    forced = QuantileIntervalRegressor(early_stopping=True, n_iter_no_change=5,
                                       **params).fit(X, y)
    assert all(len(m.evals_result_["valid_0"]["quantile"]) < 40 for m in forced.models_)
    off = QuantileIntervalRegressor(early_stopping=False, **params).fit(X, y)
    np.testing.assert_array_equal(off.predict_interval(X), auto.predict_interval(X))


def test_early_stopped_xgboost_models_save_their_best_rounds(tmp_path):
    X, y = _noise(3000)
    model = QuantileIntervalRegressor(booster="xgboost", calibration="conformal",
                                      n_estimators=200, n_iter_no_change=5, learning_rate=0.3,
                                      random_state=0).fit(X, y)
    assert all(m.get_booster().num_boosted_rounds() > m.best_iteration + 1
               for m in model.models_)
    model.save_model(tmp_path / "model.json")
    loaded = QuantileIntervalRegressor.load_model(tmp_path / "model.json")
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-6)
    np.testing.assert_allclose(loaded.predict_interval(X), model.predict_interval(X),
                               rtol=1e-6)


def test_tied_targets_are_randomised_and_cover_their_level():
    # Counts: a deterministic calibration over-covers (the conformal quantile sits on a tie
    # and every tied new row is inside); the randomised one covers the level itself.
    covered = {True: [], False: []}
    for seed in range(4):
        X, y = _counts(2000, seed)
        X_new, y_new = _counts(20000, 100 + seed)
        for randomize in (True, False):
            model = QuantileIntervalRegressor(calibration="conformal", randomize=randomize,
                                              n_estimators=30, median=False,
                                              random_state=seed).fit(X, y)
            covered[randomize].append(coverage(y_new, model.predict_interval(X_new)))
    assert np.mean(covered[False]) > 0.93
    assert abs(np.mean(covered[True]) - 0.90) < 0.015


def test_randomize_auto_looks_for_tied_targets():
    X, y = _counts(600, 0)
    params = dict(calibration="conformal", n_estimators=5, median=False, random_state=0)
    assert QuantileIntervalRegressor(**params).fit(X, y).resolution_ == 1.0
    # halves: the smallest gap between target values
    assert QuantileIntervalRegressor(**params).fit(X, y / 2).resolution_ == 0.5
    continuous = np.random.default_rng(0).standard_normal(600)
    assert QuantileIntervalRegressor(**params).fit(X, continuous).resolution_ == 0.0
    forced = QuantileIntervalRegressor(randomize=True, **params).fit(X, continuous)
    assert forced.resolution_ == np.min(np.diff(np.sort(continuous)))
    off = QuantileIntervalRegressor(randomize=False, **params).fit(X, y)
    assert off.resolution_ == 0.0


def test_randomised_bounds_are_the_same_for_the_same_rows(tmp_path):
    X, y = _counts(600, 0)
    model = QuantileIntervalRegressor(calibration="conformal", n_estimators=5,
                                      random_state=0).fit(X, y)
    interval = model.predict_interval(X)
    np.testing.assert_array_equal(model.predict_interval(X), interval)
    np.testing.assert_array_equal(model.predict_interval(X[:50]), interval[:50])
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_array_equal(model.predict_interval(X[order]), interval[order])
    import pandas as pd

    frame = pd.DataFrame(X, columns=["a", "b"])
    framed = QuantileIntervalRegressor(calibration="conformal", n_estimators=5,
                                       random_state=0).fit(frame, y)
    np.testing.assert_array_equal(framed.predict_interval(frame.iloc[::-1]),
                                  framed.predict_interval(frame)[::-1])
    # every bound moved by the same draw on each row: the width is the unrandomised one
    calibrated = np.column_stack([m.predict(X) for m in model.models_]) + model.corrections_
    np.testing.assert_allclose(interval[:, 1] - interval[:, 0],
                               calibrated[:, 1] - calibrated[:, 0], atol=1e-9)
    moved = calibrated[:, 0] - interval[:, 0]
    assert np.all((moved >= 0) & (moved < model.resolution_)) and np.ptp(moved) > 0.5
    model.save_model(tmp_path / "model.json")
    loaded = QuantileIntervalRegressor.load_model(tmp_path / "model.json")
    np.testing.assert_array_equal(loaded.predict_interval(X), interval)


def _held_out(model):
    (scores,) = model.best_score_.values()
    return scores["quantile"]


def test_each_model_keeps_the_tree_size_of_its_lower_held_out_loss():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(3000, 3))
    y = np.sin(6 * X[:, 0]) * X[:, 1] + 0.3 * rng.standard_normal(3000)
    params = dict(calibration="conformal", early_stopping=True, n_iter_no_change=10,
                  learning_rate=0.2, random_state=0)
    chosen = QuantileIntervalRegressor(**params).fit(X, y)
    shallow = QuantileIntervalRegressor(max_depth=3, num_leaves=8, **params).fit(X, y)
    default = QuantileIntervalRegressor(tree_sizes=None, **params).fit(X, y)
    pairs = zip([*chosen.models_, chosen.median_model_],
                [*shallow.models_, shallow.median_model_],
                [*default.models_, default.median_model_], strict=True)
    for model, one, other in pairs:
        assert _held_out(model) == min(_held_out(one), _held_out(other))
        expected = one if _held_out(one) <= _held_out(other) else other
        assert model.get_params()["num_leaves"] == expected.get_params()["num_leaves"]
    # sized by the user (or without early stopping): no choice
    sized = QuantileIntervalRegressor(num_leaves=5, **params).fit(X, y)
    assert all(m.get_params()["num_leaves"] == 5 and m.get_params()["max_depth"] == -1
               for m in sized.models_)
    with pytest.raises(ValueError, match="tree_sizes == 'big'"):
        QuantileIntervalRegressor(tree_sizes="big").fit(X, y)
