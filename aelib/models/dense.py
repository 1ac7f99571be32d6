"""Dense autoencoders: one class built from a list of layer sizes, and the set-ups of lessons 01–03, 05, 07 and 09."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from aelib.models.base import ACTIVATIONS, OUTPUTS, PIXELS, _check_codes, _check_images, _pick


class DenseAutoencoder(nn.Module):
    """A fully connected autoencoder ``sizes[0] → … → sizes[-1] → … → sizes[0]``.

    The encoder is ``Linear`` layers over ``sizes`` with ``activation`` between them and, by default, no activation
    on the code (a linear code can use its whole range). The decoder mirrors ``sizes`` with ``activation`` between
    layers and the ``output`` activation at the end. ``sizes[0]`` must be 784 (a flattened 28×28 image).

    ``code_activation=True`` also puts ``activation`` on the code (the all-sigmoid MLP of lesson 05 does).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        output: str = "sigmoid",
        activation: str = "relu",
        code_activation: bool = False,
    ):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or sizes[0] != PIXELS or min(sizes) < 1:
            raise ValueError(f"sizes must start with {PIXELS} and list at least one positive layer size, got {sizes}.")
        act = _pick(ACTIVATIONS, activation, "activation")
        out = _pick(OUTPUTS, output, "output")
        self.sizes, self.activation, self.output = tuple(sizes), activation, output
        self.code_size = sizes[-1]

        def stack(dims: list[int], last: nn.Module) -> nn.Sequential:
            layers: list[nn.Module] = []
            for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
                layers.append(nn.Linear(d_in, d_out))
                layers.append(act() if i < len(dims) - 2 else last)
            return nn.Sequential(*layers)

        self.encoder = stack(sizes, act() if code_activation else nn.Identity())
        self.decoder = stack(sizes[::-1], out())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 1, 28, 28)`` or ``(N, 784)`` → codes ``(N, code_size)``."""
        _check_images(x, f"{type(self).__name__}.encode", flat_ok=True)
        return self.encoder(x.reshape(len(x), PIXELS))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes ``(N, code_size)`` → images ``(N, 1, 28, 28)`` in the range of ``output``."""
        _check_codes(z, f"{type(self).__name__}.decode", [(self.code_size,)])
        return self.decoder(z).view(len(z), 1, 28, 28)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 1, 28, 28)`` or ``(N, 784)`` → reconstructions of the same shape."""
        _check_images(x, f"{type(self).__name__}.forward", flat_ok=True)
        return self.decode(self.encode(x)).view(x.shape)


def deep_autoencoder() -> DenseAutoencoder:
    """The deep MNIST autoencoder: 784-256-128-64-10, ReLU between layers, sigmoid output (pixels in [0, 1])."""
    return DenseAutoencoder([784, 256, 128, 64, 10], output="sigmoid", activation="relu")


def fashion_autoencoder() -> DenseAutoencoder:
    """The Fashion-MNIST autoencoder: 784-128-64-12-3, ReLU, sigmoid output; a 3-d code to plot in 3-D."""
    return DenseAutoencoder([784, 128, 64, 12, 3], output="sigmoid", activation="relu")


def tanh_autoencoder() -> DenseAutoencoder:
    """784-128-64-16-3, ReLU, Tanh output: for MNIST scaled to [-1, 1] (``scale="symmetric"``)."""
    return DenseAutoencoder([784, 128, 64, 16, 3], output="tanh", activation="relu")


def code_size_autoencoder(code_size: int) -> DenseAutoencoder:
    """784-256-128-``code_size``, ReLU, linear code, sigmoid output: lesson 07's sweep over code sizes."""
    return DenseAutoencoder([784, 256, 128, code_size], output="sigmoid", activation="relu")


def linear_autoencoder(code_size: int = 10) -> DenseAutoencoder:
    """784-``code_size``-784 with no activation at all: ``decode(encode(x)) = D (E x + b) + c``.

    Trained with MSE, the best it can do is PCA with ``code_size`` components, and it finds PCA's subspace (the
    column space of ``D``), not PCA's axes: any invertible mix of the code gives the same reconstructions.
    """
    return DenseAutoencoder([784, code_size], output="none")


def shallow_autoencoder(code_size: int = 30) -> DenseAutoencoder:
    """784-``code_size``-784: a linear encoder and a sigmoid decoder, the one nonlinearity at the output — close to
    the "logistic PCA" of Hinton & Salakhutdinov (2006)."""
    return DenseAutoencoder([784, code_size], output="sigmoid", activation="relu")


def hinton2006_autoencoder() -> DenseAutoencoder:
    """The deep MNIST autoencoder of Hinton & Salakhutdinov (Science, 2006): 784-1000-500-250-30.

    Theirs had logistic hidden units, was pre-trained layer by layer as RBMs and fine-tuned with conjugate
    gradients; ours uses ReLU between layers, a linear 30-number code and a sigmoid output, trained from random
    weights with Adam — the modern recipe that made the pre-training unnecessary.
    """
    return DenseAutoencoder([784, 1000, 500, 250, 30], output="sigmoid", activation="relu")


def one_class_autoencoder() -> DenseAutoencoder:
    """784-256-32, ReLU, linear code, sigmoid output: lesson 09's model of one class of images."""
    return DenseAutoencoder([784, 256, 32], output="sigmoid", activation="relu")


class SigmoidMLP(DenseAutoencoder):
    """The from-scratch MLP autoencoder of lesson 05, built from one ``layer_sizes`` list.

    With ``activation="sigmoid"`` EVERY ``Linear`` is followed by a sigmoid, the code and the output included, as in
    the classic from-scratch networks: the squashed code and saturating hidden units make it lose to PCA-100.
    With ``activation="relu"`` the hidden layers use ReLU, the code is linear and only the output keeps its sigmoid:
    the one change that closes most of the gap. The decoder is ``layer_sizes`` reversed.
    """

    def __init__(self, layer_sizes: Sequence[int] = (784, 256, 128, 100), activation: str = "sigmoid"):
        super().__init__(
            layer_sizes, output="sigmoid", activation=activation, code_activation=activation == "sigmoid"
        )
