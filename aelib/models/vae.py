"""Variational autoencoders (lesson 08): a Gaussian over codes for each image, trained on the negative ELBO."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from aelib.models.base import ACTIVATIONS, PIXELS, _check_codes, _check_images, _pick


class VAE(nn.Module):
    """A variational autoencoder with dense layers: the encoder gives each image a Gaussian over codes, not one code.

    Encoder ``784 → hidden… → (mean, log-variance)``, each ``code_size`` numbers; decoder ``code_size → hidden
    reversed… → 784``, ``activation`` between layers (ReLU, or ``"elu"``), a sigmoid at the end (each pixel's
    Bernoulli probability). ``VAE((400,), 20)`` is pytorch/examples' ``vae/main.py`` model, layer for layer.

    - ``encode(x)`` → ``(mean, logvar)``, each ``(N, code_size)``: ``q(z | x) = N(mean, diag(exp(logvar)))``.
    - ``reparameterize(mean, logvar)`` → a sample ``z`` of that Gaussian, written so gradients reach both.
    - ``decode(z)`` → images ``(N, 1, 28, 28)`` in (0, 1).
    - ``forward(x)`` → the reconstruction: in training mode of a sampled code, in eval mode of the mean (the most
      likely code: what the reconstruction figures and metrics show, with no randomness).
    - ``loss_terms(x)`` → ``(reconstruction of a sampled code, {"kl": KL(q(z | x) ‖ N(0, I)) per image, nats})``:
      the loss-terms protocol of :mod:`aelib.losses`, so :func:`aelib.train.fit` with ``loss="bce_sum"`` minimises
      the negative ELBO and knows nothing about VAEs.
    """

    def __init__(self, hidden: Sequence[int] = (400,), code_size: int = 20, activation: str = "relu"):
        super().__init__()
        hidden, code_size = [int(h) for h in hidden], int(code_size)
        if not hidden or min(hidden) < 1 or code_size < 1:
            raise ValueError(f"need at least one positive hidden size and code_size >= 1, got {hidden}, {code_size}.")
        act = _pick(ACTIVATIONS, activation, "activation")
        self.hidden, self.code_size, self.activation, self.output = tuple(hidden), code_size, activation, "sigmoid"

        def stack(dims: list[int]) -> nn.Sequential:  # Linear + activation for each step of dims
            pairs = zip(dims[:-1], dims[1:], strict=True)
            return nn.Sequential(*(m for a, b in pairs for m in (nn.Linear(a, b), act())))

        self.encoder = stack([PIXELS, *hidden])
        self.to_mean = nn.Linear(hidden[-1], code_size)
        self.to_logvar = nn.Linear(hidden[-1], code_size)
        self.decoder = nn.Sequential(stack([code_size, *hidden[::-1]]), nn.Linear(hidden[0], PIXELS), nn.Sigmoid())

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images ``(N, 1, 28, 28)`` or ``(N, 784)`` → ``(mean, logvar)`` of q(z | x), each ``(N, code_size)``."""
        _check_images(x, f"{type(self).__name__}.encode", flat_ok=True)
        h = self.encoder(x.reshape(len(x), PIXELS))
        return self.to_mean(h), self.to_logvar(h)

    @staticmethod
    def reparameterize(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """A sample of ``N(mean, exp(logvar))``: ``mean + std · ε`` with ``ε ~ N(0, I)`` drawn apart from the network.

        Sampling ``z`` directly would cut the graph (no gradient flows through a random draw); written this way the
        randomness is an input, and ``z`` is a plain differentiable function of ``mean`` and ``logvar``.
        """
        std = torch.exp(0.5 * logvar)  # the network predicts log σ², so σ is always positive
        eps = torch.randn_like(std)
        return mean + std * eps

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes ``(N, code_size)`` → images ``(N, 1, 28, 28)``, each pixel's probability in (0, 1)."""
        _check_codes(z, f"{type(self).__name__}.decode", [(self.code_size,)])
        return self.decoder(z).view(len(z), 1, 28, 28)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images → reconstructions of the same shape (of a sampled code in training mode, of the mean in eval)."""
        mean, logvar = self.encode(x)
        z = self.reparameterize(mean, logvar) if self.training else mean
        return self.decode(z).view(x.shape)

    def loss_terms(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``(reconstruction of a sampled code, {"kl": (N,) nats})``, sampled in train and eval mode alike (the
        negative ELBO is an expectation over q(z | x); its estimate needs the sample)."""
        mean, logvar = self.encode(x)
        recon = self.decode(self.reparameterize(mean, logvar)).view(x.shape)
        return recon, {"kl": kl_per_dimension(mean, logvar).sum(1)}


def kl_per_dimension(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``KL(N(mean, exp(logvar)) ‖ N(0, 1))`` for each image and code dimension, ``(N, k)``, in nats.

    In closed form: ``½ (mean² + σ² − log σ² − 1)``; zero exactly when the encoder gives the prior itself.
    """
    return 0.5 * (mean.square() + logvar.exp() - logvar - 1.0)


def anchor_vae() -> VAE:
    """pytorch/examples ``vae/main.py``: 784-400-20, ReLU, sigmoid output."""
    return VAE((400,), 20)


def strong_vae() -> VAE:
    """Lesson 08's stronger VAE: 784-512-256-32, two hidden layers each way, a longer code, ELU between layers
    (smooth where ReLU has a kink and no gradient: measured 0.9 nats per test image better than ReLU at the same
    budget)."""
    return VAE((512, 256), 32, activation="elu")
