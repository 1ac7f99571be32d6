"""One image at a time, for the panels of the explorers: an image through a model, its error map, noise on it, and
each denoiser's answer. Images are float32 ``(28, 28)`` in [0, 1] pixel units, uint8 accepted; torch runs on one
thread (:func:`aelib.cpu.one_thread`: waking a second thread costs more than the work on one image)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from aelib import metrics
from aelib.cpu import one_thread
from aelib.transforms import add_gaussian_noise, image_batch

__all__ = ["denoise_panel", "error_map", "image_mse", "noisy_image", "reconstruct_image"]


def _one_image(image) -> torch.Tensor:
    """One image ``(28, 28)`` (or a batch of them) → float ``(N, 1, 28, 28)`` in [0, 1]."""
    x = image if isinstance(image, torch.Tensor) else np.asarray(image)
    return image_batch(x[None] if x.ndim == 2 else x)


def reconstruct_image(model: nn.Module, image, scale: str = "unit") -> np.ndarray:
    """One image ``(28, 28)`` (uint8 or float in [0, 1]) through the model → float32 ``(28, 28)`` in [0, 1] units
    (:func:`aelib.metrics.reconstruct` of a batch of one)."""
    with one_thread():
        _, out = metrics.reconstruct(model, _one_image(image), scale=scale)
    return out.reshape(28, 28).numpy()


def error_map(original, recon) -> np.ndarray:
    """Per-pixel squared error ``(original - recon)²`` (float32, squared [0, 1] units); its mean is the MSE."""
    a, b = np.asarray(original, dtype=np.float32), np.asarray(recon, dtype=np.float32)
    if a.shape != b.shape:
        raise ValueError(f"original {a.shape} and recon {b.shape} must have the same shape.")
    return (a - b) ** 2


def image_mse(image, target) -> float:
    """:func:`aelib.metrics.mse_per_pixel` of two single images (arrays or tensors of the same shape)."""
    return metrics.mse_per_pixel(torch.as_tensor(np.asarray(image))[None], torch.as_tensor(np.asarray(target))[None])


def _psnr(image, clean) -> float:
    return metrics.psnr(image_mse(image, clean))


def noisy_image(clean, sigma: float, seed: int = 0) -> np.ndarray:
    """``clean`` (28×28, [0, 1]) plus the course's clipped Gaussian noise of std ``sigma`` (float32).

    The noise field is drawn from a generator seeded with ``seed``, so for one seed only its strength changes
    with ``sigma``: moving the σ slider fades the same noise in and out.
    """
    x = _one_image(clean)
    generator = torch.Generator().manual_seed(int(seed))
    return add_gaussian_noise(x, float(sigma), generator).reshape(28, 28).numpy()


def denoise_panel(
    clean, sigma: float, denoisers: Mapping[str, nn.Module], seed: int = 0
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Noise one clean image and denoise it with each model; return ``(images, psnr)``.

    ``images``: ``{"noisy": …, <each denoiser's name>: …, "clean": …}``, float32 ``(28, 28)`` in [0, 1];
    ``psnr``: dB of ``"noisy"`` and of each denoiser's output against the clean image (:func:`metrics.psnr` of
    the mean squared error; ``inf`` when σ = 0 leaves nothing to remove).
    """
    clean = _one_image(clean).reshape(28, 28).numpy()
    noisy = noisy_image(clean, sigma, seed)
    images = {"noisy": noisy}
    x = torch.from_numpy(noisy).reshape(1, 1, 28, 28)
    with one_thread(), torch.inference_mode():
        for name, model in denoisers.items():
            images[name] = model(x.to(metrics.device_of(model))).reshape(28, 28).float().cpu().numpy()
    psnr = {name: _psnr(img, clean) for name, img in images.items()}
    images["clean"] = clean
    return images, psnr
