"""What boostobj reads of LightGBM's Datasets and parameters: labels, weights, query groups
and soft labels of a Dataset, LightGBM's aliases of the parameters boostobj looks at, the
built-in objective whose output conversion is each link, LightGBM's objective names, and its
built-in metrics by name (computed here on the response scale for a model trained on a loss).
"""

from __future__ import annotations

import weakref

import lightgbm as lgb
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from .. import metrics
from .._boosters import lightgbm_model
from .._boosters.options import check_continued_link, first_param, monotone_signs
from .._numerics import weighted_mean
from ..losses import BaseLoss, get_loss

__all__ = ["soft_label_dataset"]

# The built-in objective whose output conversion is the loss's inverse link. ``train`` writes
# it into the model so plain LightGBM predicts on the response scale (``{K}``: the number of
# classes). Identity needs none: those models give raw scores. A margin loss (sign link)
# gets σ in a classifier, as a score.
LINK_OBJECTIVES = {
    "log": "poisson",
    "logit": "binary sigmoid:1",
    "half_logit": "binary sigmoid:2",
    "sign": "binary sigmoid:1",
    "softmax": "multiclass num_class:{K}",
}


# LightGBM's aliases of the parameters boostobj looks at.
NUM_CLASS_KEYS = ("num_class", "num_classes")


OBJECTIVE_KEYS = ("objective", "objective_type", "app", "application", "loss")


METRIC_KEYS = ("metric", "metrics", "metric_types")


# LightGBM's objective names (and their aliases). ``loss`` is one of LightGBM's aliases of
# ``objective``: a drop-in's ``loss=`` that names one of these and no boostobj loss (or is a
# plain function) is LightGBM's, and the parent trains it.
LIGHTGBM_OBJECTIVES = frozenset((
    "regression", "regression_l2", "l2", "mean_squared_error", "mse", "l2_root",
    "root_mean_squared_error", "rmse", "regression_l1", "l1", "mean_absolute_error", "mae",
    "huber", "fair", "poisson", "quantile", "mape", "mean_absolute_percentage_error", "gamma",
    "tweedie", "binary", "multiclass", "softmax", "multiclassova", "multiclass_ova", "ova",
    "ovr", "cross_entropy", "xentropy", "cross_entropy_lambda", "xentlambda", "lambdarank",
    "rank_xendcg", "xendcg", "xe_ndcg", "xe_ndcg_mart", "xendcg_mart", "custom", "none"))


def is_lightgbm_objective(loss):
    """Whether a drop-in's ``loss=`` is LightGBM's alias of ``objective`` rather than a
    boostobj loss: a plain callable, or a LightGBM objective name that boostobj does not
    know (``"mape"``, ``"binary"``, ``"lambdarank"``)."""
    if loss is None or isinstance(loss, BaseLoss):
        return False
    if callable(loss):
        return True
    if not isinstance(loss, str) or loss.strip().lower() not in LIGHTGBM_OBJECTIVES:
        return False
    try:
        get_loss(loss)
    except ValueError:
        return True
    return False


BOOSTING_KEYS = ("boosting", "boosting_type", "boost")


LINEAR_TREE_KEYS = ("linear_tree", "linear_trees")


THREAD_KEYS = ("num_threads", "num_thread", "nthread", "nthreads", "n_jobs")


LEARNING_RATE_KEYS = ("learning_rate", "shrinkage_rate", "eta")


# The leaf penalties and constraints a renewed leaf obeys as LightGBM's own leaves do.
LAMBDA_L2_KEYS = ("lambda_l2", "reg_lambda", "lambda", "l2_regularization")
LAMBDA_L1_KEYS = ("lambda_l1", "reg_alpha", "l1_regularization")
MAX_DELTA_STEP_KEYS = ("max_delta_step", "max_tree_output", "max_leaf_output")
MONOTONE_KEYS = ("monotone_constraints", "mc", "monotone_constraint", "monotonic_cst")


def check_init_model(caller, loss, init_model):
    """Refuse continuing ``init_model`` (a Booster, a fitted estimator or a model file)
    whose raw scores are on another scale than ``loss``'s."""
    if init_model is None:
        return
    booster = init_model
    if isinstance(booster, lgb.LGBMModel):
        booster = booster.booster_
    elif not isinstance(booster, lgb.Booster):
        booster = lgb.Booster(model_file=str(booster))
    recorded = LINK_OBJECTIVES.get(loss.link.name, "none")
    check_continued_link(caller, loss, "init_model", lightgbm_model.objective_link(booster),
                         lightgbm_model.objective_link(recorded))


def monotone_constraints(params, caller="boostobj.lightgbm"):
    """The ``monotone_constraints`` of LightGBM ``params`` as a tuple of -1, 0, 1 (empty
    when unset), or a ``ValueError`` naming a value LightGBM would misread: it parses a
    string as comma-separated integers, so ``"[1,0,0]"`` would be no constraint at all."""
    for key in MONOTONE_KEYS:
        value = params.get(key)
        if value is None:
            continue
        # LightGBM reads text as bare comma-separated integers, and takes no feature names.
        enclosed = isinstance(value, str) and value.strip()[:1] in ("(", "[")
        try:
            if enclosed or isinstance(value, dict):
                raise ValueError(value)
            return monotone_signs(value)
        except ValueError:
            raise ValueError(f"{caller}: {key}={value!r}: give one of -1, 0, 1 per feature, as "
                             "a list or a comma-separated string such as '1,0,-1'.") from None
    return ()


def dataset_field(dataset, name):
    """A field of a Dataset (``label``, ``weight``, ``init_score``): what it was given before
    construction (``get_field`` would raise then), LightGBM's afterwards."""
    value = getattr(dataset, name, None)
    if value is None and lightgbm_model.is_constructed(dataset):
        value = dataset.get_field(name)
    return value


# Soft labels of each Dataset (LightGBM keeps one label per row), weakly keyed.
_SOFT_LABELS = weakref.WeakKeyDictionary()


def soft_label_dataset(data, probabilities, **dataset_params):
    """An ``lgb.Dataset`` whose targets are an (n, K) matrix of class probabilities.

    LightGBM stores one label per row, so the Dataset gets the most probable class as its
    label (what LightGBM's own checks and metrics see) and boostobj keeps the matrix beside
    it: ``soft_label`` and ``kl_divergence`` objectives and metrics read the matrix for this
    Dataset. Pass validation sets the same way (with ``reference=train_set``).
    Other keyword arguments go to ``lgb.Dataset``.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2:
        raise ValueError("soft_label_dataset: probabilities must be an (n, K) matrix, got "
                         f"shape {probabilities.shape}.")
    if "label" in dataset_params:
        raise ValueError("soft_label_dataset: the label is set from probabilities; do not "
                         "pass label.")
    dataset = lgb.Dataset(data, label=np.argmax(probabilities, axis=1), **dataset_params)
    _SOFT_LABELS[dataset] = probabilities
    return dataset


def dataset_targets(dataset):
    """What a loss needs of a Dataset: (labels, weights or None, group sizes or None); the
    labels are the soft-label matrix of a ``soft_label_dataset``."""
    labels = _SOFT_LABELS.get(dataset)
    if labels is None:
        labels = dataset_field(dataset, "label")
    group = getattr(dataset, "group", None)  # sizes, as given
    if group is None and lightgbm_model.is_constructed(dataset):
        group = dataset.get_group()
    return labels, dataset_field(dataset, "weight"), group


def _l2(y, prediction, weight, params):
    return metrics.rmse(y, prediction, weight) ** 2


def _quantile(y, prediction, weight, params):
    alpha = first_param(params, ("alpha",), 0.9)
    residual = np.asarray(y, dtype=np.float64) - prediction
    return weighted_mean(np.maximum(alpha * residual, (alpha - 1.0) * residual), weight)


def _huber(y, prediction, weight, params):
    alpha = first_param(params, ("alpha",), 0.9)
    residual = np.abs(np.asarray(y, dtype=np.float64) - prediction)
    values = np.where(residual <= alpha, 0.5 * residual * residual,
                      alpha * (residual - 0.5 * alpha))
    return weighted_mean(values, weight)


def _fair(y, prediction, weight, params):
    c = first_param(params, ("fair_c",), 1.0)
    residual = np.abs(np.asarray(y, dtype=np.float64) - prediction) / c
    return weighted_mean(c * c * (residual - np.log1p(residual)), weight)


def _poisson(y, prediction, weight, params):
    prediction = np.maximum(prediction, 1e-10)  # LightGBM's floor
    return weighted_mean(prediction - np.asarray(y, dtype=np.float64) * np.log(prediction),
                         weight)


def _mape(y, prediction, weight, params):
    y = np.asarray(y, dtype=np.float64)
    return weighted_mean(np.abs(y - prediction) / np.maximum(1.0, np.abs(y)), weight)


def _auc(y, prediction, weight, params):
    return float(roc_auc_score(y, prediction, sample_weight=weight))


def _average_precision(y, prediction, weight, params):
    return float(average_precision_score(y, prediction, sample_weight=weight))


# LightGBM's built-in metrics, by the name it reports them under: computed on the response
# scale (what LightGBM's own metrics see with a built-in objective) for a model trained on a
# boostobj loss, whose raw scores LightGBM's metrics would read without the start. Each is
# (value(y, prediction, weight, params), higher is better).
BUILTIN_METRICS = {
    "l1": (lambda y, p, w, params: weighted_mean(np.abs(np.asarray(y, np.float64) - p), w),
           False),
    "l2": (_l2, False),
    "rmse": (lambda y, p, w, params: metrics.rmse(y, p, w), False),
    "quantile": (_quantile, False),
    "huber": (_huber, False),
    "fair": (_fair, False),
    "poisson": (_poisson, False),
    "mape": (_mape, False),
    "binary_logloss": (lambda y, p, w, params: metrics.log_loss(y, p, w), False),
    "binary_error": (lambda y, p, w, params: metrics.error_rate(y, p, w), False),
    "auc": (_auc, True),
    "average_precision": (_average_precision, True),
    "multi_logloss": (lambda y, p, w, params: metrics.log_loss(y, p, w), False),
    "multi_error": (lambda y, p, w, params: metrics.error_rate(y, p, w), False),
    "cross_entropy": (lambda y, p, w, params: metrics.log_loss(y, p, w), False),
}

# LightGBM's aliases of those metric names (its config's ``ParseMetricAlias``).
METRIC_ALIASES = {
    "regression_l1": "l1", "mean_absolute_error": "l1", "mae": "l1",
    "regression": "l2", "regression_l2": "l2", "mean_squared_error": "l2", "mse": "l2",
    "l2_root": "rmse", "root_mean_squared_error": "rmse",
    "mean_absolute_percentage_error": "mape",
    "binary": "binary_logloss",
    "multiclass": "multi_logloss", "softmax": "multi_logloss",
    "xentropy": "cross_entropy",
}

# Metric values that mean "no metric".
NO_METRIC = ("none", "", "null", "na")


def builtin_metric_name(name):
    """LightGBM's name for a metric given under any of its aliases; None for "none"."""
    name = str(name).strip().lower()
    return None if name in NO_METRIC else METRIC_ALIASES.get(name, name)
