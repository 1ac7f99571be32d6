"""The code space of a trained autoencoder: decoding points, lines between codes, neighbours, distances, clusters,
and the path and slice analyses behind lesson 06's figures and explorers.

Plain numpy / torch (no ipywidgets, no matplotlib), so a lesson, a test or a widget calls the same functions::

    s = subjects.load_subject("deep_mnist")            # the model with its test images
    z = s.codes()                                      # (N, k) codes of every test image
    path = interpolate_codes(z[3], z[2], np.linspace(0, 1, 9))
    images = decode_points(s.model, path, s.scale)     # (9, 28, 28) in [0, 1]
    gap = distances_to_codes(z, path) / typical_distance(z)   # > 3: a hole of the code space

Codes are float32 ``(N, k)`` numpy arrays; images are float32 ``(28, 28)`` / ``(N, 28, 28)`` in [0, 1] pixel
units whatever scale the model was trained in (``scale="symmetric"`` models are converted back). Decoding runs
torch on one thread (:func:`aelib.cpu.one_thread`: for a few codes, waking a second thread costs more than the
work). The figures of these analyses are in :mod:`aelib.plots.codes`, the sliders over them in
:mod:`aelib.widgets`; one image through a model is :mod:`aelib.panels`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from aelib import metrics
from aelib.cpu import one_thread
from aelib.subjects import Subject
from aelib.transforms import to_unit

__all__ = [
    "blend_pixels",
    "class_medians",
    "code_ranges",
    "code_slice",
    "decode_grid",
    "decode_point",
    "decode_points",
    "distances_to_codes",
    "encode_images",
    "interpolate_codes",
    "nearest_code",
    "nearest_image",
    "nearest_images",
    "neighbour_agreement",
    "path_profile",
    "typical_distance",
]


def decode_points(model: nn.Module, codes, scale: str = "unit") -> np.ndarray:
    """Decode codes ``(N, k)`` → images float32 ``(N, 28, 28)`` in [0, 1] units (``model.decode``, eval, no grad)."""
    z = torch.as_tensor(np.asarray(codes, dtype=np.float32))
    z = z.reshape(-1, z.shape[-1]) if z.dim() != 2 else z
    with one_thread(), torch.inference_mode():
        out = model.decode(z.to(metrics.device_of(model)))
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


# ----------------------------------------------------------------------------------------------------------------
# The code space: lines, neighbours, distances, clusters


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


# ----------------------------------------------------------------------------------------------------------------
# Walks and slices through the code space (what lesson 06's figures draw)


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


def code_slice(subject: Subject, dims: tuple[int, int] = (0, 2), n: int = 12, slab: float = 0.1) -> dict:
    """A 2-D slice through the code space at the median test code: what the decoder draws there, and which test
    codes live near it (what :func:`aelib.plots.plot_code_slice` draws).

    The dimensions ``dims`` vary over their :func:`code_ranges`; the others are fixed at the median test code.
    Returns ``name``, ``dims``, ``fixed`` ``(k,)``, ``ranges`` ``(k, 2)``, ``grid`` (the ``n × n`` grid's codes,
    ``(n·n, k)``, row-major as :func:`decode_grid`), ``images`` (decoded, ``(n·n, 28, 28)``), ``gap`` (each grid
    point's distance to the nearest test code in units of :func:`typical_distance`, ``(n·n,)``), ``codes`` (the
    test codes ``(N, k)``), ``labels`` ``(N,)`` int, ``class_names`` and ``in_slab`` ``(N,)`` bool: the test codes
    within ``slab`` (a fraction of each fixed dimension's range) of the slice.
    """
    codes = subject.codes()
    ranges = code_ranges(codes)
    fixed = np.median(codes, axis=0)
    grid, images = decode_grid(subject.model, ranges, fixed, dims, n, subject.scale)
    gap = distances_to_codes(codes, grid) / typical_distance(codes)
    in_slab = np.ones(len(codes), dtype=bool)
    for d in (d for d in range(codes.shape[1]) if d not in dims):
        in_slab &= np.abs(codes[:, d] - fixed[d]) < slab * (ranges[d, 1] - ranges[d, 0])
    labels = np.zeros(len(codes), dtype=int) if subject.labels is None else subject.labels.numpy()
    return dict(
        name=subject.name, dims=tuple(dims), fixed=fixed, ranges=ranges, grid=grid, images=images, gap=gap,
        codes=codes, labels=labels, class_names=subject.class_names, in_slab=in_slab,
    )  # fmt: skip
