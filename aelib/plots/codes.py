"""The code space: codes coloured by class, a path through it, a decoded slice of it (the analysis is in
:mod:`aelib.latent`; these draw what it returns)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from aelib.plots._common import IMSHOW, _as_numpy, _labels, _name


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
