"""Synthetic images and tiny untrained models for the tests of aelib.latent and aelib.widgets: no dataset, no
training (the maths of the analysis and the widgets does not depend on how good the model is)."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image as PILImage

from aelib import models
from aelib.subjects import Subject

N = 120
NAMES = [f"class {k}" for k in range(10)]


def images_and_labels(n: int = N, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Blobby synthetic 'digits': a bright random rectangle on black, so images differ clearly from each other."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), dtype=np.uint8)
    for i in range(n):
        r, c = rng.integers(2, 14, size=2)
        h, w = rng.integers(6, 14, size=2)
        x[i, r : r + h, c : c + w] = rng.integers(120, 256)
    return torch.from_numpy(x), torch.from_numpy(rng.integers(0, 10, size=n).astype(np.int64))


def subject(model_fn=models.fashion_autoencoder, scale: str = "unit", seed: int = 0) -> Subject:
    torch.manual_seed(seed)
    images, labels = images_and_labels(seed=seed)
    return Subject(f"tiny-{seed}", model_fn().eval(), images, labels, scale, NAMES)


def png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(png)))
