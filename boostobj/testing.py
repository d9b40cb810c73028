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

import pickle
import threading

import numpy as np

from ._numerics import summed_over_workers

ALL_CHECKS = ("derivatives", "init_score", "weights", "extremes", "bad_input", "pickle",
              "leaf_values", "scale", "partitions")


class _Failure(AssertionError):
    pass


def _fail(loss, prop, detail):
    raise _Failure(f"check_loss({loss!r}): {prop}: {detail}")


def _sample_targets(loss, n, rng):
    domain = getattr(loss, "target_domain", None)
    if hasattr(domain, "sample"):
        return domain.sample(rng, n)
    return rng.standard_t(5, size=n) * 2.0 + 1.0


def _close(actual, expected, rtol, atol):
    error = np.abs(actual - expected)
    return error <= atol + rtol * np.abs(expected), error


def _check_derivatives(loss, y, raw):
    gradient, hessian = loss.gradient_hessian(y, raw)
    for label, value in (("gradient", gradient), ("hessian", hessian)):
        if np.shape(value) != np.shape(raw) or np.asarray(value).dtype != np.float64:
            _fail(loss, f"{label} shape/dtype",
                  f"expected float64 of shape {np.shape(raw)}, got "
                  f"{np.asarray(value).dtype} of shape {np.shape(value)}")
    step = 1e-5 * np.maximum(1.0, np.abs(raw))
    numeric_gradient = (loss.loss(y, raw + step) - loss.loss(y, raw - step)) / (2 * step)
    ok, error = _close(gradient, numeric_gradient, 1e-4, 1e-6)
    # Points within a step of a kink (|r| = δ, r = 0, ...) cannot be differentiated numerically;
    # the second check at shifted points tells a kink from a wrong formula.
    if not ok.all():
        shifted = raw + 3 * step
        g2 = loss.gradient_hessian(y, shifted)[0]
        n2 = (loss.loss(y, shifted + step) - loss.loss(y, shifted - step)) / (2 * step)
        ok2, _ = _close(g2, n2, 1e-4, 1e-6)
        bad = ~ok & ~ok2
        if bad.any():
            i = int(np.argmax(np.where(bad, error, -1)))
            _fail(loss, "gradient disagrees with central finite differences of the loss",
                  f"at y={float(y[i])!r}, raw_score={float(raw[i])!r}: gradient {float(gradient[i])!r}, "
                  f"finite difference {float(numeric_gradient[i])!r} (abs error {error[i]:.3g}; "
                  f"{int(bad.sum())} of {bad.size} points off)")
    if not np.all(np.isfinite(hessian)) or np.any(hessian < 0):
        i = int(np.argmax(~np.isfinite(hessian) | (hessian < 0)))
        _fail(loss, "hessian must be finite and >= 0 for the booster",
              f"at y={float(y[i])!r}, raw_score={float(raw[i])!r}: hessian {float(hessian[i])!r}")
    if getattr(loss, "exact_hessian", True):
        numeric_hessian = (loss.gradient_hessian(y, raw + step)[0]
                           - loss.gradient_hessian(y, raw - step)[0]) / (2 * step)
        ok, error = _close(hessian, numeric_hessian, 1e-4, 1e-6)
        if not ok.all():
            shifted = raw + 3 * step
            h2 = loss.gradient_hessian(y, shifted)[1]
            n2 = (loss.gradient_hessian(y, shifted + step)[0]
                  - loss.gradient_hessian(y, shifted - step)[0]) / (2 * step)
            bad = ~ok & ~_close(h2, n2, 1e-4, 1e-6)[0]
            if bad.any():
                i = int(np.argmax(np.where(bad, error, -1)))
                _fail(loss, "hessian disagrees with central finite differences of the gradient",
                      f"at y={float(y[i])!r}, raw_score={float(raw[i])!r}: hessian {float(hessian[i])!r}, "
                      f"finite difference {float(numeric_hessian[i])!r} (abs error {error[i]:.3g}; "
                      f"{int(bad.sum())} of {bad.size} points off)")


def _check_init_score(loss, y, weight):
    start = loss.init_score(y, weight)
    if not np.isfinite(start):
        _fail(loss, "init score", f"not finite: {start!r}")

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
            _fail(loss, "init score does not minimise the weighted loss over constants",
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
        ok, error = _close(weighted, plain * weight, 1e-12, 1e-12)
        if not ok.all():
            i = int(np.argmax(error))
            _fail(loss, f"weighted {label} is not weight x unweighted",
                  f"row {i}: {float(weighted[i])!r} vs {float(plain[i] * weight[i])!r}")
    _check_duplicated_row(loss, y, raw, weight, rtol=1e-9, atol=1e-12)


def _check_duplicated_row(loss, y, raw, weight, rtol, atol):
    """Row 0 has weight 2: metric, init score and summed loss must equal row 0 duplicated."""
    ones = weight.copy()
    ones[0] = 1.0
    duplicated_y = np.concatenate([y, y[:1]])
    duplicated_raw = np.concatenate([raw, raw[:1]])
    duplicated_w = np.concatenate([ones, [1.0]])
    pairs = (
        ("metric", loss.metric(y, raw, weight),
         loss.metric(duplicated_y, duplicated_raw, duplicated_w)),
        ("init score", loss.init_score(y, weight), loss.init_score(duplicated_y, duplicated_w)),
        ("summed loss", np.sum(loss.loss(y, raw, weight)),
         np.sum(loss.loss(duplicated_y, duplicated_raw, duplicated_w))),
    )
    for label, with_weight, with_duplicate in pairs:
        if not np.allclose(with_weight, with_duplicate, rtol=rtol, atol=atol):
            _fail(loss, f"weight 2 must equal a duplicated row ({label})",
                  f"{with_weight!r} with weight 2, {with_duplicate!r} with the row duplicated")
    mean = float(np.sum(loss.loss(y, raw, weight)) / _total_weight(loss, y, weight))
    if not np.isclose(loss.metric(y, raw, weight), mean, rtol=1e-9, atol=1e-12):
        _fail(loss, "metric must be the weighted mean loss",
              f"metric {loss.metric(y, raw, weight)!r}, Σ w·loss / Σ w = {mean!r}")


def _total_weight(loss, y, weight):
    total_weight = getattr(loss, "total_weight", None)
    return total_weight(y, weight) if total_weight is not None else float(np.sum(weight))


def _fixed_scale(loss, y, raw, weight=None):
    """The loss with an "auto" scale fixed for these residuals, or None (no "auto" scale)."""
    fix_scale = getattr(loss, "fix_scale", None)
    if fix_scale is None:
        return None
    fixed = fix_scale(y, raw) if weight is None else fix_scale(y, raw, weight)
    return None if fixed is loss else fixed


def _check_scale(loss, y, raw, fixed):
    """An "auto" scale follows the residuals: same gradients as the fixed loss, and
    multiplying y and the raw scores by c multiplies the init score, the Newton step g / h
    and the leaf values by c (the model is the same at any target scale)."""
    for label, auto, plain in zip(("gradient", "hessian"), loss.gradient_hessian(y, raw),
                                  fixed.gradient_hessian(y, raw), strict=True):
        if not np.allclose(auto, plain, rtol=1e-12, atol=0):
            _fail(loss, "an 'auto' scale must give the fixed-scale loss's derivatives",
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
                _fail(loss, f"an 'auto' scale must be equivariant ({label})",
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
            _fail(loss, "leaf values", f"expected {n_leaves} values, NaN for the empty leaf 3, "
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
                _fail(loss, "leaf value does not minimise the leaf's weighted loss",
                      f"leaf {index}: value {values[index]!r} gives {best!r}, the shift "
                      f"{worse[0]!r} gives {total(worse[0])!r}")


def _extreme_targets(loss):
    interval = getattr(loss, "target_domain", None)
    candidates = np.array([-1e8, -1.0, 0.0, 1e-8, 1.0, 1e8])
    if interval is not None and hasattr(interval, "includes"):
        candidates = candidates[interval.includes(candidates)]
    return candidates


def _check_extremes(loss):
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
            _fail(loss, f"{label} must be finite at extreme inputs",
                  f"y={float(y[i])!r}, raw_score={float(raw[i])!r} gives {float(values.ravel()[i])!r}")
    start = loss.init_score(targets)
    if not np.isfinite(start):
        _fail(loss, "init score must be finite at extreme targets", f"{start!r} for y={targets}")


def _expect_value_error(loss, label, call):
    try:
        call()
    except ValueError as error:
        name = getattr(loss, "name", None)
        if name and name not in str(error):
            _fail(loss, f"bad input ({label})", f"the ValueError does not name the loss: {error}")
        return
    except Exception as error:  # noqa: BLE001 - reported as the failed property
        _fail(loss, f"bad input ({label})", f"raised {type(error).__name__}, not ValueError: {error}")
    _fail(loss, f"bad input ({label})", "no ValueError raised")


def _check_bad_input(loss, y, raw):
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
        _expect_value_error(loss, label, call)


def _check_pickle(loss, y, raw):
    clone = pickle.loads(pickle.dumps(loss))
    if not np.array_equal(clone.loss(y, raw), loss.loss(y, raw)):
        _fail(loss, "pickle", "the unpickled loss computes different values")


# --- multiclass losses: raw scores (n, K) ------------------------------------------------------

def _is_multiclass(loss, y):
    raw_score_shape = getattr(loss, "raw_score_shape", None)
    return raw_score_shape is not None and len(raw_score_shape(y)) == 2


def _check_multiclass_derivatives(loss, y, raw):
    gradient, hessian = loss.gradient_hessian(y, raw)
    for label, value in (("gradient", gradient), ("hessian", hessian)):
        if np.shape(value) != raw.shape or np.asarray(value).dtype != np.float64:
            _fail(loss, f"{label} shape/dtype", f"expected float64 of shape {raw.shape}, got "
                  f"{np.asarray(value).dtype} of shape {np.shape(value)}")
    for k in range(raw.shape[1]):
        step = np.zeros_like(raw)
        step[:, k] = 1e-5 * np.maximum(1.0, np.abs(raw[:, k]))
        h = step[:, k]
        numeric = (loss.loss(y, raw + step) - loss.loss(y, raw - step)) / (2 * h)
        ok, error = _close(gradient[:, k], numeric, 1e-4, 1e-6)
        if not ok.all():
            i = int(np.argmax(np.where(ok, -1, error)))
            _fail(loss, f"gradient of class {k} disagrees with central finite differences",
                  f"row {i}: gradient {float(gradient[i, k])!r}, finite difference "
                  f"{float(numeric[i])!r} ({int((~ok).sum())} of {ok.size} rows off)")
        if getattr(loss, "exact_hessian", True):
            numeric = (loss.gradient_hessian(y, raw + step)[0][:, k]
                       - loss.gradient_hessian(y, raw - step)[0][:, k]) / (2 * h)
            ok, error = _close(hessian[:, k], numeric, 1e-4, 1e-6)
            if not ok.all():
                i = int(np.argmax(np.where(ok, -1, error)))
                _fail(loss, f"hessian of class {k} disagrees with central finite differences",
                      f"row {i}: hessian {float(hessian[i, k])!r}, finite difference "
                      f"{float(numeric[i])!r}")
    if not np.all(np.isfinite(hessian)) or np.any(hessian < 0):
        _fail(loss, "hessian must be finite and >= 0 for the booster",
              f"{int(np.sum(~np.isfinite(hessian) | (hessian < 0)))} entries are not")
    shifted = raw + 7.25
    if not np.allclose(loss.loss(y, shifted), loss.loss(y, raw), rtol=1e-9, atol=1e-12):
        _fail(loss, "softmax invariance", "adding 7.25 to all K scores changes the loss")
    if not np.allclose(loss.gradient_hessian(y, shifted)[0], gradient, rtol=1e-7, atol=1e-12):
        _fail(loss, "softmax invariance", "adding 7.25 to all K scores changes the gradient")


def _check_multiclass_init_score(loss, y, weight, rng):
    start = np.asarray(loss.init_score(y, weight), dtype=np.float64)
    n_classes = loss.raw_score_shape(y)[1]
    if start.shape != (n_classes,) or not np.all(np.isfinite(start)):
        _fail(loss, "init score", f"expected {n_classes} finite values, got {start!r}")

    def total(constant):
        return float(np.sum(loss.loss(y, np.tile(constant, (len(y), 1)), weight)))

    best = total(start)
    tolerance = 1e-9 * max(1.0, abs(best))
    directions = list(np.eye(n_classes)) + list(rng.normal(size=(20, n_classes)))
    for direction in directions:
        for scale in (1e-4, 1e-2, 0.3, 2.0):
            for sign in (-1.0, 1.0):
                constant = start + sign * scale * direction
                value = total(constant)
                if value < best - tolerance:
                    _fail(loss, "init score does not minimise the weighted loss over "
                          "constant vectors", f"init_score={start!r} gives {best!r}, "
                          f"{constant!r} gives {value!r}")


def _check_multiclass_weights(loss, y, raw, rng):
    weight = rng.uniform(0.5, 2.0, size=len(y))
    weight[0] = 2.0
    plain = loss.gradient_hessian(y, raw)
    weighted = loss.gradient_hessian(y, raw, weight)
    for label, a, b in (("gradient", plain[0], weighted[0]), ("hessian", plain[1], weighted[1])):
        if not np.allclose(b, a * weight[:, None], rtol=1e-12, atol=1e-12):
            _fail(loss, f"weighted {label} is not weight x unweighted", "rows differ")
    _check_duplicated_row(loss, y, raw, weight, rtol=1e-7, atol=1e-9)


def _check_multiclass_extremes(loss, y, n_classes):
    extremes = np.array([1e6, -1e6, 1e3, -1e3, 30.0, -30.0, 0.0])
    rows = np.array([np.roll(np.resize(extremes, n_classes), shift)
                     for shift in range(len(extremes))])
    targets = y[np.resize(np.arange(len(y)), len(rows))]
    with np.errstate(all="ignore"):
        outputs = {"loss": loss.loss(targets, rows)}
        outputs["gradient"], outputs["hessian"] = loss.gradient_hessian(targets, rows)
        outputs["predict"] = loss.predict(rows)
    for label, values in outputs.items():
        if not np.all(np.isfinite(values)):
            _fail(loss, f"{label} must be finite at extreme inputs",
                  f"scores up to ±1e6 give {values!r}")
    if y.ndim == 1:  # class ids: every row of class 0, K from the raw scores
        start = loss.init_score(np.zeros(5), None, n_classes)
    else:
        start = loss.init_score(np.eye(y.shape[1])[np.zeros(5, dtype=int)])
    if not np.all(np.isfinite(start)):
        _fail(loss, "init score must be finite at extreme targets", f"{start!r}")


def _check_multiclass_bad_input(loss, y, raw):
    n_classes = raw.shape[1]
    cases = [
        ("mismatched lengths", lambda: loss.gradient_hessian(y, raw[:-1])),
        ("1-D raw scores", lambda: loss.gradient_hessian(y, raw[:, 0])),
        ("negative sample_weight", lambda: loss.metric(y, raw, -np.ones(len(y)))),
    ]
    bad_values = []
    if y.ndim == 1:
        for value, label in ((n_classes, f"class id {n_classes} >= K"), (0.5, "class id 0.5"),
                             (-1, "class id -1"), (np.nan, "NaN class id")):
            bad = y.astype(np.float64)
            bad[0] = value
            bad_values.append((label, bad))
    else:
        negative = y.copy()
        negative[0, 0] = -0.1
        doubled = y.copy()
        doubled[0] *= 2.0
        with_nan = y.copy()
        with_nan[1, 0] = np.nan
        bad_values = [("a negative probability", negative), ("a row summing to 2", doubled),
                      ("NaN in y", with_nan)]
        wide = np.concatenate([raw, raw[:, :1]], axis=1)
        cases.append(("K + 1 raw scores", lambda: loss.gradient_hessian(y, wide)))
    for label, bad in bad_values:
        cases.append((label, lambda bad=bad: loss.gradient_hessian(bad, raw)))
        if ">= K" not in label:  # without raw scores K comes from the labels themselves
            cases.append((label + " for init_score", lambda bad=bad: loss.init_score(bad)))
    for label, call in cases:
        _expect_value_error(loss, label, call)


def _check_multiclass_loss(loss, y, raw, checks, rng):
    n_classes = loss.raw_score_shape(y)[1]
    if raw is None:
        start = np.asarray(loss.init_score(y), dtype=np.float64)
        raw = start + rng.normal(scale=1.5, size=(len(y), n_classes))
    raw = np.asarray(raw, dtype=np.float64)
    weight = rng.uniform(0.2, 3.0, size=len(y))
    if "derivatives" in checks:
        _check_multiclass_derivatives(loss, y, raw)
    if "init_score" in checks:
        _check_multiclass_init_score(loss, y, None, rng)
        _check_multiclass_init_score(loss, y, weight, rng)
    if "weights" in checks:
        _check_multiclass_weights(loss, y, raw, rng)
    if "extremes" in checks:
        _check_multiclass_extremes(loss, y, n_classes)
    if "bad_input" in checks:
        _check_multiclass_bad_input(loss, y, raw)
    if "pickle" in checks:
        _check_pickle(loss, y, raw)
    if "partitions" in checks:
        _check_partitions(loss, y, raw, weight, rng, n_classes)


# --- grouped (ranking) losses: one loss per query group ---------------------------------------

def _sample_groups(loss, n_samples, rng):
    """Group sizes 1 .. 12 covering about ``n_samples`` rows, labels from the loss's domain,
    and one group whose labels are all 0 (it contributes nothing)."""
    sizes = rng.integers(1, 13, size=max(4, n_samples // 6))
    y = _sample_targets(loss, int(sizes.sum()), rng)
    y[:sizes[0]] = 0.0
    return y, sizes


def _group_rows(sizes):
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    return [np.arange(start, stop) for start, stop in zip(ptr[:-1], ptr[1:], strict=True)]


def _grouped_numeric_gradient(loss, y, raw, sizes, of="loss"):
    """Central differences of the summed loss (or of the gradient, for the hessian's
    diagonal) in each row's score: the k-th row of every group moves at once (the groups
    are independent)."""
    rows = _group_rows(sizes)
    step = 1e-5 * np.maximum(1.0, np.abs(raw))
    numeric = np.empty_like(raw)
    for position in range(int(np.max(sizes))):
        moved = np.array([group[position] for group in rows if group.size > position])
        up, down = raw.copy(), raw.copy()
        up[moved] += step[moved]
        down[moved] -= step[moved]
        if of == "loss":
            group_of = np.repeat(np.arange(len(sizes)), sizes)
            change = loss.loss(y, up, group=sizes) - loss.loss(y, down, group=sizes)
            numeric[moved] = change[group_of[moved]] / (2 * step[moved])
        else:
            change = (loss.gradient_hessian(y, up, group=sizes)[0]
                      - loss.gradient_hessian(y, down, group=sizes)[0])
            numeric[moved] = change[moved] / (2 * step[moved])
    return numeric


def _check_grouped_derivatives(loss, y, raw, sizes):
    gradient, hessian = loss.gradient_hessian(y, raw, group=sizes)
    for label, value in (("gradient", gradient), ("hessian", hessian)):
        if np.shape(value) != np.shape(raw) or np.asarray(value).dtype != np.float64:
            _fail(loss, f"{label} shape/dtype", f"expected float64 of shape {np.shape(raw)}, "
                  f"got {np.asarray(value).dtype} of shape {np.shape(value)}")
    checks = [("gradient", gradient, _grouped_numeric_gradient(loss, y, raw, sizes))]
    if not np.all(np.isfinite(hessian)) or np.any(hessian < 0):
        _fail(loss, "hessian must be finite and >= 0 for the booster",
              f"min {float(np.min(hessian))!r}")
    if getattr(loss, "exact_hessian", True):
        checks.append(("hessian", hessian,
                       _grouped_numeric_gradient(loss, y, raw, sizes, of="gradient")))
    for label, value, numeric in checks:
        ok, error = _close(value, numeric, 1e-4, 1e-6)
        if not ok.all():
            i = int(np.argmax(np.where(ok, -1, error)))
            _fail(loss, f"{label} disagrees with central finite differences",
                  f"at row {i} (y={float(y[i])!r}, raw_score={float(raw[i])!r}): {label} "
                  f"{float(value[i])!r}, finite difference {float(numeric[i])!r}")


def _check_grouped_invariances(loss, y, raw, sizes, rng):
    """A constant per group changes nothing; permuting a group's rows permutes its
    gradients; the init score is 0 and no constant does better."""
    gradient, hessian = loss.gradient_hessian(y, raw, group=sizes)
    values = loss.loss(y, raw, group=sizes)
    shift = np.repeat(rng.normal(scale=5.0, size=len(sizes)), sizes)
    shifted = loss.gradient_hessian(y, raw + shift, group=sizes)
    if not (np.allclose(loss.loss(y, raw + shift, group=sizes), values, rtol=1e-9, atol=1e-9)
            and np.allclose(shifted[0], gradient, rtol=1e-7, atol=1e-9)
            and np.allclose(shifted[1], hessian, rtol=1e-7, atol=1e-9)):
        _fail(loss, "invariance to a constant per group",
              "adding a constant to a group's scores changed its loss or derivatives")
    order = np.concatenate([rng.permutation(group) for group in _group_rows(sizes)])
    permuted = loss.gradient_hessian(y[order], raw[order], group=sizes)
    if not (np.allclose(permuted[0], gradient[order], rtol=1e-9, atol=1e-12)
            and np.allclose(loss.loss(y[order], raw[order], group=sizes), values, rtol=1e-9)):
        _fail(loss, "equivariance under permuting rows within a group",
              "permuting a group's rows changed its loss or did not permute its gradients")
    start = loss.init_score(y, group=sizes)
    if start != 0.0:
        _fail(loss, "init score", f"expected 0 (a constant per group changes nothing), got "
              f"{start!r}")


def _check_grouped_weights(loss, y, raw, sizes, rng):
    """Weight 2 on a group equals the group duplicated; weights scale the derivatives."""
    weight = rng.uniform(0.2, 3.0, size=len(sizes))
    gradient, hessian = loss.gradient_hessian(y, raw, group=sizes)
    weighted = loss.gradient_hessian(y, raw, weight, group=sizes)
    row_weight = np.repeat(weight, sizes)
    if not (np.allclose(weighted[0], row_weight * gradient, rtol=1e-9, atol=1e-12)
            and np.allclose(weighted[1], row_weight * hessian, rtol=1e-9, atol=1e-12)):
        _fail(loss, "weights", "the weighted derivatives are not the group's weight times "
              "the unweighted ones")
    rows = _group_rows(sizes)
    twice = 1
    doubled = np.ones(len(sizes))
    doubled[twice] = 2.0
    order = np.concatenate(rows + [rows[twice]])
    duplicated_sizes = np.append(sizes, sizes[twice])
    pairs = [("summed loss", np.sum(loss.loss(y, raw, doubled, group=sizes)),
              np.sum(loss.loss(y[order], raw[order], group=duplicated_sizes))),
             ("metric", loss.metric(y, raw, doubled, group=sizes),
              loss.metric(y[order], raw[order], group=duplicated_sizes))]
    for label, got, expected in pairs:
        if not np.isclose(got, expected, rtol=1e-9, atol=1e-12):
            _fail(loss, f"weight 2 == duplicated group ({label})",
                  f"weighted {got!r}, duplicated {expected!r}")
    mean = float(np.sum(loss.loss(y, raw, weight, group=sizes)) / np.sum(weight))
    if not np.isclose(loss.metric(y, raw, weight, group=sizes), mean, rtol=1e-9):
        _fail(loss, "metric", "the metric is not the weighted mean of the groups' losses")


def _check_grouped_extremes(loss, y, sizes, rng):
    for size in (1e3, 1e6):
        raw = np.where(rng.uniform(size=y.size) < 0.5, -size, size)
        with np.errstate(all="ignore"):
            values = loss.loss(y, raw, group=sizes)
            gradient, hessian = loss.gradient_hessian(y, raw, group=sizes)
        for label, value in (("loss", values), ("gradient", gradient), ("hessian", hessian)):
            if not np.all(np.isfinite(value)):
                _fail(loss, "finite at extreme scores", f"{label} not finite for scores "
                      f"±{size:g}")
    big = y * 1e6
    if not np.all(np.isfinite(loss.gradient_hessian(big, y, group=sizes)[0])):
        _fail(loss, "finite at extreme labels", "gradient not finite for labels up to 4e6")


def _check_grouped_bad_input(loss, y, raw, sizes):
    with_nan = y.copy()
    with_nan[1] = np.nan
    negative = y.copy()
    negative[0] = -1.0
    short = sizes.copy()
    short[-1] -= 1
    empty = np.append(sizes, 0)
    fractional = sizes.astype(np.float64)
    fractional[0] += 0.5
    cases = [
        ("NaN in y", lambda: loss.gradient_hessian(with_nan, raw, group=sizes)),
        ("y = -1.0 outside the domain", lambda: loss.loss(negative, raw, group=sizes)),
        ("no groups", lambda: loss.gradient_hessian(y, raw)),
        ("groups covering fewer rows", lambda: loss.gradient_hessian(y, raw, group=short)),
        ("an empty group", lambda: loss.gradient_hessian(y, raw, group=empty)),
        ("a fractional group size", lambda: loss.metric(y, raw, group=fractional)),
        ("one weight per row", lambda: loss.metric(y, raw, np.ones(y.size), group=sizes)),
        ("negative group weight", lambda: loss.metric(y, raw, -np.ones(len(sizes)),
                                                      group=sizes)),
        ("mismatched lengths", lambda: loss.gradient_hessian(y, raw[:-1], group=sizes)),
        ("NaN raw score", lambda: loss.gradient_hessian(y, np.where(np.arange(y.size) == 2,
                                                                     np.nan, raw), group=sizes)),
    ]
    for label, call in cases:
        _expect_value_error(loss, label, call)


def _check_grouped_loss(loss, y, raw, checks, rng, n_samples):
    y, sizes = _sample_groups(loss, n_samples, rng) if y is None else y
    raw = rng.normal(scale=1.5, size=y.size) if raw is None else np.asarray(raw, dtype=float)
    if "derivatives" in checks:
        _check_grouped_derivatives(loss, y, raw, sizes)
    if "init_score" in checks:
        _check_grouped_invariances(loss, y, raw, sizes, rng)
    if "weights" in checks:
        _check_grouped_weights(loss, y, raw, sizes, rng)
    if "extremes" in checks:
        _check_grouped_extremes(loss, y, sizes, rng)
    if "bad_input" in checks:
        _check_grouped_bad_input(loss, y, raw, sizes)
    if "pickle" in checks:
        clone = pickle.loads(pickle.dumps(loss))
        if not np.array_equal(clone.loss(y, raw, group=sizes), loss.loss(y, raw, group=sizes)):
            _fail(loss, "pickle", "the unpickled loss computes different values")
    if "partitions" in checks:
        _check_grouped_partitions(loss, y, raw, sizes, rng)


def _check_grouped_partitions(loss, y, raw, sizes, rng):
    """Whole groups on three workers (one holding none): the metric over all of them equals
    one process's, with and without group weights."""
    sizes = np.asarray(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    owner = rng.choice([0, 2], size=sizes.size, p=[0.3, 0.7])
    weight = rng.uniform(0.2, 3.0, size=sizes.size)
    workers = SimulatedWorkers(3)
    for w in (None, weight):
        parts = []
        for rank in range(3):
            groups = np.flatnonzero(owner == rank)
            rows = np.concatenate([np.arange(starts[g], starts[g + 1]) for g in groups]
                                  or [np.zeros(0, dtype=np.intp)]).astype(np.intp)
            parts.append((y[rows], raw[rows], None if w is None else w[groups], sizes[groups]))
        expected = loss.metric(y, raw, w, group=sizes)
        found = workers.run(lambda y, raw, w, group: loss.metric(y, raw, w, group=group),
                            parts)
        for rank, value in enumerate(found):
            if not _same(value, expected):
                _fail(loss, "the metric over groups on several workers must equal one "
                      "process's", f"worker {rank}: {value!r}, one process: {expected!r}")


class SimulatedWorkers:
    """Workers of a distributed training simulated by threads of this process.

    ``run(function, partitions)`` calls ``function(*partition)`` for each partition in a
    thread of its own, inside ``summed_over_workers``: every statistic sums over all the
    partitions through a barrier, as an all-reduce over workers would (in rank order, so
    every worker gets the same numbers). Returns the results in partition order. With it a
    test checks, in one process, that a loss's statistics over partitioned rows equal those
    of one process holding every row.
    """

    def __init__(self, n_workers, timeout=60.0):
        self.world_size = n_workers
        self._barrier = threading.Barrier(n_workers, timeout=timeout)
        self._slots = [None] * n_workers
        self._local = threading.local()

    @property
    def rank(self):
        return self._local.rank

    def _reduce(self, values, combine):
        self._slots[self.rank] = np.array(values, dtype=np.float64)
        self._barrier.wait()
        result = self._slots[0].copy()
        for other in self._slots[1:]:
            result = combine(result, other)
        self._barrier.wait()  # everyone has read the slots before they are written again
        return result

    def sum(self, values):
        return self._reduce(values, np.add)

    def max(self, values):
        return self._reduce(values, np.maximum)

    def run(self, function, partitions):
        if len(partitions) != self.world_size:
            raise ValueError(f"SimulatedWorkers: {len(partitions)} partitions for "
                             f"{self.world_size} workers.")
        results, errors = [None] * self.world_size, [None] * self.world_size

        def work(rank):
            self._local.rank = rank
            try:
                with summed_over_workers(self):
                    results[rank] = function(*partitions[rank])
            except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                errors[rank] = error
                self._barrier.abort()  # the other workers stop waiting for this one

        threads = [threading.Thread(target=work, args=(rank,))
                   for rank in range(self.world_size)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        first = next((error for error in errors
                      if error is not None and not isinstance(error,
                                                              threading.BrokenBarrierError)),
                     next((error for error in errors if error is not None), None))
        if first is not None:
            raise first
        return results


def _partitions(n_rows, rng):
    """Row indices of 3 workers: unequal, shuffled, the middle one empty."""
    order = rng.permutation(n_rows)
    cut = max(1, n_rows // 4)
    return [order[:cut], order[:0], order[cut:]]


def _same(actual, expected):
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return actual.shape == expected.shape and np.allclose(
        actual, expected, rtol=1e-9, atol=1e-12 * (1.0 + np.nanmax(np.abs(expected), initial=0)),
        equal_nan=True)


def _check_partitions(loss, y, raw, weight, rng, n_classes=None):
    """Statistics over partitioned rows (three workers, one holding no rows) equal those of
    one process holding them all, to 1e-9: the init score, an "auto" scale, the leaf
    values and the metric, with and without weights."""
    parts = _partitions(len(y), rng)
    workers = SimulatedWorkers(len(parts))
    leaf = rng.integers(0, 4, size=len(y))
    leaf[leaf == 3] = 2  # an empty leaf, NaN everywhere
    start = {} if n_classes is None else {"n_classes": n_classes}

    def statistics(y, raw, weight, leaf):
        found = [("init score", loss.init_score(y, weight, **start)),
                 ("metric", loss.metric(y, raw, weight))]
        fixed = _fixed_scale(loss, y, raw, weight) if n_classes is None else None
        if fixed is not None:
            found.append(("'auto' scale", [float(v) for v in fixed.get_params().values()
                                           if not isinstance(v, str)]))
        if n_classes is None and getattr(loss, "renews_leaves", False):
            found.append(("leaf values", loss.leaf_values(y, raw, weight, leaf, 4)))
        return found

    for w in (None, weight):
        expected = statistics(y, raw, w, leaf)
        results = workers.run(statistics, [(y[rows], raw[rows], None if w is None else w[rows],
                                            leaf[rows]) for rows in parts])
        for rank, found in enumerate(results):
            for (label, value), (_, single) in zip(found, expected, strict=True):
                if not _same(value, single):
                    _fail(loss, "statistics over partitioned rows must equal one process's",
                          f"{label} {'with' if w is not None else 'without'} weights on "
                          f"worker {rank} of {len(parts)} (rows {[len(r) for r in parts]}): "
                          f"{value!r}, one process: {single!r}. Sum and take extremes "
                          "with boostobj.losses' total, all_sum, all_max, weighted_mean "
                          "and weighted_quantile, which reduce over the workers of a "
                          "distributed training (or leave out the 'partitions' check for "
                          "a loss trained on one machine only)")


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
        _fail(loss, "protocol", f"a loss needs a name and the methods {', '.join(_METHODS)}"
              f"; missing: {', '.join(missing) or 'name'} (subclass boostobj.BaseLoss to get "
              "them)")
    from .losses import BaseLoss, MulticlassLoss, RankingLoss

    if not isinstance(loss, BaseLoss) or isinstance(loss, (MulticlassLoss, RankingLoss)):
        return
    for kernel, (arguments, what) in _KERNELS.items():
        method = getattr(loss, kernel)
        try:
            inspect.signature(method).bind(*arguments)
        except TypeError:
            _fail(loss, "protocol", f"{type(loss).__name__}.{kernel}{inspect.signature(method)} "
                  f"cannot be called as {kernel}({', '.join(arguments)}): it must take "
                  f"({', '.join(arguments)}) and {what}")
    y = loss.target_domain.sample(np.random.default_rng(0), 4) if hasattr(
        loss.target_domain, "sample") else np.ones(4)
    raw = np.zeros(4)
    gradient, hessian = np.full(4, np.nan), np.full(4, np.nan)
    returned = loss.fix_scale(y, raw)._gradient_hessian(y, raw, gradient, hessian)
    if returned is not None or np.isnan(gradient).any() or np.isnan(hessian).any():
        _fail(loss, "protocol", f"{type(loss).__name__}._gradient_hessian(y, raw_score, "
              "gradient, hessian) must fill gradient and hessian in place (gradient[...] = "
              "..., or out=gradient) and return None; it "
              + ("returned a value" if returned is not None else "left them unfilled"))


def check_loss(loss, *, y=None, raw_score=None, group=None, checks=ALL_CHECKS, n_samples=400,
               random_state=0):
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
        _check_grouped_loss(loss, None if y is None else (np.asarray(y, dtype=np.float64),
                                                          np.asarray(group)),
                            raw_score, checks, rng, n_samples)
        return
    y = _sample_targets(loss, n_samples, rng) if y is None else np.asarray(y, dtype=np.float64)
    if _is_multiclass(loss, y):
        _check_multiclass_loss(loss, y, raw_score, checks, rng)
        return
    if raw_score is None:
        start = loss.init_score(y)
        raw_score = start + rng.normal(scale=1.0, size=y.size) * max(1.0, float(np.std(y))) * (
            0.3 if getattr(getattr(loss, "link", None), "name", "identity") == "log" else 1.0)
    raw_score = np.asarray(raw_score, dtype=np.float64)
    weight = rng.uniform(0.2, 3.0, size=y.size)
    # An "auto" scale depends on all residuals, which finite differences move: the
    # derivatives are those of the loss with its scale fixed for these residuals.
    fixed = _fixed_scale(loss, y, raw_score)
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
        _check_pickle(loss, y, raw_score)
    if "partitions" in checks:
        _check_partitions(loss, y, raw_score, weight, rng)


__all__ = ["ALL_CHECKS", "SimulatedWorkers", "check_loss"]
