"""Pictures of images: sample grids, reconstructions side by side, a tiled grid, the mean image, class counts and
an error map."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from aelib.plots._common import IMSHOW, ImageBatch, _as_numpy, _bare, _image, _images, _labels, _name


def show_images(
    images: ImageBatch,
    labels: Any = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 5,
    title: str | None = None,
    size: float = 1.6,
) -> Figure:
    """A grid of images, ``ncols`` per row, each titled with its label (as a class name if given).

    ``images``: ``(N, 28, 28)`` etc. (see the module docstring); ``labels``: ``(N,)`` ints or None.
    ``size`` is the side of one image in inches. Returns a figure with exactly ``N`` axes.
    """
    x = _images(images)
    y = _labels(labels, len(x)) if labels is not None else None
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols}.")
    ncols = min(ncols, len(x))
    nrows = math.ceil(len(x) / ncols)
    height = size * (1.18 if y is not None else 1.0)  # room for the label titles
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(ncols * size, nrows * height + (0.4 if title else 0)),
        squeeze=False,
        layout="constrained",
    )
    for i, ax in enumerate(axes.flat):
        if i >= len(x):
            fig.delaxes(ax)  # the last row may be partly empty: remove its blank frames
            continue
        ax.imshow(x[i], **IMSHOW)
        _bare(ax)
        if y is not None:
            ax.set_title(_name(int(y[i]), class_names), fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def reconstruction_grid(
    rows: Mapping[str, ImageBatch],
    n: int = 8,
    title: str | None = None,
    captions: Mapping[str, Sequence[str]] | None = None,
    size: float = 1.2,
) -> Figure:
    """One row per entry of ``rows`` (e.g. ``{"noisy": …, "denoised": …, "clean": …}``), its name on the left.

    Shows the first ``n`` images of each row (fewer if a row has fewer). ``captions`` maps a row name to one
    short text per image (e.g. ``"21.3 dB"``), written under the image. ``size``: inches per image.
    """
    if not rows:
        raise ValueError("rows is empty: give at least one {name: images} entry.")
    data = {name: _images(imgs, f"rows[{name!r}]") for name, imgs in rows.items()}
    n = min([n] + [len(x) for x in data.values()])
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}.")
    captions = dict(captions or {})
    for name, texts in captions.items():
        if name not in data:
            raise ValueError(f"captions[{name!r}] names no row; rows are {list(data)}.")
        if len(texts) < n:
            raise ValueError(f"captions[{name!r}] has {len(texts)} texts for {n} images.")
    row_h = size * (1.15 if captions else 1.0)
    fig, axes = plt.subplots(
        len(data),
        n,
        figsize=(n * size + 0.8, len(data) * row_h + (0.4 if title else 0)),
        squeeze=False,
        layout="constrained",
    )
    for r, (name, x) in enumerate(data.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(x[c], **IMSHOW)
            _bare(ax)
            if name in captions:
                ax.set_xlabel(str(captions[name][c]), fontsize=8, labelpad=2)
        axes[r, 0].set_ylabel(name, fontsize=10)
    if title:
        fig.suptitle(title)
    return fig


def make_grid_image(images: ImageBatch, nrow: int = 8, padding: int = 2, pad_value: float = 0.5) -> np.ndarray:
    """Tile images into one ``(H, W)`` float array in [0, 1] with :func:`torchvision.utils.make_grid`.

    ``nrow`` is the number of images per row, so tile ``(r, c)`` holds image ``r * nrow + c`` (the tutorial this
    replaces indexed ``i * m + j`` with the wrong count and scrambled the grid). Tiles are ``padding`` pixels
    apart on a grey (``pad_value``) background so that black-background digits stay visibly separate.
    """
    if nrow < 1:
        raise ValueError(f"nrow must be >= 1, got {nrow}.")
    # Imported here: importing torchvision costs about a second (it loads its models and torch's compiler), which
    # every lesson's first cell would pay for a function only some lessons call.
    from torchvision.utils import make_grid

    x = torch.from_numpy(_images(images)).unsqueeze(1)  # (N, 1, H, W), what make_grid expects
    grid = make_grid(x, nrow=nrow, padding=padding, pad_value=pad_value)
    return grid[0].numpy()  # make_grid repeats one channel into three identical ones


def show_grid(images: ImageBatch, nrow: int = 8, title: str | None = None, size: float = 0.9) -> Figure:
    """Show :func:`make_grid_image` as one picture; ``size`` is inches per tile."""
    x = _images(images)
    grid = make_grid_image(x, nrow)
    ncols, nrows = min(nrow, len(x)), math.ceil(len(x) / nrow)
    fig, ax = plt.subplots(figsize=(ncols * size, nrows * size + (0.4 if title else 0)), layout="constrained")
    ax.imshow(grid, **IMSHOW)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def plot_mean_image(
    images: ImageBatch, labels: Any = None, class_names: Sequence[str] | None = None, title: str | None = None
) -> Figure:
    """The per-pixel mean image (0–1 scale, with a colour bar); with ``labels``, one mean per class."""
    x = _images(images)
    if labels is None:
        fig, ax = plt.subplots(figsize=(3.4, 3), layout="constrained")
        im = ax.imshow(x.mean(axis=0), **IMSHOW)
        _bare(ax)
        fig.colorbar(im, ax=ax, shrink=0.85, label="mean pixel value")
        ax.set_title(title or f"mean of {len(x)} images", fontsize=10)
        return fig
    y = _labels(labels, len(x))
    classes = np.unique(y)
    ncols = min(len(classes), 5)
    nrows = math.ceil(len(classes) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * 1.6, nrows * 1.8 + 0.4), squeeze=False, layout="constrained"
    )
    for ax, k in zip(axes.flat, classes, strict=False):
        ax.imshow(x[y == k].mean(axis=0), **IMSHOW)
        _bare(ax)
        ax.set_title(_name(int(k), class_names), fontsize=9)
    for ax in list(axes.flat)[len(classes) :]:
        fig.delaxes(ax)
    fig.suptitle(title or "mean image per class")
    return fig


def plot_class_counts(labels: Any, class_names: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Bar chart of images per class, each bar annotated with its count (classes with 0 images included)."""
    y = _as_numpy(labels).reshape(-1).astype(np.int64)
    if len(y) == 0 or y.min() < 0:
        raise ValueError("labels: expected a non-empty array of class indices >= 0.")
    counts = np.bincount(y, minlength=len(class_names) if class_names is not None else 0)
    names = [_name(k, class_names) for k in range(len(counts))]
    fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(counts) + 1), 3.6), layout="constrained")
    bars = ax.bar(names, counts, color="C0")
    ax.bar_label(bars, labels=[f"{c:,}" for c in counts], fontsize=8, padding=2)
    ax.set_ylabel("images")
    ax.set_ylim(0, counts.max() * 1.12)  # headroom for the annotations
    if max(len(s) for s in names) > 3:
        ax.tick_params(axis="x", labelrotation=35)
        plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.set_title(title or f"images per class ({len(y):,} in all)")
    return fig


def plot_error_map(original: ImageBatch, recon: ImageBatch, title: str | None = None) -> Figure:
    """Original | reconstruction | per-pixel squared error, with the image's MSE in the title.

    The error panel uses its own colour scale (0 to its largest error, see the colour bar): on the fixed
    0..1 scale a typical error of 0.01 would be invisible.
    """
    a, b = _image(original, "original"), _image(recon, "recon")
    if a.shape != b.shape:
        raise ValueError(f"original {a.shape} and recon {b.shape} must have the same shape.")
    err = (a - b) ** 2
    fig, axes = plt.subplots(1, 3, figsize=(7.2, 2.7), layout="constrained")
    for ax, img, name in zip(axes[:2], (a, b), ("original", "reconstruction"), strict=True):
        ax.imshow(img, **IMSHOW)
        ax.set_title(name, fontsize=10)
        _bare(ax)
    im = axes[2].imshow(err, cmap="inferno", vmin=0.0, vmax=max(float(err.max()), 1e-6), interpolation="nearest")
    axes[2].set_title("squared error", fontsize=10)
    _bare(axes[2])
    fig.colorbar(im, ax=axes[2], shrink=0.85)
    fig.suptitle(f"{title + ': ' if title else ''}MSE = {err.mean():.4f}")
    return fig
