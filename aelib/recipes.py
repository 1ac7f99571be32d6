"""The course's training set-ups in one place, shared by the lessons, the widgets and the quality tests.

A :class:`Recipe` is a model, a dataset and the hyper-parameters that train it *within the lesson budget* on a
2-core CPU, with the original tutorial's longer setting beside it (``recipe.original()``), so the notebooks, the
tests and the README can never drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import nn

from aelib import data, models
from aelib.checkpoint import load_checkpoint
from aelib.train import History, fit


@dataclass(frozen=True)
class Recipe:
    """How one model of the course is trained. ``epochs`` is the lesson budget; ``original_epochs`` the tutorial's."""

    name: str
    model: Callable[[], nn.Module]
    dataset: str
    epochs: int
    batch_size: int
    lr: float = 1e-3
    weight_decay: float = 0.0
    loss: str = "mse"
    scale: str = "unit"
    noise_std: float | None = None
    original_epochs: int | None = None
    note: str = ""

    def fit_kwargs(self) -> dict:
        """The keyword arguments of :func:`aelib.train.fit` for this recipe."""
        return dict(
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            weight_decay=self.weight_decay,
            loss=self.loss,
            scale=self.scale,
            noise_std=self.noise_std,
        )

    def original(self) -> Recipe:
        """The same recipe with the original tutorial's number of epochs (the long version)."""
        return replace(self, epochs=self.original_epochs or self.epochs)

    def __str__(self) -> str:
        extra = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        noise = f", noise_std={self.noise_std}" if self.noise_std else ""
        original = f" (original: {self.original_epochs})" if self.original_epochs != self.epochs else ""
        return (
            f"{self.name}: {self.dataset}, epochs={self.epochs}{original}, batch_size={self.batch_size}, "
            f"Adam lr={self.lr:g}{extra}, loss={self.loss}, scale={self.scale}{noise}"
            + (f"\n  {self.note}" if self.note else "")
        )


DEEP_MNIST = Recipe(
    "deep_mnist", models.deep_autoencoder, "mnist", epochs=10, batch_size=256, original_epochs=100,
    note="784-256-128-64-10, ReLU, sigmoid output; the original trained 100 epochs.",
)
FASHION_3D = Recipe(
    "fashion_3d", models.fashion_autoencoder, "fashion-mnist", epochs=10, batch_size=64, weight_decay=1e-5,
    original_epochs=10, note="784-128-64-12-3, ReLU, sigmoid output, weight decay 1e-5 (as the original).",
)
TANH_MNIST = Recipe(
    "tanh_mnist", models.tanh_autoencoder, "mnist", epochs=10, batch_size=128, scale="symmetric",
    original_epochs=20, note="784-128-64-16-3, ReLU, Tanh output, inputs Normalize(0.5, 0.5) to [-1, 1].",
)
CONV_DENOISER = Recipe(
    "conv_denoiser", models.ConvDenoiser, "mnist", epochs=1, batch_size=20, noise_std=0.5, original_epochs=20,
    note="the original's conv denoiser (72-d bottleneck), noise sigma 0.5 clipped; it trained 20 epochs.",
)
UNET_DENOISER = Recipe(
    "unet_denoiser", models.UNetDenoiser, "mnist", epochs=1, batch_size=64, noise_std=0.5, original_epochs=1,
    note="our stronger denoiser: a 2-level U-Net with skip connections predicting a residual.",
)
SIGMOID_MLP = Recipe(
    "sigmoid_mlp", models.SigmoidMLP, "mnist", epochs=10, batch_size=256, lr=1e-2, loss="half_mse",
    original_epochs=10, note="every Linear followed by a Sigmoid, [784, 256, 128, 100]; loss 0.5 * MSE.",
)
RELU_MLP = replace(
    SIGMOID_MLP, name="relu_mlp", model=lambda: models.SigmoidMLP(activation="relu"),
    note="the same MLP with ReLU hidden layers and a linear code (only the output keeps its sigmoid).",
)
RECIPES = {r.name: r for r in (DEEP_MNIST, FASHION_3D, TANH_MNIST, CONV_DENOISER, UNET_DENOISER, SIGMOID_MLP, RELU_MLP)}


def checkpoint_dir() -> Path:
    """Where lessons save trained models: ``$AELIB_CHECKPOINTS``, else ``<data cache>/checkpoints``."""
    env = os.environ.get("AELIB_CHECKPOINTS")
    return Path(env).expanduser() if env else data.data_root() / "checkpoints"


def checkpoint_path(recipe: Recipe) -> Path:
    return checkpoint_dir() / f"{recipe.name}.pt"


def train(
    recipe: Recipe, seed: int = 0, images: torch.Tensor | None = None, save: bool = True, **overrides
) -> tuple[nn.Module, History]:
    """Build and train ``recipe``'s model on its training split; return ``(model, history)``.

    ``seed`` seeds the initial weights and :func:`~aelib.train.fit` (same seed, same machine → same numbers).
    ``images`` replaces the training split (e.g. a subset); ``overrides`` go to ``fit`` (``watch=…``,
    ``epochs=…``, ``progress=False`` …). With ``save`` the model is checkpointed to :func:`checkpoint_path`;
    under ``AELIB_REUSE_CHECKPOINTS=1``, a checkpoint there that holds this very run, finished, is loaded instead
    of trained again (``fit``'s ``reuse``: same layers, settings, seed and images) — for re-running a lesson in
    seconds; the tests of the student copies use it.
    """
    torch.manual_seed(seed)
    model = recipe.model()
    if images is None:
        images, _ = data.load(recipe.dataset, "train")
    kwargs = {**recipe.fit_kwargs(), "seed": seed, **overrides}
    if save:
        kwargs.setdefault("checkpoint", checkpoint_path(recipe))
    history = fit(model, images, **kwargs)
    return model, history


def load_or_train(recipe: Recipe, seed: int = 0, **overrides) -> nn.Module:
    """The model a lesson trained (its checkpoint), or — when there is none yet — a freshly trained one.

    Never fails because a file is missing: a missing, unreadable or foreign checkpoint means "train it now"
    (with a progress bar), and the result is saved for next time.
    """
    path = checkpoint_path(recipe)
    if path.is_file():
        model = recipe.model()
        try:
            saved = load_checkpoint(path, model)
            if saved["epoch"] >= recipe.epochs:
                return model.eval()
        except (ValueError, RuntimeError, OSError) as err:
            print(f"{path} could not be used ({err}); training {recipe.name} again.")
    model, _ = train(recipe, seed=seed, **overrides)
    return model.eval()
