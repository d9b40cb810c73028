"""The examples run as written, at small size."""

import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from boostobj import datasets

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_example_runs():
    module = runpy.run_path(str(ROOT / "examples" / "quickstart.py"))
    results = module["main"](["--rows", "3000", "--rounds", "30"])
    assert set(results) == {"xgboost native", "xgboost sklearn", "lightgbm native", "lightgbm sklearn"}
    data = datasets.load("diamonds")
    for prediction in results.values():
        assert np.all(np.isfinite(prediction))
        assert 0 < np.median(prediction) < data.y.max()


def test_imbalanced_classification_example_runs(capsys):
    module = runpy.run_path(str(ROOT / "examples" / "imbalanced_classification.py"))
    results = module["main"](["--splits", "1", "--rounds", "40"])
    for booster in ("lightgbm", "xgboost"):
        # logistic is the built-in binary objective: the same model, the same numbers.
        assert results[(booster, "logistic")] == pytest.approx(results[(booster, "built-in binary")],
                                                               rel=1e-6)
        for scores in (results[(booster, name)] for name in module["LOSSES"]):
            assert 0.3 < scores["log_loss"] < 0.7 and 0.5 < scores["pr_auc"] <= 1.0
    assert "recall @ precision 0.7" in capsys.readouterr().out


def test_multiclass_example_runs():
    module = runpy.run_path(str(ROOT / "examples" / "multiclass_digits.py"))
    results = module["main"](["--rounds", "20"])
    assert results["LGBMClassifier softmax"] == results["lightgbm softmax"]
    assert results["XGBClassifier softmax"] == pytest.approx(results["xgboost softmax"], rel=1e-6)
    assert results["xgboost softmax:hessian=doubled"] == pytest.approx(
        results["xgboost built-in multi:softprob"], rel=1e-4)
    assert all(scores["accuracy"] > 0.85 for scores in results.values())


def test_prediction_intervals_example_runs(capsys):
    module = runpy.run_path(str(ROOT / "examples" / "prediction_intervals.py"))
    results = module["main"](["--rows", "3000", "--trees", "200"])
    assert set(results) == {"mondrian", "conformal", None}
    # 600 test rows: sd of a coverage ~ 0.012
    for calibration in ("mondrian", "conformal"):
        assert abs(results[calibration][0] - 0.90) < 0.04
        assert results[calibration][3] <= results[calibration][0] <= results[calibration][4]
    assert results[None][0] < results["conformal"][0]
    assert "coverage" in capsys.readouterr().out


def test_native_examples_match_the_built_in_twin(capsys):
    for script in ("xgboost_native.py", "lightgbm_native.py"):
        module = runpy.run_path(str(ROOT / "examples" / script))
        results = module["main"](["--rows", "3000", "--rounds", "40"])
        by_hand, one_call, builtin = results.values()
        assert np.allclose(by_hand, one_call, rtol=1e-5)
        assert np.allclose(one_call, builtin, rtol=1e-3)
    assert "test tweedie loss" in capsys.readouterr().out


def test_sklearn_wrappers_example_runs(capsys):
    module = runpy.run_path(str(ROOT / "examples" / "sklearn_wrappers.py"))
    results = module["main"](["--rows", "3000", "--trees", "40"])
    assert results["XGBRegressor"] < 600 and results["LGBMRegressor"] < 600  # MAE, USD
    for name in ("XGBClassifier", "LGBMClassifier"):
        log_loss, accuracy = results[name]
        assert log_loss < 0.65 and accuracy > 0.7


def test_robust_regression_example_runs(capsys):
    module = runpy.run_path(str(ROOT / "examples" / "robust_regression.py"))
    results = module["main"](["--rows", "4000", "--rounds", "60"])
    squared = results["squared_error"][1]
    for spec in ("absolute_error", "huber", "cauchy"):  # MAE on clean prices
        assert results[spec][1] < 0.2 * squared, spec


def test_check_your_own_loss_example_runs():
    # A subprocess: check_loss pickles the example's classes, which needs a real __main__.
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "check_your_own_loss.py"),
                             "--rounds", "50"], capture_output=True, text=True, check=True)
    assert "pass every check" in result.stdout
    assert "LinexWithABug fails, as it should" in result.stdout
    assert "hessian disagrees with central finite differences" in result.stdout


def test_every_example_is_run_by_the_suite():
    source = Path(__file__).read_text()
    for script in sorted((ROOT / "examples").glob("*.py")):
        assert script.name in source, f"examples/{script.name} is not run by a test"


def test_ranking_example_runs():
    module = runpy.run_path(str(ROOT / "examples" / "ranking.py"))
    table = module["main"](["--rounds", "20"])
    for name, values in table.items():
        assert all(0.2 < value <= 1 for value in values), name
