"""Reconstruction quality: MSE (overall or per image), SSE per image and PSNR, batched evaluation of a trained
model, and a VAE's negative ELBO in nats, per image or on average.

Every figure is in [0, 1] pixel units (``x / 255``), whatever scale the model was trained in, so that models,
PCA and the linear denoiser compare on one footing. The target is always the CLEAN image.

This module imports nothing from ``aelib`` except :mod:`aelib.transforms` and :mod:`aelib.losses`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from aelib.losses import RECONSTRUCTION, adds_terms, bce_per_image, match_shape, terms
from aelib.transforms import add_gaussian_noise, check_scale, to_float, to_scale, to_unit


def _errors(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared errors ``(N, D)`` in float64 (sums over 60,000 × 784 pixels lose digits in float32)."""
    if len(recon) != len(target) or recon.numel() != target.numel():
        raise ValueError(
            f"recon and target must hold the same images, got shapes {tuple(recon.shape)} and {tuple(target.shape)}."
        )
    recon = recon.detach().double().reshape(len(recon), -1)
    return (recon - target.detach().to(recon.device).double().reshape(len(target), -1)).square()


def mse_per_pixel(recon: torch.Tensor, target: torch.Tensor) -> float:
    """Mean squared error over all pixels of all images, in [0, 1]² units. Shapes ``(N, …)``, same pixel count."""
    return _errors(recon, target).mean().item()


def sse_per_image(recon: torch.Tensor, target: torch.Tensor) -> float:
    """Mean over images of each image's sum of squared errors (= MSE × 784 for 28×28 images)."""
    return _errors(recon, target).sum(dim=1).mean().item()


def mse_per_image(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Each image's mean squared error over its pixels, in [0, 1]² units: ``(N,)`` float64. Shapes ``(N, …)``."""
    return _errors(recon, target).mean(dim=1)


def psnr(mse: float, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB: ``10 log10(data_range² / mse)``; ``inf`` for a perfect match."""
    if mse < 0:
        raise ValueError(f"mse must be >= 0, got {mse}.")
    return math.inf if mse == 0 else 10.0 * math.log10(data_range**2 / mse)


def psnr_per_image(recon: torch.Tensor, target: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """PSNR of each image in dB, shape ``(N,)`` float64 (``inf`` where an image is reproduced exactly)."""
    mse = mse_per_image(recon, target)
    return 10.0 * torch.log10(data_range**2 / mse)


def device_of(model: nn.Module) -> torch.device:
    """Where the model's weights live (CPU for a model with no weights)."""
    for t in (*model.parameters(), *model.buffers()):
        return t.device
    return torch.device("cpu")


def reconstruct(
    model: nn.Module,
    images: torch.Tensor,
    *,
    scale: str = "unit",
    noise_std: float | None = None,
    seed: int = 0,
    batch_size: int = 1000,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` over ``images`` in batches; return ``(inputs, reconstructions)``, both ``(N, 1, 28, 28)`` CPU.

    ``images``: uint8 ``(N, 28, 28)`` (or float in [0, 1]). ``scale`` is the scale the model was trained in
    (``"unit"`` [0, 1] or ``"symmetric"`` [-1, 1]); both returned tensors are converted back to [0, 1] units.
    The reconstructions are not clipped: a model with an unbounded output may leave [0, 1] and is scored as is.

    With ``noise_std`` the inputs are the clean images plus the course's clipped Gaussian noise (std in pixel
    units), drawn batch by batch from a ``torch.Generator`` seeded with ``seed`` on ``device``: the same seed,
    batch size and device give the same noise. Runs under ``torch.no_grad`` in eval mode and restores the
    model's train/eval mode afterwards. ``device`` defaults to where the model's weights are.
    """
    check_scale(scale)
    if len(images) == 0:
        raise ValueError("no images to reconstruct (got an empty tensor).")
    device = torch.device(device) if device is not None else device_of(model)
    generator = torch.Generator(device=device).manual_seed(seed) if noise_std is not None else None
    was_training = model.training
    model.eval()
    inputs, outputs = [], []
    try:
        with torch.no_grad():
            for start in range(0, len(images), batch_size):
                x = to_float(images[start : start + batch_size].to(device), "unit")
                if noise_std is not None:
                    x = add_gaussian_noise(x, noise_std, generator)
                y = to_unit(model(to_scale(x, scale)), scale)
                inputs.append(x.cpu())
                outputs.append(y.reshape(x.shape).float().cpu())
    finally:
        model.train(was_training)
    return torch.cat(inputs), torch.cat(outputs)


def evaluate(
    model: nn.Module,
    images: torch.Tensor,
    *,
    scale: str = "unit",
    noise_std: float | None = None,
    seed: int = 0,
    batch_size: int = 1000,
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """Score ``model`` on ``images`` against the clean images, in [0, 1] units.

    Returns ``{"mse": per-pixel MSE, "sse_per_image": MSE × 784, "psnr": dB}``. Arguments as in
    :func:`reconstruct` (with ``noise_std`` this scores a denoiser).
    """
    _, recon = reconstruct(
        model, images, scale=scale, noise_std=noise_std, seed=seed, batch_size=batch_size, device=device
    )
    clean = to_float(images, "unit")
    mse = mse_per_pixel(recon, clean)
    return {"mse": mse, "sse_per_image": sse_per_image(recon, clean), "psnr": psnr(mse)}


def encode_all(
    model: nn.Module,
    images: torch.Tensor,
    scale: str = "unit",
    batch_size: int = 1000,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Codes ``(N, k)`` (CPU, float32) of every image, from ``model.encode`` in eval mode, batched, no grad.

    ``images`` as in :func:`reconstruct`; feature-map codes are flattened to ``(N, k)``. A probabilistic encoder
    (a VAE's ``encode`` gives ``(mean, logvar)``) is represented by its means: the most likely code of each image.
    """
    if len(images) == 0:
        raise ValueError("no images to encode (got an empty tensor).")
    device = torch.device(device) if device is not None else device_of(model)
    was_training = model.training
    model.eval()
    codes = []
    try:
        with torch.no_grad():
            for start in range(0, len(images), batch_size):
                x = to_float(images[start : start + batch_size].to(device), scale)
                z = model.encode(x)
                z = z[0] if isinstance(z, tuple) else z  # (mean, logvar) → the mean
                codes.append(z.flatten(1).float().cpu())
    finally:
        model.train(was_training)
    return torch.cat(codes)


def elbo_per_image(
    model: nn.Module,
    images: torch.Tensor,
    *,
    samples: int = 1,
    seed: int = 0,
    batch_size: int = 1000,
    device: torch.device | str | None = None,
) -> dict[str, torch.Tensor]:
    """A VAE's negative ELBO of each image, in nats, and its two parts: ``{"nelbo", "reconstruction", "kl"}``, each
    ``(N,)`` float64 on the CPU.

    ``reconstruction`` is the binary cross-entropy summed over the image's 784 pixels, ``kl`` is
    KL(q(z | x) ‖ N(0, I)), both from the model's ``loss_terms`` (the loss-terms protocol, :mod:`aelib.losses`)
    with every term weighted 1 — the true ELBO, whatever β the model was trained with. It is an upper bound on
    ``-log p(x)`` and a stochastic estimate: each image's code is sampled ``samples`` times (averaged) from torch's
    RNG seeded with ``seed``, so the same seed gives the same figures; the caller's RNG is left as it was.
    ``images``: uint8 ``(N, 28, 28)`` or float in [0, 1]. Lower is more likely.
    """
    if not adds_terms(model) or samples < 1:
        raise ValueError(
            f"the ELBO needs a model with loss_terms (a VAE; got {type(model).__name__}) and samples >= 1."
        )
    if len(images) == 0:
        raise ValueError("no images to score (got an empty tensor).")
    device = torch.device(device) if device is not None else device_of(model)
    was_training = model.training
    model.eval()
    parts: dict[str, list[torch.Tensor]] = {}
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed)
            for _ in range(samples):
                for start in range(0, len(images), batch_size):
                    x = to_float(images[start : start + batch_size].to(device), "unit")
                    recon, extra = terms(model, x)  # the protocol's checked call, as fit's objective makes it
                    bce = bce_per_image(match_shape(recon, x), x)
                    for name, part in {RECONSTRUCTION: bce, **extra}.items():
                        parts.setdefault(name, []).append(part.double().cpu())
    finally:
        model.train(was_training)
    per_image = {name: torch.cat(chunks).view(samples, len(images)).mean(0) for name, chunks in parts.items()}
    return {"nelbo": sum(per_image.values()), **per_image}


def negative_elbo(
    model: nn.Module,
    images: torch.Tensor,
    *,
    samples: int = 1,
    seed: int = 0,
    batch_size: int = 1000,
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """A VAE's negative ELBO on ``images``, in nats per image, and its two parts: :func:`elbo_per_image` averaged
    over the images, ``{"nelbo": reconstruction + kl, "reconstruction": …, "kl": …}``.

    Lower is better. pytorch/examples' ``vae/main.py`` reports this figure as its "test set loss".
    """
    per_image = elbo_per_image(model, images, samples=samples, seed=seed, batch_size=batch_size, device=device)
    return {name: values.mean().item() for name, values in per_image.items()}
