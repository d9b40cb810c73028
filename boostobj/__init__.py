"""boostobj: loss functions for gradient boosting, for XGBoost and LightGBM."""

from .losses import BaseLoss, MulticlassLoss, available_losses, get_loss, register_loss

__version__ = "0.1.0"

__all__ = ["BaseLoss", "MulticlassLoss", "QuantileIntervalRegressor", "__version__",
           "available_losses", "get_loss", "register_loss"]


def __getattr__(name):
    """``boostobj.QuantileIntervalRegressor``, imported on first use (it imports the boosters)."""
    # The estimator imports the boosters; `import boostobj` alone does not.
    if name == "QuantileIntervalRegressor":
        from .intervals import QuantileIntervalRegressor
        return QuantileIntervalRegressor
    raise AttributeError(f"module 'boostobj' has no attribute {name!r}")
