import csv
from pathlib import Path

import numpy as np
import pytest

import boostobj
from boostobj.losses import example_loss

# Every registered loss at its defaults (required parameters from its example_params), plus
# variants of the parameters. A loss added to the registry is covered by every check
# automatically.
VARIANTS = [
    "huber:delta=0.3", "huber:delta=5", "pseudo_huber:delta=3", "log_cosh:scale=0.5",
    "quantile:alpha=0.1", "quantile:alpha=0.9", "expectile:alpha=0.2", "expectile:alpha=0.9",
    "fair:c=3", "cauchy:c=2", "truncated_squared:threshold=3", "tweedie:power=1.2",
    "tweedie:power=1.8", "pseudo_huber:delta=2,hessian=exact", "fair:hessian=exact",
    "log_cosh:scale=2,hessian=exact",
    "weighted_logistic:pos_weight=3", "focal:alpha=0.5,gamma=0", "focal:alpha=0.7,gamma=0.5",
    "hinge:margin=2", "squared_hinge:margin=0.5", "softmax:hessian=exact",
    "softmax:hessian=doubled", "softmax:class_weight=[1,2,0.5]",
    "listwise_softmax:temperature=0.25", "listwise_softmax:temperature=3",
    "listwise_softmax:gain=exponential", "listwise_softmax:temperature=0.5,gain=exponential",
    "pairwise_logistic:sigma=2,hessian=doubled", "pairwise_hinge:margin=0.5",
    "softmax:class_weight=[1,2,0.5],hessian=exact", "soft_label:hessian=exact",
    "kl_divergence:hessian=exact", "softmax_focal:gamma=0.5", "softmax_focal:gamma=0",
]


def classification_data(n=2000, n_classes=2, seed=0):
    """Features and labels 0 .. K-1 whose log-odds depend on the first three columns."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    if n_classes == 2:
        probability = 1.0 / (1.0 + np.exp(-(1.5 * X[:, 0] - X[:, 1] - 1.0)))
        return X, (rng.uniform(size=n) < probability).astype(np.float64)
    scores = np.column_stack([X[:, 0], X[:, 1], 0.5 * X[:, 2]] + [0.3 * X[:, 3]] * (n_classes - 3))
    return X, np.argmax(scores + rng.gumbel(size=scores.shape), axis=1).astype(np.float64)


def all_losses():
    losses = [example_loss(name) for name in boostobj.available_losses()]
    return losses + [boostobj.get_loss(spec) for spec in VARIANTS]


def regression_data(loss, n=1500, n_features=5, seed=0, integer_features=False):
    """Features and targets inside the loss's domain, with signal in the first two columns."""
    rng = np.random.default_rng(seed)
    if integer_features:
        X = rng.integers(0, 12, size=(n, n_features)).astype(np.float64)
        signal = 0.15 * (X[:, 0] - 6) + 0.1 * (X[:, 1] - 6)
    else:
        X = rng.normal(size=(n, n_features))
        signal = 0.6 * X[:, 0] + 0.4 * np.sin(2 * X[:, 1])
    if loss.link.name == "log":
        mean = np.exp(signal)
        if loss.target_domain.low_inclusive:  # y >= 0: counts
            y = rng.poisson(mean).astype(np.float64)
        else:
            y = rng.gamma(2.0, mean / 2.0)
    else:
        y = 3.0 * signal + rng.standard_t(4, size=n)
    return X, y


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def ranking_data(n_groups=120, seed=0, low=3, high=20, n_features=5):
    """Features, graded labels 0-4 and group sizes, relevance driven by the first two
    columns."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(low, high, size=n_groups)
    n = int(sizes.sum())
    X = rng.normal(size=(n, n_features))
    y = np.clip(np.round(X[:, 0] + 0.5 * X[:, 1] + 0.7 * rng.normal(size=n) + 1), 0, 4)
    return X, y, sizes


def write_csv(path, header, rows):
    """A CSV file of ``header`` and ``rows`` at ``path`` (returned)."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# The CSVs the repository ships (the command line's tests read them).
SHIPPED_DATA = Path(__file__).resolve().parents[1] / "datasets"


def run_command(capsys, *argv):
    """``boostobj ARGV`` in this process: (exit status, stdout, stderr)."""
    from boostobj import cli

    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
