"""Booster options: reading a parameter under any of a booster's aliases, and refusing an
option boostobj cannot serve correctly with a loss (a ``ValueError`` that names the option,
why, and the alternative)."""

from __future__ import annotations


def first_param(params, keys, default=None):
    """The value of the first of ``keys`` set in ``params`` (the boosters' aliases)."""
    for key in keys:
        if params.get(key) is not None:
            return params[key]
    return default


def refuse(caller, loss, option, why, alternative):
    """The ``ValueError`` for a booster option boostobj cannot serve correctly."""
    raise ValueError(f"{caller}: {option} with loss {loss.spec!r}: {why}; {alternative}.")
