"""Every read and write of LightGBM's model form and internals, in one place.

Each function names what it relies on; ``tests/test_booster_internals.py`` exercises each
one, so a release of LightGBM that changes any of them fails there, loudly, instead of
training silently wrong models. Relied on (checked against LightGBM 4.0 - 4.7):

- the model text: a ``max_feature_idx=`` header line (after which ``objective=`` names the
  output conversion) and ``tree_sizes=`` (each tree block's length), ``Tree=i`` blocks with
  ``num_leaves=``, ``is_linear=``, ``leaf_value=`` and, for linear trees, ``leaf_const=``;
- the C API ``LGBM_BoosterGetPredict`` (the training scores a custom objective is given)
  through ``lightgbm.basic._LIB`` and ``_safe_call``, ``Booster._handle``, and
  ``Dataset._handle`` (set once the Dataset is constructed);
- the scikit-learn estimators keep their booster in ``_Booster`` and the objective they
  trained with in ``_objective`` (the classifier converts scores unless it is callable),
  read their parameters through ``_process_params`` and record ``set_params`` extras in
  ``_other_params``;
- ``lgb.train`` evaluates the training set first (when it is among the validation sets),
  then the others in order, once per round each;
- ``Booster.dump_model(start_iteration=t, num_iteration=1)``: one tree's ``tree_structure``
  (split nodes with ``split_feature``, ``threshold``, ``decision_type``,
  ``internal_value``, ``left_child``, ``right_child``; leaves with ``leaf_value``,
  ``leaf_index``, ``leaf_count``);
- ``lightgbm.basic._ConfigAliases._get_all_param_aliases()``: every parameter's aliases.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import warnings

import lightgbm as lgb
import numpy as np

from .renewal import TreeLeaves


class ModelFormChanged(RuntimeError):
    """LightGBM's model form is not what boostobj relies on (a new release changed it)."""


def is_constructed(dataset):
    """Whether a Dataset has been built in C++ (``Dataset._handle`` is set then)."""
    return getattr(dataset, "_handle", None) is not None


def training_scores(booster, n_rows):
    """The booster's current training scores (float64, n_rows), or None where unavailable.

    ``Booster.__inner_predict(0)``, which the objective is given, without its cache flag.
    """
    scores = np.empty(n_rows, dtype=np.float64)
    length = ctypes.c_int64(0)
    try:
        call, library = lgb.basic._safe_call, lgb.basic._LIB
        call(library.LGBM_BoosterGetPredict(
            booster._handle, ctypes.c_int(0), ctypes.byref(length),
            scores.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
    except AttributeError:  # a LightGBM without these internals: the caller falls back
        return None
    return scores if length.value == n_rows else None


def _tree_blocks(text):
    """(start, end) line indices of each ``Tree=`` block of a model text's lines."""
    starts = [i for i, line in enumerate(text) if line.startswith("Tree=")]
    ends = starts[1:] + [next((i for i, line in enumerate(text)
                               if line.startswith("end of trees")), len(text))]
    return list(zip(starts, ends, strict=True))


def _field(lines, name):
    prefix = name + "="
    return next((i for i, line in enumerate(lines) if line.startswith(prefix)), None)


def tree_leaves(booster, tree):
    """The leaves of tree ``tree`` (of a model with one tree per iteration) as a
    :class:`TreeLeaves`: leaf indices, each leaf's value, box of feature values, row count
    and parent's (shrunk) output, read from ``dump_model``'s ``tree_structure``: split nodes
    with ``split_feature``, ``threshold`` (a row goes left where its value is at most it),
    ``decision_type`` (``==``: categorical, which bounds no interval), ``internal_value``,
    ``left_child`` and ``right_child``; leaves with ``leaf_value``, ``leaf_index`` (absent
    where the root is the only leaf) and ``leaf_count``."""
    dumped = booster.dump_model(start_iteration=tree, num_iteration=1)
    try:
        root = dumped["tree_info"][0]["tree_structure"]
    except (KeyError, IndexError) as error:
        raise ModelFormChanged("LightGBM's dump_model has no tree_info[0].tree_structure; "
                               "boostobj reads the tree's splits there.") from error
    leaves = TreeLeaves()
    stack = [(root, {}, None)]
    try:
        while stack:
            node, box, parent = stack.pop()
            if "leaf_value" in node:  # a one-leaf tree's root has no leaf_index: leaf 0
                leaves.add(int(node.get("leaf_index", 0)), box, node["leaf_value"], parent,
                           node.get("leaf_count", 0))
                continue
            children = node["left_child"], node["right_child"]
            value = float(node["internal_value"])
            sides = ((box, box) if node["decision_type"] != "<=" else
                     TreeLeaves.split(box, int(node["split_feature"]), float(node["threshold"])))
            stack += [(child, side, value) for child, side in zip(children, sides, strict=True)]
    except KeyError as error:
        raise ModelFormChanged(f"LightGBM's dumped tree has no {error.args[0]}; boostobj reads "
                               "the tree's splits there.") from error
    return leaves


def objective_link(booster_or_objective):
    """(the objective of a Booster's ``objective=`` line, or an objective given, and the
    link of the raw scores of a model with it): none, ``custom`` or a regression objective
    is the identity; ``poisson``, ``gamma``, ``tweedie`` log; ``binary``/``cross_entropy``
    the logit (``sigmoid:2``: half of it, boostobj's ``half_logit``); ``multiclass``
    softmax."""
    objective = booster_or_objective
    if not isinstance(objective, str):
        lines = objective.model_to_string(num_iteration=1).split("\n")  # the header
        index = _field(lines[:_first_tree(lines)], "objective")
        objective = lines[index].split("=", 1)[1].strip() if index is not None else "none"
    words = objective.split()
    name = words[0] if words else "none"
    if name in ("poisson", "gamma", "tweedie"):
        return objective, "log"
    if name in ("binary", "cross_entropy", "cross_entropy_lambda", "xentropy", "xentlambda"):
        return objective, "half_logit" if "sigmoid:2" in words else "logit"
    if name in ("multiclass", "multiclassova", "softmax", "ova"):
        return objective, "softmax"
    return objective, "identity"


def param_aliases():
    """Every LightGBM parameter name and alias -> its parameter's name
    (``lightgbm.basic._ConfigAliases``, which LightGBM fills from its C++ config)."""
    table = lgb.basic._ConfigAliases._get_all_param_aliases()
    return {alias: name for name, aliases in table.items() for alias in (name, *aliases)}


def num_leaves(booster, tree):
    """The number of leaves of tree ``tree`` of a model with one tree per iteration (its
    ``num_leaves=`` line)."""
    text = booster.model_to_string(start_iteration=tree, num_iteration=1)
    match = re.search(r"^num_leaves=(\d+)$", text, re.MULTILINE)
    if match is None:
        raise ModelFormChanged("LightGBM's model text has no num_leaves= line; boostobj "
                               "reads a tree's leaf count there.")
    return int(match.group(1))


def add_to_first_iteration(booster, value):
    """``booster`` with a constant added to every leaf of its first iteration, so that every
    prediction moves by ``value`` (a number, or one per class: the first iteration of a
    multiclass model holds one tree per class). This is how LightGBM itself stores
    ``boost_from_average``; it makes a start that was given outside the model part of it.

    Plain trees are changed in place (``set_leaf_output``); a linear tree's leaves also
    hold a constant term (``leaf_const``), which only the model text reaches, so a model
    with linear trees is rebuilt from its text.
    """
    values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if booster.num_trees() == 0:
        raise ValueError("the booster has no trees to hold the init score.")
    # The first iteration's trees are enough to find their leaves (a much shorter text).
    lines = booster.model_to_string(num_iteration=1).split("\n")
    blocks = _tree_blocks(lines)
    if len(blocks) < values.size:
        raise ValueError(f"the model has {len(blocks)} trees for {values.size} start values.")
    linear = any(lines[i] == "is_linear=1" for start, end in blocks[:values.size]
                 for i in range(start, end))
    if not linear:
        for tree, (start, (first, end)) in enumerate(zip(values, blocks, strict=False)):
            count = _field(lines[first:end], "num_leaves")
            if count is None:
                raise ModelFormChanged("LightGBM's model text has a tree without "
                                       "num_leaves=; boostobj reads a tree's leaf count there.")
            for leaf in range(int(lines[first + count].split("=", 1)[1])):
                booster.set_leaf_output(tree, leaf, booster.get_leaf_output(tree, leaf) + start)
        return booster
    lines = booster.model_to_string(num_iteration=-1).split("\n")
    blocks = _tree_blocks(lines)
    sizes = _field(lines[:blocks[0][0]], "tree_sizes")
    if sizes is not None and lines[sizes] != _tree_sizes(lines, blocks):
        raise ModelFormChanged("LightGBM's model text has tree_sizes= that are not the "
                               "lengths of its Tree= blocks; boostobj rewrites them there.")
    for (first, end), start in zip(blocks, values, strict=False):
        block = lines[first:end]
        for name in ("leaf_value", "leaf_const"):
            index = _field(block, name)
            if index is None:
                if name == "leaf_value":
                    raise ModelFormChanged("LightGBM's model text has a tree without "
                                           "leaf_value=; boostobj adds the start there.")
                continue
            numbers = np.array(block[index].split("=", 1)[1].split(), dtype=np.float64)
            text = " ".join(repr(float(v)) for v in numbers + start)
            lines[first + index] = f"{name}={text}"
    if sizes is not None:  # LightGBM finds the trees by their sizes
        lines[sizes] = _tree_sizes(lines, blocks)
    return _rebuilt(booster, "\n".join(lines))


def _tree_sizes(lines, blocks):
    """The ``tree_sizes=`` header: each Tree= block's length in characters, newlines in."""
    return "tree_sizes=" + " ".join(str(len("\n".join(lines[first:end])) + 1)
                                    for first, end in blocks)


def _rebuilt(booster, model_text, objective=None):
    """A Booster loaded from ``model_text`` that keeps ``booster``'s training parameters
    (``params``: loading would give the model file's parsed config instead), its best
    iteration and score; ``objective`` replaces the trained one among the parameters."""
    rebuilt = lgb.Booster(model_str=model_text)
    rebuilt.params = dict(booster.params)
    if objective is not None:
        rebuilt.params["objective"] = objective
    rebuilt.best_iteration = booster.best_iteration
    rebuilt.best_score = booster.best_score
    return rebuilt


def with_output_link(booster, objective):
    """A copy of ``booster`` whose model names ``objective``, so LightGBM applies its output
    conversion (``poisson``: exp, ``binary sigmoid:1``: σ, ``multiclass``: softmax)."""
    lines = booster.model_to_string(num_iteration=-1).split("\n")
    existing = _field(lines[:_first_tree(lines)], "objective")
    if existing is not None:
        lines[existing] = f"objective={objective}"
    else:
        header = _field(lines, "max_feature_idx")
        if header is None:
            raise ModelFormChanged("LightGBM's model text has no max_feature_idx= line; "
                                   "boostobj names the objective after it.")
        lines.insert(header + 1, f"objective={objective}")
    return _rebuilt(booster, "\n".join(lines), objective.split()[0])


def _first_tree(lines):
    return next((i for i, line in enumerate(lines) if line.startswith("Tree=")), len(lines))


def set_fitted_booster(estimator, booster):
    """Make ``booster`` the fitted model of a LightGBM scikit-learn estimator."""
    if not hasattr(estimator, "_Booster"):
        raise ModelFormChanged("LightGBM's scikit-learn estimator keeps no _Booster after "
                               "fit; boostobj replaces the fitted booster there.")
    estimator._Booster = booster


def set_fitted_objective(estimator, objective):
    """Name the built-in ``objective`` whose output conversion the fitted model applies.

    LightGBM's estimators keep the objective they trained with in ``_objective``: a
    callable makes ``LGBMClassifier.predict_proba`` return raw scores, and ``predict``
    passes it to the booster, which checks it against ``num_class``.
    """
    if not hasattr(estimator, "_objective"):
        raise ModelFormChanged("LightGBM's scikit-learn estimator keeps no _objective; "
                               "boostobj names the fitted model's objective there.")
    estimator._objective = objective


def evaluation_order(eval_set, X, y):
    """The keys of ``eval_set`` in the order ``lgb.train`` evaluates them each round: the
    training set first (once, when an entry is the training data itself), then the others
    in order. An entry with the training features has the training rows' corrections."""
    is_train = [eval_X is X and eval_y is y for eval_X, eval_y in eval_set]
    order = ["train"] if any(is_train) else []
    return order + ["train" if eval_X is X else ("eval", index)
                    for index, ((eval_X, _), train) in enumerate(zip(eval_set, is_train,
                                                                     strict=True))
                    if not train]


@contextlib.contextmanager
def temporary_params(estimator, params):
    """Inside the block the estimator has ``params`` set (``set_params``, which also sets a
    ``_name`` twin where there is one, and records the value in ``_other_params``);
    afterwards those are as before, so ``get_params`` and ``clone`` never see them."""
    if not isinstance(getattr(estimator, "_other_params", None), dict):
        raise ModelFormChanged("LightGBM's scikit-learn estimator keeps no _other_params "
                               "dict; boostobj restores the parameters it sets for fit there.")
    touched = [name for key in params for name in (key, f"_{key}")]
    missing = object()
    before = {name: vars(estimator).get(name, missing) for name in touched}
    others = dict(estimator._other_params)
    estimator.set_params(**params)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is missing:
                vars(estimator).pop(name, None)
            else:
                setattr(estimator, name, value)
        estimator._other_params = others


def eval_pairs(eval_set, eval_X, eval_y):
    """The evaluation sets of LightGBM's scikit-learn ``fit`` arguments as a list of (X, y)
    pairs (or None), with the parent's errors for a malformed combination
    (``lightgbm.sklearn._validate_eval_set_Xy``; its deprecation warning for ``eval_set`` is
    the parent's to give, once, when it fits)."""
    validate = getattr(lgb.sklearn, "_validate_eval_set_Xy", None)
    if validate is None:  # LightGBM before 4.7 takes eval_set only
        return [eval_set] if isinstance(eval_set, tuple) else eval_set
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lgb.basic.LGBMDeprecationWarning)
        return validate(eval_set=eval_set, eval_X=eval_X, eval_y=eval_y)


def eval_set_keywords(X, y):
    """LightGBM's keyword for one evaluation set: eval_X / eval_y from 4.7 on (eval_set
    warns there), eval_set before (the same test of the version as ``eval_pairs``)."""
    if hasattr(lgb.sklearn, "_validate_eval_set_Xy"):
        return {"eval_X": (X,), "eval_y": (y,)}
    return {"eval_set": [(X, y)]}
