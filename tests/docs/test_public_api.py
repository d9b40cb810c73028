"""The public API: every public module declares ``__all__``, every name in it is in the API
reference (docs/api.rst) with a docstring; the booster packages load dask only when a dask
name is used; the drop-ins' signatures show every parameter; ``--version``."""

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import boostobj

API = (Path(__file__).resolve().parents[2] / "docs" / "api.rst").read_text()
# The command line's modules implement its commands: their names are not a library API
# (``boostobj.cli`` itself, with ``main``, is).
APPLICATION = "boostobj.cli."


def public_modules():
    for module in pkgutil.walk_packages(boostobj.__path__, "boostobj."):
        parts = module.name.split(".")
        if module.name.endswith("__main__") or any(part.startswith("_") for part in parts):
            continue
        yield module.name


@pytest.mark.parametrize("name", sorted(public_modules()))
def test_every_public_module_declares_its_names_with_docstrings(name):
    module = importlib.import_module(name)
    assert module.__doc__, name
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    for public in module.__all__:
        obj = getattr(module, public)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        assert (obj.__doc__ or "").strip(), f"{name}.{public} has no docstring"
        for member, value in vars(obj).items() if inspect.isclass(obj) else ():
            function = value.fget if isinstance(value, property) else value
            if not member.startswith("_") and inspect.isfunction(function):
                assert (function.__doc__ or "").strip(), f"{name}.{public}.{member}"


def documented_objects():
    """The objects docs/api.rst documents: each automodule's ``__all__`` (less its
    ``:exclude-members:``) and each ``autofunction`` / ``autoclass``."""
    objects = []
    for module, options in re.findall(r"^\.\. automodule:: (\S+)\n((?:   :.*\n)*)", API, re.M):
        if ":no-index:" in options:
            continue
        excluded = re.search(r":exclude-members: (.*)", options)
        excluded = {name.strip() for name in excluded.group(1).split(",")} if excluded else set()
        imported = importlib.import_module(module)
        objects += [getattr(imported, name) for name in imported.__all__ if name not in excluded]
    for qualified in re.findall(r"^\.\. auto(?:function|class):: (\S+)", API, re.M):
        module, _, name = qualified.rpartition(".")
        objects.append(getattr(importlib.import_module(module), name))
    return objects


def test_every_public_name_is_in_the_api_reference():
    documented = documented_objects()
    missing = []
    for name in public_modules():
        if name.startswith(APPLICATION):
            continue
        module = importlib.import_module(name)
        for public in module.__all__:
            obj = getattr(module, public)
            if ((inspect.isclass(obj) or inspect.isfunction(obj))
                    and not any(obj is other for other in documented)):
                missing.append(f"{name}.{public}")
    assert missing == []


def test_booster_packages_offer_their_public_names_and_load_dask_on_use():
    code = ("import sys, boostobj.xgboost as bx, boostobj.lightgbm as bl; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]; "
            "assert dir(bx) == sorted(bx.__all__) and dir(bl) == sorted(bl.__all__); "
            "bx.dask_train, bx.DaskXGBRanker, bl.DaskLGBMClassifier; "
            "assert 'boostobj.xgboost.dask' in sys.modules and 'distributed' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


@pytest.mark.parametrize("estimator", ["XGBRegressor", "XGBClassifier", "XGBRanker",
                                       "LGBMRegressor", "LGBMClassifier", "LGBMRanker"])
def test_drop_in_signatures_show_the_parent_parameters(estimator):
    import boostobj.lightgbm as bl
    import boostobj.xgboost as bx

    ours = getattr(bx if estimator.startswith("XGB") else bl, estimator)
    parameters = list(inspect.signature(ours).parameters)
    assert parameters[:2] == ["loss", "renew_leaves"]
    assert {"n_estimators", "learning_rate", "max_depth"} <= set(parameters)
    assert parameters[-1] == "kwargs"


def test_version():
    result = subprocess.run([sys.executable, "-m", "boostobj", "--version"], check=True,
                            capture_output=True, text=True)
    kernels = "compiled" if boostobj._numerics.KERNELS_BUILT else "numpy"
    assert result.stdout.strip() == f"boostobj {boostobj.__version__} ({kernels} kernels)"
