"""Models the command line saves, and how it predicts with them on new rows.

A saved model is two or three files side by side:

- the model itself: for ``fit``, the booster's own file (``NAME.json`` for XGBoost,
  ``NAME.txt`` for LightGBM), which plain XGBoost / LightGBM load and predict with (features
  in the order below, text columns as their level codes); for ``intervals``, ``NAME.joblib``,
  the fitted ``QuantileIntervalRegressor`` (``joblib.dump``; ``joblib.load`` gives it back,
  with boostobj installed; models saved as ``.pkl`` pickles load too);
- ``NAME.boostobj.json``, what predicting on a new CSV needs: ``format``
  ("boostobj-model") and ``version`` (1), ``kind`` ("booster" or "intervals"),
  ``booster``, ``model_file`` (the file above, next to this one), ``loss`` (its spec),
  ``target``, ``features`` (the CSV's column names, in the model's order),
  ``booster_features`` (the names the booster file holds: the same with characters the
  boosters refuse replaced by ``_``), ``categories`` (each text column's levels; a level's
  code is its position), ``classes`` (class names, for classification losses, in the order
  of the model's classes), ``id_column`` and ``levels`` (interval models).

Files are written to a temporary name and renamed, so an interrupted or failed save leaves
no half-written model.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import joblib
import numpy as np

__all__ = ["booster_feature_names", "metadata_path", "save", "save_estimator", "SavedModel",
           "write_atomically"]

FORMAT, VERSION = "boostobj-model", 1
METADATA_SUFFIX = ".boostobj.json"


def metadata_path(model_path):
    """``NAME.boostobj.json`` beside ``NAME.json`` / ``NAME.txt`` / ``NAME.joblib``."""
    model_path = Path(model_path)
    if model_path.name.endswith(METADATA_SUFFIX):
        return model_path
    return model_path.with_name(model_path.stem + METADATA_SUFFIX)


def booster_feature_names(names):
    """Feature names both boosters accept: characters other than letters, digits and ``_``
    become ``_``, and repeats get a suffix."""
    cleaned, seen = [], set()
    for name in names:
        base = re.sub(r"[^0-9A-Za-z_]", "_", str(name)) or "feature"
        candidate, k = base, 1
        while candidate in seen:
            k += 1
            candidate = f"{base}_{k}"
        seen.add(candidate)
        cleaned.append(candidate)
    return cleaned


def write_atomically(path, write):
    """``write(temporary_path)``, then the file is renamed to ``path``; nothing is left
    behind when ``write`` fails."""
    path = Path(path)
    # the same suffix: XGBoost picks its file format by it
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix,
                                         dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save(model_path, metadata, write_model):
    """Write the model (``write_model(path)``) and its metadata beside it, each atomically.
    Returns the metadata file's path."""
    model_path = Path(model_path)
    metadata = {"format": FORMAT, "version": VERSION, **metadata,
                "model_file": model_path.name}
    write_atomically(model_path, write_model)
    meta_path = metadata_path(model_path)

    def write_metadata(path):
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(metadata, handle, indent=2)
            handle.write("\n")

    write_atomically(meta_path, write_metadata)
    return meta_path


def save_estimator(model_path, metadata, estimator):
    """An interval model: the fitted estimator (``joblib.dump``), and its metadata."""
    def write(path):
        joblib.dump(estimator, path)

    return save(model_path, metadata, write)


class SavedModel:
    """A model saved by the command line, loaded for predictions on new rows."""

    def __init__(self, path):
        meta_path = metadata_path(path)
        if not meta_path.is_file():
            raise ValueError(f"{path}: no {meta_path.name} beside it; give the model that "
                             "`boostobj fit` or `boostobj intervals` saved (or its "
                             f"{METADATA_SUFFIX} file)")
        try:
            self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            message = f"{meta_path}: not a boostobj model description ({error})"
            raise ValueError(message) from None
        if self.meta.get("format") != FORMAT:
            raise ValueError(f"{meta_path}: not a boostobj model description")
        if self.meta.get("version") != VERSION:
            raise ValueError(f"{meta_path}: version {self.meta.get('version')!r}; this "
                             f"boostobj reads version {VERSION}")
        self.model_file = meta_path.parent / self.meta["model_file"]
        if not self.model_file.is_file():
            raise ValueError(f"{meta_path}: its model file {self.model_file} is missing")

    @property
    def features(self):
        """The CSV's feature column names, in the model's order."""
        return self.meta["features"]

    def columns(self):
        """The names of the prediction columns ``predict`` returns."""
        meta = self.meta
        if meta["kind"] == "intervals":
            return ["prediction", *(f"q{level:g}" for level in meta["levels"]), "lower",
                    "upper"]
        loss = self.loss()
        if getattr(loss, "grouped", False):
            return ["score"]
        if meta.get("classes") is None:
            return ["prediction"]
        if loss.link.name == "sign":
            return ["class", "margin"]
        return ["class", *(f"P({name})" for name in meta["classes"])]

    def predict(self, X):
        """(class names or None, an (n, k) float array) for the columns of ``columns``."""
        meta = self.meta
        if meta["kind"] == "intervals":
            estimator = joblib.load(self.model_file)  # reads plain pickles (.pkl) too
            quantiles = estimator.predict_quantiles(X)
            return None, np.column_stack([estimator.predict(X), quantiles,
                                          quantiles[:, [0, -1]]])
        loss = self.loss()
        raw = self.raw_score(X)
        if getattr(loss, "grouped", False) or meta.get("classes") is None:
            values = raw if getattr(loss, "grouped", False) else loss.predict(raw)
            return None, np.asarray(values, dtype=np.float64).reshape(-1, 1)
        classes = np.asarray(meta["classes"])
        if loss.link.name == "sign":
            return classes[(raw > 0).astype(int)], raw.reshape(-1, 1)
        probability = loss.predict(raw)
        if probability.ndim == 1:
            probability = np.column_stack([1.0 - probability, probability])
        return classes[np.argmax(probability, axis=1)], probability

    def loss(self):
        """The model's loss (``ValueError`` naming ``--loss-module`` for an unknown one)."""
        from ..losses import get_loss

        try:
            return get_loss(self.meta["loss"])
        except ValueError as error:
            if "Unknown loss" not in str(error):
                raise
            raise ValueError(f"the model's loss {self.meta['loss']!r} is not a known loss: "
                             "pass --loss-module FILE, the file that registers it "
                             "(boostobj.register_loss)") from None

    def raw_score(self, X):
        """The booster's raw scores (margins) of the rows ``X`` (features in order)."""
        if self.meta["booster"] == "xgboost":
            import xgboost as xgb

            booster = xgb.Booster(model_file=str(self.model_file))
            matrix = xgb.DMatrix(X, feature_names=self.meta["booster_features"])
            return booster.predict(matrix, output_margin=True).astype(np.float64)
        import lightgbm as lgb

        booster = lgb.Booster(model_file=str(self.model_file))
        return np.asarray(booster.predict(X, raw_score=True), dtype=np.float64)
