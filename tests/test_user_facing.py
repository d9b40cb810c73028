"""The command line, the README and the examples, at small size."""

import re
import runpy
import subprocess
import sys
import warnings
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
    assert table.group(1) == cli.losses.loss_table_markdown(), (
        "README loss table is stale: paste the output of `boostobj losses` between the markers")


def test_loss_table_lists_every_loss():
    table = cli.losses.loss_table_markdown()
    for name in boostobj.available_losses():
        assert f"| `{name}` |" in table


def test_cli_losses_command(capsys):
    assert cli.main(["losses"]) == 0
    assert "`pseudo_huber`" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "boostobj", "losses"], capture_output=True,
                            text=True, check=True)
    assert "`tweedie`" in result.stdout


def test_losses_on_diamonds_benchmark_at_small_size(capsys):
    module = runpy.run_path(str(ROOT / "benchmarks" / "losses_diamonds.py"))
    rows = module["run"](rounds=15, rows=3000)
    rmse = {(spec, booster, label): value for spec, booster, label, value, *_ in rows}
    # Identical losses give identical models: squared error is its own built-in twin.
    for booster in ("xgboost", "lightgbm"):
        assert rmse[("squared_error", booster, "boostobj")] == pytest.approx(
            rmse[("squared_error", booster, "built-in")], rel=1e-3)
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
    with pytest.raises(ValueError, match="Unknown dataset 'iris'; available: diamonds, lambdarank, mcycle, pima"):
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


def test_readme_command_lines_parse_and_name_shipped_files():
    import shlex

    readme = (ROOT / "README.md").read_text()
    inside, code = False, []
    for line in readme.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            code.append(line)
    # Command lines, not the demo table's "boostobj on LightGBM ..." rows.
    names = "losses|intervals|fit|compare|plot-losses|demo"
    commands = re.findall(rf"^boostobj ((?:{names})\b[^#\n]*?)\s*(?:#.*)?$", "\n".join(code),
                          re.M)
    assert len(commands) >= 8
    for command in commands:
        args = cli.build_parser().parse_args(shlex.split(command))
        if hasattr(args, "data"):
            assert (ROOT / args.data).is_file(), command
        if getattr(args, "loss", None):
            boostobj.get_loss(args.loss)


def test_ranking_example_runs():
    module = runpy.run_path(str(ROOT / "examples" / "ranking.py"))
    table = module["main"](["--rounds", "20"])
    for name, values in table.items():
        assert all(0.2 < value <= 1 for value in values), name



def test_readme_ranking_snippet_runs_as_written(capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Ranking and contrastive losses"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(code, "README ranking snippet", "exec"), {})
    assert [str(w.message) for w in caught
            if issubclass(w.category, (DeprecationWarning, FutureWarning))] == []
    assert 0.4 < float(capsys.readouterr().out.strip()) <= 1


def test_readme_quick_start_snippets_run_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Quick start"):readme.index("### Booster modes")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    namespace = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for block in blocks:
            exec(compile(block, "README quick start", "exec"), namespace)
    deprecated = [str(w.message) for w in caught
                  if issubclass(w.category, (DeprecationWarning, FutureWarning))]
    assert deprecated == []  # nothing the README shows is deprecated in the boosters
    assert np.median(namespace["model"].predict(namespace["X_test"])) > 300
    assert (tmp_path / "boostobj-out" / "model.txt").is_file()
