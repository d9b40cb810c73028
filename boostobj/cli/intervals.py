"""``boostobj intervals DATA.csv --target COL``: prediction intervals on a CSV. Fits
``QuantileIntervalRegressor`` on a split of the rows, prints coverage, width, interval score
and each level's pinball loss on the held-out rows, saves the estimator, and writes those
rows' intervals as CSV and a picture of them against the truth."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .arguments import (
    add_command_parser,
    add_data_arguments,
    check_param_names,
    check_plotting,
    given_params,
    input_files,
    leaf_params,
    out_dir,
)
from .errors import booster_errors, native_stderr_filtered
from .files import check_writes
from .progress import Progress
from .saved_models import PICKLE_SUFFIXES, check_model_path, save_estimator
from .tables import number_text, numeric_target, read_data, split_rows, write_predictions

__all__ = ["add_command", "run"]


def add_command(commands):
    """The ``intervals`` command's parser."""
    parser = add_command_parser(
        commands, "intervals", run,
        "prediction intervals on a CSV, with a held-out report, a CSV and a PNG",
        "Fit boostobj's QuantileIntervalRegressor (one quantile model per level, calibrated on "
        "rows the models did not see) on a held-out split of DATA.csv; print coverage, mean "
        "width, interval score and each level's pinball loss on the held-out rows; write "
        "those rows' predictions with their intervals as CSV and a PNG of the intervals "
        "against the truth. Text columns become integer codes; rows without a target are "
        "left out.",
        ["boostobj intervals datasets/mcycle.csv --target accel",
         "boostobj intervals prices.csv --target price --levels 0.1 0.5 0.9 --booster xgboost",
         "boostobj intervals small.csv --target y --calibration cv+"])
    add_data_arguments(parser, 1000, 0.05, "most boosting rounds of each quantile model (the "
                       "estimator's defaults, 1000 at learning rate 0.05, where fit's are 300 "
                       "at 0.1: each model stops early on a tenth of its fitting rows, where "
                       "that tenth holds 200 rows or more)")
    parser.add_argument("--levels", type=float, nargs="+", default=[0.05, 0.95],
                        metavar="LEVEL", help="quantile levels; the interval runs from the "
                        "lowest to the highest (default 0.05 0.95)")
    parser.add_argument("--model", default=None, metavar="PATH", help="where to save the "
                        "fitted model (default DIR/<data>_intervals_<booster>.json, which "
                        "`boostobj predict` reads without unpickling; a .joblib name writes a "
                        "pickle instead, which predict loads only with --allow-pickle)")
    parser.add_argument("--calibration", choices=("auto", "mondrian", "conformal", "scaled",
                                                  "cv+", "none"),
                        default="auto", help="auto (default): cv+ below 5,000 rows, else "
                        "mondrian; mondrian: a quarter of the rows "
                        "calibrates, within bins of the prediction (one per 500 of those "
                        "rows, at most 10); conformal: one shift per level; scaled: shifts "
                        "in units of each row's width; cv+: every row trains and "
                        "calibrates (small data, 10x the models); none: uncalibrated")


def run(args):
    """Fit the interval estimator, report on the held-out rows, save it, write and draw."""
    # The estimator and its boosters load with the command that uses them.
    from ..intervals import SMALL_DATA_ROWS, QuantileIntervalRegressor
    from ..metrics import coverage, interval_score, mean_width, pinball_loss

    check_plotting(args)
    out = Path(args.out)
    stem = f"{Path(args.data).stem}_intervals_{args.booster}"
    model_path = Path(args.model) if args.model else out / f"{stem}.json"
    reads = input_files(args)
    check_model_path("--model", model_path, reads)
    table_path = out / f"{stem}.csv"
    picture_path = out / f"{stem}.png"
    check_writes({"the intervals file": table_path,
                  **({} if args.no_plot else {"the picture": picture_path})}, reads)
    given = given_params(args)
    check_param_names(args.booster, given)
    data, rows = read_data(args)
    numeric_target(data, args.data)
    train, test = split_rows(data.y.size, args.test_size, args.seed)
    calibration = None if args.calibration == "none" else args.calibration
    model = QuantileIntervalRegressor(tuple(args.levels), booster=args.booster,
                                      n_estimators=args.rounds, learning_rate=args.learning_rate,
                                      calibration=calibration, n_jobs=args.threads,
                                      random_state=args.seed,
                                      **{**leaf_params(args.booster, args.min_leaf_rows),
                                         **given})
    cross_fitted = calibration == "cv+" or (calibration == "auto"
                                            and train.size < SMALL_DATA_ROWS)
    n_models = len(args.levels) * (model.cv if cross_fitted else 1) + 1  # + median
    with (native_stderr_filtered() as stderr,
          Progress(None, f"fitting {n_models} quantile models on {train.size:,} rows",
                   stream=stderr),
          booster_errors(args)):
        model.fit(data.X[train], data.y[train])
    X_test, y_test = data.X[test], data.y[test]
    quantiles = model.predict_quantiles(X_test)
    interval = quantiles[:, [0, -1]]
    prediction = model.predict(X_test)
    levels = [float(level) for level in model.levels_]
    nominal = levels[-1] - levels[0]
    print(f"{args.data}: {data.y.size:,} rows; {train.size:,} to fit ({args.booster}, "
          f"calibration {model.calibration_ or 'none'}), {test.size:,} held out; levels "
          f"{', '.join(f'{level:g}' for level in levels)}")
    print(f"  coverage        {coverage(y_test, interval):.3f}   (target {nominal:.3f})")
    print(f"  mean width      {mean_width(interval):.6g}")
    print(f"  interval score  {interval_score(y_test, interval, (levels[0], levels[-1])):.6g}"
          "   (width + misses / level; lower is better)")
    for j, level in enumerate(levels):
        value = pinball_loss(y_test, quantiles[:, j], [level])
        below = float(np.mean(y_test <= quantiles[:, j]))
        print(f"  level {level:<5g}     pinball {value:.6g}, share of targets below {below:.3f}")

    out = out_dir(args)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    if model_path.suffix in PICKLE_SUFFIXES:
        print(f"warning: {model_path} is a pickle: loading it runs whatever code it holds, so "
              "load it only if you trust where it came from (`boostobj predict` asks for "
              "--allow-pickle); a .json model needs no unpickling", file=sys.stderr)
    saved = save_estimator(model_path, {
        "kind": "intervals", "booster": args.booster, "loss": "quantile",
        "target": args.target, "features": data.feature_names,
        "booster_features": data.feature_names,
        "categories": {c: v for c, v in data.categories.items() if c != args.target},
        "classes": None, "id_column": args.id_column, "levels": levels}, model)
    print(f"wrote {model_path} and {saved.name} (for `boostobj predict {model_path} NEW.csv`)")
    inside = (interval[:, 0] <= y_test) & (y_test <= interval[:, 1])
    values = np.column_stack([prediction, quantiles, interval, inside])
    columns = ["prediction", *(f"q{level:g}" for level in levels), "lower", "upper", "inside"]
    write_predictions(table_path, data, test, rows[test], columns, None, values,
                      target=(data.target_name, [number_text(v) for v in y_test]))
    named = (f"named by {data.id_name!r}" if data.ids is not None
             else "'row' counts data rows from 0")
    print(f"wrote {table_path} (held-out rows; {named})")
    if not args.no_plot:
        from .pictures import intervals_figure

        one_feature = data.X.shape[1] == 1
        label = f"boostobj ({args.booster}, {model.calibration_ or 'none'})"
        path = intervals_figure(picture_path, y_test, {label: interval},
                                (levels[0], levels[-1]), prediction=prediction,
                                x=X_test[:, 0] if one_feature else None,
                                x_name=data.feature_names[0] if one_feature else None,
                                target_name=data.target_name)
        print(f"wrote {path}")
    return 0
