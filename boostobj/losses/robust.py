"""Robust regression losses: bounded influence for targets with gross errors. Notation as in
``regression``: y target, f raw score, r = f - y, w sample weight.

Each has a scale (``delta``, ``c``, ``scale``, ``threshold``) that may be ``"auto"``: fixed
from the residuals every round by a robust scale estimate, so the model is the same at any
target scale. Each docstring gives the per-sample loss, its gradient g and hessian h with
respect to f, and the optimal constant start.
"""

from __future__ import annotations

import copy

import numpy as np

from .._numerics import (
    all_rows,
    log_cosh,
    over_workers,
    robust_scale,
    squared,
)
from ._base import (
    BaseLoss,
    check_number,
    check_scale,
    set_hessian_choice,
)
from .regression import RENEWAL_NOTE

__all__ = ["Cauchy", "Fair", "Huber", "LogCosh", "PseudoHuber", "ROBUST_LOSSES", "TruncatedSquared"]

_IRLS_NOTE = """
    ``hessian="irls"`` (the default) gives the booster the secant weight g / r instead of the
    exact hessian (``hessian="exact"``). Far beyond the scale the exact hessian vanishes faster
    than the gradient, so a Newton leaf step -Σg/Σh overshoots (by about |r|/scale) and the
    model can explode, above all in LightGBM, whose leaves have no L2 penalty by default (on
    diamonds prices with scale 500 it did). With the secant weight a leaf step is one IRLS
    step, a weighted mean of the leaf's residuals, which cannot overshoot.
"""


class _RobustLoss(BaseLoss):
    """A loss with one scale parameter (named by ``scale_parameter``) that may be ``"auto"``.

    ``"auto"`` takes the scale from the residuals r = f - y every time the loss is used:
    ``tuning_constant`` · σ̂(r), σ̂ the normalised MAD (``robust_scale``), so that each boosting
    round re-estimates it (as scikit-learn's gradient boosting re-estimates its Huber δ each
    stage). σ̂ is equivariant and ignores up to half the residuals being outliers, so
    multiplying y by c multiplies the scale, the init score and every leaf by c: the model
    is the same at any target scale. The tuning constants give 95% efficiency at normal
    noise (Holland & Welsch 1977): Huber 1.345, Fair 1.3998, Cauchy 2.3849.
    """

    scale_parameter = "delta"
    tuning_constant = 1.345
    renews_leaves = True

    def _set_scale(self, value):
        setattr(self, self.scale_parameter, check_scale(self.name, self.scale_parameter, value))

    def fix_scale(self, y, raw_score, sample_weight=None):
        if getattr(self, self.scale_parameter) != "auto":
            return self
        fixed = copy.copy(self)
        scale = self.tuning_constant * robust_scale(raw_score - y, sample_weight)
        setattr(fixed, self.scale_parameter, scale)
        return fixed


class Huber(_RobustLoss):
    __doc__ = """loss = ½ r² if |r| <= δ else δ(|r| - ½δ);  g = clip(r, -δ, δ);  start: M-estimate.

    The true hessian is 1 inside δ and 0 outside. Stand-in: the secant weight
    h = g / r = min(1, δ/|r|), the IRLS weight of the Huber M-estimator. A Newton leaf
    step with it is one IRLS step on the leaf's residuals, which never increases the loss
    (the quadratic with that curvature majorises Huber), whatever the target's scale; leaf
    renewal then takes each leaf to its exact Huber M-estimate.

    ``delta="auto"`` (the default): δ = 1.345 σ̂ of the current residuals (see
    ``_RobustLoss``). A number fixes δ in the target's units.
    """ + RENEWAL_NOTE

    name = "huber"
    builtin_twins = {"lightgbm": "huber†"}
    parameters = ("delta",)
    exact_hessian = False

    def __init__(self, *, delta="auto"):
        super().__init__()
        self._set_scale(delta)

    def _loss(self, y, raw_score):
        a = np.abs(raw_score - y)
        d = self.delta
        return np.where(a <= d, 0.5 * a * a, d * (a - 0.5 * d))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        d = self.delta
        np.subtract(raw_score, y, out=gradient)
        np.maximum(np.abs(gradient, out=hessian), d, out=hessian)
        np.divide(d, hessian, out=hessian)
        np.clip(gradient, -d, d, out=gradient)

    def _m_estimate_kernel(self):
        return ("huber", self.delta)


class PseudoHuber(_RobustLoss):
    __doc__ = """loss = δ²(√(1 + (r/δ)²) - 1);  g = r / √(1 + (r/δ)²);  h = (1 + (r/δ)²)^(-3/2).

    Start: M-estimate. Built-in twin: XGBoost ``reg:pseudohubererror`` with
    ``huber_slope = δ`` (same derivatives with ``hessian="exact"`` and a number δ).
    ``delta="auto"`` (the default): δ = 1.345 σ̂ of the current residuals.
    """ + _IRLS_NOTE + """    Here g / r = (1 + (r/δ)²)^(-1/2). With it the leaves are renewed.
    """

    name = "pseudo_huber"
    builtin_twins = {"xgboost": "reg:pseudohubererror"}
    parameters = ("delta", "hessian")

    def __init__(self, *, delta="auto", hessian="irls"):
        super().__init__()
        self._set_scale(delta)
        set_hessian_choice(self, hessian)
        self.renews_leaves = not self.exact_hessian

    def _loss(self, y, raw_score):
        a = np.abs(raw_score - y)
        z = a / self.delta
        # δ²(√(1+z²) - 1) = δ a · z / (√(1+z²) + 1): no cancellation for small z, and no
        # overflow of z² (√(1+z²) as hypot) for large ones, where the loss is about δ a.
        return self.delta * a * (z / (np.hypot(1.0, z) + 1.0))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        np.subtract(raw_score, y, out=gradient)  # r
        np.divide(gradient, self.delta, out=hessian)
        np.hypot(1.0, hessian, out=hessian)  # √(1 + (r/δ)²), without overflowing (r/δ)²
        np.reciprocal(hessian, out=hessian)  # (1 + (r/δ)²)^(-1/2)
        gradient *= hessian
        if self.exact_hessian:
            hessian *= hessian * hessian  # (np.power with exponent 3 is 5x slower)


class LogCosh(_RobustLoss):
    __doc__ = """loss = c² log cosh(r/c);  g = c tanh(r/c);  h = sech²(r/c);  start: M-estimate.

    Computed as |x| + log1p(e^(-2|x|)) - log 2, so it never overflows. The hessian vanishes
    for |r| >> c, so a start far from the data stalls (a known weakness of this loss).
    ``scale="auto"`` (the default): c = 1.345 σ̂ of the current residuals (ψ = c tanh(r/c)
    bends where Huber's does).
    """ + _IRLS_NOTE + """    Here g / r = tanh(r/c) / (r/c) (1 at r = 0). Leaves are renewed.
    """

    name = "log_cosh"
    parameters = ("scale", "hessian")
    scale_parameter = "scale"

    def __init__(self, *, scale="auto", hessian="irls"):
        super().__init__()
        self._set_scale(scale)
        set_hessian_choice(self, hessian)
        self.renews_leaves = not self.exact_hessian

    def _loss(self, y, raw_score):
        c = self.scale
        return c * c * log_cosh((raw_score - y) / c)

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        np.subtract(raw_score, y, out=gradient)
        gradient /= self.scale  # x = r/c
        if not self.exact_hessian:
            hessian[:] = gradient  # keep x for tanh(x)/x
        np.tanh(gradient, out=gradient)
        if self.exact_hessian:
            # sech² = 1 - tanh²: loses relative precision only where it is below ~1e-16.
            np.multiply(gradient, gradient, out=hessian)
            np.subtract(1.0, hessian, out=hessian)
        else:
            small = np.abs(hessian) < 1e-8
            np.divide(gradient, np.where(small, 1.0, hessian), out=hessian)
            hessian[small] = 1.0  # tanh(x)/x -> 1
        gradient *= self.scale


class Fair(_RobustLoss):
    __doc__ = """loss = c²(|r|/c - log(1 + |r|/c));  g = c r / (|r| + c);  h = c² / (|r| + c)².

    Start: M-estimate. Built-in twin: LightGBM ``fair`` with ``fair_c = c`` (same
    derivatives with ``hessian="exact"`` and a number c). ``c="auto"`` (the default):
    c = 1.3998 σ̂ of the current residuals.
    """ + _IRLS_NOTE + """    Here g / r = c / (|r| + c). With it the leaves are renewed.
    """

    name = "fair"
    builtin_twins = {"lightgbm": "fair"}
    parameters = ("c", "hessian")
    scale_parameter = "c"
    tuning_constant = 1.3998

    def __init__(self, *, c="auto", hessian="irls"):
        super().__init__()
        self._set_scale(c)
        set_hessian_choice(self, hessian)
        self.renews_leaves = not self.exact_hessian

    def _loss(self, y, raw_score):
        x = np.abs(raw_score - y) / self.c
        return squared(self.c) * (x - np.log1p(x))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        c = self.c
        np.subtract(raw_score, y, out=gradient)
        np.abs(gradient, out=hessian)
        hessian += c  # |r| + c
        gradient /= hessian
        gradient *= c
        np.divide(c, hessian, out=hessian)
        if self.exact_hessian:
            np.multiply(hessian, hessian, out=hessian)

    def _m_estimate_kernel(self):
        return ("fair_exact" if self.exact_hessian else "fair", self.c)


class Cauchy(_RobustLoss):
    __doc__ = """loss = ½ c² log(1 + (r/c)²);  g = r / (1 + (r/c)²);  start: M-estimate.

    Non-convex: the true hessian (1 - (r/c)²) / (1 + (r/c)²)² is negative for |r| > c.
    Stand-in: the secant (IRLS) weight h = g / r = 1 / (1 + (r/c)²), positive everywhere,
    so far outliers get little weight instead of a negative curvature; leaves are renewed
    to the IRLS M-estimate reached from each leaf's median residual.
    ``c="auto"`` (the default): c = 2.3849 σ̂ of the current residuals.
    """ + RENEWAL_NOTE

    name = "cauchy"
    parameters = ("c",)
    exact_hessian = False
    scale_parameter = "c"
    tuning_constant = 2.3849

    def __init__(self, *, c="auto"):
        super().__init__()
        self._set_scale(c)

    def _loss(self, y, raw_score):
        z = (raw_score - y) / self.c
        return 0.5 * squared(self.c) * np.log1p(z * z)

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        np.subtract(raw_score, y, out=gradient)
        np.divide(gradient, self.c, out=hessian)
        np.multiply(hessian, hessian, out=hessian)
        hessian += 1.0
        np.reciprocal(hessian, out=hessian)  # 1 / (1 + (r/c)²)
        gradient *= hessian

    def _m_estimate_kernel(self):
        return ("cauchy", self.c)


class TruncatedSquared(BaseLoss):
    """loss = ½ min(r², t²);  g = r, h = 1 inside |r| < t;  g = h = 0 beyond.

    Rows beyond the threshold contribute nothing to the trees (the "clip the loss" idea for
    gross outliers). Non-convex; start: M-estimate from the weighted median, which is the
    mean of the rows within t of it at convergence.
    """

    name = "truncated_squared"
    parameters = ("threshold",)
    example_params = {"threshold": 1.0}

    def __init__(self, *, threshold=None):
        super().__init__()
        if threshold is None:
            raise ValueError("truncated_squared: threshold is required "
                             "(e.g. 'truncated_squared:threshold=3').")
        self.threshold = check_number(self.name, "threshold", threshold, low=0.0)

    def _loss(self, y, raw_score):
        r = raw_score - y
        return 0.5 * np.minimum(r * r, squared(self.threshold))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        np.subtract(raw_score, y, out=gradient)
        np.less(np.abs(gradient, out=hessian), self.threshold, out=hessian, casting="unsafe")
        gradient *= hessian

    def _init_score(self, y, sample_weight):
        """The exact global minimiser over constants: a sweep over the 2n breakpoints
        y ± t.
        """
        # Exact global minimum. Between consecutive breakpoints y_i ± t the set of inliers is
        # fixed and the total loss is ½ Σ_in w (c - y)² + ½ t² Σ_out w: its minimiser is the
        # inliers' weighted mean, clipped to the segment. Sweep the 2n breakpoints in order.
        w = np.ones_like(y) if sample_weight is None else sample_weight
        if over_workers():  # no reduction gives this minimum: it sweeps all the rows
            y, w = all_rows(y), all_rows(w)
        t = self.threshold
        points = np.concatenate([y - t, y + t])
        enters = np.concatenate([np.ones_like(y), -np.ones_like(y)])  # +1: row becomes inlier
        order = np.argsort(points, kind="stable")
        points, sign = points[order], enters[order]
        ww = np.concatenate([w, w])[order] * sign
        wy = np.concatenate([w * y, w * y])[order] * sign
        wyy = np.concatenate([w * y * y, w * y * y])[order] * sign
        s0, s1, s2 = np.cumsum(ww), np.cumsum(wy), np.cumsum(wyy)
        total_weight = float(np.sum(w))
        # Segment k lies between points[k] and points[k + 1], with sums s*[k] of its inliers.
        low, high = points[:-1], points[1:]
        s0, s1, s2 = s0[:-1], s1[:-1], s2[:-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(s0 > 0, s1 / np.where(s0 > 0, s0, 1.0), low)
        c = np.clip(centre, low, high)
        values = 0.5 * (s0 * c * c - 2 * s1 * c + s2) + 0.5 * t * t * (total_weight - s0)
        return float(c[int(np.argmin(values))])


ROBUST_LOSSES = (Huber, PseudoHuber, LogCosh, Fair, Cauchy, TruncatedSquared)
