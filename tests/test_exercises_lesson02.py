"""aelib.exercises.lesson02, the checks of ``notebooks/02_dense_autoencoder.ipynb``:
each accepts a right answer and rejects plausible wrong ones with a learner-facing message (the message is the
product: each rejection pins the hint). Checks that train on or read real MNIST are marked ``integration``."""

from __future__ import annotations

import pytest
import torch

from aelib import exercises as ex
from aelib import models
from tests.checking import accepts, rejects


def test_shape_table(capsys):
    right = [(32, n) for n in (256, 128, 64, 10, 64, 128, 256, 784)]
    accepts(ex.check_shape_table, lambda: right, capsys=capsys)
    accepts(ex.check_shape_table, lambda: [torch.Size(s) for s in right], capsys=capsys)
    rejects(ex.check_shape_table, lambda: right[:4], match=r"8 Linear layers.*your table has 4 rows")
    rejects(ex.check_shape_table, lambda: [(s[1],) for s in right], match=r"start every shape with 32")
    rejects(
        ex.check_shape_table,
        lambda: right[:-1] + [(32, 1, 28, 28)],
        match=r"Row 8 \(decoder Linear\(256, 784\)\) outputs \(32, 784\)",
    )
    rejects(ex.check_shape_table, lambda: right[:-1] + ["(32, 784)"], match=r"a tuple of ints")


def test_encoder_parameters(capsys):
    out = accepts(ex.check_encoder_parameters, lambda: 242_762, capsys=capsys)
    assert "242,304 weights + 458 biases" in out
    rejects(ex.check_encoder_parameters, lambda: 242_304, match=r"weights only")
    rejects(
        ex.check_encoder_parameters,
        lambda: models.count_parameters(models.deep_autoencoder()),
        match=r"whole autoencoder",
    )
    rejects(ex.check_encoder_parameters, lambda: 243_536, match=r"decoder's count")
    rejects(ex.check_encoder_parameters, lambda: 1_000, match=r"in × out weights")


def make_autoencoder(code_size):
    return models.DenseAutoencoder([784, 128, code_size], output="sigmoid", activation="relu")


def test_code_size_experiment_rejects_a_wrong_model_before_training():
    rejects(
        ex.check_code_size_experiment,
        lambda: "higher",
        lambda k: make_autoencoder(10),
        match=r"make_autoencoder\(2\)` built a model with code_size 10, expected 2",
    )
    rejects(
        ex.check_code_size_experiment,
        lambda: "higher",
        lambda k: models.DenseAutoencoder([784, 256, 128, 64, k]),
        match=r"has 486,298 parameters; a 784-128-10 autoencoder has 204,314",
    )
    rejects(ex.check_code_size_experiment, lambda: "bigger", make_autoencoder, match=r"one of 'higher'")
    rejects(ex.check_code_size_experiment, lambda: "higher", lambda k: None, match=r"should return a model")
    rejects(
        ex.check_code_size_experiment,
        lambda: "higher",
        lambda k: torch.nn.Linear(784, k),
        match=r"raised RuntimeError|turned 2 images",
    )
    ex.check_code_size_experiment(lambda: "higher", make_autoencoder, hidden=True)  # no training when hidden


@pytest.mark.integration
def test_code_size_experiment_trains_and_compares(capsys, one_thread):
    from aelib.baselines import PCA
    from aelib.data import load

    pca = PCA().fit(load("mnist", "train")[0][:10_000])
    out = accepts(ex.check_code_size_experiment, lambda: "higher", make_autoencoder, pca=pca, capsys=capsys)
    assert "with a 2-number code" in out and "PCA-2" in out
    rejects(
        ex.check_code_size_experiment,
        lambda: "lower",
        make_autoencoder,
        match=r"^Measured: .* — higher\. You predicted 'lower'",
    )
