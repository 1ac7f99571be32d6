"""Lesson 07's figures: how the error falls with the code size, principal angles, and scores against a paper's.

Line and bar charts only (the image figures are in :mod:`aelib.plots`); each builds its own figure and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

__all__ = ["plot_challenge", "plot_code_size_sweep", "plot_principal_angles", "plot_scores"]

AE_STYLE = dict(color="tab:blue", marker="o", label="autoencoder")
PCA_STYLE = dict(color="tab:orange", label="PCA")


def _sorted(curve: Mapping[int, float], name: str) -> tuple[np.ndarray, np.ndarray]:
    if not curve:
        raise ValueError(f"{name} is empty: give {{code size: MSE}}.")
    ks = np.array(sorted(curve))
    if ks.min() < 1:
        raise ValueError(f"{name}: code sizes must be >= 1 for log axes, got {ks.min()}.")
    return ks, np.array([curve[k] for k in ks], dtype=float)


def plot_code_size_sweep(
    pca_mse: Mapping[int, float], ae_mse: Mapping[int, float], title: str | None = None
) -> Figure:
    """Test MSE against the code size ``k`` for PCA (a line over every ``k`` given) and the autoencoders (dots),
    on log axes; on the right, the ratio autoencoder / PCA at each autoencoder's ``k`` (1 = no better than PCA).

    ``pca_mse``, ``ae_mse``: ``{k: per-pixel MSE}``; every ``k`` of ``ae_mse`` must be in ``pca_mse``.
    """
    pk, pv = _sorted(pca_mse, "pca_mse")
    ak, av = _sorted(ae_mse, "ae_mse")
    missing = sorted(int(k) for k in set(ak) - set(pk))
    if missing:
        raise ValueError(f"PCA's MSE is missing for the code sizes {missing}: fit it for every k of ae_mse.")
    ratio = av / np.array([pca_mse[k] for k in ak])
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10.5, 3.8))
    ax.plot(pk, pv, **PCA_STYLE)
    ax.plot(ak, av, **AE_STYLE)
    ax.set(xscale="log", yscale="log", xlabel="code size k (numbers per image)", ylabel="test MSE per pixel",
           title="error against code size")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    bx.plot(ak, ratio, **{**AE_STYLE, "label": None})
    bx.axhline(1.0, color="tab:orange", linestyle="--", label="PCA (ratio 1)")
    for k, r in zip(ak, ratio, strict=True):
        bx.annotate(f"{r:.2f}", (k, r), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    bx.set(xscale="log", xlabel="code size k", ylabel="autoencoder MSE / PCA MSE", title="autoencoder / PCA",
           ylim=(0, max(1.1, ratio.max() * 1.15)))
    bx.legend(loc="lower right")
    bx.grid(True, which="both", alpha=0.3)
    for axis in (ax.xaxis, bx.xaxis):  # the code sizes themselves on the log axes, not 2×10⁰, 3×10⁰, …
        axis.set_major_locator(FixedLocator(sorted({1, *ak.tolist(), int(pk.max())})))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_principal_angles(angles: Sequence[float], title: str | None = None) -> Figure:
    """The principal angles between two subspaces (degrees, smallest first) as bars, with their median."""
    a = np.asarray(angles, dtype=float)
    if a.ndim != 1 or len(a) == 0:
        raise ValueError(f"angles: expected a non-empty 1-d sequence, got shape {a.shape}.")
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.bar(np.arange(1, len(a) + 1), a, color="tab:blue")
    ax.axhline(float(np.median(a)), color="k", linestyle=":", label=f"median {np.median(a):.1f}°")
    ax.set(xlabel="principal angle (1 = the closest pair of directions)", ylabel="degrees",
           title=title or "angles between the two subspaces", ylim=(0, max(10.0, a.max() * 1.2)))
    ax.set_xticks(np.arange(1, len(a) + 1))
    ax.legend()
    fig.tight_layout()
    return fig


def plot_scores(
    ours: Mapping[str, float], reference: Mapping[str, float], unit: str, title: str | None = None
) -> Figure:
    """Horizontal bars: our scores (blue) and a reference's (grey, e.g. a paper's), lower is better."""
    if not ours:
        raise ValueError("ours is empty: give {name: score}.")
    rows = [(name, v, "tab:blue") for name, v in ours.items()] + [
        (name, v, "0.6") for name, v in reference.items()
    ]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.0))
    y = np.arange(len(rows))[::-1]
    ax.barh(y, [r[1] for r in rows], color=[r[2] for r in rows])
    for yi, (_, v, _) in zip(y, rows, strict=True):
        ax.text(v, yi, f" {v:.2f}", va="center", fontsize=9)
    ax.set_yticks(y, [r[0] for r in rows])
    ax.set(xlabel=unit, title=title, xlim=(0, max(r[1] for r in rows) * 1.18))
    fig.tight_layout()
    return fig


def plot_challenge(epochs: Sequence[int], sse: Sequence[float], target: float,
                   reference: Mapping[str, float] | None = None, title: str | None = None) -> Figure:
    """The test SSE per image after each epoch of a long run (log scale), with the target and reference lines."""
    e, s = np.asarray(epochs), np.asarray(sse, dtype=float)
    if len(e) == 0 or len(e) != len(s):
        raise ValueError(f"epochs and sse must be non-empty and of one length, got {len(e)} and {len(s)}.")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(e, s, color="tab:blue", label="ours (test)")
    ax.axhline(target, color="tab:red", linestyle="--", label=f"target {target:.2f}")
    for (name, v), style in zip((reference or {}).items(), (":", "-."), strict=False):
        ax.axhline(v, color="0.4", linestyle=style, label=f"{name} {v:.2f}")
    best = int(np.argmin(s))
    ax.annotate(f"best {s[best]:.2f}", (e[best], s[best]), textcoords="offset points", xytext=(-10, 10), ha="right")
    ax.set(yscale="log", xlabel="epoch", ylabel="test SSE per image", title=title)
    plain = FuncFormatter(lambda v, _: f"{v:g}")  # 3, 4, 6 … rather than 3×10⁰
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig
