"""Ranking losses over query groups: the math, the groups, the metrics, and both boosters."""

import pickle

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from conftest import ranking_data
from sklearn.metrics import ndcg_score

import boostobj
import boostobj.lightgbm as bl
import boostobj.losses.ranking as ranking
import boostobj.xgboost as bx
from boostobj import datasets, metrics
from boostobj.losses import Groups
from boostobj.testing import check_loss

RANKING_LOSSES = ["listwise_softmax", "pairwise_logistic", "pairwise_hinge"]


def _brute_force_pairs(y, score, sizes, pair_loss):
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    totals = []
    for start, stop in zip(ptr[:-1], ptr[1:], strict=True):
        total = 0.0
        for i in range(start, stop):
            for j in range(start, stop):
                if y[i] > y[j]:
                    total += pair_loss(score[i] - score[j])
        totals.append(total)
    return np.array(totals)


# --- the losses' values --------------------------------------------------------------------

def test_pairwise_losses_equal_the_sum_over_pairs(rng):
    sizes = np.array([1, 4, 9, 2, 30, 7])
    y = rng.choice([0.0, 0.0, 1.0, 2.0, 3.5], size=sizes.sum())
    score = rng.normal(size=y.size) * 2
    logistic = boostobj.get_loss("pairwise_logistic:sigma=1.5")
    np.testing.assert_allclose(
        logistic.loss(y, score, group=sizes),
        _brute_force_pairs(y, score, sizes, lambda d: np.log1p(np.exp(-1.5 * d))), rtol=1e-12)
    hinge = boostobj.get_loss("pairwise_hinge:margin=0.5")
    np.testing.assert_allclose(
        hinge.loss(y, score, group=sizes),
        _brute_force_pairs(y, score, sizes, lambda d: max(0.0, 0.5 - d)), rtol=1e-12)


def test_listwise_softmax_is_infonce_and_the_multi_positive_cross_entropy():
    loss = boostobj.get_loss("listwise_softmax:temperature=0.5")
    score = np.array([2.0, 1.0, -1.0, 0.5, 0.3, 0.3, 0.1, 4.0])
    y = np.array([1.0, 0, 0, 0, 1, 1, 0, 0])
    sizes = np.array([4, 4])
    p_first = np.exp(score[:4] / 0.5) / np.sum(np.exp(score[:4] / 0.5))
    p_second = np.exp(score[4:] / 0.5) / np.sum(np.exp(score[4:] / 0.5))
    expected = [-np.log(p_first[0]), -0.5 * (np.log(p_second[0]) + np.log(p_second[1]))]
    np.testing.assert_allclose(loss.loss(y, score, group=sizes), expected, rtol=1e-12)
    graded = np.array([3.0, 1.0, 0.0, 0.0])
    q = graded / graded.sum()
    np.testing.assert_allclose(loss.loss(graded, score[:4], group=[4]),
                               [-np.sum(q * np.log(p_first))], rtol=1e-12)


def test_a_group_without_relevant_rows_contributes_nothing():
    loss = boostobj.get_loss("listwise_softmax")
    y = np.array([0.0, 0.0, 0.0, 1.0, 0.0])
    score = np.array([1.0, -2.0, 0.5, 0.0, 1.0])
    gradient, hessian = loss.gradient_hessian(y, score, group=[3, 2])
    assert np.all(gradient[:3] == 0) and np.all(hessian[:3] == 0)
    assert loss.loss(y, score, group=[3, 2])[0] == 0.0
    # it still counts in the metric's denominator, as a group with zero loss
    assert loss.metric(y, score, group=[3, 2]) == pytest.approx(
        loss.loss(y, score, group=[3, 2])[1] / 2)


@pytest.mark.parametrize("spec", ["pairwise_logistic", "pairwise_logistic:hessian=doubled",
                                  "pairwise_hinge:margin=2"])
def test_pairwise_blocks_stripes_and_precisions_agree(spec, rng, monkeypatch):
    # groups of every padded width, one cut into stripes when blocks are small, and the
    # float32 path the adapters take
    sizes = np.array([1, 3, 50, 2, 300, 17, 9, 16, 8, 15, 5, 100, 101])
    loss = boostobj.get_loss(spec)
    for labels in ([0.0, 1.0, 2.0, 3.0], [0.0, 0.5, 2.0, 200.0]):
        y = rng.choice(labels, size=sizes.sum())
        score = rng.normal(size=y.size) * 2
        reference = loss.gradient_hessian(y, score, group=sizes)
        loss_values = loss.loss(y, score, group=sizes)
        gradient = np.empty(y.size, dtype=np.float32)
        hessian = np.empty(y.size, dtype=np.float32)
        loss.weighted_gradient_hessian(y, score, None, gradient, hessian,
                                       group=Groups.from_sizes(sizes), threads=2)
        np.testing.assert_allclose(gradient, reference[0], rtol=2e-5, atol=5e-5)
        np.testing.assert_allclose(hessian, reference[1], rtol=2e-5, atol=5e-5)
        monkeypatch.setattr(ranking, "_CELLS_PER_BLOCK", 200)
        striped = loss.gradient_hessian(y, score, group=sizes)
        np.testing.assert_allclose(striped[0], reference[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(striped[1], reference[1], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(loss.loss(y, score, group=sizes), loss_values, rtol=1e-12)
        monkeypatch.undo()


@pytest.mark.parametrize("spec", RANKING_LOSSES)
def test_kernels_give_the_same_result_on_any_number_of_threads(spec, monkeypatch):
    monkeypatch.setattr(ranking, "_ROWS_PER_BLOCK", 64)  # many blocks
    monkeypatch.setattr(ranking, "_CELLS_PER_BLOCK", 2000)
    X, y, sizes = ranking_data(300)
    score = X[:, 0] + X[:, 2]
    loss = boostobj.get_loss(spec)
    groups = Groups.from_sizes(sizes)
    one = loss.weighted_gradient_hessian(y, score, None, group=groups, threads=1)
    many = loss.weighted_gradient_hessian(y, score, None, group=groups, threads=4)
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])


class _SignFlipped(ranking.PairwiseLogistic):
    def _block_derivatives(self, rows, group, dtype):
        gradient, hessian = super()._block_derivatives(rows, group, dtype)
        return -gradient, hessian


class _NotShiftInvariant(ranking.ListwiseSoftmax):
    def _group_loss(self, y, raw_score, groups):
        return super()._group_loss(y, raw_score, groups) + 1e-3 * np.add.reduceat(
            raw_score, groups.ptr[:-1]) ** 2


class _WeightsIgnored(ranking.ListwiseSoftmax):
    def loss(self, y, raw_score, sample_weight=None, *, group=None):
        return super().loss(y, raw_score, None, group=group)


@pytest.mark.parametrize("broken, expected", [
    (_SignFlipped(), "gradient disagrees"),
    (_NotShiftInvariant(), "gradient disagrees|invariance to a constant per group"),
    (_WeightsIgnored(), "weight 2 == duplicated group"),
])
def test_check_loss_catches_broken_grouped_losses(broken, expected):
    with pytest.raises(AssertionError, match=expected):
        check_loss(broken)


def test_check_loss_takes_the_users_groups():
    y = np.array([1.0, 0, 0, 2, 1, 0, 0, 1])
    check_loss(boostobj.get_loss("pairwise_logistic"), y=y, group=[3, 5],
               raw_score=np.linspace(-1, 1, 8))


# --- groups --------------------------------------------------------------------------------

def test_groups_from_qid_sizes_and_boundaries():
    groups = Groups.from_qid(np.array([7, 7, 3, 3, 3, 9]))
    assert groups.sizes.tolist() == [2, 3, 1]
    assert Groups.from_ptr([0, 2, 5, 6]) == groups
    assert pickle.loads(pickle.dumps(groups)) == groups
    with pytest.raises(ValueError, match=r"contiguous; qid \[7\] appears in separate runs"):
        Groups.from_qid(np.array([7, 7, 3, 7]))


@pytest.mark.parametrize("group, message", [
    ([2, 2], "add up to 4 rows but there are 5"),
    ([2, 0, 3], "group sizes must be whole numbers >= 1"),
    ([2.5, 2.5], "group sizes must be whole numbers >= 1"),
    (None, "needs query groups"),
])
def test_bad_groups_are_refused_naming_the_loss(group, message):
    with pytest.raises(ValueError, match=f"listwise_softmax: .*{message}"):
        boostobj.get_loss("listwise_softmax").gradient_hessian(np.ones(5), np.zeros(5),
                                                               group=group)


# --- metrics -------------------------------------------------------------------------------

def _scored_groups(seed=1, binary=False):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 15, size=60)
    y = rng.choice([0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0], size=sizes.sum())
    if binary:
        y = (y > 0).astype(np.float64)
    return y, rng.normal(size=y.size), sizes


@pytest.mark.parametrize("k", [1, 3, 5, 10, None])
def test_ndcg_equals_scikit_learn_on_groups_with_relevant_rows(k):
    y, score, sizes = _scored_groups()
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    expected = []
    for start, stop in zip(ptr[:-1], ptr[1:], strict=True):
        if y[start:stop].max() == 0:
            expected.append(1.0)  # the boosters' convention; scikit-learn gives 0
            continue
        expected.append(ndcg_score([2 ** y[start:stop] - 1], [score[start:stop]], k=k))
    assert metrics.ndcg(y, score, sizes, k) == pytest.approx(np.mean(expected), rel=1e-12)


def test_ranking_metrics_equal_xgboosts_built_ins_on_the_same_scores():
    for binary, names in ((False, ["ndcg@1", "ndcg@3", "ndcg@5", "ndcg"]),
                          (True, ["map@3", "map@5", "map", "ndcg@3"])):
        y, score, sizes = _scored_groups(binary=binary)
        dmatrix = xgb.DMatrix(np.zeros((y.size, 1)), label=y, group=sizes, base_margin=score)
        booster = xgb.Booster({"objective": "rank:ndcg", "eval_metric": names,
                               "base_score": 0.0}, [dmatrix])
        reported = dict(item.split(":") for item in booster.eval(dmatrix).split()[1:])
        for name in names:
            ours = metrics.get_metric(name)(y, score, sizes)
            assert float(reported[f"eval-{name}"]) == pytest.approx(ours, abs=1e-6), name


def test_ranking_metrics_equal_lightgbms_built_ins_on_the_same_scores():
    for binary in (False, True):
        y, score, sizes = _scored_groups(binary=binary)
        X = np.random.default_rng(0).normal(size=(y.size, 2))
        train = lgb.Dataset(X, y, group=sizes)
        valid = lgb.Dataset(X, y, group=sizes, init_score=score, reference=train)
        result = {}
        lgb.train({"objective": "lambdarank", "metric": ["ndcg", "map"], "eval_at": [1, 3, 5],
                   "verbose": -1, "learning_rate": 1e-30, "num_leaves": 2,
                   "min_data_in_leaf": 10 ** 6}, train, 1, valid_sets=[valid],
                  callbacks=[lgb.record_evaluation(result)])
        for name, values in result["valid_0"].items():
            ours = metrics.get_metric(name)(y, score, sizes)
            assert values[-1] == pytest.approx(ours, abs=1e-9), name


def test_mrr_recall_and_the_convention_for_groups_without_relevant_rows():
    y = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    score = np.array([3.0, 2.0, 1.0, 0.0, 5.0, 4.0, 3.0])
    sizes = [3, 1, 3]  # first relevant at rank 2; no relevant row; at rank 3
    assert metrics.reciprocal_rank(y, score, sizes) == pytest.approx((1 / 2 + 1 + 1 / 3) / 3)
    assert metrics.recall(y, score, sizes, 1) == pytest.approx((0 + 1 + 0) / 3)
    assert metrics.recall(y, score, sizes, 3) == pytest.approx(1.0)
    assert metrics.ndcg(y, score, sizes, 1) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(y, score, sizes, sample_weight=[1.0, 0.0, 1.0]) == \
        pytest.approx((1 / 2 + 1 / 3) / 2)
    with pytest.raises(ValueError, match="Unknown metric 'ndcg@x'"):
        metrics.get_metric("ndcg@x")


# --- training ------------------------------------------------------------------------------

def _ndcg_before_after(train, y, sizes):
    return metrics.ndcg(y, np.zeros(y.size), sizes, 5), metrics.ndcg(y, train(), sizes, 5)


@pytest.mark.parametrize("spec", RANKING_LOSSES)
def test_every_ranking_loss_trains_on_both_boosters(spec):
    X, y, sizes = ranking_data()
    history = {}
    booster = bx.train(spec, {"max_depth": 3, "eta": 0.3}, xgb.DMatrix(X, y, group=sizes), 20,
                       evals=[(xgb.DMatrix(X, y, group=sizes), "train")],
                       extra_metrics=("ndcg@5", "mrr"), evals_result=history,
                       verbose_eval=False)
    before, after = _ndcg_before_after(lambda: booster.predict(xgb.DMatrix(X)), y, sizes)
    assert after > before + 0.1
    assert history["train"]["ndcg@5"][-1] == pytest.approx(after, abs=1e-6)
    assert history["train"][spec][-1] < history["train"][spec][0]
    model = bl.train(spec, {"verbose": -1, "num_leaves": 7}, lgb.Dataset(X, y, group=sizes), 20)
    before, after = _ndcg_before_after(lambda: model.predict(X), y, sizes)
    assert after > before + 0.1


def test_pairwise_logistic_trains_xgboosts_rank_pairwise_model():
    # rank:pairwise with all pairs (topk with as many pairs per row as the largest group)
    # and no normalisation of the gradients or the scores is RankNet with twice its hessian
    X, y, sizes = ranking_data(100)
    dmatrix = xgb.DMatrix(X, y, group=sizes)
    params = {"max_depth": 3, "eta": 0.3, "tree_method": "exact", "base_score": 0.0}
    builtin = xgb.train({**params, "objective": "rank:pairwise",
                         "lambdarank_pair_method": "topk",
                         "lambdarank_num_pair_per_sample": int(sizes.max()),
                         "lambdarank_normalization": False,
                         "lambdarank_score_normalization": False}, dmatrix, 10)
    ours = bx.train("pairwise_logistic:hessian=doubled", params, dmatrix, 10)
    np.testing.assert_allclose(ours.predict(dmatrix), builtin.predict(dmatrix), atol=1e-4)
    exact = bx.train("pairwise_logistic", params, dmatrix, 10)
    assert np.max(np.abs(exact.predict(dmatrix) - builtin.predict(dmatrix))) > 0.1


@pytest.mark.parametrize("temperature", [0.25, 0.5, 2.0, 0.3])
def test_temperature_rescales_the_model_and_the_regularisation(temperature):
    # model(τ, λ, min_child_weight) = τ · model(1, λτ², min_child_weight·τ²)
    X, y, sizes = ranking_data(100)
    exact = temperature in (0.25, 0.5, 2.0)  # powers of two scale without rounding
    tolerance = 1e-12 if exact else 1e-4
    dmatrix = xgb.DMatrix(X, y, group=sizes)
    square = temperature ** 2
    hot = bx.train(f"listwise_softmax:temperature={temperature}",
                   {"max_depth": 3, "eta": 0.3, "lambda": 1.0, "min_child_weight": 0.1},
                   dmatrix, 15)
    plain = bx.train("listwise_softmax", {"max_depth": 3, "eta": 0.3, "lambda": square,
                                          "min_child_weight": 0.1 * square}, dmatrix, 15)
    np.testing.assert_allclose(hot.predict(dmatrix), temperature * plain.predict(dmatrix),
                               atol=tolerance * 10)
    params = {"verbose": -1, "min_data_in_leaf": 5}
    hot = bl.train(f"listwise_softmax:temperature={temperature}",
                   {**params, "lambda_l2": 1.0, "min_sum_hessian_in_leaf": 0.01},
                   lgb.Dataset(X, y, group=sizes), 15)
    plain = bl.train("listwise_softmax", {**params, "lambda_l2": square,
                                          "min_sum_hessian_in_leaf": 0.01 * square},
                     lgb.Dataset(X, y, group=sizes), 15)
    np.testing.assert_allclose(hot.predict(X), temperature * plain.predict(X),
                               atol=tolerance * 10)


def _duplicated(X, y, sizes, group):
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    rows = np.arange(ptr[group], ptr[group + 1])
    order = np.concatenate([np.arange(y.size), rows])
    return X[order], y[order], np.append(sizes, sizes[group])


@pytest.mark.parametrize("spec", RANKING_LOSSES)
def test_weight_two_on_a_group_trains_like_the_group_duplicated(spec):
    X, y, sizes = ranking_data(60)
    X2, y2, sizes2 = _duplicated(X, y, sizes, 3)
    weight = np.ones(sizes.size)
    weight[3] = 2.0
    params = {"max_depth": 3, "eta": 0.3, "tree_method": "exact"}
    weighted = bx.train(spec, params, xgb.DMatrix(X, y, group=sizes, weight=weight), 8)
    duplicated = bx.train(spec, params, xgb.DMatrix(X2, y2, group=sizes2), 8)
    np.testing.assert_allclose(weighted.predict(xgb.DMatrix(X)),
                               duplicated.predict(xgb.DMatrix(X)), atol=1e-5)
    lgb_params = {"verbose": -1, "num_leaves": 7, "min_data_in_leaf": 3, "max_bin": 255}
    row_weight = np.repeat(weight, sizes)
    weighted = bl.train(spec, lgb_params, lgb.Dataset(X, y, group=sizes, weight=row_weight), 8)
    reference = lgb.Dataset(X, y, group=sizes)  # the same bins as the weighted run
    duplicated = bl.train(spec, lgb_params, lgb.Dataset(X2, y2, group=sizes2,
                                                        reference=reference), 8)
    np.testing.assert_allclose(weighted.predict(X), duplicated.predict(X), atol=1e-5)


def test_early_stopping_follows_a_ranking_metric_upwards():
    X, y, sizes = ranking_data(150)
    Xv, yv, sv = ranking_data(60, seed=1)
    history = {}
    booster = bx.train("listwise_softmax", {"max_depth": 6, "eta": 0.5}, xgb.DMatrix(X, y,
                       group=sizes), 200, evals=[(xgb.DMatrix(Xv, yv, group=sv), "valid")],
                       extra_metrics=("ndcg@5",), stopping_metric="ndcg@5",
                       early_stopping_rounds=5, evals_result=history, verbose_eval=False)
    curve = history["valid"]["ndcg@5"]
    assert booster.best_iteration == int(np.argmax(curve)) and len(curve) < 200
    model = bl.train("listwise_softmax", {"verbose": -1, "learning_rate": 0.5},
                     lgb.Dataset(X, y, group=sizes), 200,
                     valid_sets=[lgb.Dataset(Xv, yv, group=sv)], extra_metrics=("ndcg@5",),
                     stopping_metric="ndcg@5", early_stopping_rounds=5,
                     callbacks=[lgb.record_evaluation(history)])
    curve = history["valid_0"]["ndcg@5"]
    assert model.best_iteration == int(np.argmax(curve)) + 1 and len(curve) < 200
    with pytest.raises(ValueError, match="stopping_metric='map@5' is not reported"):
        bx.train("listwise_softmax", {}, xgb.DMatrix(X, y, group=sizes), 2,
                 evals=[(xgb.DMatrix(X, y, group=sizes), "t")], early_stopping_rounds=2,
                 stopping_metric="map@5")


def test_datasets_without_groups_and_unequal_row_weights_are_refused():
    X, y, sizes = ranking_data(20)
    with pytest.raises(ValueError, match="listwise_softmax: a ranking loss needs query groups"):
        bx.train("listwise_softmax", {}, xgb.DMatrix(X, y), 2)
    with pytest.raises(ValueError, match="listwise_softmax: a ranking loss needs query groups"):
        bl.train("listwise_softmax", {"verbose": -1}, lgb.Dataset(X, y), 2)
    weight = np.ones(y.size)
    weight[1] = 2.0
    with pytest.raises(ValueError, match="row weights of group 0 differ"):
        bl.train("pairwise_logistic", {"verbose": -1},
                 lgb.Dataset(X, y, group=sizes, weight=weight), 2)
    with pytest.raises(ValueError, match="renew_leaves=True with the ranking loss"):
        bx.train("pairwise_hinge", {}, xgb.DMatrix(X, y, group=sizes), 2, renew_leaves=True)
    with pytest.raises(ValueError, match="built-in metrics would see"):
        bl.train("pairwise_hinge", {"metric": "ndcg"}, lgb.Dataset(X, y, group=sizes), 2)


# --- the drop-in rankers -------------------------------------------------------------------

@pytest.mark.parametrize("spec", [None, "pairwise_logistic", "pairwise_hinge:margin=2"])
def test_lightgbm_ranker_reports_the_loss_beside_lightgbms_ndcg(spec, tmp_path):
    X, y, sizes = ranking_data(150)
    Xv, yv, sv = ranking_data(50, seed=1)
    model = bl.LGBMRanker(loss=spec, n_estimators=25, verbose=-1)
    model.fit(X, y, group=sizes, eval_X=(Xv,), eval_y=(yv,), eval_group=[sv], eval_metric="ndcg",
              eval_at=[5])
    scores = model.predict(Xv)
    result = model.evals_result_["valid_0"]
    assert result["ndcg@5"][-1] == pytest.approx(metrics.ndcg(yv, scores, sv, 5), abs=1e-9)
    loss = model.loss_
    assert result[loss.name][-1] == pytest.approx(loss.metric(yv, scores, group=sv), rel=1e-6)
    path = tmp_path / "model.txt"
    model.booster_.save_model(path)
    np.testing.assert_allclose(lgb.Booster(model_file=path).predict(Xv), scores, rtol=1e-12)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).predict(Xv), scores)


@pytest.mark.parametrize("spec", [None, "pairwise_logistic", "pairwise_hinge"])
def test_xgboost_ranker_takes_a_custom_ranking_loss(spec, tmp_path):
    X, y, sizes = ranking_data(150)
    Xv, yv, sv = ranking_data(50, seed=1)
    model = bx.XGBRanker(loss=spec, n_estimators=200, max_depth=4, eval_metric=["ndcg@5"],
                         early_stopping_rounds=5)
    model.fit(X, y, group=sizes, eval_set=[(Xv, yv)], eval_group=[sv])
    result = model.evals_result()["validation_0"]
    loss = model.loss_
    assert list(result) == ["ndcg@5", loss.name]  # XGBoost's built-in first, the loss last
    assert model.best_iteration == int(np.argmin(result[loss.name]))
    assert len(result[loss.name]) < 200
    scores = model.predict(Xv)
    assert metrics.ndcg(yv, scores, sv, 5) > metrics.ndcg(yv, np.zeros(yv.size), sv, 5) + 0.1
    path = tmp_path / "model.json"
    model.save_model(path)
    plain = xgb.Booster(model_file=path)
    np.testing.assert_allclose(plain.predict(xgb.DMatrix(Xv), iteration_range=(
        0, model.best_iteration + 1)), scores, rtol=1e-6)


def test_xgboost_ranker_reads_qid_and_per_group_weights():
    pandas = pytest.importorskip("pandas")
    X, y, sizes = ranking_data(60)
    qid = np.repeat(np.arange(sizes.size) * 10, sizes)
    frame = pandas.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).assign(qid=qid)
    by_column = bx.XGBRanker(n_estimators=5).fit(frame, y)
    by_qid = bx.XGBRanker(n_estimators=5).fit(X, y, qid=qid)
    by_group = bx.XGBRanker(n_estimators=5).fit(X, y, group=sizes)
    np.testing.assert_allclose(by_column.predict(frame), by_group.predict(X), rtol=1e-6)
    np.testing.assert_allclose(by_qid.predict(X), by_group.predict(X), rtol=1e-6)
    weighted = bx.XGBRanker(n_estimators=5).fit(X, y, group=sizes,
                                                sample_weight=np.linspace(0.5, 2, sizes.size))
    assert not np.allclose(weighted.predict(X), by_group.predict(X))
    with pytest.raises(ValueError, match="rows of each query must be contiguous"):
        bx.XGBRanker().fit(X, y, qid=np.roll(qid, 3))
    with pytest.raises(ValueError, match="a ranker needs query groups"):
        bx.XGBRanker().fit(X, y)
    with pytest.raises(ValueError, match=f"sample_weight has {y.size} values for {sizes.size} "
                                         "query groups"):
        bx.XGBRanker().fit(X, y, group=sizes, sample_weight=np.ones(y.size))


def test_rankers_refuse_other_losses_and_estimators_refuse_ranking_losses():
    X, y, sizes = ranking_data(20)
    with pytest.raises(ValueError, match="'huber.*' is not a ranking loss"):
        bl.LGBMRanker(loss="huber").fit(X, y, group=sizes)
    with pytest.raises(ValueError, match="'squared_error' is not a ranking loss"):
        bx.XGBRanker(loss="squared_error").fit(X, y, group=sizes)
    with pytest.raises(ValueError, match="is a ranking loss over query groups; use the ranker"):
        bx.XGBRegressor(loss="pairwise_logistic").fit(X, y)
    with pytest.raises(ValueError, match="is a ranking loss over query groups; use the ranker"):
        bl.LGBMRegressor(loss="listwise_softmax").fit(X, y)
    with pytest.raises(ValueError, match="objective='rank:pairwise'; the objective is set"):
        bx.XGBRanker(objective="rank:pairwise").fit(X, y, group=sizes)


# --- real data -----------------------------------------------------------------------------

def test_the_shipped_learning_to_rank_data_loads_with_its_groups():
    data = datasets.load("lambdarank")
    assert data.X.shape == (3005 + 768, 300)
    assert data.group.sum() == data.y.size and data.group.size == 201 + 50
    assert (data.split == "train").sum() == 3005
    assert set(np.unique(data.y)) == {0.0, 1.0, 2.0, 3.0, 4.0}
    assert "lambdarank" in datasets.available()
