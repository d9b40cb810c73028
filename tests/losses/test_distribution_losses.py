"""The distribution losses against scipy.stats: the loss is the negative log-density, the
CRPS its integral, the start the maximum-likelihood fit, the hessian the Fisher information."""

import numpy as np
import pytest
from scipy import integrate, special, stats

from boostobj import get_loss
from boostobj.losses import DistributionLoss
from boostobj.losses.distributions import (
    _SERIES_FROM,
    LOG_PARAMETER_BOUND,
    _dispersion_fisher,
    _trigamma_excess,
)
from boostobj.testing import check_loss

SPECS = ["normal", "student_t", "student_t:df=7.5", "lognormal", "gamma_distribution",
         "negative_binomial"]


def sample(loss, n, rng):
    y = loss.target_domain.sample(rng, n)
    start = loss.init_score(y)
    return y, start + rng.normal(scale=0.4, size=(n, len(loss.outputs)))


@pytest.mark.parametrize("spec", SPECS)
def test_the_loss_is_the_negative_log_density_of_its_scipy_distribution(spec, rng):
    loss = get_loss(spec)
    assert isinstance(loss, DistributionLoss)
    y, raw = sample(loss, 200, rng)
    distribution = loss.distribution(raw)
    log_density = (distribution.logpmf(y) if spec == "negative_binomial"
                   else distribution.logpdf(y))
    np.testing.assert_allclose(loss.loss(y, raw), -log_density, rtol=1e-10, atol=1e-10)
    mean = distribution.mean()
    np.testing.assert_allclose(loss.predict(raw), mean, rtol=1e-10)
    quantiles = loss.quantiles(raw, [0.05, 0.5, 0.95])
    np.testing.assert_allclose(quantiles[:, 1], distribution.ppf(0.5), rtol=1e-12)
    assert np.all(np.diff(quantiles, axis=1) >= 0)


@pytest.mark.parametrize("spec", ["normal", "student_t", "lognormal", "gamma_distribution"])
def test_crps_closed_form_is_the_integral_of_the_squared_cdf_difference(spec, rng):
    loss = get_loss(spec)
    y, raw = sample(loss, 4, rng)
    closed = loss.crps(y, raw)
    for i in range(len(y)):
        row = loss.distribution(raw[i:i + 1])
        low, high = row.ppf(1e-12)[0], row.ppf(1 - 1e-12)[0]
        numeric = integrate.quad(lambda x, row=row, target=y[i]: (row.cdf(x)[0]
                                                                  - (x >= target)) ** 2,
                                 min(low, y[i]), max(high, y[i]), points=[y[i]], limit=200)[0]
        assert closed[i] == pytest.approx(numeric, rel=1e-6)


def test_negative_binomial_has_no_crps_and_says_so(rng):
    loss = get_loss("negative_binomial")
    y, raw = sample(loss, 5, rng)
    with pytest.raises(ValueError, match="negative_binomial: the CRPS has no closed form"):
        loss.crps(y, raw)


def test_the_start_is_scipys_maximum_likelihood_fit(rng):
    y = rng.gamma(2.5, 3.0, size=3000)
    np.testing.assert_allclose(get_loss("normal").init_score(y),
                               [y.mean(), np.log(y.std())], rtol=1e-9)
    log_y = np.log(y)
    np.testing.assert_allclose(get_loss("lognormal").init_score(y),
                               [log_y.mean(), np.log(log_y.std())], rtol=1e-9)
    shape, _, scale = stats.gamma.fit(y, floc=0, method="MLE")
    np.testing.assert_allclose(get_loss("gamma_distribution").init_score(y),
                               [np.log(shape * scale), np.log(shape)], rtol=1e-5)
    df, loc, scale = stats.t.fit(y, fix_df=3.0)
    np.testing.assert_allclose(get_loss("student_t").init_score(y), [loc, np.log(scale)],
                               rtol=1e-5)


def test_negative_binomial_start_without_overdispersion_is_the_poisson_limit():
    y = np.array([2.0, 3.0, 2.0, 3.0, 2.0, 3.0])  # variance below the mean
    start = get_loss("negative_binomial").init_score(y)
    assert start[0] == pytest.approx(np.log(2.5))
    assert start[1] == -LOG_PARAMETER_BOUND


@pytest.mark.parametrize("mean", [0.1, 1.0, 3.0, 30.0, 300.0])
@pytest.mark.parametrize("size", [0.1, 1.0, 5.0, 20.0, 100.0, 999.0, 1000.0, 3000.0])
def test_negative_binomial_dispersion_fisher_information_is_the_full_series(mean, size):
    # r²[Σ_j P(y > j)/(r + j)² - μ/(r(r + μ))] summed far into the tail by scipy's sf
    j = np.arange(int(mean * 50 + 20000))
    sf = stats.nbinom.sf(j, size, size / (size + mean))
    exact = size**2 * (np.sum(sf / (size + j) ** 2) - mean / (size * (size + mean)))
    found = _dispersion_fisher(np.array([mean]), np.array([size]))[0]
    # the series in float64 loses digits towards the Poisson limit: compare there with
    # the limit's own error (0.1% from r = 1000 on, and the reference's at r = 3000)
    tolerance = 1e-6 if size < 100 else 5e-3
    assert found == pytest.approx(exact, rel=tolerance)


def test_gamma_shape_curvature_is_continuous_where_the_series_takes_over():
    below = np.nextafter(_SERIES_FROM, 0.0)
    direct = below**2 * special.polygamma(1, below) - below
    assert _trigamma_excess(np.array([_SERIES_FROM]))[0] == pytest.approx(direct, rel=1e-12)


class DoubledFisher(type(get_loss("normal"))):
    """A normal loss whose hessian is twice the Fisher information."""

    name = "doubled_fisher"

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        super()._gradient_hessian(y, raw_score, gradient, hessian)
        hessian *= 2.0


def test_check_loss_catches_a_hessian_that_is_not_the_fisher_information():
    with pytest.raises(AssertionError, match="Fisher information"):
        check_loss(DoubledFisher(), checks=["derivatives"])


@pytest.mark.parametrize("spec", ["lognormal", "gamma_distribution"])
def test_positive_distributions_refuse_non_positive_targets_by_name(spec):
    loss = get_loss(spec)
    with pytest.raises(ValueError, match=f"{spec}: y must be > 0, got 0.0 at index 1"):
        loss.init_score([1.0, 0.0, 2.0])


def test_wrong_number_of_raw_scores_is_refused_by_name():
    loss = get_loss("gamma_distribution")
    with pytest.raises(ValueError, match=r"gamma_distribution: 2 raw scores per row, one per "
                                         r"parameter \('log_mean', 'log_shape'\), got 3"):
        loss.loss([1.0, 2.0], np.zeros((2, 3)))


@pytest.mark.parametrize("function, direct", [
    ("_log_gamma_remainder",
     lambda x: special.gammaln(x) - (x - 0.5) * np.log(x) + x - 0.5 * np.log(2 * np.pi)),
    ("_digamma_minus_log", lambda x: special.digamma(x) - np.log(x)),
])
def test_the_series_take_over_where_the_direct_forms_agree(function, direct):
    from boostobj.losses import distributions

    x = np.nextafter(_SERIES_FROM, 0.0)
    series = getattr(distributions, function)(np.array([_SERIES_FROM]))[0]
    assert series == pytest.approx(direct(x), rel=1e-11, abs=1e-15)


def test_negative_binomial_at_the_poisson_limit_is_the_poisson_loss():
    loss = get_loss("negative_binomial")
    y = np.array([0.0, 1.0, 2.0, 7.0, 30.0])
    raw = np.column_stack([np.log([0.5, 1.0, 3.0, 6.0, 25.0]), np.full(5, -LOG_PARAMETER_BOUND)])
    poisson = stats.poisson.logpmf(y, np.exp(raw[:, 0]))
    np.testing.assert_allclose(loss.loss(y, raw), -poisson, rtol=1e-12)
    gradient, _ = loss.gradient_hessian(y, raw)
    np.testing.assert_allclose(gradient[:, 0], np.exp(raw[:, 0]) - y, rtol=1e-12)
    assert np.all(np.abs(gradient[:, 1]) < 1e-12)
