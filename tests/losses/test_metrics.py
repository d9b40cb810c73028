"""Metrics: classification, ranking (against scikit-learn and the boosters' built-ins) and
intervals."""


import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from sklearn.metrics import ndcg_score

from boostobj import metrics
from boostobj.metrics import coverage, error_rate, interval_score, log_loss


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


def test_error_rate_and_log_loss():
    y = np.array([0, 1, 1, 0])
    p = np.array([0.2, 0.9, 0.4, 0.6])
    assert error_rate(y, p) == 0.5
    assert error_rate(y, p, np.array([1, 1, 1, 3])) == pytest.approx(4 / 6)
    expected = -np.mean(np.log([0.8, 0.9, 0.4, 0.4]))
    assert log_loss(y, p) == pytest.approx(expected)
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert log_loss(np.array([0, 1]), probabilities) == pytest.approx(-np.log(0.7 * 0.1) / 2)
    assert error_rate(np.array([0, 1]), probabilities) == 0.5
    soft = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    assert log_loss(soft, probabilities) == pytest.approx(
        (-0.5 * np.log(0.7) - 0.5 * np.log(0.2) - np.log(0.8)) / 2)


def test_interval_metrics_on_a_hand_example():
    from sklearn.metrics import mean_pinball_loss

    from boostobj.metrics import mean_width, pinball_loss
    y = np.array([0.0, 5.0, 12.0, -3.0])
    interval = np.array([[-1.0, 1.0], [0.0, 4.0], [10.0, 14.0], [-2.0, 2.0]])
    assert coverage(y, interval) == 0.5
    assert coverage(y, interval, sample_weight=[3, 1, 0, 0]) == 0.75
    assert mean_width(interval) == 3.5
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


def test_mean_width_needs_only_the_interval():
    from boostobj.metrics import mean_width

    interval = np.array([[0.0, 2.0], [1.0, 5.0]])
    assert mean_width(interval) == 3.0
    assert mean_width(interval, sample_weight=[3, 1]) == 2.5
    with pytest.warns(FutureWarning, match="y is not used"):
        assert mean_width(np.zeros(2), interval, [3, 1]) == 2.5
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        mean_width(np.zeros(2))


def test_coverage_by_bin_cuts_at_the_quantiles_of_by():
    from boostobj.metrics import coverage_by_bin

    y = np.arange(8.0)
    interval = np.column_stack([y - 1, y + 1])
    interval[[1, 6, 7], 0] = 100.0  # rows 1, 6 and 7 missed
    by = np.array([7.0, 6, 5, 4, 3, 2, 1, 0])  # the reverse order of the rows
    np.testing.assert_allclose(coverage_by_bin(y, interval, by, n_bins=4),
                               [0.0, 1.0, 1.0, 0.5])
    np.testing.assert_allclose(coverage_by_bin(y, interval, by, n_bins=4,
                                               sample_weight=[1, 3, 1, 1, 1, 1, 1, 1]),
                               [0.0, 1.0, 1.0, 0.25])
    assert np.isnan(coverage_by_bin(y[:2], interval[:2], [1.0, 1.0], n_bins=3)[0])
    with pytest.raises(ValueError, match="by has 3 values for 8 targets"):
        coverage_by_bin(y, interval, [1.0, 2.0, 3.0])
