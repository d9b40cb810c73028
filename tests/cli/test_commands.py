"""The command line: every command at small size, its files, and its one-line errors."""

import csv
import io
import re
import subprocess
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
import xgboost as xgb
from conftest import write_csv

import boostobj
from boostobj import cli, datasets
from boostobj.cli.pictures import loss_curves
from boostobj.cli.progress import Progress

ROOT = Path(__file__).resolve().parents[2]


DATA = ROOT / "datasets"


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_png(path):
    data = Path(path).read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 20_000  # a drawn figure, not an empty canvas


@pytest.fixture(scope="module")
def diamonds_sample(tmp_path_factory):
    """2,000 diamonds rows as a CSV, text columns and all."""
    path = tmp_path_factory.mktemp("data") / "diamonds_sample.csv"
    with open(DATA / "diamonds.csv") as source:
        lines = source.read().splitlines()
    keep = np.random.default_rng(0).permutation(len(lines) - 1)[:2000] + 1
    path.write_text("\n".join([lines[0]] + [lines[i] for i in keep]) + "\n")
    return path


def test_intervals_writes_report_csv_and_png(capsys, tmp_path):
    code, out, err = run(capsys, "intervals", DATA / "mcycle.csv", "--target", "accel",
                         "--min-leaf-rows", "5", "--rounds", "200", "--out", tmp_path)
    assert code == 0, err
    assert "coverage" in out and "interval score" in out and "(target 0.900)" in out
    with open(tmp_path / "mcycle_intervals_lightgbm.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 27  # 20% of 133 rows held out
    lower = np.array([float(r["lower"]) for r in rows])
    upper = np.array([float(r["upper"]) for r in rows])
    truth = np.array([float(r["accel"]) for r in rows])
    assert np.all(lower <= upper)
    inside = np.array([int(r["inside"]) for r in rows])
    assert np.array_equal(inside, (lower <= truth) & (truth <= upper))
    # The row numbers point at the file's data rows.
    mcycle = datasets.load("mcycle")
    assert np.array_equal(mcycle.y[[int(r["row"]) for r in rows]], truth)
    reported = float(out.split("coverage")[1].split()[0])
    assert reported == pytest.approx(inside.mean(), abs=1e-3)
    assert_png(tmp_path / "mcycle_intervals_lightgbm.png")


def test_intervals_three_levels_text_columns_and_missing_cells(capsys, tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    x = rng.uniform(size=n)
    group = rng.choice(["low", "high"], size=n)
    y = 10 * x + np.where(group == "high", 5.0, 0.0) + rng.normal(size=n)
    rows = [[f"{a:.4f}" if i % 50 else "", g, f"{b:.4f}" if i % 97 else "NA"]
            for i, (a, g, b) in enumerate(zip(x, group, y, strict=True))]
    path = write_csv(tmp_path / "noisy.csv", ["x", "group", "y"], rows)
    code, out, err = run(capsys, "intervals", path, "--target", "y", "--levels", "0.1", "0.5",
                         "0.9", "--booster", "xgboost", "--trees", "100", "--no-plot",
                         "--out", tmp_path)
    assert code == 0, err
    assert "left out 7 rows without a 'y' value" in out
    assert "group (2 values)" in out
    with open(tmp_path / "noisy_intervals_xgboost.csv") as handle:
        table = list(csv.DictReader(handle))
    assert {"q0.1", "q0.5", "q0.9", "prediction"} <= set(table[0])
    for row in table:  # levels never cross; the median model's prediction is inside
        assert float(row["q0.1"]) <= float(row["q0.5"]) <= float(row["q0.9"])
        assert float(row["q0.1"]) <= float(row["prediction"]) <= float(row["q0.9"])
    assert not (tmp_path / "noisy_intervals_xgboost.png").exists()


def test_fit_regression_saves_a_model_plain_lightgbm_loads(capsys, tmp_path, diamonds_sample):
    model_path = tmp_path / "huber.txt"
    code, out, err = run(capsys, "fit", diamonds_sample, "--target", "price", "--loss",
                         "huber:delta=auto", "--rounds", "60", "--model", model_path,
                         "--out", tmp_path)
    assert code == 0, err
    lines = {line.split()[1]: line.split() for line in out.splitlines() if "held-out" in line}
    assert float(lines["RMSE"][2]) < 1500  # sd(price) ≈ 4000
    loss, constant = float(lines["huber"][3]), float(lines["huber"][-1].rstrip(")"))
    assert loss < 0.1 * constant
    data = datasets.read_csv(diamonds_sample, "price")
    prediction = lgb.Booster(model_file=str(model_path)).predict(data.X)
    assert np.all(np.isfinite(prediction)) and 300 < np.median(prediction) < 10_000


def test_fit_binary_with_text_labels_on_xgboost(capsys, tmp_path):
    code, out, err = run(capsys, "fit", DATA / "pima.csv", "--target", "type", "--loss",
                         "focal:gamma=2", "--booster", "xgboost", "--rounds", "200",
                         "--early-stopping", "10", "--out", tmp_path)
    assert code == 0, err
    assert "classes: 0 = No, 1 = Yes" in out
    kept = int(out.split(" rounds of xgboost")[0].split()[-1])
    assert kept < 200 and f"stopped at {kept} by the loss" in out
    words = next(line for line in out.splitlines() if "focal loss" in line).split()
    assert float(words[3]) < float(words[-1].rstrip(")"))  # better than the best constant
    accuracy = float(next(line for line in out.splitlines() if "accuracy" in line).split()[-1])
    assert accuracy > 0.7
    booster = xgb.Booster(model_file=str(tmp_path / "pima_focal_xgboost.json"))
    # 'split' is a feature of a user's CSV like any other column (coded text); the booster
    # file names the features
    data = datasets.read_csv(DATA / "pima.csv", "type")
    assert booster.feature_names == data.feature_names
    probability = booster.predict(xgb.DMatrix(data.X, feature_names=data.feature_names))
    assert np.all((probability > 0) & (probability < 1))


def test_fit_multiclass_names_the_classes(capsys, tmp_path, diamonds_sample):
    code, out, err = run(capsys, "fit", diamonds_sample, "--target", "cut", "--loss",
                         "softmax", "--rounds", "20", "--out", tmp_path)
    assert code == 0, err
    assert "classes: 0 = Fair, 1 = Good, 2 = Ideal, 3 = Premium, 4 = Very Good" in out
    assert (tmp_path / "diamonds_sample_softmax_lightgbm.txt").exists()


ERRORS = [
    (["fit", "no_such.csv", "--target", "y", "--loss", "huber"], "no_such.csv: no such file"),
    (["fit", DATA / "diamonds.csv", "--target", "prize", "--loss", "huber"],
     "no column 'prize'; columns: carat, cut, color, clarity, depth, table, price, x, y, z"),
    (["fit", DATA / "mcycle.csv", "--target", "accel", "--loss", "hubber"],
     "Unknown loss 'hubber'. Did you mean 'huber'"),
    (["fit", DATA / "mcycle.csv", "--target", "accel", "--loss", "huber:delte=2"],
     "huber: unknown parameter(s) delte; valid parameters: delta"),
    (["fit", DATA / "mcycle.csv", "--target", "accel", "--loss", "poisson"],
     "column 'accel' (rows counted after those without a value): poisson: y must be >= 0"),
    (["fit", DATA / "mcycle.csv", "--target", "accel", "--loss", "logistic"],
     "logistic is a binary loss"),
    (["fit", DATA / "mcycle.csv", "--target", "accel", "--loss", "soft_label"],
     "soft_label takes an (n, K) matrix of class probabilities"),
    (["intervals", DATA / "pima.csv", "--target", "type"],
     "target column 'type' is not numeric (values such as 'No', 'Yes')"),
    (["intervals", DATA / "mcycle.csv", "--target", "accel", "--levels", "0.5", "1.5"],
     "QuantileIntervalRegressor: levels == (0.5, 1.5)"),
    (["intervals", DATA, "--target", "accel"], "is a folder, not a CSV file"),
    (["intervals", DATA / "mcycle.csv", "--target", "accel", "--test-size", "2"],
     "argument --test-size: '2': must be between 0 and 1"),
    (["plot-losses", "huber", "nope"], "Unknown loss 'nope'"),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS, ids=[" ".join(map(str, a[:1] + a[-2:]))
                                                             for a, _ in ERRORS])
def test_errors_are_one_line_with_status_2(capsys, tmp_path, argv, message):
    code, out, err = run(capsys, *argv, "--out" if argv[0] != "plot-losses" else "--out",
                         tmp_path)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"boostobj {argv[0]}: error: ")
    assert message in err
    assert "Traceback" not in err


def test_error_cases_from_a_shell_have_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "boostobj", "fit", "missing.csv", "--target",
                             "y", "--loss", "huber"], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "boostobj fit: error: missing.csv: no such file\n"
    with_traceback = subprocess.run([sys.executable, "-m", "boostobj", "--traceback", "fit",
                                     "missing.csv", "--target", "y", "--loss", "huber"],
                                    capture_output=True, text=True, cwd=tmp_path)
    assert "Traceback" in with_traceback.stderr


def test_bad_csv_files_name_the_line(capsys, tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,y\n1,2,3\n4,5\n")
    code, _, err = run(capsys, "intervals", ragged, "--target", "y", "--out", tmp_path)
    assert code == 2 and "ragged.csv, line 3: 2 cells, the header has 3" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = run(capsys, "intervals", empty, "--target", "y", "--out", tmp_path)
    assert code == 2 and "the file is empty" in err


def test_missing_matplotlib_is_named_before_any_training(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises
    for argv in (["intervals", DATA / "mcycle.csv", "--target", "accel"], ["plot-losses"],
                 ["compare"], ["demo"]):
        code, out, err = run(capsys, *argv, "--out", tmp_path)
        assert code == 2 and "pip install matplotlib" in err and out == "", argv
    code, out, err = run(capsys, "intervals", DATA / "mcycle.csv", "--target", "accel",
                         "--trees", "50", "--no-plot", "--out", tmp_path)
    assert code == 0 and "coverage" in out


@pytest.mark.parametrize("command", ["losses", "intervals", "fit", "predict", "compare",
                                     "plot-losses", "demo"])
def test_every_command_has_help(capsys, command):
    assert cli.main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert f"usage: boostobj {command}" in text and "examples:" in text


def test_console_script_and_module_agree():
    result = subprocess.run([sys.executable, "-m", "boostobj", "--help"], capture_output=True,
                            text=True, check=True)
    for command in ("losses", "intervals", "fit", "compare", "plot-losses", "demo"):
        assert command in result.stdout


def test_plot_losses_png(capsys, tmp_path):
    code, out, err = run(capsys, "plot-losses", "huber:delta=1", "poisson", "softmax",
                         "logistic", "--out", tmp_path, "--file", "some.png")
    assert code == 0, err
    assert_png(tmp_path / "some.png")


@pytest.mark.parametrize("spec", ["squared_error", "huber", "cauchy", "poisson", "gamma",
                                  "logistic", "focal:gamma=2", "exponential", "softmax",
                                  "soft_label"])
def test_loss_curves_gradient_is_the_slope_of_the_loss(spec):
    kind, label, x, values, gradient, hessian = loss_curves(spec, points=2001)
    slope = np.gradient(values, x)
    # Against the residual r = y - f the loss's slope is -dL/df; otherwise x moves f.
    expected = -gradient if kind == "residual" else gradient
    if spec in ("softmax", "soft_label"):  # x = f_0 - f_1 with f_0 = x/2: dL/dx = g_0
        expected = gradient
    inner = slice(5, -5)
    assert np.allclose(slope[inner], expected[inner], atol=2e-2 * max(1, np.abs(expected).max()))
    assert np.all(np.isfinite(hessian)) and np.all(hessian >= 0)
    if spec == "huber":
        assert label == "huber (delta = 1) (stand-in h)"


def test_compare_at_small_size(capsys, tmp_path):
    code, out, err = run(capsys, "compare", "--seeds", "1", "--rounds", "30", "--booster",
                         "lightgbm", "--jobs", "1", "--out", tmp_path)
    assert code == 0, err
    assert "| lightgbm | `cauchy` |" in out and "| lightgbm | built-in huber |" in out
    assert "xgboost" not in out.split("\n", 1)[1]
    assert_png(tmp_path / "robust_sinc.png")


def test_demo_at_small_size(capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--splits", "1", "--rows", "4000", "--out", tmp_path)
    assert code == 0, err
    rows = {line[:36].strip(): line[36:].split() for line in out.splitlines()
            if line.startswith(("boostobj on", "LightGBM built-in", "XGBoost built-in", "CQR"))}
    assert len(rows) == 7
    for name, (cover, deciles, _, _, crossing, _) in rows.items():
        assert 0.7 < float(cover) <= 1.0, name
        low, high = (float(value) for value in deciles.split("-"))
        assert low <= float(cover) <= high, name
        if name.startswith("boostobj"):  # the built-ins may cross; ours are sorted per row
            assert float(crossing) == 0.0, name
    assert abs(float(rows["boostobj on LightGBM, mondrian"][0]) - 0.9) < 0.05
    assert_png(tmp_path / "demo_intervals.png")


def test_progress_draws_a_bar_on_a_terminal_and_timestamped_lines_elsewhere():
    stream = io.StringIO()
    with Progress(10, "rounds", stream=stream, terminal=True, interval=0.01) as bar:
        for _ in range(10):
            bar.advance()
        assert bar.line().startswith("[########################] 10/10 rounds")
    assert "\r[" in stream.getvalue() and stream.getvalue().endswith("\r")
    log = io.StringIO()  # StringIO is no terminal: a line every log_every seconds
    with Progress(4, "rounds", stream=log, log_every=0.05) as bar:
        bar.advance()
        time.sleep(0.3)
    lines = log.getvalue().splitlines()
    assert 2 <= len(lines) <= 8 and "\r" not in log.getvalue()
    assert re.match(r"boostobj: \d\d:\d\d:\d\d · rounds · 1/4 done · \d+s elapsed, about "
                    r"\d+s left$", lines[0])
    quick = io.StringIO()
    with Progress(None, "fitting", stream=quick) as bar:  # over before the first line is due
        bar.advance()
    assert quick.getvalue() == ""
    assert Progress(None, "fitting", stream=quick).line().startswith("fitting 0s")


def test_cli_layer_is_not_imported_by_the_package():
    result = subprocess.run([sys.executable, "-c", "import sys, boostobj, boostobj.losses; "
                             "print(sorted(m for m in sys.modules if m.startswith(("
                             "'matplotlib', 'xgboost', 'lightgbm', 'boostobj.cli'))))"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert boostobj.__version__


def _ranking_csv(path, shuffle_groups=False):
    rng = np.random.default_rng(0)
    sizes = rng.integers(3, 15, size=60)
    qid = np.repeat([f"q{k}" for k in range(sizes.size)], sizes)
    X = rng.normal(size=(qid.size, 4))
    relevance = np.clip(np.round(X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=qid.size) + 1), 0, 4)
    if shuffle_groups:
        qid = np.roll(qid, 2)
    rows = [[q, int(r), *(f"{v:.4f}" for v in x)] for q, r, x in zip(qid, relevance, X,
                                                                        strict=True)]
    return write_csv(path, ["qid", "relevance", "a", "b", "c", "d"], rows)


@pytest.mark.parametrize("booster", ["lightgbm", "xgboost"])
def test_fit_ranking_holds_out_whole_groups_and_reports_ranking_metrics(capsys, tmp_path,
                                                                        booster):
    path = _ranking_csv(tmp_path / "queries.csv")
    code, out, err = run(capsys, "fit", path, "--target", "relevance", "--group", "qid",
                         "--loss", "listwise_softmax:temperature=0.5", "--rounds", "30",
                         "--booster", booster, "--early-stopping", "5", "--out", tmp_path)
    assert code == 0, err
    assert "60 groups ('qid'); 48 groups to train, 12 held out (whole groups)" in out
    assert "held-out NDCG@5" in out and "held-out MRR" in out
    assert "text columns" not in out  # the query column is no feature
    model = tmp_path / (f"queries_listwise_softmax_temperature0.5_{booster}"
                        f"{'.json' if booster == 'xgboost' else '.txt'}")
    assert model.exists()


@pytest.mark.parametrize("argv, message", [
    (["--loss", "pairwise_hinge"], "pairwise_hinge is a ranking loss over query groups: name "
                                   "the column"),
    (["--loss", "huber", "--group", "qid"], "--group 'qid' is for the ranking losses"),
    (["--loss", "pairwise_logistic", "--group", "nope"], "no column 'nope'; columns: qid"),
    (["--loss", "pairwise_logistic", "--group", "relevance"], "cannot be the target"),
])
def test_fit_ranking_errors_are_one_line(capsys, tmp_path, argv, message):
    path = _ranking_csv(tmp_path / "queries.csv")
    code, out, err = run(capsys, "fit", path, "--target", "relevance", *argv, "--out",
                         tmp_path)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_fit_ranking_refuses_a_query_column_whose_rows_are_not_contiguous(capsys, tmp_path):
    path = _ranking_csv(tmp_path / "queries.csv", shuffle_groups=True)
    code, out, err = run(capsys, "fit", path, "--target", "relevance", "--group", "qid",
                         "--loss", "listwise_softmax", "--out", tmp_path)
    assert code == 2 and "column 'qid': the rows of each query must be contiguous" in err


def test_cli_losses_command(capsys):
    assert cli.main(["losses"]) == 0
    assert "`pseudo_huber`" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "boostobj", "losses"], capture_output=True,
                            text=True, check=True)
    assert "`tweedie`" in result.stdout
