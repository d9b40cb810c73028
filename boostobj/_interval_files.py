"""Saving a fitted ``QuantileIntervalRegressor`` as JSON and reading it back, without pickle:
its parameters, the calibration and each level model's booster in the booster's own text
form (LightGBM's model string, XGBoost's JSON model)."""

from __future__ import annotations

import json

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["load", "save"]


def save(estimator, path):
    """Write the fitted ``estimator`` to ``path`` (``QuantileIntervalRegressor.save_model``)."""
    check_is_fitted(estimator, "models_")
    cv_plus = estimator.calibration_ == "cv+"
    models = ([model for fold in estimator.models_ for model in fold] if cv_plus
              else estimator.models_)
    median = estimator.median_model_
    fitted = {
        "levels_": estimator.levels_.tolist(),
        "corrections_": estimator.corrections_.tolist(),
        "bin_edges_": estimator.bin_edges_.tolist(),
        "n_calibration_": int(estimator.n_calibration_),
        "n_features_in_": int(estimator.n_features_in_),
        "feature_names_in_": (estimator.feature_names_in_.tolist()
                              if hasattr(estimator, "feature_names_in_") else None),
        "width_floor": getattr(estimator, "_width_floor", None),
        "calibration_": estimator.calibration_,
        "resolution_": estimator.resolution_,
        "jitter_seed": estimator._jitter_seed,
        "models": [_booster_text(model) for model in models],
        "median_model": None if median is None else _booster_text(median),
    }
    if cv_plus:
        weight = estimator._calibration_weight
        fitted.update(fold_of_row=estimator._fold_of_row.tolist(),
                      scores=estimator._scores.tolist(),
                      calibration_weight=None if weight is None else np.asarray(weight).tolist())
    params = {key: _json_value(value) for key, value in estimator.get_params().items()}
    document = {"format": _SAVE_FORMAT, "version": _SAVE_VERSION, "params": params,
                "fitted": fitted}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle)


def load(cls, path):
    """The estimator of class ``cls`` saved at ``path`` (``load_model``)."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        valid = (isinstance(document, dict) and document.get("format") == _SAVE_FORMAT)
    except (UnicodeDecodeError, json.JSONDecodeError):
        valid = False
    if not valid:
        raise ValueError(f"{path}: not a saved {cls.__name__} (save_model writes one)")
    if document.get("version") != _SAVE_VERSION:
        raise ValueError(f"{path}: version {document.get('version')!r}; this boostobj "
                         f"reads version {_SAVE_VERSION}")
    params, fitted = document["params"], document["fitted"]
    estimator = cls(**params)
    booster = params["booster"]
    estimator.levels_ = np.asarray(fitted["levels_"], dtype=np.float64)
    estimator.corrections_ = np.asarray(fitted["corrections_"], dtype=np.float64)
    estimator.bin_edges_ = np.asarray(fitted["bin_edges_"], dtype=np.float64)
    estimator.n_calibration_ = fitted["n_calibration_"]
    estimator.n_features_in_ = fitted["n_features_in_"]
    if fitted["feature_names_in_"] is not None:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    if fitted["width_floor"] is not None:
        estimator._width_floor = fitted["width_floor"]
    estimator.calibration_ = fitted["calibration_"]
    estimator.resolution_ = fitted["resolution_"]
    estimator._jitter_seed = fitted["jitter_seed"]
    models = [_SavedBooster(booster, text) for text in fitted["models"]]
    if estimator.calibration_ == "cv+":
        k = estimator.levels_.size
        estimator.models_ = [models[i:i + k] for i in range(0, len(models), k)]
        estimator._fold_of_row = np.asarray(fitted["fold_of_row"], dtype=np.intp)
        estimator._scores = np.asarray(fitted["scores"], dtype=np.float64)
        weight = fitted["calibration_weight"]
        estimator._calibration_weight = (None if weight is None
                                         else np.asarray(weight, dtype=np.float64))
    else:
        estimator.models_ = models
    estimator.median_model_ = (None if fitted["median_model"] is None
                               else _SavedBooster(booster, fitted["median_model"]))
    return estimator


# Version 2: the calibration chosen ("auto"), the randomisation of tied targets, early stopping.
_SAVE_FORMAT, _SAVE_VERSION = "boostobj-intervals", 2


def _json_value(value):
    """``value`` as JSON holds it: tuples as lists, other objects as their ``repr``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    return repr(value)


def _booster_text(model):
    """A fitted drop-in regressor's (or a saved one's) booster in the booster's own text."""
    if isinstance(model, _SavedBooster):
        return model.text
    if hasattr(model, "booster_"):  # LightGBM: up to the best round, where it stopped early
        return model.booster_.model_to_string()
    booster = model.get_booster()
    best = getattr(model, "best_iteration", None)
    if best is not None:  # XGBoost's Booster.predict would use every round kept
        booster = booster[: best + 1]
    return bytes(booster.save_raw("json")).decode("utf-8")


class _SavedBooster:
    """A level's model read back from its booster text: ``predict(X)`` gives its quantile
    (the identity link: the raw score)."""

    def __init__(self, booster, text):
        self.booster, self.text = booster, text
        if booster == "lightgbm":
            import lightgbm as lgb

            self._model = lgb.Booster(model_str=text)
        else:
            import xgboost as xgb

            self._model = xgb.Booster()
            self._model.load_model(bytearray(text.encode("utf-8")))

    def predict(self, X):
        if self.booster == "lightgbm":
            return np.asarray(self._model.predict(X), dtype=np.float64)
        import xgboost as xgb

        return np.asarray(self._model.predict(xgb.DMatrix(X, enable_categorical=True)),
                          dtype=np.float64)
