"""The command line, the README and the examples, at small size."""

import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import boostobj
from boostobj import cli, datasets

ROOT = Path(__file__).resolve().parent.parent


def test_readme_loss_table_is_current():
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- loss-table:start -->\n(.*?)<!-- loss-table:end -->", readme, re.S)
    assert table, "README has no loss-table markers"
    assert table.group(1) == cli.loss_table_markdown(), (
        "README loss table is stale: paste the output of `boostobj losses` between the markers")


def test_loss_table_lists_every_loss():
    table = cli.loss_table_markdown()
    for name in boostobj.available_losses():
        assert f"| `{name}` |" in table


def test_cli_losses_command(capsys):
    assert cli.main(["losses"]) == 0
    assert "`pseudo_huber`" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "boostobj", "losses"], capture_output=True,
                            text=True, check=True)
    assert "`tweedie`" in result.stdout


def test_demo_at_small_size(capsys):
    rows = cli.run_demo(rounds=15, rows=3000)
    ours = {(spec, booster): rmse for spec, booster, label, rmse, *_ in rows if label == "boostobj"}
    theirs = {(spec, booster): rmse for spec, booster, label, rmse, *_ in rows if label == "built-in"}
    # Identical losses give identical models: squared error is its own built-in twin.
    assert ours[("squared_error", "xgboost")] == pytest.approx(theirs[("squared_error", "xgboost")], rel=1e-3)
    assert ours[("squared_error", "lightgbm")] == pytest.approx(theirs[("squared_error", "lightgbm")], rel=1e-3)
    assert all(np.isfinite(r[3]) for r in rows)
    assert "test RMSE" in capsys.readouterr().out


def test_quickstart_example_runs():
    module = runpy.run_path(str(ROOT / "examples" / "quickstart.py"))
    results = module["main"](["--rows", "3000", "--rounds", "30"])
    assert set(results) == {"xgboost native", "xgboost sklearn", "lightgbm native", "lightgbm sklearn"}
    data = datasets.load("diamonds")
    for prediction in results.values():
        assert np.all(np.isfinite(prediction))
        assert 0 < np.median(prediction) < data.y.max()


def test_datasets_load():
    diamonds = datasets.load("diamonds")
    assert diamonds.X.shape == (53940, 9) and diamonds.y.shape == (53940,)
    assert diamonds.target_name == "price" and np.all(diamonds.y > 0)
    assert diamonds.categories["cut"][0] == "Fair"
    cut = diamonds.X[:, diamonds.feature_names.index("cut")]
    assert set(np.unique(cut)) == set(range(5))
    mcycle = datasets.load("mcycle")
    assert mcycle.X.shape == (133, 1) and mcycle.feature_names == ["times"]
    assert np.all(np.isfinite(mcycle.y))
    pima = datasets.load("pima")
    assert pima.X.shape == (532, 7) and set(np.unique(pima.y)) == {0.0, 1.0}
    assert pima.y.sum() == 177 and pima.target_name == "type"
    assert (pima.split == "train").sum() == 200 and (pima.split == "test").sum() == 332
    with pytest.raises(ValueError, match="Unknown dataset 'iris'; available: diamonds, mcycle, pima"):
        datasets.load("iris")


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
    assert set(results) == {"conformal", None}
    # 600 test rows: sd of a coverage ~ 0.012
    assert abs(results["conformal"][0] - 0.90) < 0.04
    assert results[None][0] < results["conformal"][0]
    assert "coverage" in capsys.readouterr().out
