"""The booster's penalty on a leaf value, which renewed leaves obey as the booster's own do."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LeafPenalty"]


@dataclass(frozen=True)
class LeafPenalty:
    """The booster's penalty on a leaf value v: ½ λ v² + α |v| (``l2`` λ, ``l1`` α) and
    |v| <= ``max_delta_step`` m (0: no bound), as XGBoost's ``lambda``, ``alpha``,
    ``max_delta_step`` and LightGBM's ``lambda_l2``, ``lambda_l1``, ``max_delta_step``
    penalise the leaf values they compute themselves (before the learning rate).
    """

    l2: float = 0.0
    l1: float = 0.0
    max_delta_step: float = 0.0

    def bound(self, values):
        """``values`` clipped to ±m (unchanged without a bound; NaN stays NaN)."""
        if self.max_delta_step <= 0:
            return values
        return np.clip(values, -self.max_delta_step, self.max_delta_step)

    def newton_step(self, value, gradient, hessian, present):
        """The step from ``value`` to the minimiser of the quadratic model of each leaf's
        loss (gradient G and hessian H summed at ``value``) plus the penalty:
        u = -soft(G - H v, α) / (H + λ), soft(x, α) = sign(x) max(|x| - α, 0), then
        bounded. Zero for leaves not ``present`` or without curvature."""
        curvature = hessian + self.l2
        usable = present & (curvature > 0)
        target = value.copy()
        if self.l1 > 0:
            slope = gradient - hessian * value
            slope = np.sign(slope) * np.maximum(np.abs(slope) - self.l1, 0.0)
            target[usable] = -slope[usable] / curvature[usable]
        else:  # the same, written so that H v cannot overflow
            target[usable] -= ((gradient + self.l2 * value)[usable] / curvature[usable])
        return self.bound(target) - value


NO_PENALTY = LeafPenalty()
