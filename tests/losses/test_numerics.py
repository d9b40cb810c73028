"""The numeric helpers: stable functions, weighted quantiles, row blocks in threads, conformal
quantiles, statistics over workers."""

import numpy as np
import pytest

import boostobj
import boostobj.testing
from boostobj import _numerics as nm
from boostobj.testing._common import sample_targets


def test_log1pexp_matches_naive_where_safe_and_is_finite_in_tails():
    x = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(nm.log1pexp(x), np.log1p(np.exp(x)), rtol=1e-13)
    np.testing.assert_allclose(nm.log1pexp(np.array([-800.0, 800.0])), [0.0, 800.0])


def test_expit_tails():
    np.testing.assert_allclose(nm.expit(np.array([-800.0, 0.0, 800.0])), [0.0, 0.5, 1.0])
    assert nm.expit(np.array([-40.0]))[0] == pytest.approx(np.exp(-40.0), rel=1e-12)


def test_log_cosh():
    x = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(nm.log_cosh(x), np.log(np.cosh(x)), rtol=1e-12, atol=1e-14)
    assert np.isfinite(nm.log_cosh(np.array([1e6]))).all()


def test_weighted_quantile_minimises_pinball(rng):
    y = rng.normal(size=257)
    w = rng.uniform(0.1, 3.0, size=257)
    for alpha in (0.05, 0.5, 0.95):
        q = nm.weighted_quantile(y, w, alpha)

        def pinball(c, alpha=alpha):
            r = c - y
            return np.sum(w * np.where(r > 0, (1 - alpha) * r, -alpha * r))

        grid = np.linspace(y.min(), y.max(), 2001)
        assert pinball(q) <= min(pinball(c) for c in grid) + 1e-12


def test_weighted_quantile_unweighted_median():
    assert nm.weighted_quantile(np.array([3.0, 1.0, 2.0]), None, 0.5) == 2.0
    # Weight 2 on a value equals duplicating it.
    assert nm.weighted_quantile(np.array([1.0, 5.0, 9.0]), np.array([1.0, 2.0, 1.0]), 0.5) == \
        nm.weighted_quantile(np.array([1.0, 5.0, 5.0, 9.0]), None, 0.5)


@pytest.mark.parametrize("spec", ["pseudo_huber:delta=1", "logistic", "softmax", "soft_label"])
def test_row_blocks_in_threads_give_the_single_call_result(spec):
    from boostobj._numerics import ROW_BLOCK

    loss = boostobj.get_loss(spec)
    rng = np.random.default_rng(3)
    n = 2 * ROW_BLOCK + 123  # three blocks, the last one short
    y = sample_targets(loss, n, rng)
    if spec == "soft_label":
        y = rng.dirichlet(np.ones(4), size=n)
    raw = rng.normal(size=loss.raw_score_shape(y))
    weight = rng.uniform(0.5, 2.0, size=n)
    gradient, hessian = loss.gradient_hessian(y, raw, weight)
    expected_gradient, expected_hessian = np.empty_like(raw), np.empty_like(raw)
    loss._gradient_hessian(loss.check_target(y), raw, expected_gradient, expected_hessian)
    shape = (-1, 1) if raw.ndim == 2 else (-1,)
    np.testing.assert_array_equal(gradient, expected_gradient * weight.reshape(shape))
    np.testing.assert_array_equal(hessian, expected_hessian * weight.reshape(shape))


def test_conformal_quantile_ranks_and_guarantee():
    from boostobj._numerics import conformal_quantile
    scores = np.arange(1.0, 11.0)
    # n = 10: ceil(0.9 * 11) = 10th, ceil(0.95 * 11) = 11 > n, floor(0.1 * 11) = 1st
    assert conformal_quantile(scores, None, 0.9) == 10.0
    assert conformal_quantile(scores, None, 0.95) == np.inf
    assert conformal_quantile(scores, None, 0.1) == 1.0
    assert conformal_quantile(scores, None, 0.05) == -np.inf
    for level in (0.05, 0.1, 0.5, 0.9, 0.95):  # unit weights: the same ranks
        assert conformal_quantile(scores, np.full(10, 2.0), level) == \
            conformal_quantile(scores, None, level)
    # exchangeable scores: P(new <= upper) >= level, P(new < lower) <= level, both tight
    rng = np.random.default_rng(0)
    calibration, new = rng.standard_normal((40000, 19)), rng.standard_normal(40000)
    upper = conformal_quantile(calibration, None, 0.9)  # 18th of 19: P = 18/20
    lower = conformal_quantile(calibration, None, 0.1)  # 2nd of 19: P = 2/20
    assert abs(np.mean(new <= upper) - 0.9) < 0.006
    assert abs(np.mean(new < lower) - 0.1) < 0.006


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_quantiles_over_workers_equal_one_process(weighted, alpha, rng):
    """The radix selection over all-reduced histograms picks exactly weighted_quantile's
    value per group: ties, zero weights, negative values, -0.0 and 0.0, an empty worker."""
    n = 600
    values = np.round(rng.standard_t(2, size=n) * 3, 1)  # many ties
    values[:5] = [-0.0, 0.0, -1e300, 1e-300, 5e-324]
    weights = rng.uniform(0, 2, size=n) if weighted else None
    if weighted:
        weights[::7] = 0.0
    groups = rng.integers(0, 5, size=n)
    groups[groups == 4] = 3  # group 4 empty
    parts = [np.arange(0, 100), np.arange(0), np.arange(100, n)]
    workers = boostobj.testing.SimulatedWorkers(3)

    def statistics(values, weights, groups):
        return (nm.weighted_quantile(values, weights, alpha),
                nm.grouped_quantile(values, weights, groups, 5, alpha))

    expected = (nm.weighted_quantile(values, weights, alpha),
                nm.grouped_quantile(values, weights, groups, 5, alpha))
    for single, grouped in workers.run(statistics, [
            (values[rows], None if weights is None else weights[rows], groups[rows])
            for rows in parts]):
        assert single == expected[0]
        np.testing.assert_array_equal(grouped, expected[1])


def test_sums_over_workers_and_gathered_rows(rng):
    workers = boostobj.testing.SimulatedWorkers(2)
    parts = [(np.array([1.0, 2.0]), np.array([1.0, 3.0])), (np.array([4.0]), np.array([2.0]))]
    results = workers.run(lambda v, w: (nm.weighted_mean(v, w), nm.total(v), nm.all_rows(v),
                                        nm.robust_scale(v, w)), parts)
    for mean, summed, rows, scale in results:
        assert mean == pytest.approx((1 + 6 + 8) / 6)
        assert summed == 7.0
        np.testing.assert_array_equal(rows, [1.0, 2.0, 4.0])
        assert scale == nm.robust_scale(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 2.0]))
