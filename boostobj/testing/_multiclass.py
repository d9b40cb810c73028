"""The checks of a multiclass loss: (n, K) raw scores, per class and over constant vectors."""

from __future__ import annotations

import numpy as np

from ._common import check_duplicated_row, check_pickle, close, expect_value_error, fail
from ._workers import check_partitions


def is_multiclass(loss, y):
    """Whether the loss keeps K raw scores per row for these targets."""
    raw_score_shape = getattr(loss, "raw_score_shape", None)
    return raw_score_shape is not None and len(raw_score_shape(y)) == 2


def check_output_gradients(loss, y, raw, names):
    """Each output's gradient against central finite differences (``names``: how the
    failure calls output k); returns the gradient and hessian, checked float64 (n, K)."""
    gradient, hessian = loss.gradient_hessian(y, raw)
    for label, value in (("gradient", gradient), ("hessian", hessian)):
        if np.shape(value) != raw.shape or np.asarray(value).dtype != np.float64:
            fail(loss, f"{label} shape/dtype", f"expected float64 of shape {raw.shape}, got "
                 f"{np.asarray(value).dtype} of shape {np.shape(value)}")
    for k in range(raw.shape[1]):
        step = np.zeros_like(raw)
        step[:, k] = 1e-5 * np.maximum(1.0, np.abs(raw[:, k]))
        numeric = (loss.loss(y, raw + step) - loss.loss(y, raw - step)) / (2 * step[:, k])
        ok, error = close(gradient[:, k], numeric, 1e-4, 1e-6)
        if not ok.all():
            i = int(np.argmax(np.where(ok, -1, error)))
            fail(loss, f"gradient of {names(k)} disagrees with central finite differences",
                 f"row {i}: gradient {float(gradient[i, k])!r}, finite difference "
                 f"{float(numeric[i])!r} ({int((~ok).sum())} of {ok.size} rows off)")
    return gradient, hessian


def _check_multiclass_derivatives(loss, y, raw):
    """Each class's gradient (and exact hessian) against finite differences."""
    gradient, hessian = check_output_gradients(loss, y, raw, lambda k: f"class {k}")
    for k in range(raw.shape[1]):
        step = np.zeros_like(raw)
        step[:, k] = 1e-5 * np.maximum(1.0, np.abs(raw[:, k]))
        h = step[:, k]
        if getattr(loss, "exact_hessian", True):
            numeric = (loss.gradient_hessian(y, raw + step)[0][:, k]
                       - loss.gradient_hessian(y, raw - step)[0][:, k]) / (2 * h)
            ok, error = close(hessian[:, k], numeric, 1e-4, 1e-6)
            if not ok.all():
                i = int(np.argmax(np.where(ok, -1, error)))
                fail(loss, f"hessian of class {k} disagrees with central finite differences",
                     f"row {i}: hessian {float(hessian[i, k])!r}, finite difference "
                     f"{float(numeric[i])!r}")
    if not np.all(np.isfinite(hessian)) or np.any(hessian < 0):
        fail(loss, "hessian must be finite and >= 0 for the booster",
             f"{int(np.sum(~np.isfinite(hessian) | (hessian < 0)))} entries are not")
    shifted = raw + 7.25
    if not np.allclose(loss.loss(y, shifted), loss.loss(y, raw), rtol=1e-9, atol=1e-12):
        fail(loss, "softmax invariance", "adding 7.25 to all K scores changes the loss")
    if not np.allclose(loss.gradient_hessian(y, shifted)[0], gradient, rtol=1e-7, atol=1e-12):
        fail(loss, "softmax invariance", "adding 7.25 to all K scores changes the gradient")


def _check_multiclass_init_score(loss, y, weight, rng):
    """The start minimises the weighted loss over constant (K,) vectors."""
    start = np.asarray(loss.init_score(y, weight), dtype=np.float64)
    n_classes = loss.raw_score_shape(y)[1]
    if start.shape != (n_classes,) or not np.all(np.isfinite(start)):
        fail(loss, "init score", f"expected {n_classes} finite values, got {start!r}")

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
                    fail(loss, "init score does not minimise the weighted loss over "
                         "constant vectors", f"init_score={start!r} gives {best!r}, "
                         f"{constant!r} gives {value!r}")


def _check_multiclass_weights(loss, y, raw, rng):
    weight = rng.uniform(0.5, 2.0, size=len(y))
    weight[0] = 2.0
    plain = loss.gradient_hessian(y, raw)
    weighted = loss.gradient_hessian(y, raw, weight)
    for label, a, b in (("gradient", plain[0], weighted[0]), ("hessian", plain[1], weighted[1])):
        if not np.allclose(b, a * weight[:, None], rtol=1e-12, atol=1e-12):
            fail(loss, f"weighted {label} is not weight x unweighted", "rows differ")
    check_duplicated_row(loss, y, raw, weight, rtol=1e-7, atol=1e-9)


def check_finite_at_extreme_scores(loss, y, n_outputs, *, all_equal=False):
    """Fail unless the loss, gradient, hessian and prediction are finite at raw scores up to
    ±1e6 (each row a rotation of the extremes; ``all_equal`` adds rows of one extreme)."""
    extremes = np.array([1e6, -1e6, 1e3, -1e3, 30.0, -30.0, 0.0])
    rows = np.array([np.roll(np.resize(extremes, n_outputs), shift)
                     for shift in range(len(extremes))])
    if all_equal:
        rows = np.concatenate([rows, np.column_stack([extremes] * n_outputs)])
    targets = y[np.resize(np.arange(len(y)), len(rows))]
    with np.errstate(all="ignore"):
        outputs = {"loss": loss.loss(targets, rows)}
        outputs["gradient"], outputs["hessian"] = loss.gradient_hessian(targets, rows)
        outputs["predict"] = loss.predict(rows)
    for label, values in outputs.items():
        if not np.all(np.isfinite(values)):
            fail(loss, f"{label} must be finite at extreme inputs",
                 f"scores up to ±1e6 give {values!r}")


def _check_multiclass_extremes(loss, y, n_classes):
    """Finite values at raw scores up to ±1e6."""
    check_finite_at_extreme_scores(loss, y, n_classes)
    if y.ndim == 1:  # class ids: every row of class 0, K from the raw scores
        start = loss.init_score(np.zeros(5), None, n_classes)
    else:
        start = loss.init_score(np.eye(y.shape[1])[np.zeros(5, dtype=int)])
    if not np.all(np.isfinite(start)):
        fail(loss, "init score must be finite at extreme targets", f"{start!r}")


def _check_multiclass_bad_input(loss, y, raw):
    """Bad class ids, soft-label rows, weights and shapes raise a ``ValueError``."""
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
        expect_value_error(loss, label, call)


def run_output_checks(loss, y, raw, checks, rng, *, derivatives, extremes, bad_input,
                      spread):
    """The checks of a loss of K raw scores per row, with the family's own ``derivatives``,
    ``extremes`` and ``bad_input`` checks; raw scores default to the start plus normal
    noise of sd ``spread``."""
    n_outputs = loss.raw_score_shape(y)[1]
    if raw is None:
        start = np.asarray(loss.init_score(y), dtype=np.float64)
        raw = start + rng.normal(scale=spread, size=(len(y), n_outputs))
    raw = np.asarray(raw, dtype=np.float64)
    weight = rng.uniform(0.2, 3.0, size=len(y))
    if "derivatives" in checks:
        derivatives(loss, y, raw, rng)
    if "init_score" in checks:
        _check_multiclass_init_score(loss, y, None, rng)
        _check_multiclass_init_score(loss, y, weight, rng)
    if "weights" in checks:
        _check_multiclass_weights(loss, y, raw, rng)
    if "extremes" in checks:
        extremes(loss, y, n_outputs)
    if "bad_input" in checks:
        bad_input(loss, y, raw)
    if "pickle" in checks:
        check_pickle(loss, y, raw)
    if "partitions" in checks:
        check_partitions(loss, y, raw, weight, rng, n_outputs)


def check_multiclass_loss(loss, y, raw, checks, rng):
    """``check_loss`` for a multiclass loss: (n, K) raw scores."""
    run_output_checks(loss, y, raw, checks, rng,
                      derivatives=lambda loss, y, raw, rng: _check_multiclass_derivatives(
                          loss, y, raw),
                      extremes=_check_multiclass_extremes,
                      bad_input=_check_multiclass_bad_input, spread=1.5)
