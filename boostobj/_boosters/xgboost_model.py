"""Every read and write of XGBoost's model form and internals, in one place.

Each function names what it relies on; ``tests/test_booster_internals.py`` exercises each
one, so a release of XGBoost that changes any of them fails there, loudly, instead of
training silently wrong models. Relied on (checked against XGBoost 2.1 - 3.2):

- the model JSON: ``learner.gradient_booster.model.trees[i]`` with ``split_conditions``
  and ``base_weights`` per node (a leaf's value is its split condition);
  ``learner.learner_model_param.base_score`` on the objective's response scale, and
  ``learner.objective.name``;
- the config JSON: ``learner.gradient_booster.tree_train_param`` with ``eta``, ``lambda``,
  ``alpha``, ``max_delta_step``, ``monotone_constraints`` (as text, "(1,0,-1)");
- a tree's JSON: ``left_children``/``right_children`` (-1 at a leaf), ``split_indices``,
  ``split_conditions``, ``split_type`` (1: categorical); ``predict(pred_leaf=True)`` gives
  node ids; ``iteration_range`` must start at 0 for it, and a one-tree slice loses the
  model's categories (so a categorical DMatrix is read through the whole model);
- ``validate_parameters`` warns "Parameters: { ... } are not used" at the first update;
- the scikit-learn estimators keep their booster in ``_Booster``;
- ``Booster.eval_set`` calls a custom metric once per evaluation set, in the order given;
- a DMatrix's query groups are its ``group_ptr`` (``get_uint_info``), its weights one per
  group where it has groups;
- distributed training (``xgboost.dask``) calls the objective, the metric and the callbacks
  on every worker inside ``xgboost.collective``, the same number of times on each, and
  averages a custom metric over the workers (``callback._allreduce_metric``).
"""

from __future__ import annotations

import json

import numpy as np
import xgboost as xgb

from .._numerics import expit, logit, safe_exp
from ..losses import Groups
from .renewal import TreeLeaves

# Objectives whose base_score XGBoost reads on the response scale, and the link that takes
# it to a margin.
_RESPONSE_SCALE = {
    "reg:gamma": "log", "reg:tweedie": "log", "count:poisson": "log",
    "binary:logistic": "logit", "reg:logistic": "logit",
}


class ModelFormChanged(RuntimeError):
    """XGBoost's model form is not what boostobj relies on (a new release changed it)."""


def dmatrix_targets(dmatrix):
    """What a loss needs of a DMatrix: (labels, weights or None, query groups or None).

    Weights are one per group where the DMatrix has groups (``group_ptr``), as XGBoost
    keeps them."""
    weight = dmatrix.get_weight()
    group_ptr = dmatrix.get_uint_info("group_ptr")
    groups = Groups.from_ptr(group_ptr, caller="XGBoost DMatrix") if group_ptr.size else None
    return dmatrix.get_label(), (weight if weight.size else None), groups


def _model(booster):
    return json.loads(booster.save_raw("json"))


def _load(model):
    booster = xgb.Booster()
    booster.load_model(bytearray(json.dumps(model).encode()))
    return booster


def _learner(model, what):
    try:
        return model["learner"]
    except KeyError as error:
        raise ModelFormChanged(f"XGBoost's model JSON has no 'learner' ({what}).") from error


def _trees(model, what):
    try:
        return _learner(model, what)["gradient_booster"]["model"]["trees"]
    except KeyError as error:
        raise ModelFormChanged("XGBoost's model JSON has no learner.gradient_booster.model."
                               f"trees ({what}); boostobj reads tree leaves there.") from error


def leaf_outputs(booster, tree, nodes):
    """The values of leaf ``nodes`` of tree ``tree`` (``split_conditions`` of the node)."""
    values = _trees(_model(booster[tree:tree + 1]), "leaf values")[0]["split_conditions"]
    return [values[node] for node in nodes]


def leaf_nodes(booster, tree):
    """(node ids, values) of the leaves of tree ``tree``: the nodes whose
    ``left_children`` is -1, and their ``split_conditions``."""
    nodes = _trees(_model(booster[tree:tree + 1]), "leaf values")[0]
    try:
        left, values = nodes["left_children"], nodes["split_conditions"]
    except KeyError as error:
        raise ModelFormChanged("XGBoost's tree JSON has no left_children or "
                               "split_conditions; boostobj reads a tree's leaves there."
                               ) from error
    ids = np.flatnonzero(np.asarray(left) == -1)
    return ids, np.asarray(values, dtype=np.float64)[ids]


def tree_leaves(booster, tree):
    """The leaves of tree ``tree`` as a :class:`TreeLeaves` (node ids, each leaf's value and
    box of feature values), read from the model JSON: ``left_children``/``right_children``
    (-1 at a leaf), ``split_indices``, ``split_conditions`` (a row goes left where its
    value is below it) and ``split_type`` (1: categorical, which bounds no interval)."""
    nodes = _trees(_model(booster[tree:tree + 1]), "tree structure")[0]
    try:
        left, right = nodes["left_children"], nodes["right_children"]
        feature, threshold = nodes["split_indices"], nodes["split_conditions"]
        kinds = nodes.get("split_type") or [0] * len(left)
    except KeyError as error:
        raise ModelFormChanged("XGBoost's tree JSON has no left_children, right_children, "
                               "split_indices or split_conditions; boostobj reads the tree's "
                               "splits there.") from error
    leaves = TreeLeaves()
    stack = [(0, {})]
    while stack:
        node, box = stack.pop()
        if left[node] == -1:  # a leaf's value is its split condition
            leaves.add(node, box, threshold[node])
        elif kinds[node] == 1:
            stack += [(left[node], box), (right[node], box)]
        else:
            sides = TreeLeaves.split(box, int(feature[node]), float(threshold[node]))
            stack += [(left[node], sides[0]), (right[node], sides[1])]
    return leaves


def tree_params(booster):
    """The tree parameters of ``booster``'s config (``tree_train_param``), as strings:
    ``eta``, ``lambda``, ``alpha``, ``max_delta_step``, ``monotone_constraints`` ..."""
    config = json.loads(booster.save_config())
    try:
        return config["learner"]["gradient_booster"]["tree_train_param"]
    except KeyError as error:
        raise ModelFormChanged("XGBoost's config has no learner.gradient_booster."
                               "tree_train_param; boostobj reads the learning rate and the "
                               "leaf penalties there.") from error


def learning_rate(booster):
    """The booster's learning rate (``tree_train_param.eta`` of its config)."""
    params = tree_params(booster)
    if "eta" not in params:
        raise ModelFormChanged("XGBoost's config has no learner.gradient_booster."
                               "tree_train_param.eta; boostobj reads the learning rate "
                               "there.")
    return float(params["eta"])


def with_leaf_values(booster, renewed):
    """A copy of ``booster`` with leaf values replaced: ``renewed`` maps a tree index to
    (leaf node ids, values). Trees past the model's end (cut by early stopping) are skipped;
    attributes (best_iteration, ...) travel in the JSON."""
    model = _model(booster)
    trees = _trees(model, "writing renewed leaves")
    for tree, (nodes, values) in renewed.items():
        if tree < len(trees):
            for node, value in zip(nodes, values, strict=True):
                trees[tree]["split_conditions"][node] = float(value)
                trees[tree]["base_weights"][node] = float(value)
    return _load(model)


def as_softprob(booster, n_classes):
    """A copy of a K-target booster that XGBoost reads as ``multi:softprob`` with K classes.

    Both keep one tree per class and round, in the same order; only the learner's header
    differs, so the trees and base scores are kept and the header rewritten.
    """
    model = _model(booster)
    learner = _learner(model, "relabelling as multi:softprob")
    learner["learner_model_param"]["num_class"] = str(n_classes)
    learner["learner_model_param"]["num_target"] = "1"
    learner["objective"] = {"name": "multi:softprob",
                            "softmax_multiclass_param": {"num_class": str(n_classes)}}
    return _load(model)


def _base_scores(learner):
    text = learner["learner_model_param"]["base_score"]
    return [float(value) for value in np.atleast_1d(json.loads(text))]


# The link of the raw scores of a model trained with each XGBoost objective (boostobj's
# models name the objective of their loss's link).
_OBJECTIVE_LINKS = {
    "reg:squarederror": "identity", "reg:linear": "identity", "reg:absoluteerror": "identity",
    "reg:quantileerror": "identity", "reg:pseudohubererror": "identity",
    "reg:squaredlogerror": "identity", "reg:gamma": "log", "count:poisson": "log",
    "reg:tweedie": "log", "survival:cox": "log", "binary:logistic": "logit",
    "reg:logistic": "logit", "binary:logitraw": "logit", "binary:hinge": "sign",
    "multi:softprob": "softmax", "multi:softmax": "softmax",
}


def objective_link(booster_or_name):
    """(objective name, the link of the raw scores of a model with that objective or None
    where unknown), of a Booster or an objective name."""
    name = (booster_or_name if isinstance(booster_or_name, str)
            else objective_name(booster_or_name))
    link = "identity" if name.startswith("rank:") else _OBJECTIVE_LINKS.get(name)
    return name, link


def objective_name(booster):
    """The name of the booster's objective (``learner.objective.name`` of its config)."""
    return _learner(json.loads(booster.save_config()), "objective")["objective"]["name"]


def to_margin(objective, base_score):
    """A base_score of ``objective`` (its response scale where it has one) as margins."""
    values = np.asarray(base_score, dtype=np.float64)
    link = _RESPONSE_SCALE.get(objective)
    if link == "log":
        return np.log(values)
    if link == "logit":
        return logit(values)
    return values


def from_margin(objective, margin):
    """Margins as the base_score ``objective`` takes (inverse of ``to_margin``)."""
    values = np.asarray(margin, dtype=np.float64)
    link = _RESPONSE_SCALE.get(objective)
    if link == "log":
        return safe_exp(values)
    if link == "logit":
        return expit(values)
    return values


def base_margin(booster):
    """The model's intercept as margins: a float, or a list (one per class or target)."""
    learner = _learner(json.loads(booster.save_config()), "base_score")
    try:
        values = to_margin(learner["objective"]["name"], _base_scores(learner))
    except KeyError as error:
        raise ModelFormChanged("XGBoost's config has no learner_model_param.base_score or "
                               "objective.name; boostobj reads the intercept there.") from error
    return float(values[0]) if values.size == 1 else [float(v) for v in values]


def with_base_margin(booster, margin):
    """A copy of ``booster`` whose intercept is ``margin`` (a float, or one per class),
    written on the scale its objective reads base_score on."""
    model = _model(booster)
    learner = _learner(model, "setting the intercept")
    try:
        objective = learner["objective"]["name"]
        values = from_margin(objective, np.atleast_1d(np.asarray(margin, dtype=np.float64)))
        learner["learner_model_param"]["base_score"] = json.dumps([float(v) for v in values])
    except KeyError as error:
        raise ModelFormChanged("XGBoost's model JSON has no learner.objective.name or "
                               "learner_model_param; boostobj writes the intercept "
                               "there.") from error
    return _load(model)


def with_objective(booster, objective):
    """A copy of ``booster`` that names ``objective``, its intercept unchanged as a margin.

    The scikit-learn estimators train a custom objective as ``reg:squarederror``; a loss
    with a log link gets ``reg:gamma`` this way, so the model (and plain XGBoost loading
    it) predicts on the response scale.
    """
    margin = np.atleast_1d(base_margin(booster))
    model = _model(booster)
    learner = _learner(model, "renaming the objective")
    learner["objective"] = {"name": objective}
    if objective == "reg:gamma":
        learner["objective"]["reg_loss_param"] = {"scale_pos_weight": "1"}
    values = from_margin(objective, margin)
    learner["learner_model_param"]["base_score"] = json.dumps([float(v) for v in values])
    return _load(model)


def set_fitted_booster(estimator, booster):
    """Make ``booster`` the fitted model of an XGBoost scikit-learn estimator."""
    estimator._Booster = booster
    if estimator.get_booster() is not booster:
        raise ModelFormChanged("XGBoost's scikit-learn estimator does not keep its booster "
                               "in _Booster; boostobj sets the fitted booster there.")


def evaluation_order(eval_set, X, y):
    """The keys of ``eval_set`` in the order XGBoost's scikit-learn API evaluates them each
    round: each entry in turn, ``"train"`` for one that is the training data itself."""
    return ["train" if eval_X is X and eval_y is y else ("eval", index)
            for index, (eval_X, eval_y) in enumerate(eval_set)]


# XGBoost's aliases among its training parameters (each pair names one parameter).
PARAM_ALIASES = {"learning_rate": "eta", "reg_lambda": "lambda", "reg_alpha": "alpha",
                 "min_split_loss": "gamma", "n_jobs": "nthread", "random_state": "seed"}


def unused_params(params):
    """The names among ``params`` that XGBoost does not use (misspelt or meant for another
    booster or objective), as XGBoost itself reports them: it warns "Parameters: { ... }
    are not used" at a booster's first update (``validate_parameters``)."""
    import re
    import warnings

    data = xgb.DMatrix(np.zeros((2, 1)), np.zeros(2))
    given = {key: value for key, value in params.items() if key != "objective"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            booster = xgb.Booster({**given, "objective": "reg:squarederror", "verbosity": 1,
                                   "validate_parameters": True}, [data])
            booster.update(data, 0)
        except xgb.core.XGBoostError:  # a value for other data (constraints): training says
            return []
    names = []
    for warning in caught:
        match = re.search(r"Parameters: \{(.*)\} (?:are|is) not used", str(warning.message))
        if match:
            names += re.findall(r'"([^"]+)"', match.group(1))
    return names


# XGBoost's decorator of its scikit-learn methods: positional arguments after ``*`` give a
# FutureWarning naming them and are passed on as keywords, as the parents' methods do.
deprecate_positional_args = xgb.core._deprecate_positional_args


def configured_fit(configured, custom_metric):
    """What ``XGBModel._configure_fit`` returned — (model, metric, params, feature
    weights) — with ``custom_metric`` as the metric ``xgb.train`` gets (``custom_metric=``),
    where it is not None.

    The scikit-learn API wraps a callable ``eval_metric`` to return one (name, value) pair;
    a drop-in's metric returns several (the user's callables, then the loss's), which
    ``Booster.eval_set`` takes as a list of pairs.
    """
    if not (isinstance(configured, tuple) and len(configured) == 4):
        raise ModelFormChanged("XGBModel._configure_fit no longer returns (model, metric, "
                               "params, feature_weights); boostobj sets the custom metric "
                               "there.")
    if custom_metric is None:
        return configured
    model, _, params, feature_weights = configured
    return model, custom_metric, params, feature_weights
