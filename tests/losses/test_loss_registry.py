"""The loss registry: names, aliases, spec strings, near matches, users' losses."""

import numpy as np
import pytest

import boostobj
from boostobj.losses import BaseLoss
from boostobj.testing import ALL_CHECKS, check_loss


def test_registry_names_and_aliases():
    names = boostobj.available_losses()
    assert {"squared_error", "huber", "quantile", "tweedie", "truncated_squared"} <= set(names)
    assert "mse" in boostobj.available_losses(aliases=True)
    assert boostobj.get_loss("mae") == boostobj.get_loss("absolute_error")
    assert boostobj.get_loss("pinball:alpha=0.3") == boostobj.get_loss("quantile", alpha=0.3)
    assert isinstance(boostobj.get_loss("l2"), BaseLoss)


def test_spec_and_keyword_forms_agree():
    assert boostobj.get_loss("huber:delta=2") == boostobj.get_loss("huber", delta=2.0)
    assert boostobj.get_loss("huber:delta=2").delta == 2.0
    loss = boostobj.get_loss("tweedie")
    assert boostobj.get_loss(loss) is loss


def test_unknown_name_lists_near_matches():
    with pytest.raises(ValueError, match=r"Unknown loss 'hubr'.*'huber'"):
        boostobj.get_loss("hubr")


def test_unknown_parameter_lists_valid_ones():
    with pytest.raises(ValueError, match=r"huber: unknown parameter\(s\) alpha; valid parameters: delta"):
        boostobj.get_loss("huber:alpha=0.5")


def test_register_loss_makes_a_users_loss_known_by_name():
    from boostobj.losses import _ALIASES, _CLASSES, register_loss

    class Scaled(BaseLoss):
        """loss = s (f - y)² / 2."""

        name = "scaled_squared_for_test"
        aliases = ("scaled_for_test",)
        parameters = ("s",)

        def __init__(self, s=1.0):
            super().__init__()
            self.s = float(s)

        def _loss(self, y, raw_score):
            return 0.5 * self.s * (raw_score - y) ** 2

        def _gradient_hessian(self, y, raw_score, gradient, hessian):
            np.subtract(raw_score, y, out=gradient)
            gradient *= self.s
            hessian[...] = self.s

    try:
        assert register_loss(Scaled) is Scaled
        assert boostobj.get_loss("scaled_for_test:s=3") == Scaled(s=3.0)
        check_loss(boostobj.get_loss("scaled_squared_for_test:s=2"),
                   checks=[c for c in ALL_CHECKS if c != "pickle"])  # a class in a function
        other = type("Scaled", (Scaled,), {"__module__": "elsewhere"})
        with pytest.raises(ValueError, match="is taken by .*; pass replace=True"):
            register_loss(other)
        with pytest.raises(ValueError, match="'huber' is a built-in loss"):
            register_loss(type("Huber2", (Scaled,), {"name": "huber", "aliases": ()}))
        with pytest.raises(ValueError, match="is not a subclass of boostobj.BaseLoss"):
            register_loss(object)
    finally:
        _CLASSES.pop("scaled_squared_for_test", None)
        _ALIASES.pop("scaled_for_test", None)
