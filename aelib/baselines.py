"""Linear baselines that every autoencoder of the course is measured against.

- :class:`PCA`: the best linear code of ``k`` numbers; PCA-k's test MSE is the bar a ``k``-d autoencoder must clear.
- :class:`LinearDenoiser`: the best affine map from noisy to clean pixels, in closed form (ridge regression).
- :func:`noisy_projection_mse`: PCA as a denoiser, projecting the noisy input onto the top-k components.
- :func:`principal_angles`: how far apart two subspaces are (a linear autoencoder's against PCA's);
  :func:`axis_angles`: how far each column of one basis is from the nearest axis of another.

Everything is computed in float64 on the CPU, in [0, 1] pixel units (``x / 255``). Noise is drawn exactly as
:func:`aelib.metrics.reconstruct` draws it on the CPU (batches of 1000 from one seeded generator), so with the same
seed the baselines and the models are scored on the very same noisy images.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import torch
from torch import nn

from aelib.metrics import evaluate
from aelib.transforms import add_gaussian_noise, to_float

PIXELS = 28 * 28


def _flat64(images: torch.Tensor) -> torch.Tensor:
    """uint8 ``(N, 28, 28)``, or float in [0, 1] of 784 pixels an image → float64 ``(N, 784)``."""
    x = images.double() / 255.0 if images.dtype == torch.uint8 else images.double()
    if x.numel() != len(x) * PIXELS:
        raise ValueError(f"expected 28×28 images, (N, 784) or (N, 1, 28, 28), got {tuple(images.shape)}.")
    return x.reshape(len(x), PIXELS)


def _noisy_batches(
    images: torch.Tensor, std: float, seed: int, batch_size: int = 1000
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(clean, noisy)`` float64 ``(B, 784)`` batches; the noise stream is that of ``metrics.reconstruct``."""
    generator = torch.Generator().manual_seed(seed)
    for start in range(0, len(images), batch_size):
        clean = to_float(images[start : start + batch_size], "unit")  # float32, as the models see it
        noisy = add_gaussian_noise(clean, std, generator)
        yield clean.double().reshape(len(clean), PIXELS), noisy.double().reshape(len(clean), PIXELS)


class PCA:
    """Principal component analysis of 28×28 images, fitted in float64 from the pixel covariance.

    After :meth:`fit`: ``mean`` ``(784,)``, ``components`` ``(784, 784)`` (row ``j`` = the ``j``-th principal
    direction, unit length, by decreasing variance) and ``variances`` ``(784,)`` (pixel² units). Methods take
    uint8 images or float images in [0, 1]; they return float32 in [0, 1] units. ``k = 0`` keeps no component:
    the reconstruction is the mean image.
    """

    def __init__(self):
        self.mean: torch.Tensor | None = None
        self.components: torch.Tensor | None = None
        self.variances: torch.Tensor | None = None

    def fit(self, images: torch.Tensor, batch_size: int = 10_000) -> PCA:
        """Fit on ``images`` (e.g. the 60,000 training images); the covariance is summed in batches to save memory."""
        n = len(images)
        if n < 2:
            raise ValueError(f"PCA needs at least 2 images, got {n}.")
        mean = sum(_flat64(images[i : i + batch_size]).sum(0) for i in range(0, n, batch_size)) / n
        cov = torch.zeros(PIXELS, PIXELS, dtype=torch.float64)
        for i in range(0, n, batch_size):
            xc = _flat64(images[i : i + batch_size]) - mean
            cov += xc.T @ xc
        variances, vectors = torch.linalg.eigh(cov / (n - 1))  # ascending order
        self.mean = mean
        self.variances = variances.flip(0).clamp(min=0.0)  # tiny negative round-off on always-zero border pixels
        self.components = vectors.flip(1).T.contiguous()
        return self

    def _check(self, k: int) -> None:
        if self.components is None:
            raise RuntimeError("PCA is not fitted yet: call fit(train_images) first.")
        if not 0 <= k <= PIXELS:
            raise ValueError(f"k must be between 0 and {PIXELS}, got {k}.")

    def encode(self, images: torch.Tensor, k: int, batch_size: int = 10_000) -> torch.Tensor:
        """Images → their coordinates on the top ``k`` components, ``(N, k)`` float32 (in batches: 60,000 images in
        float64 at once would take 750 MB)."""
        self._check(k)
        top = self.components[:k].T
        return torch.cat([((_flat64(images[i : i + batch_size]) - self.mean) @ top).float()
                          for i in range(0, len(images), batch_size)])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes ``(N, k)`` → images ``(N, 1, 28, 28)`` float32: the mean plus ``z`` times the top ``k`` components."""
        if z.dim() != 2:
            raise ValueError(f"PCA.decode expected codes of shape (N, k), got {tuple(z.shape)}.")
        k = z.shape[1]
        self._check(k)
        return (self.mean + z.double() @ self.components[:k]).float().view(len(z), 1, 28, 28)

    def reconstruct(self, images: torch.Tensor, k: int) -> torch.Tensor:
        """Project onto the top ``k`` components and back: ``(N, 1, 28, 28)`` float32 in [0, 1] units.

        Not clipped: a projection can stray slightly below 0 or above 1, and the reference MSEs include that.
        """
        self._check(k)
        xc = _flat64(images) - self.mean
        top = self.components[:k]
        return (self.mean + xc @ top.T @ top).float().view(len(xc), 1, 28, 28)

    def mse(self, images: torch.Tensor, k: int) -> float:
        """Per-pixel MSE of the rank-``k`` reconstruction of ``images`` (in float64, unclipped)."""
        self._check(k)
        x = _flat64(images)
        top = self.components[:k]
        recon = self.mean + (x - self.mean) @ top.T @ top
        return (recon - x).square().mean().item()

    def mse_by_k(self, images: torch.Tensor, ks: Iterable[int]) -> dict[int, float]:
        """``{k: per-pixel MSE}`` for many ``k`` at the cost of one projection.

        The components are orthonormal, so the error left after ``k`` of them is ``|x - mean|²`` minus the sum of
        the first ``k`` squared coordinates.
        """
        ks = list(ks)
        for k in ks:
            self._check(k)
        xc = _flat64(images) - self.mean
        z2 = (xc @ self.components.T).square().mean(0)  # (784,): mean squared coordinate per component
        left = xc.square().sum(1).mean() - torch.cat([z2.new_zeros(1), z2.cumsum(0)])
        return {k: left[k].item() / PIXELS for k in ks}


def principal_angles(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The principal angles between the column spaces of ``a`` ``(D, k)`` and ``b`` ``(D, m)``, in degrees.

    Returns ``min(k, m)`` angles, smallest first: 0° where the spaces share a direction, 90° where a direction of
    one is orthogonal to all of the other. Computed in float64 from orthonormal bases (QR) of both, as the arc
    cosines of the singular values of ``Qa^T Qb`` (Björck & Golub, 1973). The columns need not be orthonormal, only
    independent: a linear autoencoder's decoder weight ``(784, k)`` can be compared with ``PCA.components[:k].T``.
    """
    if a.dim() != 2 or b.dim() != 2 or a.shape[0] != b.shape[0]:
        raise ValueError(f"need two matrices (D, k) and (D, m) with the same D, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}.")
    qa, _ = torch.linalg.qr(a.detach().double().cpu())
    qb, _ = torch.linalg.qr(b.detach().double().cpu())
    cosines = torch.linalg.svdvals(qa.T @ qb).clamp(-1.0, 1.0)  # descending: the smallest angle first
    return torch.rad2deg(torch.arccos(cosines))


def axis_angles(a: torch.Tensor, axes: torch.Tensor) -> torch.Tensor:
    """For each column of ``a`` ``(D, k)``, the angle in degrees to the nearest of the directions ``axes`` ``(D, m)``
    (sign ignored: a direction and its negative are the same axis). Returns ``(k,)``, float64.

    Where :func:`principal_angles` compares the subspaces, this compares the bases: a linear autoencoder's decoder
    columns span PCA's subspace (principal angles near 0°) yet each lies far from every principal axis.
    """
    if a.dim() != 2 or axes.dim() != 2 or a.shape[0] != axes.shape[0]:
        raise ValueError(f"need two matrices (D, k) and (D, m) with the same D, got {tuple(a.shape)} and "
                         f"{tuple(axes.shape)}.")
    unit = torch.nn.functional.normalize
    cosines = unit(a.detach().double().cpu(), dim=0).T @ unit(axes.detach().double().cpu(), dim=0)
    return torch.rad2deg(torch.arccos(cosines.abs().max(1).values.clamp(max=1.0)))


def noisy_projection_mse(
    pca: PCA, images: torch.Tensor, std: float = 0.5, seed: int = 0, ks: Iterable[int] | None = None
) -> tuple[int, float]:
    """PCA as a denoiser: project the noisy images onto the top ``k`` components, score against the clean images.

    Returns ``(best k, its per-pixel MSE)`` over ``ks`` (default: every k from 0 to 784). For all k at once: with
    ``d = clean - mean``, ``z = (noisy - mean) V``, ``p = d V``, the error is ``|d|² - Σ_{j<k} (2 z_j p_j - z_j²)``.
    Choosing k on the test set makes this an optimistic bar, which is fine for a baseline to beat.
    """
    if pca.components is None:
        raise RuntimeError("PCA is not fitted yet: call fit(train_images) first.")
    ks = list(range(PIXELS + 1)) if ks is None else list(ks)
    total = torch.zeros(PIXELS + 1, dtype=torch.float64)  # summed squared error for k = 0 … 784
    for clean, noisy in _noisy_batches(images, std, seed):
        d = clean - pca.mean
        z, p = (noisy - pca.mean) @ pca.components.T, d @ pca.components.T
        gain = (2 * z * p - z.square()).sum(0)
        total += d.square().sum() - torch.cat([gain.new_zeros(1), gain.cumsum(0)])
    mse = total / (len(images) * PIXELS)
    best = min(ks, key=lambda k: mse[k].item())
    return best, mse[best].item()


class LinearDenoiser(nn.Module):
    """The best affine denoiser ``clean ≈ noisy @ weight + bias``, fitted in closed form (ridge regression).

    :meth:`fit` solves ``min_W (1/N) |[X̃ 1] W - X|² + ridge · |weight|²`` (the bias is not penalised) from
    one seeded noise draw over the training images, in float64 with ``torch.linalg.solve`` on a 785×785 system.
    It is an ``nn.Module`` whose ``forward`` is :meth:`denoise`, so :func:`aelib.metrics.evaluate` scores it like
    any model: ``evaluate(den, test, noise_std=0.5)``.
    """

    def __init__(self):
        super().__init__()
        self.output = "clip"
        self.std: float | None = None
        self.register_buffer("weight", torch.zeros(PIXELS, PIXELS, dtype=torch.float64))  # (in, out)
        self.register_buffer("bias", torch.zeros(PIXELS, dtype=torch.float64))

    def fit(self, images: torch.Tensor, std: float = 0.5, ridge: float = 1e-2, seed: int = 0) -> LinearDenoiser:
        """Fit on clean ``images`` (uint8 ``(N, 28, 28)``) with noise of ``std`` (pixel units) drawn from ``seed``.

        ``ridge`` barely matters with 60,000 images: on MNIST σ=0.5 the test MSE is 0.01733 with ``ridge=0`` and
        0.01754 with the default 1e-2, which reproduces the course's reference figure (0.0175); the weights are
        smoother with it.
        """
        if ridge < 0:
            raise ValueError(f"ridge must be >= 0, got {ridge}.")
        # [X̃ 1]ᵀ [X̃ 1 X]: the Gram matrix (785 × 785) and the right-hand side (785 × 784) in one product
        moments = torch.zeros(PIXELS + 1, 2 * PIXELS + 1, dtype=torch.float64)
        for clean, noisy in _noisy_batches(images, std, seed):
            a = torch.cat([noisy, noisy.new_ones(len(noisy), 1)], dim=1)
            moments += a.T @ torch.cat([a, clean], dim=1)
        gram, cross = moments[:, : PIXELS + 1], moments[:, PIXELS + 1 :]
        n = len(images)
        penalty = torch.full((PIXELS + 1,), float(ridge), dtype=torch.float64)
        penalty[-1] = 0.0  # no penalty on the bias
        w = torch.linalg.solve(gram / n + torch.diag(penalty), cross / n)
        self.weight.copy_(w[:PIXELS])
        self.bias.copy_(w[PIXELS])
        self.std = float(std)
        return self

    def denoise(self, noisy: torch.Tensor) -> torch.Tensor:
        """Noisy images ``(N, 1, 28, 28)`` or ``(N, 784)`` in [0, 1] → ``(N, 1, 28, 28)`` float32, clipped to [0, 1]."""
        if self.std is None:
            raise RuntimeError("LinearDenoiser is not fitted yet: call fit(train_images, std) first.")
        x = noisy.double().reshape(len(noisy), -1)
        if x.shape[1] != PIXELS:
            raise ValueError(f"expected images (N, 1, 28, 28) or (N, 784), got {tuple(noisy.shape)}.")
        return (x @ self.weight + self.bias).clamp(0.0, 1.0).float().view(len(x), 1, 28, 28)

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        return self.denoise(noisy)

    def mse(self, images: torch.Tensor, seed: int = 0) -> float:
        """Per-pixel MSE against the clean ``images`` after adding noise of the fitted std (drawn from ``seed``)."""
        if self.std is None:
            raise RuntimeError("LinearDenoiser is not fitted yet: call fit(train_images, std) first.")
        return evaluate(self, images, noise_std=self.std, seed=seed)["mse"]
