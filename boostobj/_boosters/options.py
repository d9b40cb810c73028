"""Booster options: reading a parameter under any of a booster's aliases, and refusing an
option boostobj cannot serve correctly with a loss (a ``ValueError`` that names the option,
why, and the alternative)."""

from __future__ import annotations

import numpy as np

from ..losses import get_loss


def first_param(params, keys, default=None):
    """The value of the first of ``keys`` set in ``params`` (the boosters' aliases)."""
    for key in keys:
        if params.get(key) is not None:
            return params[key]
    return default


def is_booster_error(error):
    """Whether ``error`` is a booster's own (XGBoostError, LightGBMError), told by its name:
    XGBoostError is a ValueError, and the boosters need not be imported to ask."""
    return type(error).__name__ in ("XGBoostError", "LightGBMError")


def booster_error_message(error):
    """The first line of a booster's own error (XGBoostError, LightGBMError) without the C++
    source path and time stamp it carries: "(num_leaves) > (1)", "value -3 for Parameter
    max_depth should be greater equal to 0"."""
    import re

    lines = [line for line in str(error).splitlines() if line.strip()]
    message = lines[0] if lines else type(error).__name__
    message = re.sub(r"^\[[\d:]+\] \S+:\d+: ", "", message)  # XGBoost's time and source
    if "Check failed" in message:
        message = message.split("Check failed:")[-1].strip()
    message = re.sub(r" at \S+, line \d+ ?\.?$", "", message)  # LightGBM's source file
    return message.strip() or type(error).__name__


def monotone_signs(value):
    """A ``monotone_constraints`` value as a tuple of -1, 0, 1: a list or tuple, a dict
    (feature name -> sign, in its order), or text such as "1,0,-1" or XGBoost's
    "(1,0,-1)". A ``ValueError`` for anything else (LightGBM would read "[1,0]" as no
    constraint)."""
    if isinstance(value, dict):
        value = list(value.values())
    items = (value.strip().strip("()").split(",") if isinstance(value, str)
             else list(np.ravel(value)))
    try:
        signs = tuple(float(str(item).strip()) for item in items if str(item).strip())
    except ValueError:
        signs = None
    if signs is None or any(sign not in (-1, 0, 1) for sign in signs):
        raise ValueError(f"monotone_constraints={value!r}")
    return tuple(int(sign) for sign in signs)


def refuse(caller, loss, option, why, alternative):
    """The ``ValueError`` for a booster option boostobj cannot serve correctly."""
    raise ValueError(f"{caller}: {option} with loss {loss.spec!r}: {why}; {alternative}.")


def check_objective(caller, loss, objective, twins, option="objective"):
    """Accept ``objective`` beside ``loss`` where it is None or the loss's built-in twin;
    otherwise the ``ValueError`` naming both.

    ``twins`` maps a booster's objective names (lower case) to the boostobj loss each one
    is: a bare name matches a loss of that name whatever its parameters (the loss's are
    trained), a spec with parameters (``pairwise_logistic:hessian=doubled``) only that spec.
    """
    if objective is None:
        return
    twin = None if callable(objective) else twins.get(str(objective).strip().lower())
    if twin is not None:
        expected = get_loss(twin)
        if (expected.spec == loss.spec) if ":" in twin else (expected.name == loss.name):
            return
    shown = getattr(objective, "__name__", None) if callable(objective) else None
    shown = f"a callable ({shown})" if shown else repr(objective)
    known = sorted(name for name, spec in twins.items() if spec.split(":")[0] == loss.name)
    twin = f" or its built-in twin {' / '.join(map(repr, known[:4]))}" if known else ""
    raise ValueError(f"{caller}: {option}={shown} conflicts with loss={loss.spec!r}: with a "
                     f"loss the model trains the loss; leave {option} unset{twin}, or pass "
                     f"loss=None to train {option} as the parent estimator does.")


def check_eval_set(caller, eval_set):
    """``eval_set`` as a list of (X, y) pairs; a ``ValueError`` naming the entry that is
    not one (a single (X, y) tuple counts as one pair, as LightGBM takes it)."""
    if eval_set is None:
        return []
    if isinstance(eval_set, tuple) and len(eval_set) == 2 and not _is_pair(eval_set[0]):
        eval_set = [eval_set]
    if not isinstance(eval_set, (list, tuple)):
        raise ValueError(f"{caller}: eval_set must be a list of (X, y) pairs, got "
                         f"{type(eval_set).__name__}.")
    for index, entry in enumerate(eval_set):
        if not _is_pair(entry):
            shown = (f"a {type(entry).__name__} of {len(entry)}"
                     if isinstance(entry, (list, tuple)) else type(entry).__name__)
            raise ValueError(f"{caller}: eval_set must be a list of (X, y) pairs; entry "
                             f"{index} is {shown}.")
        if entry[1] is None:
            raise ValueError(f"{caller}: eval_set entry {index} has y=None; each entry "
                             "needs its targets.")
    return list(eval_set)


def _is_pair(entry):
    return isinstance(entry, (list, tuple)) and len(entry) == 2


def check_continued_link(caller, loss, option, model_link, loss_link):
    """Refuse continuing a model whose raw scores are on another scale than ``loss``'s.

    ``model_link`` is (the model's objective as its booster names it, the link that
    implies: None where the name says nothing, and the raw scores are taken as they are);
    ``loss_link`` the same for the objective the booster records for ``loss``. Continuing a
    squared-error model with a log-link loss would read its start of 50 as a log mean, e^50.
    """
    (objective, link), (_, expected) = model_link, loss_link
    if link is None or expected is None or link == expected:
        return
    raise ValueError(f"{caller}: {option} was trained with objective {objective!r}, whose raw "
                     f"scores are on the {link} scale; loss {loss.spec!r} reads them on the "
                     f"{expected} scale, so its trees would continue from the wrong start. "
                     "Continue with a loss of the same link, or train from scratch.")
