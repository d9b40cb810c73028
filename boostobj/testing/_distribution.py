"""The checks of a distribution loss: K raw scores per row, one per parameter, whose hessian
is the Fisher information."""

from __future__ import annotations

import numpy as np

from ._common import expect_value_error, fail
from ._multiclass import (
    check_finite_at_extreme_scores,
    check_output_gradients,
    run_output_checks,
)

# Draws per row for the Monte Carlo estimate of the Fisher information E[g²]: its relative
# error is about 4/√draws (the normal's log-scale score (1 - z²) has the heaviest tail here).
_FISHER_DRAWS = 200_000


def is_distribution(loss):
    """Whether the loss is a distribution's negative log-likelihood (it has ``outputs`` and
    ``distribution``)."""
    return hasattr(loss, "outputs") and callable(getattr(loss, "distribution", None))


def _check_derivatives(loss, y, raw):
    """Each output's gradient against central finite differences."""
    _, hessian = check_output_gradients(loss, y, raw,
                                        lambda k: f"output {loss.outputs[k]!r}")
    if not np.all(np.isfinite(hessian)) or np.any(hessian <= 0):
        fail(loss, "hessian (the Fisher information) must be finite and > 0",
             f"{int(np.sum(~np.isfinite(hessian) | (hessian <= 0)))} entries are not")


def _check_fisher(loss, raw, rng):
    """The hessian is the Fisher information: E[g_k²] over targets drawn from the row's own
    distribution, for a few rows, within the Monte Carlo error (5%)."""
    rows = raw[:3]
    draws = loss.distribution(rows).rvs(size=(_FISHER_DRAWS, len(rows)),
                                        random_state=rng.integers(2**31 - 1))
    for i in range(len(rows)):
        repeated = np.tile(rows[i], (_FISHER_DRAWS, 1))
        gradient, hessian = loss.gradient_hessian(draws[:, i], repeated)
        expected = np.mean(gradient**2, axis=0)
        mean_gradient = np.mean(gradient, axis=0)
        if not np.allclose(hessian[0], expected, rtol=0.05):
            fail(loss, "the hessian must be the Fisher information E[g²]",
                 f"row {i} (raw {rows[i]!r}): hessian {hessian[0]!r}, E[g²] over "
                 f"{_FISHER_DRAWS} draws {expected!r}")
        if np.any(np.abs(mean_gradient) > 0.05 * np.sqrt(expected)):
            fail(loss, "the score must have mean 0 under the row's own distribution",
                 f"row {i}: mean gradient {mean_gradient!r}")


def _check_extremes(loss, y, n_outputs):
    """Finite values at raw scores up to ±1e6 and at extreme targets inside the domain."""
    check_finite_at_extreme_scores(loss, y, n_outputs, all_equal=True)
    domain = loss.target_domain
    low = domain.low if np.isfinite(domain.low) else -1e6
    high = domain.high if np.isfinite(domain.high) else 1e6
    low = low if getattr(domain, "low_inclusive", False) or not np.isfinite(domain.low) \
        else low + 1e-6
    for targets in (np.full(5, low), np.full(5, high), np.array([low, high, low, high, high])):
        start = loss.init_score(targets)
        if not np.all(np.isfinite(start)):
            fail(loss, "init score must be finite at extreme targets", f"{targets!r}: {start!r}")


def _check_bad_input(loss, y, raw):
    """Bad targets, weights and shapes raise a ``ValueError`` naming the loss."""
    n_outputs = raw.shape[1]
    wide = np.concatenate([raw, raw[:, :1]], axis=1)
    cases = [
        ("mismatched lengths", lambda: loss.gradient_hessian(y, raw[:-1])),
        ("1-D raw scores", lambda: loss.gradient_hessian(y, raw[:, 0])),
        (f"{n_outputs + 1} raw scores per row", lambda: loss.gradient_hessian(y, wide)),
        ("negative sample_weight", lambda: loss.metric(y, raw, -np.ones(len(y)))),
    ]
    bad_values = [np.nan, np.inf]
    domain = loss.target_domain
    if np.isfinite(domain.low):
        bad_values.append(domain.low - 1.0)
        if not domain.low_inclusive:
            bad_values.append(domain.low)
    for value in bad_values:
        bad = y.copy()
        bad[0] = value
        cases.append((f"target {value!r}", lambda bad=bad: loss.gradient_hessian(bad, raw)))
        cases.append((f"target {value!r} for init_score", lambda bad=bad: loss.init_score(bad)))
    for label, call in cases:
        expect_value_error(loss, label, call)


def _check_derivatives_and_fisher(loss, y, raw, rng):
    _check_derivatives(loss, y, raw)
    _check_fisher(loss, raw, rng)


def check_distribution_loss(loss, y, raw, checks, rng):
    """``check_loss`` for a distribution loss: (n, K) raw scores, one per parameter."""
    run_output_checks(loss, y, raw, checks, rng, derivatives=_check_derivatives_and_fisher,
                      extremes=_check_extremes, bad_input=_check_bad_input, spread=0.5)
