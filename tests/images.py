"""Small structured images and a recording model for the tests of aelib.metrics and aelib.baselines."""


import torch
from torch import nn


def blobs(n: int, seed: int = 0) -> torch.Tensor:
    """uint8 ``(n, 28, 28)`` images of one Gaussian blob each: structured, low-dimensional, like digits."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(n, 2, 1, 1, generator=g) * 16 + 6
    grid = torch.arange(28.0)
    d2 = (grid.view(1, 1, 28) - centres[:, 0]) ** 2 + (grid.view(1, 28, 1) - centres[:, 1]) ** 2
    return (255 * torch.exp(-d2 / 20)).round().to(torch.uint8)


class Recorder(nn.Module):
    """Returns its input unchanged and remembers what it saw and whether it was in training mode."""

    def __init__(self):
        super().__init__()
        self.seen, self.modes = [], []

    def forward(self, x):
        self.seen.append(x.clone())
        self.modes.append(self.training)
        return x
