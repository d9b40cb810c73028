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

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold, check_cv
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._numerics import conformal_quantile, row_uniforms

__all__ = ["MAX_BINS", "MIN_BIN_ROWS", "MIN_VALIDATION_ROWS", "QuantileIntervalRegressor",
           "SMALL_DATA_ROWS", "TIED_SHARE"]

_BOOSTERS = ("lightgbm", "xgboost")
_CALIBRATIONS = ("auto", "mondrian", "conformal", "scaled", "cv+", None)
_SPLIT_CALIBRATIONS = ("mondrian", "conformal", "scaled")
# calibration="auto": "cv+" below this many rows, "mondrian" from it on (measured on the six
# sets of benchmarks/intervals.py; see the module docstring).
SMALL_DATA_ROWS = 5000
# early_stopping="auto": stop early where the held-out share holds at least this many rows;
# on fewer the tail levels' held-out pinball loss is too noisy to stop on (Boston's 30 held-out
# rows stopped the 5% and 95% models after a few rounds: interval score 1.59 -> 1.91).
MIN_VALIDATION_ROWS = 200
# randomize="auto": randomise where one target value holds at least this share of the rows.
TIED_SHARE = 0.01
# Rows x calibration scores per block of CV+ predictions (8 bytes each).
_CV_PLUS_BLOCK = 1 << 22
# n_bins="auto": one Mondrian bin per this many calibration rows, at most MAX_BINS.
MIN_BIN_ROWS = 500
MAX_BINS = 10


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


class QuantileIntervalRegressor(RegressorMixin, BaseEstimator):
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

    # Booster parameters are parameters of this estimator, as LightGBM's estimators do it.
    def get_params(self, deep=True):
        """The estimator's parameters, the booster parameters given to ``__init__`` among
        them.
        """
        params = super().get_params(deep=deep)
        params.update(self._booster_params)
        return params

    def set_params(self, **params):
        """Set parameters: the estimator's own, or booster parameters (passed to each
        model). Returns ``self``.
        """
        own = set(self._get_param_names())
        for key, value in params.items():
            if key in own:
                setattr(self, key, value)
            else:
                self._booster_params[key] = value
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # both boosters route missing values
        return tags

    # -- fitting -----------------------------------------------------------------------

    def _check_params(self):
        """``ValueError`` naming the estimator and the parameter for a bad level list,
        booster, calibration, calibration share, bin count or cv.
        """
        name = type(self).__name__
        try:
            levels = np.asarray(self.levels, dtype=np.float64)
        except (TypeError, ValueError):
            levels = None
        if (levels is None or levels.ndim != 1 or levels.size < 2
                or not np.all((levels > 0) & (levels < 1)) or np.any(np.diff(levels) <= 0)):
            raise ValueError(f"{name}: levels == {self.levels!r}; must be at least two "
                             "increasing quantile levels in (0, 1), like (0.05, 0.95).")
        if self.booster not in _BOOSTERS:
            raise ValueError(f"{name}: booster == {self.booster!r}; must be 'lightgbm' or "
                             "'xgboost'.")
        if self.calibration not in _CALIBRATIONS:
            raise ValueError(f"{name}: calibration == {self.calibration!r}; must be 'auto', "
                             "'mondrian', 'conformal', 'scaled', 'cv+' or None.")
        if not isinstance(self.n_estimators, numbers.Integral) or self.n_estimators < 1:
            raise ValueError(f"{name}: n_estimators == {self.n_estimators!r}; must be an "
                             "integer >= 1.")
        if not isinstance(self.learning_rate, numbers.Real) or not self.learning_rate > 0:
            raise ValueError(f"{name}: learning_rate == {self.learning_rate!r}; must be > 0.")
        size = self.calibration_size
        split = self.calibration in (*_SPLIT_CALIBRATIONS, "auto")
        if split and (not isinstance(size, numbers.Real) or not 0 < size < 1):
            raise ValueError(f"{name}: calibration_size == {size!r}; must be in (0, 1).")
        if self.calibration in ("mondrian", "auto") and self.n_bins != "auto" and (
                not isinstance(self.n_bins, numbers.Integral) or self.n_bins < 1):
            raise ValueError(f"{name}: n_bins == {self.n_bins!r}; must be 'auto' or an "
                             "integer >= 1.")
        if self.early_stopping not in ("auto", True, False):
            raise ValueError(f"{name}: early_stopping == {self.early_stopping!r}; must be "
                             "'auto', True or False.")
        if self.early_stopping:
            fraction = self.validation_fraction
            if not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
                raise ValueError(f"{name}: validation_fraction == {fraction!r}; must be in "
                                 "(0, 1).")
            patience = self.n_iter_no_change
            if not isinstance(patience, numbers.Integral) or patience < 1:
                raise ValueError(f"{name}: n_iter_no_change == {patience!r}; must be an "
                                 "integer >= 1.")
        if self.tree_sizes not in ("auto", None):
            raise ValueError(f"{name}: tree_sizes == {self.tree_sizes!r}; must be 'auto' or "
                             "None.")
        if self.randomize not in ("auto", True, False):
            raise ValueError(f"{name}: randomize == {self.randomize!r}; must be 'auto', True "
                             "or False.")
        if (self.calibration in ("cv+", "auto") and isinstance(self.cv, numbers.Integral)
                and self.cv < 2):
            raise ValueError(f"{name}: cv == {self.cv!r}; must be an integer >= 2, a "
                             "cross-validation splitter or a list of (train, test) splits.")
        if self.median not in (True, False):
            raise ValueError(f"{name}: median == {self.median!r}; must be True or False.")
        if self.calibration == "scaled" and self._monotone():
            raise ValueError(f"{name}: monotone_constraints with calibration='scaled': the "
                             "shift scales with the models' width, which the constraints do "
                             "not order, so the intervals would not be monotone; use "
                             "calibration='mondrian', 'conformal' or 'cv+'.")
        for key in ("loss", "objective", "alpha", "quantile_alpha", "early_stopping_rounds",
                    "eval_set", "callbacks"):
            if key in self._booster_params:
                if key in ("early_stopping_rounds", "eval_set", "callbacks"):
                    raise ValueError(f"{name}: {key}={self._booster_params[key]!r}: the "
                                     "estimator stops each model early itself, on rows it "
                                     "holds out of the fitting part; set early_stopping, "
                                     "validation_fraction and n_iter_no_change.")
                raise ValueError(f"{name}: {key}={self._booster_params[key]!r}: each model "
                                 "trains boostobj's quantile loss at its level (levels=); a "
                                 "point model with another loss is boostobj.lightgbm."
                                 "LGBMRegressor(loss=...) or boostobj.xgboost.XGBRegressor.")
        return levels

    def _monotone(self):
        """Whether the booster parameters constrain some feature to be monotone."""
        from ._boosters.options import monotone_signs
        from .lightgbm.basic import MONOTONE_KEYS

        return any(any(monotone_signs(self._booster_params[key]))
                   for key in MONOTONE_KEYS if self._booster_params.get(key) is not None)

    def _validate(self, X, y=None, reset=True):
        """Arrays as float arrays (NaN allowed); DataFrames kept, for categorical columns."""
        if _is_dataframe(X):
            if y is None and reset:
                # validate_data's own message for a missing target
                return validate_data(self, X, None, reset=reset)
            validate_data(self, X, reset=reset, skip_check_array=True)
            if y is None:
                return X
            y = column_or_1d(check_array(y, ensure_2d=False, dtype=np.float64), warn=True)
            check_consistent_length(X, y)
            return X, y
        if y is None and not reset:
            return validate_data(self, X, reset=False, dtype=[np.float64, np.float32],
                                 ensure_all_finite="allow-nan")
        return validate_data(self, X, y, dtype=[np.float64, np.float32],
                             ensure_all_finite="allow-nan", y_numeric=True)

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

    def _tree_sizes(self):
        """The tree sizes each model chooses between on its held-out rows (``tree_sizes``):
        shallow trees and the booster's default, unless the user sized the trees."""
        if self.tree_sizes is None or any(key in self._booster_params
                                          for key in _TREE_SIZE_KEYS):
            return [None]
        return _TREE_SIZES[self.booster]

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
                models.append(min(fitted, key=_held_out_loss) if len(fitted) > 1
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

    def _stopping_split(self, X, y, sample_weight, rng):
        """A function fitting a model on these rows, and whether it stops early: with
        ``early_stopping``, on all but a
        random ``validation_fraction`` of them, stopped once the pinball loss of its level
        on those has not improved for ``n_iter_no_change`` rounds (the model keeps its best
        round). Too few rows to hold any out: no early stopping."""
        n = len(y)
        n_validation = int(round(self.validation_fraction * n)) if self.early_stopping else 0
        if self.early_stopping == "auto" and n_validation < MIN_VALIDATION_ROWS:
            n_validation = 0
        if not 1 <= n_validation < n:
            return (lambda model: model.fit(X, y, sample_weight=sample_weight)), False
        order = rng.permutation(n)
        held_out, kept = order[:n_validation], order[n_validation:]
        X_fit, y_fit = _safe_indexing(X, kept), y[kept]
        X_val, y_val = _safe_indexing(X, held_out), y[held_out]
        w_fit, w_val = _take(sample_weight, kept), _take(sample_weight, held_out)
        patience = int(self.n_iter_no_change)

        def fit(model):
            eval_weight = None if w_val is None else [w_val]
            if self.booster == "xgboost":
                model.set_params(early_stopping_rounds=patience)
                return model.fit(X_fit, y_fit, sample_weight=w_fit, eval_set=[(X_val, y_val)],
                                 sample_weight_eval_set=eval_weight, verbose=False)
            import lightgbm as lgb

            from ._boosters.lightgbm_model import eval_set_keywords

            return model.fit(X_fit, y_fit, sample_weight=w_fit, eval_sample_weight=eval_weight,
                             callbacks=[lgb.early_stopping(patience, verbose=False)],
                             **eval_set_keywords(X_val, y_val))
        return fit, True

    @staticmethod
    def _predict_levels(models, X):
        """The level models' quantiles (the identity link: their raw scores), sorted along
        each row: what is calibrated is the rearranged quantile function, which never
        crosses and whose pinball loss is at most the models' own (Chernozhukov,
        Fernández-Val & Galichon 2010)."""
        return np.sort(np.column_stack([model.predict(X) for model in models]), axis=1)

    def fit(self, X, y, sample_weight=None):
        """Fit one model per level and calibrate them (``calibration``); fit the median."""
        self.levels_ = self._check_params()
        X, y = self._validate(X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        rng = check_random_state(self.random_state)
        self.calibration_ = self.calibration
        if self.calibration == "auto":
            self.calibration_ = "cv+" if len(y) < SMALL_DATA_ROWS else "mondrian"
        self.resolution_ = self._tie_resolution(y)
        self.corrections_ = np.zeros(self.levels_.size)
        self.bin_edges_ = np.empty(0)
        self.n_calibration_ = 0
        if self.calibration_ is None:
            self.models_ = self._fit_levels(X, y, sample_weight, rng)
        elif self.calibration_ == "cv+":
            self._fit_cv_plus(X, y, sample_weight, rng)
        else:
            self._fit_split(X, y, sample_weight, rng)
        self.median_model_ = None
        if self.median:
            self.median_model_ = self._fit_levels(X, y, sample_weight, rng, levels=[0.5])[0]
        self._jitter_seed = int(rng.randint(2**31 - 1))  # the prediction's draws
        return self

    def _tie_resolution(self, y):
        """The width d of the uniform noise the calibration adds to the targets (0: none).

        ``randomize="auto"``: where some target value holds at least ``TIED_SHARE`` of the
        rows (counts, censored or rounded targets), d is the smallest gap between two
        distinct target values, so that the noise never moves a target past the next one.
        """
        if self.randomize is False or self.calibration is None:
            return 0.0
        values, counts = np.unique(y, return_counts=True)
        if self.randomize == "auto" and counts.max() < TIED_SHARE * len(y):
            return 0.0
        return float(np.min(np.diff(values))) if values.size > 1 else 1.0

    def _noisy(self, y, rng):
        """The targets plus uniform noise on [0, d) (``resolution_``), the calibration's."""
        if not self.resolution_:
            return y
        return y + self.resolution_ * rng.random_sample(len(y))

    def _fit_split(self, X, y, sample_weight, rng):
        """The split modes: the level models fit on ``1 - calibration_size`` of the rows,
        calibrated on the rest (one shift per level, per bin or scaled by the width).
        """
        n = len(y)
        n_calibration = int(round(self.calibration_size * n))
        if n < 2 or not 1 <= n_calibration < n:
            raise ValueError(f"{type(self).__name__}: calibration={self.calibration!r} with "
                             f"calibration_size={self.calibration_size} leaves no rows to fit "
                             f"or to calibrate with n_samples = {n}.")
        order = rng.permutation(n)
        fit_rows, calibration_rows = order[n_calibration:], order[:n_calibration]
        X_fit = _safe_indexing(X, fit_rows)
        self.models_ = self._fit_levels(X_fit, y[fit_rows], _take(sample_weight, fit_rows), rng)
        raw = self._predict_levels(self.models_, _safe_indexing(X, calibration_rows))
        scores = self._noisy(y[calibration_rows], rng)[:, None] - raw
        weights = _take(sample_weight, calibration_rows)
        self.n_calibration_ = n_calibration
        if self.calibration_ == "scaled":
            width = raw[:, -1] - raw[:, 0]
            positive = width[width > 0]
            self._width_floor = 1e-6 * float(np.median(positive)) if positive.size else 1.0
            scores /= self._width(raw)[:, None]
        if self.calibration_ != "mondrian":
            self.corrections_ = self._conformal_corrections(scores, weights)
            self._warn_infinite(n_calibration)
            return
        n_bins = (self.n_bins if self.n_bins != "auto"
                  else int(np.clip(n_calibration // MIN_BIN_ROWS, 1, MAX_BINS)))
        # Edges from the fitting rows, so that a row's bin depends on x alone once the models
        # are fit, and the calibration rows stay exchangeable with new rows within each bin.
        centre_fit = _centre(self._predict_levels(self.models_, X_fit))
        self.bin_edges_ = np.unique(np.quantile(centre_fit, np.arange(1, n_bins) / n_bins))
        bins = np.searchsorted(self.bin_edges_, _centre(raw), side="right")
        self.corrections_ = np.empty((self.bin_edges_.size + 1, self.levels_.size))
        counts = np.bincount(bins, minlength=self.corrections_.shape[0])
        for b in range(self.corrections_.shape[0]):
            rows = np.flatnonzero(bins == b)
            self.corrections_[b] = self._conformal_corrections(scores[rows],
                                                               _take(weights, rows))
        if self._monotone():
            # The bins follow the predicted centre, which the constraints keep monotone in
            # each constrained feature (either way), so corrections that never fall from one
            # bin to the next keep every bound monotone. Raising an upper bound's correction
            # (the running maximum) or lowering a lower bound's (the running minimum from the
            # top) keeps each bin's guarantee.
            upper = self.levels_ >= 0.5
            self.corrections_[:, upper] = np.maximum.accumulate(self.corrections_[:, upper])
            self.corrections_[:, ~upper] = np.minimum.accumulate(
                self.corrections_[::-1, ~upper])[::-1]
        self._warn_infinite(int(counts.min()), "in its smallest bin " if counts.size > 1
                            else "")

    def _conformal_corrections(self, scores, weights):
        return np.array([conformal_quantile(scores[:, j], weights, level)
                         for j, level in enumerate(self.levels_)])

    def _fit_cv_plus(self, X, y, sample_weight, rng):
        """CV+: the level models fit on each fold's complement; every row's score comes from
        the models that did not see it.
        """
        n = len(y)
        name = type(self).__name__
        if isinstance(self.cv, numbers.Integral):
            if n < self.cv:
                raise ValueError(f"{name}: calibration='cv+' with cv={self.cv} needs at "
                                 f"least {self.cv} rows, got n_samples = {n}.")
            folds = KFold(self.cv, shuffle=True, random_state=rng.randint(2**31 - 1))
            splits = list(folds.split(np.empty((n, 1))))
        else:
            try:
                splits = list(check_cv(self.cv).split(np.empty((n, 1)), y))
            except (TypeError, ValueError) as error:
                raise ValueError(f"{name}: cv == {self.cv!r}; must be an integer >= 2, a "
                                 "cross-validation splitter or a list of (train, test) "
                                 f"splits ({error}).") from None
            held_out_count = np.bincount(np.concatenate([test for _, test in splits]),
                                         minlength=n)
            if held_out_count.size != n or np.any(held_out_count != 1):
                raise ValueError(f"{name}: calibration='cv+' needs folds that hold out every "
                                 f"row exactly once; cv == {self.cv!r} does not.")
        self.models_ = []
        y_noisy = self._noisy(y, rng)
        self._fold_of_row = np.empty(n, dtype=np.intp)
        self._scores = np.empty((n, self.levels_.size))
        for k, (fit_rows, held_out) in enumerate(splits):
            models = self._fit_levels(_safe_indexing(X, fit_rows), y[fit_rows],
                                      _take(sample_weight, fit_rows), rng)
            self.models_.append(models)
            self._fold_of_row[held_out] = k
            self._scores[held_out] = y_noisy[held_out, None] - self._predict_levels(
                models, _safe_indexing(X, held_out))
        self._calibration_weight = sample_weight
        self.n_calibration_ = n
        self._warn_infinite(n)

    def _width(self, raw):
        """The models' outer width, at least 1e-6 x the calibration rows' median width
        (``"scaled"`` divides by it)."""
        return np.maximum(raw[:, -1] - raw[:, 0], self._width_floor)

    def _warn_infinite(self, n_calibration, where=""):
        # the bound is infinite when its rank falls outside the n scores, whatever they are
        small = [float(level) for level in self.levels_
                 if not np.isfinite(conformal_quantile(np.zeros(n_calibration), None, level))]
        if small:
            warnings.warn(f"{type(self).__name__}: {n_calibration} calibration rows {where}"
                          f"are too few for levels {small}: those bounds are infinite (the "
                          "guarantee needs at least 1/min(τ, 1-τ) - 1 rows).", stacklevel=3)

    # -- prediction --------------------------------------------------------------------

    def _quantiles(self, X):
        """The calibrated quantiles of every level, increasing along each row (n, k)."""
        if self.calibration_ == "cv+":
            quantiles = self._cv_plus_quantiles(X)
        else:
            raw = self._predict_levels(self.models_, X)
            if self.calibration_ == "scaled":
                quantiles = raw + self._width(raw)[:, None] * self.corrections_
            elif self.calibration_ == "mondrian":
                bins = np.searchsorted(self.bin_edges_, _centre(raw), side="right")
                quantiles = raw + self.corrections_[bins]
            else:
                quantiles = raw + self.corrections_
        if self.resolution_:
            # The calibration held y + d U; y + d U' <= q for a fresh U' is y <= q - d U'.
            quantiles -= self.resolution_ * row_uniforms(X, self._jitter_seed)[:, None]
        return np.sort(quantiles, axis=1)

    def predict_quantiles(self, X):
        """The calibrated quantiles, (n, k) for ``levels``; increasing along each row."""
        check_is_fitted(self, "models_")
        return self._quantiles(self._validate(X, reset=False))

    def _cv_plus_quantiles(self, X):
        n = self._scores.shape[0]
        fold_predictions = [self._predict_levels(models, X) for models in self.models_]
        quantiles = np.empty((fold_predictions[0].shape[0], self.levels_.size))
        block = max(1, _CV_PLUS_BLOCK // n)
        for start in range(0, quantiles.shape[0], block):
            rows = slice(start, start + block)
            for j, level in enumerate(self.levels_):
                by_fold = np.stack([prediction[rows, j] for prediction in fold_predictions],
                                   axis=1)
                # q̂^(-k(i))(x) + r_i for every calibration row i, one row per new x
                candidates = by_fold[:, self._fold_of_row] + self._scores[:, j]
                quantiles[rows, j] = conformal_quantile(candidates, self._calibration_weight,
                                                        level)
        return quantiles

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


# tree_sizes="auto": each model fits both and keeps the one of the lower held-out pinball loss.
# Shallow trees won on the survey sets of benchmarks/intervals.py (CPS1988, CPSSW9298,
# k401ksubs: interval score 0.5-1.3% lower than 31 leaves), the booster's default on
# diamonds (0.406 against 0.460 at depth 3).
_TREE_SIZES = {"lightgbm": [{"max_depth": 3, "num_leaves": 8}, None],
               "xgboost": [{"max_depth": 3}, None]}
_TREE_SIZE_KEYS = ("num_leaves", "max_leaves", "max_depth", "num_leaf")


def _held_out_loss(model):
    """The early-stopped model's pinball loss on its held-out rows, at its best round."""
    if hasattr(model, "best_score_"):  # LightGBM: {"valid_0": {"quantile": value}}
        (scores,) = model.best_score_.values()
        return next(iter(scores.values()))
    return model.best_score


def _centre(raw):
    """The centre of the models' outer interval, row by row."""
    return (raw[:, 0] + raw[:, -1]) / 2


def _take(values, rows):
    return None if values is None else values[rows]
