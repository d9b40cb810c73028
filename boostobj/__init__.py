"""boostobj: loss functions for gradient boosting, for XGBoost and LightGBM."""

from .losses import (
    BaseLoss,
    DistributionLoss,
    MulticlassLoss,
    available_losses,
    get_loss,
    register_loss,
)

__version__ = "0.1.0"

__all__ = ["BaseLoss", "DistributionLoss", "DistributionRegressor", "MulticlassLoss",
           "QuantileIntervalRegressor", "__version__", "available_losses", "get_loss",
           "register_loss"]


def __getattr__(name):
    """``boostobj.QuantileIntervalRegressor`` and ``boostobj.DistributionRegressor``,
    imported on first use."""
    # The estimators import the boosters; `import boostobj` alone does not.
    if name == "QuantileIntervalRegressor":
        from .intervals import QuantileIntervalRegressor
        return QuantileIntervalRegressor
    if name == "DistributionRegressor":
        from .distributions import DistributionRegressor
        return DistributionRegressor
    raise AttributeError(f"module 'boostobj' has no attribute {name!r}")
