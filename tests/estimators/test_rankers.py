"""The drop-in rankers: ranking losses through XGBRanker and LGBMRanker."""

import pickle

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from conftest import ranking_data

import boostobj.lightgbm as bl
import boostobj.xgboost as bx
from boostobj import metrics


@pytest.mark.parametrize("spec", ["listwise_softmax", "pairwise_logistic",
                                  "pairwise_hinge:margin=2"])
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


@pytest.mark.parametrize("spec", ["listwise_softmax", "pairwise_logistic", "pairwise_hinge"])
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
    by_column = bx.XGBRanker(loss="listwise_softmax", n_estimators=5).fit(frame, y)
    by_qid = bx.XGBRanker(loss="listwise_softmax", n_estimators=5).fit(X, y, qid=qid)
    by_group = bx.XGBRanker(loss="listwise_softmax", n_estimators=5).fit(X, y, group=sizes)
    np.testing.assert_allclose(by_column.predict(frame), by_group.predict(X), rtol=1e-6)
    np.testing.assert_allclose(by_qid.predict(X), by_group.predict(X), rtol=1e-6)
    weighted = bx.XGBRanker(loss="listwise_softmax", n_estimators=5).fit(X, y, group=sizes,
                                                sample_weight=np.linspace(0.5, 2, sizes.size))
    assert not np.allclose(weighted.predict(X), by_group.predict(X))
    with pytest.raises(ValueError, match="rows of each query must be contiguous"):
        bx.XGBRanker(loss="listwise_softmax").fit(X, y, qid=np.roll(qid, 3))
    with pytest.raises(ValueError, match="a ranker needs query groups"):
        bx.XGBRanker(loss="listwise_softmax").fit(X, y)
    with pytest.raises(ValueError, match=f"sample_weight has {y.size} values for {sizes.size} "
                                         "query groups"):
        bx.XGBRanker(loss="listwise_softmax").fit(X, y, group=sizes, sample_weight=np.ones(y.size))


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
    with pytest.raises(ValueError, match="objective='rank:pairwise' conflicts with "
                                         "loss='listwise_softmax.*': with a loss the model "
                                         "trains the loss"):
        bx.XGBRanker(loss="listwise_softmax", objective="rank:pairwise").fit(X, y, group=sizes)
    # The loss's exact built-in twin is accepted.
    bx.XGBRanker(loss="pairwise_logistic:hessian=doubled", objective="rank:pairwise",
                 n_estimators=2).fit(X, y, group=sizes)
