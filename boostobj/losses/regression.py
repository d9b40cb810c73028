"""Regression losses. Notation: y target, f raw score, r = f - y, w sample weight.

Each docstring gives the per-sample loss, its gradient g and hessian h with respect to f,
and the optimal constant start. Identity link (prediction = f) unless stated.
"""

from __future__ import annotations

import numpy as np

from .._numerics import (
    all_sum,
    grouped_quantile,
    safe_exp,
    weighted_mean,
    weighted_quantile,
)
from ..links import LogLink
from ._base import BaseLoss, check_number
from .domains import NON_NEGATIVE, POSITIVE

__all__ = ["AbsoluteError", "Expectile", "Gamma", "Poisson", "Quantile", "REGRESSION_LOSSES",
           "RENEWAL_NOTE", "SquaredError", "Tweedie"]

RENEWAL_NOTE = """
    Leaf renewal (``renews_leaves``): after each tree the adapters set every leaf to the
    learning rate times the exact minimiser of the loss over that leaf's rows (``leaf_values``),
    as the built-in quantile and L1 objectives do.
"""


class SquaredError(BaseLoss):
    """loss = ½ r²;  g = r;  h = 1;  start: weighted mean of y.

    Built-in twins: XGBoost ``reg:squarederror``, LightGBM ``regression`` (both use ½ r²).
    The adapters also report RMSE beside it.
    """

    name = "squared_error"
    builtin_twins = {"xgboost": "reg:squarederror", "lightgbm": "regression"}
    aliases = ("mse", "l2")
    extra_metrics = ("rmse",)

    def _loss(self, y, raw_score):
        r = raw_score - y
        return 0.5 * r * r

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        np.subtract(raw_score, y, out=gradient)
        hessian.fill(1.0)

    def _init_score(self, y, sample_weight):
        return weighted_mean(y, sample_weight)


class AbsoluteError(BaseLoss):
    __doc__ = """loss = |r|;  g = sign(r);  start: weighted median of y.

    The true hessian is 0 almost everywhere. Stand-in: h = 1 (as XGBoost's
    ``reg:absoluteerror`` and LightGBM's ``regression_l1`` give their trees to find the
    splits); the leaves are then renewed to the weighted median of their residuals y - f.
    """ + RENEWAL_NOTE

    name = "absolute_error"
    builtin_twins = {"xgboost": "reg:absoluteerror*", "lightgbm": "regression_l1*"}
    aliases = ("mae", "l1")
    exact_hessian = False
    renews_leaves = True

    def _loss(self, y, raw_score):
        return np.abs(raw_score - y)

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        np.sign(np.subtract(raw_score, y, out=gradient), out=gradient)
        hessian.fill(1.0)

    def _init_score(self, y, sample_weight):
        return weighted_quantile(y, sample_weight, 0.5)

    def _leaf_values(self, y, raw_score, sample_weight, leaf, n_leaves, penalty=None):
        return grouped_quantile(y - raw_score, sample_weight, leaf, n_leaves, 0.5)


class Quantile(BaseLoss):
    __doc__ = """Pinball loss: α·max(-r, 0) + (1 - α)·max(r, 0);  g = 1 - α if r > 0 else -α.

    Start: the weighted α-quantile of y. The true hessian is 0; stand-in h = 1 (as the
    built-in quantile objectives give their trees to find the splits); the leaves are then
    renewed to the weighted α-quantile of their residuals y - f.
    """ + RENEWAL_NOTE

    name = "quantile"
    builtin_twins = {"xgboost": "reg:quantileerror*", "lightgbm": "quantile*"}
    aliases = ("pinball",)
    parameters = ("alpha",)
    exact_hessian = False
    renews_leaves = True

    def __init__(self, *, alpha=0.5):
        super().__init__()
        self.alpha = check_number(self.name, "alpha", alpha, low=0.0, high=1.0)

    def _loss(self, y, raw_score):
        r = raw_score - y
        return np.where(r > 0, (1.0 - self.alpha) * r, -self.alpha * r)

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        np.greater(raw_score, y, out=gradient, casting="unsafe")
        gradient -= self.alpha
        hessian.fill(1.0)

    def _init_score(self, y, sample_weight):
        return weighted_quantile(y, sample_weight, self.alpha)

    def _leaf_values(self, y, raw_score, sample_weight, leaf, n_leaves, penalty=None):
        return grouped_quantile(y - raw_score, sample_weight, leaf, n_leaves, self.alpha)


class Expectile(BaseLoss):
    """Asymmetric squared loss: |α - 1{r > 0}| · r²;  g = 2 a r;  h = 2 a.

    a = α where the model under-predicts (r <= 0), 1 - α where it over-predicts. Start: the
    weighted α-expectile of y (α = 0.5: the weighted mean).
    """

    name = "expectile"
    parameters = ("alpha",)

    def __init__(self, *, alpha=0.5):
        super().__init__()
        self.alpha = check_number(self.name, "alpha", alpha, low=0.0, high=1.0)

    def _asymmetry(self, r):
        return np.where(r > 0, 1.0 - self.alpha, self.alpha)

    def _loss(self, y, raw_score):
        r = raw_score - y
        return self._asymmetry(r) * r * r

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        np.subtract(raw_score, y, out=gradient)
        np.greater(gradient, 0.0, out=hessian, casting="unsafe")
        hessian *= 2.0 * (1.0 - 2.0 * self.alpha)
        hessian += 2.0 * self.alpha  # 2a: 2(1 - α) where r > 0, 2α elsewhere
        gradient *= hessian

    def _init_score(self, y, sample_weight):
        # The expectile solves c = Σ w a(c) y / Σ w a(c); the fixed point iteration is
        # Newton's method on this piecewise quadratic, exact after finitely many steps.
        w = np.ones_like(y) if sample_weight is None else sample_weight
        c = weighted_mean(y, sample_weight)
        for _ in range(100):
            aw = w * self._asymmetry(c - y)
            sums = all_sum([np.dot(aw, y), np.sum(aw)])
            new = float(sums[0] / sums[1])
            if new == c:
                break
            c = new
        return c


class _LogLinkLoss(BaseLoss):
    """Shared by the log-link losses: prediction = e^f, start = log(weighted mean y)."""

    def __init__(self):
        super().__init__()
        self.link = LogLink()

    def _init_score(self, y, sample_weight):
        # All-zero targets have their optimum at -inf; stop at a finite, tiny mean.
        return float(np.log(max(weighted_mean(y, sample_weight), 1e-12)))


class Poisson(_LogLinkLoss):
    """loss = e^f - y f;  g = e^f - y;  h = e^f;  y >= 0, prediction e^f.

    Built-in twins: XGBoost ``count:poisson`` and LightGBM ``poisson``. Both inflate the
    hessian to e^(f + max_delta_step) with max_delta_step = 0.7 by default (XGBoost's
    ``max_delta_step`` also caps each leaf); with max_delta_step 0 they equal this loss.
    """

    name = "poisson"
    builtin_twins = {"xgboost": "count:poisson", "lightgbm": "poisson"}
    target_domain = NON_NEGATIVE

    def _loss(self, y, raw_score):
        return safe_exp(raw_score) - y * raw_score

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        safe_exp(raw_score, out=hessian)  # the mean e^f
        np.subtract(hessian, y, out=gradient)


class Gamma(_LogLinkLoss):
    """loss = y e^(-f) + f;  g = 1 - y e^(-f);  h = y e^(-f);  y > 0, prediction e^f.

    Built-in twins: XGBoost ``reg:gamma`` and LightGBM ``gamma`` (same derivatives).
    """

    name = "gamma"
    builtin_twins = {"xgboost": "reg:gamma", "lightgbm": "gamma"}
    target_domain = POSITIVE

    def _loss(self, y, raw_score):
        return y * safe_exp(-raw_score) + raw_score

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        safe_exp(np.negative(raw_score, out=hessian), out=hessian)
        hessian *= y  # y e^(-f)
        np.subtract(1.0, hessian, out=gradient)


class Tweedie(_LogLinkLoss):
    """loss = -y e^((1-p)f)/(1-p) + e^((2-p)f)/(2-p), 1 < p < 2;  y >= 0, prediction e^f.

    g = -y e^((1-p)f) + e^((2-p)f);  h = -(1-p) y e^((1-p)f) + (2-p) e^((2-p)f) > 0.
    Built-in twins: XGBoost ``reg:tweedie`` and LightGBM ``tweedie`` with
    ``tweedie_variance_power = p`` (same derivatives).
    """

    name = "tweedie"
    builtin_twins = {"xgboost": "reg:tweedie", "lightgbm": "tweedie"}
    parameters = ("power",)
    target_domain = NON_NEGATIVE

    def __init__(self, *, power=1.5):
        super().__init__()
        self.power = check_number(self.name, "power", power, low=1.0, high=2.0)

    def _loss(self, y, raw_score):
        p = self.power
        return (-y * safe_exp((1 - p) * raw_score) / (1 - p)
                + safe_exp((2 - p) * raw_score) / (2 - p))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        p = self.power
        safe_exp(np.multiply(raw_score, 2 - p, out=gradient), out=gradient)  # high = e^((2-p)f)
        safe_exp(np.multiply(raw_score, 1 - p, out=hessian), out=hessian)
        hessian *= y  # low = y e^((1-p)f)
        gradient -= hessian  # g = high - low
        # h = (2-p) high - (1-p) low = (2-p) g + low, without a third buffer:
        hessian /= 2 - p
        hessian += gradient
        hessian *= 2 - p


REGRESSION_LOSSES = (SquaredError, AbsoluteError, Quantile, Expectile, Poisson, Gamma, Tweedie)
