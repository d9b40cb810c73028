"""The command line as a colleague uses it: choosing columns, saved models that travel to new
CSVs, booster options, and every failure as one line with exit status 2."""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from conftest import write_csv

from boostobj import cli, datasets

ROOT = Path(__file__).resolve().parents[2]


DATA = ROOT / "datasets"


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_table(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def patients(tmp_path_factory):
    """A diabetes-like CSV with an id column and a column derived from the target."""
    rng = np.random.default_rng(0)
    n = 400
    glucose = rng.normal(120, 30, n)
    bmi = rng.normal(30, 6, n)
    smoker = rng.choice(["never", "former", "current"], n)
    risk = 0.04 * (glucose - 120) + 0.1 * (bmi - 30) + (smoker == "current") * 0.8
    diabetes = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-risk)), "yes", "no")
    rows = [[f"P{1000 + i}", f"{glucose[i]:.1f}", f"{bmi[i]:.1f}", smoker[i],
             "high" if diabetes[i] == "yes" else "low", diabetes[i]] for i in range(n)]
    path = tmp_path_factory.mktemp("data") / "patients.csv"
    return write_csv(path, ["patient_id", "glucose", "bmi", "smoker", "high_risk", "diabetes"],
                     rows)


def test_ids_and_leaks_are_named_and_can_be_left_out(capsys, tmp_path, patients):
    code, out, err = run(capsys, "fit", patients, "--target", "diabetes", "--loss", "logistic",
                         "--rounds", "20", "--no-plot", "--out", tmp_path)
    assert code == 0, err
    assert "feature 'patient_id' has a different value on every row: an id?" in err
    assert "feature 'high_risk' is a function of the target" in err
    code, out, err = run(capsys, "fit", patients, "--target", "diabetes", "--loss", "logistic",
                         "--id-column", "patient_id", "--exclude", "high_risk", "--rounds",
                         "20", "--no-plot", "--out", tmp_path)
    assert code == 0, err
    assert "warning" not in err
    meta = json.loads((tmp_path / "patients_logistic_lightgbm.boostobj.json").read_text())
    assert meta["features"] == ["glucose", "bmi", "smoker"]
    assert meta["categories"]["smoker"] == ["current", "former", "never"]
    assert meta["id_column"] == "patient_id" and meta["classes"] == ["no", "yes"]
    table = read_table(tmp_path / "patients_logistic_lightgbm_predictions.csv")
    assert list(table[0]) == ["patient_id", "diabetes", "class", "P(no)", "P(yes)"]
    assert table[0]["patient_id"].startswith("P1")


def test_features_option_picks_and_orders_the_features(capsys, tmp_path, patients):
    code, out, err = run(capsys, "fit", patients, "--target", "diabetes", "--loss", "logistic",
                         "--features", "bmi", "glucose", "--rounds", "5", "--no-plot",
                         "--out", tmp_path)
    assert code == 0, err
    meta = json.loads((tmp_path / "patients_logistic_lightgbm.boostobj.json").read_text())
    assert meta["features"] == ["bmi", "glucose"]
    booster = lgb.Booster(model_file=str(tmp_path / "patients_logistic_lightgbm.txt"))
    assert booster.feature_name() == ["bmi", "glucose"]


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_predict_round_trip_equals_what_fit_reported(capsys, tmp_path, booster):
    code, out, err = run(capsys, "fit", DATA / "diamonds.csv", "--target", "price", "--loss",
                         "huber:delta=auto", "--rounds", "30", "--booster", booster,
                         "--no-plot", "--test-size", "0.02", "--out", tmp_path)
    assert code == 0, err
    suffix = ".json" if booster == "xgboost" else ".txt"
    model = tmp_path / f"diamonds_huber_{booster}{suffix}"
    reported = {row["row"]: row["prediction"] for row in
                read_table(tmp_path / f"diamonds_huber_{booster}_predictions.csv")}
    out_file = tmp_path / "predicted.csv"
    code, out, err = run(capsys, "predict", model, DATA / "diamonds.csv", "--out", out_file)
    assert code == 0, err
    predicted = {row["row"]: row["prediction"] for row in read_table(out_file)}
    assert len(predicted) == 53940 and len(reported) > 1000
    assert all(predicted[row] == value for row, value in reported.items())
    # the metadata file is a model name too
    code, out, err = run(capsys, "predict", tmp_path / f"diamonds_huber_{booster}.boostobj.json",
                         DATA / "diamonds.csv", "--out", out_file)
    assert code == 0, err


def test_new_rows_keep_the_training_codes_and_unknown_levels_become_missing(capsys,
                                                                          tmp_path):
    code, out, err = run(capsys, "fit", DATA / "diamonds.csv", "--target", "price", "--loss",
                         "squared_error", "--rounds", "40", "--no-plot", "--out", tmp_path)
    assert code == 0, err
    data = datasets.load("diamonds")
    header = ["carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"]
    rows = [["0.9", "Ideal", "G", "VS1", "61.5", "56", "6.2", "6.2", "3.8"],
            ["0.9", "Premium", "G", "VS1", "61.5", "56", "6.2", "6.2", "3.8"],
            ["0.9", "Astounding", "G", "VS1", "61.5", "56", "6.2", "6.2", "3.8"]]
    new = write_csv(tmp_path / "new.csv", list(reversed(header)), [r[::-1] for r in rows])
    code, out, err = run(capsys, "predict", tmp_path / "diamonds_squared_error_lightgbm.txt", new)
    assert code == 0, err
    assert "column 'cut': 'Astounding' not seen in training" in err
    lines = out.strip().splitlines()
    assert lines[0] == "row,prediction" and len(lines) == 4
    # the same as the booster on the training codes (the CLI's: levels in sorted order)
    booster = lgb.Booster(model_file=str(tmp_path / "diamonds_squared_error_lightgbm.txt"))
    levels = json.loads((tmp_path / "diamonds_squared_error_lightgbm.boostobj.json").read_text())[
        "categories"]
    assert levels["cut"] == sorted(data.categories["cut"])
    color, clarity = levels["color"].index("G"), levels["clarity"].index("VS1")
    X = np.array([[0.9, levels["cut"].index(cut), color, clarity, 61.5, 56, 6.2, 6.2, 3.8]
                  for cut in ("Ideal", "Premium")] +
                 [[0.9, np.nan, color, clarity, 61.5, 56, 6.2, 6.2, 3.8]])
    expected = booster.predict(X, raw_score=True)
    assert [float(line.split(",")[1]) for line in lines[1:]] == pytest.approx(expected,
                                                                             rel=1e-6)
    missing = write_csv(tmp_path / "missing.csv", ["carat", "cut"], [["1", "Ideal"]])
    code, out, err = run(capsys, "predict", tmp_path / "diamonds_squared_error_lightgbm.txt",
                         missing)
    assert code == 2 and "the model's feature columns 'color', 'clarity'" in err


def test_interval_models_travel_and_predict_every_level(capsys, tmp_path):
    # 200 rounds: mcycle takes CV+ (10 folds), and the default 1000 rounds x 31 models
    # cost 15 s that this plumbing test does not need
    code, out, err = run(capsys, "intervals", DATA / "mcycle.csv", "--target", "accel",
                         "--min-leaf-rows", "5", "--levels", "0.1", "0.5", "0.9", "--no-plot",
                         "--rounds", "200", "--out", tmp_path)
    assert code == 0, err
    held_out = read_table(tmp_path / "mcycle_intervals_lightgbm.csv")
    code, out, err = run(capsys, "predict", tmp_path / "mcycle_intervals_lightgbm.json",
                         DATA / "mcycle.csv")
    assert code == 0, err
    table = list(csv.DictReader(out.splitlines()))
    assert list(table[0]) == ["row", "prediction", "q0.1", "q0.5", "q0.9", "lower", "upper"]
    by_row = {row["row"]: row for row in table}
    for row in held_out:
        for column in ("prediction", "q0.1", "q0.9", "lower", "upper"):
            assert by_row[row["row"]][column] == row[column]
    mantissas = [re.sub(r"[^0-9]", "", row["q0.5"].split("e")[0]).lstrip("0") for row in table]
    assert all(len(digits) <= 7 for digits in mantissas)  # 7 significant digits at most


def test_booster_params_reach_the_booster_and_bad_ones_are_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "fit", DATA / "mcycle.csv", "--target", "accel", "--loss",
                         "squared_error", "--param", "num_leaves=3", "--param",
                         "min_child_samples=5", "--rounds", "5", "--no-plot", "--out", tmp_path)
    assert code == 0, err
    booster = lgb.Booster(model_file=str(tmp_path / "mcycle_squared_error_lightgbm.txt"))
    assert max(tree["num_leaves"] for tree in booster.dump_model()["tree_info"]) <= 3
    code, out, err = run(capsys, "fit", DATA / "mcycle.csv", "--target", "accel", "--loss",
                         "squared_error", "--booster", "xgboost", "--param", "max_depth=1",
                         "--rounds", "3", "--no-plot", "--out", tmp_path)
    assert code == 0, err
    booster = xgb.Booster(model_file=str(tmp_path / "mcycle_squared_error_xgboost.json"))
    assert all(line.count("leaf") == 2 for line in booster.get_dump())
    for param, message in (("learning_rate=0", "the learning rate must be a number > 0"),
                           ("num_leaves=-3", "lightgbm refused the parameters (num_leaves=-3)")):
        code, out, err = run(capsys, "fit", DATA / "mcycle.csv", "--target", "accel",
                             "--loss", "squared_error", "--param", param, "--no-plot", "--out",
                             tmp_path)
        assert code == 2 and message in err and err.count("\n") == 1


def test_fit_draws_a_learning_curve_and_the_feature_importance(capsys, tmp_path):
    code, out, err = run(capsys, "fit", DATA / "pima.csv", "--target", "type", "--loss",
                         "focal:gamma=2", "--exclude", "split", "--early-stopping", "10",
                         "--rounds", "200", "--out", tmp_path)
    assert code == 0, err
    for name in ("pima_focal_lightgbm_learning_curve.png", "pima_focal_lightgbm_importance.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_a_loss_of_your_own_by_name(tmp_path):
    module = tmp_path / "my_loss.py"
    module.write_text('''
import numpy as np
import boostobj


@boostobj.register_loss
class HalfSquared(boostobj.BaseLoss):
    """loss = s (f - y)² / 2."""

    name = "half_squared_test"
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
''')
    # in fresh processes, so that this test's loss stays out of the suite's registry
    def boostobj_command(*argv):
        return subprocess.run([sys.executable, "-m", "boostobj", *map(str, argv)],
                              capture_output=True, text=True, timeout=120)

    fitted = boostobj_command("fit", DATA / "mcycle.csv", "--target", "accel", "--loss",
                              "half_squared_test:s=2", "--loss-module", module, "--rounds", "5",
                              "--no-plot", "--out", tmp_path)
    assert fitted.returncode == 0, fitted.stderr
    model = tmp_path / "mcycle_half_squared_test_s2_lightgbm.txt"
    unknown = boostobj_command("predict", model, DATA / "mcycle.csv")
    assert unknown.returncode == 2 and "pass --loss-module FILE" in unknown.stderr
    known = boostobj_command("predict", model, DATA / "mcycle.csv", "--loss-module", module)
    assert known.returncode == 0, known.stderr
    assert known.stdout.startswith("row,prediction\n")


def _cases(tmp_path):
    """(argv, text the one line must hold) for malformed files and flags."""
    blank = tmp_path / "target_only.csv"
    blank.write_text("y\n1\n2\n3\n")
    few = write_csv(tmp_path / "few.csv", ["x", "y"], [[1, 2], [2, 3], [3, 5]])
    long_cell = tmp_path / "long.csv"
    long_cell.write_text("x,y\n" + "a" * 200_000 + ",1\n")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"x,y\n1,caf\xe9\n")
    twice = write_csv(tmp_path / "twice.csv", ["a", "a", "y"], [[1, 2, 3]] * 30)
    mcycle = DATA / "mcycle.csv"
    fit = ["fit", mcycle, "--target", "accel", "--loss", "huber"]
    return [
        (["fit", blank, "--target", "y", "--loss", "huber"], "no feature columns"),
        (["fit", few, "--target", "y", "--loss", "huber"], "too few"),
        (["fit", long_cell, "--target", "y", "--loss", "huber"], "long.csv, line"),
        (["fit", latin, "--target", "y", "--loss", "huber"], "latin.csv: not UTF-8 text"),
        (["fit", twice, "--target", "y", "--loss", "huber"], "duplicate column names 'a'"),
        ([*fit, "--learning-rate", "0"], "--learning-rate: '0': must be > 0"),
        ([*fit, "--learning-rate", "-1"], "--learning-rate: '-1': must be > 0"),
        ([*fit, "--learning-rate", "nan"], "--learning-rate: 'nan': must be > 0"),
        ([*fit, "--min-leaf-rows", "-1"], "--min-leaf-rows: '-1': must be >= 0"),
        ([*fit, "--early-stopping", "0"], "--early-stopping: '0': must be >= 1"),
        ([*fit, "--early-stopping", "-2"], "--early-stopping: '-2': must be >= 1"),
        ([*fit, "--model", tmp_path], "is a folder; give a file name"),
        ([*fit, "--exclude", "nope"], "no column 'nope'"),
        ([*fit, "--features", "accel"], "cannot be a feature and the target"),
        ([*fit, "--param", "num_leaves"], "is not of the form KEY=VALUE"),
        (["demo", "--splits", "0"], "--splits: '0': must be >= 1"),
        (["compare", "--seeds", "0"], "--seeds: '0': must be >= 1"),
        (["predict", tmp_path, mcycle], "is a folder"),
        (["predict", mcycle, mcycle], "no mcycle.boostobj.json beside it"),
        (["intervals", mcycle, "--target", "accel", "--trees", "0"], "--trees: '0'"),
    ]


def test_malformed_files_and_flags_fail_in_one_line(capsys, tmp_path):
    out_dir = tmp_path / "out"
    for argv, message in _cases(tmp_path):
        extra = [] if argv[0] == "predict" else ["--out", out_dir]
        code, out, err = run(capsys, *argv, *extra)
        assert code == 2, (argv, err)
        assert err.count("\n") == 1 and err.startswith(f"boostobj {argv[0]}: error: "), err
        assert message in err, (argv, err)
        assert "Traceback" not in err
    # nothing half-written: no model, table or temporary file from the failures
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_generated_malformed_inputs_never_give_a_traceback(tmp_path):
    """Random damage to a good CSV and its flags, bounded; run as a user would, in a shell."""
    rng = np.random.default_rng(7)
    good = (DATA / "mcycle.csv").read_text().splitlines()
    damages = [
        lambda lines: lines[:rng.integers(0, 3)],                        # empty, header only
        lambda lines: [lines[0]] + [line + ",x" for line in lines[1:30]],  # ragged rows
        lambda lines: [lines[0].replace("accel", "times")] + lines[1:],    # duplicate names
        lambda lines: [lines[0]] + [line.replace(",", ";") for line in lines[1:]],
        lambda lines: [lines[0]] + [f"{rng.normal()},{'NA'}" for _ in range(40)],  # no target
        lambda lines: [lines[0]] + lines[1:rng.integers(2, 6)],            # too few rows
    ]
    flags = [[], ["--learning-rate", "-0.5"], ["--rounds", "0"], ["--test-size", "1.5"],
             ["--exclude", "times"], ["--param", "=3"], ["--loss", "nope"],
             ["--threads", "-1"], ["--min-leaf-rows", "x"]]
    seen = 0
    for trial in range(12):
        lines = damages[trial % len(damages)](list(good))
        path = tmp_path / f"damaged_{trial}.csv"
        path.write_text("\n".join(lines) + ("\n" if lines else ""))
        extra = flags[rng.integers(len(flags))]
        argv = ["fit", str(path), "--target", "accel", "--loss", "huber", "--rounds", "3",
                "--no-plot", "--out", str(tmp_path / f"out_{trial}")]
        if "--loss" in extra:
            argv = argv[:5] + argv[6:]  # the generated --loss replaces the good one
        result = subprocess.run([sys.executable, "-m", "boostobj", *argv, *extra],
                                capture_output=True, text=True, timeout=120)
        assert "Traceback" not in result.stderr, (argv, extra, result.stderr)
        if result.returncode != 0:
            seen += 1
            assert result.returncode == 2, (argv, extra, result.stderr)
            errors = [line for line in result.stderr.splitlines()
                      if not line.startswith("warning:")]
            assert len(errors) == 1 and errors[0].startswith("boostobj fit: error: "), \
                result.stderr
            out = tmp_path / f"out_{trial}"
            assert not out.exists() or not any(out.iterdir()), list(out.iterdir())
    assert seen >= 10  # nearly every damage is an error


def test_a_distribution_loss_reports_its_interval_and_predicts_its_parameters(capsys,
                                                                              tmp_path):
    code, out, err = run(capsys, "fit", DATA / "mcycle.csv", "--target", "accel", "--loss",
                         "normal", "--rounds", "50", "--no-plot", "--out", tmp_path)
    assert code == 0, err
    assert "held-out 90% interval coverage" in out and "held-out CRPS" in out
    assert "gives the raw scores loc, log_scale" in out
    model = tmp_path / "mcycle_normal_lightgbm.txt"
    table = read_table(tmp_path / "mcycle_normal_lightgbm_predictions.csv")
    assert list(table[0])[-5:] == ["prediction", "loc", "scale", "lower", "upper"]
    code, out, err = run(capsys, "predict", model, DATA / "mcycle.csv", "--out",
                         tmp_path / "new.csv")
    assert code == 0, err
    rows = read_table(tmp_path / "new.csv")
    raw = lgb.Booster(model_file=str(model)).predict(
        np.array([[float(row["times"])] for row in read_table(DATA / "mcycle.csv")]))
    for row, (loc, log_scale) in zip(rows, raw, strict=True):
        assert float(row["loc"]) == pytest.approx(loc, rel=1e-6, abs=1e-6)
        assert float(row["scale"]) == pytest.approx(np.exp(log_scale), rel=1e-6)
        assert float(row["lower"]) < float(row["prediction"]) < float(row["upper"])
