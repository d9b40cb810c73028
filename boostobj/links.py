"""Links between the booster's raw score and the prediction on the response scale.

A link maps a prediction (mean, probability) to a raw score; its inverse maps a raw score
back. Losses own a link by composition, as scikit-learn's ``_loss`` does: the same link
serves several losses (poisson, gamma and tweedie all use the log link), and the adapters
only need to know the link to make a saved model predict on the response scale.
"""

from __future__ import annotations

import numpy as np

from ._numerics import expit, logit, safe_exp, softmax

__all__ = ["HalfLogitLink", "IdentityLink", "LogitLink", "LogLink", "SignLink", "SoftmaxLink"]


class IdentityLink:
    """raw_score = prediction."""

    name = "identity"

    def link(self, prediction):
        """raw score = prediction."""
        return np.asarray(prediction, dtype=np.float64)

    def inverse(self, raw_score):
        """prediction = raw score."""
        return np.asarray(raw_score, dtype=np.float64)


class LogLink:
    """raw_score = log(prediction); prediction = e^raw_score (exponent clipped, never inf)."""

    name = "log"

    def link(self, prediction):
        """raw score = log(prediction)."""
        return np.log(np.asarray(prediction, dtype=np.float64))

    def inverse(self, raw_score):
        """prediction = exp(raw score), overflow-safe."""
        return safe_exp(np.asarray(raw_score, dtype=np.float64))


class LogitLink:
    """raw_score = log(p / (1 - p)); probability p = σ(raw_score) = 1 / (1 + e^-raw_score)."""

    name = "logit"

    def link(self, prediction):
        """raw score = log(p / (1 - p))."""
        return logit(prediction)

    def inverse(self, raw_score):
        """p = σ(raw score)."""
        return expit(raw_score)


class HalfLogitLink:
    """raw_score = ½ log(p / (1 - p)); p = σ(2 raw_score): AdaBoost's (exponential loss) scale."""

    name = "half_logit"

    def link(self, prediction):
        """raw score = ½ log(p / (1 - p))."""
        return 0.5 * logit(prediction)

    def inverse(self, raw_score):
        """p = σ(2 raw score)."""
        return expit(2.0 * np.asarray(raw_score, dtype=np.float64))


class SignLink:
    """A margin classifier's link: the prediction is the class, 1 where raw_score > 0, else 0.

    Not invertible; ``link`` maps the labels 0 and 1 to the margins -1 and +1.
    """

    name = "sign"

    def link(self, prediction):
        """A label's margin: +1 for y = 1, -1 for y = 0."""
        return 2.0 * np.asarray(prediction, dtype=np.float64) - 1.0

    def inverse(self, raw_score):
        """The predicted class, 1 where the raw score > 0, else 0."""
        return (np.asarray(raw_score) > 0).astype(np.float64)


class SoftmaxLink:
    """raw scores (n, K) -> class probabilities softmax(f) (n, K); ``link`` is log(p).

    Adding a constant to every score of a row changes nothing, so ``link`` returns one
    representative: log(p), with p clipped at 1e-15 so that it stays finite.
    """

    name = "softmax"

    def link(self, prediction):
        """raw scores = log(p) per class (up to a constant per row)."""
        return np.log(np.maximum(np.asarray(prediction, dtype=np.float64), 1e-15))

    def inverse(self, raw_score):
        """p = softmax of each row's (K,) raw scores."""
        raw_score = np.asarray(raw_score, dtype=np.float64)
        return softmax(raw_score, out=np.empty_like(raw_score))
