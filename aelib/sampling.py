"""New images from a code space, and how to tell whether they look like the data: the analysis of lesson 08.

A plain autoencoder has a decoder but no rule for choosing codes; a VAE's training makes its codes follow the
prior ``N(0, I)``, so decoding draws from the prior gives new images. The helpers here draw those codes, decode
grids and paths, measure which code dimensions a VAE uses, and score a set of images against real ones::

    z = prior_codes(64, vae.code_size, seed=0)               # (64, k) from N(0, I)
    images = decode_points(vae, z)                            # (64, 28, 28) in [0, 1]
    ae_images = decode_points(ae, fitted_codes(ae_codes, 64))  # an autoencoder's codes, drawn at random
    frechet_distance(features(images), features(real))        # how far from real digits, as FID measures it

Plain numpy / torch, like :mod:`aelib.latent` (whose :func:`~aelib.latent.decode_points` and
:func:`~aelib.latent.interpolate_codes` these build on); the figures are in :mod:`aelib.plots`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from aelib.cpu import one_thread
from aelib.latent import code_ranges, decode_points
from aelib.models import kl_per_dimension
from aelib.transforms import to_float

__all__ = [
    "ACTIVE_KL",
    "active_units",
    "fitted_codes",
    "frechet_distance",
    "kl_by_dimension",
    "latent_manifold",
    "prior_codes",
    "prior_samples",
    "uniform_codes",
]

ACTIVE_KL = 0.01  # nats: a code dimension whose average KL is below this carries (almost) nothing about the image


def prior_codes(n: int, code_size: int, seed: int = 0) -> np.ndarray:
    """``n`` codes drawn from the prior ``N(0, I)``: float32 ``(n, code_size)``, the same for the same seed."""
    if n < 1 or code_size < 1:
        raise ValueError(f"need n >= 1 and code_size >= 1, got {n} and {code_size}.")
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn(n, code_size, generator=g).numpy()


def prior_samples(model: nn.Module, n: int = 64, seed: int = 0) -> np.ndarray:
    """New images from a VAE: ``decode(z)`` for ``n`` codes from ``N(0, I)``; float32 ``(n, 28, 28)`` in [0, 1].

    The decoder's output is each pixel's probability; we show it as is (its mean), as every VAE figure does,
    rather than drawing black-and-white pixels from it."""
    return decode_points(model, prior_codes(n, model.code_size, seed))


def fitted_codes(codes, n: int, seed: int = 0) -> np.ndarray:
    """``n`` random codes for a plain autoencoder: each dimension drawn from a Gaussian with that dimension's mean
    and standard deviation over ``codes`` ``(N, k)`` (the test codes). The fairest simple rule without a prior:
    every draw lies where the codes are, dimension by dimension. float32 ``(n, k)``."""
    z = np.asarray(codes, dtype=np.float64)
    mean, std = z.mean(0), z.std(0)
    return (mean + std * prior_codes(n, z.shape[1], seed).astype(np.float64)).astype(np.float32)


def uniform_codes(codes, n: int, seed: int = 0, percentiles: tuple[float, float] = (1.0, 99.0)) -> np.ndarray:
    """``n`` random codes for a plain autoencoder, uniform in the box its codes ``(N, k)`` fill: each dimension
    between the ``percentiles`` of the codes seen (:func:`aelib.latent.code_ranges`, what lesson 06's sliders
    span). float32 ``(n, k)``, the same for the same seed."""
    ranges = code_ranges(codes, percentiles)
    g = torch.Generator().manual_seed(int(seed))
    u = torch.rand(n, len(ranges), generator=g, dtype=torch.float64).numpy()
    return (ranges[:, 0] + u * (ranges[:, 1] - ranges[:, 0])).astype(np.float32)


def latent_manifold(model: nn.Module, n: int = 15, span: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """A 2-d VAE's decoded latent space on an ``n × n`` grid (Kingma & Welling 2014, Fig. 4).

    The grid's coordinates are the prior's quantiles from ``(1 - span) / 2`` to ``(1 + span) / 2`` in each
    dimension (``torch.distributions.Normal(0, 1).icdf``), so equal steps hold equal prior mass and the grid covers
    where codes are, not the far tails. Row ``r``, column ``c``: z₁ grows with ``c``, z₂ grows UP the rows (as on a
    plot). Returns ``(codes (n·n, 2), images (n·n, 28, 28))``.
    """
    if getattr(model, "code_size", None) != 2:
        raise ValueError(f"latent_manifold draws a 2-d code space; this model's code has {model.code_size} numbers.")
    if not 0 < span < 1 or n < 2:
        raise ValueError(f"need 0 < span < 1 and n >= 2, got span={span}, n={n}.")
    q = torch.linspace((1 - span) / 2, (1 + span) / 2, n, dtype=torch.float64)
    values = torch.distributions.Normal(0.0, 1.0).icdf(q).numpy()
    codes = np.stack([np.tile(values, n), np.repeat(values[::-1], n)], axis=1).astype(np.float32)
    return codes, decode_points(model, codes)


def kl_by_dimension(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """The KL divergence of each code dimension, ``KL(q(z_d | x) ‖ N(0, 1))``, averaged over ``images``: float64
    ``(k,)``, nats. The VAE's KL term is their sum. ``images``: uint8 ``(N, 28, 28)`` or float in [0, 1]."""
    total = torch.zeros(model.code_size, dtype=torch.float64)
    was_training = model.training
    model.eval()
    try:
        with one_thread(), torch.inference_mode():
            for start in range(0, len(images), batch_size):
                mean, logvar = model.encode(to_float(images[start : start + batch_size], "unit"))
                total += kl_per_dimension(mean, logvar).double().sum(0)
    finally:
        model.train(was_training)
    return (total / len(images)).numpy()


def active_units(kl: np.ndarray, threshold: float = ACTIVE_KL) -> int:
    """How many code dimensions carry information: average KL above ``threshold`` nats (:func:`kl_by_dimension`).

    A dimension whose posterior equals the prior for every image (KL 0) tells the decoder nothing: it has
    collapsed. All of them collapsed is *posterior collapse*: every image gets the same code distribution."""
    return int((np.asarray(kl) > threshold).sum())


def frechet_distance(features_a, features_b) -> float:
    """The Fréchet distance between Gaussians fitted to two sets of feature vectors ``(n, d)``:
    ``|μa − μb|² + tr(Σa + Σb − 2 (Σa Σb)^½)`` — FID's formula, whatever network gave the features. 0 for the same
    distribution; it grows when either the typical image or the variety differs. Estimated from finite samples it
    is biased upwards, so compare figures computed with the same numbers of samples."""
    a, b = np.asarray(features_a, dtype=np.float64), np.asarray(features_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(
            f"need two sets of feature vectors (n, d) with the same d and n >= 2, got {a.shape}, {b.shape}."
        )
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr((Σa Σb)^½) = Σ √λ over the eigenvalues of Σa Σb, which are real and >= 0 (a product of two PSD matrices)
    root_trace = np.sqrt(np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0.0, None)).sum()
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2.0 * root_trace)
