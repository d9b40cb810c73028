"""Models the command line saves, and how it predicts with them on new rows.

A saved model is two files side by side:

- the model itself: for ``fit``, the booster's own file (``NAME.json`` for XGBoost,
  ``NAME.txt`` for LightGBM), which plain XGBoost / LightGBM load and predict with (features
  in the order below, text columns as their level codes); for ``intervals``, ``NAME.json``
  (``QuantileIntervalRegressor.save_model``: the boosters' own model texts and the
  calibration, read back without unpickling anything), or ``NAME.joblib`` where the user
  asks for a pickle (``joblib.load`` gives the estimator back; ``predict`` loads one only with
  ``--allow-pickle``, since loading a pickle runs whatever it holds);
- ``NAME.boostobj.json``, what predicting on a new CSV needs: ``format``
  ("boostobj-model") and ``version`` (2), ``kind`` ("booster" or "intervals"),
  ``booster``, ``model_file`` (the file above: a name in the same folder), ``loss`` (its
  spec), ``target``, ``features`` (the CSV's column names, in the model's order),
  ``booster_features`` (the names the booster file holds: the same with characters the
  boosters refuse replaced by ``_``), ``categories`` (each text column's levels; a level's
  code is its position), ``classes`` (class names, for classification losses, in the order
  of the model's classes), ``id_column``, ``group_column`` and ``levels`` (interval models),
  ``model_sha256`` (the model file's SHA-256) and ``description_sha256`` (that of this
  description without the field), which ``predict`` checks before it reads either file.

Files are written to a temporary name and renamed, so an interrupted or failed save leaves
no half-written model.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from .errors import CommandError
from .files import check_writes, write_atomically

__all__ = ["booster_feature_names", "check_model_path", "metadata_path", "PICKLE_SUFFIXES",
           "save", "save_estimator", "SavedModel"]

FORMAT, VERSION = "boostobj-model", 2
METADATA_SUFFIX = ".boostobj.json"
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
_REQUIRED = ("kind", "booster", "model_file", "loss", "target", "features", "booster_features",
             "categories", "classes", "model_sha256")


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


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _description_digest(metadata):
    fields = {key: value for key, value in metadata.items() if key != "description_sha256"}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_model_path(option, model_path, reads):
    """``CommandError`` before any training where saving a model at ``model_path`` would
    write over a file the command reads (``reads``: role -> path), name a model description
    as the model, or replace the description of another model (``NAME.txt`` and
    ``NAME.json`` share ``NAME.boostobj.json``)."""
    model_path = Path(model_path)
    if model_path.is_dir():
        raise CommandError(f"{option} {model_path}: is a folder; give a file name")
    if model_path.name.endswith(METADATA_SUFFIX):
        raise CommandError(f"{option} {model_path}: that is the name of a model's description "
                           f"({METADATA_SUFFIX}); give the model file's name, such as "
                           f"{model_path.name[:-len(METADATA_SUFFIX)]}.txt")
    meta_path = metadata_path(model_path)
    check_writes({option: model_path, f"its description {meta_path.name}": meta_path}, reads)
    if meta_path.exists():
        try:
            described = json.loads(meta_path.read_text(encoding="utf-8")).get("model_file")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            described = None
        if described is None:
            raise CommandError(f"{option} {model_path}: {meta_path} exists and is not a "
                               "boostobj model description; boostobj will not write over it: "
                               "choose another name")
        if described != model_path.name:
            raise CommandError(f"{option} {model_path}: {meta_path} describes another model, "
                               f"{described}, and saving would replace it: choose another "
                               "name")


def save(model_path, metadata, write_model):
    """Write the model (``write_model(path)``) and its metadata beside it, each atomically,
    the metadata with both checksums. Returns the metadata file's path."""
    model_path = Path(model_path)
    write_atomically(model_path, write_model)
    metadata = {"format": FORMAT, "version": VERSION, **metadata,
                "model_file": model_path.name, "model_sha256": _sha256(model_path)}
    metadata["description_sha256"] = _description_digest(metadata)
    meta_path = metadata_path(model_path)

    def write_metadata(path):
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(metadata, handle, indent=2)
            handle.write("\n")

    write_atomically(meta_path, write_metadata)
    return meta_path


def save_estimator(model_path, metadata, estimator):
    """An interval model: ``estimator.save_model`` (or ``joblib.dump`` for a pickle suffix),
    and its metadata."""
    def write(path):
        if Path(model_path).suffix in PICKLE_SUFFIXES:
            import joblib

            joblib.dump(estimator, path)
        else:
            estimator.save_model(path)

    return save(model_path, metadata, write)


class SavedModel:
    """A model saved by the command line, loaded for predictions on new rows."""

    def __init__(self, path, allow_pickle=False):
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
        if not isinstance(self.meta, dict) or self.meta.get("format") != FORMAT:
            raise ValueError(f"{meta_path}: not a boostobj model description")
        if self.meta.get("version") != VERSION:
            raise ValueError(f"{meta_path}: version {self.meta.get('version')!r}; this "
                             f"boostobj reads version {VERSION} (fit the model again)")
        missing = [key for key in _REQUIRED if key not in self.meta]
        if missing:
            raise ValueError(f"{meta_path}: no {missing[0]!r} entry; it is not a description "
                             "boostobj wrote (fit the model again)")
        if self.meta.get("description_sha256") != _description_digest(self.meta):
            raise ValueError(f"{meta_path}: changed after boostobj wrote it (its checksum does "
                             "not match); predictions from an edited description would be "
                             "wrong: fit the model again")
        name = self.meta["model_file"]
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            raise ValueError(f"{meta_path}: model_file {name!r} is not a file name in its "
                             "folder")
        self.model_file = meta_path.parent / name
        given = Path(path)
        if given != meta_path and given.name != name:
            raise ValueError(f"{given}: {meta_path.name} beside it describes {name}, another "
                             f"model; predict with {self.model_file} (two models share the "
                             "description's name)")
        if not self.model_file.is_file():
            raise ValueError(f"{meta_path}: its model file {self.model_file} is missing")
        if _sha256(self.model_file) != self.meta["model_sha256"]:
            raise ValueError(f"{self.model_file}: changed after boostobj saved it (its "
                             f"checksum is not the one in {meta_path.name}): damaged, "
                             "truncated or edited; fit the model again")
        if self.meta["booster_features"] != booster_feature_names(self.meta["features"]):
            raise ValueError(f"{meta_path}: its features and booster_features disagree")
        self.pickled = self.model_file.suffix in PICKLE_SUFFIXES
        if self.pickled and not allow_pickle:
            raise ValueError(f"{self.model_file}: a pickle; loading one runs whatever code it "
                             "holds. Pass --allow-pickle only for a file you trust (written by "
                             "you), or save interval models as .json (the default)")

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
        if _is_distribution(loss):
            return ["prediction", *_distribution_columns(loss), "lower", "upper"]
        if meta.get("classes") is None:
            return ["prediction"]
        if loss.link.name == "sign":
            return ["class", "margin"]
        return ["class", *(f"P({name})" for name in meta["classes"])]

    def predict(self, X):
        """(class names or None, an (n, k) float array) for the columns of ``columns``."""
        meta = self.meta
        if meta["kind"] == "intervals":
            if self.pickled:
                import joblib

                estimator = joblib.load(self.model_file)  # reads plain pickles (.pkl) too
            else:
                from ..intervals import QuantileIntervalRegressor

                estimator = QuantileIntervalRegressor.load_model(self.model_file)
            quantiles = estimator.predict_quantiles(X)
            return None, np.column_stack([estimator.predict(X), quantiles,
                                          quantiles[:, [0, -1]]])
        loss = self.loss()
        raw = self.raw_score(X)
        if _is_distribution(loss):
            parameters = loss.parameters_of(raw)
            return None, np.column_stack(
                [loss.predict(raw), *(parameters[name] for name in _distribution_columns(loss)),
                 loss.quantiles(raw, DISTRIBUTION_LEVELS)])
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


# The interval the predictions of a distribution loss hold: its 5% and 95% quantiles.
DISTRIBUTION_LEVELS = (0.05, 0.95)


def _is_distribution(loss):
    """Whether ``loss`` predicts a distribution (one raw score per parameter)."""
    return bool(getattr(loss, "outputs", ())) and hasattr(loss, "parameters_of")


def _distribution_columns(loss):
    """The distribution's parameters that vary by row, by their scipy.stats names."""
    parameters = loss.parameters_of(np.zeros((1, len(loss.outputs))))
    return [name for name, value in parameters.items() if np.ndim(value)]

