"""What every figure of :mod:`aelib.plots` shares: the image conventions (see the package docstring) and small
axis helpers."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes

from aelib.transforms import image_batch

ImageBatch = Any  # torch.Tensor | np.ndarray of images, see the module docstring
IMSHOW = dict(cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")


def _as_numpy(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()  # model outputs carry gradients and may live on the GPU
        return x.numpy() if x.dtype != torch.bfloat16 else x.float().numpy()
    return np.asarray(x)


def _images(images: ImageBatch, name: str = "images") -> np.ndarray:
    """Any accepted image batch (:func:`aelib.transforms.image_batch`) → float32 numpy ``(N, H, W)`` in [0, 1]."""
    x = image_batch(images, name).cpu().numpy()[:, 0]
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
