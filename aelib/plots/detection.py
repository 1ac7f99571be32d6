"""Lesson 09's figures: ROC curves, the scores of normal and unusual images side by side, and accuracy against the
number of labels.

Each builds its own figure and returns it; what they draw is computed in :mod:`aelib.detection` and
:mod:`aelib.probes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from aelib.detection import roc_auc, roc_curve
from aelib.plots._common import _as_numpy

__all__ = ["plot_few_labels", "plot_roc", "plot_score_histograms"]


def plot_roc(curves: Mapping[str, tuple[object, object]], title: str | None = None) -> Figure:
    """ROC curves: the hit rate (unusual items flagged) against the false-alarm rate (normal items flagged) as the
    threshold falls from the highest score to the lowest, with the diagonal of a score that knows nothing.

    ``curves``: ``{name: (scores, unusual)}``, each ``(N,)``; the legend gives each curve's AUC."""
    if not curves:
        raise ValueError("curves is empty: give {name: (scores, unusual)}.")
    fig, ax = plt.subplots(figsize=(4.6, 4.2), layout="constrained")
    for name, (scores, unusual) in curves.items():
        fpr, tpr, _ = roc_curve(scores, unusual)
        ax.plot(fpr, tpr, label=f"{name}: AUC {roc_auc(scores, unusual):.3f}")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance: AUC 0.5")
    ax.set(xlabel="false-alarm rate (normal images flagged)", ylabel="hit rate (unusual images flagged)",
           xlim=(0, 1), ylim=(0, 1.01), aspect="equal")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    if title:
        ax.set_title(title)
    return fig


def plot_score_histograms(
    scores: object,
    unusual: object,
    names: tuple[str, str] = ("normal", "unusual"),
    threshold: float | None = None,
    log: bool = True,
    xlabel: str = "score",
    title: str | None = None,
) -> Figure:
    """The distributions of one score over the normal and the unusual items, as two density histograms on common
    bins (on a log axis by default: reconstruction errors span decades), with an optional threshold line.

    ``scores``, ``unusual``: ``(N,)``; ``names``: the two groups' labels."""
    s = _as_numpy(scores).astype(np.float64).ravel()
    u = _as_numpy(unusual).astype(bool).ravel()
    if len(s) != len(u) or u.all() or not u.any():
        raise ValueError("need one is-unusual flag per score, and items of both kinds.")
    if log and (s <= 0).any():
        raise ValueError("a log axis needs positive scores: pass log=False.")
    edges = np.geomspace(s.min(), s.max(), 60) if log else np.linspace(s.min(), s.max(), 60)
    fig, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
    for group, name, color in ((~u, names[0], "tab:blue"), (u, names[1], "tab:orange")):
        ax.hist(s[group], bins=edges, density=True, alpha=0.55, color=color, label=f"{name} ({group.sum():,})")
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.4g}")
    if log:
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel="density", yticks=[])
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_few_labels(
    accuracies: Mapping[str, Mapping[int, Sequence[float]]], title: str | None = None
) -> Figure:
    """Test accuracy against the number of labelled images per class (log axis), one line per kind of feature,
    each point the mean over draws with a bar from the lowest to the highest draw.

    ``accuracies``: ``{features name: {labels per class: [accuracy of each draw]}}``."""
    if not accuracies:
        raise ValueError("accuracies is empty: give {features: {labels per class: [accuracy per draw]}}.")
    fig, ax = plt.subplots(figsize=(6.0, 3.8), layout="constrained")
    for i, (name, by_n) in enumerate(accuracies.items()):
        ns = np.array(sorted(by_n), dtype=float)
        values = [np.asarray(by_n[n], dtype=float) for n in sorted(by_n)]
        mean = np.array([v.mean() for v in values])
        low, high = mean - [v.min() for v in values], [v.max() for v in values] - mean
        x = ns * (1 + 0.04 * (i - (len(accuracies) - 1) / 2))  # side by side, so the bars do not overlap
        ax.errorbar(x, mean, yerr=[low, high], marker="o", markersize=4, capsize=3, label=name)
    ax.set_xscale("log")
    ax.set(xlabel="labelled images per class", ylabel="test accuracy")
    ax.set_xticks(sorted({n for by_n in accuracies.values() for n in by_n}))
    ax.get_xaxis().set_major_formatter(plt.ScalarFormatter())
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig
