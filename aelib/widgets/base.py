"""What every explorer is built from: the :class:`LabWidget` box that keeps what it shows, captions, image views,
fast PNG pictures and a scatter of codes drawn once with a movable marker (:class:`CodeScatter`).

A new explorer (say, lesson 07's) builds a :class:`LabWidget`, puts :func:`image_view` boxes and controls in it,
and in a callback decorated with :func:`light` (one torch thread) computes with :mod:`aelib.latent` and shows the
result with ``w._show(name, array, to_png(array))``.
"""

from __future__ import annotations

import functools
import html
import io
import math
from collections.abc import Sequence

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps
from PIL import Image as PILImage

from aelib import plots
from aelib.cpu import one_thread

__all__ = ["INFO", "ZOOM", "CodeScatter", "LabWidget", "caption", "fmt_db", "image_view", "light", "to_png"]


ZOOM = 5  # screen pixels per image pixel: 28 × 5 = 140 px


def light(callback):
    """A widget callback that runs torch on one thread (see :func:`aelib.cpu.one_thread`)."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        with one_thread():
            return callback(*args, **kwargs)

    return run


def to_png(image: np.ndarray, zoom: int = ZOOM, cmap: str | None = None, vmax: float = 1.0) -> bytes:
    """PNG bytes of an image, for ``ipywidgets.Image``.

    ``image``: float ``(H, W)`` in [0, 1] (grey; clipped), or uint8 ``(H, W, 3|4)`` (RGB/RGBA, as is). With
    ``cmap`` a float image is coloured over ``0 … vmax`` (e.g. ``"inferno"`` for an error map). Each pixel
    becomes a ``zoom × zoom`` block (nearest neighbour: the browser would blur a small image).
    """
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = np.clip(np.nan_to_num(a.astype(np.float32) / (vmax if vmax > 0 else 1.0)), 0.0, 1.0)
        a = colormaps[cmap](a, bytes=True)[..., :3] if cmap else (a * 255.0 + 0.5).astype(np.uint8)
    if zoom > 1:
        a = a.repeat(zoom, axis=0).repeat(zoom, axis=1)
    buf = io.BytesIO()
    PILImage.fromarray(np.ascontiguousarray(a)).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def _pca2(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the top-2 principal directions ``(2, k)`` of codes (to draw codes of more than 3 numbers)."""
    mean = codes.mean(0)
    _, _, vt = np.linalg.svd(codes - mean, full_matrices=False)
    return mean, vt[:2]


def _marker_sprite(radius: float = 7.5) -> np.ndarray:
    """An RGBA float sprite: a black disc with a white rim, anti-aliased."""
    n = int(math.ceil(radius)) * 2 + 3
    yy, xx = np.mgrid[:n, :n] - (n - 1) / 2.0
    r = np.hypot(xx, yy)
    alpha = np.clip(radius + 0.5 - r, 0.0, 1.0)
    white = np.clip(r - (radius - 2.5), 0.0, 1.0)  # the outer ~2 px are white, the inside black
    sprite = np.zeros((n, n, 4), dtype=np.float32)
    sprite[..., :3] = white[..., None] * 255.0
    sprite[..., 3] = alpha
    return sprite


class CodeScatter:
    """The cloud of test codes, rendered ONCE to an RGBA array; :meth:`png` pastes a marker at any code.

    Codes of 2 or 3 numbers are drawn as they are (3 on a 3-D axes, with :func:`aelib.plots.plot_codes`);
    longer codes on their top two principal components. Re-drawing a matplotlib figure with thousands of points
    costs 100+ ms; pasting a 19-pixel marker on a copy of the array and encoding the PNG costs a few ms.
    """

    def __init__(
        self,
        codes,
        labels=None,
        class_names: Sequence[str] | None = None,
        title: str | None = None,
        figsize: tuple[float, float] = (5.6, 4.4),
        dpi: int = 80,
        max_points: int = 3000,
    ):
        z = np.asarray(codes, dtype=np.float64)
        if z.ndim != 2 or len(z) == 0:
            raise ValueError(f"codes: expected (N, k), got {z.shape}.")
        self.code_size = z.shape[1]
        self.projection = None if self.code_size <= 3 else _pca2(z)
        keep = slice(None) if len(z) <= max_points else np.linspace(0, len(z) - 1, max_points).astype(int)
        shown = self.project(z[keep])
        y = None if labels is None else np.asarray(labels)[keep]
        fig = plots.plot_codes(shown, y, class_names, title=title)
        try:
            fig.set_size_inches(*figsize)
            fig.set_dpi(dpi)
            self.ax = fig.axes[0]
            if self.projection is not None:
                self.ax.set_xlabel("PC 1 of the codes")
                self.ax.set_ylabel("PC 2 of the codes")
            fig.canvas.draw()
            self.base = np.asarray(fig.canvas.buffer_rgba()).copy()  # (H, W, 4) uint8
            self._to_display = self.ax.transData.frozen()
            self._proj = self.ax.get_proj() if shown.shape[1] == 3 else None
        finally:
            plt.close(fig)  # never shown by the notebook's inline backend; only its pixels are kept
        self.height, self.width = self.base.shape[:2]
        self.sprite = _marker_sprite()

    def project(self, codes) -> np.ndarray:
        """Codes ``(N, k)`` → the coordinates drawn (``(N, 2)`` or ``(N, 3)``)."""
        z = np.asarray(codes, dtype=np.float64).reshape(-1, self.code_size)
        if self.projection is None:
            return z
        mean, vt = self.projection
        return (z - mean) @ vt.T

    def pixel(self, code) -> tuple[float, float]:
        """Where ``code`` is drawn: ``(column, row)`` in the image, from the top-left corner."""
        p = self.project(code)[0]
        if self._proj is not None:  # 3-D: the axes' projection matrix, then the 2-D data transform
            v = self._proj @ np.array([p[0], p[1], p[2], 1.0])
            p = v[:2] / v[3]
        x, y = self._to_display.transform(p[:2])
        return float(x), float(self.height - y)

    def render(self, code) -> np.ndarray:
        """The cloud with the marker at ``code``: uint8 ``(H, W, 3)``."""
        out = self.base[..., :3].copy()
        col, row = self.pixel(code)
        s = self.sprite
        n = len(s)
        r0, c0 = int(round(row)) - n // 2, int(round(col)) - n // 2
        r1, c1 = max(r0, 0), max(c0, 0)
        r2, c2 = min(r0 + n, self.height), min(c0 + n, self.width)
        if r1 < r2 and c1 < c2:  # the marker may leave the picture when a code lies far outside the cloud
            patch = s[r1 - r0 : r2 - r0, c1 - c0 : c2 - c0]
            region = out[r1:r2, c1:c2].astype(np.float32)
            alpha = patch[..., 3:]
            out[r1:r2, c1:c2] = (region * (1.0 - alpha) + patch[..., :3] * alpha + 0.5).astype(np.uint8)
        return out

    def png(self, code) -> bytes:
        return to_png(self.render(code), zoom=1)


class LabWidget(W.VBox):
    """A box of this module's widgets that keeps what it shows (see the module docstring).

    Its text form (what a notebook stores beside the widget view) is a fixed description, so re-running a
    notebook gives the same text output whatever the numbers inside.
    """

    def __init__(self, kind: str, children=(), **kwargs):
        super().__init__(children=tuple(children), **kwargs)
        self.kind = kind
        self.images: dict[str, np.ndarray] = {}
        self.values: dict[str, float] = {}
        self.controls: dict[str, W.Widget] = {}
        self.views: dict[str, W.Image] = {}
        self.updates = 0
        self.add_class("aelib-lab")
        self.add_class("aelib-" + kind.replace(" ", "-"))

    def __repr__(self) -> str:
        return f"aelib {self.kind} (interactive: run the notebook to use it)"

    def _show(self, name: str, image: np.ndarray, png: bytes) -> None:
        self.images[name] = image
        self.views[name].value = png  # sent to the browser only when the bytes differ


def image_view(title: str, px: int = 28 * ZOOM) -> tuple[W.VBox, W.Image, W.HTML]:
    """A captioned picture ``px`` pixels square: ``(box to place, the Image to fill, the caption to update)``."""
    img = W.Image(format="png", layout=W.Layout(width=f"{px}px", height=f"{px}px"))
    label = W.HTML(value=caption(title), layout=W.Layout(width=f"{px + 10}px"))
    return W.VBox([label, img]), img, label


# The opening of an explanatory line under a widget. line-height: ipywidgets gives HTML content the 28 px line
# height of its controls, which spreads a wrapped sentence over a third of the screen.
INFO = "<div style='font-size:13px;line-height:1.4'>"


def caption(text: str, detail: str = "") -> str:
    """HTML for a picture's caption: ``text`` in bold over a grey ``detail`` line (kept, empty, so pictures align)."""
    extra = f"<br><span style='color:#555'>{html.escape(detail)}</span>" if detail else "<br>&nbsp;"
    return f"<div style='text-align:center;font-size:12px;line-height:1.3'><b>{html.escape(text)}</b>{extra}</div>"


def fmt_db(x: float) -> str:
    """A PSNR for a caption: ``"23.4 dB"``, or ``"∞ dB"`` for an exact copy."""
    return "∞ dB" if math.isinf(x) else f"{x:.1f} dB"
