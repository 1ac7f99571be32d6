"""aelib.oneclass on a synthetic two-class data set: each class's models are fitted on that class alone, every score
is the one aelib.detection defines, and the table's AUCs are those of the scores. Tiny training, no real data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from aelib import detection, oneclass, recipes
from aelib.metrics import reconstruct


def two_kinds(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Class 0: a bright horizontal bar; class 1: a bright vertical bar; at random places."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 2
    for i, c in enumerate(labels):
        r, s = rng.integers(4, 20, size=2)
        if c == 0:
            x[i, r : r + 3, 4:24] = 255
        else:
            x[i, 4:24, s : s + 3] = 255
    return torch.from_numpy(x), torch.from_numpy(labels)


@pytest.fixture
def bars(tmp_path, monkeypatch):
    splits = {"train": two_kinds(200, 0), "test": two_kinds(60, 1)}
    monkeypatch.setattr(recipes.data, "load", lambda name, split="train", *a, **k: splits[split])
    monkeypatch.setattr(oneclass.data, "class_names", lambda name: ["horizontal", "vertical"])
    monkeypatch.setenv("AELIB_CHECKPOINTS", str(tmp_path))
    for label in (0, 1):
        quick = replace(recipes.ONE_CLASS["mnist", label], dataset="bars", train_count=160, epochs=2)
        monkeypatch.setitem(recipes.ONE_CLASS, ("bars", label), quick)
    return splits


def test_each_class_is_modelled_on_its_own_images_and_scored_as_defined(bars):
    runs = oneclass.score_classes("bars")
    assert [(r.label, r.name) for r in runs] == [(0, "horizontal"), (1, "vertical")]
    test_images, test_labels = bars["test"]
    for run in runs:
        train, _ = recipes.ONE_CLASS["bars", run.label].images()
        assert len(train) == 80  # its class among the first 160
        torch.testing.assert_close(run.pca.mean, train.double().div(255).reshape(80, -1).mean(0))
        assert set(run.scores) == set(run.held_out) == {(m, s) for m in oneclass.METHODS for s in oneclass.SCORES}
        recon = reconstruct(run.model, test_images)[1]
        torch.testing.assert_close(run.scores["autoencoder", "smoothed MSE"],
                                   detection.image_scores(recon, test_images, smooth=True))
        pca = run.pca.reconstruct(test_images, 32).clamp(0, 1)
        torch.testing.assert_close(run.scores["PCA", "MSE"], detection.image_scores(pca, test_images))
        assert len(run.held_out["PCA", "MSE"]) == 20  # its class among the last 40
        assert torch.equal(run.unusual, test_labels != run.label)
        assert run.auc("PCA", "MSE") > 0.9  # a bar the other way round is unusual, even to PCA


def test_auc_table_rows_per_class_and_a_mean(bars):
    runs = oneclass.score_classes("bars")
    table = oneclass.auc_table(runs, "smoothed MSE")
    assert list(table.index) == ["horizontal", "vertical", "mean"] and list(table.columns) == list(oneclass.METHODS)
    assert table.loc["vertical", "PCA"] == runs[1].auc("PCA", "smoothed MSE")
    mean = np.mean([r.auc("autoencoder", "smoothed MSE") for r in runs])
    assert table.loc["mean", "autoencoder"] == pytest.approx(mean)


def test_an_unknown_class_or_data_set_is_refused_with_what_there_is():
    with pytest.raises(ValueError, match="classes 0-9 of mnist and fashion-mnist"):
        oneclass.score_class("mnist", 10)
    with pytest.raises(ValueError, match="no one-class recipe for class 3 of 'cifar10'"):
        oneclass.score_class("cifar10", 3)
