"""Every loss's properties (``check_loss`` over the registry and its variants), reference values,
bad input, and ``check_loss`` catching broken losses."""

import pickle
import re

import numpy as np
import pytest
from conftest import all_losses

import boostobj
from boostobj.losses import BaseLoss
from boostobj.losses.regression import SquaredError
from boostobj.testing import ALL_CHECKS, check_loss
from boostobj.testing._common import sample_targets

LOSSES = all_losses()


def grouping(loss, n_rows):
    """What a loss's methods take beside y: nothing, or (ranking losses) groups of 5 rows."""
    return {"group": np.full(n_rows // 5, 5)} if loss.grouped else {}


def n_weights(loss, n_rows):
    """One weight per row, or per group of 5 rows for the ranking losses."""
    return n_rows // 5 if loss.grouped else n_rows


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.spec)
@pytest.mark.parametrize("seed", [0, 1])
def test_check_loss(loss, seed):
    check_loss(loss, random_state=seed)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.spec)
def test_gradient_hessian_are_float64_and_weighted(loss, rng):
    y = sample_targets(loss, 50, rng)
    shape = loss.raw_score_shape(y)
    groups = grouping(loss, 50)
    raw = np.broadcast_to(loss.init_score(y, **groups), shape) + rng.normal(size=shape) * 0.1
    gradient, hessian = loss.gradient_hessian(y, raw, np.full(n_weights(loss, 50), 3.0),
                                              **groups)
    plain_gradient, plain_hessian = loss.gradient_hessian(y, raw, **groups)
    assert gradient.dtype == hessian.dtype == np.float64
    np.testing.assert_allclose(gradient, 3.0 * plain_gradient)
    np.testing.assert_allclose(hessian, 3.0 * plain_hessian)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.spec)
@pytest.mark.parametrize("size", [1e150, 1e200, 1e300])
def test_no_overflow_error_anywhere_in_the_float64_range(loss, size, rng):
    # Values past the float range are inf (the loss itself can be that large); gradients,
    # hessians, starts and leaf values stay finite, and nothing raises.
    y = sample_targets(loss, 40, rng)
    shape = loss.raw_score_shape(y)
    raw = np.where(rng.uniform(size=shape) < 0.5, -size, size)
    groups = grouping(loss, 40)
    with np.errstate(all="ignore"):
        loss.loss(y, raw, **groups)
        loss.metric(y, raw, **groups)
        gradient, hessian = loss.gradient_hessian(y, raw, **groups)
        assert np.all(np.isfinite(gradient)) and np.all(np.isfinite(hessian))
        if loss.grouped:
            assert loss.init_score(y * size, **groups) == 0.0
        elif len(shape) == 1:
            leaf = np.arange(40) % 3
            assert np.all(np.isfinite(loss.leaf_values(y, raw, None, leaf, 3)))
            if loss.target_domain.low == -np.inf:  # targets of any size
                assert np.isfinite(loss.init_score(y * size))


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.spec)
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_raw_scores_are_refused(loss, bad, rng):
    y = sample_targets(loss, 10, rng)
    raw = np.zeros(loss.raw_score_shape(y))
    raw.reshape(-1)[3] = bad
    with pytest.raises(ValueError, match=rf"{loss.name}: raw_score must be finite, got "
                                         rf"-?{bad!r} at index 3"):
        loss.gradient_hessian(y, raw, **grouping(loss, 10))


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.spec)
def test_pickle_and_spec_round_trip(loss):
    assert pickle.loads(pickle.dumps(loss)) == loss
    assert boostobj.get_loss(loss.spec) == loss


def test_reference_values():
    y = np.array([0.0, 0.0, 0.0])
    raw = np.array([0.5, 2.0, -3.0])
    np.testing.assert_allclose(boostobj.get_loss("squared_error").loss(y, raw), [0.125, 2.0, 4.5])
    # Huber δ=1: ½r² inside, δ(|r| - ½δ) outside.
    np.testing.assert_allclose(boostobj.get_loss("huber:delta=1").loss(y, raw), [0.125, 1.5, 2.5])
    # Pinball α=0.9 with r = f - y: over-prediction costs 0.1 r, under-prediction 0.9 |r|.
    np.testing.assert_allclose(boostobj.get_loss("quantile:alpha=0.9").loss(y, raw),
                               [0.05, 0.2, 2.7])
    # Fair c=1: |r| - log(1 + |r|).
    np.testing.assert_allclose(boostobj.get_loss("fair:c=1").loss(y, raw),
                               np.abs(raw) - np.log1p(np.abs(raw)))
    # Poisson: e^f - y f.
    np.testing.assert_allclose(boostobj.get_loss("poisson").loss(np.array([2.0]), np.array([0.0])), [1.0])


def test_log_cosh_does_not_overflow():
    loss = boostobj.get_loss("log_cosh:scale=1,hessian=exact")
    value = loss.loss(np.array([0.0]), np.array([1000.0]))
    np.testing.assert_allclose(value, [1000.0 - np.log(2.0)])
    gradient, hessian = loss.gradient_hessian(np.array([0.0]), np.array([1000.0]))
    assert gradient[0] == 1.0 and hessian[0] == 0.0  # sech² underflows: the stall it causes
    gradient, irls = boostobj.get_loss("log_cosh:scale=1").gradient_hessian(np.array([0.0]), np.array([1000.0]))
    assert gradient[0] == 1.0 and irls[0] == pytest.approx(1e-3)  # tanh(x)/x keeps learning


def test_init_scores_closed_forms(rng):
    y = rng.normal(size=101)
    w = rng.uniform(0.5, 2.0, size=101)
    assert boostobj.get_loss("squared_error").init_score(y, w) == pytest.approx(np.average(y, weights=w))
    assert boostobj.get_loss("absolute_error").init_score(y) == pytest.approx(np.median(y))
    assert boostobj.get_loss("expectile").init_score(y, w) == pytest.approx(np.average(y, weights=w))
    counts = rng.poisson(3.0, size=101).astype(float)
    assert boostobj.get_loss("poisson").init_score(counts, w) == pytest.approx(
        np.log(np.average(counts, weights=w)))


def test_huber_stand_in_hessian_is_irls_weight():
    gradient, hessian = boostobj.get_loss("huber:delta=2").gradient_hessian(
        np.zeros(3), np.array([1.0, 4.0, -8.0]))
    np.testing.assert_allclose(gradient, [1.0, 2.0, -2.0])
    np.testing.assert_allclose(hessian, [1.0, 0.5, 0.25])


class WrongGradient(SquaredError):
    name = "wrong_gradient"

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        gradient[:] = 2.0 * (raw_score - y)
        hessian[:] = 1.0


class WrongHessian(SquaredError):
    name = "wrong_hessian"

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        gradient[:] = raw_score - y
        hessian[:] = 0.5


class WrongInit(SquaredError):
    name = "wrong_init"

    def _init_score(self, y, sample_weight):
        return float(np.median(y)) + 0.3


class Overflows(SquaredError):
    name = "overflows"

    def _loss(self, y, raw_score):
        return np.exp(np.abs(raw_score - y))

    def _gradient_hessian(self, y, raw_score, gradient, hessian):
        hessian[:] = np.exp(np.abs(raw_score - y))
        gradient[:] = np.sign(raw_score - y) * hessian

    def _init_score(self, y, sample_weight):
        return float(np.median(y))


class NoValidation:
    """A user's loss that forgets to check its inputs."""

    name = "no_validation"

    def loss(self, y, raw_score, sample_weight=None):
        values = 0.5 * (np.asarray(raw_score) - y) ** 2
        return values if sample_weight is None else values * sample_weight

    def gradient_hessian(self, y, raw_score, sample_weight=None):
        w = 1.0 if sample_weight is None else sample_weight
        return (np.asarray(raw_score, float) - y) * w, np.ones_like(raw_score, dtype=float) * w

    def init_score(self, y, sample_weight=None):
        return float(np.average(y, weights=sample_weight))

    def predict(self, raw_score):
        return raw_score

    def metric(self, y, raw_score, sample_weight=None):
        return float(np.average(self.loss(y, raw_score), weights=sample_weight))


class LocalStart(SquaredError):
    """Right on one machine, but its start is a mean of this worker's rows alone."""

    name = "local_start"

    def _init_score(self, y, sample_weight):
        return float(np.average(y, weights=sample_weight))


@pytest.mark.parametrize("broken, checks, expected", [
    (LocalStart(), ALL_CHECKS, "init score without weights on worker 0 of 3"),
    (WrongGradient(), ALL_CHECKS, "gradient disagrees"),
    (WrongHessian(), ALL_CHECKS, "hessian disagrees"),
    (WrongInit(), ALL_CHECKS, "init score does not minimise"),
    (Overflows(), ("extremes",), "must be finite at extreme inputs"),
    (NoValidation(), ALL_CHECKS, "bad input (NaN in y)"),
])
def test_check_loss_catches_broken_losses(broken, checks, expected):
    with pytest.raises(AssertionError, match=re.escape(expected)):
        check_loss(broken, checks=checks)


def test_check_loss_passes_a_users_correct_loss_without_validation_checks():
    checks = ("derivatives", "init_score", "weights", "extremes", "pickle")
    check_loss(NoValidation(), checks=checks)


@pytest.mark.parametrize("spec, message", [
    ("quantile:alpha=1.1", r"quantile: alpha == 1.1, must be < 1.0"),
    ("quantile:alpha=0", r"quantile: alpha == 0.0, must be > 0.0"),
    ("expectile:alpha=-0.2", r"expectile: alpha == -0.2, must be > 0.0"),
    ("huber:delta=-1", r"huber: delta == -1.0, must be > 0.0"),
    ("huber:delta=0", r"huber: delta == 0.0, must be > 0.0"),
    ("pseudo_huber:delta=nan", r"pseudo_huber: delta == nan, must be finite"),
    ("log_cosh:scale=abc", r"log_cosh: scale == 'abc', must be a number > 0 or 'auto'"),
    ("tweedie:power=2", r"tweedie: power == 2.0, must be < 2.0"),
    ("fair:c=0", r"fair: c == 0.0, must be > 0.0"),
    ("truncated_squared", r"truncated_squared: threshold is required"),
])
def test_bad_parameters(spec, message):
    with pytest.raises(ValueError, match=message):
        boostobj.get_loss(spec)


@pytest.mark.parametrize("name, y, message", [
    ("poisson", [1.0, -2.0], r"poisson: y must be >= 0, got -2.0 at index 1"),
    ("gamma", [1.0, 0.0], r"gamma: y must be > 0, got 0.0 at index 1"),
    ("tweedie", [-1.0, 1.0], r"tweedie: y must be >= 0, got -1.0 at index 0"),
    ("squared_error", [1.0, np.nan], (r"squared_error: y contains NaN, infinity or a value too large "
      r"\(must be finite\), got nan at index 1")),
    ("huber", [np.inf, 1.0], (r"huber: y contains NaN, infinity or a value too large "
      r"\(must be finite\), got inf at index 0")),
])
def test_bad_targets_name_loss_and_value(name, y, message):
    loss = boostobj.get_loss(name)
    with pytest.raises(ValueError, match=message):
        loss.gradient_hessian(np.array(y), np.zeros(2))


def test_bad_weights_and_lengths():
    loss = boostobj.get_loss("squared_error")
    with pytest.raises(ValueError, match=r"squared_error: sample_weight must be finite and >= 0, got -1.0 at index 0"):
        loss.metric(np.zeros(2), np.zeros(2), np.array([-1.0, 1.0]))
    with pytest.raises(ValueError, match=r"squared_error: sample_weight has 3 values but y has 2"):
        loss.init_score(np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match=r"squared_error: raw_score has 1 values but y has 2"):
        loss.loss(np.zeros(2), np.zeros(1))
    with pytest.raises(ValueError, match=r"squared_error: sample_weight sums to zero"):
        loss.init_score(np.zeros(2), np.zeros(2))


def test_check_loss_names_a_kernel_with_the_wrong_signature():
    class Guessed(BaseLoss):
        name = "guessed"

        def _loss(self, y, raw_score):
            return 0.5 * (raw_score - y) ** 2

        def _gradient_hessian(self, y, raw_score):  # the natural guess: return (g, h)
            return raw_score - y, np.ones_like(y)

    class Returning(Guessed):
        def _gradient_hessian(self, y, raw_score, gradient, hessian):
            return raw_score - y, np.ones_like(y)

    with pytest.raises(AssertionError, match=re.escape(
            "Guessed._gradient_hessian(y, raw_score) cannot be called as _gradient_hessian(y, "
            "raw_score, gradient, hessian)")):
        check_loss(Guessed())
    with pytest.raises(AssertionError, match="must fill gradient and hessian in place .* "
                                             "returned a value"):
        check_loss(Returning())
