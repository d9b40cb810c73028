"""Write your own loss, prove it with ``boostobj.testing.check_loss``, train with it.

The LINEX loss (Varian 1975), for forecasts where erring one way costs more than the other:
with r = f - y and a != 0,

    loss = (exp(a r) - a r - 1) / a**2,  gradient = (exp(a r) - 1) / a,  hessian = exp(a r).

For a > 0 over-forecasting costs exponentially and under-forecasting linearly. The best
constant is c = -log(Σ w exp(-a y) / Σ w) / a. Subclassing ``boostobj.BaseLoss`` gives the
input checks, sample weights, the metric and the adapters; ``check_loss`` then verifies the
gradient and hessian by finite differences, that ``init_score`` minimises the loss over
constants, that weight 2 equals a duplicated row, finite values at extreme inputs, clear
errors on bad input, and pickling. A loss with a wrong hessian fails with a message that
says where. ``boostobj.register_loss`` then makes it known by name (``get_loss("linex:a=2")``,
``--loss linex`` with ``--loss-module`` this file).

    python examples/check_your_own_loss.py [--rounds N]
"""

import argparse

import lightgbm as lgb
import numpy as np

import boostobj
import boostobj.lightgbm as bl
from boostobj.datasets import load
from boostobj.losses import all_max, weighted_mean
from boostobj.testing import check_loss


class Linex(boostobj.BaseLoss):
    """loss = (exp(a r) - a r - 1) / a², r = raw_score - y (a > 0: over-forecasts cost more)."""

    name = "linex"
    parameters = ("a",)

    def __init__(self, a=1.0):
        super().__init__()
        if not np.isfinite(a) or a == 0:
            raise ValueError(f"linex: a == {a!r}, must be a finite number other than 0.")
        self.a = float(a)

    def _scaled_residual(self, y, raw_score):
        # exp overflows past 709: cap there, so extreme inputs give large finite values.
        return np.minimum(self.a * (raw_score - y), 700.0)

    def _loss(self, y, raw_score):
        ar = self._scaled_residual(y, raw_score)
        return (np.expm1(ar) - ar) / self.a ** 2

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        ar = self._scaled_residual(y, raw_score)
        np.divide(np.expm1(ar), self.a, out=gradient)
        np.exp(ar, out=hessian)

    def _init_score(self, y, sample_weight):
        # boostobj.losses' reductions: over every worker's rows when it trains on a cluster
        # (check_loss's "partitions" check proves it), over y here.
        shift = float(all_max(np.max(-self.a * y, initial=-np.inf)))  # log-sum-exp
        mean = weighted_mean(np.exp(-self.a * y - shift), sample_weight)
        return -(np.log(mean) + shift) / self.a


class LinexWithABug(Linex):
    """The same loss with the hessian off by a factor a (a classic slip in the algebra)."""

    name = "linex_with_a_bug"

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        super()._gradient_hessian(y, raw_score, gradient, hessian)
        hessian *= self.a


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)

    check_loss(Linex(a=0.5))
    check_loss(Linex(a=-2.0))
    print("Linex(a=0.5) and Linex(a=-2) pass every check")
    try:
        check_loss(LinexWithABug(a=0.5))
    except AssertionError as error:
        print(f"LinexWithABug fails, as it should:\n  {str(error)[:300]}")
    else:
        raise SystemExit("check_loss missed the wrong hessian")

    # Register it: get_loss, spec strings, the estimators' loss= and the command line's
    # --loss (with --loss-module this file) know it by name from now on.
    boostobj.register_loss(Linex)
    data = load("mcycle")
    scale = float(np.std(data.y))
    # Train with it: over-forecasting the motorcycle acceleration (in g) costs more.
    params = {"num_leaves": 8, "min_data_in_leaf": 5, "learning_rate": 0.05, "verbose": -1}
    results = {}
    for name, loss in (("squared_error", boostobj.get_loss("squared_error")),
                       ("linex a = 2/sd", boostobj.get_loss(f"linex:a={2.0 / scale}"))):
        booster = bl.train(loss, params, lgb.Dataset(data.X, data.y), args.rounds)
        residual = booster.predict(data.X) - data.y
        results[name] = float(np.mean(residual > 0))
        print(f"{name:<15} share of rows over-forecast: {results[name]:.2f}")
    return results


if __name__ == "__main__":
    main()
