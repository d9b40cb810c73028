"""What the drop-in estimators of both boosters share: the loss an estimator trains (refused
where the estimator cannot serve it), class encoding, class probabilities, the callables
handed to the boosters' scikit-learn API, and the docstring of the parameters they add.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

import numpy as np

from .._numerics import expit
from ..losses import BaseLoss, MulticlassLoss, get_loss
from ..losses.domains import BinaryLabels
from ..metrics import LossMetrics
from .targets import Targets

# The drop-in estimators' own parameters: boostobj's, never handed to the booster.
ESTIMATOR_PARAMS = ("loss", "renew_leaves")


def estimator_doc(summary, not_passed="``objective`` is None, the parent's default or the "
                  "loss's built-in twin (``reg:squarederror`` for ``squared_error``)"):
    """A drop-in estimator's docstring: its summary, then the parameters it adds."""
    return f"""{summary}

    Parameters
    ----------
    loss : str, loss object or None, default None
        A boostobj loss: a name or spec string (``"huber:delta=2"``) or a loss instance.
        None: the parent estimator exactly (its ``objective``, metrics, model and
        messages), so changing the import changes nothing.
    renew_leaves : bool or None, default None
        Re-fit each new tree's leaves to the loss's exact minimiser; None: where the loss
        asks for it (quantile, absolute_error, huber, ...). Needs a ``loss``.
    **kwargs
        Every parameter of the parent estimator. With a ``loss``, {not_passed}.
    """


def add_boostobj_parameters(cls):
    """Give ``cls``, a subclass of a booster's scikit-learn estimator, boostobj's two
    parameters: its ``__init__`` takes ``loss`` and ``renew_leaves`` and hands every other
    keyword to the parent. Each booster's ``drop_in`` decorator calls this.

    Set on the class itself rather than inherited from a mixin: the boosters'
    ``get_params`` walks each class's first base, so a mixin placed first would be asked
    for the parent's parameters, and one placed last would come after the parent's methods.

    ``__init__``'s signature lists the parent's parameters after boostobj's two, so
    ``help()``, IPython and editors that inspect the live class show every booster
    parameter, not ``**kwargs``. Each comes from the first class along the parent's MRO that
    names it (``XGBRegressor``'s ``objective`` default over ``XGBModel``'s), keyword-only,
    with ``**kwargs`` last. scikit-learn's ``get_params`` reads this signature too: every
    name in it is an attribute the parent's ``__init__`` sets.
    """

    def __init__(self, *args: Any, loss: str | BaseLoss | None = None,
                 renew_leaves: bool | None = None, **kwargs: Any) -> None:
        # Positional arguments go to the parent, which warns (XGBoost) or refuses
        # (LightGBM) as it does alone; the signature below names keywords only.
        super(cls, self).__init__(*args, **kwargs)
        self.loss = loss
        self.renew_leaves = renew_leaves

    own = inspect.signature(__init__)
    parameters = [p for p in own.parameters.values()
                  if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    seen = {p.name for p in parameters}
    for parent in cls.__mro__[1:]:
        init = parent.__dict__.get("__init__")
        for parameter in inspect.signature(init).parameters.values() if init else ():
            if parameter.name not in seen and parameter.kind in (parameter.KEYWORD_ONLY,
                                                                 parameter.POSITIONAL_OR_KEYWORD):
                seen.add(parameter.name)
                parameters.append(parameter.replace(kind=parameter.KEYWORD_ONLY))
    __init__.__signature__ = own.replace(parameters=[*parameters, own.parameters["kwargs"]])
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = __init__
    return cls


def without_loss(estimator, caller):
    """``loss=None``: the parent estimator trains, exactly as it would alone. ``loss_`` is
    None (a ``loss_`` of an earlier fit must not outlive it); ``renew_leaves=True`` is
    refused, since renewal fits leaves to a boostobj loss."""
    if estimator.renew_leaves:
        raise ValueError(f"{caller}: renew_leaves={estimator.renew_leaves!r} needs a boostobj "
                         "loss: pass loss=... (with loss=None the parent estimator trains "
                         "its own objective, as it would alone).")
    estimator.loss_ = None


def response(loss, raw_score, classifier):
    """What the parent's metric callables see for a model trained on ``loss``: the response
    scale (a binary classifier's positive-class probability, (n, K) probabilities for
    multiclass)."""
    if not classifier:
        return loss.predict(raw_score)
    probability = class_probabilities(loss, raw_score)
    return probability[:, 1] if probability.shape[1] == 2 else probability


# Losses the boosters' estimators train exactly as their own default objective (the same
# gradient, hessian and start), by the objective's name: the drop-in then costs what the
# parent costs. Softmax is not among them: XGBoost's and LightGBM's multiclass hessians are
# not boostobj's (``hessian=friedman``).
SAME_AS_BUILTIN = ("squared_error", "logistic")


def trains_as_builtin(loss, renewal):
    """Whether the estimator may train ``loss`` as the booster's own objective: one of
    ``SAME_AS_BUILTIN`` with its default parameters, no leaf renewal."""
    if renewal is not None or loss.name not in SAME_AS_BUILTIN:
        return False
    reference = get_loss(loss.name)  # a subclass may compute otherwise
    return type(loss) is type(reference) and loss.spec == reference.spec


def raw_from_response(loss, predictions):
    """A built-in objective's predictions (its response scale) back as the loss's raw scores,
    as a metric of a fit on the built-in objective needs them; probabilities are clipped
    into (0, 1) first, since the booster rounds them (float32) to 0 or 1 at large margins."""
    predictions = np.asarray(predictions, dtype=np.float64)
    if loss.link.name == "logit":
        predictions = np.clip(predictions, 1e-15, 1.0 - 1e-15)
    return loss.link.link(predictions)


def is_classification_loss(loss):
    """Whether ``loss`` is a classification loss (binary labels or K classes)."""
    return isinstance(loss, MulticlassLoss) or isinstance(loss.target_domain, BinaryLabels)


def estimator_loss(loss, classifier, caller, y=None, *, ranker=False):
    """The loss of a drop-in estimator, refused where the estimator cannot serve it.

    None is the estimator's default: ``squared_error`` for a regressor; for a classifier
    ``logistic`` on two classes of ``y`` and ``softmax`` on more (as the boosters pick
    ``binary`` or ``multiclass``); ``listwise_softmax`` for a ranker.
    """
    if loss is None:
        if ranker:
            loss = "listwise_softmax"
        elif not classifier:
            loss = "squared_error"
        else:
            loss = "softmax" if len(np.unique(np.asarray(y))) > 2 else "logistic"
    loss = get_loss(loss)
    grouped = getattr(loss, "grouped", False)
    if ranker and not grouped:
        raise ValueError(f"{caller}: loss={loss.spec!r} is not a ranking loss; use "
                         "listwise_softmax, pairwise_logistic or pairwise_hinge, or the "
                         "regressor / classifier.")
    if grouped and not ranker:
        raise ValueError(f"{caller}: loss={loss.spec!r} is a ranking loss over query groups; "
                         "use the ranker (XGBRanker / LGBMRanker) with group=.")
    if ranker:
        return loss
    if classifier and not is_classification_loss(loss):
        raise ValueError(f"{caller}: loss={loss.spec!r} is not a classification loss; use "
                         "the regressor, or one of logistic, focal, hinge, softmax, ....")
    if not classifier and is_classification_loss(loss):
        kind = "multiclass" if isinstance(loss, MulticlassLoss) else "binary"
        raise ValueError(f"{caller}: loss={loss.spec!r} is a {kind} classification loss; use "
                         "the classifier (predict_proba gives its probabilities).")
    return loss


def encode_classes(loss, y, caller):
    """Class labels as 0 .. K-1 in sorted order, as scikit-learn classifiers encode them.

    Returns the classes, the encoded labels (float64) and K. A binary loss needs K = 2, a
    multiclass loss K > 2 (scikit-learn classifiers keep one score per row for two classes).
    """
    classes, encoded = np.unique(np.asarray(y), return_inverse=True)
    n_classes = len(classes)
    multiclass = isinstance(loss, MulticlassLoss)
    if multiclass and n_classes <= 2:
        raise ValueError(f"{caller}: {loss.name} needs K > 2 classes, y has {n_classes}; "
                         "for two classes use logistic.")
    if not multiclass and n_classes != 2:
        raise ValueError(f"{caller}: {loss.name} is a binary loss, y has {n_classes} "
                         f"class{'es' if n_classes != 1 else ''}; for more use softmax.")
    return classes, encoded.astype(np.float64), n_classes


def encode_like(classes, y, caller, index=None):
    """``y`` encoded with the classes of the training labels (evaluation set ``index``'s)."""
    y = np.asarray(y)
    position = np.searchsorted(classes, y)
    position = np.minimum(position, len(classes) - 1)
    unknown = classes[position] != y
    if np.any(unknown):
        where = "eval_set" if index is None else f"eval_set[{index}]"
        raise ValueError(f"{caller}: {where} labels {np.unique(y[unknown])[:5].tolist()} "
                         f"are not among the training classes {classes.tolist()}.")
    return position.astype(np.float64)


class SklearnObjectiveBase:
    """Holds a loss; a subclass's ``__call__`` has the booster's scikit-learn signature.

    The drop-in estimators set ``_start`` (added to the booster's scores), ``_threads`` and,
    with leaf renewal, ``_renewal`` (the training set's key is ``"train"``) while they fit.
    """

    _renewal = None
    _start = 0.0
    _threads = None
    _layout = "C"
    # Within one fit the booster hands over the same training labels every round: the
    # drop-ins set a dict here, so they are checked (and the buffers allocated) once.
    _fit_targets = None

    def __init__(self, loss):
        self.loss = loss  # resolved: a loss instance (``sklearn_objective`` resolves a spec)

    def gradient_hessian(self, y_true, y_pred, weight, group=None):
        """The weighted gradient and hessian of the booster's ``y_pred`` (plus the start,
        after renewing the newest tree where renewal is on), the training labels checked once
        per fit.
        """
        targets = None if self._fit_targets is None else self._fit_targets.get("train")
        if targets is None or targets.n_rows != len(y_true):
            targets = Targets(self.loss, y_true, weight, group=group, threads=self._threads,
                              layout=self._layout)
            if self._fit_targets is not None:
                self._fit_targets["train"] = targets
        if self._renewal is None:
            return targets.gradient_hessian(y_pred, self._start)
        return self._renewal.training_gradient_hessian("train", targets, y_pred, self._start)


class SklearnMetricBase:
    """Holds a loss and its metric; named after the loss, as boosters read ``__name__``.

    ``_start`` and ``_renewal`` as for ``SklearnObjectiveBase``. A scikit-learn metric gets
    labels but no dataset, so with renewal ``_order`` names the dataset of each call: the
    boosters evaluate their sets in a fixed order every round (``xgboost_model`` and
    ``lightgbm_model`` say which), and the calls go round it.
    """

    _renewal = None
    _start = 0.0
    _order = None
    # Set where the booster trains its own twin objective and hands the metric predictions
    # on that objective's response scale (``trains_as_builtin``).
    _response_scale = False

    def __init__(self, loss, extra_metrics=None):
        self.loss = loss  # resolved: a loss instance (``sklearn_metric`` resolves a spec)
        self.metrics = LossMetrics(loss, extra_metrics)
        self.__name__ = loss.name

    def value(self, y_true, y_pred, weight, group=None):
        """The loss's metric of ``y_pred`` (plus the start and the renewal's correction of
        the dataset evaluated).
        """
        targets, raw_score = self.raw_score(y_true, y_pred, weight, group)
        return targets.metric(raw_score)

    def raw_score(self, y_true, y_pred, weight, group=None):
        """The checked targets and the model's raw score of the evaluated set: the
        booster's ``y_pred`` plus the start and the renewal's correction of that set (once
        per evaluated set: the renewal's order advances)."""
        if self._response_scale:
            y_pred = raw_from_response(self.loss, y_pred)
        targets = Targets(self.loss, y_true, weight, group=group)
        start = self._start
        if self._renewal is not None:
            key = self._order.next(targets.n_rows)
            start = start + self._renewal.evaluation_correction(key)
        return targets, targets.raw_score(y_pred, start)


class EvaluationOrder:
    """The keys of the datasets a booster evaluates, in the order of its metric calls.

    ``next(n_rows)`` gives the key of the next call, and fails loudly when that dataset's
    row count is not ``n_rows``: the booster then no longer evaluates in the order assumed.
    """

    def __init__(self, keys, n_rows, booster):
        self.keys, self.n_rows, self.booster = list(keys), dict(n_rows), booster
        self._position = 0

    def next(self, n_rows):
        """The key of the dataset the booster evaluates now (``RuntimeError`` where its row
        count is not ``n_rows``).
        """
        key = self.keys[self._position % len(self.keys)]
        self._position += 1
        if self.n_rows[key] != n_rows:
            raise RuntimeError(f"boostobj: {self.booster} evaluated a set of {n_rows} rows "
                               f"where {self.n_rows[key]} ({key!r}) were expected; this "
                               f"{self.booster} release evaluates its eval sets in another "
                               "order than boostobj relies on.")
        return key


@contextlib.contextmanager
def attached(holders, **state):
    """Inside the block each holder (objective or metric) carries ``state``; afterwards it is
    plain again, so a fitted estimator pickles without the training state."""
    holders = [holder for holder in holders if isinstance(holder, (SklearnObjectiveBase,
                                                                   SklearnMetricBase))]
    for holder in holders:
        for name, value in state.items():
            setattr(holder, name, value)
    try:
        yield
    finally:
        for holder in holders:
            for name in state:
                vars(holder).pop(name, None)


def class_probabilities(loss, margin):
    """(n, K) class probabilities of a classification loss from a model's margins.

    A multiclass loss's inverse link gives them from (n, K) margins; a binary loss's gives
    the positive class's from (n,) margins, and the negative class's is the rest. A margin
    loss (hinge: sign link) has no probability: σ(margin) stands in, as a score.
    """
    margin = np.asarray(margin, dtype=np.float64)
    if margin.ndim == 2 and margin.shape[1] > 1:
        return loss.predict(margin)
    margin = margin.reshape(-1)
    positive = expit(margin) if loss.link.name == "sign" else loss.predict(margin)
    return np.column_stack([1.0 - positive, positive])
