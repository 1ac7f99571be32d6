"""Convolutional denoisers: the tutorial's (lesson 04) and a small U-Net (ours, stronger)."""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from aelib.models.base import _check_codes, _check_images


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
