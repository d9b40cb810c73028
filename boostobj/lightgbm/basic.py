"""What boostobj reads of LightGBM's Datasets and parameters: labels, weights, query groups
and soft labels of a Dataset, LightGBM's aliases of the parameters boostobj looks at, and the
built-in objective whose output conversion is each link."""

from __future__ import annotations

import weakref

import lightgbm as lgb
import numpy as np

from .._boosters import lightgbm_model

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


BOOSTING_KEYS = ("boosting", "boosting_type", "boost")


LINEAR_TREE_KEYS = ("linear_tree", "linear_trees")


THREAD_KEYS = ("num_threads", "num_thread", "nthread", "nthreads", "n_jobs")


LEARNING_RATE_KEYS = ("learning_rate", "shrinkage_rate", "eta")


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
