"""The figures the lessons show: image grids, reconstructions, loss curves, latent codes, error maps.

Every function builds its own figure with ``plt.subplots`` (so a notebook shows it when the cell ends) and
returns the :class:`~matplotlib.figure.Figure`; none calls ``plt.show()``.

Images may be given as uint8 in 0–255 or float in [0, 1], torch tensors or numpy arrays, shaped
``(N, 28, 28)``, ``(N, 1, 28, 28)`` or flat ``(N, 784)`` (what an MLP autoencoder outputs). They are always
drawn in grey with the colour scale fixed to 0 (black) … 1 (white), so a faint reconstruction looks faint
instead of being stretched to full contrast.

Why this module is longer than ~400 lines: it is a catalogue of independent figure functions (each one screen,
none calling another) that share the image conventions above, so that a learner finds every figure of the course
in one place. The analysis behind a figure lives elsewhere (:mod:`aelib.latent`, :mod:`aelib.metrics`); the
figures of a new lesson go in a module of this package of their own (lesson 07's: :mod:`aelib.plots.code_size`),
re-exported at the end of this file. When this file passes ~600 lines, move its topics (images, training curves,
the code space) out the same way.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

ImageBatch = Any  # torch.Tensor | np.ndarray of images, see the module docstring
IMSHOW = dict(cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")


def _as_numpy(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()  # model outputs carry gradients and may live on the GPU
        return x.numpy() if x.dtype != torch.bfloat16 else x.float().numpy()
    return np.asarray(x)


def _images(images: ImageBatch, name: str = "images") -> np.ndarray:
    """Any accepted image batch → float32 ``(N, H, W)`` in [0, 1] (uint8 is divided by 255)."""
    x = _as_numpy(images)
    shape = x.shape
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim == 2 and x.shape[1] > 1 and math.isqrt(x.shape[1]) ** 2 == x.shape[1]:
        side = math.isqrt(x.shape[1])
        x = x.reshape(len(x), side, side)
    if x.ndim != 3 or len(x) == 0:
        raise ValueError(
            f"{name}: expected a non-empty batch shaped (N, 28, 28), (N, 1, 28, 28) or (N, 784), got {shape}. "
            "For a single image use images[None] (or x.unsqueeze(0))."
        )
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    x = x.astype(np.float32)
    lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
    if lo < -0.1 or hi > 1.1:
        # The fixed 0..1 scale clips these; most often the images are still in the model's [-1, 1] scale.
        warnings.warn(
            f"{name}: values span [{lo:.2f}, {hi:.2f}] but are shown on a fixed [0, 1] scale (clipped). "
            "If they are in [-1, 1], convert them with aelib.transforms.to_unit(x, 'symmetric').",
            stacklevel=3,
        )
    return x


def _image(image: ImageBatch, name: str) -> np.ndarray:
    """One image ``(28, 28)``, ``(1, 28, 28)``, ``(1, 1, 28, 28)`` or ``(784,)`` → float32 ``(H, W)`` in [0, 1]."""
    x = _as_numpy(image)
    if x.ndim in (1, 2):
        x = x[None]  # (784,) → (1, 784); (28, 28) → (1, 28, 28)
    batch = _images(x, name)
    if len(batch) != 1:
        raise ValueError(f"{name}: expected one image, got a batch of {len(batch)} (shape {x.shape}).")
    return batch[0]


def _bare(ax: Axes) -> None:
    """No ticks (pixel indices mean nothing to a learner), but keep the frame and room for labels."""
    ax.set_xticks([])
    ax.set_yticks([])


def _labels(labels: Any, n: int, name: str = "labels") -> np.ndarray:
    y = _as_numpy(labels).reshape(-1).astype(np.int64)
    if len(y) != n:
        raise ValueError(f"{name}: got {len(y)} labels for {n} items; give one label per item.")
    return y


def _name(label: int, class_names: Sequence[str] | None) -> str:
    return str(class_names[label]) if class_names is not None and 0 <= label < len(class_names) else str(label)


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


def _curve(values: Sequence[float | None]) -> np.ndarray:
    """Losses with ``None`` for missing epochs → float array with NaN there (matplotlib leaves a gap)."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def plot_history(history_or_dict: Any, title: str | None = None, log: bool = False) -> Figure:
    """Loss per epoch (epochs counted from 1).

    Accepts an object with ``.train_loss`` and ``.val_loss`` lists (val entries may be None; drawn dashed, same
    colour), or a dict ``{run name: list of losses}`` — or ``{run name: history}`` — to compare runs.
    ``log=True`` uses a log y axis, which shows late, small improvements better.
    """
    if isinstance(history_or_dict, Mapping):
        runs = dict(history_or_dict)
    elif hasattr(history_or_dict, "train_loss"):
        runs = {"": history_or_dict}
    else:
        raise TypeError(
            f"expected a history (with .train_loss / .val_loss) or a dict of runs, got "
            f"{type(history_or_dict).__name__}."
        )
    if not runs:
        raise ValueError("no runs to plot: the dict is empty.")
    fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    for i, (name, run) in enumerate(runs.items()):
        colour = f"C{i % 10}"
        if hasattr(run, "train_loss"):
            val_loss = getattr(run, "val_loss", None)
            train, val = _curve(run.train_loss), _curve([] if val_loss is None else val_loss)
            train_label, prefix = (f"{name} train" if name else "train"), (f"{name} " if name else "")
        else:  # a plain list of losses: the run's name is label enough
            train, val, train_label, prefix = _curve(run), np.array([]), str(name), ""
        if len(train) == 0:
            raise ValueError(f"run {name!r} has no losses.")
        style = dict(marker="o", markersize=3) if len(train) <= 30 else {}
        ax.plot(np.arange(1, len(train) + 1), train, color=colour, label=train_label, **style)
        if len(val) and not np.all(np.isnan(val)):
            ax.plot(np.arange(1, len(val) + 1), val, "--", color=colour, label=f"{prefix}validation", **style)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def plot_epoch_snapshots(
    originals: ImageBatch,
    snapshots: Sequence[ImageBatch] | Mapping[int, ImageBatch],
    epochs: Sequence[int] | None = None,
    n: int = 8,
) -> Figure:
    """Originals, then their reconstructions after some epochs: how a model learns, row by row.

    ``snapshots`` is a list whose item ``i`` is the reconstruction of ``originals`` after epoch ``i + 1``, or a
    dict ``{epoch: reconstruction}``. ``epochs`` picks which to show (default: first, middle and last).
    """
    table = dict(snapshots) if isinstance(snapshots, Mapping) else {i + 1: s for i, s in enumerate(snapshots)}
    if not table:
        raise ValueError("snapshots is empty: record at least one epoch's reconstructions.")
    known = sorted(table)
    if epochs is None:
        epochs = list(dict.fromkeys([known[0], known[(len(known) - 1) // 2], known[-1]]))  # dedupe, keep order
    for e in epochs:
        if e not in table:
            raise ValueError(f"no snapshot for epoch {e}; epochs recorded: {known[0]}..{known[-1]}.")
    rows = {"original": originals, **{f"epoch {e}": table[e] for e in epochs}}
    return reconstruction_grid(rows, n=n, title="Reconstructions during training")


def plot_codes(
    codes: Any,
    labels: Any,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    marker: Any = None,
) -> Figure:
    """Scatter of latent codes ``(N, 2)`` or ``(N, 3)`` (a 3-D axes for 3), coloured by class (tab10).

    The class legend is a figure legend (``fig.legends[0]``) to the right of the axes.

    ``marker``: one code ``(2,)`` / ``(3,)`` drawn as a big black star (its artist has ``gid="marker"``, so a
    widget can move it with ``set_offsets``).
    """
    z = _as_numpy(codes).astype(np.float64)
    if z.ndim != 2 or z.shape[1] not in (2, 3) or len(z) == 0:
        raise ValueError(f"codes: expected (N, 2) or (N, 3), got {z.shape}; reduce larger codes first (e.g. with PCA).")
    y = _labels(labels, len(z)) if labels is not None else np.zeros(len(z), dtype=np.int64)
    dim = z.shape[1]
    fig = plt.figure(figsize=(6.4, 5) if dim == 3 else (6.4, 4.8), layout="constrained")
    ax = fig.add_subplot(projection="3d" if dim == 3 else None)
    if dim == 3:
        ax.computed_zorder = False  # else depth sorting may bury the marker star among the points
        ax.set_box_aspect(None, zoom=0.85)  # the layout ignores 3-D tick/axis labels: leave them room
    cmap = plt.get_cmap("tab10")
    # 3-D already fades far points (depth shading): less transparency there keeps the colours readable.
    small = dict(s=6 if len(z) > 2000 else 14, alpha=0.8 if dim == 3 else 0.6, linewidths=0)
    for k in np.unique(y):
        pts = z[y == k]
        label = _name(int(k), class_names) if labels is not None else None
        ax.scatter(*pts.T, color=cmap(int(k) % 10), label=label, **small)
    if marker is not None:
        m = _as_numpy(marker).astype(np.float64).reshape(-1)
        if len(m) != dim:
            raise ValueError(f"marker: expected a code of {dim} numbers like the codes, got shape {m.shape}.")
        extra = dict(depthshade=False) if dim == 3 else {}  # 3-D would fade it with depth
        ax.scatter(
            *m[:, None],
            marker="*",
            s=350,
            color="black",
            edgecolors="white",
            linewidths=1.0,
            zorder=5,
            gid="marker",
            **extra,
        )
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    if dim == 3:
        ax.set_zlabel("z3")
    if labels is not None:
        # A figure legend "outside" gets its own room from the layout: it hides no points or axis labels
        # (3-D axes too). Legend dots are drawn bigger and opaque so the colours can be told apart.
        legend = fig.legend(loc="outside right center", markerscale=2.5, frameon=False, fontsize=9)
        for handle in legend.legend_handles:
            handle.set_alpha(1.0)
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


def plot_psnr_vs_sigma(
    sigmas: Sequence[float], curves: Mapping[str, Sequence[float]], title: str | None = None
) -> Figure:
    """PSNR (dB, higher is better) against the noise std σ (pixel units, [0, 1] scale), one line per method."""
    s = _as_numpy(sigmas).astype(float).reshape(-1)
    if not curves:
        raise ValueError("curves is empty: give {name: PSNR values, one per sigma}.")
    fig, ax = plt.subplots(figsize=(5.6, 3.6), layout="constrained")
    for name, values in curves.items():
        v = _as_numpy(values).astype(float).reshape(-1)
        if len(v) != len(s):
            raise ValueError(f"curves[{name!r}] has {len(v)} values for {len(s)} sigmas.")
        ax.plot(s, v, marker="o", label=name)
    ax.set_xlabel("noise σ (pixel units, images in [0, 1])")
    ax.set_ylabel("PSNR (dB)")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "denoising quality vs noise level")
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


# ----------------------------------------------------------------------------------------------------------------
# The code space (the analysis is in aelib.latent; these draw what it returns)


def plot_path(profile: Mapping[str, np.ndarray], title: str | None = None, far: float = 3.0) -> Figure:
    """The decoded images along a path (top) over the distance from each point to the nearest test code (bottom),
    from :func:`aelib.latent.path_profile`.

    Points more than ``far`` typical distances from every code are framed in red: holes in the code space.
    """
    t, images, gap = profile["t"], profile["images"], profile["gap"]
    n = len(t)
    fig = plt.figure(figsize=(max(7.0, 0.85 * n), 3.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.5])
    axes = top.subplots(1, n)
    for i, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(np.clip(images[i], 0, 1), **IMSHOW)
        ax.set_xticks([])
        ax.set_yticks([])
        hole = gap[i] > far
        for spine in ax.spines.values():
            spine.set_color("red" if hole else "black")
            spine.set_linewidth(2.5 if hole else 0.8)
        ax.set_title(f"t={t[i]:.2f}", fontsize=8, color="red" if hole else "black")
    ax = bottom.subplots()
    ax.plot(t, gap, marker="o", color="C0")
    ax.axhline(far, color="red", linestyle="--", linewidth=1, label=f"{far:g}× typical: a hole")
    ax.set_xlabel("t along the straight line from A (t=0) to B (t=1)")
    ax.set_ylabel("distance to nearest\ntest code (× typical)")
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(0, max(float(gap.max()) * 1.15, far * 1.3))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_code_slice(slice_: Mapping[str, Any], far: float = 3.0) -> Figure:
    """A 2-D slice through the code space (:func:`aelib.latent.code_slice`): what the decoder draws at each point,
    and which test codes live there.

    Left: the decoded ``n × n`` grid, drawn on the slice's own axes. Right: the test codes within the slab around
    the slice, coloured by class, on the same axes. Grid points more than ``far`` typical distances from every
    test code are framed / crossed in red: the decoder still paints something there, but no real image was ever
    encoded nearby.
    """
    ranges, fixed, grid, gap = slice_["ranges"], slice_["fixed"], slice_["grid"], slice_["gap"]
    codes, labels, near, class_names = slice_["codes"], slice_["labels"], slice_["in_slab"], slice_["class_names"]
    i, j = slice_["dims"]
    n = int(round(math.sqrt(len(grid))))
    half_x, half_y = (ranges[i, 1] - ranges[i, 0]) / (2 * (n - 1)), (ranges[j, 1] - ranges[j, 0]) / (2 * (n - 1))
    extent = (ranges[i, 0] - half_x, ranges[i, 1] + half_x, ranges[j, 0] - half_y, ranges[j, 1] + half_y)
    tiles = np.clip(slice_["images"], 0, 1).reshape(n, n, 28, 28)
    mosaic = np.concatenate([np.concatenate(list(row), axis=1) for row in tiles])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 6.2), layout="constrained")
    square = (extent[1] - extent[0]) / (extent[3] - extent[2])  # data aspect that makes every tile square
    left.imshow(mosaic, extent=extent, aspect=square, **IMSHOW)
    cmap = plt.get_cmap("tab10")
    for c in np.unique(labels):
        pts = codes[near & (labels == c)]
        name = class_names[c] if class_names is not None else str(c)
        right.scatter(pts[:, i], pts[:, j], s=5, color=cmap(int(c) % 10), alpha=0.6, linewidths=0, label=name)
    holes = gap > far
    for x, y in grid[holes][:, [i, j]]:  # frame the tiles that lie in holes
        left.add_patch(
            Rectangle((x - half_x, y - half_y), 2 * half_x, 2 * half_y, fill=False, edgecolor="red", linewidth=1.2)
        )
    right.scatter(grid[holes, i], grid[holes, j], marker="x", s=40, color="red", linewidths=1.5,
                  label=f"grid point > {far:g}× typical\ndistance from any code")  # fmt: skip
    right.set_aspect(square)
    for ax in (left, right):
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel(f"z{i + 1}")
        ax.set_ylabel(f"z{j + 1}")
    others = [d for d in range(codes.shape[1]) if d not in (i, j)]
    fixed_text = ", ".join(f"z{d + 1} = {fixed[d]:.1f}" for d in others)
    left.set_title(f"decoded {n}×{n} grid ({fixed_text})", fontsize=10)
    right.set_title(f"test codes within the slab ({int(near.sum()):,} of {len(codes):,})", fontsize=10)
    legend = fig.legend(*right.get_legend_handles_labels(), loc="outside right center", markerscale=2.5,
                        frameon=False, fontsize=8)  # fmt: skip
    for handle in legend.legend_handles:
        handle.set_alpha(1.0)
    fig.suptitle(f"{slice_['name']}: a slice through the code space")
    return fig


# ----------------------------------------------------------------------------------------------------------------
# Lesson 07: code sizes, subspaces, scores against a paper (a module of their own; re-exported here)

from aelib.plots.code_size import plot_challenge as plot_challenge  # noqa: E402
from aelib.plots.code_size import plot_code_size_sweep as plot_code_size_sweep  # noqa: E402
from aelib.plots.code_size import plot_principal_angles as plot_principal_angles  # noqa: E402
from aelib.plots.code_size import plot_scores as plot_scores  # noqa: E402
from aelib.plots.vae import plot_elbo_curves as plot_elbo_curves  # noqa: E402
from aelib.plots.vae import plot_kl_by_dimension as plot_kl_by_dimension  # noqa: E402
