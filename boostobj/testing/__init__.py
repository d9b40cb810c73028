"""Property checks for any object that follows the loss protocol (``check_loss``).

The protocol: ``loss(y, raw_score, sample_weight=None)``, ``gradient_hessian(...)``,
``init_score(y, sample_weight=None)``, ``predict(raw_score)``, ``metric(...)`` and ``name``.
Optional attributes refine the checks: ``target_domain`` (where targets lie; an object with
``low``, ``high`` and ``includes``), ``exact_hessian`` (False: the hessian is a stand-in and
is only checked to be finite and >= 0), ``fix_scale`` (a loss with an ``"auto"`` scale
returns itself with the scale fixed for given residuals), ``renews_leaves`` and
``leaf_values`` (per-leaf minimisers for leaf renewal).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._common import fail, sample_targets
from ._distribution import check_distribution_loss, is_distribution
from ._grouped import check_grouped_loss
from ._multiclass import check_multiclass_loss, is_multiclass
from ._rows import check_row_loss
from ._workers import SimulatedWorkers

__all__ = ["ALL_CHECKS", "SimulatedWorkers", "check_loss"]

ALL_CHECKS = ("derivatives", "init_score", "weights", "extremes", "bad_input", "pickle",
              "leaf_values", "scale", "partitions")


# The kernels a BaseLoss subclass implements, as they are called.
_KERNELS = {
    "_loss": (("y", "raw_score"), "return the per-row loss values"),
    "_gradient_hessian": (("y", "raw_score", "gradient", "hessian"),
                          "fill the arrays gradient and hessian in place and return None"),
}


_METHODS = ("loss", "gradient_hessian", "init_score", "predict", "metric")


def _check_protocol(loss):
    """A clear failure for a loss whose methods have other signatures than the protocol's,
    before any check runs into a TypeError deep inside."""
    import inspect

    missing = [name for name in _METHODS if not callable(getattr(loss, name, None))]
    if missing or not isinstance(getattr(loss, "name", None), str):
        fail(loss, "protocol", f"a loss needs a name and the methods {', '.join(_METHODS)}"
             f"; missing: {', '.join(missing) or 'name'} (subclass boostobj.BaseLoss to get "
             "them)")
    from ..losses import BaseLoss, MultiOutputLoss, RankingLoss

    if not isinstance(loss, BaseLoss) or isinstance(loss, (MultiOutputLoss, RankingLoss)):
        return
    for kernel, (arguments, what) in _KERNELS.items():
        method = getattr(loss, kernel)
        try:
            inspect.signature(method).bind(*arguments)
        except TypeError:
            fail(loss, "protocol", f"{type(loss).__name__}.{kernel}{inspect.signature(method)} "
                 f"cannot be called as {kernel}({', '.join(arguments)}): it must take "
                 f"({', '.join(arguments)}) and {what}")
    y = loss.target_domain.sample(np.random.default_rng(0), 4) if hasattr(
        loss.target_domain, "sample") else np.ones(4)
    raw = np.zeros(4)
    gradient, hessian = np.full(4, np.nan), np.full(4, np.nan)
    returned = loss.fix_scale(y, raw)._gradient_hessian(y, raw, gradient, hessian)
    if returned is not None or np.isnan(gradient).any() or np.isnan(hessian).any():
        fail(loss, "protocol", f"{type(loss).__name__}._gradient_hessian(y, raw_score, "
             "gradient, hessian) must fill gradient and hessian in place (gradient[...] = "
             "..., or out=gradient) and return None; it "
             + ("returned a value" if returned is not None else "left them unfilled"))


def check_loss(loss: Any, *, y: ArrayLike | None = None, raw_score: ArrayLike | None = None,
               group: ArrayLike | None = None, checks: Sequence[str] = ALL_CHECKS,
               n_samples: int = 400, random_state: int = 0) -> None:
    """Run the property checks of a loss; raise ``AssertionError`` naming the one that failed.

    Checks (select with ``checks``): ``derivatives`` (gradient and, where ``exact_hessian``,
    hessian against central finite differences), ``init_score`` (argmin of the weighted loss
    over constants), ``weights`` (weight 2 equals a duplicated row; metric is the weighted
    mean), ``extremes`` (finite outputs for |raw_score| up to 1e6 and extreme targets),
    ``bad_input`` (NaN/inf/out-of-domain targets, bad weights and mismatched lengths raise a
    ``ValueError`` naming the loss), ``pickle``, ``leaf_values`` (where ``renews_leaves``:
    each leaf's value minimises that leaf's weighted loss), ``scale`` (an ``"auto"`` scale:
    the derivatives are the fixed-scale loss's, and scaling y and the raw scores by c scales
    the init score, the Newton step g / h and the leaf values by c).

    ``y`` and ``raw_score`` default to random targets inside ``loss.target_domain`` and raw
    scores scattered around the init score.

    Multiclass losses (``raw_score_shape(y)`` of two dimensions, raw scores (n, K)) get the
    same checks per class, the argmin over constant vectors, invariance to adding a constant
    to all K scores, and bad class ids / soft-label rows as bad input.

    Distribution losses (``outputs`` and ``distribution``: K raw scores per row, one per
    parameter, the loss a negative log-likelihood) get: finite differences per output; the
    hessian equal to the Fisher information E[g²] and the score of mean 0, over targets
    drawn from a row's own distribution (``derivatives``); the argmin over constant vectors
    (``init_score``); finite values at scores ±1e6 and a finite start at the domain's ends
    (``extremes``); out-of-domain targets and a wrong number of raw scores as bad input.

    Grouped (ranking) losses (``grouped`` True; ``group`` the sizes of the groups of ``y``,
    random groups of 1 to 12 rows by default) get: finite differences of each group's loss
    in each row's score; invariance to a constant added to a group's scores and an init
    score of 0 (``init_score``); equivariance under permuting the rows within a group;
    weight 2 on a group equals the group duplicated (``weights``); finite values at scores
    ±1e6 (``extremes``); and bad groups (missing, empty, not covering the rows, fractional),
    weights and labels as bad input.
    """
    unknown = set(checks) - set(ALL_CHECKS)
    if unknown:
        raise ValueError(f"check_loss: unknown checks {sorted(unknown)}; known: {ALL_CHECKS}.")
    _check_protocol(loss)
    rng = np.random.default_rng(random_state)
    if getattr(loss, "grouped", False):
        check_grouped_loss(loss, None if y is None else (np.asarray(y, dtype=np.float64),
                                                          np.asarray(group)),
                            raw_score, checks, rng, n_samples)
        return
    y = sample_targets(loss, n_samples, rng) if y is None else np.asarray(y, dtype=np.float64)
    if is_distribution(loss):
        check_distribution_loss(loss, y, raw_score, checks, rng)
        return
    if is_multiclass(loss, y):
        check_multiclass_loss(loss, y, raw_score, checks, rng)
        return
    check_row_loss(loss, y, raw_score, checks, rng)
