"""What every family's checks share: the failure, tolerances, sampled targets, and the
checks of bad input, pickling, duplicated rows and a fixed ``"auto"`` scale."""

from __future__ import annotations

import pickle

import numpy as np


class _Failure(AssertionError):
    pass


def fail(loss, prop, detail):
    """Raise the check's failure, naming the loss, the property and what was found."""
    raise _Failure(f"check_loss({loss!r}): {prop}: {detail}")


def sample_targets(loss, n, rng):
    """``n`` targets inside the loss's domain (Student-t around 1 without one)."""
    domain = getattr(loss, "target_domain", None)
    if hasattr(domain, "sample"):
        return domain.sample(rng, n)
    return rng.standard_t(5, size=n) * 2.0 + 1.0


def close(actual, expected, rtol, atol):
    """(whether ``actual`` is within ``atol + rtol |expected|`` of ``expected``, the error)."""
    error = np.abs(actual - expected)
    return error <= atol + rtol * np.abs(expected), error


def expect_value_error(loss, label, call):
    """Fail unless ``call()`` raises a ``ValueError`` that names the loss."""
    try:
        call()
    except ValueError as error:
        name = getattr(loss, "name", None)
        if name and name not in str(error):
            fail(loss, f"bad input ({label})", f"the ValueError does not name the loss: {error}")
        return
    except Exception as error:  # noqa: BLE001 - reported as the failed property
        fail(loss, f"bad input ({label})", f"raised {type(error).__name__}, not ValueError: {error}")
    fail(loss, f"bad input ({label})", "no ValueError raised")


def check_pickle(loss, y, raw):
    """A pickled and unpickled loss gives the same values and gradients."""
    clone = pickle.loads(pickle.dumps(loss))
    if not np.array_equal(clone.loss(y, raw), loss.loss(y, raw)):
        fail(loss, "pickle", "the unpickled loss computes different values")


def check_duplicated_row(loss, y, raw, weight, rtol, atol):
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
            fail(loss, f"weight 2 must equal a duplicated row ({label})",
                 f"{with_weight!r} with weight 2, {with_duplicate!r} with the row duplicated")
    mean = float(np.sum(loss.loss(y, raw, weight)) / total_weight(loss, y, weight))
    if not np.isclose(loss.metric(y, raw, weight), mean, rtol=1e-9, atol=1e-12):
        fail(loss, "metric must be the weighted mean loss",
             f"metric {loss.metric(y, raw, weight)!r}, Σ w·loss / Σ w = {mean!r}")


def total_weight(loss, y, weight):
    """The metric's denominator for ``y`` and ``weight``."""
    total_weight = getattr(loss, "total_weight", None)
    return total_weight(y, weight) if total_weight is not None else float(np.sum(weight))


def fixed_scale(loss, y, raw, weight=None):
    """The loss with an "auto" scale fixed for these residuals, or None (no "auto" scale)."""
    fix_scale = getattr(loss, "fix_scale", None)
    if fix_scale is None:
        return None
    fixed = fix_scale(y, raw) if weight is None else fix_scale(y, raw, weight)
    return None if fixed is loss else fixed
