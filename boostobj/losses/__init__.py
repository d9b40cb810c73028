"""The loss registry: names and aliases to loss classes, and the spec-string parser."""

from __future__ import annotations

import difflib
from typing import Any

from .._numerics import all_max, all_sum, dot, total, weighted_mean, weighted_quantile
from ._base import BaseLoss, MultiOutputLoss, check_number
from .binary import BINARY_LOSSES
from .distributions import DISTRIBUTION_LOSSES, DistributionLoss
from .domains import Interval
from .groups import Groups
from .multiclass import MULTICLASS_LOSSES, MulticlassLoss
from .penalty import LeafPenalty
from .ranking import RANKING_LOSSES, RankingLoss
from .regression import REGRESSION_LOSSES
from .robust import ROBUST_LOSSES

_ALL = (REGRESSION_LOSSES + ROBUST_LOSSES + BINARY_LOSSES + MULTICLASS_LOSSES + RANKING_LOSSES
        + DISTRIBUTION_LOSSES)
_CLASSES = {cls.name: cls for cls in _ALL}
_ALIASES = {alias: cls.name for cls in _ALL for alias in cls.aliases}
_BUILT_IN = frozenset(_CLASSES) | frozenset(_ALIASES)
# Packages may register losses under this entry-point group (``name = "module:Class"``);
# they are loaded the first time a name is not found.
ENTRY_POINT_GROUP = "boostobj.losses"
_entry_points_loaded = False


def register_loss(cls: type[BaseLoss], *, replace: bool = False) -> type[BaseLoss]:
    """Make the loss class ``cls`` known by its ``name`` (and ``aliases``) to ``get_loss``,
    spec strings and the command line's ``--loss``. Returns ``cls``, so it works as a
    class decorator.

    ``cls`` is a :class:`BaseLoss` subclass with a ``name`` and, for spec strings, its
    keyword parameters in ``parameters``. A name taken by a built-in loss is refused; one
    taken by another registered loss needs ``replace=True``.
    """
    if not (isinstance(cls, type) and issubclass(cls, BaseLoss)):
        raise ValueError(f"register_loss: {cls!r} is not a subclass of boostobj.BaseLoss.")
    name = getattr(cls, "name", None)
    if (not isinstance(name, str) or not name or name == BaseLoss.name
            or any(c in name for c in ":,=[] ")):
        raise ValueError(f"register_loss: {cls.__name__}.name == {name!r}; give the class a "
                         "name without ':', ',', '=', brackets or spaces.")
    for key in (name, *cls.aliases):
        if key in _BUILT_IN:
            raise ValueError(f"register_loss: {key!r} is a built-in loss; choose another name "
                             f"for {cls.__name__}.")
        taken = _CLASSES.get(_ALIASES.get(key, key))
        reloaded = taken is not None and (taken.__module__, taken.__qualname__) == (
            cls.__module__, cls.__qualname__)  # the same definition, run again
        if taken is not None and taken is not cls and not reloaded and not replace:
            raise ValueError(f"register_loss: {key!r} is taken by {taken.__module__}."
                             f"{taken.__name__}; pass replace=True to replace it.")
    _CLASSES[name] = cls
    for alias in cls.aliases:
        _ALIASES[alias] = name
    return cls


def _load_entry_points():
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        register_loss(entry.load(), replace=True)


def available_losses(*, aliases: bool = False) -> list[str]:
    """Sorted names of every registered loss; with ``aliases=True`` the aliases too."""
    names = list(_CLASSES)
    if aliases:
        names += list(_ALIASES)
    return sorted(names)


def loss_class(name: str) -> type[BaseLoss]:
    """The class registered under ``name`` or one of its aliases."""
    canonical = _ALIASES.get(name, name)
    if canonical not in _CLASSES:
        _load_entry_points()
        canonical = _ALIASES.get(name, name)
    if canonical not in _CLASSES:
        near = difflib.get_close_matches(name, available_losses(aliases=True), n=4, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, near))}?" if near else ""
        raise ValueError(f"Unknown loss {name!r}.{hint} "
                         f"Known losses: {', '.join(available_losses())}.")
    return _CLASSES[canonical]


def example_loss(name: str) -> BaseLoss:
    """An instance of the loss registered as ``name``, its required parameters filled in
    from the class's ``example_params``."""
    cls = loss_class(name)
    return cls(**cls.example_params)


def _parse_value(text):
    if text == "None":
        return None
    if text.startswith("[") and text.endswith("]"):
        return tuple(_parse_value(item.strip()) for item in text[1:-1].split(",") if item.strip())
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _split_items(text):
    """Split on commas outside brackets: ``"a=[1,2],b=3"`` -> ``["a=[1,2]", "b=3"]``."""
    items, depth, current = [], 0, []
    for char in text:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


def parse_spec(spec):
    """``"huber:delta=2,foo=auto"`` -> ``("huber", {"delta": 2, "foo": "auto"})``.

    A list value is written in brackets: ``"softmax:class_weight=[1,2,0.5]"``.
    """
    name, _, rest = spec.strip().partition(":")
    params = {}
    for item in filter(None, (part.strip() for part in _split_items(rest))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"Loss spec {spec!r}: {item!r} is not of the form name=value.")
        params[key.strip()] = _parse_value(value.strip())
    return name.strip(), params


def get_loss(spec: str | BaseLoss, **params: Any) -> BaseLoss:
    """A loss instance from a name, a spec string, or a loss (returned as is).

    >>> get_loss("huber", delta=2.0)
    Huber(delta=2.0)
    >>> get_loss("huber:delta=2")
    Huber(delta=2.0)
    """
    if isinstance(spec, BaseLoss) or (not isinstance(spec, str) and hasattr(spec, "gradient_hessian")):
        if params:
            raise ValueError(f"get_loss: parameters {sorted(params)} given with a loss "
                             f"object {spec!r}; set them on the object instead.")
        return spec
    if not isinstance(spec, str):
        raise ValueError(f"get_loss: expected a loss name or object, got {spec!r}.")
    name, spec_params = parse_spec(spec)
    cls = loss_class(name)
    spec_params.update(params)
    unknown = sorted(set(spec_params) - set(cls.parameters))
    if unknown:
        valid = ", ".join(cls.parameters) if cls.parameters else "none"
        raise ValueError(f"{cls.name}: unknown parameter(s) {', '.join(unknown)}; "
                         f"valid parameters: {valid}.")
    return cls(**spec_params)


# all_max ... weighted_quantile: reductions for a loss's own statistics (init score, leaf
# values), over every worker's rows in a distributed training, over the given rows otherwise.
__all__ = ["all_max", "all_sum", "dot", "total", "weighted_mean", "weighted_quantile",
           "ENTRY_POINT_GROUP", "BaseLoss", "DistributionLoss", "Groups", "Interval",
           "LeafPenalty", "MultiOutputLoss", "MulticlassLoss", "RankingLoss", "available_losses",
           "check_number", "example_loss", "get_loss", "loss_class", "parse_spec",
           "register_loss"]
