"""The checks of a ranking loss over query groups: per group, invariant to a constant per
group, equivariant under permutations within a group, weight 2 = a duplicated group."""

from __future__ import annotations

import pickle

import numpy as np

from ._common import close, expect_value_error, fail, sample_targets
from ._workers import SimulatedWorkers, same


def _sample_groups(loss, n_samples, rng):
    """Group sizes 1 .. 12 covering about ``n_samples`` rows, labels from the loss's domain,
    and one group whose labels are all 0 (it contributes nothing)."""
    sizes = rng.integers(1, 13, size=max(4, n_samples // 6))
    y = sample_targets(loss, int(sizes.sum()), rng)
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
    """Each row's gradient against finite differences of its group's loss."""
    gradient, hessian = loss.gradient_hessian(y, raw, group=sizes)
    for label, value in (("gradient", gradient), ("hessian", hessian)):
        if np.shape(value) != np.shape(raw) or np.asarray(value).dtype != np.float64:
            fail(loss, f"{label} shape/dtype", f"expected float64 of shape {np.shape(raw)}, "
                 f"got {np.asarray(value).dtype} of shape {np.shape(value)}")
    checks = [("gradient", gradient, _grouped_numeric_gradient(loss, y, raw, sizes))]
    if not np.all(np.isfinite(hessian)) or np.any(hessian < 0):
        fail(loss, "hessian must be finite and >= 0 for the booster",
             f"min {float(np.min(hessian))!r}")
    if getattr(loss, "exact_hessian", True):
        checks.append(("hessian", hessian,
                       _grouped_numeric_gradient(loss, y, raw, sizes, of="gradient")))
    for label, value, numeric in checks:
        ok, error = close(value, numeric, 1e-4, 1e-6)
        if not ok.all():
            i = int(np.argmax(np.where(ok, -1, error)))
            fail(loss, f"{label} disagrees with central finite differences",
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
        fail(loss, "invariance to a constant per group",
             "adding a constant to a group's scores changed its loss or derivatives")
    order = np.concatenate([rng.permutation(group) for group in _group_rows(sizes)])
    permuted = loss.gradient_hessian(y[order], raw[order], group=sizes)
    if not (np.allclose(permuted[0], gradient[order], rtol=1e-9, atol=1e-12)
            and np.allclose(loss.loss(y[order], raw[order], group=sizes), values, rtol=1e-9)):
        fail(loss, "equivariance under permuting rows within a group",
             "permuting a group's rows changed its loss or did not permute its gradients")
    start = loss.init_score(y, group=sizes)
    if start != 0.0:
        fail(loss, "init score", f"expected 0 (a constant per group changes nothing), got "
             f"{start!r}")


def _check_grouped_weights(loss, y, raw, sizes, rng):
    """Weight 2 on a group equals the group duplicated; weights scale the derivatives."""
    weight = rng.uniform(0.2, 3.0, size=len(sizes))
    gradient, hessian = loss.gradient_hessian(y, raw, group=sizes)
    weighted = loss.gradient_hessian(y, raw, weight, group=sizes)
    row_weight = np.repeat(weight, sizes)
    if not (np.allclose(weighted[0], row_weight * gradient, rtol=1e-9, atol=1e-12)
            and np.allclose(weighted[1], row_weight * hessian, rtol=1e-9, atol=1e-12)):
        fail(loss, "weights", "the weighted derivatives are not the group's weight times "
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
            fail(loss, f"weight 2 == duplicated group ({label})",
                 f"weighted {got!r}, duplicated {expected!r}")
    mean = float(np.sum(loss.loss(y, raw, weight, group=sizes)) / np.sum(weight))
    if not np.isclose(loss.metric(y, raw, weight, group=sizes), mean, rtol=1e-9):
        fail(loss, "metric", "the metric is not the weighted mean of the groups' losses")


def _check_grouped_extremes(loss, y, sizes, rng):
    for size in (1e3, 1e6):
        raw = np.where(rng.uniform(size=y.size) < 0.5, -size, size)
        with np.errstate(all="ignore"):
            values = loss.loss(y, raw, group=sizes)
            gradient, hessian = loss.gradient_hessian(y, raw, group=sizes)
        for label, value in (("loss", values), ("gradient", gradient), ("hessian", hessian)):
            if not np.all(np.isfinite(value)):
                fail(loss, "finite at extreme scores", f"{label} not finite for scores "
                     f"±{size:g}")
    big = y * 1e6
    if not np.all(np.isfinite(loss.gradient_hessian(big, y, group=sizes)[0])):
        fail(loss, "finite at extreme labels", "gradient not finite for labels up to 4e6")


def _check_grouped_bad_input(loss, y, raw, sizes):
    """Missing, empty, fractional groups or groups not covering the rows, bad
    weights and labels raise a ``ValueError``.
    """
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
        expect_value_error(loss, label, call)


def check_grouped_loss(loss, y, raw, checks, rng, n_samples):
    """``check_loss`` for a ranking loss over query groups."""
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
            fail(loss, "pickle", "the unpickled loss computes different values")
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
            if not same(value, expected):
                fail(loss, "the metric over groups on several workers must equal one "
                     "process's", f"worker {rank}: {value!r}, one process: {expected!r}")
