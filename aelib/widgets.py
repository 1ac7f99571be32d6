"""Interactive widgets for the latent-space lab (lesson 06): look inside trained autoencoders with sliders.

Four widgets, each a function that returns an ``ipywidgets`` box (a :class:`LabWidget`)::

    reconstruction_browser()   a slider over test images: original | reconstruction | squared error, with MSE
    latent_explorer()          one slider per code dimension, the decoded point, the cloud of test codes around it
    interpolation_explorer()   walk the straight line between two images' codes, next to the pixel blend
    denoising_lab()            a noise level σ and an image: noisy | conv | U-Net | linear | clean, with PSNR

Speed: every update decodes only what changed (one code, one image) and sends PNG bytes to an
``ipywidgets.Image``; the scatter of test codes is drawn once and only the marker is pasted on a copy of it
(see :class:`CodeScatter`). ``benchmarks/widget_latency.py`` times the updates (a few ms each on 2 cores).

What a widget shows is kept on it, so tests and notebooks can check it without a browser: ``w.images`` holds
the last arrays shown (float32 in [0, 1] pixel units, the error map in squared pixel units), ``w.values`` the
numbers (MSE, PSNR, …), ``w.controls`` the sliders and inputs (set their ``.value`` to drive the widget) and
``w.updates`` counts the redraws. Callbacks never print (in a notebook that output would land in the cell).

The computations are plain functions (:func:`decode_point`, :func:`interpolate_codes`, :func:`denoise_panel`, …)
that the widgets call and the tests check. Trained models come from :func:`aelib.recipes.load_or_train`
(the checkpoint a lesson saved, else trained now), without a progress bar.
"""

from __future__ import annotations

import contextlib
import functools
import html
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.patches import Rectangle
from PIL import Image as PILImage
from torch import nn

from aelib import data, metrics, plots, recipes
from aelib.baselines import LinearDenoiser
from aelib.transforms import add_gaussian_noise, check_scale, to_float, to_scale, to_unit

__all__ = [
    "CodeScatter",
    "LabWidget",
    "Subject",
    "blend_pixels",
    "code_ranges",
    "decode_point",
    "decode_points",
    "denoise_panel",
    "denoising_lab",
    "encode_images",
    "error_map",
    "interpolate_codes",
    "interpolation_explorer",
    "latent_explorer",
    "linear_denoiser",
    "load_subject",
    "nearest_code",
    "nearest_image",
    "nearest_images",
    "neighbour_agreement",
    "noisy_image",
    "one_thread",
    "reconstruct_image",
    "reconstruction_browser",
    "to_png",
    "typical_distance",
    "distances_to_codes",
    "class_medians",
    "path_profile",
    "plot_path",
    "decode_grid",
    "plot_code_slice",
]

ZOOM = 5  # screen pixels per image pixel: 28 × 5 = 140 px
BROWSER_CHOICES = {  # the reconstruction browser's dropdown: label → recipe (each model loaded when first chosen)
    "MNIST, deep 10-d code (deep_mnist)": recipes.DEEP_MNIST,
    "Fashion-MNIST, 3-d code (fashion_3d)": recipes.FASHION_3D,
    "MNIST, 3-d code, tanh (tanh_mnist)": recipes.TANH_MNIST,
}


# ----------------------------------------------------------------------------------------------------------------
# 1. Models and their test images


@dataclass(eq=False)
class Subject:
    """A trained autoencoder with the test images it is explored on.

    ``images``: uint8 ``(N, 28, 28)``; ``labels``: int64 ``(N,)``; ``scale``: the scale the model was trained in
    (``"unit"`` [0, 1] or ``"symmetric"`` [-1, 1]); every image shown is converted back to [0, 1].
    """

    name: str
    model: nn.Module
    images: torch.Tensor
    labels: torch.Tensor | None = None
    scale: str = "unit"
    class_names: Sequence[str] | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        check_scale(self.scale)
        self.model.eval()

    def codes(self) -> np.ndarray:
        """The codes of every image, ``(N, code_size)`` float32, computed once."""
        if "codes" not in self._cache:
            self._cache["codes"] = encode_images(self.model, self.images, self.scale)
        return self._cache["codes"]

    def pixels(self) -> np.ndarray:
        """Every image as float32 ``(N, 784)`` in [0, 1], computed once (for nearest-image searches)."""
        if "pixels" not in self._cache:
            self._cache["pixels"] = to_float(self.images).reshape(len(self.images), -1).numpy()
        return self._cache["pixels"]

    def test_mse(self) -> float:
        """The model's per-pixel MSE over all the images, in [0, 1] units (as :func:`aelib.metrics.evaluate`)."""
        if "mse" not in self._cache:
            self._cache["mse"] = metrics.evaluate(self.model, self.images, scale=self.scale)["mse"]
        return self._cache["mse"]

    def image(self, i: int) -> np.ndarray:
        """Image ``i`` as float32 ``(28, 28)`` in [0, 1]."""
        return self.images[i].numpy().astype(np.float32) / 255.0

    def label(self, i: int) -> str:
        if self.labels is None:
            return ""
        k = int(self.labels[i])
        return str(self.class_names[k]) if self.class_names is not None else str(k)


@functools.cache
def load_subject(name: str) -> Subject:
    """The model of recipe ``name`` (e.g. ``"fashion_3d"``) with its dataset's test split; cached per process.

    The model comes from :func:`aelib.recipes.load_or_train`: the checkpoint a lesson saved, or trained now
    (no progress bar) when there is none. Pass a :class:`~aelib.recipes.Recipe`'s ``name``.
    """
    recipe = recipes.RECIPES[name]
    model = recipes.load_or_train(recipe, progress=False).cpu()
    images, labels = data.load(recipe.dataset, "test")
    return Subject(recipe.name, model, images, labels, recipe.scale, data.class_names(recipe.dataset))


def _subject(x: Subject | recipes.Recipe | str) -> Subject:
    if isinstance(x, Subject):
        return x
    return load_subject(x.name if isinstance(x, recipes.Recipe) else str(x))


@functools.cache
def linear_denoiser(dataset: str = "mnist", std: float = 0.5) -> LinearDenoiser:
    """The linear baseline denoiser fitted on ``dataset``'s training images at noise ``std`` (cached per process;
    fitting takes a few seconds)."""
    images, _ = data.load(dataset, "train")
    return LinearDenoiser().fit(images, std=std)


# ----------------------------------------------------------------------------------------------------------------
# 2. The computations the widgets show (plain functions, tested without a browser)


@contextlib.contextmanager
def one_thread():
    """Run torch on one thread inside the block (the previous setting is restored afterwards).

    A widget update runs a model on ONE image: far too little work to share between threads, and on a busy
    2-core machine waking a second thread can cost 20–150 ms where the work itself takes 0.2–3 ms (measured:
    the U-Net on one image 180 ms with 2 threads under load, 3.4 ms with 1).
    """
    n = torch.get_num_threads()
    if n == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _light(callback):
    """A widget callback that runs torch on one thread (see :func:`one_thread`)."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        with one_thread():
            return callback(*args, **kwargs)

    return run


def _device(model: nn.Module) -> torch.device:
    for t in (*model.parameters(), *model.buffers()):
        return t.device
    return torch.device("cpu")


def _as_batch(images) -> torch.Tensor:
    """A (28, 28) array / tensor or a batch of them → float ``(N, 1, 28, 28)`` in [0, 1] (uint8 is divided by 255)."""
    x = images if isinstance(images, torch.Tensor) else torch.as_tensor(np.asarray(images))
    if x.dim() == 2:
        x = x[None]
    return to_float(x, "unit")


def decode_points(model: nn.Module, codes, scale: str = "unit") -> np.ndarray:
    """Decode codes ``(N, k)`` → images float32 ``(N, 28, 28)`` in [0, 1] units (``model.decode``, eval, no grad)."""
    z = torch.as_tensor(np.asarray(codes, dtype=np.float32))
    z = z.reshape(-1, z.shape[-1]) if z.dim() != 2 else z
    with one_thread(), torch.inference_mode():
        out = model.decode(z.to(_device(model)))
    return to_unit(out, scale).reshape(len(z), 28, 28).float().cpu().numpy()


def decode_point(model: nn.Module, code, scale: str = "unit") -> np.ndarray:
    """Decode one code ``(k,)`` → float32 ``(28, 28)`` in [0, 1] units: ``model.decode(code[None])`` as an image."""
    return decode_points(model, np.asarray(code, dtype=np.float32).reshape(1, -1), scale)[0]


def encode_images(model: nn.Module, images, scale: str = "unit") -> np.ndarray:
    """Codes ``(N, k)`` float32 of images (uint8 ``(N, 28, 28)`` or float in [0, 1]), as :func:`metrics.encode_all`."""
    x = images if isinstance(images, torch.Tensor) else torch.as_tensor(np.asarray(images))
    if x.dim() == 2:
        x = x[None]
    return metrics.encode_all(model, x, scale=scale).numpy()


def reconstruct_image(model: nn.Module, image, scale: str = "unit") -> np.ndarray:
    """One image ``(28, 28)`` (uint8 or float in [0, 1]) through the model → float32 ``(28, 28)`` in [0, 1] units."""
    x = _as_batch(image)
    with one_thread(), torch.inference_mode():
        out = model(to_scale(x, scale).to(_device(model)))
    return to_unit(out, scale).reshape(28, 28).float().cpu().numpy()


def error_map(original, recon) -> np.ndarray:
    """Per-pixel squared error ``(original - recon)²`` (float32, squared [0, 1] units); its mean is the MSE."""
    a, b = np.asarray(original, dtype=np.float32), np.asarray(recon, dtype=np.float32)
    if a.shape != b.shape:
        raise ValueError(f"original {a.shape} and recon {b.shape} must have the same shape.")
    return (a - b) ** 2


def interpolate_codes(code_a, code_b, t) -> np.ndarray:
    """The point ``(1 - t) a + t b`` on the straight line from code ``a`` (t = 0) to code ``b`` (t = 1).

    ``t`` a number → ``(k,)``; ``t`` a sequence of ``m`` numbers → ``(m, k)``, one row per t.
    """
    a, b = np.asarray(code_a, dtype=np.float64), np.asarray(code_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"codes must be two vectors of the same length, got {a.shape} and {b.shape}.")
    ts = np.asarray(t, dtype=np.float64)
    out = (1.0 - ts[..., None]) * a + ts[..., None] * b
    return out.astype(np.float32)


def blend_pixels(image_a, image_b, t) -> np.ndarray:
    """The pixel-space blend ``(1 - t) A + t B`` of two images (float32): a cross-fade, two ghosts on top of each
    other, never a new digit. ``t`` a number → one image; a sequence → ``(m, …)``."""
    a, b = np.asarray(image_a, dtype=np.float64), np.asarray(image_b, dtype=np.float64)
    ts = np.asarray(t, dtype=np.float64).reshape(np.shape(t) + (1,) * a.ndim)
    return ((1.0 - ts) * a + ts * b).astype(np.float32)


def code_ranges(codes, percentiles: tuple[float, float] = (1.0, 99.0)) -> np.ndarray:
    """``(k, 2)``: for each code dimension the ``percentiles`` of the codes seen (default: 1st and 99th).

    Slider ranges: wide enough to reach every cluster, not so wide that most of the range is empty space.
    """
    z = np.asarray(codes, dtype=np.float64)
    lo, hi = np.percentile(z, percentiles, axis=0)
    same = hi <= lo  # a dead (constant) dimension still gets a usable range
    lo, hi = np.where(same, lo - 1.0, lo), np.where(same, hi + 1.0, hi)
    return np.stack([lo, hi], axis=1)


def nearest_code(codes, point) -> tuple[int, float]:
    """``(index, Euclidean distance)`` of the code in ``codes`` ``(N, k)`` nearest to ``point`` ``(k,)``."""
    z = np.asarray(codes, dtype=np.float64)
    d2 = ((z - np.asarray(point, dtype=np.float64)) ** 2).sum(1)
    i = int(d2.argmin())
    return i, float(math.sqrt(d2[i]))


def nearest_image(pixels: np.ndarray, image, sq_norms: np.ndarray | None = None) -> tuple[int, float]:
    """``(index, MSE)`` of the image in ``pixels`` ``(N, 784)`` closest to ``image`` (28×28, [0, 1]).

    A decoded point that is far (in MSE) from every real image is not a digit / garment the data contains.
    """
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32).reshape(-1))
    p = torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32))
    with one_thread():
        n2 = torch.from_numpy(sq_norms) if sq_norms is not None else (p * p).sum(1)
        d2 = n2 - 2.0 * (p @ x) + float(x @ x)
        i = int(d2.argmin())
    return i, max(float(d2[i]), 0.0) / x.numel()


def typical_distance(codes, n: int = 1000) -> float:
    """The median distance from a code to its nearest other code (the first ``n`` codes against all of them).

    The yardstick for "far from the data": a point several times further than this from every test code lies
    in a hole of the code space, where the decoder was never trained to produce anything in particular.
    """
    z = torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float32))
    m = min(n, len(z))
    with torch.inference_mode():
        d = torch.cdist(z[:m], z)
        d[torch.arange(m), torch.arange(m)] = math.inf
        return float(d.min(1).values.median())


def distances_to_codes(codes, points) -> np.ndarray:
    """For each point ``(m, k)``, the distance to the nearest code in ``codes`` ``(N, k)``: ``(m,)`` float64."""
    z = torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float64))
    p = torch.from_numpy(np.ascontiguousarray(points, dtype=np.float64)).reshape(-1, z.shape[1])
    with torch.inference_mode():
        return torch.cdist(p, z).min(1).values.numpy()


def class_medians(codes, labels) -> np.ndarray:
    """``(classes, k)``: the per-dimension median code of each class (a typical point of its cluster)."""
    z, y = np.asarray(codes, dtype=np.float64), np.asarray(labels)
    return np.stack([np.median(z[y == c], axis=0) for c in range(int(y.max()) + 1)])


def nearest_images(pixels: np.ndarray, images, exclude=None) -> tuple[np.ndarray, np.ndarray]:
    """Batched :func:`nearest_image`: for each of ``images`` ``(m, 28, 28)`` the index and MSE of the closest
    row of ``pixels`` ``(N, 784)``. ``exclude``: ``(m, j)`` indices each image may not match (e.g. the two
    endpoints of an interpolation, which would trivially be nearest to themselves)."""
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).reshape(len(images), -1)
    p = torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32))
    with torch.inference_mode():
        d2 = (p * p).sum(1)[None, :] - 2.0 * (x @ p.T) + (x * x).sum(1, keepdim=True)
        if exclude is not None:
            d2.scatter_(1, torch.as_tensor(np.asarray(exclude), dtype=torch.int64).reshape(len(x), -1), math.inf)
        best, idx = d2.min(1)
    return idx.numpy(), best.clamp(min=0.0).double().numpy() / x.shape[1]


def neighbour_agreement(codes, labels, k: int = 10) -> np.ndarray:
    """Per class: the mean fraction of a code's ``k`` nearest other codes that have the same class.

    1.0 means the class owns its own region of the code space; ``1/classes`` would be a random mix.
    """
    z = torch.from_numpy(np.ascontiguousarray(codes, dtype=np.float32))
    y = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    with torch.inference_mode():
        d = torch.cdist(z, z)
        d.fill_diagonal_(math.inf)
        idx = d.topk(k, largest=False).indices
        same = (y[idx] == y[:, None]).double().mean(1)
    return np.array([float(same[y == c].mean()) for c in range(int(y.max()) + 1)])


def noisy_image(clean, sigma: float, seed: int = 0) -> np.ndarray:
    """``clean`` (28×28, [0, 1]) plus the course's clipped Gaussian noise of std ``sigma`` (float32).

    The noise field is drawn from a generator seeded with ``seed``, so for one seed only its strength changes
    with ``sigma``: moving the σ slider fades the same noise in and out.
    """
    x = _as_batch(clean)
    generator = torch.Generator().manual_seed(int(seed))
    return add_gaussian_noise(x, float(sigma), generator).reshape(28, 28).numpy()


def _mse(image, target) -> float:
    """:func:`aelib.metrics.mse_per_pixel` of two single images (arrays or tensors of the same shape)."""
    return metrics.mse_per_pixel(torch.as_tensor(np.asarray(image))[None], torch.as_tensor(np.asarray(target))[None])


def _psnr(image, clean) -> float:
    return metrics.psnr(_mse(image, clean))


def denoise_panel(
    clean, sigma: float, denoisers: Mapping[str, nn.Module], seed: int = 0
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Noise one clean image and denoise it with each model; return ``(images, psnr)``.

    ``images``: ``{"noisy": …, <each denoiser's name>: …, "clean": …}``, float32 ``(28, 28)`` in [0, 1];
    ``psnr``: dB of ``"noisy"`` and of each denoiser's output against the clean image (:func:`metrics.psnr` of
    the mean squared error; ``inf`` when σ = 0 leaves nothing to remove).
    """
    clean = _as_batch(clean).reshape(28, 28).numpy()
    noisy = noisy_image(clean, sigma, seed)
    images = {"noisy": noisy}
    x = torch.from_numpy(noisy).reshape(1, 1, 28, 28)
    with one_thread(), torch.inference_mode():
        for name, model in denoisers.items():
            images[name] = model(x.to(_device(model))).reshape(28, 28).float().cpu().numpy()
    psnr = {name: _psnr(img, clean) for name, img in images.items()}
    images["clean"] = clean
    return images, psnr


# ----------------------------------------------------------------------------------------------------------------
# 3. Fast pictures: PNG bytes, and a scatter drawn once with a movable marker


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


# ----------------------------------------------------------------------------------------------------------------
# 4. The widgets


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


def _image_view(caption: str, px: int = 28 * ZOOM) -> tuple[W.VBox, W.Image, W.HTML]:
    img = W.Image(format="png", layout=W.Layout(width=f"{px}px", height=f"{px}px"))
    label = W.HTML(value=_caption(caption), layout=W.Layout(width=f"{px + 10}px"))
    return W.VBox([label, img]), img, label


# The opening of an explanatory line under a widget. line-height: ipywidgets gives HTML content the 28 px line
# height of its controls, which spreads a wrapped sentence over a third of the screen.
_INFO = "<div style='font-size:13px;line-height:1.4'>"


def _caption(text: str, detail: str = "") -> str:
    extra = f"<br><span style='color:#555'>{html.escape(detail)}</span>" if detail else "<br>&nbsp;"
    return f"<div style='text-align:center;font-size:12px;line-height:1.3'><b>{html.escape(text)}</b>{extra}</div>"


def _fmt_db(x: float) -> str:
    return "∞ dB" if math.isinf(x) else f"{x:.1f} dB"


def reconstruction_browser(
    subjects: Mapping[str, Subject | recipes.Recipe | str] | None = None, index: int = 0
) -> LabWidget:
    """Original | reconstruction | squared-error map of one test image, with its MSE and PSNR.

    ``subjects``: ``{label: Subject or recipe}`` for the model dropdown (default: the deep 10-d MNIST model, the
    3-d Fashion-MNIST model and the 3-d tanh MNIST model; each is loaded when first chosen). The slider picks the
    test image. ``w.images``: ``original``, ``reconstruction``, ``error``; ``w.values``: ``mse``, ``psnr``,
    ``test_mse`` (the model's mean over all test images).
    """
    if subjects is None:
        subjects = BROWSER_CHOICES
    if not subjects:
        raise ValueError("subjects is empty: give at least one {label: Subject or recipe}.")
    loaded: dict[str, Subject] = {}

    def current() -> Subject:
        key = choice.value
        if key not in loaded:
            loaded[key] = _subject(subjects[key])
        return loaded[key]

    choice = W.Dropdown(options=list(subjects), description="model", layout=W.Layout(width="420px"))
    first = current()
    first.test_mse()  # evaluated on all test images once, with every thread
    slider = W.IntSlider(
        value=min(index, len(first.images) - 1), min=0, max=len(first.images) - 1,
        description="test image", continuous_update=True, layout=W.Layout(width="420px"),
    )  # fmt: skip
    boxes = [_image_view(name) for name in ("original", "reconstruction", "squared error")]
    info = W.HTML()
    w = LabWidget("reconstruction browser", [choice, slider, W.HBox([b[0] for b in boxes]), info])
    w.controls.update(model=choice, index=slider)
    w.views.update(original=boxes[0][1], reconstruction=boxes[1][1], error=boxes[2][1])
    labels = {"original": boxes[0][2], "error": boxes[2][2]}

    @_light
    def update(_change=None) -> None:
        s = current()
        i = int(slider.value)
        original = s.image(i)
        recon = reconstruct_image(s.model, s.images[i], s.scale)
        err = error_map(original, recon)
        mse = _mse(recon, original)
        vmax = max(float(err.max()), 1e-6)
        w._show("original", original, to_png(original))
        w._show("reconstruction", recon, to_png(recon))
        w._show("error", err, to_png(err, cmap="inferno", vmax=vmax))
        test_mse = s.test_mse()
        w.values.update(mse=mse, psnr=metrics.psnr(mse), test_mse=test_mse)
        labels["original"].value = _caption("original", f"#{i}, {s.label(i)}")
        labels["error"].value = _caption("squared error", f"scale 0 … {vmax:.2g}")
        ratio = mse / test_mse if test_mse > 0 else math.inf
        info.value = (
            f"{_INFO}image MSE <b>{mse:.4f}</b> ({_fmt_db(metrics.psnr(mse))}); "
            f"the model's mean over all {len(s.images):,} test images: {test_mse:.4f} — this image is "
            f"{'harder' if ratio > 1 else 'easier'} than average (× {ratio:.2f}).</div>"
        )
        w.updates += 1

    def change_model(_change=None) -> None:
        s = current()  # loads (or trains) the model on first use: outside the one-thread update
        s.test_mse()
        with slider.hold_trait_notifications():
            slider.max = len(s.images) - 1
        update()

    slider.observe(update, names="value")
    choice.observe(change_model, names="value")
    update()
    return w


def latent_explorer(
    subject: Subject | recipes.Recipe | str = recipes.FASHION_3D,
    start: int = 0,
    percentiles: tuple[float, float] = (1.0, 99.0),
    n_scatter: int = 3000,
) -> LabWidget:
    """One slider per code dimension; the decoded point beside the cloud of test codes with the point marked.

    Slider ranges are the ``percentiles`` of the test codes; the sliders start at test image ``start``'s code.
    Below the picture: the nearest test code (its class and distance), compared with the typical distance
    between a test code and its nearest neighbour — far from every code means a region the decoder never
    learned. ``w.images``: ``decoded``, ``scatter`` (RGB); ``w.values``: ``nearest_distance``, ``typical``;
    ``w.code()`` the current code, ``w.set_code(z)`` moves every slider at once (one redraw).
    """
    s = _subject(subject)
    codes = s.codes()
    k = codes.shape[1]
    ranges = code_ranges(codes, percentiles)
    scatter = CodeScatter(
        codes[:n_scatter], None if s.labels is None else s.labels[:n_scatter], s.class_names,
        title=f"{s.name}: {min(n_scatter, len(codes)):,} test codes",
    )  # fmt: skip
    typical = typical_distance(codes)
    sliders = []
    for d in range(k):
        lo, hi = ranges[d]
        sliders.append(
            W.FloatSlider(
                value=float(np.clip(codes[start, d], lo, hi)), min=float(lo), max=float(hi), step=float(hi - lo) / 200,
                description=f"z{d + 1}", readout_format=".2f", continuous_update=True,
                layout=W.Layout(width="330px"),
            )
        )  # fmt: skip
    decoded_box, decoded_view, decoded_label = _image_view("decoded point", px=28 * 6)
    scatter_view = W.Image(format="png", layout=W.Layout(width=f"{scatter.width}px", height=f"{scatter.height}px"))
    info = W.HTML(layout=W.Layout(width="340px"))
    left = W.VBox([*sliders, decoded_box, info])
    w = LabWidget("latent explorer", [W.HBox([left, scatter_view])])
    w.views.update(decoded=decoded_view, scatter=scatter_view)
    w.controls.update({f"z{d + 1}": sl for d, sl in enumerate(sliders)})
    w.scatter = scatter
    w.ranges = ranges
    holding = [False]

    def code() -> np.ndarray:
        return np.array([sl.value for sl in sliders], dtype=np.float32)

    @_light
    def update(_change=None) -> None:
        if holding[0]:
            return
        z = code()
        img = decode_point(s.model, z, s.scale)
        w._show("decoded", img, to_png(img, zoom=6))
        rgb = scatter.render(z)
        w._show("scatter", rgb, to_png(rgb, zoom=1))
        j, dist = nearest_code(codes, z)
        w.values.update(nearest_distance=dist, typical=typical, nearest_index=j)
        far = dist > 3 * typical
        decoded_label.value = _caption("decoded point", "z = (" + ", ".join(f"{v:.2f}" for v in z) + ")")
        info.value = (
            f"{_INFO}nearest test code: <b>{html.escape(s.label(j))}</b> (image #{j}) at "
            f"distance {dist:.2f}; a typical code's nearest neighbour is {typical:.2f} away."
            + (" <b style='color:#b00'>Far from every code: the decoder is guessing here.</b>" if far else "")
            + "</div>"
        )
        w.updates += 1

    def set_code(z) -> None:
        holding[0] = True
        try:
            for sl, v in zip(sliders, np.asarray(z, dtype=np.float64).reshape(-1), strict=True):
                sl.value = float(np.clip(v, sl.min, sl.max))
        finally:
            holding[0] = False
        update()

    w.code, w.set_code = code, set_code
    for sl in sliders:
        sl.observe(update, names="value")
    update()
    return w


def interpolation_explorer(
    subject: Subject | recipes.Recipe | str = recipes.DEEP_MNIST, a: int = 3, b: int = 2, t: float = 0.5, steps: int = 9
) -> LabWidget:
    """Walk the straight line between two test images' codes, and compare with blending their pixels.

    ``a``, ``b``: test image indices (editable); the ``t`` slider moves along the line (0 → image A's code,
    1 → image B's). Shows A, ``decode((1-t) z_A + t z_B)``, the pixel blend ``(1-t) A + t B`` and B, and a strip
    of ``steps`` points of both paths. Under each middle picture: the MSE to the nearest real test image — how
    far it is from anything in the data. ``w.images``: ``a``, ``b``, ``decoded``, ``blend``, ``strip``;
    ``w.values``: ``t``, ``decoded_nearest_mse``, ``blend_nearest_mse``.
    """
    s = _subject(subject)
    pixels = s.pixels()
    sq_norms = np.einsum("ij,ij->i", pixels, pixels)
    n = len(s.images)
    box_a = W.BoundedIntText(value=a, min=0, max=n - 1, description="image A", layout=W.Layout(width="180px"))
    box_b = W.BoundedIntText(value=b, min=0, max=n - 1, description="image B", layout=W.Layout(width="180px"))
    t_slider = W.FloatSlider(
        value=t, min=0.0, max=1.0, step=0.02, description="t", readout_format=".2f", continuous_update=True,
        layout=W.Layout(width="420px"),
    )  # fmt: skip
    views = {name: _image_view(cap) for name, cap in
             (("a", "A"), ("decoded", "decoded code path"), ("blend", "pixel blend"), ("b", "B"))}  # fmt: skip
    strip_view = W.Image(format="png")
    strip_label = W.HTML(_caption(f"{steps} steps from A to B", "top: decoded code path, bottom: pixel blend"))
    w = LabWidget(
        "interpolation explorer",
        [W.HBox([box_a, box_b]), t_slider, W.HBox([v[0] for v in views.values()]), strip_label, strip_view],
    )
    w.controls.update(a=box_a, b=box_b, t=t_slider)
    w.views.update({name: v[1] for name, v in views.items()}, strip=strip_view)
    state: dict = {}

    @_light
    def endpoints(_change=None) -> None:
        ia, ib = int(box_a.value), int(box_b.value)
        with one_thread():
            za, zb = encode_images(s.model, s.images[[ia, ib]], s.scale)
        state.update(ia=ia, ib=ib, za=za, zb=zb, A=s.image(ia), B=s.image(ib))
        w._show("a", state["A"], to_png(state["A"]))
        w._show("b", state["B"], to_png(state["B"]))
        views["a"][2].value = _caption("A", f"#{ia}, {s.label(ia)}")
        views["b"][2].value = _caption("B", f"#{ib}, {s.label(ib)}")
        ts = np.linspace(0.0, 1.0, steps)
        path = decode_points(s.model, interpolate_codes(za, zb, ts), s.scale)
        blend = blend_pixels(state["A"], state["B"], ts)
        strip = plots.make_grid_image(np.concatenate([path, blend]), nrow=steps, padding=2, pad_value=0.5)
        w._show("strip", strip, to_png(strip, zoom=3))
        point()

    @_light
    def point(_change=None) -> None:
        tv = float(t_slider.value)
        dec = decode_point(s.model, interpolate_codes(state["za"], state["zb"], tv), s.scale)
        blend = blend_pixels(state["A"], state["B"], tv)
        w._show("decoded", dec, to_png(dec))
        w._show("blend", blend, to_png(blend))
        jd, md = nearest_image(pixels, dec, sq_norms)
        jb, mb = nearest_image(pixels, blend, sq_norms)
        views["decoded"][2].value = _caption("decoded code path", f"nearest real image: MSE {md:.3f} ({s.label(jd)})")
        views["blend"][2].value = _caption("pixel blend", f"nearest real image: MSE {mb:.3f} ({s.label(jb)})")
        w.values.update(t=tv, decoded_nearest_mse=md, blend_nearest_mse=mb)
        w.updates += 1

    box_a.observe(endpoints, names="value")
    box_b.observe(endpoints, names="value")
    t_slider.observe(point, names="value")
    endpoints()
    return w


def denoising_lab(
    denoisers: Mapping[str, nn.Module] | None = None,
    images: torch.Tensor | None = None,
    sigma: float = 0.5,
    index: int = 0,
    seed: int = 0,
) -> LabWidget:
    """Noise one clean test image with a σ slider and compare denoisers on it, PSNR under each picture.

    ``denoisers`` default: the lesson-04 conv denoiser, the U-Net and the linear baseline fitted at σ = 0.5
    (all trained on σ = 0.5: move σ away from it to see who generalises). ``images``: clean uint8 test images
    (default: MNIST test). The noise pattern is fixed per image (``seed + index``), σ only scales it.
    ``w.images``: ``noisy``, each denoiser's name, ``clean``; ``w.values``: PSNR (dB) of each, ``"noisy"`` too.
    """
    if denoisers is None:
        denoisers = {
            "conv denoiser": load_subject(recipes.CONV_DENOISER.name).model,
            "U-Net": load_subject(recipes.UNET_DENOISER.name).model,
            "linear (σ=0.5)": linear_denoiser("mnist", 0.5),
        }
    if images is None:
        images, _ = data.load("mnist", "test")
    for m in denoisers.values():
        m.eval()
    sigma_slider = W.FloatSlider(
        value=sigma, min=0.0, max=1.0, step=0.05, description="noise σ", readout_format=".2f",
        continuous_update=True, layout=W.Layout(width="420px"),
    )  # fmt: skip
    index_slider = W.IntSlider(
        value=index, min=0, max=len(images) - 1, description="test image", continuous_update=True,
        layout=W.Layout(width="420px"),
    )  # fmt: skip
    names = ["noisy", *denoisers, "clean"]
    views = {name: _image_view(name) for name in names}
    w = LabWidget("denoising lab", [sigma_slider, index_slider, W.HBox([v[0] for v in views.values()])])
    w.controls.update(sigma=sigma_slider, index=index_slider)
    w.views.update({name: v[1] for name, v in views.items()})

    @_light
    def update(_change=None) -> None:
        i = int(index_slider.value)
        shown, psnr = denoise_panel(images[i], float(sigma_slider.value), denoisers, seed=seed + i)
        for name in names:
            w._show(name, shown[name], to_png(shown[name]))
            detail = f"PSNR {_fmt_db(psnr[name])}" if name in psnr else f"#{i}"
            views[name][2].value = _caption(name, detail)
        w.values.clear()
        w.values.update(psnr)
        w.updates += 1

    sigma_slider.observe(update, names="value")
    index_slider.observe(update, names="value")
    update()
    return w


# ----------------------------------------------------------------------------------------------------------------
# 5. Static views of the code space (the figures of lesson 06, which teach without a running kernel too)


def path_profile(subject: Subject, code_a, code_b, steps: int = 11) -> dict[str, np.ndarray]:
    """Walk the straight line from ``code_a`` to ``code_b`` in ``steps`` points and measure where it goes.

    Returns ``t``, ``codes`` ``(steps, k)``, ``images`` (decoded, ``(steps, 28, 28)``), ``gap`` (distance to the
    nearest test code, in units of :func:`typical_distance`) and ``nearest_mse`` / ``nearest_label`` (the
    closest real test image to each decoded picture and its MSE).
    """
    codes_seen = subject.codes()
    t = np.linspace(0.0, 1.0, steps)
    path = interpolate_codes(code_a, code_b, t)
    images = decode_points(subject.model, path, subject.scale)
    gap = distances_to_codes(codes_seen, path) / typical_distance(codes_seen)
    pixels = subject.pixels()
    sq = np.einsum("ij,ij->i", pixels, pixels)
    nearest = [nearest_image(pixels, img, sq) for img in images]
    return {
        "t": t,
        "codes": path,
        "images": images,
        "gap": gap,
        "nearest_mse": np.array([m for _, m in nearest]),
        "nearest_label": np.array([subject.label(j) for j, _ in nearest]),
    }


def plot_path(profile: Mapping[str, np.ndarray], title: str | None = None, far: float = 3.0):
    """The decoded images along a path (top) over the distance from each point to the nearest test code (bottom).

    Points more than ``far`` typical distances from every code are framed in red: holes in the code space.
    """
    t, images, gap = profile["t"], profile["images"], profile["gap"]
    n = len(t)
    fig = plt.figure(figsize=(max(7.0, 0.85 * n), 3.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.5])
    axes = top.subplots(1, n)
    for i, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(np.clip(images[i], 0, 1), **plots.IMSHOW)
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


def decode_grid(
    model: nn.Module, ranges, fixed, dims: tuple[int, int] = (0, 1), n: int = 12, scale: str = "unit"
) -> tuple[np.ndarray, np.ndarray]:
    """Decode an ``n × n`` grid over a 2-D slice of the code space.

    ``ranges``: ``(k, 2)`` (as :func:`code_ranges`); ``fixed``: a code ``(k,)`` giving the other dimensions;
    ``dims``: the two dimensions that vary. Row ``r``, column ``c`` of the grid has ``dims[0]`` growing with ``c``
    and ``dims[1]`` growing UP the rows (as on a plot). Returns ``(codes (n·n, k), images (n·n, 28, 28))``.
    """
    r = np.asarray(ranges, dtype=np.float64)
    i, j = dims
    xs = np.linspace(r[i, 0], r[i, 1], n)
    ys = np.linspace(r[j, 1], r[j, 0], n)  # top row = largest value
    codes = np.tile(np.asarray(fixed, dtype=np.float64), (n * n, 1))
    codes[:, i] = np.tile(xs, n)
    codes[:, j] = np.repeat(ys, n)
    return codes.astype(np.float32), decode_points(model, codes, scale)


def plot_code_slice(subject: Subject, dims: tuple[int, int] = (0, 2), n: int = 12, far: float = 3.0):
    """A 2-D slice through the code space: what the decoder draws at each point, and which test codes live there.

    The other dimensions are fixed at the median test code. Left: the decoded ``n × n`` grid, drawn on the slice's
    own axes. Right: the test codes within a slab around the slice, coloured by class, on the same axes. Grid
    points more than ``far`` typical distances from every test code are framed / crossed in red: the decoder
    still paints something there, but no real image was ever encoded nearby.
    """
    codes = subject.codes()
    k = codes.shape[1]
    ranges = code_ranges(codes)
    fixed = np.median(codes, axis=0)
    grid_codes, images = decode_grid(subject.model, ranges, fixed, dims, n, subject.scale)
    gap = distances_to_codes(codes, grid_codes) / typical_distance(codes)
    i, j = dims
    half_x, half_y = (ranges[i, 1] - ranges[i, 0]) / (2 * (n - 1)), (ranges[j, 1] - ranges[j, 0]) / (2 * (n - 1))
    extent = (ranges[i, 0] - half_x, ranges[i, 1] + half_x, ranges[j, 0] - half_y, ranges[j, 1] + half_y)
    mosaic = np.concatenate([np.concatenate(list(row), axis=1) for row in np.clip(images, 0, 1).reshape(n, n, 28, 28)])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 6.2), layout="constrained")
    square = (extent[1] - extent[0]) / (extent[3] - extent[2])  # data aspect that makes every tile square
    left.imshow(mosaic, extent=extent, aspect=square, **plots.IMSHOW)
    others = [d for d in range(k) if d not in dims]
    near = np.ones(len(codes), dtype=bool)
    for d in others:  # a slab ±10 % of each other dimension's range around the slice
        near &= np.abs(codes[:, d] - fixed[d]) < 0.1 * (ranges[d, 1] - ranges[d, 0])
    cmap = plt.get_cmap("tab10")
    labels = np.zeros(len(codes), dtype=int) if subject.labels is None else subject.labels.numpy()
    for c in np.unique(labels):
        pts = codes[near & (labels == c)]
        name = subject.class_names[c] if subject.class_names is not None else str(c)
        right.scatter(pts[:, i], pts[:, j], s=5, color=cmap(int(c) % 10), alpha=0.6, linewidths=0, label=name)
    holes = gap > far
    for x, y in grid_codes[holes][:, [i, j]]:  # frame the tiles that lie in holes
        left.add_patch(
            Rectangle((x - half_x, y - half_y), 2 * half_x, 2 * half_y, fill=False, edgecolor="red", linewidth=1.2)
        )
    right.scatter(grid_codes[holes, i], grid_codes[holes, j], marker="x", s=40, color="red", linewidths=1.5,
                  label=f"grid point > {far:g}× typical\ndistance from any code")  # fmt: skip
    right.set_aspect(square)
    for ax in (left, right):
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel(f"z{i + 1}")
        ax.set_ylabel(f"z{j + 1}")
    fixed_text = ", ".join(f"z{d + 1} = {fixed[d]:.1f}" for d in others)
    left.set_title(f"decoded {n}×{n} grid ({fixed_text})", fontsize=10)
    right.set_title(f"test codes within the slab ({int(near.sum()):,} of {len(codes):,})", fontsize=10)
    legend = fig.legend(*right.get_legend_handles_labels(), loc="outside right center", markerscale=2.5,
                        frameon=False, fontsize=8)  # fmt: skip
    for handle in legend.legend_handles:
        handle.set_alpha(1.0)
    fig.suptitle(f"{subject.name}: a slice through the code space")
    return fig
