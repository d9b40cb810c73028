"""Predictive distributions from gradient boosting: ``DistributionRegressor``.

One model predicts every parameter of a distribution per row (boostobj's distribution
losses: ``normal``, ``student_t``, ``lognormal``, ``gamma_distribution``,
``negative_binomial``; one tree per parameter each round, Fisher-scoring leaf steps). From
it a user reads the mean, any quantile (the inverse CDF, so quantiles never cross), the
probability of exceeding a threshold, or the log-likelihood of new targets.

Rounds: ``early_stopping="auto"`` holds out ``validation_fraction`` (20%) of the fitting rows and
stops once their negative log-likelihood has not improved for ``n_iter_no_change`` rounds
where that share holds at least ``MIN_VALIDATION_ROWS`` rows; on fewer rows it picks the
round count of the lowest ``cv_rounds``-fold cross-validated negative log-likelihood and
refits on all the rows with it (a likelihood overfits fast: the scale of each leaf shrinks
towards its rows' residuals).

Calibration (``calibration``): the distribution's quantiles at ``levels`` are calibrated by
the conformal modes of ``QuantileIntervalRegressor`` (split, Mondrian, scaled, CV+,
randomised for tied targets), with the same guarantees for ``predict_interval`` and
``predict_quantiles``. The distribution itself (``predict_distribution``, ``predict``,
``negative_log_likelihood``) is the model's, uncalibrated. None (the default): no rows are
held out to calibrate, the quantiles are the model's.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._calibration import CalibratedQuantiles, held_out_curve, held_out_loss
from .losses import DistributionLoss, get_loss

__all__ = ["DistributionRegressor"]


class DistributionRegressor(CalibratedQuantiles):
    """A predictive distribution per row from gradient boosting with one of boostobj's
    distribution losses; ``predict`` is its mean.

    Parameters
    ----------
    distribution : str or DistributionLoss, default "normal"
        The distribution: ``"normal"`` (μ, log σ), ``"student_t"`` (``"student_t:df=5"``),
        ``"lognormal"``, ``"gamma_distribution"`` (log mean, log shape),
        ``"negative_binomial"`` (log mean, log dispersion), or a ``DistributionLoss``.
    booster : {"lightgbm", "xgboost"}, default "lightgbm"
        ``LGBMRegressor`` or ``XGBRegressor`` (``tree_method="hist"``,
        ``enable_categorical=True``) trained with the distribution's loss, one tree per
        parameter each round.
    n_estimators, learning_rate : int, float, default 1000, 0.05
        Most boosting rounds (with early stopping; the rounds without) and shrinkage.
    levels : tuple of float, default (0.05, 0.95)
        Quantile levels of ``predict_quantiles`` and ``predict_interval`` (the first and
        last), the ones ``calibration`` calibrates.
    calibration : {None, "auto", "mondrian", "conformal", "scaled", "cv+"}, default None
        None: the model's quantiles. Otherwise the conformal modes of
        ``QuantileIntervalRegressor`` on the distribution's quantiles at ``levels``.
    calibration_size, n_bins, cv, randomize
        As ``QuantileIntervalRegressor``'s (the calibrated modes).
    early_stopping : {"auto", True, False}, default "auto"
        Stop on the held-out negative log-likelihood (``validation_fraction`` of the
        fitting rows, ``n_iter_no_change`` rounds of patience). "auto": where that share
        holds at least ``MIN_VALIDATION_ROWS`` rows; on fewer, the round count of the lowest
        ``cv_rounds``-fold cross-validated negative log-likelihood, refit on all the rows.
    validation_fraction, n_iter_no_change : float, int, default 0.2, 50
        The held-out share and the patience of early stopping. (A held-out likelihood is
        noisier than a pinball loss: 0.2 had a lower test NLL than 0.1 on k401ksubs,
        NMES1988 and CPSSW9298, 0.01 higher on diamonds.)
    cv_rounds : int, default 5
        Folds that choose the round count on small data (``early_stopping="auto"``).
    tree_sizes : {"auto", None}, default None
        None: the booster's default size (or the one given). "auto": where the rounds are
        chosen on held-out rows, fit shallow trees (depth 3) and the booster's default size
        and keep the lower held-out negative log-likelihood; not where ``num_leaves``,
        ``max_leaves`` or ``max_depth`` is given. (On the benchmark's sets "auto" was no
        better on average and took twice the time.)
    n_jobs : int or None, default None
        Threads of the booster.
    random_state : int, RandomState or None, default None
        Seeds the splits, the folds and the booster.
    **booster_params
        Passed to the booster's estimator; parameters of this estimator too.

    Attributes
    ----------
    loss_ : DistributionLoss
        The distribution's loss.
    distribution_model_ : estimator
        The fitted booster estimator whose raw scores (n, K) are the distribution's
        parameters on their links (``loss_.outputs``); its booster predicts them alone.
    n_rounds_ : int
        Boosting rounds of ``distribution_model_``.
    models_ : list
        The models the calibration uses (``[distribution_model_]`` without calibration
        and in the split modes; per fold for ``"cv+"``).
    calibration_, corrections_, bin_edges_, n_calibration_, resolution_
        As ``QuantileIntervalRegressor``'s.
    """

    def __init__(self, distribution="normal", *, booster="lightgbm", n_estimators=1000,
                 learning_rate=0.05, levels=(0.05, 0.95), calibration=None,
                 calibration_size=0.25, n_bins="auto", cv=10, early_stopping="auto",
                 validation_fraction=0.2, n_iter_no_change=50, cv_rounds=5,
                 tree_sizes=None, randomize="auto", n_jobs=None, random_state=None,
                 **booster_params):
        self.distribution = distribution
        self.booster = booster
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.levels = levels
        self.calibration = calibration
        self.calibration_size = calibration_size
        self.n_bins = n_bins
        self.cv = cv
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.cv_rounds = cv_rounds
        self.tree_sizes = tree_sizes
        self.randomize = randomize
        self.n_jobs = n_jobs
        self.random_state = random_state
        self._booster_params = booster_params

    # -- fitting -----------------------------------------------------------------------

    def _check_params(self):
        """The levels; ``ValueError`` naming the estimator and the parameter otherwise."""
        name = type(self).__name__
        levels = self._check_common_params()
        try:
            loss = get_loss(self.distribution)
        except ValueError as error:
            raise ValueError(f"{name}: distribution == {self.distribution!r}: {error}") from None
        if not isinstance(loss, DistributionLoss):
            raise ValueError(f"{name}: distribution == {self.distribution!r} is not a "
                             "distribution loss; use normal, student_t, lognormal, "
                             "gamma_distribution or negative_binomial.")
        if not isinstance(self.cv_rounds, numbers.Integral) or self.cv_rounds < 2:
            raise ValueError(f"{name}: cv_rounds == {self.cv_rounds!r}; must be an integer "
                             ">= 2.")
        for key in ("loss", "objective", "num_class"):
            if key in self._booster_params:
                raise ValueError(f"{name}: {key}={self._booster_params[key]!r}: the model "
                                 "trains the distribution's loss (distribution=), one raw "
                                 "score per parameter.")
        return levels, loss

    def _model(self, seed, tree_size=None, n_estimators=None):
        common = dict(n_estimators=n_estimators or self.n_estimators,
                      learning_rate=self.learning_rate, random_state=seed, n_jobs=self.n_jobs,
                      **(tree_size or {}))
        if self.booster == "lightgbm":
            from .lightgbm import LGBMRegressor

            return LGBMRegressor(loss=self.loss_, **{"verbose": -1, **common,
                                                      **self._booster_params})
        from .xgboost import XGBRegressor

        params = {"tree_method": "hist", "enable_categorical": True, **common,
                  **self._booster_params}
        return XGBRegressor(loss=self.loss_, **params)

    def _fit_levels(self, X, y, sample_weight, rng):
        """The distribution model of these rows, in a list (the calibration's models)."""
        return [self._fit_distribution(X, y, sample_weight, rng)]

    def _fit_distribution(self, X, y, sample_weight, rng):
        """One distribution model, its rounds (and tree size) chosen on held-out rows as
        ``early_stopping`` says."""
        seed = int(rng.randint(2**31 - 1))
        fit, stops_early = self._stopping_split(X, y, sample_weight, rng)
        if stops_early:
            fitted = [fit(self._model(seed, size)) for size in self._tree_sizes()]
            return min(fitted, key=held_out_loss) if len(fitted) > 1 else fitted[0]
        if self.early_stopping == "auto" and len(y) >= 2 * self.cv_rounds:
            size, rounds = self._cross_validated_rounds(X, y, sample_weight, rng, seed)
            return self._model(seed, size, rounds).fit(X, y, sample_weight=sample_weight)
        return fit(self._model(seed))

    def _cross_validated_rounds(self, X, y, sample_weight, rng, seed):
        """(tree size, rounds) of the lowest negative log-likelihood summed over
        ``cv_rounds`` held-out folds, round by round (small data), each fold stopped early."""
        folds = KFold(self.cv_rounds, shuffle=True, random_state=rng.randint(2**31 - 1))
        splits = list(folds.split(np.empty((len(y), 1))))
        weight = np.ones(len(y)) if sample_weight is None else sample_weight
        best = (np.inf, None, self.n_estimators)
        patience = int(self.n_iter_no_change)
        for size in self._tree_sizes():
            # Each fold stops n_iter_no_change rounds past its own best: the summed curve
            # runs as far as the shortest, past every fold's best but the earliest one's
            # patience.
            curves = [held_out_curve(self._fit_held_out(self._model(seed, size), X, y,
                                                        sample_weight, kept, held_out,
                                                        patience)) * weight[held_out].sum()
                      for kept, held_out in splits]
            length = min(len(curve) for curve in curves)
            summed = np.sum([curve[:length] for curve in curves], axis=0)
            round_ = int(np.argmin(summed))
            if summed[round_] < best[0]:
                best = (summed[round_], size, round_ + 1)
        return best[1], best[2]

    def fit(self, X, y, sample_weight=None):
        """Fit the distribution model (and calibrate its quantiles: ``calibration``)."""
        self.levels_, self.loss_ = self._check_params()
        X, y = self._validate(X, y)
        self.loss_.check_target(y)  # the distribution's domain, named
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        rng = check_random_state(self.random_state)
        self._calibrate(X, y, sample_weight, rng)
        if self.calibration_ == "cv+":  # the folds' models each saw part of the rows
            self.distribution_model_ = self._fit_distribution(X, y, sample_weight, rng)
        else:
            self.distribution_model_ = self.models_[0]
        self.n_rounds_ = _rounds(self.distribution_model_)
        self._jitter_seed = int(rng.randint(2**31 - 1))  # the prediction's draws
        return self

    # -- prediction --------------------------------------------------------------------

    def _predict_levels(self, models, X):
        """The distribution's quantiles at ``levels_`` (the inverse CDF: non-decreasing)."""
        return np.sort(self.loss_.quantiles(_raw(models[0], X), self.levels_), axis=1)

    def predict_raw(self, X):
        """The model's raw scores (n, K), the parameters on their links (``loss_.outputs``),
        as the booster alone predicts them."""
        check_is_fitted(self, "distribution_model_")
        return _raw(self.distribution_model_, self._validate(X, reset=False))

    def predict_distribution(self, X):
        """Each row's distribution: a scipy.stats frozen distribution with one member per
        row (``.mean()``, ``.ppf(q)``, ``.cdf(t)``, ``.sf(t)``, ``.logpdf(y)`` / ``.logpmf``).
        """
        raw = self.predict_raw(X)
        return self.loss_.distribution(raw)

    def predict(self, X):
        """The mean of each row's distribution."""
        raw = self.predict_raw(X)
        return self.loss_.predict(raw)

    def predict_quantiles(self, X, levels=None):
        """(n, k) quantiles, non-decreasing along each row: at ``levels`` (the
        estimator's), calibrated where ``calibration`` is set; at other ``levels``, the
        distribution's own (only without calibration)."""
        check_is_fitted(self, "distribution_model_")
        if levels is not None:
            levels = np.asarray(levels, dtype=np.float64).reshape(-1)
            if levels.shape != self.levels_.shape or np.any(levels != self.levels_):
                if self.calibration_ is not None:
                    raise ValueError(f"{type(self).__name__}: levels {levels.tolist()} with "
                                     f"calibration={self.calibration!r}: only the fitted "
                                     f"levels {self.levels_.tolist()} are calibrated; set "
                                     "levels= before fitting, or read the uncalibrated "
                                     "quantiles off predict_distribution(X).ppf(level).")
                if not np.all((levels > 0) & (levels < 1)):
                    raise ValueError(f"{type(self).__name__}: levels {levels.tolist()} must "
                                     "lie in (0, 1).")
                return self.loss_.quantiles(self.predict_raw(X), levels)
        return self._quantiles(self._validate(X, reset=False))

    def predict_interval(self, X):
        """(n, 2): the quantiles at the first and last of ``levels``; lower <= upper."""
        return self.predict_quantiles(X)[:, [0, -1]]

    def negative_log_likelihood(self, X, y, sample_weight=None):
        """The (weighted) mean negative log-likelihood of targets ``y``."""
        raw = self.predict_raw(X)
        return self.loss_.metric(y, raw, sample_weight)

    def crps(self, X, y, sample_weight=None):
        """The (weighted) mean continuous ranked probability score of targets ``y`` (closed
        forms; not for the negative binomial)."""
        raw = self.predict_raw(X)
        values = self.loss_.crps(y, raw, sample_weight)
        total = len(values) if sample_weight is None else np.sum(sample_weight)
        return float(np.sum(values) / total)


def _raw(model, X):
    """A fitted booster estimator's raw scores (n, K) (its link is the identity)."""
    return np.asarray(model.predict(X), dtype=np.float64).reshape(X.shape[0], -1)


def _rounds(model):
    """The rounds a fitted model predicts with (its best, where it stopped early)."""
    best = getattr(model, "best_iteration_", None)  # LightGBM
    if best is None and hasattr(model, "best_iteration"):
        try:
            best = model.best_iteration + 1  # XGBoost: 0-based
        except AttributeError:  # XGBoost raises where there was no early stopping
            best = None
    return int(best) if best else int(model.n_estimators)
