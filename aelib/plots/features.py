"""Lesson 10's figures: a sparse autoencoder's directions drawn as images, what sparsity costs against the number of
active latents, and how single-minded a network's units and an SAE's features are.

Each builds its own figure and returns it; what they draw is computed in :mod:`aelib.features` and the models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from aelib.plots._common import IMSHOW, _as_numpy, _bare, _images

__all__ = ["plot_density", "plot_directions", "plot_features", "plot_purity", "plot_sparsity_tradeoff"]


def plot_directions(rows: Mapping[str, object], title: str | None = None, size: float = 0.9) -> Figure:
    """Decoder directions drawn as 28×28 images, one row per model: red adds ink, blue removes it, white leaves
    the pixel alone (each image on its own symmetric scale, so a faint direction still shows its shape).

    ``rows``: ``{name: directions}``, each ``(n, 784)`` (``sae.directions[picked]``), ``n`` the same for all."""
    if not rows:
        raise ValueError("rows is empty: give {name: directions (n, 784)}.")
    arrays = {name: _as_numpy(d).reshape(len(d), 28, 28) for name, d in rows.items()}
    n = max(len(a) for a in arrays.values())
    fig, axes = plt.subplots(len(arrays), n, figsize=(size * n, size * len(arrays) + 0.5), squeeze=False,
                             layout="constrained")
    for r, (name, directions) in enumerate(arrays.items()):
        for c in range(n):
            ax = axes[r, c]
            _bare(ax)
            if c < len(directions):
                scale = float(np.abs(directions[c]).max()) or 1.0
                ax.imshow(directions[c], cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
            else:
                ax.axis("off")
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def plot_sparsity_tradeoff(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    ylabel: str,
    title: str | None = None,
    lower_is_better: bool = False,
) -> Figure:
    """A quality figure against L0, the number of active latents per input (log scale): one line per method.

    ``series``: ``{name: (l0 values, quality values)}``; a method with one point is drawn as a marker. The baseline
    (PCA with that many components) is any series whose name starts with "PCA": drawn as a grey line."""
    if not series:
        raise ValueError("series is empty: give {name: (l0 values, values)}.")
    fig, ax = plt.subplots(figsize=(5.4, 3.8), layout="constrained")
    for name, (xs, ys) in series.items():
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        order = np.argsort(xs)
        style = dict(color="grey", linestyle="--") if name.startswith("PCA") else dict(marker="o")
        ax.plot(xs[order], ys[order], label=name, **style)
    ax.set_xscale("log", base=2)
    ax.set(xlabel="L0: active numbers per input (log scale)", ylabel=ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right" if lower_is_better else "lower right")
    if title:
        ax.set_title(title)
    return fig


def plot_density(densities: Mapping[str, object], title: str | None = None) -> Figure:
    """How often each latent is active: a histogram of log10(density) per model (``{name: density (n_latents,)}``,
    :func:`aelib.features.density` on the training inputs), the dead latents (density 0) counted in a bar of their
    own at the left."""
    if not densities:
        raise ValueError("densities is empty: give {name: density of each latent}.")
    fig, ax = plt.subplots(figsize=(5.4, 3.4), layout="constrained")
    values = {name: np.asarray(_as_numpy(d), dtype=float) for name, d in densities.items()}
    floor = min(np.log10(v[v > 0].min()) for v in values.values() if (v > 0).any()) - 0.5
    bins = np.linspace(floor - 0.25, 0.05, 40)
    for name, v in values.items():
        logs = np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), floor)
        ax.hist(logs, bins=bins, histtype="step", linewidth=1.5,
                label=f"{name}: {(v == 0).mean():.0%} dead")
    ax.axvline(floor + 0.25, color="grey", linestyle=":")
    ax.text(floor, ax.get_ylim()[1] * 0.95, "dead", ha="center", va="top", fontsize=8, color="grey")
    ax.set(xlabel="log10 of the share of training inputs a latent is active on", ylabel="latents")
    ax.legend(fontsize=8, loc="upper left")
    if title:
        ax.set_title(title)
    return fig


def plot_purity(purity: Mapping[str, object], top: int, title: str | None = None) -> Figure:
    """How single-minded units are: for each group (``{name: purity (n_units,)}``, e.g. the hidden neurons and the
    SAE's live features), the share of its units whose ``top`` strongest images are at least that pure (the share
    of the most common class among them), as a falling curve: further right and higher is more monosemantic."""
    if not purity:
        raise ValueError("purity is empty: give {name: purity of each unit}.")
    fig, ax = plt.subplots(figsize=(5.4, 3.6), layout="constrained")
    grid = np.linspace(0, 1, 201)
    for name, values in purity.items():
        v = np.asarray(_as_numpy(values), dtype=float)
        ax.step(grid, [(v >= g).mean() for g in grid], where="post",
                label=f"{name} ({len(v)}): median {np.median(v):.2f}")
    ax.set(xlabel=f"purity: share of a unit's top {top} images from its most common class",
           ylabel="share of units at least this pure", xlim=(0, 1.02), ylim=(0, 1.02))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    if title:
        ax.set_title(title)
    return fig


def plot_features(
    images: object, top: object, effects: object, picked: Sequence[int], names: Sequence[str] | None = None,
    n_images: int = 8, size: float = 0.8,
) -> Figure:
    """One row per feature in ``picked``: its ``n_images`` strongest images (``top``: ``(n_latents, ≥ n_images)``
    indices into ``images``), then the bars of its logit effect (``effects``: ``(n_latents, n_classes)``), the
    digits its direction pushes up (orange) or down (blue). ``names``: a label for each row."""
    pics = _images(images)
    top, effects = _as_numpy(top), _as_numpy(effects)
    if len(picked) == 0:
        raise ValueError("picked is empty: give the features to draw.")
    fig = plt.figure(figsize=(size * n_images + 2.6, size * len(picked) + 0.3), layout="constrained")
    grid = fig.add_gridspec(len(picked), n_images + 1, width_ratios=[1] * n_images + [3.2])
    for r, feature in enumerate(picked):
        for c in range(n_images):
            ax = fig.add_subplot(grid[r, c])
            ax.imshow(pics[top[feature, c]], **IMSHOW)
            _bare(ax)
            if c == 0:
                ax.set_ylabel(names[r] if names else f"#{feature}", rotation=0, ha="right", va="center",
                              fontsize=8)
        ax = fig.add_subplot(grid[r, n_images])
        e = effects[feature]
        ax.bar(range(len(e)), e, color=np.where(e >= 0, "tab:orange", "tab:blue"))
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(range(len(e)))
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
        if r == 0:
            ax.set_title("logit effect", fontsize=8)
    return fig
