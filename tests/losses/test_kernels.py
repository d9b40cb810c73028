"""The compiled kernels against their numpy references, bit for bit, and the fast paths of
the numeric helpers against the plain numpy they replace.

Where the package was installed without a C compiler the compiled kernels are absent and
boostobj runs the numpy ones: the comparisons are skipped, the references still tested."""

import subprocess
import sys

import numpy as np
import pytest

import boostobj
from boostobj import _numerics as nm
from boostobj.losses import LeafPenalty

compiled = pytest.mark.skipif(not nm.KERNELS_BUILT, reason="compiled kernels not built")

# The losses whose leaf M-estimates have a compiled kernel, and two that go numpy's way.
M_ESTIMATE_LOSSES = ["huber", "huber:delta=0.5", "fair", "fair:hessian=exact", "cauchy",
                     "cauchy:c=0.3", "log_cosh", "pseudo_huber"]
PENALTIES = [None, LeafPenalty(l2=3.0), LeafPenalty(l2=2.0, l1=5.0, max_delta_step=0.4)]


@pytest.fixture(scope="module")
def leaf_data():
    rng = np.random.default_rng(7)
    n = 40_000
    y = rng.standard_t(2, n) * 3.0
    raw = rng.normal(size=n)
    leaf = rng.integers(0, 30, n)
    leaf[leaf == 11] = 12  # a leaf without rows
    return y, raw, rng.uniform(0.2, 3.0, n), leaf


@compiled
@pytest.mark.parametrize("spec", M_ESTIMATE_LOSSES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("penalty", PENALTIES)
def test_leaf_m_estimates_equal_numpy_bit_for_bit(leaf_data, spec, weighted, penalty):
    y, raw, weights, leaf = leaf_data
    loss = boostobj.get_loss(spec)
    w = weights if weighted else None
    fast = loss.leaf_values(y, raw, w, leaf, 31, penalty=penalty)
    with nm.numpy_kernels():
        reference = loss.leaf_values(y, raw, w, leaf, 31, penalty=penalty)
    np.testing.assert_array_equal(fast, reference)
    assert np.isnan(fast[[11, 30]]).all() and np.isfinite(np.delete(fast, [11, 30])).all()


@pytest.mark.parametrize("spec", ["huber", "fair", "cauchy"])
def test_leaf_m_estimates_are_each_leafs_minimiser(leaf_data, spec):
    # Each leaf stops on its own (the numpy path freezes converged leaves): the value is
    # still the root of the leaf's summed gradient, to the tolerance.
    y, raw, _, leaf = leaf_data
    loss = boostobj.get_loss(spec).fix_scale(y, raw)
    values = loss.leaf_values(y, raw, None, leaf, 31)
    for index in (0, 5, 29):
        rows = leaf == index
        gradient, hessian = loss.gradient_hessian(y[rows], raw[rows] + values[index])
        assert abs(gradient.sum()) <= 1e-7 * hessian.sum()


@compiled
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
def test_grouped_quantile_equals_numpy(leaf_data, weighted, alpha):
    y, raw, weights, leaf = leaf_data
    w = weights if weighted else None
    fast = nm.grouped_quantile(y - raw, w, leaf, 31, alpha)
    with nm.numpy_kernels():
        reference = nm.grouped_quantile(y - raw, w, leaf, 31, alpha)
    np.testing.assert_array_equal(fast, reference)
    for index in (0, 7, 29):
        rows = leaf == index
        assert fast[index] == nm.weighted_quantile((y - raw)[rows], None if w is None
                                                   else w[rows], alpha)


def test_grouped_orders_rows_stably_and_refuses_groups_out_of_range(rng):
    groups = rng.integers(0, 5, 1000)
    values = rng.normal(size=1000)
    counts, grouped = nm.grouped(groups, 6, values)
    np.testing.assert_array_equal(counts, np.bincount(groups, minlength=6))
    np.testing.assert_array_equal(grouped, values[np.argsort(groups, kind="stable")])
    with nm.numpy_kernels():
        np.testing.assert_array_equal(nm.grouped(groups, 6, values)[1], grouped)
    with pytest.raises(ValueError, match="0 .. 3"):
        nm.grouped(groups, 4, values)


@pytest.mark.parametrize("n_values", [1, 2, 3, 8, 63, 200])
def test_nearest_value_is_searchsorted_over_midpoints(rng, n_values):
    values = np.sort(rng.normal(size=n_values))
    if n_values > 3:
        values[2] = values[1] + 1e-13  # two leaves sharing a value
        values = np.sort(values)
    midpoints = (values[1:] + values[:-1]) / 2
    x = np.concatenate([rng.normal(size=5000) * 2, midpoints, values,
                        np.nextafter(midpoints, np.inf), np.nextafter(midpoints, -np.inf),
                        [np.inf, -np.inf, 1e300, -1e300]])
    index, error = nm.nearest_value(values, x, 1e-10)
    assert error == np.max(np.abs(x - values[index]))
    if nm.KERNELS_BUILT:  # compiled: exactly the nearest value, for every x
        np.testing.assert_array_equal(index, np.searchsorted(midpoints, x))
    # numpy's table: the same leaf for every x within the tolerance of a value, apart
    # from values the tolerance cannot tell apart.
    near = values[rng.integers(0, n_values, 5000)] + rng.uniform(-1e-11, 1e-11, 5000)
    with nm.numpy_kernels():
        reference, reference_error = nm.nearest_value(values, near, 1e-10)
    fast, fast_error = nm.nearest_value(values, near, 1e-10)
    apart = np.abs(values[fast] - values[reference]) > 2e-10
    assert not apart.any() and fast_error <= 2e-11 and reference_error <= 2e-11


def test_nearest_value_error_is_infinite_for_nan(rng):
    values = np.sort(rng.normal(size=10))
    x = np.append(rng.normal(size=10), np.nan)
    assert nm.nearest_value(values, x, 1e-10)[1] == np.inf


@pytest.mark.parametrize("make", [
    lambda rng, n: rng.normal(size=n),
    lambda rng, n: np.sort(rng.normal(size=n)),  # an order the sample brackets well
    lambda rng, n: rng.integers(0, 4, n).astype(float),  # ties
    lambda rng, n: np.append(rng.normal(size=n - 50), np.full(50, np.nan)),
    lambda rng, n: np.where(np.arange(n) % 64 == 0, 1e6, rng.normal(size=n)),  # a bad sample
])
def test_kth_smallest_is_the_partition(rng, make):
    values = make(rng, 100_000)
    for k in (0, 1, 9_999, 50_000, 99_999):
        expected = np.partition(values, k)[k]
        result = nm.kth_smallest(values, k)
        assert result == expected or (np.isnan(result) and np.isnan(expected))


def test_robust_scale_is_the_normalised_mad(rng):
    residual = rng.standard_t(3, 200_001)
    centre = np.median(residual)
    assert nm.robust_scale(residual) == 1.4826 * np.median(np.abs(residual - centre))


def test_kernels_say_which_run():
    assert nm.kernels() == ("compiled" if nm.KERNELS_BUILT else "numpy")
    with nm.numpy_kernels():
        assert nm.kernels() == "numpy"
    version = subprocess.run([sys.executable, "-m", "boostobj", "--version"],
                             capture_output=True, text=True, check=True).stdout
    assert f"{nm.kernels()} kernels" in version


def test_kernel_threads_bound_the_thread_count():
    with nm.kernel_threads(1):
        assert nm._thread_count(None) == 1
        assert nm._thread_count(8) == min(8, nm.available_cpus())
    assert nm._thread_count(None) == nm.available_cpus()
