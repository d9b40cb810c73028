"""The command line asks the engines' OpenMP threads to wait passively on a busy machine
only (on an idle one their default spinning is the fastest, measured in the benchmarks)."""

import importlib
import os

import pytest

main_module = importlib.import_module("boostobj.cli.main")


@pytest.mark.parametrize("load, expected", [(0.3, None), (64.0, "PASSIVE")])
def test_passive_wait_on_a_busy_machine_only(monkeypatch, load, expected):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    main_module._set_wait_policy()
    assert os.environ.get("OMP_WAIT_POLICY") == expected


def test_a_policy_the_user_set_is_kept(monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    monkeypatch.setattr(os, "getloadavg", lambda: (64.0, 64.0, 64.0))
    main_module._set_wait_policy()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
