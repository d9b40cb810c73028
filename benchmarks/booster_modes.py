"""Every booster mode with a plain, a renewing, a binary and a multiclass loss: works or refused.

For each (booster, mode, loss) both the native ``train`` and the drop-in estimator train, or
both raise a ``ValueError`` naming the option. "Works" is verified three ways:

- the start is in the model: after a few rounds at a small learning rate the mean
  prediction is the targets' (far from 0);
- the metric reported on the last round equals the loss recomputed from the final model's
  raw predictions, on the training set and on a held-out set;
- the saved model, loaded by plain XGBoost / LightGBM, predicts the same: here, and (with
  ``--saved-check``, as the suite does) in a separate process that never imports boostobj.

    python benchmarks/booster_modes.py          # prints the table
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import lightgbm as lgb
import numpy as np
import xgboost as xgb

import boostobj
import boostobj.lightgbm as bl
import boostobj.xgboost as bx

LOSSES = {"plain": "squared_error", "renewing": "quantile:alpha=0.7", "binary": "logistic",
          "multiclass": "softmax"}
XGBOOST_MODES = {
    "gbtree hist": {"tree_method": "hist"},
    "gbtree approx": {"tree_method": "approx"},
    "gbtree exact": {"tree_method": "exact"},
    "dart": {"booster": "dart", "rate_drop": 0.3, "skip_drop": 0.0},
    "gblinear": {"booster": "gblinear"},
    "num_parallel_tree=3": {"num_parallel_tree": 3, "subsample": 0.7, "colsample_bynode": 0.7},
    "multi_output_tree": {"tree_method": "hist", "multi_strategy": "multi_output_tree"},
}
LIGHTGBM_MODES = {
    "gbdt": {},
    "dart": {"boosting": "dart", "drop_rate": 0.3, "skip_drop": 0.0},
    "rf": {"boosting": "rf", "bagging_fraction": 0.6, "bagging_freq": 1},
    "goss": {"data_sample_strategy": "goss"},
    "linear_tree": {"linear_tree": True},
    "extra_trees": {"extra_trees": True},
}
ROUNDS = 8


def data(kind, n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    signal = X[:, 0] + 0.5 * np.sin(2 * X[:, 1])
    if kind == "binary":
        return X, (signal + 0.5 * rng.normal(size=n) > 0.8).astype(float)
    if kind == "multiclass":
        return X, np.digitize(signal + 0.3 * rng.normal(size=n), [-0.5, 0.6]).astype(float)
    return X, 100.0 + 3 * signal + rng.standard_t(4, size=n)


def _check(loss, kind, y, valid_y, raw, valid_raw, reported, saved, model_prediction):
    """The three checks of the module docstring; returns what failed, if anything."""
    problems = []
    if kind in ("plain", "renewing"):
        if abs(np.mean(model_prediction) - np.mean(y)) > 5.0:
            problems.append(f"start lost: mean prediction {np.mean(model_prediction):.2f} "
                            f"for targets averaging {np.mean(y):.2f}")
    for name, target, score in (("train", y, raw), ("valid", valid_y, valid_raw)):
        expected = loss.metric(target, score)
        if not np.isclose(reported[name], expected, rtol=2e-5, atol=1e-7):
            problems.append(f"{name} metric reported {reported[name]:.6g}, final model "
                            f"{expected:.6g}")
    if not np.allclose(saved, model_prediction, rtol=1e-5, atol=1e-6):
        problems.append("the saved model predicts differently")
    return problems


def _keep(save_dir, booster, mode, kind, model, valid_X, prediction):
    """Save a model, its held-out rows and its predictions for ``check_saved``."""
    if save_dir is None:
        return
    stem = Path(save_dir) / f"{booster}-{mode}-{kind}".replace(" ", "_").replace("=", "")
    model.save_model(str(stem) + (".json" if booster == "xgboost" else ".txt"))
    np.save(str(stem) + ".X.npy", valid_X)
    np.save(str(stem) + ".expected.npy", prediction)


SAVED_CHECK = r"""
import json, sys
from pathlib import Path
import numpy as np
failures = []
for path in sorted(Path(sys.argv[1]).glob("*.expected.npy")):
    stem = str(path)[:-len(".expected.npy")]
    X, expected = np.load(stem + ".X.npy"), np.load(path)
    if Path(stem + ".json").exists():
        import xgboost as xgb
        prediction = xgb.Booster(model_file=stem + ".json").predict(xgb.DMatrix(X))
    else:
        import lightgbm as lgb
        prediction = lgb.Booster(model_file=stem + ".txt").predict(X)
    if not np.allclose(prediction, expected, rtol=1e-5, atol=1e-6):
        failures.append(Path(stem).name)
assert not any(name.startswith("boostobj") for name in sys.modules), "boostobj was imported"
print(json.dumps(failures))
"""


def check_saved(save_dir):
    """Names of the saved models that predict differently in a process without boostobj."""
    out = subprocess.run([sys.executable, "-c", SAVED_CHECK, str(save_dir)], check=True,
                         capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_xgboost(mode, kind, save_dir=None):
    params = {"eta": 0.1, "nthread": 1, **XGBOOST_MODES[mode]}
    if params.get("booster") != "gblinear":
        params["max_depth"] = 3
    loss = boostobj.get_loss(LOSSES[kind])
    X, y = data(kind)
    valid_X, valid_y = data(kind, seed=1)
    dtrain, dvalid = xgb.DMatrix(X, y), xgb.DMatrix(valid_X, valid_y)
    record = {}
    booster = bx.train(loss, params, dtrain, ROUNDS, evals=[(dtrain, "train"),
                                                           (dvalid, "valid")],
                       evals_result=record, verbose_eval=False)
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "model.json")
        booster.save_model(path)
        saved = xgb.Booster(model_file=path).predict(xgb.DMatrix(valid_X))
    _keep(save_dir, "xgboost", mode, kind, booster, valid_X, booster.predict(dvalid))
    reported = {name: record[name][loss.name][-1] for name in ("train", "valid")}
    problems += _check(loss, kind, y, valid_y, booster.predict(dtrain, output_margin=True),
                       booster.predict(dvalid, output_margin=True), reported, saved,
                       booster.predict(dvalid))
    # The drop-in estimator, same mode.
    sklearn_params = {key: value for key, value in params.items() if key != "eta"}
    sklearn_params["n_jobs"] = sklearn_params.pop("nthread")
    factory = bx.XGBClassifier if kind in ("binary", "multiclass") else bx.XGBRegressor
    model = factory(loss=loss.spec, n_estimators=ROUNDS, learning_rate=0.1, **sklearn_params)
    model.fit(X, y, eval_set=[(X, y), (valid_X, valid_y)], verbose=False)
    history = model.evals_result()
    reported = {"train": history["validation_0"][loss.name][-1],
                "valid": history["validation_1"][loss.name][-1]}
    problems += [f"estimator: {problem}" for problem in _check(
        loss, kind, y, valid_y, model.predict(X, output_margin=True),
        model.predict(valid_X, output_margin=True), reported,
        model.get_booster().predict(xgb.DMatrix(valid_X)),
        model.get_booster().predict(xgb.DMatrix(valid_X)))]
    return problems


def run_lightgbm(mode, kind, save_dir=None):
    params = {"learning_rate": 0.1, "num_leaves": 8, "verbose": -1, "num_threads": 1,
              "deterministic": True, "seed": 0, **LIGHTGBM_MODES[mode]}
    loss = boostobj.get_loss(LOSSES[kind])
    X, y = data(kind)
    valid_X, valid_y = data(kind, seed=1)
    train_set = lgb.Dataset(X, y)
    valid_set = lgb.Dataset(valid_X, valid_y, reference=train_set)
    record = {}
    booster = bl.train(loss, params, train_set, ROUNDS, valid_sets=[train_set, valid_set],
                       valid_names=["train", "valid"], callbacks=[lgb.record_evaluation(record)])
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "model.txt")
        booster.save_model(path)
        saved = lgb.Booster(model_file=path).predict(valid_X)
    _keep(save_dir, "lightgbm", mode, kind, booster, valid_X, booster.predict(valid_X))
    reported = {name: record[name][loss.name][-1] for name in ("train", "valid")}
    problems = _check(loss, kind, y, valid_y, booster.predict(X, raw_score=True),
                      booster.predict(valid_X, raw_score=True), reported, saved,
                      booster.predict(valid_X))
    sklearn_params = {key: value for key, value in params.items()
                      if key not in ("learning_rate", "num_threads", "seed")}
    factory = bl.LGBMClassifier if kind in ("binary", "multiclass") else bl.LGBMRegressor
    model = factory(loss=loss.spec, n_estimators=ROUNDS, learning_rate=0.1, n_jobs=1,
                    random_state=0, **sklearn_params)
    model.fit(X, y, eval_X=(X, valid_X), eval_y=(y, valid_y), eval_names=["train", "valid"])
    reported = {name: model.evals_result_[name][loss.name][-1] for name in ("train", "valid")}
    problems += [f"estimator: {problem}" for problem in _check(
        loss, kind, y, valid_y, model.predict(X, raw_score=True),
        model.predict(valid_X, raw_score=True), reported, model.booster_.predict(valid_X),
        model.booster_.predict(valid_X))]
    return problems


def run_case(booster, mode, kind, save_dir=None):
    """("works", []) / ("refused", [message]) / ("wrong", [problems]) for one case; with
    ``save_dir`` the native model is kept there for ``check_saved``."""
    run = run_xgboost if booster == "xgboost" else run_lightgbm
    try:
        problems = run(mode, kind, save_dir)
    except ValueError as error:
        return "refused", [str(error)]
    return ("wrong", problems) if problems else ("works", [])


def cases():
    return [("xgboost", mode, kind) for mode in XGBOOST_MODES for kind in LOSSES] + \
           [("lightgbm", mode, kind) for mode in LIGHTGBM_MODES for kind in LOSSES]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saved-check", action="store_true",
                        help="also load every saved model in a process without boostobj")
    args = parser.parse_args(argv)
    folder = tempfile.TemporaryDirectory() if args.saved_check else None
    table = {}
    print(f"{'booster':<9} {'mode':<20} " + " ".join(f"{kind:<10}" for kind in LOSSES))
    for booster, modes in (("xgboost", XGBOOST_MODES), ("lightgbm", LIGHTGBM_MODES)):
        for mode in modes:
            row = [run_case(booster, mode, kind, folder and folder.name) for kind in LOSSES]
            table[booster, mode] = row
            print(f"{booster:<9} {mode:<20} " + " ".join(f"{status:<10}" for status, _ in row))
    for (booster, mode), row in table.items():
        for kind, (status, details) in zip(LOSSES, row, strict=True):
            if status != "works":
                print(f"  {booster} {mode} {kind}: {status}: {'; '.join(details)}")
    if folder is not None:
        failures = check_saved(folder.name)
        print(f"saved models predicting differently without boostobj: {failures or 'none'}")
        folder.cleanup()
    return table


if __name__ == "__main__":
    main()
