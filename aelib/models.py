"""The autoencoders of the course, as plain ``nn.Module``s with ``encode``, ``decode`` and ``forward``.

Conventions shared by every model here (so that ``aelib.train`` and ``aelib.metrics`` need not know the classes):

- input: float images ``(N, 1, 28, 28)``; the dense models also take flat ``(N, 784)``;
- ``forward(x)`` returns a reconstruction of the same shape as ``x``;
- ``encode(x)`` returns codes ``(N, code_size)``, ``decode(z)`` returns images ``(N, 1, 28, 28)``;
- ``code_size`` (int) is the length of a code, ``output`` names the output activation (``"sigmoid"`` → [0, 1],
  ``"tanh"`` → [-1, 1], ``"none"`` → unbounded, ``"residual"`` → noisy input + correction, clamped to [0, 1]);
- a wrong input shape raises ``ValueError`` naming the expected and the received shape.

This module imports nothing else from ``aelib``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

PIXELS = 28 * 28
ACTIVATIONS = {"relu": nn.ReLU, "elu": nn.ELU, "sigmoid": nn.Sigmoid}
OUTPUTS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "none": nn.Identity}


def _check_images(x: torch.Tensor, where: str, flat_ok: bool) -> None:
    """Raise a ValueError unless ``x`` is ``(N, 1, 28, 28)`` (or ``(N, 784)`` when ``flat_ok``)."""
    ok = x.dim() == 4 and tuple(x.shape[1:]) == (1, 28, 28)
    ok = ok or (flat_ok and x.dim() == 2 and x.shape[1] == PIXELS)
    if not ok:
        expected = "(N, 1, 28, 28) or (N, 784)" if flat_ok else "(N, 1, 28, 28)"
        raise ValueError(f"{where} expected images of shape {expected}, got {tuple(x.shape)}.")


def _check_codes(z: torch.Tensor, where: str, shapes: Sequence[tuple[int, ...]]) -> None:
    """Raise a ValueError unless ``z`` is ``(N, *shape)`` for one of ``shapes``."""
    if not any(tuple(z.shape[1:]) == s for s in shapes):
        expected = " or ".join("(N, " + ", ".join(map(str, s)) + ")" for s in shapes)
        raise ValueError(f"{where} expected codes of shape {expected}, got {tuple(z.shape)}.")


def _pick(table: dict, name: str, what: str) -> type[nn.Module]:
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}; valid: {', '.join(table)}.")
    return table[name]


# ----------------------------------------------------------------------------------------------------------------
# 1. Dense autoencoders


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


# ----------------------------------------------------------------------------------------------------------------
# 2. The convolutional denoiser of lesson 04


class ConvDenoiser(nn.Module):
    """The lesson's convolutional denoising autoencoder, a 72-number bottleneck (8 maps of 3×3).

    Encoder: three 3×3 convolutions (1→32→16→8 channels, padding 1), each ReLU then 2×2 max-pool: 28→14→7→3.
    Decoder: transposed convolutions 8→8 (k3, s2: 3→7), 8→16 (k2, s2: 7→14), 16→32 (k2, s2: 14→28), each ReLU,
    then a 3×3 convolution 32→1 and a sigmoid (pixels in [0, 1]).

    ``encode`` returns the feature maps flattened to ``(N, 72)`` like every other model's codes;
    ``z.view(-1, 8, 3, 3)`` gives the maps back. ``decode`` accepts ``(N, 72)`` and ``(N, 8, 3, 3)``.
    """

    code_shape = (8, 3, 3)

    def __init__(self):
        super().__init__()
        self.output = "sigmoid"
        self.code_size = 8 * 3 * 3
        self.encoder = nn.Sequential(
            OrderedDict(
                conv1=nn.Conv2d(1, 32, 3, padding=1), relu1=nn.ReLU(), pool1=nn.MaxPool2d(2),  # 28 → 14
                conv2=nn.Conv2d(32, 16, 3, padding=1), relu2=nn.ReLU(), pool2=nn.MaxPool2d(2),  # 14 → 7
                conv3=nn.Conv2d(16, 8, 3, padding=1), relu3=nn.ReLU(), pool3=nn.MaxPool2d(2),  # 7 → 3 (floor)
            )
        )  # fmt: skip
        self.decoder = nn.Sequential(
            OrderedDict(
                deconv1=nn.ConvTranspose2d(8, 8, 3, stride=2), relu4=nn.ReLU(),  # 3 → 7: (3-1)*2 + 3
                deconv2=nn.ConvTranspose2d(8, 16, 2, stride=2), relu5=nn.ReLU(),  # 7 → 14
                deconv3=nn.ConvTranspose2d(16, 32, 2, stride=2), relu6=nn.ReLU(),  # 14 → 28
                conv_out=nn.Conv2d(32, 1, 3, padding=1), sigmoid=nn.Sigmoid(),
            )
        )  # fmt: skip

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 1, 28, 28)`` → codes ``(N, 72)`` (the 8×3×3 feature maps, flattened)."""
        _check_images(x, "ConvDenoiser.encode", flat_ok=False)
        return self.encoder(x).flatten(1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes ``(N, 72)`` or ``(N, 8, 3, 3)`` → images ``(N, 1, 28, 28)`` in [0, 1]."""
        _check_codes(z, "ConvDenoiser.decode", [(self.code_size,), self.code_shape])
        return self.decoder(z.reshape(len(z), *self.code_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(Noisy) images ``(N, 1, 28, 28)`` → reconstructions ``(N, 1, 28, 28)`` in [0, 1]."""
        return self.decode(self.encode(x))


def layer_shapes(model: nn.Module, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """Run ``x`` through ``model`` and list ``(name, output shape)`` of every leaf module, in call order.

    Uses forward hooks on the leaf modules (removed afterwards); runs under ``torch.no_grad``. For
    :class:`ConvDenoiser` and a batch ``(N, 1, 28, 28)`` the spatial sizes go 28→14→7→3→7→14→28.
    """
    shapes: list[tuple[str, tuple[int, ...]]] = []
    hooks = []
    for name, module in model.named_modules():
        if name and not any(module.children()):  # leaves only: a Sequential's output repeats its last layer's

            def hook(_module: nn.Module, _inputs: tuple, out: torch.Tensor, name: str = name) -> None:
                shapes.append((name, tuple(out.shape)))

            hooks.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return shapes


# ----------------------------------------------------------------------------------------------------------------
# 3. A stronger denoiser: a small U-Net


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """A 3×3 convolution and a ReLU; padding 1 keeps the spatial size.

    One convolution per level, not the usual two, for half the compute. That is plenty for MNIST: measured here
    with ``channels=16`` (57k parameters), batch 64, Adam 1e-3, σ = 0.5: test MSE 0.0118 after one epoch, against
    0.0175 for the best linear denoiser.
    """
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU())


class UNetDenoiser(nn.Module):
    """A 2-level U-Net that predicts a correction added to the noisy input: ``(x + r(x)).clamp(0, 1)``.

    Levels: ``c`` channels at 28×28, ``2c`` at 14×14, a ``4c`` bottleneck at 7×7; the way up uses 2×2 transposed
    convolutions and concatenates the encoder's maps of the same size (skip connections), so fine detail need not
    squeeze through the bottleneck. Predicting the residual starts the net near the identity and keeps the
    gradient healthy; a sigmoid output at lr 2e-3 was seen to collapse to all-zero images and never recover.
    The clamp only acts on the output and passes gradients wherever the output is inside [0, 1].

    ``forward`` is the API. ``encode`` returns the flattened bottleneck ``(N, 4c·7·7)``; there is no ``decode``
    because the decoder needs the skip maps too, not only the bottleneck.
    """

    def __init__(self, channels: int = 16):
        super().__init__()
        c = int(channels)
        if c < 1:
            raise ValueError(f"channels must be a positive int, got {channels}.")
        self.output = "residual"
        self.channels = c
        self.code_size = 4 * c * 7 * 7
        self.enc1 = _conv_block(1, c)  # 28×28
        self.enc2 = _conv_block(c, 2 * c)  # 14×14
        self.bottleneck = _conv_block(2 * c, 4 * c)  # 7×7
        self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)  # 7 → 14
        self.dec2 = _conv_block(4 * c, 2 * c)  # 2c upsampled + 2c skip
        self.up1 = nn.ConvTranspose2d(2 * c, c, 2, stride=2)  # 14 → 28
        self.dec1 = _conv_block(2 * c, c)  # c upsampled + c skip
        self.head = nn.Conv2d(c, 1, 1)  # residual, unbounded

    def _down(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        s1 = self.enc1(x)
        s2 = self.enc2(F.max_pool2d(s1, 2))
        return s1, s2, self.bottleneck(F.max_pool2d(s2, 2))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 1, 28, 28)`` → the bottleneck ``(N, 4c·7·7)``, flattened (not a full code: see the class)."""
        _check_images(x, "UNetDenoiser.encode", flat_ok=False)
        return self._down(x)[2].flatten(1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(
            "UNetDenoiser has no decode: its decoder also needs the skip-connection maps of the input, "
            "not only the bottleneck. Call the model on images instead."
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Noisy images ``(N, 1, 28, 28)`` in [0, 1] → denoised images ``(N, 1, 28, 28)`` in [0, 1]."""
        _check_images(x, "UNetDenoiser.forward", flat_ok=False)
        s1, s2, b = self._down(x)
        d2 = self.dec2(torch.cat([self.up2(b), s2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), s1], dim=1))
        return (x + self.head(d1)).clamp(0.0, 1.0)


# ----------------------------------------------------------------------------------------------------------------
# 4. Variational autoencoders (lesson 08)


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


def count_parameters(model: nn.Module) -> int:
    """The number of trainable numbers (weights and biases with ``requires_grad``) in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
