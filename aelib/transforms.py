"""Pixel scalings and the noise model, shared by training, evaluation, plots and widgets.

Images enter as uint8 ``(N, 28, 28)`` tensors (see :mod:`aelib.data`); models see float ``(N, 1, 28, 28)``.
Two scalings are used in the course:

- ``"unit"``: ``x / 255`` in [0, 1] — what ``transforms.ToTensor()`` gives; pairs with a sigmoid output.
- ``"symmetric"``: ``2 * x / 255 - 1`` in [-1, 1] — ``ToTensor()`` then ``Normalize(0.5, 0.5)``; pairs with tanh.
"""

from __future__ import annotations

import math

import numpy as np
import torch

SCALES = ("unit", "symmetric")


def check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use 'unit' ([0,1]) or 'symmetric' ([-1,1]).")
    return scale


def image_batch(images, name: str = "images") -> torch.Tensor:
    """The one rule for what the course accepts as a batch of images, for training, scoring and drawing alike.

    ``images``: a torch tensor or numpy array, uint8 in 0–255 or float in [0, 1], shaped ``(N, H, W)``,
    ``(N, 1, H, W)`` or flat ``(N, H·W)`` with square images (an MLP's output). Returns float32 ``(N, 1, H, W)``
    in [0, 1] (uint8 divided by 255, float as given), on the tensor's device, detached. Float values are not
    range-checked here: whoever uses them decides (``fit`` refuses them outside [0, 1], a figure warns).
    """
    if isinstance(images, torch.Tensor):
        x = images.detach()
    else:
        array = np.asarray(images)
        x = torch.from_numpy(array if array.flags.writeable else array.copy())
    shape = tuple(x.shape)
    if x.dim() == 2 and x.shape[1] > 1 and math.isqrt(x.shape[1]) ** 2 == x.shape[1]:
        side = math.isqrt(x.shape[1])
        x = x.reshape(len(x), 1, side, side)
    elif x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dim() != 4 or x.shape[1] != 1 or len(x) == 0:
        raise ValueError(
            f"{name}: expected a non-empty batch shaped (N, 28, 28), (N, 1, 28, 28) or (N, 784), got {shape}. "
            "For a single image use images[None] (or x.unsqueeze(0))."
        )
    return x.float() / 255.0 if x.dtype == torch.uint8 else x.float()


def to_float(images: torch.Tensor, scale: str = "unit") -> torch.Tensor:
    """Images as :func:`image_batch` accepts them → float32 ``(N, 1, 28, 28)`` in the given scale."""
    check_scale(scale)
    return to_scale(image_batch(images), scale)


def to_scale(x: torch.Tensor, scale: str) -> torch.Tensor:
    """[0, 1] pixels → the model's scale (identity for ``"unit"``, ``2x - 1`` for ``"symmetric"``)."""
    return x if check_scale(scale) == "unit" else x * 2.0 - 1.0


def to_unit(x: torch.Tensor, scale: str) -> torch.Tensor:
    """The model's scale → [0, 1] pixels, e.g. to display or to compare with PCA in [0,1] units."""
    return x if check_scale(scale) == "unit" else (x + 1.0) * 0.5


def add_gaussian_noise(
    x: torch.Tensor, std: float, generator: torch.Generator | None = None, clip: bool = True
) -> torch.Tensor:
    """The course's noise model: ``x + std * N(0, 1)``, clipped to [0, 1] (``x`` in [0, 1], any shape).

    The noise is drawn on ``x``'s device from ``generator`` (seeded → repeatable). ``std`` is in pixel units
    (0.5 = half the full range).
    """
    if std < 0:
        raise ValueError(f"noise std must be >= 0, got {std}.")
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    noisy = x + std * noise
    return noisy.clamp_(0.0, 1.0) if clip else noisy
