"""Binary classification losses. Notation: y ∈ {0, 1} the label, ỹ = 2y - 1 ∈ {-1, +1},
f the raw score, z = ỹf the margin, p = σ(f) the predicted probability of class 1, w weight.

Labels may be given as 0/1 or as -1/+1 throughout; both codings are the same loss. Each
docstring gives the loss, its gradient g and hessian h with respect to f, what the booster
gets where the true hessian is unusable, and the optimal constant start.
"""

from __future__ import annotations

import numpy as np

from .._numerics import expit, log1pexp, safe_exp, weighted_mean
from ..links import HalfLogitLink, LogitLink, SignLink
from ._base import BaseLoss, as_1d_float, check_number, minimize_constant
from .domains import BinaryLabels

__all__ = ["BINARY_LOSSES", "Exponential", "Focal", "Hinge", "Logistic", "SquaredHinge",
           "WeightedLogistic"]

# The hessian floor XGBoost's binary:logistic uses: a confident, correct row still counts a
# little in its leaf's denominator.
_MIN_HESSIAN = 1e-16


class _BinaryLoss(BaseLoss):
    """What the binary losses share: 0/1 labels (or -1/+1), the logit link, the prior
    start.
    """
    target_domain = BinaryLabels()

    def __init__(self):
        super().__init__()
        self.link = LogitLink()

    def check_target(self, y):
        """``y`` as float64 0/1 labels; -1/+1 labels (all of them) are mapped to 0/1."""
        y = as_1d_float(self.name, "y", y)
        if y.size and np.all((y == -1.0) | (y == 1.0)):
            y = (y > 0).astype(np.float64)
        return super().check_target(y)

    def _positive_fraction(self, y, sample_weight):
        return weighted_mean(y, sample_weight)


class Logistic(_BinaryLoss):
    """loss = log(1 + e^(-z));  g = p - y;  h = p(1 - p);  start: logit of the weighted mean of y.

    The binary cross-entropy on logits. Built-in twins: XGBoost ``binary:logistic``,
    LightGBM ``binary``. The hessian is floored at 1e-16, as XGBoost's.
    """

    name = "logistic"
    builtin_twins = {"xgboost": "binary:logistic", "lightgbm": "binary"}
    aliases = ("binary_cross_entropy", "log_loss", "nll")

    def _loss(self, y, raw_score):
        return log1pexp(-(2.0 * y - 1.0) * raw_score)

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        p = expit(raw_score)  # float64, whatever the output buffers hold
        np.maximum(p * (1.0 - p), _MIN_HESSIAN, out=hessian)
        np.subtract(p, y, out=gradient)

    def _init_score(self, y, sample_weight):
        return float(self.link.link(self._positive_fraction(y, sample_weight)))


class WeightedLogistic(_BinaryLoss):
    """loss = -[π y log p + (1 - y) log(1 - p)], π = ``pos_weight``.

    g = (1 - y) p - π y (1 - p);  h = (π y + 1 - y) p(1 - p);  start: log(π p̄ / (1 - p̄)).
    PyTorch's ``BCEWithLogitsLoss(pos_weight=π)``; the same model as XGBoost's and LightGBM's
    ``scale_pos_weight = π``. The probabilities are those of the re-weighted problem: with
    π > 1 they over-state class 1, which moves the 0.5 threshold towards recall.
    """

    name = "weighted_logistic"
    builtin_twins = {"xgboost": "binary:logistic + scale_pos_weight",
                     "lightgbm": "binary + scale_pos_weight"}
    parameters = ("pos_weight",)
    extra_metrics = ("log_loss",)

    def __init__(self, *, pos_weight=1.0):
        super().__init__()
        self.pos_weight = check_number(self.name, "pos_weight", pos_weight, low=0.0)

    def _loss(self, y, raw_score):
        return (self.pos_weight * y * log1pexp(-raw_score)
                + (1.0 - y) * log1pexp(raw_score))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        p = expit(raw_score)
        scale = 1.0 + (self.pos_weight - 1.0) * y  # π for positives, 1 for negatives
        np.multiply(scale, p * (1.0 - p), out=hessian)
        np.maximum(hessian, _MIN_HESSIAN, out=hessian)
        np.subtract(p, y, out=gradient)
        gradient *= scale

    def _init_score(self, y, sample_weight):
        p = self._positive_fraction(y, sample_weight)
        return float(self.link.link(p)) + float(np.log(self.pos_weight))


class Focal(_BinaryLoss):
    """loss = a · v^γ · s, the focal loss of Lin et al. (2017).

    With u = σ(z) the probability given to the true class, v = 1 - u, s = -log u and
    a = α for y = 1, 1 - α for y = 0:
    g = -ỹ a v^γ (γ u s + v);  exact h = a u v^γ (v + γ(2v - v s + γ u s)).
    γ = 0 and α = ½ give ½ × logistic.

    The exact hessian turns negative on rows that are badly misclassified (s large) when
    γ > 0, and a Newton leaf step with a negative denominator would move the wrong way. The
    booster gets max(exact h, a v^γ · u v): the logistic curvature u v scaled by the focal
    weight a v^γ, a positive lower bound that equals the exact hessian at γ = 0 and wherever
    the exact one is the larger. Start: the M-estimate (Newton from the logistic start).
    """

    name = "focal"
    parameters = ("alpha", "gamma")
    exact_hessian = False
    extra_metrics = ("log_loss",)

    def __init__(self, *, alpha=0.25, gamma=2.0):
        super().__init__()
        self.alpha = check_number(self.name, "alpha", alpha, low=0.0, high=1.0)
        self.gamma = check_number(self.name, "gamma", gamma, low=0.0, low_inclusive=True)

    def _parts(self, y, raw_score):
        sign = 2.0 * y - 1.0
        margin = sign * raw_score
        u, v = expit(margin), expit(-margin)
        s = log1pexp(-margin)
        a = np.where(y > 0, self.alpha, 1.0 - self.alpha)
        return sign, u, v, s, a, v**self.gamma

    def _loss(self, y, raw_score):
        _, _, _, s, a, modulation = self._parts(y, raw_score)
        return a * modulation * s

    def _exact_hessian(self, u, v, s, a, modulation):
        gamma = self.gamma
        return a * u * modulation * (v + gamma * (2.0 * v - v * s + gamma * u * s))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        sign, u, v, s, a, modulation = self._parts(y, raw_score)
        gradient[:] = -sign * a * modulation * (self.gamma * u * s + v)
        exact = self._exact_hessian(u, v, s, a, modulation)
        np.maximum(exact, a * modulation * u * v, out=hessian)
        np.maximum(hessian, _MIN_HESSIAN, out=hessian)

    def exact_hessian_values(self, y, raw_score):
        """The true second derivative (can be negative); for checks, not for the booster."""
        y, raw_score, _ = self.check_inputs(y, raw_score, None)
        _, u, v, s, a, modulation = self._parts(y, raw_score)
        return self._exact_hessian(u, v, s, a, modulation)

    def _init_score(self, y, sample_weight):
        start = self.link.link(self._positive_fraction(y, sample_weight))
        return minimize_constant(self, y, sample_weight, start=start)


class _MarginLoss(_BinaryLoss):
    """A margin classifier: ``margin`` m > 0, the class as prediction, the error rate reported."""

    parameters = ("margin",)
    extra_metrics = ("error_rate",)

    def __init__(self, *, margin=1.0):
        super().__init__()
        self.margin = check_number(self.name, "margin", margin, low=0.0)
        self.link = SignLink()


class Hinge(_MarginLoss):
    """loss = max(0, m - z), m = ``margin``;  g = -ỹ where z < m, else 0.

    The true hessian is 0 wherever it exists. The booster gets h = 1 on every row, so a leaf
    value is the mean of -g over the leaf's rows (the fraction of its rows still inside the
    margin, signed by their class): a bounded gradient step per round. Prediction: the
    class, 1 where f > 0 (there is no probability). Start: the exact minimiser over
    constants, +m when the positives weigh more, -m when the negatives do, 0 on a tie.
    """

    name = "hinge"
    exact_hessian = False

    def _loss(self, y, raw_score):
        return np.maximum(0.0, self.margin - (2.0 * y - 1.0) * raw_score)

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        sign = 2.0 * y - 1.0
        gradient[:] = np.where(sign * raw_score < self.margin, -sign, 0.0)
        hessian.fill(1.0)

    def _init_score(self, y, sample_weight):
        balance = 2.0 * self._positive_fraction(y, sample_weight) - 1.0
        return float(np.sign(balance) * self.margin)


class SquaredHinge(_MarginLoss):
    """loss = ½ max(0, m - z)²;  g = -ỹ max(0, m - z);  h = 1 where z < m, else 0.

    Smooth to first order. The hessian is exact and 0 only on rows beyond the margin, where
    the gradient is 0 too: such rows add nothing to a leaf. Prediction: the class, 1 where
    f > 0. Start: m (W₊ - W₋) / (W₊ + W₋), the exact minimiser (every row is inside the
    margin at a constant between -m and m).
    """

    name = "squared_hinge"

    def _loss(self, y, raw_score):
        slack = np.maximum(0.0, self.margin - (2.0 * y - 1.0) * raw_score)
        return 0.5 * slack * slack

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        sign = 2.0 * y - 1.0
        slack = self.margin - sign * raw_score
        np.greater(slack, 0.0, out=hessian, casting="unsafe")
        np.multiply(-sign, np.maximum(slack, 0.0), out=gradient)

    def _init_score(self, y, sample_weight):
        return self.margin * (2.0 * self._positive_fraction(y, sample_weight) - 1.0)


class Exponential(_BinaryLoss):
    """loss = e^(-z);  g = -ỹ e^(-z);  h = e^(-z);  start: ½ log(W₊ / W₋).

    AdaBoost's loss. Its minimiser is half the log-odds, so the probability is σ(2f)
    (``predict`` applies it). The exponent is clipped at 500, so very wrong margins give
    large but finite values.
    """

    name = "exponential"
    extra_metrics = ("log_loss",)

    def __init__(self):
        super().__init__()
        self.link = HalfLogitLink()

    def _loss(self, y, raw_score):
        return safe_exp(-(2.0 * y - 1.0) * raw_score)

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        sign = 2.0 * y - 1.0
        hessian[:] = safe_exp(-sign * raw_score)
        np.multiply(-sign, hessian, out=gradient)

    def _init_score(self, y, sample_weight):
        return float(self.link.link(self._positive_fraction(y, sample_weight)))


BINARY_LOSSES = (Logistic, WeightedLogistic, Focal, Hinge, SquaredHinge, Exponential)
