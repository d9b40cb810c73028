"""Training on a dask cluster: a LocalCluster of 2 worker processes (1 thread each,
loopback only, no dashboard), small data, every test bounded by a timeout.

Run alone with ``pytest -m dask``. What is checked against one process holding all the
rows: the start, the "auto" scale and the renewed leaves (every leaf of every tree), the
reported metric and early stopping; partitions (unequal, a worker with no training rows,
DataFrames with categorical columns); a worker dying during training.
"""

import json
import os

import numpy as np
import pytest
import xgboost as xgb

import boostobj
import boostobj.xgboost as bx
from boostobj._boosters import targets, xgboost_model
from boostobj.losses import LeafPenalty

da = pytest.importorskip("dask.array")


distributed = pytest.importorskip("distributed")


xgb_dask = pytest.importorskip("xgboost.dask")


LEARNING_RATE = 0.3


PARAMS = {"eta": LEARNING_RATE, "max_depth": 3, "min_child_weight": 5, "tree_method": "hist"}


def local_cluster():
    """A client of 2 worker processes, 1 thread each, loopback only, no dashboards."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       worker_dashboard_address=None)
    with cluster, distributed.Client(cluster, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
        yield client


@pytest.fixture(scope="module")
def client():
    yield from local_cluster()


def heavy_tailed(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = 3 * X[:, 0] + 2 * np.sin(2 * X[:, 1]) + 40 + rng.standard_t(2, size=n)
    return X, y, rng.uniform(0.5, 2.0, size=n)


def on_workers(client, *arrays, rows=(600, 1400)):
    """Dask arrays of ``arrays`` in unequal chunks, the first chunk on one worker and the
    rest on the other."""
    workers = sorted(client.scheduler_info()["workers"])
    chunks = []
    for array in arrays:
        if array is None:
            chunks.append(None)
            continue
        shape = (tuple(rows),) + tuple((size,) for size in array.shape[1:])
        collection = da.from_array(array, chunks=shape)
        chunks.append(collection)
    persisted = []
    for collection in chunks:
        if collection is None:
            persisted.append(None)
            continue
        blocks = [client.persist(collection.blocks[index], workers=[workers[index % 2]])
                  for index in range(len(rows))]
        persisted.append(da.concatenate(blocks))
    return persisted


def start_of(booster):
    return np.asarray(json.loads(booster.attr("boostobj_start")))


@pytest.mark.parametrize("spec", ["squared_error", "quantile:alpha=0.8", "huber", "poisson",
                                  "truncated_squared:threshold=2"])
@pytest.mark.parametrize("weighted", [False, True])
def test_start_is_the_single_process_init_score(client, spec, weighted):
    X, y, weight = heavy_tailed()
    y = np.abs(y) if spec == "poisson" else y
    weight = weight if weighted else None
    X_d, y_d, w_d = on_workers(client, X, y, weight)
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d, weight=w_d)
    booster = bx.dask_train(client, spec, PARAMS, dtrain, 2)["booster"]
    loss = boostobj.get_loss(spec)
    expected = targets.loss_start(loss, y, weight)
    np.testing.assert_allclose(start_of(booster), expected, rtol=1e-9, atol=0)
    # the saved intercept is that start (as float32), and plain XGBoost predicts with it
    assert xgboost_model.base_margin(booster) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("spec", ["quantile:alpha=0.8", "absolute_error", "huber", "fair"])
@pytest.mark.parametrize("weighted", [False, True])
def test_every_leaf_is_the_learning_rate_times_the_minimiser_over_all_rows(client, spec,
                                                                          weighted):
    X, y, weight = heavy_tailed()
    weight = weight if weighted else None
    X_d, y_d, w_d = on_workers(client, X, y, weight)
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d, weight=w_d)
    booster = bx.dask_train(client, spec, PARAMS, dtrain, 4)["booster"]
    loss = boostobj.get_loss(spec)
    gathered = xgb.DMatrix(X)
    before = np.full(len(y), targets.loss_start(loss, y, weight))
    for tree in range(4):
        after = booster.predict(gathered, iteration_range=(0, tree + 1)).astype(float)
        ids, leaf = np.unique(booster[tree:tree + 1].predict(gathered, pred_leaf=True),
                              return_inverse=True)
        # XGBoost's default L2 penalty (lambda = 1) holds for the renewed leaves too.
        expected = LEARNING_RATE * loss.leaf_values(y, before, weight, leaf, ids.size,
                                                    penalty=LeafPenalty(l2=1.0))
        np.testing.assert_allclose(after - before, expected[leaf], rtol=1e-5, atol=1e-4)
        before = after


def test_metric_is_the_weighted_mean_over_all_rows_and_early_stopping_follows_it(client):
    X, y, weight = heavy_tailed(seed=1)
    X_d, y_d, w_d = on_workers(client, X[:1500], y[:1500], weight[:1500], rows=(400, 1100))
    V_d, v_d, vw_d = on_workers(client, X[1500:], y[1500:], weight[1500:], rows=(100, 400))
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d, weight=w_d)
    dvalid = xgb_dask.DaskDMatrix(client, V_d, v_d, weight=vw_d)
    params = {**PARAMS, "eta": 0.8, "max_depth": 6, "min_child_weight": 1}
    result = bx.dask_train(client, "huber", params, dtrain, 40, evals=[(dvalid, "valid")],
                           early_stopping_rounds=3)
    booster, history = result["booster"], result["history"]["valid"]["huber"]
    loss = boostobj.get_loss("huber")
    valid = xgb.DMatrix(X[1500:])
    assert len(history) < 40  # it stopped
    for rounds in (1, booster.best_iteration // 2 + 1, booster.best_iteration + 1):
        margin = booster.predict(valid, iteration_range=(0, rounds), output_margin=True)
        exact = loss.metric(y[1500:], margin.astype(float), weight[1500:])
        assert history[rounds - 1] == pytest.approx(exact, rel=1e-5)
    assert booster.best_iteration == int(np.argmin(history))
    assert booster.num_boosted_rounds() == booster.best_iteration + 1


def test_a_worker_without_training_rows_takes_part(client):
    """All training rows on one worker, an evaluation set on the other: that worker's
    training DMatrix is empty, and it still joins every all-reduce."""
    X, y, weight = heavy_tailed()
    workers = sorted(client.scheduler_info()["workers"])
    X_d = client.persist(da.from_array(X, chunks=(2000, 4)), workers=[workers[0]])
    y_d = client.persist(da.from_array(y, chunks=2000), workers=[workers[0]])
    V_d = client.persist(da.from_array(X[:300], chunks=(300, 4)), workers=[workers[1]])
    v_d = client.persist(da.from_array(y[:300], chunks=300), workers=[workers[1]])
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d)
    dvalid = xgb_dask.DaskDMatrix(client, V_d, v_d)
    result = bx.dask_train(client, "quantile:alpha=0.3", PARAMS, dtrain, 3,
                           evals=[(dvalid, "valid")])
    loss = boostobj.get_loss("quantile:alpha=0.3")
    np.testing.assert_allclose(start_of(result["booster"]), targets.loss_start(loss, y, None),
                               rtol=1e-9)
    margin = result["booster"].predict(xgb.DMatrix(X[:300]), output_margin=True)
    assert result["history"]["valid"]["quantile"][-1] == pytest.approx(
        loss.metric(y[:300], margin.astype(float)), rel=1e-5)


def test_regressor_on_a_dataframe_with_categorical_columns(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y, _ = heavy_tailed()
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["colour"] = pd.Categorical(np.array(["red", "green", "blue"])[np.arange(2000) % 3])
    y = y + 5 * (frame["colour"] == "red")
    frame_d = dd.from_pandas(frame, npartitions=3)
    y_d = dd.from_pandas(pd.Series(y, name="y"), npartitions=3)
    model = bx.DaskXGBRegressor(loss="absolute_error", n_estimators=20, learning_rate=0.3,
                                max_depth=3, enable_categorical=True, tree_method="hist")
    model.client = client
    model.fit(frame_d, y_d, eval_set=[(frame_d, y_d)])
    prediction = model.predict(frame_d).compute()
    assert np.mean(np.abs(prediction - y)) < np.mean(np.abs(y - np.median(y))) / 2
    expected = targets.loss_start(boostobj.get_loss("absolute_error"), y, None)
    assert start_of(model.get_booster()) == pytest.approx(expected, rel=1e-9)
    assert model.loss_.name == "absolute_error"
    history = model.evals_result()["validation_0"]["absolute_error"]
    assert history[-1] == pytest.approx(np.mean(np.abs(prediction - y)), rel=1e-5)


def test_classifier_takes_any_labels_and_starts_from_the_global_prior(client):
    X, y, weight = heavy_tailed()
    labels = np.where(y > np.quantile(y, 0.3), "high", "low")
    X_d, l_d, w_d = on_workers(client, X, labels, weight)
    model = bx.DaskXGBClassifier(loss="logistic", n_estimators=10, max_depth=3)
    model.client = client
    model.fit(X_d, l_d, sample_weight=w_d)
    assert list(model.classes_) == ["high", "low"]
    positive = (labels == "low").astype(float)
    np.testing.assert_allclose(start_of(model.get_booster()),
                               boostobj.get_loss("logistic").init_score(positive, weight),
                               rtol=1e-6)
    probability = model.predict_proba(X_d).compute()
    assert probability.shape == (2000, 2)
    np.testing.assert_allclose(probability.sum(axis=1), 1.0)
    accuracy = np.mean(model.predict(X_d).compute() == labels)
    assert accuracy > 0.85


def test_multiclass_needs_num_class_and_soft_labels_are_refused(client):
    X, y, _ = heavy_tailed(n=600)
    X_d, y_d = on_workers(client, X, np.digitize(y, np.quantile(y, [0.3, 0.6])),
                          rows=(200, 400))
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d)
    with pytest.raises(ValueError, match="num_class"):
        bx.dask_train(client, "softmax", PARAMS, dtrain, 2)
    booster = bx.dask_train(client, "softmax", {**PARAMS, "num_class": 3}, dtrain, 2)["booster"]
    labels = np.digitize(y, np.quantile(y, [0.3, 0.6]))
    np.testing.assert_allclose(start_of(booster),
                               boostobj.get_loss("softmax").init_score(labels, n_classes=3),
                               rtol=1e-9)
    with pytest.raises(ValueError, match="soft labels.*boostobj.xgboost.train"):
        bx.dask_train(client, "soft_label", {**PARAMS, "num_class": 3}, dtrain, 2)
    with pytest.raises(ValueError, match="eval_metric"):
        bx.dask_train(client, "squared_error", {**PARAMS, "eval_metric": "rmse"}, dtrain, 2)


class _DieOnRankOne(xgb.callback.TrainingCallback):
    def after_iteration(self, model, epoch, evals_log):
        if epoch == 2 and xgb.collective.get_rank() == 1:
            os._exit(1)  # the worker process dies mid-training
        return False


@pytest.fixture
def own_client():
    """A cluster of its own, for a test that kills one of its workers."""
    yield from local_cluster()


def test_a_worker_dying_ends_training_with_a_clear_error_and_the_client_trains_again(
        own_client):
    # Partitions dask can compute again elsewhere (not pinned to a worker): the lost
    # worker's part of the training is then rescheduled, and fails at once.
    client = own_client
    X, y, _ = heavy_tailed()
    X_d, y_d = da.from_array(X, chunks=(700, 4)), da.from_array(y, chunks=700)
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d)
    with pytest.raises(RuntimeError, match="left the cluster during training"):
        bx.dask_train(client, "huber", PARAMS, dtrain, 20, callbacks=[_DieOnRankOne()],
                      coll_cfg=xgb.collective.Config(timeout=30))
    client.wait_for_workers(2, timeout=60)  # the nanny replaces the dead worker
    booster = bx.dask_train(client, "huber", PARAMS, xgb_dask.DaskDMatrix(client, X_d, y_d),
                            3)["booster"]
    assert booster.num_boosted_rounds() == 3


@pytest.mark.parametrize("spec", ["squared_error", "quantile:alpha=0.8", "huber", "poisson",
                                  "logistic", "softmax"])
def test_start_over_workers_is_the_single_process_init_score(client, spec):
    X, y, weight = heavy_tailed()
    loss = boostobj.get_loss(spec)
    n_classes = None
    if spec == "poisson":
        y = np.abs(y)
    elif spec == "logistic":
        y = (y > 41).astype(float)
    elif spec == "softmax":
        y, n_classes = np.digitize(y, [39, 42]).astype(float), 3
    _, y_d, w_d = on_workers(client, X, y, weight)
    start = bx.start_over_workers(client, loss, y_d, w_d, n_classes)
    np.testing.assert_allclose(start, targets.loss_start(loss, y, weight, n_classes),
                               rtol=1e-9, atol=1e-12)


def lightgbm_estimator(cls, client, **params):
    model = cls(**{"n_estimators": 20, "learning_rate": 0.3, "num_leaves": 8,
                   "min_child_samples": 10, "verbose": -1, **params})
    model.client = client
    return model


@pytest.mark.parametrize("spec", ["squared_error", "poisson", "huber:delta=2"])
def test_lightgbm_model_holds_the_global_start_and_predicts_alone(client, spec):
    import lightgbm as lgb

    import boostobj.lightgbm as bl

    X, y, weight = heavy_tailed()
    y = np.abs(y) if spec == "poisson" else y
    X_d, y_d, w_d = on_workers(client, X, y, weight)
    loss = boostobj.get_loss(spec)
    # A vanishing learning rate leaves the model at its start.
    still = lightgbm_estimator(bl.DaskLGBMRegressor, client, loss=spec, n_estimators=1,
                               learning_rate=1e-12, renew_leaves=False)
    still.fit(X_d, y_d, sample_weight=w_d)
    expected = loss.predict(np.array([targets.loss_start(loss, y, weight)]))[0]
    np.testing.assert_allclose(still.predict(X_d).compute(), expected, rtol=1e-9)
    model = lightgbm_estimator(bl.DaskLGBMRegressor, client, loss=spec, renew_leaves=False)
    model.fit(X_d, y_d, sample_weight=w_d)
    prediction = model.predict(X_d).compute()
    saved = lgb.Booster(model_str=model.booster_.model_to_string())
    np.testing.assert_allclose(saved.predict(X), prediction, rtol=1e-12)
    raw = np.log(prediction) if spec == "poisson" else prediction
    constant = np.full(len(y), loss.link.link(expected))
    assert loss.metric(y, raw, weight) < 0.5 * loss.metric(y, constant, weight)


def test_lightgbm_classifier_starts_from_the_global_prior(client):
    import boostobj.lightgbm as bl

    X, y, weight = heavy_tailed()
    labels = np.where(y > np.quantile(y, 0.3), "high", "low")
    X_d, l_d, w_d = on_workers(client, X, labels, weight)
    still = lightgbm_estimator(bl.DaskLGBMClassifier, client, loss="logistic",
                               n_estimators=1, learning_rate=1e-12)
    still.fit(X_d, l_d, sample_weight=w_d)
    prior = np.average(labels == "low", weights=weight)
    np.testing.assert_allclose(still.predict_proba(X_d).compute()[:, 1], prior, rtol=1e-9)
    model = lightgbm_estimator(bl.DaskLGBMClassifier, client, loss="logistic")
    model.fit(X_d, l_d, sample_weight=w_d)
    assert list(model.classes_) == ["high", "low"]
    assert np.mean(model.predict(X_d).compute() == labels) > 0.85


def test_lightgbm_refuses_what_needs_every_row_each_round(client):
    import boostobj.lightgbm as bl

    X, y, _ = heavy_tailed(n=600)
    X_d, y_d = on_workers(client, X, y, rows=(200, 400))
    for spec, params, fit_params, match in [
            ("quantile:alpha=0.8", {}, {}, "leaf renewal.*DaskXGBRegressor.*renew_leaves=False"),
            ("huber", {"renew_leaves": False}, {}, "'auto' scale.*huber:delta=2"),
            ("squared_error", {}, {"eval_set": [(X_d, y_d)]}, "eval_set.*first worker")]:
        model = lightgbm_estimator(bl.DaskLGBMRegressor, client, loss=spec, **params)
        with pytest.raises(ValueError, match=match):
            model.fit(X_d, y_d, **fit_params)


def test_guide_cluster_snippet_runs_as_written(capsys):
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "guide" / "cluster.md").read_text()
    code = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    exec(compile(code, "guide cluster snippet", "exec"), {"__name__": "__main__"})
    out = capsys.readouterr().out
    below = float(re.search(r"share below the 0.9 quantile: ([0-9.]+)", out).group(1))
    assert 0.85 < below < 0.95
    assert "LightGBM mean prediction" in out


def test_ranking_loss_over_whole_groups_in_partitions(client):
    """Query groups kept within partitions: the loss's metric over all the groups equals
    the metric of the gathered scores."""
    rng = np.random.default_rng(3)
    sizes = rng.integers(5, 15, size=120)
    qid = np.repeat(np.arange(sizes.size), sizes)
    X = rng.normal(size=(qid.size, 4))
    y = np.clip(np.round(X[:, 0] + rng.normal(scale=0.5, size=qid.size)), 0, 3)
    cut = int(np.cumsum(sizes)[40])  # a partition boundary between two groups
    X_d, y_d, q_d = on_workers(client, X, y, qid.astype(float), rows=(cut, qid.size - cut))
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d, qid=q_d)
    result = bx.dask_train(client, "listwise_softmax", PARAMS, dtrain, 5,
                           evals=[(dtrain, "train")])
    scores = result["booster"].predict(xgb.DMatrix(X), output_margin=True).astype(float)
    loss = boostobj.get_loss("listwise_softmax")
    assert result["history"]["train"]["listwise_softmax"][-1] == pytest.approx(
        loss.metric(y, scores, group=sizes), rel=1e-5)


def test_ranker_refuses_groups_cut_by_partitions_and_trains_on_whole_ones(client):
    rng = np.random.default_rng(4)
    sizes = rng.integers(5, 15, size=80)
    qid = np.repeat(np.arange(sizes.size), sizes).astype(float)
    X = rng.normal(size=(qid.size, 4))
    y = np.clip(np.round(X[:, 0] + rng.normal(scale=0.5, size=qid.size)), 0, 3)
    cut = int(np.cumsum(sizes)[30])
    ranker = bx.DaskXGBRanker(loss="listwise_softmax", n_estimators=5, max_depth=3)
    ranker.client = client
    X_d, y_d, q_d = on_workers(client, X, y, qid, rows=(cut + 3, qid.size - cut - 3))
    with pytest.raises(ValueError, match=r"query ids \[31.0\] lie in more than one partition"):
        ranker.fit(X_d, y_d, qid=q_d)
    X_d, y_d, q_d = on_workers(client, X, y, qid, rows=(cut, qid.size - cut))
    ranker.fit(X_d, y_d, qid=q_d, eval_set=[(X_d, y_d)], eval_qid=[q_d])
    scores = ranker.predict(X_d).compute().astype(float)
    loss = boostobj.get_loss("listwise_softmax")
    assert ranker.evals_result()["validation_0"]["listwise_softmax"][-1] == pytest.approx(
        loss.metric(y, scores, group=sizes), rel=1e-5)


def test_lightgbm_multiclass_on_a_dataframe_with_a_categorical_column(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")

    import boostobj.lightgbm as bl

    X, y, weight = heavy_tailed()
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["colour"] = pd.Categorical(np.array(["red", "green", "blue"])[np.arange(2000) % 3])
    labels = pd.Series(np.array(["low", "mid", "top"])[np.digitize(y, [39, 42])], name="y")
    frame_d = dd.from_pandas(frame, npartitions=3)
    labels_d = dd.from_pandas(labels, npartitions=3)
    weight_d = dd.from_pandas(pd.Series(weight, name="w"), npartitions=3)
    still = lightgbm_estimator(bl.DaskLGBMClassifier, client, loss="softmax", n_estimators=1,
                               learning_rate=1e-12)
    still.fit(frame_d, labels_d, sample_weight=weight_d)
    prior = [np.average(labels == name, weights=weight) for name in ("low", "mid", "top")]
    np.testing.assert_allclose(still.predict_proba(frame_d).compute()[0], prior, rtol=1e-9)
    model = lightgbm_estimator(bl.DaskLGBMClassifier, client, loss="softmax")
    model.fit(frame_d, labels_d, sample_weight=weight_d)
    assert list(model.classes_) == ["low", "mid", "top"]
    assert np.mean(model.predict(frame_d).compute() == labels) > 0.6


def test_dask_estimators_without_a_loss_are_the_parents(client):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 3))
    y = X[:, 0] + 0.3 * rng.normal(size=400)
    X_d, y_d = on_workers(client, X, y, rows=(200, 200))
    labels = (y > 0).astype(int)
    _, b_d = on_workers(client, X, labels, rows=(200, 200))
    import lightgbm as lgb

    import boostobj.lightgbm as bl

    pairs = [(bx.DaskXGBRegressor, xgb.dask.DaskXGBRegressor, y_d),
             (bx.DaskXGBClassifier, xgb.dask.DaskXGBClassifier, b_d)]
    for ours_class, parent_class, target in pairs:
        ours, parent = ours_class(n_estimators=4), parent_class(n_estimators=4)
        ours.client = parent.client = client
        ours.fit(X_d, target)
        parent.fit(X_d, target)
        assert ours.loss_ is None
        np.testing.assert_allclose(ours.predict(X_d).compute(), parent.predict(X_d).compute())
    model = bl.DaskLGBMRegressor(n_estimators=4, verbose=-1, client=client).fit(X_d, y_d)
    assert model.loss_ is None and model.objective_ == "regression"
    assert isinstance(model.to_local(), lgb.LGBMRegressor)


@pytest.mark.parametrize("spec", ["normal", "gamma_distribution"])
def test_distribution_loss_over_workers_equals_one_process(client, spec):
    # One raw score per parameter: the start, the curvature units and the reported metric
    # over every worker's rows, as one process computes them.
    X, y, weight = heavy_tailed()
    y = np.abs(y) if spec == "gamma_distribution" else y
    X_d, y_d, w_d = on_workers(client, X, y, weight)
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d, weight=w_d)
    result = bx.dask_train(client, spec, PARAMS, dtrain, 5, evals=[(dtrain, "train")])
    booster = result["booster"]
    loss = boostobj.get_loss(spec)
    np.testing.assert_allclose(start_of(booster), targets.loss_start(loss, y, weight),
                               rtol=1e-9)
    raw = booster.predict(xgb.DMatrix(X))
    assert raw.shape == (len(y), 2)
    assert result["history"]["train"][spec][-1] == pytest.approx(loss.metric(y, raw, weight),
                                                                 rel=1e-5)
    single = bx.train(spec, PARAMS, xgb.DMatrix(X, label=y, weight=weight), 5)
    np.testing.assert_allclose(raw, single.predict(xgb.DMatrix(X)), rtol=1e-4, atol=1e-4)


def test_lightgbm_distribution_loss_holds_the_global_start_and_refuses_init_model(client):
    import boostobj.lightgbm as bl

    X, y, weight = heavy_tailed()
    X_d, y_d, w_d = on_workers(client, X, y, weight)
    loss = boostobj.get_loss("normal")
    still = lightgbm_estimator(bl.DaskLGBMRegressor, client, loss="normal", n_estimators=1,
                               learning_rate=1e-12)
    still.fit(X_d, y_d, sample_weight=w_d)
    np.testing.assert_allclose(still.predict(X_d).compute(),
                               np.tile(targets.loss_start(loss, y, weight), (len(y), 1)),
                               rtol=1e-9)
    model = lightgbm_estimator(bl.DaskLGBMRegressor, client, loss="normal")
    raw = model.fit(X_d, y_d, sample_weight=w_d).predict(X_d).compute()
    start = np.tile(targets.loss_start(loss, y, weight), (len(y), 1))
    assert loss.metric(y, raw, weight) < loss.metric(y, start, weight) - 0.2
    with pytest.raises(ValueError, match="init_model"):
        lightgbm_estimator(bl.DaskLGBMRegressor, client, loss="normal").fit(
            X_d, y_d, init_model=model.booster_)


def test_dask_estimators_set_a_distributions_raw_scores_per_row_themselves(client):
    import boostobj.lightgbm as bl

    X, y, _ = heavy_tailed(n=400)
    X_d, y_d = on_workers(client, X, y, rows=(150, 250))
    with pytest.raises(ValueError, match="num_class=3 with loss 'normal'"):
        lightgbm_estimator(bl.DaskLGBMRegressor, client, loss="normal", num_class=3).fit(X_d, y_d)
    dtrain = xgb_dask.DaskDMatrix(client, X_d, y_d)
    with pytest.raises(ValueError, match="normal: 2 raw scores per row, one per parameter"):
        bx.dask_train(client, "normal", {**PARAMS, "num_class": 3}, dtrain, 2)
