"""Ranking losses over query groups: the math, the kernels, the groups, ``check_loss`` on
grouped losses."""

import pickle

import numpy as np
import pytest
from conftest import ranking_data

import boostobj
import boostobj.losses.ranking as ranking
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
