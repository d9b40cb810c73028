"""What ``QuantileIntervalRegressor`` and ``DistributionRegressor`` share: conformal
calibration of level predictions (split, Mondrian, scaled, CV+, randomised for tied targets;
see ``boostobj.intervals`` for each mode's guarantee), early stopping on held-out rows of
the fitting part, the input checks and the booster parameters as estimator parameters.

A subclass supplies ``_fit_levels(X, y, sample_weight, rng)``, the fitted models of one
fitting part, and may override ``_predict_levels(models, X)``, their (n, k) predictions of
the levels ``levels_`` (sorted along each row).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold, check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from ._numerics import conformal_quantile, row_uniforms

__all__ = ["MAX_BINS", "MIN_BIN_ROWS", "MIN_VALIDATION_ROWS", "SMALL_DATA_ROWS", "TIED_SHARE"]

BOOSTERS = ("lightgbm", "xgboost")
CALIBRATIONS = ("auto", "mondrian", "conformal", "scaled", "cv+", None)
SPLIT_CALIBRATIONS = ("mondrian", "conformal", "scaled")
# calibration="auto": "cv+" below this many rows, "mondrian" from it on (measured on the six
# sets of benchmarks/intervals.py; see the module docstring of boostobj.intervals).
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

# tree_sizes="auto": each model fits both and keeps the one of the lower held-out pinball loss.
# Shallow trees won on the survey sets of benchmarks/intervals.py (CPS1988, CPSSW9298,
# k401ksubs: interval score 0.5-1.3% lower than 31 leaves), the booster's default on
# diamonds (0.406 against 0.460 at depth 3).
_TREE_SIZES = {"lightgbm": [{"max_depth": 3, "num_leaves": 8}, None],
               "xgboost": [{"max_depth": 3}, None]}
_TREE_SIZE_KEYS = ("num_leaves", "max_leaves", "max_depth", "num_leaf")


def is_dataframe(X):
    """Whether ``X`` is a DataFrame (kept as it is, for categorical columns)."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def take(values, rows):
    """``values[rows]``, None for None."""
    return None if values is None else values[rows]


def held_out_loss(model):
    """An early-stopped model's loss on its held-out rows, at its best round."""
    if hasattr(model, "best_score_"):  # LightGBM: {"valid_0": {"quantile": value}}
        (scores,) = model.best_score_.values()
        return next(iter(scores.values()))
    return model.best_score


def held_out_curve(model):
    """A model's loss on its one evaluation set, round by round (an array)."""
    history = model.evals_result_ if hasattr(model, "evals_result_") else model.evals_result()
    (scores,) = history.values()
    return np.asarray(next(iter(scores.values())), dtype=np.float64)


def _centre(raw):
    """The centre of the models' outer interval, row by row."""
    return (raw[:, 0] + raw[:, -1]) / 2


class CalibratedQuantiles(RegressorMixin, BaseEstimator):
    """Level predictions calibrated by conformal prediction (the shared base)."""

    def _check_common_params(self):
        """The levels, as an array; ``ValueError`` naming the estimator and the parameter
        for a bad level list, booster, calibration, calibration share, bin count, cv,
        early-stopping setting or booster parameter the estimator sets itself.
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
        if self.booster not in BOOSTERS:
            raise ValueError(f"{name}: booster == {self.booster!r}; must be 'lightgbm' or "
                             "'xgboost'.")
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"{name}: calibration == {self.calibration!r}; must be 'auto', "
                             "'mondrian', 'conformal', 'scaled', 'cv+' or None.")
        if not isinstance(self.n_estimators, numbers.Integral) or self.n_estimators < 1:
            raise ValueError(f"{name}: n_estimators == {self.n_estimators!r}; must be an "
                             "integer >= 1.")
        if not isinstance(self.learning_rate, numbers.Real) or not self.learning_rate > 0:
            raise ValueError(f"{name}: learning_rate == {self.learning_rate!r}; must be > 0.")
        size = self.calibration_size
        split = self.calibration in (*SPLIT_CALIBRATIONS, "auto")
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
        if self.calibration == "scaled" and self._monotone():
            raise ValueError(f"{name}: monotone_constraints with calibration='scaled': the "
                             "shift scales with the models' width, which the constraints do "
                             "not order, so the intervals would not be monotone; use "
                             "calibration='mondrian', 'conformal' or 'cv+'.")
        for key in ("early_stopping_rounds", "eval_set", "callbacks"):
            if key in self._booster_params:
                raise ValueError(f"{name}: {key}={self._booster_params[key]!r}: the "
                                 "estimator stops each model early itself, on rows it "
                                 "holds out of the fitting part; set early_stopping, "
                                 "validation_fraction and n_iter_no_change.")
        return levels

    def _tree_sizes(self):
        """The tree sizes each model chooses between on its held-out rows (``tree_sizes``):
        shallow trees and the booster's default, unless the user sized the trees."""
        if self.tree_sizes is None or any(key in self._booster_params
                                          for key in _TREE_SIZE_KEYS):
            return [None]
        return _TREE_SIZES[self.booster]

    def _calibrate(self, X, y, sample_weight, rng):
        """Fit the models (``_fit_levels``) and calibrate them as ``calibration`` says:
        sets ``calibration_``, ``resolution_``, ``corrections_``, ``bin_edges_``,
        ``n_calibration_`` and ``models_``."""
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

    # Booster parameters are parameters of the estimator, as LightGBM's estimators do it.
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

    def _monotone(self):
        """Whether the booster parameters constrain some feature to be monotone."""
        from ._boosters.options import monotone_signs
        from .lightgbm.basic import MONOTONE_KEYS

        return any(any(monotone_signs(self._booster_params[key]))
                   for key in MONOTONE_KEYS if self._booster_params.get(key) is not None)

    def _validate(self, X, y=None, reset=True):
        """Arrays as float arrays (NaN allowed); DataFrames kept, for categorical columns."""
        if is_dataframe(X):
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

    def _stopping_split(self, X, y, sample_weight, rng):
        """A function fitting a model on these rows, and whether it stops early: with
        ``early_stopping``, on all but a random ``validation_fraction`` of them, stopped
        once the model's own loss on those has not improved for ``n_iter_no_change`` rounds
        (the model keeps its best round). Too few rows to hold any out: no early stopping."""
        n = len(y)
        n_validation = int(round(self.validation_fraction * n)) if self.early_stopping else 0
        if self.early_stopping == "auto" and n_validation < MIN_VALIDATION_ROWS:
            n_validation = 0
        if not 1 <= n_validation < n:
            return (lambda model: model.fit(X, y, sample_weight=sample_weight)), False
        order = rng.permutation(n)
        held_out, kept = order[:n_validation], order[n_validation:]
        patience = int(self.n_iter_no_change)
        return (lambda model: self._fit_held_out(model, X, y, sample_weight, kept, held_out,
                                                 patience)), True

    def _fit_held_out(self, model, X, y, sample_weight, kept, held_out, patience=None):
        """``model`` fit on the rows ``kept``, evaluated on the rows ``held_out`` each
        round (its loss's metric) and, with ``patience``, stopped once that has not improved
        for so many rounds."""
        X_fit, y_fit = _safe_indexing(X, kept), y[kept]
        X_val, y_val = _safe_indexing(X, held_out), y[held_out]
        w_fit, w_val = take(sample_weight, kept), take(sample_weight, held_out)
        eval_weight = None if w_val is None else [w_val]
        if self.booster == "xgboost":
            model.set_params(early_stopping_rounds=patience)
            return model.fit(X_fit, y_fit, sample_weight=w_fit, eval_set=[(X_val, y_val)],
                             sample_weight_eval_set=eval_weight, verbose=False)
        import lightgbm as lgb

        from ._boosters.lightgbm_model import eval_set_keywords

        callbacks = [] if patience is None else [lgb.early_stopping(patience, verbose=False)]
        return model.fit(X_fit, y_fit, sample_weight=w_fit, eval_sample_weight=eval_weight,
                         callbacks=callbacks, **eval_set_keywords(X_val, y_val))

    @staticmethod
    def _predict_levels(models, X):
        """The level models' quantiles (the identity link: their raw scores), sorted along
        each row: what is calibrated is the rearranged quantile function, which never
        crosses and whose pinball loss is at most the models' own (Chernozhukov,
        Fernández-Val & Galichon 2010)."""
        return np.sort(np.column_stack([model.predict(X) for model in models]), axis=1)

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
        self.models_ = self._fit_levels(X_fit, y[fit_rows], take(sample_weight, fit_rows), rng)
        raw = self._predict_levels(self.models_, _safe_indexing(X, calibration_rows))
        scores = self._noisy(y[calibration_rows], rng)[:, None] - raw
        weights = take(sample_weight, calibration_rows)
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
                                                               take(weights, rows))
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
                                      take(sample_weight, fit_rows), rng)
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
