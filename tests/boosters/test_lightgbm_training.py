"""``boostobj.lightgbm.train`` and the objective and metric callables: parity with the built-in
twins, weights, saved models, early stopping, bad input."""

import inspect

import lightgbm as lgb
import numpy as np
import pytest
from conftest import regression_data

import boostobj
import boostobj.lightgbm as bl

PARAMS = {"num_leaves": 15, "learning_rate": 0.1, "max_bin": 63, "min_data_in_leaf": 20,
          "num_threads": 2, "deterministic": True, "force_row_wise": True, "verbose": -1,
          "seed": 0}


# LightGBM's fair does not boost from the average: it starts at 0 unless given an
# init_score, so the built-in gets ours.
# boostobj losses and the built-in parameters that train the same loss: each pair trains
# both and compares the models. LightGBM's poisson inflates the hessian to
# e^(f + poisson_max_delta_step), default 0.7, and insists the step is > 0: 1e-12 makes it
# the plain Poisson loss.
BUILTIN_TWINS = {
    "squared_error": {"objective": "regression"},
    "poisson": {"objective": "poisson", "poisson_max_delta_step": 1e-12},
    "gamma": {"objective": "gamma"},
    "tweedie:power=1.3": {"objective": "tweedie", "tweedie_variance_power": 1.3},
    "fair:c=2,hessian=exact": {"objective": "fair", "fair_c": 2.0},
}


TWINS = list(BUILTIN_TWINS.items())


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("spec, builtin", TWINS, ids=[t[0] for t in TWINS])
def test_parity_with_builtin_twin(spec, builtin, weighted):
    loss = boostobj.get_loss(spec)
    X, y = regression_data(loss)
    weight = np.random.default_rng(1).uniform(0.2, 3.0, size=y.size) if weighted else None
    ours = bl.train(loss, PARAMS, lgb.Dataset(X, y, weight=weight), num_boost_round=100)
    start = np.full(y.size, loss.init_score(y, weight))  # the same start for the built-in
    theirs = lgb.train({**PARAMS, **builtin}, lgb.Dataset(X, y, weight=weight, init_score=start), 100)
    # The built-in's model lacks the init_score it was given; ours holds it in its first tree.
    expected = loss.predict(theirs.predict(X, raw_score=True) + start)
    np.testing.assert_allclose(ours.predict(X), expected, rtol=1e-4, atol=1e-6)


def test_weight_two_equals_duplicated_row_native_and_sklearn():
    loss = boostobj.get_loss("huber:delta=1")
    X, y = regression_data(loss, n=400, integer_features=True)
    weight = np.ones(y.size)
    weight[:40] = 2.0
    X_dup = np.vstack([X, X[:40]])
    y_dup = np.concatenate([y, y[:40]])
    # Row counts enter LightGBM's min_data_in_leaf and binning: make them irrelevant.
    params = {**PARAMS, "min_data_in_leaf": 1, "min_data_in_bin": 1, "min_sum_hessian_in_leaf": 5.0}
    weighted = bl.train(loss, params, lgb.Dataset(X, y, weight=weight), 50)
    duplicated = bl.train(loss, params, lgb.Dataset(X_dup, y_dup), 50)
    np.testing.assert_allclose(weighted.predict(X), duplicated.predict(X), rtol=1e-6, atol=1e-8)

    sk_params = {k: v for k, v in params.items() if k not in ("learning_rate", "seed", "num_threads")}

    def sk():
        return bl.LGBMRegressor(loss=loss, n_estimators=50, learning_rate=0.1, n_jobs=2,
                                random_state=0, **sk_params)
    a = sk().fit(X, y, sample_weight=weight)
    b = sk().fit(X_dup, y_dup)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(a.predict(X), weighted.predict(X), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("spec", ["squared_error", "poisson", "quantile:alpha=0.8"])
def test_saved_model_predicts_with_plain_lightgbm(spec, tmp_path):
    loss = boostobj.get_loss(spec)
    X, y = regression_data(loss, n=600)
    booster = bl.train(loss, PARAMS, lgb.Dataset(X, y), 30)
    path = tmp_path / "model.txt"
    booster.save_model(path)
    from_file = lgb.Booster(model_file=path)
    from_string = lgb.Booster(model_str=booster.model_to_string())
    expected = loss.predict(booster.predict(X, raw_score=True))
    np.testing.assert_allclose(booster.predict(X), expected, rtol=1e-12)
    np.testing.assert_allclose(from_file.predict(X), expected, rtol=1e-12)
    np.testing.assert_allclose(from_string.predict(X), expected, rtol=1e-12)
    # The start is inside the model: the first tree's leaves are shifted by the init score.
    first_tree_only = from_file.predict(X, num_iteration=1, raw_score=True)
    assert np.median(first_tree_only) == pytest.approx(loss.init_score(y), abs=0.2 * max(1, np.std(y)))


@pytest.mark.parametrize("spec", ["pseudo_huber:delta=1,hessian=irls", "fair:c=1,hessian=irls",
                                  "log_cosh:scale=1,hessian=irls", "huber:delta=1"])
def test_robust_losses_with_irls_weights_learn_far_beyond_their_scale(spec):
    # Residuals ~1000x the loss's scale: an exact pseudo-Huber or Fair hessian makes LightGBM's
    # unregularised Newton leaves overshoot; the IRLS (secant) weight keeps every step inside
    # the leaf's residuals, so the model must improve on its constant start.
    loss = boostobj.get_loss(spec)
    X, y = regression_data(boostobj.get_loss("squared_error"), n=2000)
    y = 1000.0 * y
    booster = bl.train(loss, PARAMS, lgb.Dataset(X[:1500], y[:1500]), 100)
    prediction = booster.predict(X[1500:])
    start = np.full(500, loss.init_score(y[:1500]))
    assert np.all(np.isfinite(prediction))
    assert loss.metric(y[1500:], prediction) < 0.7 * loss.metric(y[1500:], start)


def test_train_does_not_touch_the_users_dataset():
    loss = boostobj.get_loss("gamma")
    X, y = regression_data(loss, n=300)
    dataset = lgb.Dataset(X, y, free_raw_data=False)
    bl.train(loss, PARAMS, dataset, 5)
    assert dataset.get_init_score() is None


def test_reports_loss_metric_and_early_stopping_keeps_best():
    loss = boostobj.get_loss("squared_error")
    X, y = regression_data(loss, n=800)
    y_noisy = y + np.random.default_rng(3).normal(scale=3.0, size=y.size)
    train_set = lgb.Dataset(X[:400], y_noisy[:400])
    valid_set = lgb.Dataset(X[400:], y_noisy[400:], reference=train_set)
    history = {}
    booster = bl.train(loss, {**PARAMS, "learning_rate": 0.3, "num_leaves": 63, "min_data_in_leaf": 2},
                       train_set, 300, valid_sets=[valid_set], valid_names=["valid"],
                       early_stopping_rounds=10, callbacks=[lgb.record_evaluation(history)])
    curve = history["valid"]["squared_error"]
    assert "rmse" in history["valid"]
    assert len(curve) < 300
    assert booster.best_iteration == int(np.argmin(curve)) + 1
    raw = booster.predict(X[400:], raw_score=True)  # uses best_iteration
    assert min(curve) == pytest.approx(loss.metric(y_noisy[400:], raw), rel=1e-6)


def test_objective_and_feval_in_plain_lgb_train():
    loss = boostobj.get_loss("pseudo_huber:delta=2")
    X, y = regression_data(loss, n=600)
    start = np.full(y.size, loss.init_score(y))
    dataset = lgb.Dataset(X, y, init_score=start)
    history = {}
    booster = lgb.train({**PARAMS, "objective": bl.objective(loss), "metric": "None"}, dataset, 20,
                        valid_sets=[dataset], valid_names=["train"], feval=bl.metric(loss),
                        callbacks=[lgb.record_evaluation(history)])
    raw = booster.predict(X, raw_score=True) + start
    # LightGBM stores labels as float32: the metric it reports sees the rounded labels.
    assert history["train"]["pseudo_huber"][-1] == pytest.approx(loss.metric(y, raw), rel=1e-6)
    assert history["train"]["pseudo_huber"][-1] < history["train"]["pseudo_huber"][0]


def test_sklearn_api_matches_native_train():
    loss = boostobj.get_loss("fair:c=2")
    X, y = regression_data(loss, n=800)
    model = bl.LGBMRegressor(loss=loss, n_estimators=40, num_leaves=15, learning_rate=0.1,
                             max_bin=63, min_child_samples=20, n_jobs=2, deterministic=True,
                             force_row_wise=True, verbose=-1, random_state=0)
    if "eval_X" in inspect.signature(lgb.LGBMRegressor.fit).parameters:  # LightGBM >= 4.7
        evaluation = {"eval_X": (X[:400],), "eval_y": (y[:400],)}
    else:
        evaluation = {"eval_set": [(X[:400], y[:400])]}
    model.fit(X, y, eval_names=["valid"], **evaluation)
    native = bl.train(loss, PARAMS, lgb.Dataset(X, y), 40)
    np.testing.assert_allclose(model.predict(X), native.predict(X), rtol=1e-6, atol=1e-8)
    curve = model.evals_result_["valid"]["fair"]
    assert curve[-1] == pytest.approx(loss.metric(y[:400], model.predict(X[:400])), rel=1e-6)
    path_model = lgb.Booster(model_str=model.booster_.model_to_string())
    np.testing.assert_allclose(path_model.predict(X), model.predict(X), rtol=1e-12)


@pytest.mark.parametrize("spec, labels, message", [
    ("poisson", [1.0, -1.0, 2.0, 0.0], r"poisson: y must be >= 0, got -1.0 at index 1"),
    ("gamma", [1.0, 0.0, 2.0, 3.0], r"gamma: y must be > 0, got 0.0 at index 1"),
    ("squared_error", [1.0, np.nan, 2.0, 3.0],
     (r"squared_error: y contains NaN, infinity or a value too large "
      r"\(must be finite\), got nan at index 1")),
])
def test_bad_labels_raise_before_training(spec, labels, message):
    X = np.arange(4.0).reshape(-1, 1)
    with pytest.raises(ValueError, match=message):
        bl.train(spec, PARAMS, lgb.Dataset(X, np.array(labels)), 5)
    model = bl.LGBMRegressor(loss=spec, n_estimators=2, verbose=-1)
    with pytest.raises(ValueError, match=message):
        model.fit(X, np.array(labels))


def test_bad_weights_and_params_raise():
    X = np.arange(4.0).reshape(-1, 1)
    with pytest.raises(ValueError, match=r"huber: sample_weight must be finite and >= 0, got -1.0 at index 1"):
        bl.train("huber", PARAMS, lgb.Dataset(X, np.ones(4), weight=[1, -1.0, 1, 1]), 5)
    with pytest.raises(ValueError, match=r"sets the objective from the loss"):
        bl.train("huber", {"objective": "huber"}, lgb.Dataset(X, np.ones(4)), 5)
    with pytest.raises(ValueError, match=r"huber: params\['metric'\] == 'l2'"):
        bl.train("huber", {"metric": "l2"}, lgb.Dataset(X, np.ones(4)), 5)
