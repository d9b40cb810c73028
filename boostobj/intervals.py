"""Prediction intervals from quantile boosting, calibrated by conformal prediction.

``QuantileIntervalRegressor`` fits one model per quantile level with boostobj's ``quantile``
loss (leaf renewal on) through the drop-in XGBoost or LightGBM regressors, then calibrates
each level on rows the models did not see, so that the intervals hold their level on new data.

Why calibrate: boosted tail quantiles fit their training rows too well, so on new data a
(0.05, 0.95) interval covers less than 90% (0.62-0.80 on small data sets, 0.88 on 50k rows).

Calibration (conformalized quantile regression, Romano, Patterson & Candès 2019), per level
τ with the scores r = y - q̂_τ(x) of n held-out rows:

- ``"conformal"`` (split): the models are fit on ``1 - calibration_size`` of the rows and
  each level moves by a conformal quantile of the other rows' scores: the
  ⌈τ(n+1)⌉-th smallest for τ >= 0.5, the ⌊τ(n+1)⌋-th for τ < 0.5. If the rows are
  exchangeable (e.g. i.i.d.) with the new row, then P(y <= upper) >= τ_high and
  P(y < lower) <= τ_low, so P(lower <= y <= upper) >= τ_high - τ_low, and at most
  2/(n+1) more (without ties). Calibrating each end on its own (not one common widening)
  also fixes a skew between the two tails, and each end is a calibrated quantile.
- ``"cv+"`` (cross-fitted, for small data): the models are fit on ``cv`` folds; each row's
  score comes from the models that did not see it, and the bound for a new x is the
  conformal quantile of q̂^(-k(i))_τ(x) + r_i over all rows i (CV+, Barber et al. 2021).
  Every row trains and calibrates. Guarantee: coverage >= 1 - 2α in the worst case
  (α = 1 - (τ_high - τ_low)); in practice it is close to 1 - α.
- ``None``: the models are fit on all rows and no guarantee is made.

No crossing: each row's quantiles are sorted (the rearrangement of Chernozhukov,
Fernández-Val & Galichon 2010), which can only widen the outer interval.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._numerics import conformal_quantile

_BOOSTERS = ("lightgbm", "xgboost")
_CALIBRATIONS = ("conformal", "cv+", None)
# Rows x calibration scores per block of CV+ predictions (8 bytes each).
_CV_PLUS_BLOCK = 1 << 22


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


class QuantileIntervalRegressor(RegressorMixin, BaseEstimator):
    """Prediction intervals (and quantiles) from gradient boosting with boostobj's quantile
    loss, calibrated by conformal prediction.

    Parameters
    ----------
    levels : tuple of float, default (0.05, 0.95)
        Increasing quantile levels in (0, 1), one model each. The interval runs from the
        first to the last: (0.05, 0.95) is a 90% interval. Add 0.5 for a median model, which
        ``predict`` then returns.
    booster : {"lightgbm", "xgboost"}, default "lightgbm"
        ``LGBMRegressor`` or ``XGBRegressor`` (``tree_method="hist"``,
        ``enable_categorical=True``), trained with ``boostobj.lightgbm.fit`` /
        ``boostobj.xgboost.fit`` and ``quantile:alpha=level``.
    n_estimators, learning_rate : int, float, default 400, 0.05
        Boosting rounds and shrinkage of each model.
    calibration : {"conformal", "cv+", None}, default "conformal"
        Split conformal, cross-fitted CV+, or none (see the module docstring).
    calibration_size : float, default 0.25
        Share of the rows held out to calibrate (``"conformal"``).
    cv : int, default 5
        Folds of ``"cv+"``.
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
    models_ : list
        ``"conformal"`` and None: one fitted booster estimator per level. ``"cv+"``: per
        fold, a list of one per level.
    corrections_ : ndarray of shape (k,)
        ``"conformal"``: what each level's model prediction moves by (0 without calibration).
    n_calibration_ : int
        Rows that calibrated (all rows for ``"cv+"``, 0 for None).
    """

    def __init__(self, levels=(0.05, 0.95), *, booster="lightgbm", n_estimators=400,
                 learning_rate=0.05, calibration="conformal", calibration_size=0.25, cv=5,
                 n_jobs=None, random_state=None, **booster_params):
        self.levels = levels
        self.booster = booster
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.calibration = calibration
        self.calibration_size = calibration_size
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state
        self._booster_params = booster_params

    # Booster parameters are parameters of this estimator, as LightGBM's estimators do it.
    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self._booster_params)
        return params

    def set_params(self, **params):
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
        name = type(self).__name__
        try:
            levels = np.asarray(self.levels, dtype=np.float64)
        except (TypeError, ValueError):
            levels = None
        if levels is None or levels.ndim != 1 or levels.size < 2 or \
                not np.all((levels > 0) & (levels < 1)) or np.any(np.diff(levels) <= 0):
            raise ValueError(f"{name}: levels == {self.levels!r}; must be at least two "
                             "increasing quantile levels in (0, 1), like (0.05, 0.95).")
        if self.booster not in _BOOSTERS:
            raise ValueError(f"{name}: booster == {self.booster!r}; must be 'lightgbm' or "
                             "'xgboost'.")
        if self.calibration not in _CALIBRATIONS:
            raise ValueError(f"{name}: calibration == {self.calibration!r}; must be "
                             "'conformal', 'cv+' or None.")
        if not isinstance(self.n_estimators, numbers.Integral) or self.n_estimators < 1:
            raise ValueError(f"{name}: n_estimators == {self.n_estimators!r}; must be an "
                             "integer >= 1.")
        if not isinstance(self.learning_rate, numbers.Real) or not self.learning_rate > 0:
            raise ValueError(f"{name}: learning_rate == {self.learning_rate!r}; must be > 0.")
        size = self.calibration_size
        if self.calibration == "conformal" and (not isinstance(size, numbers.Real)
                                                or not 0 < size < 1):
            raise ValueError(f"{name}: calibration_size == {size!r}; must be in (0, 1).")
        if self.calibration == "cv+" and (not isinstance(self.cv, numbers.Integral)
                                          or self.cv < 2):
            raise ValueError(f"{name}: cv == {self.cv!r}; must be an integer >= 2.")
        return levels

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

    def _model(self, level, seed):
        loss = f"quantile:alpha={level!r}"
        common = dict(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                      random_state=seed, n_jobs=self.n_jobs)
        if self.booster == "lightgbm":
            from .lightgbm import LGBMRegressor

            return LGBMRegressor(loss=loss, **{"verbose": -1, **common, **self._booster_params})
        from .xgboost import XGBRegressor

        params = {"tree_method": "hist", "enable_categorical": True, **common,
                  **self._booster_params}
        return XGBRegressor(loss=loss, **params)

    def _fit_levels(self, X, y, sample_weight, rng):
        models = []
        for level in self.levels_:
            model = self._model(float(level), int(rng.randint(2**31 - 1)))
            models.append(model.fit(X, y, sample_weight=sample_weight))
        return models

    @staticmethod
    def _predict_levels(models, X):
        # identity link: the raw scores are the quantiles
        return np.column_stack([model.predict(X) for model in models])

    def fit(self, X, y, sample_weight=None):
        """Fit one model per level and calibrate them (see ``calibration``)."""
        self.levels_ = self._check_params()
        X, y = self._validate(X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        rng = check_random_state(self.random_state)
        n = len(y)
        name = type(self).__name__
        self.corrections_ = np.zeros(self.levels_.size)
        if self.calibration is None:
            self.models_ = self._fit_levels(X, y, sample_weight, rng)
            self.n_calibration_ = 0
        elif self.calibration == "conformal":
            n_calibration = int(round(self.calibration_size * n))
            if n < 2 or not 1 <= n_calibration < n:
                raise ValueError(f"{name}: calibration='conformal' with calibration_size="
                                 f"{self.calibration_size} leaves no rows to fit or to "
                                 f"calibrate with n_samples = {n}.")
            order = rng.permutation(n)
            fit_rows, calibration_rows = order[n_calibration:], order[:n_calibration]
            self.models_ = self._fit_levels(_safe_indexing(X, fit_rows), y[fit_rows],
                                            _take(sample_weight, fit_rows), rng)
            X_calibration = _safe_indexing(X, calibration_rows)
            scores = y[calibration_rows, None] - self._predict_levels(self.models_,
                                                                       X_calibration)
            weights = _take(sample_weight, calibration_rows)
            self.corrections_ = np.array([
                conformal_quantile(scores[:, j], weights, level)
                for j, level in enumerate(self.levels_)])
            self.n_calibration_ = n_calibration
            self._warn_infinite(n_calibration)
        else:
            if n < self.cv:
                raise ValueError(f"{name}: calibration='cv+' with cv={self.cv} needs at "
                                 f"least {self.cv} rows, got n_samples = {n}.")
            folds = KFold(self.cv, shuffle=True, random_state=rng.randint(2**31 - 1))
            self.models_ = []
            self._fold_of_row = np.empty(n, dtype=np.intp)
            self._scores = np.empty((n, self.levels_.size))
            for k, (fit_rows, held_out) in enumerate(folds.split(np.empty((n, 1)))):
                models = self._fit_levels(_safe_indexing(X, fit_rows), y[fit_rows],
                                          _take(sample_weight, fit_rows), rng)
                self.models_.append(models)
                self._fold_of_row[held_out] = k
                self._scores[held_out] = y[held_out, None] - self._predict_levels(
                    models, _safe_indexing(X, held_out))
            self._calibration_weight = sample_weight
            self.n_calibration_ = n
            self._warn_infinite(n)
        return self

    def _warn_infinite(self, n_calibration):
        # the bound is infinite when its rank falls outside the n scores, whatever they are
        small = [float(level) for level in self.levels_
                 if not np.isfinite(conformal_quantile(np.zeros(n_calibration), None, level))]
        if small:
            warnings.warn(f"{type(self).__name__}: {n_calibration} calibration rows are too "
                          f"few for levels {small}: those bounds are infinite (the "
                          "guarantee needs at least 1/min(τ, 1-τ) - 1 rows).", stacklevel=3)

    # -- prediction --------------------------------------------------------------------

    def predict_quantiles(self, X):
        """The calibrated quantiles, (n, k) for ``levels``; increasing along each row."""
        check_is_fitted(self, "models_")
        X = self._validate(X, reset=False)
        if self.calibration == "cv+":
            quantiles = self._cv_plus_quantiles(X)
        else:
            quantiles = self._predict_levels(self.models_, X) + self.corrections_
        return np.sort(quantiles, axis=1)

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

    def predict(self, X):
        """The median where 0.5 is among ``levels``, else the midpoint of the interval.

        Where a bound is infinite (too few calibration rows) the midpoint is that of the
        uncalibrated models' interval.
        """
        quantiles = self.predict_quantiles(X)
        median = np.flatnonzero(self.levels_ == 0.5)
        if median.size:
            return quantiles[:, median[0]]
        with np.errstate(invalid="ignore"):  # -inf + inf: replaced below
            midpoint = (quantiles[:, 0] + quantiles[:, -1]) / 2
        unbounded = ~np.isfinite(midpoint)
        if np.any(unbounded):
            X = self._validate(X, reset=False)
            models = self.models_ if self.calibration != "cv+" else self.models_[0]
            raw = self._predict_levels(models, _safe_indexing(X, np.flatnonzero(unbounded)))
            midpoint[unbounded] = (raw[:, 0] + raw[:, -1]) / 2
        return midpoint


def _take(values, rows):
    return None if values is None else values[rows]
