"""aelib.widgets.lesson09, the threshold explorer, driven in-process: move the slider, check what it shows against
aelib.detection on hand-made scores (synthetic images, no model)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aelib import oneclass
from aelib import widgets as wd
from aelib.baselines import PCA
from aelib.detection import alarm_report, threshold_at
from tests.synthetic import images_and_labels, png_pixels


@pytest.fixture(scope="module")
def run():
    images, labels = images_and_labels(200, seed=3)
    g = torch.Generator().manual_seed(0)
    unusual = labels != 8
    scores = torch.rand(200, generator=g, dtype=torch.float64) + 0.6 * unusual
    held = torch.rand(100, generator=g, dtype=torch.float64)
    r = oneclass.OneClassScores("mnist", 8, torch.nn.Identity(), PCA(), labels)
    r.scores = {("autoencoder", "smoothed MSE"): scores}
    r.held_out = {("autoencoder", "smoothed MSE"): held}
    return r, images


def test_threshold_explorer_follows_the_slider(run, capsys):
    r, images = run
    w = wd.threshold_explorer(r, images, rate=0.05)
    assert w.updates == 1 and w.values["rate"] == 0.05
    w.controls["rate"].value = 0.2
    assert w.updates == 2
    held, scores = r.held_out["autoencoder", "smoothed MSE"], r.scores["autoencoder", "smoothed MSE"]
    t = threshold_at(held, 0.2)
    report = alarm_report(scores, r.unusual, t)
    assert w.values["threshold"] == t and (held.numpy() > t).sum() == 20
    assert (w.values["precision"], w.values["recall"], w.values["flagged"]) == (report.precision, report.recall,
                                                                                report.flagged)
    # the top row: the flagged images with the lowest scores, in rising order
    above = torch.nonzero(scores > t).flatten()
    first = above[scores[above].argmin()]
    np.testing.assert_array_equal(w.images["above"][2:30, 2:30], images[first].numpy() / np.float32(255))
    # the bottom row: unusual images below the threshold, highest first
    below = torch.nonzero((scores <= t) & r.unusual).flatten()
    if len(below):
        nearest = below[scores[below].argmax()]
        np.testing.assert_array_equal(w.images["below"][2:30, 2:30], images[nearest].numpy() / np.float32(255))
    assert png_pixels(w.views["above"].value).shape[0] == 2 * w.images["above"].shape[0]
    assert repr(w) == "aelib threshold explorer (interactive: run the notebook to use it)"
    assert capsys.readouterr().out == ""


def test_threshold_explorer_refuses_what_does_not_fit(run):
    r, images = run
    with pytest.raises(ValueError, match="is not one of this run's"):
        wd.threshold_explorer(r, images, score=("PCA", "MSE"))
    with pytest.raises(ValueError, match="got 10 images for 200 scores"):
        wd.threshold_explorer(r, images[:10])
