"""Predictive distributions: losses of K raw scores per row, one per parameter of a
distribution, whose loss is the negative log-likelihood of the target.

Notation: f_k the K raw scores of a row (``outputs`` names them), y the target, w the sample
weight. Each parameter has its natural link: a location is the raw score itself, a scale, a
shape, a mean of a positive target or a dispersion is the exponent of one (its log).

The hessian given to the booster is the Fisher information (the expected second derivative)
of each raw score, not the observed one: the observed hessian of the log-scale is negative
wherever a row sits close to the location, while the Fisher information is positive and
depends on the parameters alone. A booster's Newton leaf value -Σg / Σh with h the Fisher
information is then Fisher scoring (a natural-gradient step) for that leaf's constant. In
the parametrisations here the Fisher matrix is diagonal (location and scale, mean and shape,
mean and dispersion are orthogonal parameters), so the boosters' diagonal step is the full
natural-gradient step. The negative binomial's Fisher information of its dispersion has no
closed form: it is summed as a series (see ``NegativeBinomial``).

Log-parameters are clipped to ±``LOG_PARAMETER_BOUND`` (e^40 ≈ 2.4e17), and standardised
residuals to ±1e100: beyond them the loss is flat and the gradient is the bound's, so scores
up to ±1e6 still give finite values and a curvature 1/σ² that float32 (the boosters'
gradient type) can hold.

The start is the maximum-likelihood fit of one distribution to all the targets (weighted,
over every worker's rows): moments first, then Fisher scoring with halving steps.

The boosters get each output's gradient and Fisher information times a constant unit, 1 /
its mean Fisher information at the first round (``curvature_units``): the leaf values are
unchanged, and the boosters' limits on a leaf's hessian read in rows, at any target scale.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .._numerics import safe_exp, weighted_mean, weighted_quantile
from ._base import MultiOutputLoss, check_number, minimize_constant_vector
from .domains import POSITIVE, Interval

__all__ = ["DISTRIBUTION_LOSSES", "DistributionLoss", "Gamma", "LOG_PARAMETER_BOUND",
           "LogNormal", "NegativeBinomial", "Normal", "StudentT"]

LOG_PARAMETER_BOUND = 40.0
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)
# Standardised residuals (y - μ)/σ are clipped here, so that z² and z/σ stay finite for
# locations anywhere in the float64 range (a real fit is nowhere near it).
_MAX_STANDARDISED = 1e100
# From this shape (gamma) or size r (negative binomial) on, the curvature terms k²ψ'(k) - k
# and the log-gamma remainder come from their asymptotic series: the direct forms cancel
# (k²ψ'(k) - k = ½ + 1/(6k) - ...), and at k = 20 the next term is below 1e-13.
_SERIES_FROM = 20.0


class OverdispersedCounts(Interval):
    """Counts y >= 0 (any number >= 0 is accepted); samples are overdispersed, for checks."""

    def sample(self, rng, n):
        """Negative-binomial counts (mean 3, variance 7.5), for the property checks."""
        return rng.negative_binomial(2.0, 0.4, size=n).astype(np.float64)


COUNTS = OverdispersedCounts(0.0, np.inf, low_inclusive=True)


def _clip_log(values):
    return np.clip(values, -LOG_PARAMETER_BOUND, LOG_PARAMETER_BOUND)


def _by_series_from(x, series, direct):
    """``series(x)`` where x >= ``_SERIES_FROM`` (an asymptotic series), ``direct(x)`` below."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    large = x >= _SERIES_FROM
    out[large] = series(x[large])
    out[~large] = direct(x[~large])
    return out


def _log_gamma_remainder(k):
    """log Γ(k) - (k - ½) log k + k - ½ log 2π (Stirling's remainder), without cancellation."""
    return _by_series_from(
        k, lambda k: (1.0 / (12.0 * k) - 1.0 / (360.0 * k**3) + 1.0 / (1260.0 * k**5)
                      - 1.0 / (1680.0 * k**7)),
        lambda k: special.gammaln(k) - (k - 0.5) * np.log(k) + k - _HALF_LOG_2PI)


def _digamma_minus_log(x):
    """ψ(x) - log x (-> -1/(2x)), without the cancellation of two large terms."""
    return _by_series_from(
        x, lambda x: (-0.5 / x - 1.0 / (12.0 * x**2) + 1.0 / (120.0 * x**4)
                      - 1.0 / (252.0 * x**6) + 1.0 / (240.0 * x**8)),
        lambda x: special.digamma(x) - np.log(x))


def _trigamma_excess(k):
    """k²ψ'(k) - k, the Fisher information of log k in a gamma shape k (> 0, -> ½)."""
    return _by_series_from(
        k, lambda k: (0.5 + 1.0 / (6.0 * k) - 1.0 / (30.0 * k**3) + 1.0 / (42.0 * k**5)
                      - 1.0 / (30.0 * k**7) + 5.0 / (66.0 * k**9)),
        lambda k: k * k * special.polygamma(1, k) - k)


class DistributionLoss(MultiOutputLoss):
    """The negative log-likelihood of a distribution with K parameters, one raw score each.

    Subclasses set ``outputs`` (the raw scores' names, in order) and implement ``_loss``,
    ``_gradient_hessian`` (the hessian: the Fisher information), ``parameters_of`` (the
    natural parameters), ``distribution`` (a scipy.stats frozen distribution),
    ``_moments_start`` and, where it has a closed form, ``_crps``.

    The booster's models keep the raw scores: a saved model predicts them, (n, K), with the
    booster alone; ``predict`` here is the distribution's mean.
    """

    outputs: tuple = ()
    exact_hessian = False  # the Fisher information, not the observed second derivative

    def n_classes_of(self, y):
        """K: one raw score per parameter (``outputs``), the booster's ``num_class``."""
        return len(self.outputs)

    def check_n_classes(self, y, n_classes):
        """``ValueError`` unless there is one raw score per parameter."""
        if n_classes != len(self.outputs):
            raise ValueError(f"{self.name}: {len(self.outputs)} raw scores per row, one per "
                             f"parameter {self.outputs}, got {n_classes}.")

    def curvature_units(self, y, raw_score, sample_weight=None):
        """Per output, 1 / the weighted mean Fisher information at ``raw_score`` (over every
        worker's rows): what the boosters' gradients and hessians are multiplied by.

        The Fisher information of a location is 1/σ², in the target's units: on prices in
        thousands it is 1e-7 a row, and XGBoost's ``min_child_weight=1`` (LightGBM's
        ``min_sum_hessian_in_leaf=1e-3``) would forbid every split. A constant per output
        leaves every Newton leaf value -ΣG/ΣH unchanged and puts the hessians near 1 a
        row, so those limits and the L2 penalty λ read as they do for squared error on
        standardised targets. The adapters fix the units at a fit's first round (the
        start, for a new model), so they are the same every round and on every worker.
        """
        raw_score = np.asarray(raw_score, dtype=np.float64)
        gradient, hessian = np.empty_like(raw_score), np.empty_like(raw_score)
        self._gradient_hessian(y, raw_score, gradient, hessian)
        mean = np.asarray(weighted_mean(hessian, sample_weight), dtype=np.float64)
        return 1.0 / np.maximum(mean, 1e-300)

    def parameters_of(self, raw_score):
        """The distribution's parameters of raw scores (n, K): a dict of (n,) arrays."""
        raise NotImplementedError

    def distribution(self, raw_score):
        """A scipy.stats frozen distribution with one member per row of ``raw_score``."""
        raise NotImplementedError

    def predict(self, raw_score):
        """The mean of each row's distribution, (n,)."""
        raise NotImplementedError

    def quantiles(self, raw_score, levels):
        """The quantiles at ``levels`` of each row's distribution: (n, len(levels)),
        non-decreasing along each row (the inverse CDF)."""
        raw_score = np.asarray(raw_score, dtype=np.float64)
        levels = np.asarray(levels, dtype=np.float64)
        distribution = self.distribution(raw_score)
        return np.column_stack([distribution.ppf(level) for level in levels])

    @property
    def crps_closed_form(self):
        """Whether ``crps`` has a closed form for this distribution (``_crps`` is its own)."""
        return type(self)._crps is not DistributionLoss._crps

    def crps(self, y, raw_score, sample_weight=None):
        """Per-row continuous ranked probability score, ∫ (F(x) - 1{x >= y})² dx, times
        ``sample_weight`` when given (closed forms: Gneiting & Raftery 2007)."""
        y, raw_score, sample_weight = self.check_inputs(y, raw_score, sample_weight)
        values = self._crps(y, raw_score)
        return values if sample_weight is None else values * sample_weight

    def _crps(self, y, raw_score):
        raise ValueError(f"{self.name}: the CRPS has no closed form here.")

    def _init_score(self, y, sample_weight, n_classes):
        return self._maximum_likelihood(y, sample_weight, self._moments_start(y, sample_weight))

    def _maximum_likelihood(self, y, sample_weight, start):
        """argmin over constant vectors of the summed loss from ``start`` (over every
        worker's rows), log-parameters clipped to the bound."""
        c = minimize_constant_vector(self, y, sample_weight, start, over_workers=True)
        log_outputs = self._log_outputs()
        c[log_outputs] = _clip_log(c[log_outputs])
        return c

    def _log_outputs(self):
        """Which outputs are logs of a parameter (clipped to ±``LOG_PARAMETER_BOUND``)."""
        return np.array([name.startswith("log_") for name in self.outputs])


class Normal(DistributionLoss):
    """The Gaussian: raw scores (μ, log σ).

    loss = log σ + ½ z² + ½ log 2π, z = (y - μ)/σ;  g_μ = -z/σ, g_logσ = 1 - z².
    Fisher information (the hessian): 1/σ² for μ, 2 for log σ; diagonal.
    Start: the weighted mean and the log of the weighted standard deviation (÷ Σw).
    CRPS: σ[z(2Φ(z) - 1) + 2φ(z) - 1/√π].
    """

    name = "normal"
    aliases = ("gaussian",)
    outputs = ("loc", "log_scale")

    def _standardised(self, y, raw_score):
        log_scale = _clip_log(raw_score[:, 1])
        inverse_scale = np.exp(-log_scale)
        z = np.clip((y - raw_score[:, 0]) * inverse_scale, -_MAX_STANDARDISED, _MAX_STANDARDISED)
        return z, log_scale, inverse_scale

    def _loss(self, y, raw_score):
        z, log_scale, _ = self._standardised(y, raw_score)
        return log_scale + 0.5 * z * z + _HALF_LOG_2PI

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        z, _, inverse_scale = self._standardised(y, raw_score)
        gradient[:, 0] = -z * inverse_scale
        gradient[:, 1] = 1.0 - z * z
        hessian[:, 0] = inverse_scale * inverse_scale
        hessian[:, 1] = 2.0

    def _moments_start(self, y, sample_weight):
        mean = weighted_mean(y, sample_weight)
        variance = weighted_mean((y - mean) ** 2, sample_weight)
        return [mean, 0.5 * np.log(max(variance, 1e-300))]

    def parameters_of(self, raw_score):
        """{"loc": μ, "scale": σ}."""
        raw_score = np.asarray(raw_score, dtype=np.float64)
        return {"loc": raw_score[..., 0], "scale": np.exp(_clip_log(raw_score[..., 1]))}

    def distribution(self, raw_score):
        """``scipy.stats.norm(loc=μ, scale=σ)``."""
        return stats.norm(**self.parameters_of(raw_score))

    def predict(self, raw_score):
        """The mean μ."""
        return np.array(np.asarray(raw_score, dtype=np.float64)[:, 0])

    def _crps(self, y, raw_score):
        z, log_scale, _ = self._standardised(y, raw_score)
        return np.exp(log_scale) * (z * (2.0 * special.ndtr(z) - 1.0)
                                    + 2.0 * np.exp(-0.5 * z * z - _HALF_LOG_2PI)
                                    - 1.0 / np.sqrt(np.pi))


class StudentT(Normal):
    """Student's t with ``df`` ν degrees of freedom (fixed): raw scores (μ, log σ).

    loss = log σ + ((ν+1)/2) log(1 + z²/ν) + log Γ(ν/2) - log Γ((ν+1)/2) + ½ log νπ;
    g_μ = -(ν+1) z / ((ν + z²) σ), g_logσ = 1 - (ν+1) z² / (ν + z²).
    Fisher information: (ν+1) / ((ν+3) σ²) for μ, 2ν / (ν+3) for log σ; diagonal.
    Start: maximum likelihood from the weighted median and 1.4826 x the weighted MAD.
    The mean is μ for ν > 1 (``predict``; the median otherwise). CRPS for ν > 1.
    """

    name = "student_t"
    aliases = ("t",)
    parameters = ("df",)

    def __init__(self, *, df=3.0):
        super().__init__()
        self.df = check_number(self.name, "df", df, low=0.0)

    def _loss(self, y, raw_score):
        z, log_scale, _ = self._standardised(y, raw_score)
        nu = self.df
        constant = (special.gammaln(nu / 2) - special.gammaln((nu + 1) / 2)
                    + 0.5 * np.log(nu * np.pi))
        return log_scale + 0.5 * (nu + 1) * np.log1p(z * z / nu) + constant

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        z, _, inverse_scale = self._standardised(y, raw_score)
        nu = self.df
        share = (nu + 1) / (nu + z * z)
        gradient[:, 0] = -share * z * inverse_scale
        gradient[:, 1] = 1.0 - share * z * z
        hessian[:, 0] = (nu + 1) / (nu + 3) * inverse_scale * inverse_scale
        hessian[:, 1] = 2.0 * nu / (nu + 3)

    def _moments_start(self, y, sample_weight):
        median = weighted_quantile(y, sample_weight, 0.5)
        spread = 1.4826 * weighted_quantile(np.abs(y - median), sample_weight, 0.5)
        if not spread > 0:
            spread = np.sqrt(weighted_mean((y - median) ** 2, sample_weight)) or 1.0
        return [median, np.log(spread)]

    def parameters_of(self, raw_score):
        """{"df": ν, "loc": μ, "scale": σ}."""
        return {"df": self.df, **super().parameters_of(raw_score)}

    def distribution(self, raw_score):
        """``scipy.stats.t(df=ν, loc=μ, scale=σ)``."""
        return stats.t(**self.parameters_of(raw_score))

    def _crps(self, y, raw_score):
        nu = self.df
        if nu <= 1:
            raise ValueError(f"{self.name}: the CRPS needs df > 1 (a finite mean), got "
                             f"df == {nu!r}.")
        z, log_scale, _ = self._standardised(y, raw_score)
        density = stats.t.pdf(z, nu)
        cdf = stats.t.cdf(z, nu)
        constant = (2.0 * np.sqrt(nu) * np.exp(special.betaln(0.5, nu - 0.5)
                                               - 2.0 * special.betaln(0.5, nu / 2))
                    / (nu - 1))
        return np.exp(log_scale) * (z * (2.0 * cdf - 1.0)
                                    + 2.0 * density * (nu + z * z) / (nu - 1) - constant)


class LogNormal(Normal):
    """The log-normal: log y is Gaussian with raw scores (μ, log σ); y > 0.

    loss = the ``normal`` loss of log y, plus log y (the Jacobian); gradients and Fisher
    information as ``normal``'s on log y. Start: the normal's on log y. Mean: e^(μ + σ²/2).
    CRPS: y(2Φ(z) - 1) - 2e^(μ + σ²/2)[Φ(z - σ) + Φ(σ/√2) - 1], z = (log y - μ)/σ.
    """

    name = "lognormal"
    aliases = ("log_normal",)
    target_domain = POSITIVE

    def _loss(self, y, raw_score):
        log_y = np.log(y)
        return super()._loss(log_y, raw_score) + log_y

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        super()._gradient_hessian(np.log(y), raw_score, gradient, hessian)

    def _moments_start(self, y, sample_weight):
        return super()._moments_start(np.log(y), sample_weight)

    def parameters_of(self, raw_score):
        """{"s": σ, "scale": e^μ} (scipy's names)."""
        raw_score = np.asarray(raw_score, dtype=np.float64)
        return {"s": np.exp(_clip_log(raw_score[..., 1])),
                "scale": safe_exp(raw_score[..., 0])}

    def distribution(self, raw_score):
        """``scipy.stats.lognorm(s=σ, scale=e^μ)``."""
        return stats.lognorm(**self.parameters_of(raw_score))

    def predict(self, raw_score):
        """The mean e^(μ + σ²/2)."""
        raw_score = np.asarray(raw_score, dtype=np.float64)
        scale = np.exp(_clip_log(raw_score[:, 1]))
        return safe_exp(raw_score[:, 0] + 0.5 * scale * scale)

    def _crps(self, y, raw_score):
        z, log_scale, _ = self._standardised(np.log(y), raw_score)
        scale = np.exp(log_scale)
        mean = safe_exp(raw_score[:, 0] + 0.5 * scale * scale)
        return (y * (2.0 * special.ndtr(z) - 1.0)
                - 2.0 * mean * (special.ndtr(z - scale) + special.ndtr(scale / np.sqrt(2.0))
                                - 1.0))


class Gamma(DistributionLoss):
    """The gamma distribution with mean m and shape k: raw scores (log m, log k); y > 0.

    loss = log Γ(k) - k log k + k log m - (k - 1) log y + k y / m;
    g_logm = k (1 - y/m), g_logk = k (ψ(k) - log k - 1 + log m - log y + y/m).
    Fisher information: k for log m, k²ψ'(k) - k for log k; diagonal (mean and shape are
    orthogonal). Start: maximum likelihood (the weighted mean; the shape from Minka's
    approximation, then Fisher scoring). The boosters' ``reg:gamma`` / ``gamma`` fit the
    mean alone with the shape fixed. CRPS (scale θ = m/k, F_a the gamma CDF of shape a):
    y(2F_k(y/θ) - 1) - m(2F_{k+1}(y/θ) - 1) - θ / B(½, k).
    """

    name = "gamma_distribution"
    outputs = ("log_mean", "log_shape")
    target_domain = POSITIVE

    def _parts(self, y, raw_score):
        log_mean = _clip_log(raw_score[:, 0])
        shape = np.exp(_clip_log(raw_score[:, 1]))
        ratio = y * np.exp(-log_mean)
        return log_mean, shape, ratio

    def _loss(self, y, raw_score):
        log_mean, shape, ratio = self._parts(y, raw_score)
        log_ratio = np.log(y) - log_mean
        # log Γ(k) - k log k + k(log m - log y + y/m) + log y, with log Γ(k) - k log k
        # written through Stirling's remainder so that no large terms cancel.
        return (_log_gamma_remainder(shape) - 0.5 * np.log(shape) + _HALF_LOG_2PI
                + shape * (ratio - 1.0 - log_ratio) + np.log(y))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        log_mean, shape, ratio = self._parts(y, raw_score)
        gradient[:, 0] = shape * (1.0 - ratio)
        gradient[:, 1] = shape * (_digamma_minus_log(shape) + ratio - 1.0
                                  - (np.log(y) - log_mean))
        hessian[:, 0] = shape
        hessian[:, 1] = _trigamma_excess(shape)

    def _moments_start(self, y, sample_weight):
        mean = weighted_mean(y, sample_weight)
        spread = np.log(mean) - weighted_mean(np.log(y), sample_weight)
        if not spread > 1e-12:  # all targets equal: the shape runs to its bound
            return [np.log(mean), LOG_PARAMETER_BOUND]
        shape = (3.0 - spread + np.sqrt((spread - 3.0) ** 2 + 24.0 * spread)) / (12.0 * spread)
        return [np.log(mean), np.log(shape)]

    def parameters_of(self, raw_score):
        """{"a": k, "scale": m / k} (scipy's names)."""
        raw_score = np.asarray(raw_score, dtype=np.float64)
        shape = np.exp(_clip_log(raw_score[..., 1]))
        return {"a": shape, "scale": np.exp(_clip_log(raw_score[..., 0])) / shape}

    def distribution(self, raw_score):
        """``scipy.stats.gamma(a=k, scale=m/k)``."""
        return stats.gamma(**self.parameters_of(raw_score))

    def predict(self, raw_score):
        """The mean m."""
        return np.exp(_clip_log(np.asarray(raw_score, dtype=np.float64)[:, 0]))

    def _crps(self, y, raw_score):
        log_mean, shape, ratio = self._parts(y, raw_score)
        mean = np.exp(log_mean)
        x = ratio * shape  # y / θ
        return (y * (2.0 * special.gammainc(shape, x) - 1.0)
                - mean * (2.0 * special.gammainc(shape + 1.0, x) - 1.0)
                - mean / shape * np.exp(-special.betaln(0.5, shape)))


class NegativeBinomial(DistributionLoss):
    """The negative binomial with mean μ and dispersion α (variance μ + αμ²): raw scores
    (log μ, log α); counts y >= 0. With r = 1/α:

    loss = -log Γ(y + r) + log Γ(r) + log Γ(y + 1) + r log(1 + αμ) - y log(αμ / (1 + αμ));
    g_logμ = (μ - y) / (1 + αμ),
    g_logα = r[ψ(y + r) - ψ(r) - log(1 + αμ) + (μ - y)/(r + μ)].
    Hessian: the Fisher information, μ / (1 + αμ) for log μ and, for log α,
    r²[ψ'(r) - E ψ'(y + r) - μ/(r(r + μ))], whose expectation over the counts is summed as a
    series (``_dispersion_fisher``; ½(μ/(r + μ))² near the Poisson limit). The two are
    orthogonal: the Fisher matrix is diagonal. Start: maximum likelihood (the weighted
    mean; the dispersion from the moments, then Fisher scoring). Without overdispersion α
    runs to e^-40, the Poisson limit. No closed-form CRPS (counts).
    """

    name = "negative_binomial"
    aliases = ("negbin",)
    outputs = ("log_mean", "log_dispersion")
    target_domain = COUNTS

    def _parts(self, y, raw_score):
        mean = np.exp(_clip_log(raw_score[:, 0]))
        dispersion = np.exp(_clip_log(raw_score[:, 1]))
        return mean, dispersion, 1.0 / dispersion

    def _loss(self, y, raw_score):
        mean, _, size = self._parts(y, raw_score)
        # log Γ(y + r) - log Γ(r) through Stirling's remainders R: no terms of size r log r
        # cancel, so the loss stays exact up to the Poisson limit (r = e^40).
        return (-(size + y - 0.5) * np.log1p(y / size) + y
                - (_log_gamma_remainder(y + size) - _log_gamma_remainder(size))
                + special.gammaln(y + 1.0) + (size + y) * np.log1p(mean / size)
                - y * np.log(mean))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        mean, dispersion, size = self._parts(y, raw_score)
        gradient[:, 0] = (mean - y) / (1.0 + dispersion * mean)
        # ψ(y + r) - ψ(r) as log1p(y/r) plus the small remainders ψ(x) - log x
        gradient[:, 1] = size * (np.log1p(y / size) - np.log1p(mean / size)
                                 + _digamma_minus_log(y + size) - _digamma_minus_log(size)
                                 + (mean - y) / (size + mean))
        hessian[:, 0] = mean / (1.0 + dispersion * mean)
        hessian[:, 1] = _dispersion_fisher(mean, size)

    def _moments_start(self, y, sample_weight):
        mean = weighted_mean(y, sample_weight)
        variance = weighted_mean((y - mean) ** 2, sample_weight)
        if not mean > 0:
            return [-LOG_PARAMETER_BOUND, 0.0]
        excess = (variance - mean) / (mean * mean)
        return [np.log(mean), np.log(excess) if excess > 0 else -LOG_PARAMETER_BOUND]

    def parameters_of(self, raw_score):
        """{"n": r, "p": r / (r + μ)} (scipy's names)."""
        raw_score = np.asarray(raw_score, dtype=np.float64)
        mean = np.exp(_clip_log(raw_score[..., 0]))
        dispersion = np.exp(_clip_log(raw_score[..., 1]))
        return {"n": 1.0 / dispersion, "p": 1.0 / (1.0 + dispersion * mean)}

    def distribution(self, raw_score):
        """``scipy.stats.nbinom(n=r, p=r / (r + μ))``."""
        return stats.nbinom(**self.parameters_of(raw_score))

    def predict(self, raw_score):
        """The mean μ."""
        return np.exp(_clip_log(np.asarray(raw_score, dtype=np.float64)[:, 0]))


# The negative binomial's Fisher information of log α: by its series below this size r,
# by the series' limit ½(μ/(r + μ))² from it on (within 0.1% there; the series itself loses
# digits to cancellation beyond r ~ 1e4).
_NEAR_POISSON_SIZE = 1000.0
# Terms of that series per row at most; the rest is bounded above (P(y > J) / (r + J)).
_MAX_SERIES_TERMS = 2000


def _dispersion_fisher(mean, size):
    """The Fisher information of log α in a negative binomial of mean μ and size r = 1/α:

        r² I_rr,  I_rr = ψ'(r) - E ψ'(y + r) - μ / (r(r + μ))
                       = Σ_j P(y > j) / (r + j)² - μ / (r(r + μ)),

    using ψ'(r) - ψ'(r + y) = Σ_{j<y} 1/(r + j)². The survival terms come from the pmf's
    recurrence, each row until its remaining terms are below 1e-16 of the sum (at most
    ``_MAX_SERIES_TERMS``, the remainder bounded above). Near the Poisson limit
    (r >= ``_NEAR_POISSON_SIZE``) the series' limit ½(μ / (r + μ))².
    """
    out = np.empty_like(mean)
    share = mean / (size + mean)
    near_poisson = size >= _NEAR_POISSON_SIZE
    out[near_poisson] = 0.5 * share[near_poisson] ** 2
    rows = np.flatnonzero(~near_poisson)
    r, m, q = size[rows], mean[rows], share[rows]
    log_zero = -r * np.log1p(m / r)  # log P(y = 0)
    pmf = np.exp(log_zero)
    tail = -np.expm1(log_zero)  # P(y > 0)
    series = tail / (r * r)
    active = np.arange(rows.size)
    j = 0
    while active.size and j < _MAX_SERIES_TERMS:
        pmf[active] *= (j + r[active]) / (j + 1.0) * q[active]
        tail[active] = np.maximum(tail[active] - pmf[active], 0.0)
        j += 1
        series[active] += tail[active] / (r[active] + j) ** 2
        active = active[tail[active] / (r[active] + j) > 1e-16 * series[active]]
    series[active] += tail[active] / (r[active] + j)
    out[rows] = r * r * (series - m / (r * (r + m)))
    return np.maximum(out, 1e-300)


DISTRIBUTION_LOSSES = (Normal, StudentT, LogNormal, Gamma, NegativeBinomial)
