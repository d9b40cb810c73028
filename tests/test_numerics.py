import numpy as np
import pytest

import boostobj
import boostobj.testing
from boostobj import _numerics as nm


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
    y = boostobj.testing._sample_targets(loss, n, rng)
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
