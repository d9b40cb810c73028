"""``boostobj losses``: the table of every loss, generated from the registry (the guide's
loss table, docs/guide/losses.md, is its output)."""

from __future__ import annotations

import inspect

from ..losses import available_losses, example_loss, loss_class
from .arguments import add_command_parser

__all__ = ["add_command", "loss_table_markdown", "run"]


def add_command(commands):
    """The ``losses`` command's parser."""
    add_command_parser(commands, "losses", run, "print the table of every loss",
             "The table of every loss: name, aliases, parameters with defaults, link, the "
             "built-in twins in XGBoost and LightGBM, and the hessian given to the booster.",
             ["boostobj losses"])


def run(args):
    """Print the loss table and its footnotes."""
    print(loss_table_markdown(), end="")
    print("\n* both re-fit each leaf to the weighted quantile of its residuals (leaf renewal); "
          "the built-ins interpolate between order statistics, boostobj takes the exact "
          "minimiser.\n† LightGBM's huber gives its trees h = 1 and keeps a fixed δ; boostobj "
          "gives the IRLS weight g/r and renews the leaves.\n‡ with `hessian=doubled` "
          "(XGBoost's 2p(1−p)); the default K/(K−1)·p(1−p) is LightGBM's. For "
          "pairwise_logistic: XGBoost's rank:pairwise over all pairs without normalisation "
          "gives twice RankNet's hessian.\nlistwise_softmax, pairwise_logistic and "
          "pairwise_hinge are ranking losses: one loss per query group (group= / qid=).")
    return 0


def _defaults(cls):
    """A loss class's parameters with their defaults, ``(required)`` where it has none."""
    parameters = inspect.signature(cls.__init__).parameters
    try:
        cls()
        required = set()
    except ValueError as error:  # the message names the parameter that must be given
        required = {name for name in cls.parameters if name in str(error)}
    shown = []
    for name in cls.parameters:
        default = parameters[name].default
        shown.append(f"`{name}` (required)" if name in required else f"`{name}`={default!r}")
    return ", ".join(shown) or "—"


def loss_table_markdown():
    """The loss table (Markdown), generated from the registry."""
    lines = ["| loss | aliases | parameters | link | XGBoost twin | LightGBM twin "
             "| hessian given to the booster |",
             "|---|---|---|---|---|---|---|"]
    for name in available_losses():
        cls = loss_class(name)
        xgb_twin = cls.builtin_twins.get("xgboost", "")
        lgb_twin = cls.builtin_twins.get("lightgbm", "")
        aliases = ", ".join(f"`{a}`" for a in cls.aliases) or "—"
        if "hessian" in cls.parameters and name in ("softmax", "soft_label", "kl_divergence"):
            hessian = "K/(K−1) × exact (`hessian=exact`, `doubled`)"
        elif "hessian" in cls.parameters and _instance(cls).grouped:
            hessian = "exact (`hessian=doubled` available)"
        elif "hessian" in cls.parameters:
            hessian = "IRLS g/r (`hessian=exact` available)"
        elif hasattr(cls, "outputs") and cls.outputs:
            hessian = "Fisher information"
        else:
            hessian = "exact" if cls.exact_hessian else "stand-in"
        if _instance(cls).renews_leaves:
            hessian += "; leaves renewed"
        link = _instance(cls).link.name
        if hasattr(cls, "outputs") and cls.outputs:  # one raw score per parameter
            link = ", ".join(cls.outputs)
        lines.append(f"| `{name}` | {aliases} | {_defaults(cls)} | {link} | "
                     f"{_code(xgb_twin)} | {_code(lgb_twin)} | {hessian} |")
    return "\n".join(lines) + "\n"


def _instance(cls):
    """An example instance of the loss class (required parameters from its example)."""
    return example_loss(cls.name)


def _code(text):
    """``text`` as Markdown code, or a dash for none."""
    return f"`{text}`" if text else "—"
