"""Lesson 08's figures: a VAE's negative ELBO per epoch and its two parts, and the KL of each code dimension.

Line and bar charts only (the image grids are :func:`aelib.plots.show_grid` and
:func:`aelib.plots.reconstruction_grid`); each builds its own figure and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_elbo_curves", "plot_kl_by_dimension"]

PARTS = (("nelbo", "negative ELBO"), ("reconstruction", "reconstruction (BCE)"), ("kl", "KL to N(0, I)"))


def plot_elbo_curves(
    curves: Mapping[str, Mapping[str, Sequence[float]]],
    references: Mapping[str, float] | None = None,
    title: str | None = None,
) -> Figure:
    """Three panels over the epochs: the test negative ELBO, its reconstruction part and its KL part (nats/image).

    ``curves``: ``{model name: {"nelbo": […], "reconstruction": […], "kl": […]}}``, one value per epoch (what
    :meth:`aelib.train.History.val_part` gives). ``references``: horizontal lines on the first panel,
    ``{label: nats}`` (e.g. the tutorial's quoted figure).
    """
    if not curves:
        raise ValueError("curves is empty: give {model name: {'nelbo': [...], 'reconstruction': [...], 'kl': [...]}}.")
    for name, parts in curves.items():
        missing = [p for p, _ in PARTS if p not in parts]
        if missing:
            raise ValueError(f"curves[{name!r}] lacks {missing}.")
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
    for (part, label), ax in zip(PARTS, axes, strict=True):
        for name, parts in curves.items():
            y = np.asarray(parts[part], dtype=float)
            ax.plot(np.arange(1, len(y) + 1), y, marker="o", markersize=3, label=name)
        ax.set(xlabel="epoch", ylabel="nats per test image", title=label)
        ax.grid(True, alpha=0.3)
    for (label, value), style in zip((references or {}).items(), ("--", ":", "-."), strict=False):
        axes[0].axhline(value, color="grey", linestyle=style, label=f"{label}: {value:g}")
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_kl_by_dimension(
    kls: Mapping[str, Sequence[float]], threshold: float = 0.01, title: str | None = None
) -> Figure:
    """One bar chart per model: the average KL of each code dimension (nats), largest first, on a log axis, with
    the ``threshold`` under which a dimension counts as collapsed (unused). ``kls``: ``{name: (k,) values}``."""
    if not kls:
        raise ValueError("kls is empty: give {model name: KL per code dimension}.")
    fig, axes = plt.subplots(1, len(kls), figsize=(4.2 * len(kls), 3.2), squeeze=False, layout="constrained")
    for ax, (name, kl) in zip(axes[0], kls.items(), strict=True):
        v = np.sort(np.asarray(kl, dtype=float))[::-1]
        active = int((v > threshold).sum())  # sampling.active_units, not imported: figures need no analysis module
        ax.bar(np.arange(1, len(v) + 1), np.maximum(v, 1e-4), color=np.where(v > threshold, "tab:blue", "lightgrey"))
        ax.axhline(threshold, color="tab:red", linestyle="--", linewidth=1)
        ax.set(yscale="log", ylim=(1e-4, max(10.0, v.max() * 2)), xlabel="code dimension (sorted)",
               ylabel="average KL (nats)", title=f"{name}: {active} of {len(v)} active")
        ax.grid(True, axis="y", alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig
