"""The booster-neutral layer: evaluation sets told apart, the kernels' thread count, and the
booster's scores checked before a loss sees them."""

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx

REGRESSORS = {
    "lightgbm": lambda **kw: bl.LGBMRegressor(**{"n_estimators": 20, "verbose": -1,
                                                 "n_jobs": 1, **kw}),
    "xgboost": lambda **kw: bx.XGBRegressor(**{"n_estimators": 20, "n_jobs": 1, **kw}),
}


BOOSTERS = ["lightgbm", "xgboost"]


def test_native_eval_sets_with_the_same_labels_are_told_apart():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1000, 3))
    y = 3 * X[:, 0] + rng.standard_t(3, size=1000)
    other = X + rng.normal(scale=2.0, size=X.shape)
    loss = boostobj.get_loss("quantile:alpha=0.7")
    record = {}
    dtrain, first, second = xgb.DMatrix(X, y), xgb.DMatrix(X, y), xgb.DMatrix(other, y)
    booster = bx.train(loss, {"max_depth": 3}, dtrain, 15, evals=[(first, "a"), (second, "b")],
                       evals_result=record, verbose_eval=False)
    for name, features in (("a", X), ("b", other)):
        expected = loss.metric(y, booster.predict(xgb.DMatrix(features)))
        assert record[name]["quantile"][-1] == pytest.approx(expected, rel=1e-5)
    record = {}
    train_set = lgb.Dataset(X, y)
    sets = [lgb.Dataset(X, y, reference=train_set), lgb.Dataset(other, y, reference=train_set)]
    booster = bl.train(loss, {"verbose": -1}, train_set, 15, valid_sets=sets,
                       valid_names=["a", "b"], callbacks=[lgb.record_evaluation(record)])
    for name, features in (("a", X), ("b", other)):
        expected = loss.metric(y, booster.predict(features))
        assert record[name]["quantile"][-1] == pytest.approx(expected, rel=1e-9)


class _ThreadRecordingLoss(boostobj.losses.regression.SquaredError):
    """squared_error that records which threads run its kernel (in the class: the boosters
    deep-copy their objective)."""

    name = "squared_error"
    threads = set()

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        import threading

        self.threads.add(threading.get_ident())
        super()._gradient_hessian(y, raw_score, gradient, hessian)


@pytest.mark.parametrize("booster", BOOSTERS)
def test_kernels_use_the_boosters_thread_count_and_no_more(booster, monkeypatch):
    import os

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300_000, 2)).astype(np.float32)  # five row blocks
    y = X[:, 0] + rng.normal(size=300_000)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    for requested, expected in ((1, 1), (2, 2), (8, 3), (None, 3)):
        loss = _ThreadRecordingLoss()
        loss.threads.clear()
        key = "nthread" if booster == "xgboost" else "num_threads"
        params = {} if requested is None else {key: requested}
        if booster == "xgboost":
            bx.train(loss, {"max_depth": 2, **params}, xgb.DMatrix(X, y), 2)
        else:
            bl.train(loss, {"num_leaves": 4, "verbose": -1, **params}, lgb.Dataset(X, y), 2)
        assert len(loss.threads) <= expected
        if expected == 1:
            assert len(loss.threads) == 1
    _ThreadRecordingLoss.threads.clear()
    REGRESSORS[booster](loss=_ThreadRecordingLoss(), n_jobs=1, n_estimators=2).fit(X, y)
    assert len(_ThreadRecordingLoss.threads) == 1


def test_non_finite_booster_scores_are_refused_by_the_adapters():
    # LightGBM clips an infinite init_score to 1e300 itself; a NaN or inf that reaches the
    # adapter (a diverged model, a bad base_margin) stops training with the loss's message.
    from boostobj._boosters.targets import Targets

    rng = np.random.default_rng(0)
    for spec, shape in (("huber", (100,)), ("softmax", (100, 3))):
        loss = boostobj.get_loss(spec)
        targets = Targets(loss, rng.integers(0, 3, size=100).astype(float), None)
        scores = np.zeros(shape, dtype=np.float32)
        scores.reshape(-1)[7] = np.nan
        with pytest.raises(ValueError, match=rf"{spec}: raw_score must be finite, got nan at "
                                             r"index 7"):
            targets.gradient_hessian(scores)
    X, y = rng.normal(size=(100, 2)), rng.normal(size=100)
    with pytest.raises(ValueError, match=r"huber: raw_score must be finite, got inf"):
        bx.train("huber", {}, xgb.DMatrix(X, y, base_margin=np.full(100, np.inf)), 2)
