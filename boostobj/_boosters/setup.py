"""What one training resolves once from its arguments, handed down resolved: the loss, a
copy of the booster's parameters, leaf renewal, the checked targets and the metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..metrics import LossMetrics
from .renewal import LeafRenewal
from .targets import CheckedTargets


@dataclass
class Setup:
    """A training's resolved arguments (built by each booster's ``setup``).

    ``params`` is a copy of the user's, checked; ``targets`` checks each dataset's labels
    for ``loss`` once (on the booster's thread count); ``metrics`` is the loss's metric and
    those reported beside it; ``renewal`` is None where leaves are not renewed.
    """

    loss: Any
    params: dict
    renewal: LeafRenewal | None
    targets: CheckedTargets
    metrics: LossMetrics
