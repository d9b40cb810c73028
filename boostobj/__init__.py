"""boostobj: loss functions for gradient boosting, for XGBoost and LightGBM."""

from .losses import BaseLoss, MulticlassLoss, available_losses, get_loss

__version__ = "0.1.0"

__all__ = ["BaseLoss", "MulticlassLoss", "__version__", "available_losses", "get_loss"]
