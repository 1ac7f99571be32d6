"""A trained model of the course with the test images it is explored on: what lesson 06's analyses, figures and
explorers take (a :class:`Subject`), loaded through :mod:`aelib.recipes`.

    s = load_subject("deep_mnist")     # the lesson's model (trained now if it has no checkpoint) and MNIST's test split
    z = s.codes()                      # (10000, 10) float32, computed once
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from aelib import data, metrics, recipes
from aelib.transforms import check_scale, image_batch

__all__ = ["Subject", "load_subject", "subject_of"]


@dataclass(eq=False)
class Subject:
    """A trained autoencoder with the test images it is explored on.

    ``images``: uint8 ``(N, 28, 28)``; ``labels``: int64 ``(N,)``; ``scale``: the scale the model was trained in
    (``"unit"`` [0, 1] or ``"symmetric"`` [-1, 1]); every image shown is converted back to [0, 1].
    """

    name: str
    model: nn.Module
    images: torch.Tensor
    labels: torch.Tensor | None = None
    scale: str = "unit"
    class_names: Sequence[str] | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        check_scale(self.scale)
        self.model.eval()

    def codes(self) -> np.ndarray:
        """The codes of every image, ``(N, code_size)`` float32, computed once."""
        if "codes" not in self._cache:
            self._cache["codes"] = metrics.encode_all(self.model, self.images, scale=self.scale).numpy()
        return self._cache["codes"]

    def pixels(self) -> np.ndarray:
        """Every image as float32 ``(N, 784)`` in [0, 1], computed once (for nearest-image searches)."""
        if "pixels" not in self._cache:
            self._cache["pixels"] = image_batch(self.images).reshape(len(self.images), -1).numpy()
        return self._cache["pixels"]

    def test_mse(self) -> float:
        """The model's per-pixel MSE over all the images, in [0, 1] units (as :func:`aelib.metrics.evaluate`)."""
        if "mse" not in self._cache:
            self._cache["mse"] = metrics.evaluate(self.model, self.images, scale=self.scale)["mse"]
        return self._cache["mse"]

    def image(self, i: int) -> np.ndarray:
        """Image ``i`` as float32 ``(28, 28)`` in [0, 1]."""
        return self.images[i].numpy().astype(np.float32) / 255.0

    def label(self, i: int) -> str:
        if self.labels is None:
            return ""
        k = int(self.labels[i])
        return str(self.class_names[k]) if self.class_names is not None else str(k)


@functools.cache
def load_subject(name: str) -> Subject:
    """The model of recipe ``name`` (e.g. ``"fashion_3d"``) with its dataset's test split; cached per process.

    The model comes from :func:`aelib.recipes.load_or_train`: the checkpoint a lesson saved, or trained now
    (no progress bar) when there is none. Pass a :class:`~aelib.recipes.Recipe`'s ``name``.
    """
    recipe = recipes.RECIPES[name]
    model = recipes.load_or_train(recipe, progress=False).cpu()
    images, labels = data.load(recipe.dataset, "test")
    return Subject(recipe.name, model, images, labels, recipe.scale, data.class_names(recipe.dataset))


def subject_of(x: Subject | recipes.Recipe | str) -> Subject:
    """``x`` itself if it is a :class:`Subject`, else the :func:`load_subject` of that recipe (or recipe name)."""
    if isinstance(x, Subject):
        return x
    return load_subject(x.name if isinstance(x, recipes.Recipe) else str(x))
