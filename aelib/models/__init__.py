"""The models of the course, as plain ``nn.Module``s with ``encode``, ``decode`` and ``forward``; one module per kind
(``dense``, ``conv``, ``vae``, ``sparse``), and the one classifier (``classifier``, lesson 10), all named here.

Conventions shared by every autoencoder (so that ``aelib.train`` and ``aelib.metrics`` need not know the classes):

- input: float images ``(N, 1, 28, 28)``; the dense models also take flat ``(N, 784)``; a sparse autoencoder takes
  vectors ``(N, d_in)`` (pixels, or a network's activations);
- ``forward(x)`` returns a reconstruction of the same shape as ``x``;
- ``encode(x)`` returns codes ``(N, code_size)``, ``decode(z)`` returns images ``(N, 1, 28, 28)`` (a sparse
  autoencoder's: ``(N, d_in)``);
- ``code_size`` (int) is the length of a code, ``output`` names the output activation (``"sigmoid"`` → [0, 1],
  ``"tanh"`` → [-1, 1], ``"none"`` → unbounded, ``"residual"`` → noisy input + correction, clamped to [0, 1]);
- a wrong input shape raises ``ValueError`` naming the expected and the received shape.

This package imports nothing else from ``aelib``.
"""

from aelib.models.base import ACTIVATIONS, OUTPUTS, PIXELS, count_parameters, layer_shapes
from aelib.models.classifier import MLPClassifier
from aelib.models.conv import ConvDenoiser, UNetDenoiser
from aelib.models.dense import (
    DenseAutoencoder,
    SigmoidMLP,
    code_size_autoencoder,
    deep_autoencoder,
    fashion_autoencoder,
    hinton2006_autoencoder,
    linear_autoencoder,
    one_class_autoencoder,
    shallow_autoencoder,
    tanh_autoencoder,
)
from aelib.models.sparse import ReLUSAE, SparseAutoencoder, TopKSAE
from aelib.models.vae import VAE, anchor_vae, kl_per_dimension, strong_vae

__all__ = [
    "ACTIVATIONS", "OUTPUTS", "PIXELS", "VAE", "ConvDenoiser", "DenseAutoencoder", "MLPClassifier", "ReLUSAE",
    "SigmoidMLP", "SparseAutoencoder", "TopKSAE", "UNetDenoiser", "anchor_vae", "code_size_autoencoder",
    "count_parameters", "deep_autoencoder", "fashion_autoencoder", "hinton2006_autoencoder", "kl_per_dimension",
    "layer_shapes", "linear_autoencoder", "one_class_autoencoder", "shallow_autoencoder", "strong_vae",
    "tanh_autoencoder",
]
