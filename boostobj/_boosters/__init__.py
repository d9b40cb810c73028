"""The booster layer behind ``boostobj.xgboost`` and ``boostobj.lightgbm``.

``common`` is booster-neutral (targets, threads, class encoding, the scikit-learn callables,
leaf renewal); ``xgboost_model`` and ``lightgbm_model`` hold every touch of a booster's
model form, private attributes and C API, one module per booster.
"""
