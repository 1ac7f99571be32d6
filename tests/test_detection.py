"""aelib.detection: scores, ROC, AUC, thresholds and compressed lengths on hand-made cases whose answers are known."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from aelib import detection, models


def pairwise_auc(scores, unusual) -> float:
    """The AUC by its definition: every (unusual, normal) pair compared, a tie counting one half."""
    s, u = np.asarray(scores, float), np.asarray(unusual, bool)
    a, b = s[u][:, None], s[~u][None, :]
    return float((a > b).mean() + 0.5 * (a == b).mean())


def test_auc_of_known_rankings():
    assert detection.roc_auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]) == 1.0
    assert detection.roc_auc([0.8, 0.9, 0.1, 0.2], [False, False, True, True]) == 0.0
    assert detection.roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert detection.roc_auc([1.0, 1.0, 1.0, 1.0], [0, 1, 0, 1]) == 0.5  # all tied: chance
    assert detection.roc_auc(torch.tensor([3.0, 1.0, 2.0]), torch.tensor([True, False, False])) == 1.0


@pytest.mark.parametrize("seed", range(4))
def test_auc_by_ranks_equals_the_pairwise_definition_ties_included(seed):
    rng = np.random.default_rng(seed)
    unusual = rng.random(700) < 0.2
    scores = np.round(rng.normal(size=700) + unusual, 1)  # rounded: many ties
    assert detection.roc_auc(scores, unusual) == pytest.approx(pairwise_auc(scores, unusual), abs=1e-12)


def test_auc_refuses_bad_input():
    with pytest.raises(ValueError, match="both kinds"):
        detection.roc_auc([1.0, 2.0], [True, True])
    with pytest.raises(ValueError, match="one is-unusual flag per score"):
        detection.roc_auc([1.0, 2.0, 3.0], [True, False])
    with pytest.raises(ValueError, match="NaN"):
        detection.roc_auc([1.0, float("nan")], [True, False])
    with pytest.raises(ValueError, match="True \\(or 1\\)"):
        detection.roc_auc([1.0, 2.0], [2, 0])


def test_roc_curve_runs_from_corner_to_corner_and_its_area_is_the_auc():
    rng = np.random.default_rng(1)
    unusual = rng.random(500) < 0.3
    scores = np.round(rng.normal(size=500) + 1.5 * unusual, 1)
    fpr, tpr, thresholds = detection.roc_curve(scores, unusual)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0) and thresholds[0] == np.inf
    assert np.trapezoid(tpr, fpr) == pytest.approx(detection.roc_auc(scores, unusual), abs=1e-12)
    # each point is what flagging "score >= that threshold" does
    t = thresholds[5]
    assert fpr[5] == pytest.approx(((scores >= t) & ~unusual).sum() / (~unusual).sum())


def test_threshold_at_flags_at_most_the_rate_and_no_fewer():
    normal = np.arange(100, dtype=float)  # 0 … 99
    assert detection.threshold_at(normal, 0.05) == 94.0  # 95 … 99 lie above it: 5 of 100
    assert detection.threshold_at(normal, 0.0) == 99.0
    assert detection.threshold_at(normal, 0.049) == 95.0  # 4 allowed
    for rate in (0.01, 0.05, 0.1, 0.33):
        t = detection.threshold_at(normal, rate)
        assert (normal > t).sum() == math.floor(rate * 100)
    with pytest.raises(ValueError, match=r"in \[0, 1\)"):
        detection.threshold_at(normal, 1.0)
    with pytest.raises(ValueError, match="held-out normal"):
        detection.threshold_at([], 0.05)


def test_alarm_report_counts():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    unusual = np.array([False, False, True, False, True, True])
    report = detection.alarm_report(scores, unusual, 0.25)  # flags 0.3 … 0.6: 3 unusual, 1 normal
    assert (report.flagged, report.hits, report.unusual, report.normal) == (4, 3, 3, 3)
    assert (report.precision, report.recall, report.false_alarm_rate) == (0.75, 1.0, 1 / 3)
    assert "precision 0.750, recall 1.000" in str(report)
    assert math.isnan(detection.alarm_report(scores, unusual, 1.0).precision)  # nothing flagged


def test_image_scores_are_per_image_mse_and_the_smoothed_one_is_the_binomial_filter():
    g = torch.Generator().manual_seed(0)
    images = (torch.rand(5, 28, 28, generator=g) * 255).to(torch.uint8)
    recon = torch.rand(5, 1, 28, 28, generator=g)
    diff = recon.double() - images.double().div(255).unsqueeze(1)
    plain = detection.image_scores(recon, images)
    assert plain.dtype == torch.float64 and plain.shape == (5,)
    torch.testing.assert_close(plain, diff.square().flatten(1).mean(1), rtol=1e-6, atol=1e-9)
    blurred = F.conv2d(diff, detection.SMOOTHING, padding=1)
    torch.testing.assert_close(detection.image_scores(recon, images, smooth=True),
                               blurred.square().flatten(1).mean(1), rtol=1e-5, atol=1e-9)
    assert detection.SMOOTHING.sum().item() == pytest.approx(1.0)


def test_smoothing_forgives_a_shift_more_than_a_missing_stroke():
    image = torch.zeros(1, 28, 28)
    image[0, 6:22, 13] = 1.0  # a vertical stroke
    shifted = torch.roll(image, 1, dims=2)  # drawn one pixel to the side
    missing = torch.zeros(1, 28, 28)  # the stroke not drawn at all: half as many wrong pixels as the shift
    plain = [detection.image_scores(r, image).item() for r in (shifted, missing)]
    smooth = [detection.image_scores(r, image, smooth=True).item() for r in (shifted, missing)]
    assert plain[0] == pytest.approx(2 * plain[1])  # pixel by pixel the shift costs twice as much …
    assert smooth[0] < 0.75 * smooth[1]  # … at the scale of a stroke, the missing stroke costs more


def test_reconstruction_scores_use_the_models_reconstruction():
    torch.manual_seed(0)
    model = models.one_class_autoencoder().eval()
    images = (torch.rand(7, 28, 28) * 255).to(torch.uint8)
    with torch.no_grad():
        recon = model(images.float().div(255).unsqueeze(1))
    torch.testing.assert_close(detection.reconstruction_scores(model, images, batch_size=3),
                               detection.image_scores(recon, images))


def test_compressed_nats_is_the_png_length():
    blank = torch.zeros(2, 28, 28, dtype=torch.uint8)
    g = torch.Generator().manual_seed(0)
    noise = torch.randint(0, 256, (1, 28, 28), generator=g, dtype=torch.uint8)
    nats = detection.compressed_nats(torch.cat([blank, noise]))
    buffer = io.BytesIO()
    Image.fromarray(noise[0].numpy()).save(buffer, format="PNG", optimize=True)
    assert nats[2].item() == pytest.approx(len(buffer.getvalue()) * 8 * math.log(2))
    assert nats[0] == nats[1] and nats[0] < nats[2] / 5  # a blank image is far simpler than noise
    assert nats[2] > 784 * 8 * math.log(2)  # random bytes do not compress: more than the raw pixels
    torch.testing.assert_close(detection.compressed_nats(noise.float() / 255), nats[2:])
