"""Prediction intervals from quantile boosting, calibrated by conformal prediction.

``QuantileIntervalRegressor`` fits one model per quantile level with boostobj's ``quantile``
loss (leaf renewal on) through the drop-in XGBoost or LightGBM regressors, plus a median
model for ``predict``, then calibrates each level on rows the models did not see, so that
the intervals hold their level on new data.

Why calibrate: boosted tail quantiles fit their training rows too well, so on new data a
(0.05, 0.95) interval covers less than 90% (0.62-0.80 on small data sets, 0.88 on 50k rows).

Calibration (conformalized quantile regression, Romano, Patterson & Candès 2019), per level
τ with the scores r = y - q̂_τ(x) of n held-out rows. The split modes fit the models on
``1 - calibration_size`` of the rows and calibrate on the others:

- ``"conformal"``: each level moves by a conformal quantile of the held-out scores: the
  ⌈τ(n+1)⌉-th smallest for τ >= 0.5, the ⌊τ(n+1)⌋-th for τ < 0.5. If the rows are
  exchangeable (e.g. i.i.d.) with the new row, then P(y <= upper) >= τ_high and
  P(y < lower) <= τ_low, so P(lower <= y <= upper) >= τ_high - τ_low, and at most
  2/(n+1) more (without ties). Calibrating each end on its own (not one common widening)
  also fixes a skew between the two tails, and each end is a calibrated quantile.
  The guarantee is on average over x: where the models' tails are too narrow for some x
  and too wide for others, one shift per level over-covers the first and under-covers the
  second.
- ``"mondrian"`` (group-conditional, Vovk et al. 2003): the same, within each of
  ``n_bins`` bins of the predicted centre, (q̂_low(x) + q̂_high(x)) / 2. The bin edges
  are quantiles of the centre on the *fitting* rows, so a row's bin is a fixed function of
  x once the models are fit, and the guarantee holds within every bin:
  P(lower <= y <= upper | x in bin b) >= τ_high - τ_low, at most 2/(n_b+1) more, for the
  n_b calibration rows of bin b. Each bin needs n_b + 1 >= 1/min(τ, 1-τ) rows for finite
  bounds, and a bin's coverage on new data varies by about √(0.09/n_b) (0.013 at 500
  rows); ``n_bins="auto"`` takes ⌊n / ``MIN_BIN_ROWS``⌋ bins, between 1 and ``MAX_BINS``
  (1 bin is ``"conformal"``).
- ``"scaled"`` (normalised scores, Lei et al. 2018 / Papadopoulos et al. 2002): the scores
  are divided by the models' interval width w(x) = q̂_high(x) - q̂_low(x) and the level
  moves by w(x) times their conformal quantile. Same marginal guarantee as
  ``"conformal"``; the shift grows with the models' own width, with no guarantee within
  parts of the range.
- ``"cv+"`` (cross-fitted, for small data): the models are fit on ``cv`` folds; each row's
  score comes from the models that did not see it, and the bound for a new x is the
  conformal quantile of q̂^(-k(i))_τ(x) + r_i over all rows i (CV+, Barber et al. 2021).
  Every row trains and calibrates. Guarantee: coverage >= 1 - 2α in the worst case
  (α = 1 - (τ_high - τ_low)); in practice it is close to 1 - α.
- ``None``: the models are fit on all rows and no guarantee is made.
- ``"auto"`` (the default): ``"cv+"`` below ``SMALL_DATA_ROWS`` rows, where every row both
  fitting and calibrating pays for the folds' fits, and ``"mondrian"`` from there on.

Early stopping (``early_stopping``): each model, the median's too, holds out a random
``validation_fraction`` of the rows it fits on (never a calibration row: in CV+ they come
from the fold's fitting rows) and stops once its own pinball loss on them has not improved
for ``n_iter_no_change`` rounds, keeping its best round; ``n_estimators`` is the most it
may take. ``"auto"`` stops early where that share holds at least ``MIN_VALIDATION_ROWS``
rows. The calibration is untouched: the held-out rows are a part of the fitting rows, so
the guarantees above hold as they are. Where a model stops early, ``tree_sizes="auto"`` fits
it with shallow trees (depth 3) and with the booster's default size and keeps the one of the
lower held-out pinball loss.

Tied targets (``randomize``): where many rows share a target value (counts, rounded or
censored targets), the scores tie, the conformal quantile lands on a tie, and every tied new
row falls inside: the coverage exceeds the level by up to the share of the tie (a nominal
0.90 covered 0.94 on office-visit counts). Randomised calibration adds uniform noise
d U, U ~ U[0, 1), to each calibration target, d the smallest gap between two target
values, and moves each predicted row's bounds down by d U' for a fresh U'. Then y + d U is
continuous, and P(lower <= y <= upper) = P(lower + d U' <= y + d U' <= upper + d U'), whose
guarantee is the continuous one, with its upper bound: at least τ_high - τ_low and at most
2/(n+1) more, over the data and the draws. The price is that a row's bounds move by less
than d, at random. U' is a hash of the row's features and ``random_state``, so a row gets
the same bounds alone, in any batch and in any order (rows with the same features share
it); the guarantee takes it as an independent draw, which a hash is as far as y can tell.
``"auto"`` randomises where one target value holds at least ``TIED_SHARE`` of the rows.

No crossing: the level models' predictions are sorted along each row before anything is
calibrated (the rearrangement of Chernozhukov, Fernández-Val & Galichon 2010, whose pinball
loss is at most the models' own), and again after the corrections, which can only widen
the outer interval. The median model (``median``) is fit on all the rows and only predicts;
it is clipped into the interval.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._calibration import (
    MAX_BINS,
    MIN_BIN_ROWS,
    MIN_VALIDATION_ROWS,
    SMALL_DATA_ROWS,
    TIED_SHARE,
    CalibratedQuantiles,
    _centre,
    held_out_loss,
)

__all__ = ["MAX_BINS", "MIN_BIN_ROWS", "MIN_VALIDATION_ROWS", "QuantileIntervalRegressor",
           "SMALL_DATA_ROWS", "TIED_SHARE"]


class QuantileIntervalRegressor(CalibratedQuantiles):
    """Prediction intervals (and quantiles) from gradient boosting with boostobj's quantile
    loss, calibrated by conformal prediction; ``predict`` is a median model's.

    Parameters
    ----------
    levels : tuple of float, default (0.05, 0.95)
        Increasing quantile levels in (0, 1), one model each. The interval runs from the
        first to the last: (0.05, 0.95) is a 90% interval.
    booster : {"lightgbm", "xgboost"}, default "lightgbm"
        ``LGBMRegressor`` or ``XGBRegressor`` (``tree_method="hist"``,
        ``enable_categorical=True``), trained with ``boostobj.lightgbm.fit`` /
        ``boostobj.xgboost.fit`` and ``quantile:alpha=level``.
    n_estimators, learning_rate : int, float, default 1000, 0.05
        Most boosting rounds (with early stopping; the rounds without) and shrinkage of
        each model.
    calibration : {"auto", "mondrian", "conformal", "scaled", "cv+", None}, default "auto"
        Split conformal within bins of the predicted centre, split conformal, split
        conformal on width-scaled scores, cross-fitted CV+, or none (see the module
        docstring for the guarantee of each). "auto": "cv+" below ``SMALL_DATA_ROWS`` rows,
        else "mondrian".
    calibration_size : float, default 0.25
        Share of the rows held out to calibrate (the split modes).
    n_bins : int or "auto", default "auto"
        Bins of ``"mondrian"``: "auto" is ⌊calibration rows / 500⌋, between 1 and 10.
    cv : int, splitter or list of (train, test) splits, default 10
        Folds of ``"cv+"``: an integer is shuffled ``KFold`` seeded by ``random_state``;
        any other must hold out every row exactly once.
    median : bool, default True
        Fit a 0.5-quantile model on all the rows for ``predict`` (kept inside the interval).
        With False, ``predict`` is the interval's midpoint and one model fewer is fit.
    early_stopping : {"auto", True, False}, default "auto"
        Stop each model once its pinball loss on ``validation_fraction`` of its fitting
        rows has not improved for ``n_iter_no_change`` rounds. "auto": where that share
        holds at least ``MIN_VALIDATION_ROWS`` rows.
    validation_fraction : float, default 0.1
        Share of each model's fitting rows held out to stop on (never calibration rows).
    n_iter_no_change : int, default 50
        Rounds without improvement before a model stops.
    tree_sizes : {"auto", None}, default "auto"
        "auto": where a model stops early, it is fit twice, with shallow trees (depth 3: 8
        leaves) and with the booster's default size (LightGBM 31 leaves, XGBoost depth 6),
        and keeps the one of the lower held-out pinball loss; not where ``num_leaves``,
        ``max_leaves`` or ``max_depth`` is given. None: the booster's default size.
    randomize : {"auto", True, False}, default "auto"
        Randomised calibration for tied targets (module docstring): "auto" where one
        target value holds at least ``TIED_SHARE`` of the rows.
    n_jobs : int or None, default None
        Threads of each booster (None: the booster's default).
    random_state : int, RandomState or None, default None
        Seeds the calibration split, the folds and the boosters.
    **booster_params
        Passed to the booster's estimator (``num_leaves=15``, ``max_depth=4``, ...); they
        are parameters of this estimator too (``get_params``, ``set_params``, grid search).

    Attributes
    ----------
    levels_ : ndarray of shape (k,)
        The interval's levels (``levels``).
    models_ : list
        One fitted booster estimator per level (split modes and None); ``"cv+"``: per fold,
        a list of one per level.
    median_model_ : estimator or None
        The 0.5-quantile model ``predict`` uses (``median``), fit on all the rows.
    corrections_ : ndarray of shape (k,) or (n_bins, k)
        What each level's prediction moves by (``"conformal"``; 0 without calibration), per
        bin (``"mondrian"``), or in units of the models' width (``"scaled"``).
    bin_edges_ : ndarray of shape (n_bins - 1,)
        ``"mondrian"``: the inner edges of the bins of the predicted centre.
    n_calibration_ : int
        Rows that calibrated (all rows for ``"cv+"``, 0 for None).
    calibration_ : str or None
        The calibration used (``calibration``, with "auto" resolved).
    resolution_ : float
        The width d of the calibration's noise on tied targets; 0 where not randomised.
    """

    def __init__(self, levels=(0.05, 0.95), *, booster="lightgbm", n_estimators=1000,
                 learning_rate=0.05, calibration="auto", calibration_size=0.25,
                 n_bins="auto", cv=10, median=True, early_stopping="auto",
                 validation_fraction=0.1, n_iter_no_change=50, tree_sizes="auto",
                 randomize="auto", n_jobs=None, random_state=None, **booster_params):
        self.levels = levels
        self.booster = booster
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.calibration = calibration
        self.calibration_size = calibration_size
        self.n_bins = n_bins
        self.cv = cv
        self.median = median
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tree_sizes = tree_sizes
        self.randomize = randomize
        self.n_jobs = n_jobs
        self.random_state = random_state
        self._booster_params = booster_params

    def _check_params(self):
        """The levels; ``ValueError`` naming the estimator and the parameter for a bad
        parameter (``_check_common_params``), ``median``, or a loss in the booster params.
        """
        name = type(self).__name__
        levels = self._check_common_params()
        if self.median not in (True, False):
            raise ValueError(f"{name}: median == {self.median!r}; must be True or False.")
        for key in ("loss", "objective", "alpha", "quantile_alpha"):
            if key in self._booster_params:
                raise ValueError(f"{name}: {key}={self._booster_params[key]!r}: each model "
                                 "trains boostobj's quantile loss at its level (levels=); a "
                                 "point model with another loss is boostobj.lightgbm."
                                 "LGBMRegressor(loss=...) or boostobj.xgboost.XGBRegressor.")
        return levels

    def _model(self, level, seed, tree_size=None):
        loss = f"quantile:alpha={level!r}"
        common = dict(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                      random_state=seed, n_jobs=self.n_jobs, **(tree_size or {}))
        if self.booster == "lightgbm":
            from .lightgbm import LGBMRegressor

            return LGBMRegressor(loss=loss, **{"verbose": -1, **common, **self._booster_params})
        from .xgboost import XGBRegressor

        params = {"tree_method": "hist", "enable_categorical": True, **common,
                  **self._booster_params}
        return XGBRegressor(loss=loss, **params)

    def _fit_levels(self, X, y, sample_weight, rng, levels=None):
        """One fitted model per level (``levels``, default ``levels_``), each stopped early
        on the same held-out share of these rows (``early_stopping``) and, where it is,
        the tree size of the lower held-out pinball loss (``tree_sizes``)."""
        levels = self.levels_ if levels is None else levels
        fit, stops_early = self._stopping_split(X, y, sample_weight, rng)
        sizes = self._tree_sizes() if stops_early else [None]
        models = []
        for level in levels:
            seed = int(rng.randint(2**31 - 1))
            try:
                fitted = [fit(self._model(float(level), seed, size)) for size in sizes]
                models.append(min(fitted, key=held_out_loss) if len(fitted) > 1
                              else fitted[0])
            except Exception as error:
                from ._boosters.options import booster_error_message, is_booster_error

                if not is_booster_error(error):
                    raise

                given = ", ".join(f"{key}={value!r}" for key, value
                                  in self._booster_params.items()) or "the defaults"
                raise ValueError(f"{type(self).__name__}: {self.booster} refused the booster "
                                 f"parameters ({given}): {booster_error_message(error)}"
                                 ) from error
        return models

    def fit(self, X, y, sample_weight=None):
        """Fit one model per level and calibrate them (``calibration``); fit the median."""
        self.levels_ = self._check_params()
        X, y = self._validate(X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        rng = check_random_state(self.random_state)
        self._calibrate(X, y, sample_weight, rng)
        self.median_model_ = None
        if self.median:
            self.median_model_ = self._fit_levels(X, y, sample_weight, rng, levels=[0.5])[0]
        self._jitter_seed = int(rng.randint(2**31 - 1))  # the prediction's draws
        return self

    def predict_quantiles(self, X):
        """The calibrated quantiles, (n, k) for ``levels``; increasing along each row."""
        check_is_fitted(self, "models_")
        return self._quantiles(self._validate(X, reset=False))

    def predict_interval(self, X):
        """(n, 2): the lower and upper bounds, the first and last levels; lower <= upper."""
        return self.predict_quantiles(X)[:, [0, -1]]

    def predict(self, X, return_interval=False, return_quantiles=False):
        """The median model's prediction (with ``median``), moved inside the interval where
        it falls outside; else the interval's midpoint.

        ``return_interval=True`` also returns ``predict_interval(X)``, and
        ``return_quantiles=True`` ``predict_quantiles(X)``, after the point prediction (as
        ``GaussianProcessRegressor.predict(X, return_std=True)``): through a ``Pipeline``,
        ``pipe.predict(X, return_interval=True)`` transforms X once and returns both.

        Without ``median``, where a bound is infinite (too few calibration rows), the
        midpoint is that of the uncalibrated models' interval.
        """
        check_is_fitted(self, "models_")
        X = self._validate(X, reset=False)
        quantiles = self._quantiles(X)
        if self.median:
            point = np.clip(self.median_model_.predict(X), quantiles[:, 0], quantiles[:, -1])
        else:
            with np.errstate(invalid="ignore"):  # -inf + inf: replaced below
                point = (quantiles[:, 0] + quantiles[:, -1]) / 2
            unbounded = ~np.isfinite(point)
            if np.any(unbounded):
                models = self.models_ if self.calibration_ != "cv+" else self.models_[0]
                point[unbounded] = _centre(self._predict_levels(
                    models, _safe_indexing(X, np.flatnonzero(unbounded))))
        if not (return_interval or return_quantiles):
            return point
        result = (point,)
        if return_interval:
            result += (quantiles[:, [0, -1]],)
        if return_quantiles:
            result += (quantiles,)
        return result


    # -- saving without pickle ----------------------------------------------------------

    def save_model(self, path):
        """Write the fitted estimator to ``path`` as JSON: its parameters, the calibration
        and each model's booster in the booster's own text form. ``load_model`` reads it
        back without unpickling anything (a pickle runs whatever code it holds when loaded).

        Booster parameters and ``cv`` that JSON cannot hold (objects) are written as their
        ``repr``; the loaded estimator predicts as this one but is not refitted from them.
        """
        from . import _interval_files

        _interval_files.save(self, path)

    @classmethod
    def load_model(cls, path):
        """The estimator ``save_model`` wrote to ``path``, fitted: ``predict``,
        ``predict_quantiles`` and ``predict_interval`` give what the saved one gave. Its
        ``models_`` predict with the boosters alone (``predict(X)`` only)."""
        from . import _interval_files

        return _interval_files.load(cls, path)
