"""Classification losses: reference values, labels, probabilities, the focal hessian, bad labels
and parameters."""

import numpy as np
import pytest

import boostobj
from boostobj._numerics import expit


def test_cross_entropy_reference_values():
    raw = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 3.0]])
    y = np.array([0, 1, 1])
    softmax = boostobj.get_loss("softmax")
    per_sample = softmax.loss(y, raw)
    np.testing.assert_allclose(per_sample, [1.3133, 0.1269, 0.1269], atol=1e-4)
    # The issue text says "sum 1.5271"; the three values above sum to 1.5671 (mean 0.5224).
    assert per_sample.sum() == pytest.approx(1.5671, abs=1e-4)
    assert softmax.metric(y, raw) == pytest.approx(0.5224, abs=1e-4)
    weighted = boostobj.get_loss("softmax", class_weight=[1, 2])
    np.testing.assert_allclose(weighted.loss(y, raw), [1.3133, 0.2539, 0.2539], atol=1e-4)
    # PyTorch's CrossEntropyLoss(weight=[1, 2]) divides by the summed class weights, 5.
    assert weighted.metric(y, raw) == pytest.approx((1.3133 + 2 * 0.2539) / 5, abs=1e-4)
    assert weighted.total_weight(y) == 5.0


def test_binary_cross_entropy_reference_values():
    raw = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 4.0], [4.0, 5.0]])
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    values = boostobj.get_loss("logistic").loss(y.ravel(), raw.ravel()).reshape(4, 2)
    np.testing.assert_allclose(values, [[0.3133, 2.1269], [0.1269, 2.1269],
                                        [3.0486, 0.0181], [4.0181, 0.0067]], atol=1e-4)


def test_focal_with_gamma_0_alpha_half_is_half_logistic(rng):
    y = (rng.uniform(size=200) < 0.3).astype(float)
    raw = rng.normal(scale=3.0, size=200)
    focal = boostobj.get_loss("focal", alpha=0.5, gamma=0)
    logistic = boostobj.get_loss("logistic")
    np.testing.assert_allclose(focal.loss(y, raw), 0.5 * logistic.loss(y, raw), rtol=1e-12)
    for ours, theirs in zip(focal.gradient_hessian(y, raw), logistic.gradient_hessian(y, raw),
                            strict=True):
        np.testing.assert_allclose(ours, 0.5 * theirs, rtol=1e-12)


@pytest.mark.parametrize("name", ["logistic", "weighted_logistic", "focal", "hinge",
                                  "squared_hinge", "exponential"])
def test_plus_minus_one_labels_are_the_same_loss(name, rng):
    y01 = (rng.uniform(size=100) < 0.4).astype(float)
    raw = rng.normal(size=100)
    loss = boostobj.get_loss(name)
    np.testing.assert_array_equal(loss.loss(2 * y01 - 1, raw), loss.loss(y01, raw))
    assert loss.init_score(2 * y01 - 1) == loss.init_score(y01)


def test_predict_gives_probabilities(rng):
    raw = rng.normal(size=(50, 4)) * 5
    probabilities = boostobj.get_loss("softmax").predict(raw)
    assert probabilities.shape == (50, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_allclose(boostobj.get_loss("logistic").predict(raw[:, 0]), expit(raw[:, 0]))
    np.testing.assert_allclose(boostobj.get_loss("exponential").predict(raw[:, 0]),
                               expit(2 * raw[:, 0]))
    np.testing.assert_array_equal(boostobj.get_loss("hinge").predict(raw[:, 0]), raw[:, 0] > 0)


@pytest.mark.parametrize("spec", ["focal", "focal:alpha=0.6,gamma=0.7", "focal:gamma=4",
                                  "softmax_focal", "softmax_focal:gamma=0.5"])
def test_focal_exact_hessian_by_finite_differences_and_the_stand_in(spec, rng):
    loss = boostobj.get_loss(spec)
    if loss.name == "focal":
        y = (rng.uniform(size=400) < 0.4).astype(float)
        raw = rng.normal(scale=4.0, size=400)
        columns = [slice(None)]
    else:
        y = rng.integers(0, 4, size=400)
        raw = rng.normal(scale=4.0, size=(400, 4))
        columns = range(4)
    exact = loss.exact_hessian_values(y, raw)
    for k in columns:
        step = np.zeros_like(raw)
        step[..., k] = 1e-5
        numeric = (loss.gradient_hessian(y, raw + step)[0] - loss.gradient_hessian(y, raw - step)[0])
        np.testing.assert_allclose(exact[..., k], numeric[..., k] / 2e-5, atol=1e-7)
    assert (exact < 0).any()  # the reason for the stand-in
    hessian = loss.gradient_hessian(y, raw)[1]
    assert (hessian > 0).all()
    positive = exact > 1e-3
    scale = 1.0 if loss.name == "focal" else 4 / 3  # softmax_focal: Friedman's K / (K - 1)
    assert (hessian[positive] >= scale * exact[positive] * (1 - 1e-12)).all()


@pytest.mark.parametrize("spec, y, raw, message", [
    ("logistic", [0, 1, 2], np.zeros(3), r"logistic: y must be 0 or 1.*2\.0 at index 2"),
    ("focal", [0, 1, 0.5], np.zeros(3), r"focal: y must be 0 or 1.*0\.5 at index 2"),
    ("hinge", [-1, 0, 1], np.zeros(3), r"hinge: y must be 0 or 1.*-1\.0 at index 0"),
    ("softmax", [0, 1, 3], np.zeros((3, 3)), r"softmax: class ids must be < K = 3.*3\.0 at index 2"),
    ("softmax", [0, 1.5, 2], np.zeros((3, 3)), r"softmax: y must be integer class ids.*1\.5 at index 1"),
    ("softmax", [0, -1, 2], np.zeros((3, 3)), r"softmax: y must be integer.*-1\.0 at index 1"),
    ("softmax:class_weight=[1,2]", [0, 1, 2], np.zeros((3, 2)), r"softmax: y must be.*K - 1 = 1.*2\.0"),
    ("softmax", [0, 1, 2], np.zeros(3), r"softmax: raw_score must have shape \(n, K\) = \(3, K\)"),
    ("soft_label", [[0.5, 0.5], [1.2, -0.2]], np.zeros((2, 2)), r"soft_label: y must be finite probabilities >= 0, got -0\.2 at row 1"),
    ("soft_label", [[0.5, 0.5], [0.7, 0.7]], np.zeros((2, 2)), r"soft_label: each row of y must sum to 1.*1\.4 at index 1"),
    ("kl_divergence", [0, 1], np.zeros((2, 2)), r"kl_divergence: y must be an \(n, K\) matrix"),
    ("soft_label", [[0.5, 0.5], [0.5, 0.5]], np.zeros((2, 3)), r"soft_label: y has K = 2 columns but there are 3"),
])
def test_bad_labels_name_the_loss_and_the_values(spec, y, raw, message):
    with pytest.raises(ValueError, match=message):
        boostobj.get_loss(spec).gradient_hessian(np.asarray(y, dtype=float), raw)


@pytest.mark.parametrize("spec, message", [
    ("focal:alpha=1", "focal: alpha == 1.0, must be < 1.0"),
    ("focal:gamma=-1", "focal: gamma == -1.0, must be >= 0.0"),
    ("weighted_logistic:pos_weight=0", "weighted_logistic: pos_weight == 0.0, must be > 0.0"),
    ("hinge:margin=-1", "hinge: margin == -1.0, must be > 0.0"),
    ("softmax:class_weight=[1,-2]", r"softmax: class_weight\[1\] == -2.0, must be > 0.0"),
    ("softmax:hessian=newton", "softmax: hessian == 'newton', must be one of"),
])
def test_bad_parameters(spec, message):
    with pytest.raises(ValueError, match=message):
        boostobj.get_loss(spec)
