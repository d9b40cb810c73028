"""Names a booster package loads on first use: the dask estimators, whose modules import
dask, which nothing else of boostobj needs."""

from __future__ import annotations

import importlib


def lazy_names(package, module, names, public):
    """``__getattr__`` and ``__dir__`` for ``package`` (PEP 562): each of ``names`` comes
    from ``package.module``, imported on first use; ``dir()`` lists ``public``."""

    def __getattr__(name):
        if name in names:
            return getattr(importlib.import_module(f"{package}.{module}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(public)

    return __getattr__, __dir__
