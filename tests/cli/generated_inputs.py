"""Generated inputs for the command line and the drop-in estimators, run as a script in a
fresh process (``python generated_inputs.py cli|estimators SEED COUNT FOLDER``) by
``tests/cli/test_generated_inputs.py``, so that a crash inside a booster fails one test instead
of the suite.

Each case is drawn from the inputs an adversarial user tried: text, missing and infinite
cells, one-row and constant columns, a model written over the data or over another model's
description, edited and truncated models, pickles, misspelt and list parameters, weights of
every size, NaN targets, evaluation sets that are the training rows, sparse COO input and
monotone constraints. The script writes one JSON line per case to FOLDER/results.jsonl as it
finishes (the last line names the case a crash stopped in) with what the test checks:

- the command line exits 0, or 2 with one line ``boostobj CMD: error: ...`` that is not an
  "unexpected error" and shows no C++ source path; files it reads are unchanged;
- an estimator fits and predicts finite values, or raises ``ValueError`` naming itself, the
  loss or the weights; a parameter value the booster itself refuses (``reg_lambda=-1``)
  gives the booster's own error, as the parent estimator does.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np

LOSSES = ["squared_error", "huber", "quantile:alpha=0.9", "absolute_error", "fair", "poisson",
          "pseudo_huber", "cauchy"]


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).exists() else None


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(header) + "\n")
        for row in rows:
            handle.write(",".join(row) + "\n")
    return path


def random_csv(rng, folder, k):
    """A CSV with numeric, text, missing, infinite and constant cells, and its target."""
    n = int(rng.choice([12, 40, 200]))
    columns = {"x1": rng.normal(size=n),
               "x2": rng.uniform(size=n) * 10.0 ** rng.integers(-3, 4)}
    y = columns["x1"] * 3 + rng.normal(size=n)
    if rng.uniform() < 0.3:
        y = np.abs(y) + 1  # positive, for poisson
    cells = {name: [f"{v:.5g}" for v in values] for name, values in columns.items()}
    cells["text"] = list(rng.choice(["a", "b", "c"], n))
    cells["constant"] = ["1"] * n
    cells["y"] = [f"{v:.5g}" for v in y]
    for name in ("x1", "text", "y"):
        if rng.uniform() < 0.3:
            cells[name][int(rng.integers(n))] = ""
    if rng.uniform() < 0.15:
        cells["x2"][int(rng.integers(n))] = str(rng.choice(["inf", "-inf", "1e999"]))
    if rng.uniform() < 0.1:
        cells["y"] = ["NA"] * n
    header = list(cells)
    path = write_csv(folder / f"data{k}.csv", header, [[cells[c][i] for c in header]
                                                       for i in range(n)])
    return path


def cli_case(rng, folder, k):
    """(argv, the files it reads) of one command-line case."""
    data = random_csv(rng, folder, k)
    out = folder / f"out{k}"
    booster = str(rng.choice(["lightgbm", "xgboost"]))
    loss = str(rng.choice(LOSSES))
    kind = rng.choice(["fit", "intervals", "predict", "predict-damaged", "fit-over"])
    common = ["--target", "y", "--booster", booster, "--rounds", "5", "--no-plot", "--out",
              str(out)]
    if rng.uniform() < 0.3:
        common += ["--param", str(rng.choice(["num_leaves=3", "learning_rat=0.3",
                                              "monotone_constraints=[1,0,0,0]",
                                              "max_depth=2", "num_leaf=4", "eta=0"]))]
    if rng.uniform() < 0.3:
        common += ["--min-leaf-rows", str(int(rng.choice([0, 1, 5])))]
    if kind == "fit":
        return [["fit", str(data), *common, "--loss", loss]], [data]
    if kind == "fit-over":
        target = rng.choice([str(data), str(out / "x.boostobj.json"), str(out)])
        return [["fit", str(data), *common, "--loss", loss, "--model", target]], [data]
    if kind == "intervals":
        model = rng.choice([None, str(data), str(folder / f"m{k}.joblib")])
        extra = ["--model", model] if model else []
        return [["intervals", str(data), *common, *extra]], [data]
    model = out / f"m{k}.{'json' if booster == 'xgboost' else 'txt'}"
    steps = [["fit", str(data), *common, "--loss", loss, "--model", str(model)]]
    target = rng.choice(["-", str(data), str(model)])
    predict = ["predict", str(model), str(data), "--out", target]
    if kind == "predict-damaged":
        steps.append(["damage", str(model) if rng.uniform() < 0.5 else
                      str(model.with_name(model.stem + ".boostobj.json"))])
    return steps + [predict], [data]


def damage(path, rng):
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    choice = rng.integers(3)
    if choice == 0:
        text = text[: len(text) // 2]
    elif choice == 1:
        text = text.replace("1", "2", 3)
    else:
        text = ""
    Path(path).write_text(text, encoding="utf-8")


def run_cli(seed, count, folder):
    from boostobj import cli

    rng = np.random.default_rng(seed)
    results = folder / "results.jsonl"
    for k in range(count):
        steps, reads = cli_case(rng, folder, k)
        before = {str(path): digest(path) for path in reads}
        record = {"case": k, "steps": steps, "outcomes": []}
        with open(results, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"started": k, "steps": steps}) + "\n")
        for step in steps:
            if step[0] == "damage":
                if Path(step[1]).exists():
                    damage(step[1], rng)
                continue
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    code = cli.main(step)
                except BaseException as error:  # noqa: BLE001 - report, the test judges
                    code = f"raised {type(error).__name__}: {error}"
            record["outcomes"].append({"argv": step, "code": code, "stderr": err.getvalue()})
        record["changed"] = [path for path, value in before.items() if digest(path) != value]
        with open(results, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def estimator_case(rng):
    """(estimator factory, X, y, fit keyword arguments) of one estimator case."""
    import scipy.sparse

    n = int(rng.choice([5, 50, 300]))
    X = rng.normal(size=(n, 3))
    y = X[:, 0] * 2 + rng.normal(size=n)
    booster = str(rng.choice(["lightgbm", "xgboost"]))
    loss = str(rng.choice(LOSSES))
    if loss == "poisson":
        y = np.abs(y)
    params, fit = {"n_estimators": 5}, {}
    draw = rng.uniform(size=8)
    if draw[0] < 0.2:
        y = y.copy()
        y[0] = rng.choice([np.nan, np.inf, -1.0])
    if draw[1] < 0.3:
        weight = rng.uniform(size=n) * 10.0 ** rng.choice([-30, 0, 39])
        if draw[2] < 0.3:
            weight[:] = 0.0
        fit["sample_weight"] = weight
    if draw[3] < 0.3:
        fit["eval_set"] = [(X, y + rng.choice([0.0, 1.0]))]
    if draw[4] < 0.25:
        X = scipy.sparse.coo_matrix(X)
    if draw[5] < 0.3:
        params["monotone_constraints"] = [1, 0, 0] if booster == "lightgbm" else (1, 0, 0)
    if draw[6] < 0.2:
        value = float(rng.choice([-1.0, 0.0, 5.0]))
        params[str(rng.choice(["reg_lambda", "max_delta_step", "min_child_weight"]))] = value
        params["_invalid"] = value < 0
    if draw[7] < 0.1:
        params["objective"] = "reg:squarederror" if booster == "xgboost" else "regression"
    invalid = params.pop("_invalid", False)
    if booster == "lightgbm":
        from boostobj.lightgbm import LGBMRegressor

        params["verbose"] = -1
        return (lambda: LGBMRegressor(loss=loss, **params)), X, y, fit, (loss, booster,
                                                                         invalid)
    from boostobj.xgboost import XGBRegressor

    return (lambda: XGBRegressor(loss=loss, **params)), X, y, fit, (loss, booster, invalid)


def run_estimators(seed, count, folder):
    rng = np.random.default_rng(seed)
    results = folder / "results.jsonl"
    for k in range(count):
        make, X, y, fit, (loss, booster, invalid) = estimator_case(rng)
        with open(results, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"started": k, "loss": loss, "booster": booster,
                                     "fit": sorted(fit)}) + "\n")
        record = {"case": k, "loss": loss, "booster": booster, "fit": sorted(fit),
                  "invalid_param": invalid}
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            try:
                estimator = make()
                record["params"] = {key: repr(value) for key, value
                                    in estimator.get_params().items() if value is not None}
                estimator.fit(X, y, **fit)
                prediction = estimator.predict(X)
                record["outcome"] = "fitted"
                record["finite"] = bool(np.all(np.isfinite(prediction)))
            except Exception as error:  # noqa: BLE001 - report, the test judges
                record["outcome"] = type(error).__name__
                record["booster_error"] = type(error).__name__ in ("XGBoostError",
                                                                   "LightGBMError")
                record["message"] = str(error)
                record["where"] = traceback.format_exc().splitlines()[-3:]
        with open(results, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    what, seed, count, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    (run_cli if what == "cli" else run_estimators)(seed, count, folder)
