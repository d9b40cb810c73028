"""The command line's files: nothing it reads is written over, no model's description is
replaced by another's, a saved model is checked (checksums, features, its folder) before it
is used, interval models predict without unpickling, and files get the user's umask."""

import csv
import json
import os
import shutil
import stat

import numpy as np
import pytest
from conftest import SHIPPED_DATA as DATA
from conftest import run_command as run
from conftest import write_csv


def one_line_error(code, err, *fragments):
    assert code == 2, err
    assert err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture
def mcycle(tmp_path):
    path = tmp_path / "mcycle.csv"
    shutil.copy(DATA / "mcycle.csv", path)
    return path


FIT = ["--target", "accel", "--rounds", "5", "--no-plot"]


@pytest.mark.parametrize("command, option", [
    (["fit", "--loss", "huber"], "--model"),
    (["intervals"], "--model"),
])
def test_a_model_is_never_written_over_the_data(capsys, tmp_path, mcycle, command, option):
    before = mcycle.read_bytes()
    code, out, err = run(capsys, command[0], mcycle, *FIT, *command[1:], "--out", tmp_path,
                         option, mcycle)
    one_line_error(code, err, f"{option} {mcycle} is the data", "never writes over")
    assert mcycle.read_bytes() == before
    assert "rounds of" not in out  # refused before training


def test_predict_never_writes_over_its_inputs(capsys, tmp_path, mcycle):
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--out", tmp_path)
    assert code == 0, err
    model = tmp_path / "mcycle_huber_lightgbm.txt"
    for target in (mcycle, model, tmp_path / "mcycle_huber_lightgbm.boostobj.json"):
        before = target.read_bytes()
        code, out, err = run(capsys, "predict", model, mcycle, "--out", target)
        one_line_error(code, err, "--out", "never writes over")
        assert target.read_bytes() == before


def test_a_description_is_not_a_model_name(capsys, tmp_path, mcycle):
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--out", tmp_path)
    assert code == 0, err
    meta = tmp_path / "mcycle_huber_lightgbm.boostobj.json"
    before = meta.read_bytes()
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--model", meta)
    one_line_error(code, err, "the name of a model's description")
    assert meta.read_bytes() == before


def test_two_models_never_share_a_description(capsys, tmp_path, mcycle):
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--model",
                         tmp_path / "m.txt")
    assert code == 0, err
    before = (tmp_path / "m.boostobj.json").read_bytes()
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--booster",
                         "xgboost", "--model", tmp_path / "m.json")
    one_line_error(code, err, "m.boostobj.json describes another model, m.txt")
    assert (tmp_path / "m.boostobj.json").read_bytes() == before
    # a description written by another program is not replaced either
    (tmp_path / "other.boostobj.json").write_text("{}")
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--model",
                         tmp_path / "other.txt")
    one_line_error(code, err, "is not a boostobj model description")


def test_default_names_hold_the_loss_parameters_and_the_booster(capsys, tmp_path, mcycle):
    for argv in (["--loss", "quantile:alpha=0.1"], ["--loss", "quantile:alpha=0.9"],
                 ["--loss", "quantile:alpha=0.9", "--booster", "xgboost"]):
        code, out, err = run(capsys, "fit", mcycle, *FIT, *argv, "--out", tmp_path)
        assert code == 0, err
    names = sorted(path.name for path in tmp_path.glob("mcycle_quantile*.boostobj.json"))
    assert names == ["mcycle_quantile_alpha0.1_lightgbm.boostobj.json",
                     "mcycle_quantile_alpha0.9_lightgbm.boostobj.json",
                     "mcycle_quantile_alpha0.9_xgboost.boostobj.json"]


def test_predict_names_the_model_a_shared_description_belongs_to(capsys, tmp_path, mcycle):
    # Two models whose descriptions share a name: predict refuses the one not described.
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--model",
                         tmp_path / "m.json", "--booster", "xgboost")
    assert code == 0, err
    shutil.copy(tmp_path / "m.json", tmp_path / "m.txt")
    code, out, err = run(capsys, "predict", tmp_path / "m.txt", mcycle)
    one_line_error(code, err, "describes m.json, another model")


@pytest.fixture
def fitted(capsys, tmp_path):
    code, out, err = run(capsys, "fit", DATA / "pima.csv", "--target", "glu", "--loss", "huber",
                         "--rounds", "5", "--no-plot", "--out", tmp_path)
    assert code == 0, err
    return tmp_path / "pima_huber_lightgbm.txt", tmp_path / "pima_huber_lightgbm.boostobj.json"


PIMA = DATA / "pima.csv"


@pytest.mark.parametrize("edit, message", [
    (lambda meta: meta.update(loss="poisson"), "changed after boostobj wrote it"),
    (lambda meta: meta.update(features=list(reversed(meta["features"]))),
     "changed after boostobj wrote it"),
    (lambda meta: meta.pop("categories"), "no 'categories' entry"),
    (lambda meta: meta.update(model_file="../elsewhere/x.pkl"), "changed after boostobj"),
    (lambda meta: meta.update(version=1), "version 1; this boostobj reads version 2"),
])
def test_an_edited_description_is_refused(capsys, fitted, edit, message):
    model, meta_path = fitted
    meta = json.loads(meta_path.read_text())
    edit(meta)
    meta_path.write_text(json.dumps(meta))
    code, out, err = run(capsys, "predict", model, PIMA)
    one_line_error(code, err, message)


def test_a_description_may_not_point_outside_its_folder(capsys, fitted):
    # Even with a matching checksum of the description, model_file stays in the folder.
    from boostobj.cli import saved_models

    model, meta_path = fitted
    meta = json.loads(meta_path.read_text())
    meta["model_file"] = "../x.txt"
    meta["description_sha256"] = saved_models._description_digest(meta)
    meta_path.write_text(json.dumps(meta))
    code, out, err = run(capsys, "predict", meta_path, PIMA)
    one_line_error(code, err, "is not a file name in its folder")


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],  # truncated
    lambda text: "",  # emptied
    lambda text: text.replace("leaf_value=", "leaf_value=1", 1),  # edited
])
def test_a_damaged_model_file_is_one_line_not_a_crash(capsys, fitted, damage):
    model, _ = fitted
    model.write_text(damage(model.read_text()))
    code, out, err = run(capsys, "predict", model, PIMA)
    one_line_error(code, err, "changed after boostobj saved it")


def test_interval_models_predict_without_pickle_and_pickles_need_consent(capsys, tmp_path,
                                                                        mcycle):
    code, out, err = run(capsys, "intervals", mcycle, "--target", "accel", "--rounds", "20",
                         "--no-plot", "--out", tmp_path)
    assert code == 0, err
    model = tmp_path / "mcycle_intervals_lightgbm.json"
    document = json.loads(model.read_text())  # plain JSON: boosters' texts and numbers
    assert document["format"] == "boostobj-intervals"
    code, out, err = run(capsys, "predict", model, mcycle)
    assert code == 0, err
    code, out, err = run(capsys, "intervals", mcycle, "--target", "accel", "--rounds", "20",
                         "--no-plot", "--model", tmp_path / "pickled.joblib")
    assert code == 0 and "is a pickle" in err
    code, out, err = run(capsys, "predict", tmp_path / "pickled.joblib", mcycle)
    one_line_error(code, err, "a pickle", "--allow-pickle")
    code, out_pickle, err = run(capsys, "predict", tmp_path / "pickled.joblib", mcycle,
                                "--allow-pickle")
    assert code == 0, err


def test_files_are_written_with_the_users_umask(capsys, tmp_path, mcycle):
    previous = os.umask(0o022)
    try:
        code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--out", tmp_path)
    finally:
        os.umask(previous)
    assert code == 0, err
    written = list(tmp_path.glob("mcycle_huber_lightgbm*"))
    assert len(written) == 3  # the model, its description, the predictions
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_list_parameters_reach_lightgbm_as_lists(capsys, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(300, 2))
    y = 3 * x[:, 0] - np.sin(6 * x[:, 0]) + rng.normal(size=300)
    data = write_csv(tmp_path / "mono.csv", ["a", "b", "y"],
                     [[f"{a:.5f}", f"{b:.5f}", f"{t:.5f}"] for (a, b), t in zip(x, y,
                                                                                 strict=True)])
    code, out, err = run(capsys, "fit", data, "--target", "y", "--loss", "huber", "--no-plot",
                         "--param", "monotone_constraints=[1,0]", "--rounds", "30", "--out",
                         tmp_path)
    assert code == 0, err
    model = (tmp_path / "mono_huber_lightgbm.txt").read_text()
    assert "[monotone_constraints: 1,0]" in model
    grid = write_csv(tmp_path / "grid.csv", ["a", "b"],
                     [[f"{a:.4f}", "0.5"] for a in np.linspace(0, 1, 101)])
    code, out, err = run(capsys, "predict", tmp_path / "mono_huber_lightgbm.txt", grid)
    assert code == 0, err
    predictions = [float(row["prediction"]) for row in csv.DictReader(out.splitlines())]
    assert np.all(np.diff(predictions) >= -1e-6)


@pytest.mark.parametrize("booster, param, hint", [
    ("lightgbm", "learning_rat=0.3", "did you mean learning_rate"),
    ("xgboost", "learning_rat=0.3", "xgboost does not use a parameter 'learning_rat'"),
])
def test_misspelt_parameters_are_refused(capsys, tmp_path, mcycle, booster, param, hint):
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--booster", booster,
                         "--param", param, "--out", tmp_path)
    one_line_error(code, err, hint)


def test_an_alias_replaces_the_commands_default(capsys, tmp_path, mcycle):
    import lightgbm as lgb

    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--param",
                         "num_leaf=3", "--param", "min_child_samples=5", "--out", tmp_path)
    assert code == 0, err
    booster = lgb.Booster(model_file=str(tmp_path / "mcycle_huber_lightgbm.txt"))
    assert max(tree["num_leaves"] for tree in booster.dump_model()["tree_info"]) <= 3


def test_an_infinite_cell_is_named(capsys, tmp_path):
    rows = [[str(i), str(i * 2.0)] for i in range(30)]
    rows[7][0] = "inf"
    data = write_csv(tmp_path / "inf.csv", ["x", "y"], rows)
    code, out, err = run(capsys, "fit", data, "--target", "y", "--loss", "huber",
                         "--booster", "xgboost", "--no-plot", "--out", tmp_path)
    one_line_error(code, err, "column 'x', data row 8: 'inf' is not a finite number")


def test_version(capsys):
    code, out, err = run(capsys, "--version")
    assert code == 0 and out.startswith("boostobj ")


def test_ranking_predictions_keep_the_query_column(capsys, tmp_path):
    rng = np.random.default_rng(0)
    rows = [[f"q{g:03d}", f"{x:.4f}", str(int(r))] for g in range(40)
            for x, r in zip(rng.normal(size=5), rng.integers(0, 3, 5), strict=True)]
    data = write_csv(tmp_path / "queries.csv", ["qid", "x", "relevance"], rows)
    code, out, err = run(capsys, "fit", data, "--target", "relevance", "--group", "qid",
                         "--loss", "listwise_softmax", "--rounds", "5", "--no-plot", "--out",
                         tmp_path)
    assert code == 0, err
    code, out, err = run(capsys, "predict", tmp_path / "queries_listwise_softmax_lightgbm.txt",
                         data)
    assert code == 0, err
    table = list(csv.DictReader(out.splitlines()))
    assert list(table[0]) == ["row", "qid", "score"] and table[5]["qid"] == "q001"


def test_min_leaf_rows_keeps_lightgbms_hessian_floor():
    # At min_sum_hessian_in_leaf = 0 LightGBM counts the rows of a leaf whose hessians
    # vanish (a ranking loss at a small temperature on TravelMode did) as none, and fails
    # its check "left_count > 0" in training; its default floor (1e-3) trains.
    import lightgbm as lgb

    from boostobj.cli.arguments import leaf_params

    assert leaf_params("lightgbm", 5) == {"min_child_samples": 5}
    rng = np.random.default_rng(0)
    X = rng.normal(size=(800, 6))
    vanishing = X[:, 0] > 0.3

    def objective(predictions, dataset):
        gradient = np.where(vanishing, 1e-9, 1.0) * rng.normal(size=800)
        return gradient, np.where(vanishing, 1e-16, 1.0)

    dataset = lgb.Dataset(X, rng.normal(size=800), params={"verbose": -1})
    params = {"objective": objective, "verbose": -1, "min_child_samples": 5}
    lgb.train(params, dataset, 30)
    with pytest.raises(lgb.basic.LightGBMError, match="left_count"):
        lgb.train({**params, "min_child_weight": 0.0}, dataset, 30)


def test_a_check_failing_in_training_is_not_called_a_parameter_refusal():
    from types import SimpleNamespace

    from boostobj.cli.errors import CommandError, booster_errors

    class LightGBMError(Exception):
        pass

    def update():
        raise LightGBMError("Check failed: (best_split_info.left_count) > (0) at "
                            "/src/treelearner/serial_tree_learner.cpp, line 860 .")

    args = SimpleNamespace(traceback=False, booster="lightgbm", param=[])
    with pytest.raises(CommandError, match=r"lightgbm failed while training: "
                                           r"\(best_split_info.left_count\) > \(0\) "
                                           r"\(LightGBM counts a leaf's rows"):
        with booster_errors(args):
            update()


def test_the_reports_fit_the_loss(capsys, tmp_path, mcycle):
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "quantile:alpha=0.9",
                         "--out", tmp_path)
    assert code == 0 and "share of targets below (level 0.9)" in out
    code, out, err = run(capsys, "fit", DATA / "pima.csv", "--target", "type", "--loss",
                         "focal", "--rounds", "20", "--no-plot", "--out", tmp_path)
    assert code == 0, err
    assert "PR AUC (average precision)" in out and "accuracy of always the majority" in out
    assert "focal's predicted probabilities are not calibrated" in err


def test_a_large_csv_is_announced_before_it_is_read(capsys, tmp_path, monkeypatch, mcycle):
    from boostobj.cli import tables

    monkeypatch.setattr(tables, "_ANNOUNCED_BYTES", 1000)
    code, out, err = run(capsys, "fit", mcycle, *FIT, "--loss", "huber", "--out", tmp_path)
    assert code == 0 and f"reading {mcycle} (0 MB) ..." in err
