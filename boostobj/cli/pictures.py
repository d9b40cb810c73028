"""The pictures the command line draws: loss curves, prediction intervals against the
truth, the robust-loss study, and a trained model's learning curve and feature importance.

matplotlib is optional (the ``plot`` extra, or ``pip install matplotlib``); every function
here raises :class:`PlottingUnavailable` with that instruction when it is missing. Figures
are drawn with matplotlib's object API (no pyplot), so nothing here changes the backend of a
user's session.
"""

from __future__ import annotations

import numpy as np

from ..losses import MulticlassLoss, get_loss, loss_class
from ..losses.multiclass import ProbabilityRows
from ..metrics import coverage

__all__ = ["check_available", "DEFAULT_CURVES", "importance_figure", "intervals_figure",
           "learning_curve_figure", "loss_curves", "loss_figure", "PlottingUnavailable",
           "sinc_figure"]

# boostobj installs from its repository, not an index: the plot extra is matplotlib alone.
INSTALL_HINT = "pip install matplotlib (or pip install '.[plot]' in boostobj's folder)"

# What `plot-losses` draws without names: the regression losses, then the binary ones.
DEFAULT_CURVES = ["squared_error", "absolute_error", "huber", "pseudo_huber", "log_cosh", "fair",
                  "cauchy", "quantile:alpha=0.9", "logistic", "focal:gamma=2", "hinge",
                  "squared_hinge", "exponential"]


class PlottingUnavailable(ImportError):
    """matplotlib is not installed."""


def _figure_class():
    try:
        import matplotlib  # noqa: F401  (the package itself: a cached submodule proves nothing)
        from matplotlib.figure import Figure
    except ImportError as error:
        raise PlottingUnavailable(f"plots need matplotlib, which is not installed: "
                                  f"{INSTALL_HINT}") from error
    return Figure


def check_available():
    """Raise :class:`PlottingUnavailable` now, before any long work, if plots cannot be drawn."""
    _figure_class()


def _figure(width, height):
    return _figure_class()(figsize=(width, height), layout="constrained")


def _save(figure, path):
    figure.savefig(path, dpi=110)
    return path


# --- a trained model -------------------------------------------------------------------------

def learning_curve_figure(path, curves, loss_name, stopped_at=None):
    """The loss per round of each evaluated set (``curves``: name -> values), with the round
    early stopping kept marked. Returns ``path``."""
    figure = _figure(7.5, 4.2)
    axis = figure.add_subplot()
    for name, values in curves.items():
        rounds = np.arange(1, len(values) + 1)
        axis.plot(rounds, values, label=name, linewidth=1.6)
    if stopped_at is not None:
        axis.axvline(stopped_at, color="0.3", linestyle="--", linewidth=1)
        longest = max((len(v) for v in curves.values()), default=stopped_at)
        late = stopped_at > 0.7 * longest  # write the label on the side with room
        axis.annotate(f"kept: {stopped_at} rounds", (stopped_at, 1), xycoords=(
            "data", "axes fraction"), xytext=(-4 if late else 4, -14),
            textcoords="offset points", fontsize=9, color="0.3",
            ha="right" if late else "left")
    values = (np.concatenate([np.asarray(v, dtype=np.float64) for v in curves.values()])
              if curves else np.ones(1))
    if np.all(values > 0) and values.max() > 100 * values.min():
        axis.set_yscale("log")  # a loss that falls by decades: the late rounds stay visible
    axis.set_xlabel("boosting round")
    axis.set_ylabel(f"{loss_name} loss (mean)")
    axis.set_title(f"learning curve: {loss_name}")
    axis.grid(alpha=0.3)
    axis.legend()
    return _save(figure, path)


def importance_figure(path, names, gains, top=20):
    """Each feature's share of the model's total split gain, the ``top`` largest.
    Returns ``path``."""
    gains = np.asarray(gains, dtype=np.float64)
    total = gains.sum()
    share = gains / total if total > 0 else gains
    order = np.argsort(share)[::-1][:top][::-1]
    figure = _figure(7.5, 1.2 + 0.32 * max(len(order), 3))
    axis = figure.add_subplot()
    axis.barh([str(names[j]) for j in order], share[order], color="#4477aa")
    for position, j in enumerate(order):
        axis.annotate(f"{share[j]:.1%}", (share[j], position), xytext=(3, 0),
                      textcoords="offset points", va="center", fontsize=8)
    axis.set_xlabel("share of the total split gain")
    shown = (f"the {len(order)} largest of {len(names)}" if len(names) > len(order)
             else f"all {len(names)} features")
    axis.set_title(f"feature importance ({shown})")
    axis.set_xlim(0, max(float(share.max()) * 1.15, 0.05) if share.size else 1)
    return _save(figure, path)


# --- loss curves ------------------------------------------------------------------------------

def _fixed_scale(spec):
    """The loss of ``spec`` with every "auto" scale set to 1, and its label."""
    loss = get_loss(spec)
    auto = {name: 1.0 for name in type(loss).parameters if getattr(loss, name, None) == "auto"}
    if auto:
        loss = get_loss(spec, **auto)
    label = spec + "".join(f" ({name} = 1)" for name in auto)
    return loss, label


def loss_curves(spec, points=401):
    """(axis kind, label, x, loss, gradient, hessian) of one loss along one input.

    The axis kind says what x is: the residual r = y - f (identity link: y = 0, f = -r),
    the raw score f with y = 1 (log link), the margin f for the positive class
    (binary; for multiclass losses K = 2 and f = f_y - f_other), or for ranking losses the
    score difference d of a group of a relevant and an irrelevant row (derivatives of the
    relevant row's score). The hessian is the one
    the booster is given (a stand-in where the loss's true one is zero or negative).
    """
    loss, label = _fixed_scale(spec)
    link = loss.link.name
    if loss.grouped:
        # groups of two rows, a relevant one (score d) and an irrelevant one (score 0)
        x = np.linspace(-4, 4, points)
        y = np.tile([1.0, 0.0], points)
        raw = np.column_stack([x, np.zeros(points)]).reshape(-1)
        group = np.full(points, 2)
        gradient, hessian = loss.gradient_hessian(y, raw, group=group)
        if not loss.exact_hessian:
            label += " (stand-in h)"
        return ("pair", label, x, loss.loss(y, raw, group=group), gradient[0::2],
                hessian[0::2])
    if isinstance(loss, MulticlassLoss):
        x = np.linspace(-6, 6, points)
        raw = np.column_stack([x / 2, -x / 2])
        y = np.column_stack([np.ones(points), np.zeros(points)]) if isinstance(
            loss.target_domain, ProbabilityRows) else np.zeros(points)
        values = loss.loss(y, raw)
        gradient, hessian = loss.gradient_hessian(y, raw)
        return "margin", label, x, values, gradient[:, 0], hessian[:, 0]
    if link == "identity":
        kind, x = "residual", np.linspace(-4, 4, points)
        y, raw = np.zeros(points), -x
    elif link == "log":
        kind, x = "raw score", np.linspace(-3, 3, points)
        y, raw = np.ones(points), x
    else:
        kind, x = "margin", np.linspace(-4, 4, points)
        y, raw = np.ones(points), x
    gradient, hessian = loss.gradient_hessian(y, raw)
    if getattr(loss, "hessian", None) == "irls":
        label += " (IRLS h = g/r)"
    elif not loss.exact_hessian:
        label += " (stand-in h)"
    return kind, label, x, loss.loss(y, raw), gradient, hessian


_AXIS_LABELS = {"residual": "residual r = y − f",
                "raw score": "raw score f (y = 1, log link)",
                "margin": "margin f (label +1; multiclass: f_y − f_other, K = 2)",
                "pair": "score difference d = s⁺ − s⁻ (ranking: a group of two rows)"}


def loss_figure(path, specs=None):
    """Loss, gradient and hessian against the residual or margin, one row per kind of input.

    Returns ``path``. Unknown names raise the registry's ``ValueError`` (it lists the names).
    """
    specs = list(specs or DEFAULT_CURVES)
    for spec in specs:
        loss_class(spec.partition(":")[0])  # a clear error before any drawing
    curves = [loss_curves(spec) for spec in specs]
    kinds = list(dict.fromkeys(kind for kind, *_ in curves))
    figure = _figure(13, 3.8 * len(kinds))
    axes = figure.subplots(len(kinds), 3, squeeze=False)
    for row, kind in enumerate(kinds):
        for kind_of, label, x, values, gradient, hessian in curves:
            if kind_of != kind:
                continue
            for axis, series in zip(axes[row], (values, gradient, hessian), strict=True):
                axis.plot(x, series, linewidth=1.6, label=label)
        for axis, title in zip(axes[row], ("loss", "gradient ∂L/∂f",
                                           "hessian given to the booster"), strict=True):
            axis.set_title(title)
            axis.set_xlabel(_AXIS_LABELS[kind])
            axis.axhline(0, color="0.8", linewidth=0.8, zorder=0)
            axis.axvline(0, color="0.8", linewidth=0.8, zorder=0)
        # Fast-growing curves (exponential, squared error) would flatten the others.
        shown = [c for c in curves if c[0] == kind]
        top = min(max(np.nanmax(c[3]) for c in shown), 8.0)
        axes[row][0].set_ylim(-0.05 * top, 1.05 * top)
        slope = min(max(np.nanmax(np.abs(c[4])) for c in shown), 5.0)
        axes[row][1].set_ylim(-1.1 * slope, 1.1 * slope)
        curvature = min(max(max(np.nanmax(c[5]) for c in shown), 1.0), 4.0)
        axes[row][2].set_ylim(-0.05 * curvature, 1.1 * curvature)
        axes[row][0].legend(fontsize=8, loc="upper center")
    figure.suptitle("boostobj losses: value, gradient and hessian ('auto' scales set to 1)")
    return _save(figure, path)


# --- prediction intervals ---------------------------------------------------------------------

def _bins(prediction, n_bins):
    # Equal counts by rank, so ties in the predictions leave no bin empty.
    rank = np.empty(prediction.size, dtype=np.int64)
    rank[np.argsort(prediction, kind="stable")] = np.arange(prediction.size)
    return rank * n_bins // prediction.size


def intervals_figure(path, y, intervals, levels, *, prediction=None, x=None, x_name=None,
                     target_name="target", rows_shown=250, n_bins=10, seed=0):
    """Held-out intervals against the truth, and coverage and width across the range.

    ``intervals`` maps a model's name to its (n, 2) intervals on the rows ``y``; the first
    is drawn row by row (a random ``rows_shown`` of them, sorted by ``prediction`` or, with
    a single feature ``x``, against it). The right panels give, in up to ``n_bins`` equal
    groups of rows by ``prediction`` (at least 20 rows each), each model's coverage and
    mean width; with fewer than 60 rows they show each row (where its truth falls in its
    interval, and the interval's width) against the prediction. Returns ``path``.
    """
    y = np.asarray(y, dtype=np.float64)
    names = list(intervals)
    first = np.asarray(intervals[names[0]])
    centre = first.mean(axis=1) if prediction is None else np.asarray(prediction)
    nominal = levels[-1] - levels[0]
    figure = _figure(15, 4.8)
    left, middle, right = figure.subplots(1, 3, width_ratios=(1.6, 1, 1))

    if x is not None:
        order = np.argsort(x)
        left.fill_between(x[order], first[order, 0], first[order, 1], color="tab:blue",
                          alpha=0.25, step="mid", label=f"{names[0]}")
        inside = (y >= first[:, 0]) & (y <= first[:, 1])
        left.scatter(x[inside], y[inside], s=8, color="black", label="truth, inside")
        left.scatter(x[~inside], y[~inside], s=12, color="tab:red", label="truth, outside")
        left.set_xlabel(x_name or "feature")
    else:
        rng = np.random.default_rng(seed)
        shown = rng.choice(y.size, size=min(rows_shown, y.size), replace=False)
        shown = shown[np.argsort(centre[shown])]
        position = np.arange(shown.size)
        lower, upper = first[shown, 0], first[shown, 1]
        left.vlines(position, lower, upper, color="tab:blue", alpha=0.5, linewidth=1.5,
                    label=names[0])
        inside = (y[shown] >= lower) & (y[shown] <= upper)
        left.scatter(position[inside], y[shown][inside], s=8, color="black",
                     label="truth, inside", zorder=3)
        left.scatter(position[~inside], y[shown][~inside], s=14, color="tab:red",
                     label="truth, outside", zorder=3)
        left.set_xlabel(f"{shown.size} random held-out rows, sorted by prediction")
    left.set_ylabel(target_name)
    left.set_title(f"{nominal:.0%} intervals on held-out rows: coverage "
                   f"{coverage(y, first):.3f}")
    left.legend(fontsize=8, loc="upper left")

    if y.size < 60:  # too few rows for three groups of 20: each row on its own
        _rows_panels(middle, right, y, intervals, centre, target_name)
        return _save(figure, path)
    n_bins = max(1, min(n_bins, y.size // 20))  # at least 20 rows to a bar
    bins = _bins(centre, n_bins)
    middles = np.arange(n_bins) + 1
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        interval = np.asarray(intervals[name])
        covered = (y >= interval[:, 0]) & (y <= interval[:, 1])
        by_bin = np.array([covered[bins == b].mean() for b in range(n_bins)])
        widths = np.array([np.mean(interval[bins == b, 1] - interval[bins == b, 0])
                           for b in range(n_bins)])
        offset = (k - (len(names) - 1) / 2) * width
        middle.bar(middles + offset, by_bin, width=width, label=name)
        right.bar(middles + offset, widths, width=width, label=name)
    middle.axhline(nominal, color="black", linestyle="--", linewidth=1,
                   label=f"target {nominal:.0%}")
    middle.set_ylim(max(0.0, nominal - 0.35), 1.13)  # room above the bars for the legend
    middle.set_yticks([t for t in np.arange(0.0, 1.01, 0.1) if t >= nominal - 0.35])
    middle.set_title(f"coverage in {n_bins} equal groups of rows by prediction")
    middle.set_xlabel("group (1 = lowest predictions)")
    middle.legend(fontsize=7, loc="upper center", ncol=2)
    right.set_title(f"mean width, {target_name}")
    right.set_xlabel("group (1 = lowest predictions)")
    for axis in (middle, right):
        axis.set_xticks(middles)
    return _save(figure, path)


def _rows_panels(middle, right, y, intervals, centre, target_name):
    """Small held-out sets: where each truth falls in its interval (0 = lower end, 1 = upper
    end; outside the band is a miss), and each interval's width, against the prediction."""
    for name, interval in intervals.items():
        interval = np.asarray(interval)
        width = interval[:, 1] - interval[:, 0]
        where = (y - interval[:, 0]) / np.where(width > 0, width, 1.0)
        middle.scatter(centre, where, s=18, label=name)
        right.scatter(centre, width, s=18, label=name)
    middle.axhspan(0, 1, color="0.9", zorder=0, label="inside the interval")
    middle.set_title(f"where each of the {y.size} truths falls in its interval")
    middle.set_ylabel("(truth - lower) / width")
    right.set_title(f"interval width per row, {target_name}")
    for axis in (middle, right):
        axis.set_xlabel("prediction")
        axis.legend(fontsize=7)


# --- the robust-loss study --------------------------------------------------------------------

def sinc_figure(path, x, y, grid, clean, curves, title):
    """The robust study's panels: training data, the clean sinc and each group's fits."""
    figure = _figure(11, 8)
    axes = figure.subplots(2, 2, sharex=True)
    for axis, (group, fits) in zip(axes.ravel(), curves, strict=True):
        axis.scatter(x, y, s=3, color="0.7", label="training data")
        axis.plot(grid, clean, color="black", linewidth=1, label="sinc")
        for label, prediction in fits:
            axis.plot(grid, prediction, linewidth=1.5, label=label)
        axis.set_ylim(-1.0, 1.6)
        axis.set_title(group)
        axis.legend(loc="upper right", fontsize=8)
    figure.suptitle(title)
    return _save(figure, path)
