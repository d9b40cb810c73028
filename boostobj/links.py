"""Links between the booster's raw score and the prediction on the response scale.

A link maps a prediction (mean, probability) to a raw score; its inverse maps a raw score
back. Losses own a link by composition, as scikit-learn's ``_loss`` does: the same link
serves several losses (poisson, gamma and tweedie all use the log link), and the adapters
only need to know the link to make a saved model predict on the response scale.
"""

from __future__ import annotations

import numpy as np

from ._numerics import safe_exp


class IdentityLink:
    """raw_score = prediction."""

    name = "identity"

    def link(self, prediction):
        return np.asarray(prediction, dtype=np.float64)

    def inverse(self, raw_score):
        return np.asarray(raw_score, dtype=np.float64)


class LogLink:
    """raw_score = log(prediction); prediction = e^raw_score (exponent clipped, never inf)."""

    name = "log"

    def link(self, prediction):
        return np.log(np.asarray(prediction, dtype=np.float64))

    def inverse(self, raw_score):
        return safe_exp(np.asarray(raw_score, dtype=np.float64))
