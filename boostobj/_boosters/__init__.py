"""The booster layer behind ``boostobj.xgboost`` and ``boostobj.lightgbm``, split by concern.

Booster-neutral: ``targets`` (labels, weights and groups checked once per dataset; the
loss's start), ``setup`` (what a training resolves once), ``renewal`` (leaf renewal's
bookkeeping), ``options`` (parameter aliases and refusals), ``estimators`` (what the
drop-in estimators share), ``dask_collections`` (class labels and groups of dask
collections), ``collective`` (statistics over every worker's rows on a dask cluster) and
``lazy`` (the dask names a booster package loads on first use). ``xgboost_model`` and
``lightgbm_model`` hold every touch of a booster's model form, private attributes and C
API, one module per booster.
"""
