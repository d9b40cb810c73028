# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled kernels: the per-row loops of leaf renewal that numpy takes several passes for.

Each kernel is serial and runs without the GIL, so that ``boostobj._numerics`` can run
blocks of rows (or runs of leaves) on its own thread pool; none uses OpenMP, whose thread
pool conflicts with the engines' own after a fork. Each equals its numpy reference in
``boostobj._numerics`` bit for bit (the same IEEE operations in the same order; the build
turns off floating-point contraction), and the tests compare them.
"""

from libc.math cimport INFINITY, fabs

# The robust losses a leaf's M-estimate is computed for here (see ``m_estimates``); the
# others take numpy's path. Only +, -, *, / and comparisons: correctly rounded, so the
# same bits as numpy's ufuncs.
cdef enum:
    _HUBER = 1
    _FAIR = 2
    _FAIR_EXACT = 3
    _CAUCHY = 4

HUBER, FAIR, FAIR_EXACT, CAUCHY = _HUBER, _FAIR, _FAIR_EXACT, _CAUCHY


def nearest(const double[::1] midpoints, const Py_ssize_t[::1] first, double origin,
            double scale, const double[::1] values, const double[::1] x,
            Py_ssize_t[::1] out):
    """out[i] = ``np.searchsorted(midpoints[:-1], x[i])``: the index of the entry of
    ``values`` (sorted; ``midpoints`` between consecutive ones, then +inf) nearest x[i].
    Returns max |x[i] - values[out[i]]|, infinite where an x is NaN.

    A bucketed search: x falls in cell c = (x - origin) * scale (clipped to the table),
    ``first[c]`` is the first midpoint at or above the start of cell c - 1 (one cell back,
    against rounding in c), and the midpoints from there are stepped through; with a few
    times more cells than midpoints that is a step or two, taken without branching (a
    binary search on random rows mispredicts a branch at every level)."""
    cdef Py_ssize_t i, j, n = x.shape[0], m = midpoints.shape[0] - 1
    cdef double v, cell, error, largest = 0.0, top = first.shape[0] - 1
    with nogil:
        for i in range(n):
            v = x[i]
            if v != v:  # NaN: after every midpoint, as numpy sorts it
                out[i] = m
                largest = INFINITY
                continue
            cell = (v - origin) * scale
            cell = cell if cell > 0.0 else 0.0
            cell = cell if cell < top else top
            j = first[<Py_ssize_t> cell]
            # Two unconditional steps (a cell and the one before it hold at most one
            # midpoint each where the cells are finer than the midpoints' gaps), then a
            # loop that rarely runs. midpoints[m] is +inf.
            j += midpoints[j] < v
            j += midpoints[j] < v
            while midpoints[j] < v:
                j += 1
            out[i] = j
            error = fabs(v - values[j])
            if error > largest:
                largest = error
    return largest


def m_estimates(int kind, double scale, const double[::1] y, const double[::1] raw,
                const double[::1] weight, const Py_ssize_t[::1] starts, double[::1] value,
                const unsigned char[::1] present, double l2, double l1, double bound,
                double tolerance, int max_iter, Py_ssize_t first, Py_ssize_t last):
    """Leaves ``first`` .. ``last - 1``: Newton steps (with the loss's stand-in hessian)
    from ``value`` until a step is within tolerance, on each leaf's own rows
    ``starts[l]`` .. ``starts[l + 1] - 1`` of ``y`` and ``raw`` (grouped by leaf;
    ``weight`` empty for unit weights). The per-leaf form of
    ``BaseLoss._leaf_values``'s lock-step iteration, step for step (penalty λ ``l2``,
    α ``l1``, bound m ``bound``; 0 for none)."""
    cdef Py_ssize_t leaf, i
    cdef int iteration
    cdef bint weighted = weight.shape[0] > 0
    cdef double v, r, a, z, g, h, gradient, hessian, curvature, target, slope, step
    with nogil:
        for leaf in range(first, last):
            if not present[leaf]:
                continue
            v = value[leaf]
            for iteration in range(max_iter):
                gradient = 0.0
                hessian = 0.0
                for i in range(starts[leaf], starts[leaf + 1]):
                    r = (v + raw[i]) - y[i]
                    if kind == _HUBER:
                        a = fabs(r)
                        h = scale / (a if a > scale else scale)
                        g = r if r > -scale else -scale
                        g = g if g < scale else scale
                    elif kind == _CAUCHY:
                        z = r / scale
                        h = 1.0 / (z * z + 1.0)
                        g = r * h
                    else:  # FAIR, FAIR_EXACT
                        a = fabs(r) + scale
                        g = (r / a) * scale
                        h = scale / a
                        if kind == _FAIR_EXACT:
                            h = h * h
                    if weighted:
                        g = g * weight[i]
                        h = h * weight[i]
                    gradient += g
                    hessian += h
                curvature = hessian + l2
                target = v
                if curvature > 0:
                    if l1 > 0:
                        slope = gradient - hessian * v
                        a = fabs(slope) - l1
                        a = a if a > 0.0 else 0.0
                        slope = ((slope > 0) - (slope < 0)) * a
                        target = -slope / curvature
                    else:
                        target = v - (gradient + l2 * v) / curvature
                if bound > 0:
                    target = target if target > -bound else -bound
                    target = target if target < bound else bound
                step = target - v
                v = v + step
                if not fabs(step) > tolerance + 1e-12 * fabs(v):
                    break
            value[leaf] = v


def group_values(const Py_ssize_t[::1] groups, const Py_ssize_t[::1] starts,
                 const double[::1] values, double[::1] out):
    """out = values[np.argsort(groups, kind="stable")], ``starts`` each group's first
    position in that order: one pass that reads ``values`` in row order."""
    cdef Py_ssize_t i, g, n = groups.shape[0]
    cdef Py_ssize_t[::1] cursor = starts.copy()
    with nogil:
        for i in range(n):
            g = groups[i]
            out[cursor[g]] = values[i]
            cursor[g] += 1

