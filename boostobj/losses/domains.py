"""Target domains: where a loss's targets may lie (``target_domain``), each able to say
whether values are inside, describe itself for error messages and sample targets for the
property checks of ``boostobj.testing``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BinaryLabels", "Interval", "NON_NEGATIVE", "POSITIVE", "REAL_LINE", "RelevanceLabels"]


@dataclass(frozen=True)
class Interval:
    """Where targets may lie: low < y < high, or <= where inclusive."""

    low: float
    high: float
    low_inclusive: bool = False
    high_inclusive: bool = False

    def includes(self, values):
        """Whether each value lies inside the interval (a boolean array)."""
        above = values >= self.low if self.low_inclusive else values > self.low
        below = values <= self.high if self.high_inclusive else values < self.high
        return above & below

    def describe(self):
        """The interval in words, for error messages ("> 0", ">= 0 and <= 1")."""
        if self.low == -np.inf and self.high == np.inf:
            return "finite"
        parts = []
        if self.low != -np.inf:
            parts.append(f"{'>=' if self.low_inclusive else '>'} {self.low:g}")
        if self.high != np.inf:
            parts.append(f"{'<=' if self.high_inclusive else '<'} {self.high:g}")
        return " and ".join(parts)

    def sample(self, rng, n):
        """Targets inside the interval, for the property checks of ``boostobj.testing``."""
        if self.low == 0.0 and not self.low_inclusive:
            return rng.gamma(2.0, 1.5, size=n)  # strictly positive
        if self.low == 0.0:
            return rng.poisson(3.0, size=n).astype(np.float64)
        return rng.standard_t(5, size=n) * 2.0 + 1.0


class BinaryLabels:
    """Labels 0 and 1; a binary loss also accepts -1 and +1 throughout (mapped to 0 and 1)."""

    low, high, low_inclusive, high_inclusive = 0.0, 1.0, True, True

    def includes(self, values):
        """Whether each value is 0 or 1."""
        return (values == 0.0) | (values == 1.0)

    def describe(self):
        """The labels in words, for error messages."""
        return "0 or 1 (or -1 and +1 throughout)"

    def sample(self, rng, n):
        """Random 0/1 labels with both classes present, for the property checks."""
        labels = (rng.uniform(size=n) < 0.35).astype(np.float64)
        labels[:2] = (0.0, 1.0)  # both classes present
        return labels


REAL_LINE = Interval(-np.inf, np.inf)
NON_NEGATIVE = Interval(0.0, np.inf, low_inclusive=True)
POSITIVE = Interval(0.0, np.inf)


class RelevanceLabels:
    """Relevance labels y >= 0 (graded 0, 1, 2, ... or any non-negative number)."""

    low, high, low_inclusive, high_inclusive = 0.0, np.inf, True, False

    def includes(self, values):
        """Whether each value is a relevance label (>= 0)."""
        return NON_NEGATIVE.includes(values)

    def describe(self):
        """The labels in words, for error messages."""
        return ">= 0 (relevance labels)"

    def sample(self, rng, n):
        """Random graded relevance labels 0 .. 3, for the property checks."""
        return rng.choice([0.0, 0.0, 1.0, 2.0, 3.0, 4.0], size=n)
