"""The checks of a loss with one score per row (regression and binary classification)."""

from __future__ import annotations

import numpy as np

from ._common import (
    check_duplicated_row,
    check_pickle,
    close,
    expect_value_error,
    fail,
    fixed_scale,
)
from ._workers import check_partitions


def _check_derivatives(loss, y, raw):
    """The gradient (and, where exact, the hessian) against central finite differences."""
    gradient, hessian = loss.gradient_hessian(y, raw)
    for label, value in (("gradient", gradient), ("hessian", hessian)):
        if np.shape(value) != np.shape(raw) or np.asarray(value).dtype != np.float64:
            fail(loss, f"{label} shape/dtype",
                 f"expected float64 of shape {np.shape(raw)}, got "
                 f"{np.asarray(value).dtype} of shape {np.shape(value)}")
    step = 1e-5 * np.maximum(1.0, np.abs(raw))
    numeric_gradient = (loss.loss(y, raw + step) - loss.loss(y, raw - step)) / (2 * step)
    ok, error = close(gradient, numeric_gradient, 1e-4, 1e-6)
    # Points within a step of a kink (|r| = δ, r = 0, ...) cannot be differentiated numerically;
    # the second check at shifted points tells a kink from a wrong formula.
    if not ok.all():
        shifted = raw + 3 * step
        g2 = loss.gradient_hessian(y, shifted)[0]
        n2 = (loss.loss(y, shifted + step) - loss.loss(y, shifted - step)) / (2 * step)
        ok2, _ = close(g2, n2, 1e-4, 1e-6)
        bad = ~ok & ~ok2
        if bad.any():
            i = int(np.argmax(np.where(bad, error, -1)))
            fail(loss, "gradient disagrees with central finite differences of the loss",
                 f"at y={float(y[i])!r}, raw_score={float(raw[i])!r}: gradient {float(gradient[i])!r}, "
                 f"finite difference {float(numeric_gradient[i])!r} (abs error {error[i]:.3g}; "
                 f"{int(bad.sum())} of {bad.size} points off)")
    if not np.all(np.isfinite(hessian)) or np.any(hessian < 0):
        i = int(np.argmax(~np.isfinite(hessian) | (hessian < 0)))
        fail(loss, "hessian must be finite and >= 0 for the booster",
             f"at y={float(y[i])!r}, raw_score={float(raw[i])!r}: hessian {float(hessian[i])!r}")
    if getattr(loss, "exact_hessian", True):
        numeric_hessian = (loss.gradient_hessian(y, raw + step)[0]
                           - loss.gradient_hessian(y, raw - step)[0]) / (2 * step)
        ok, error = close(hessian, numeric_hessian, 1e-4, 1e-6)
        if not ok.all():
            shifted = raw + 3 * step
            h2 = loss.gradient_hessian(y, shifted)[1]
            n2 = (loss.gradient_hessian(y, shifted + step)[0]
                  - loss.gradient_hessian(y, shifted - step)[0]) / (2 * step)
            bad = ~ok & ~close(h2, n2, 1e-4, 1e-6)[0]
            if bad.any():
                i = int(np.argmax(np.where(bad, error, -1)))
                fail(loss, "hessian disagrees with central finite differences of the gradient",
                     f"at y={float(y[i])!r}, raw_score={float(raw[i])!r}: hessian {float(hessian[i])!r}, "
                     f"finite difference {float(numeric_hessian[i])!r} (abs error {error[i]:.3g}; "
                     f"{int(bad.sum())} of {bad.size} points off)")


def _check_init_score(loss, y, weight):
    """The init score minimises the weighted loss over constants."""
    start = loss.init_score(y, weight)
    if not np.isfinite(start):
        fail(loss, "init score", f"not finite: {start!r}")

    def total(constant):
        return float(np.sum(loss.loss(y, np.full_like(y, constant), weight)))

    best = total(start)
    tolerance = 1e-9 * max(1.0, abs(best))
    predictions = np.quantile(y, [0.001, 0.999])
    grid = np.concatenate([np.linspace(*_raw_range(loss, predictions), 401), start + np.array([-1, 1]) * 1e-4 * max(1.0, abs(start)),
                           start + np.array([-1, 1]) * 1e-2 * max(1.0, abs(start))])
    for constant in grid:
        value = total(constant)
        if value < best - tolerance:
            fail(loss, "init score does not minimise the weighted loss over constants",
                 f"init_score={start!r} gives total loss {best!r}, but the constant "
                 f"{float(constant)!r} gives {value!r} (lower by {best - value:.3g})")


def _raw_range(loss, predictions):
    low, high = float(predictions[0]), float(predictions[1])
    link = getattr(loss, "link", None)
    if link is not None and hasattr(link, "link"):
        low, high = max(low, 1e-3 * max(high, 1e-3)), max(high, 1e-3)
        with np.errstate(divide="ignore"):
            ends = np.asarray(link.link(np.array([low, high])), dtype=float)
        if np.all(np.isfinite(ends)):
            return float(ends[0]), float(ends[1])
    return low, high


def _check_weights(loss, y, raw, rng, fixed=None):
    """``fixed``: the loss with its "auto" scale fixed (a weighted scale estimate differs)."""
    n = y.size
    weight = rng.uniform(0.5, 2.0, size=n)
    weight[0] = 2.0
    fixed = loss if fixed is None else fixed
    g1, h1 = fixed.gradient_hessian(y, raw)
    gw, hw = fixed.gradient_hessian(y, raw, weight)
    for label, plain, weighted in (("gradient", g1, gw), ("hessian", h1, hw)):
        ok, error = close(weighted, plain * weight, 1e-12, 1e-12)
        if not ok.all():
            i = int(np.argmax(error))
            fail(loss, f"weighted {label} is not weight x unweighted",
                 f"row {i}: {float(weighted[i])!r} vs {float(plain[i] * weight[i])!r}")
    check_duplicated_row(loss, y, raw, weight, rtol=1e-9, atol=1e-12)


def _check_scale(loss, y, raw, fixed):
    """An "auto" scale follows the residuals: same gradients as the fixed loss, and
    multiplying y and the raw scores by c multiplies the init score, the Newton step g / h
    and the leaf values by c (the model is the same at any target scale)."""
    for label, auto, plain in zip(("gradient", "hessian"), loss.gradient_hessian(y, raw),
                                  fixed.gradient_hessian(y, raw), strict=True):
        if not np.allclose(auto, plain, rtol=1e-12, atol=0):
            fail(loss, "an 'auto' scale must give the fixed-scale loss's derivatives",
                 f"{label}s differ by up to {np.max(np.abs(auto - plain)):.3g}")
    g, h = loss.gradient_hessian(y, raw)
    start = loss.init_score(y)
    leaf = np.arange(y.size) % 3
    values = _leaf_values(loss, y, raw, leaf, 3)
    for factor in (1e3, 1e-3):
        checks = [("init score", loss.init_score(factor * y), factor * start)]
        gc, hc = loss.gradient_hessian(factor * y, factor * raw)
        checks.append(("Newton step g / h", gc / hc, factor * g / h))
        if values is not None:
            checks.append(("leaf values", _leaf_values(loss, factor * y, factor * raw, leaf, 3),
                           factor * values))
        for label, scaled, expected in checks:
            if not np.allclose(scaled, expected, rtol=1e-6, atol=1e-12 * factor * np.max(np.abs(y))):
                fail(loss, f"an 'auto' scale must be equivariant ({label})",
                     f"with y and raw_score times {factor:g}: {scaled!r}, expected {expected!r}")


def _leaf_values(loss, y, raw, leaf, n_leaves, weight=None):
    if not getattr(loss, "renews_leaves", False):
        return None
    return np.asarray(loss.leaf_values(y, raw, weight, leaf, n_leaves), dtype=np.float64)


def _check_leaf_values(loss, y, raw, rng):
    """Each leaf's value minimises the leaf's weighted loss over constant shifts."""
    n_leaves = 4
    leaf = rng.integers(0, n_leaves, size=y.size)
    leaf[leaf == 3] = 2  # leaf 3 stays empty: NaN
    for weight in (None, rng.uniform(0.2, 3.0, size=y.size)):
        values = _leaf_values(loss, y, raw, leaf, n_leaves, weight)
        if values.shape != (n_leaves,) or not np.isnan(values[3]):
            fail(loss, "leaf values", f"expected {n_leaves} values, NaN for the empty leaf 3, "
                 f"got {values!r}")
        for index in range(3):
            rows = leaf == index
            w = None if weight is None else weight[rows]
            residual_scale = float(np.std(y[rows] - raw[rows])) + 1e-12

            def total(shift, rows=rows, w=w):
                return float(np.sum(loss.loss(y[rows], raw[rows] + shift, w)))

            best = total(values[index])
            shifts = values[index] + residual_scale * np.concatenate(
                [np.linspace(-3, 3, 121), [-1e-4, 1e-4, -1e-6, 1e-6]])
            worse = [shift for shift in shifts
                     if total(shift) < best - 1e-9 * max(1.0, abs(best))]
            if worse:
                fail(loss, "leaf value does not minimise the leaf's weighted loss",
                     f"leaf {index}: value {values[index]!r} gives {best!r}, the shift "
                     f"{worse[0]!r} gives {total(worse[0])!r}")


def _extreme_targets(loss):
    interval = getattr(loss, "target_domain", None)
    candidates = np.array([-1e8, -1.0, 0.0, 1e-8, 1.0, 1e8])
    if interval is not None and hasattr(interval, "includes"):
        candidates = candidates[interval.includes(candidates)]
    return candidates


def _check_extremes(loss):
    """Finite values, gradients and hessians at raw scores up to ±1e6 and extreme targets."""
    raws = np.array([-1e6, -1e3, -30.0, 0.0, 30.0, 1e3, 1e6])
    targets = _extreme_targets(loss)
    y, raw = (a.ravel() for a in np.meshgrid(targets, raws))
    with np.errstate(all="ignore"):
        outputs = {"loss": loss.loss(y, raw)}
        outputs["gradient"], outputs["hessian"] = loss.gradient_hessian(y, raw)
        outputs["predict"] = loss.predict(raw)
    for label, values in outputs.items():
        values = np.asarray(values, dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            fail(loss, f"{label} must be finite at extreme inputs",
                 f"y={float(y[i])!r}, raw_score={float(raw[i])!r} gives {float(values.ravel()[i])!r}")
    start = loss.init_score(targets)
    if not np.isfinite(start):
        fail(loss, "init score must be finite at extreme targets", f"{start!r} for y={targets}")


def _check_bad_input(loss, y, raw):
    """NaN, infinite and out-of-domain targets, bad weights and lengths raise a
    ``ValueError`` naming the loss.
    """
    with_nan = y.copy()
    with_nan[1] = np.nan
    with_inf = y.copy()
    with_inf[2] = np.inf
    cases = [
        ("NaN in y", lambda: loss.gradient_hessian(with_nan, raw)),
        ("inf in y", lambda: loss.loss(with_inf, raw)),
        ("NaN in y for init_score", lambda: loss.init_score(with_nan)),
        ("mismatched lengths", lambda: loss.gradient_hessian(y, raw[:-1])),
        ("negative sample_weight", lambda: loss.metric(y, raw, -np.ones_like(y))),
        ("NaN in sample_weight", lambda: loss.init_score(y, np.where(np.arange(y.size) == 0, np.nan, 1.0))),
    ]
    interval = getattr(loss, "target_domain", None)
    if interval is not None and hasattr(interval, "includes"):
        outside = np.array([-1e3, -1.0, -1e-9, 0.0, 0.5, 1e-9, 2.0, 1e3])
        outside = outside[~interval.includes(outside)]
        if outside.size:
            bad_y = y.copy()
            bad_y[0] = outside[0]
            cases.append((f"y = {float(outside[0])!r} outside the domain",
                          lambda: loss.gradient_hessian(bad_y, raw)))
    for label, call in cases:
        expect_value_error(loss, label, call)


def check_row_loss(loss, y, raw_score, checks, rng):
    """``check_loss`` for a loss of one score per row: the ``checks`` named, on targets
    ``y`` and raw scores ``raw_score`` (default: scattered around the init score)."""
    if raw_score is None:
        start = loss.init_score(y)
        raw_score = start + rng.normal(scale=1.0, size=y.size) * max(1.0, float(np.std(y))) * (
            0.3 if getattr(getattr(loss, "link", None), "name", "identity") == "log" else 1.0)
    raw_score = np.asarray(raw_score, dtype=np.float64)
    weight = rng.uniform(0.2, 3.0, size=y.size)
    # An "auto" scale depends on all residuals, which finite differences move: the
    # derivatives are those of the loss with its scale fixed for these residuals.
    fixed = fixed_scale(loss, y, raw_score)
    if "derivatives" in checks:
        _check_derivatives(loss if fixed is None else fixed, y, raw_score)
    if "init_score" in checks:
        _check_init_score(loss, y, None)
        _check_init_score(loss, y, weight)
    if "weights" in checks:
        _check_weights(loss, y, raw_score, rng, fixed)
    if "leaf_values" in checks and getattr(loss, "renews_leaves", False):
        _check_leaf_values(loss if fixed is None else fixed, y, raw_score, rng)
    if "scale" in checks and fixed is not None:
        _check_scale(loss, y, raw_score, fixed)
    if "extremes" in checks:
        _check_extremes(loss)
    if "bad_input" in checks:
        _check_bad_input(loss, y, raw_score)
    if "pickle" in checks:
        check_pickle(loss, y, raw_score)
    if "partitions" in checks:
        check_partitions(loss, y, raw_score, weight, rng)
