"""Statistics over every worker's rows, on a dask cluster.

``boostobj._numerics.summed_over_workers(reducer)`` makes the losses' starts, ``"auto"``
scales, leaf values and metrics all-reduce; this module gives them a real cluster's reducer,
XGBoost's collective (``xgboost.collective``, joined by ``xgboost.dask``'s tracker), which
both boosters' dask paths use:

- ``WorkerTraining``: one worker's part in ``boostobj.xgboost.dask_train`` (the start over
  every worker's labels, renewal and the metric inside the collective, the start written
  into the model as its intercept);
- ``start_over_workers``: a loss's start over every partition of dask collections, through
  one XGBoost round on the labels alone. LightGBM gives Python no all-reduce, so
  ``boostobj.lightgbm``'s dask estimators find their start this way.
"""

from __future__ import annotations

import json

import numpy as np
import xgboost as xgb

from .._numerics import all_max, summed_over_workers
from ..losses import MulticlassLoss, get_loss
from . import xgboost_model
from .targets import CheckedTargets


class Collective:
    """The reducer of ``boostobj._numerics.summed_over_workers`` for XGBoost's distributed
    training: ``xgboost.collective`` all-reduces (every worker gets the same sums)."""

    @property
    def rank(self):
        """This worker's rank in the collective."""
        return xgb.collective.get_rank()

    @property
    def world_size(self):
        """The number of workers in the collective (1 outside one)."""
        return xgb.collective.get_world_size()

    def _allreduce(self, values, op):
        values = np.array(values, dtype=np.float64)  # a contiguous copy, 0-d stays 0-d
        if self.world_size <= 1:
            return values
        shape = values.shape
        return np.asarray(xgb.collective.allreduce(values.reshape(-1), op)).reshape(shape)

    def sum(self, values):
        """The elementwise sum of ``values`` over the workers (float64)."""
        return self._allreduce(values, xgb.collective.Op.SUM)

    def max(self, values):
        """The elementwise maximum of ``values`` over the workers (float64)."""
        return self._allreduce(values, xgb.collective.Op.MAX)


class WorkerTraining(xgb.callback.TrainingCallback):
    """One worker's part in a distributed training (``boostobj.xgboost.dask_train``).

    Each worker holds only its own rows, so what needs all of them is computed over the
    workers through ``xgboost.collective`` (``summed_over_workers``): the start (at the
    objective's first call, from the training labels), an ``"auto"`` scale, the renewed
    leaves and the metric. The model trains from base_score at margin 0 with the start
    added to the booster's scores; when training ends the start becomes the model's
    intercept (after the renewed leaves are written), so the model predicts on its own.
    """

    def __init__(self, loss, renewal, n_classes, find_start):
        super().__init__()
        self.loss = loss
        self.renewal = renewal
        self.n_classes = n_classes
        self.find_start = find_start  # False: the user's base_score, base_margin or model
        self.start = None

    def reducing(self):
        """The context in which the loss's statistics are over every worker's rows."""
        return summed_over_workers(Collective())

    def start_of(self, targets, dtrain):
        """The start over every worker's training rows (computed at the first call)."""
        if self.start is None:
            has_margin = all_max(float(dtrain.get_base_margin().size > 0)) > 0
            self.find_start = self.find_start and not has_margin
            self.start = targets.init_score(self.n_classes) if self.find_start else 0.0
            if self.renewal is not None and self.find_start:
                self.renewal.start = self.start
        return self.start

    def after_iteration(self, model, epoch, evals_log):
        """Renew the newest tree's leaves over every worker's rows."""
        # The renewal's own callback, after this one, then finds the tree renewed.
        if self.renewal is not None:
            self.renewal.booster = model
            with self.reducing():
                self.renewal.flush()
        return False

    def after_training(self, model):
        """The model with the renewed leaves written and the start as its intercept."""
        if self.renewal is not None:
            with self.reducing():
                model = self.renewal.apply(model)
        if self.find_start and self.start is not None:
            model = xgboost_model.with_base_margin(model, self.start)
            # the start before XGBoost rounds its intercept to float32
            model.set_attr(boostobj_start=json.dumps(np.asarray(self.start).tolist()))
        return model


class _StartObjective:
    """The objective of ``start_over_workers``' one round: the start, then no step."""

    def __init__(self, loss, worker):
        self.loss, self.worker = loss, worker
        self._targets = CheckedTargets(loss, xgboost_model.dmatrix_targets)

    def __call__(self, predictions, dtrain):
        with self.worker.reducing():
            self.worker.start_of(self._targets(dtrain), dtrain)
        predictions = np.asarray(predictions)
        return np.zeros(predictions.shape, np.float32), np.ones(predictions.shape, np.float32)


def start_over_workers(client, loss, label, weight=None, n_classes=None):
    """``loss``'s start over every partition of the dask collections ``label`` (and
    ``weight``), computed on the workers that hold them, equal to one process's.

    LightGBM gives Python no all-reduce, so ``boostobj.lightgbm``'s dask estimators find
    their start this way: one XGBoost round on the labels alone (a one-column DaskDMatrix),
    whose objective computes the start through ``xgboost.collective`` and takes no step.
    ``loss`` is a loss name, spec or instance. Returns a float, or a (K,) array for a
    multiclass loss (``n_classes`` K).
    """
    from xgboost import dask as xgb_dask

    loss = get_loss(loss)
    column = label.to_frame() if hasattr(label, "to_frame") else label.reshape(-1, 1)
    dmatrix = xgb_dask.DaskDMatrix(client, column, label, weight=weight)
    worker = WorkerTraining(loss, None, n_classes, True)
    params = {"objective": "reg:squarederror", "base_score": 0.0, "max_depth": 1,
              "disable_default_eval_metric": 1, "nthread": 1}
    if n_classes:
        params.update(num_class=n_classes)
        params.pop("base_score")
        if isinstance(loss, MulticlassLoss):
            params["objective"] = "multi:softprob"
    booster = xgb_dask.train(client, params, dmatrix, 1, obj=_StartObjective(loss, worker),
                             callbacks=[worker], verbose_eval=False)["booster"]
    start = np.asarray(json.loads(booster.attr("boostobj_start")), dtype=np.float64)
    return float(start) if start.ndim == 0 else start
