"""Ranking losses through both boosters: every loss trains, parity with rank:pairwise, the
temperature, group weights, early stopping on a ranking metric, refused datasets."""

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from conftest import ranking_data

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import metrics

RANKING_LOSSES = ["listwise_softmax", "pairwise_logistic", "pairwise_hinge"]


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
