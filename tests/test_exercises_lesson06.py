"""aelib.exercises.lesson06, the checks of ``notebooks/06_latent_space_lab.ipynb``:
each accepts a right answer and rejects plausible wrong ones with a learner-facing message (the message is the
product: each rejection pins the hint). Checks that train on or read real MNIST are marked ``integration``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aelib import exercises as ex
from aelib import models
from tests.checking import accepts, rejects


def interpolate(z_a, z_b, ts):
    ts = np.asarray(ts)[:, None]
    return (1 - ts) * z_a + ts * z_b


def test_interpolation(capsys):
    accepts(ex.check_interpolation, interpolate, capsys=capsys)
    accepts(ex.check_interpolation, lambda a, b, ts: torch.from_numpy(interpolate(a, b, ts)), capsys=capsys)
    accepts(ex.check_interpolation, interpolate, hidden=True, capsys=capsys)
    rejects(ex.check_interpolation, lambda a, b, ts: interpolate(a, b, ts).T, match=r"transposed: one ROW per")
    rejects(ex.check_interpolation, lambda a, b, ts: interpolate(b, a, ts), match=r"runs backwards")
    rejects(ex.check_interpolation, lambda a, b, ts: a + ts * (b - a), match=r"raised ValueError.*ts\[:, None\]")
    rejects(
        ex.check_interpolation,
        lambda a, b, ts: np.stack([a] + [(a + b) / 2] * (len(ts) - 2) + [b]),
        match=r"endpoints are right",
    )


def nearest_mse(pixels, image):
    errors = ((pixels - image.reshape(1, -1)) ** 2).mean(axis=1)
    return int(errors.argmin()), float(errors.min())


def test_nearest_mse(capsys):
    accepts(ex.check_nearest_mse, nearest_mse, capsys=capsys)
    accepts(ex.check_nearest_mse, nearest_mse, hidden=True, capsys=capsys)
    rejects(
        ex.check_nearest_mse,
        lambda p, im: (nearest_mse(p, im)[0], 784 * nearest_mse(p, im)[1]),
        match=r"SUM of squared errors",
    )
    rejects(ex.check_nearest_mse, lambda p, im: (nearest_mse(p, im)[0], nearest_mse(p, im)[1] ** 0.5), match=r"RMSE")
    rejects(
        ex.check_nearest_mse,
        lambda p, im: (int(((p - im.reshape(1, -1)) ** 2).mean(1).argmax()), 0.1),
        match=r"FURTHEST image",
    )
    rejects(ex.check_nearest_mse, lambda p, im: nearest_mse(p, im)[1], match=r"two things, \(index, mse\)")


def test_extrapolation_prediction_without_a_model(capsys):
    accepts(ex.check_extrapolation, lambda: "further", hidden=True, capsys=capsys)
    rejects(ex.check_extrapolation, lambda: "nearer", match=r"one of 'closer', 'further'")


@pytest.mark.integration
def test_extrapolation_is_measured(capsys, one_thread):
    from aelib import data
    from aelib.subjects import Subject
    from aelib.train import fit

    torch.manual_seed(0)
    model = models.DenseAutoencoder([784, 128, 10])
    fit(model, data.load("mnist", "train")[0][:10_000], epochs=2, lr=3e-3, progress=False)
    images, labels = data.load("mnist", "test")
    subject = Subject("small", model, images[:2000], labels[:2000])
    out = accepts(ex.check_extrapolation, lambda: "further", subject, capsys=capsys)
    assert "Past the data" in out
    rejects(ex.check_extrapolation, lambda: "closer", subject, match=r"^Measured on 50 pairs: .*'closer'")
