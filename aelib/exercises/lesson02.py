"""Lesson 02 (dense autoencoders): the checks of ``notebooks/02_dense_autoencoder.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from aelib import metrics, models
from aelib.exercises.feedback import as_int, call, check, choice, fail, mnist_subset, ok, quiet_rng, shape_of
from aelib.models import layer_shapes
from aelib.train import fit

__all__ = ["check_shape_table", "check_encoder_parameters", "check_code_size_experiment"]


def _linear_shapes(model: nn.Module, batch: int) -> list[tuple[tuple[int, ...], str]]:
    """Output shape of each Linear layer of ``model`` for a batch of zeros, with the layer's description."""
    linears = {name: m for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    shapes = []
    for name, shape in layer_shapes(model, torch.zeros(batch, 1, 28, 28)):
        if name in linears:
            m = linears[name]
            shapes.append((shape, f"{name.split('.')[0]} Linear({m.in_features}, {m.out_features})"))
    return shapes


def _as_shape(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, (tuple, list, torch.Size)) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    return None


@check
def check_shape_table(shape_table: Callable, hidden: bool = False) -> None:
    """``shape_table()`` → the output shape of each of the 8 Linear layers of ``models.deep_autoencoder()`` for a
    batch of 32 images, in order, e.g. ``[(32, 256), …]``."""
    __tracebackhide__ = True

    with quiet_rng():
        expected = _linear_shapes(models.deep_autoencoder(), 32)
    answer = call(shape_table, shown="shape_table()")
    if not isinstance(answer, (list, tuple)):
        fail(f"Return a list of shapes, one per Linear layer, e.g. [(32, 256), (32, 128), ...]; got {answer!r}.")
    if len(answer) != len(expected):
        fail(
            f"The model has {len(expected)} Linear layers — 4 in the encoder (784→256→128→64→10) and 4 in the "
            f"decoder (10→64→128→256→784) — but your table has {len(answer)} rows."
        )
    for i, (got, (want, layer)) in enumerate(zip(answer, expected, strict=True)):
        shape = _as_shape(got)
        if shape is None:
            fail(f"Row {i + 1} should be a shape such as (32, 256) — a tuple of ints — got {got!r}.")
        if shape != want:
            hint = (
                " Hint: a Linear layer outputs (batch, out_features): start every shape with 32."
                if (len(shape) == 1)
                else ""
            )
            fail(f"Row {i + 1} ({layer}) outputs {want}, you wrote {shape}.{hint}")
    if not hidden:
        ok(
            "(32, 784) → 256 → 128 → 64 → (32, 10), the code, → 64 → 128 → 256 → (32, 784): the decoder mirrors "
            "the encoder."
        )


@check
def check_encoder_parameters(encoder_parameters: Callable, hidden: bool = False) -> None:
    """``encoder_parameters()`` → the number of trainable parameters of the deep autoencoder's encoder
    (784-256-128-64-10)."""
    __tracebackhide__ = True

    model = models.deep_autoencoder()
    enc = models.count_parameters(model.encoder)
    dec = models.count_parameters(model.decoder)
    weights = sum(m.weight.numel() for m in model.encoder.modules() if isinstance(m, nn.Linear))
    answer = as_int(call(encoder_parameters, shown="encoder_parameters()"), "encoder_parameters()")
    if answer == enc:
        if not hidden:
            ok(f"{enc:,} = {weights:,} weights + {enc - weights:,} biases; the whole autoencoder has {enc + dec:,}.")
        return
    if answer == weights:
        fail(f"{answer:,} counts the weights only. Hint: each Linear(in, out) also has `out` biases.")
    if answer == enc + dec:
        fail(f"{answer:,} is the whole autoencoder, decoder included. Count the encoder only: 784→256→128→64→10.")
    if answer == dec:
        fail(
            f"{answer:,} is the decoder's count (its biases are 64, 128, 256 and 784). The encoder's biases are "
            "256, 128, 64 and 10."
        )
    fail(
        f"Got {answer:,}. Hint: a Linear(in, out) layer has in × out weights and out biases; the encoder's layers "
        "are 784→256, 256→128, 128→64 and 64→10."
    )



def _check_autoencoder(model: Any, shown: str, code_size: int | None = None) -> nn.Module:
    """Is ``model`` an autoencoder that maps a batch of images to a batch of images (and has ``code_size``)?"""
    __tracebackhide__ = True
    if not isinstance(model, nn.Module):
        fail(f"`{shown}` should return a model (an nn.Module), got {type(model).__name__}. Hint: `return` the model.")
    x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y = call(model, x, shown=f"{shown}(images of shape (2, 1, 28, 28))")
    if not isinstance(y, torch.Tensor) or y.numel() != x.numel():
        what = shape_of(y) if isinstance(y, torch.Tensor) else type(y).__name__
        fail(
            f"The model built by `{shown}` turned 2 images (2, 1, 28, 28) into {what}; an autoencoder returns "
            "as many pixels as it is given."
        )
    if code_size is not None and getattr(model, "code_size", code_size) != code_size:
        fail(f"`{shown}` built a model with code_size {model.code_size}, expected {code_size}.")
    return model


@check
def check_code_size_experiment(
    predicted_change: Callable, make_autoencoder: Callable, pca: Any = None, hidden: bool = False
) -> None:
    """``predicted_change()`` → "higher" / "lower" / "same": the test MSE with a 2-number code compared with a
    10-number one; ``make_autoencoder(code_size)`` → a 784-128-``code_size`` dense autoencoder (small, so that it
    trains in seconds). The check trains both code sizes on 10,000 MNIST images for 2 epochs, scores them on 2,000
    test images and compares the measurement with the prediction. With a fitted ``pca``
    (:class:`aelib.baselines.PCA`) it also reports PCA-2 and PCA-10 on the same images."""
    __tracebackhide__ = True

    prediction = choice(
        call(predicted_change, shown="predicted_change()"), ("higher", "lower", "same"), "predicted_change()"
    )
    built = {}
    for k in (10, 2):  # check both models before training either
        with quiet_rng():
            model = _check_autoencoder(
                call(make_autoencoder, k, shown=f"make_autoencoder({k})"), f"make_autoencoder({k})", k
            )
            want = models.count_parameters(models.DenseAutoencoder([784, 128, k]))
        if models.count_parameters(model) != want:
            fail(
                f"make_autoencoder({k}) has {models.count_parameters(model):,} parameters; a 784-128-{k} "
                f"autoencoder has {want:,}. Hint: models.DenseAutoencoder([784, 128, code_size])."
            )
        built[k] = model
    if hidden:
        return
    train, test = mnist_subset(10_000, 2000)
    scores = {}
    for k, model in built.items():
        try:
            fit(model, train, epochs=2, batch_size=64, lr=3e-3, progress=False, device="cpu")
        except Exception as err:
            fail(f"Training make_autoencoder({k}) failed: {type(err).__name__}: {err}")
        scores[k] = metrics.evaluate(model, test)["mse"]
    measured = "higher" if scores[2] > 1.05 * scores[10] else "lower" if scores[2] < scores[10] / 1.05 else "same"
    numbers = (
        f"test MSE {scores[2]:.3g} with a 2-number code, {scores[10]:.3g} with 10 (10,000 training images, 2 epochs)"
    )
    if prediction != measured:
        fail(
            f"Measured: {numbers} — {measured}. You predicted {prediction!r}. Why: 2 numbers per image can hold "
            "far less detail than 10, so the decoder can only draw a rough average of each digit's shape. "
            "Update your prediction once you see why."
        )
    ok(f"{numbers}: {scores[2] / scores[10]:.1f}× higher. Fewer numbers per image hold less detail.")
    if pca is not None:
        test = mnist_subset(0, 2000)[1]
        print(f"  On the same 2,000 test images: PCA-2 {pca.mse(test, 2):.3g}, PCA-10 {pca.mse(test, 10):.3g}.")
