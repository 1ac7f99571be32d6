"""aelib.exercises.lesson03, the checks of ``notebooks/03_tanh_normalized_autoencoder.ipynb``:
each accepts a right answer and rejects plausible wrong ones with a learner-facing message (the message is the
product: each rejection pins the hint). Checks that train on or read real MNIST are marked ``integration``."""

from __future__ import annotations

import pytest

from aelib import exercises as ex
from tests.checking import accepts, rejects


def test_output_activations(capsys):
    right = {"unit": "sigmoid", "symmetric": "tanh", "standardized": "none"}
    accepts(ex.check_output_activations, lambda: right, capsys=capsys)
    accepts(ex.check_output_activations, lambda: {k: f" {v.upper()} " for k, v in right.items()}, capsys=capsys)
    rejects(
        ex.check_output_activations,
        lambda: {**right, "symmetric": "sigmoid"},
        match=r"you chose 'sigmoid'.*never reach the targets below 0 \(down to -1\)",
    )
    rejects(ex.check_output_activations, lambda: {**right, "unit": "relu"}, match=r"no upper limit")
    rejects(ex.check_output_activations, lambda: {**right, "standardized": "tanh"}, match=r"stops at 1")
    rejects(ex.check_output_activations, lambda: {**right, "unit": "softmax"}, match=r"should be one of")
    rejects(ex.check_output_activations, lambda: "tanh", match=r"Return a dict with the keys")


def sigmoid_floor(images):
    x = images.float() / 255
    return ((x.clamp(min=0.5) - x) ** 2).mean().item()


def test_sigmoid_floor_on_random_images(capsys):
    accepts(ex.check_sigmoid_floor, sigmoid_floor, hidden=True, capsys=capsys)
    rejects(ex.check_sigmoid_floor, lambda im: 4 * sigmoid_floor(im), hidden=True, match=r"in \[-1, 1\] units")
    rejects(ex.check_sigmoid_floor, lambda im: sigmoid_floor(im) * 255**2, hidden=True, match=r"divide the bytes")
    rejects(ex.check_sigmoid_floor, lambda im: "0.2", hidden=True, match=r"should be a number")


@pytest.mark.integration
def test_sigmoid_floor_on_mnist(capsys):
    out = accepts(ex.check_sigmoid_floor, sigmoid_floor, sigmoid_mse=0.25, capsys=capsys)
    assert "at least 0.208" in out and "83.1%" in out
    rejects(ex.check_sigmoid_floor, lambda im: 0.25 * (im == 0).float().mean().item(), match=r"only the black pixels")
